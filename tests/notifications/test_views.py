"""The notification centre as people see it: the inbox, the bell, opening a notification, email settings,
unsubscribe links, an email's open tracking, and the vendor console's alert open rates.

The ``channel`` fixture builds its partnerships through the services, so every person already has the
notifications those events sent: Initech's people were told Acme and Globex approved them; Umbrella's admin
that Acme and Globex approved it and Globex suspended it; Acme's admin and manager that Initech and Umbrella
applied.
"""

import re
from urllib.parse import urlparse

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from notifications import kinds
from notifications import services as notifications
from notifications.models import EmailMode, NotificationPreference, NotificationSettings, Receipt
from tests import factories as f
from tests.portal.helpers import client_for, main_text, text
from vendors import access, services
from vendors.models import Membership

INBOX = reverse("notifications:inbox")
BELL = reverse("notifications:bell")
READ_ALL = reverse("notifications:read_all")
SETTINGS = reverse("notifications:preferences")
HTMX = {"HTTP_HX_REQUEST": "true"}

ACME_APPROVED = "Acme Networks approved your application: Gold tier"
GLOBEX_APPROVED = "Globex Security approved your application: Standard tier"


def tell(partnership, title, *, kind="partnership.tier_changed", body=""):
    """The vendor tells the partnership's partner something (as the services do)."""
    return notifications.notify(
        kind=kind,
        organization=partnership.partner,
        vendor=partnership.vendor,
        subject=partnership,
        title=title,
        body=body,
    )


def receipt(user, title) -> Receipt:
    return Receipt.objects.select_related("notification").get(user=user, notification__title=title)


def open_url(r: Receipt) -> str:
    return reverse("notifications:open", args=[r.pk])


def read_url(r: Receipt) -> str:
    return reverse("notifications:read", args=[r.pk])


def bell_count(client) -> str:
    """What the bell says, as a screen reader reads it."""
    html = client.get(BELL).content.decode()
    return re.search(r'aria-label="Notifications: ([^"]*)"', html).group(1)


# --- the inbox ------------------------------------------------------------------------------------------------


def test_a_partner_sees_what_every_vendor_told_it_newest_first(client, channel):
    tell(channel.initech_acme, "Acme Networks moved you to the Platinum tier", body="Gold → Platinum")
    page = main_text(client_for(client, channel.initech_rep).get(INBOX))
    assert "3 notifications" in page
    assert page.index("Platinum tier") < page.index(GLOBEX_APPROVED) < page.index(ACME_APPROVED)
    assert "Gold → Platinum" in page
    assert page.count("New") == 3 and "3 unread" in page


def test_a_partner_never_sees_another_partners_or_a_vendors_notifications(client, channel):
    tell(channel.umbrella_acme, "Only for Umbrella: Acme's new price list")
    vendor_side = receipt(channel.acme_manager, "Initech Solutions applied to your partner program")
    umbrella_side = receipt(channel.umbrella_admin, "Only for Umbrella: Acme's new price list")
    client_for(client, channel.initech_admin)

    html = client.get(INBOX).content.decode() + client.get(INBOX + "?unread=on").content.decode()
    for foreign in ("Only for Umbrella", "applied to your partner program", "Globex Security suspended"):
        assert foreign not in html
    assert bell_count(client) == "2 unread"
    for r in (vendor_side, umbrella_side):
        assert client.get(open_url(r)).status_code == 404
        assert client.post(read_url(r), {"read": "1"}).status_code == 404
        assert client.post(read_url(r), {"read": "1"}, **HTMX).status_code == 404
    assert Receipt.objects.filter(pk__in=[vendor_side.pk, umbrella_side.pk], read_at__isnull=False).count() == 0


def test_a_vendors_people_see_their_own_notifications_in_the_console(client, channel):
    page = main_text(client_for(client, channel.acme_manager).get(INBOX))
    assert "Initech Solutions applied to your partner program" in page
    assert "Umbrella IT applied to your partner program" in page
    assert "approved your application" not in page
    html = client.get(INBOX).content.decode()
    assert 'aria-current="page">Notifications' in html and ">Partners</a>" in html  # the console's navigation


def test_the_vendor_filter_offers_only_vendors_in_the_persons_notifications(client, channel):
    hooli = f.vendor("Hooli Cloud")  # in the directory, but it never told Initech anything
    client_for(client, channel.initech_rep)
    html = client.get(INBOX).content.decode()
    select = re.search(r'<select name="vendor".*?</select>', html, flags=re.S).group(0)
    assert re.findall(r">([^<]+)</option>", select) == ["All vendors", "Acme Networks", "Globex Security"]
    assert hooli.name not in html

    page = main_text(client.get(INBOX, {"vendor": channel.acme.pk}))
    assert ACME_APPROVED in page and GLOBEX_APPROVED not in page
    assert "1 notification matches these filters" in page
    assert "Mark all from Acme Networks read" in page


def test_another_vendors_id_in_the_filter_is_ignored_and_shows_nothing_of_theirs(client, channel):
    hooli = f.vendor("Hooli Cloud")
    f.partnership(hooli, channel.umbrella)  # Umbrella is told "Hooli Cloud approved your application"
    client_for(client, channel.initech_rep)
    for value in (hooli.pk, channel.umbrella.pk, "999999", "x"):
        response = client.get(INBOX, {"vendor": value})
        assert response.status_code == 200
        page = main_text(response)
        assert "Hooli" not in page and "Umbrella" not in page
        assert ACME_APPROVED in page and GLOBEX_APPROVED in page  # the filter is dropped, not an error
        assert "Select a valid choice" not in page
    # The other filters still apply.
    notifications.receipt_mark_read(user=channel.initech_rep, receipt=receipt(channel.initech_rep, ACME_APPROVED))
    page = main_text(client.get(INBOX, {"vendor": hooli.pk, "unread": "on"}))
    assert GLOBEX_APPROVED in page and ACME_APPROVED not in page


def test_the_unread_filter(client, channel):
    notifications.receipt_mark_read(user=channel.initech_rep, receipt=receipt(channel.initech_rep, ACME_APPROVED))
    client_for(client, channel.initech_rep)
    page = main_text(client.get(INBOX, {"unread": "on"}))
    assert GLOBEX_APPROVED in page and ACME_APPROVED not in page
    assert "1 notification matches these filters" in page and "Clear filters" in page
    everything = main_text(client.get(INBOX))
    assert ACME_APPROVED in everything and GLOBEX_APPROVED in everything


def test_filtering_with_htmx_swaps_the_results_only(client, channel):
    client_for(client, channel.initech_rep)
    response = client.get(INBOX, {"vendor": channel.globex.pk}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="notification-results"' in html
    assert GLOBEX_APPROVED in html and ACME_APPROVED not in html
    assert "HX-Request" in response["Vary"]


def test_the_inbox_pages_through_many_notifications(client, channel):
    for n in range(30):
        tell(channel.initech_acme, f"Update number {n:02d}")
    client_for(client, channel.initech_rep)
    first = main_text(client.get(INBOX))
    assert "32 notifications" in first and "Page 1 of 2" in first
    assert "Update number 29" in first and "Update number 05" in first and "Update number 04" not in first
    second = main_text(client.get(INBOX, {"page": 2}))
    assert "Update number 04" in second and ACME_APPROVED in second and "Update number 05" not in second
    partial = client.get(INBOX, {"page": 2}, **HTMX).content.decode()
    assert "<html" not in partial and "Update number 00" in partial
    assert main_text(client.get(INBOX, {"page": 99})).count("Update number") == 5  # past the end: the last page


def test_empty_states(client, channel):
    newcomer = f.partner("Newcomer Ltd")
    page = main_text(client_for(client, f.admin_of(newcomer)).get(INBOX))
    assert "Nothing yet" in page and "When a vendor approves your application" in page
    assert bell_count(client) == "none unread"
    assert "Mark all" not in page

    client_for(client, channel.initech_rep)
    notifications.receipts_mark_all_read(user=channel.initech_rep, organization=channel.initech)
    page = main_text(client.get(INBOX, {"unread": "on"}))
    assert "No notifications match these filters" in page and "Show all notifications" in page


def test_a_person_in_two_organizations_sees_the_one_they_work_in(client, channel):
    services.membership_add(organization=channel.umbrella, user=channel.initech_admin, role=Membership.Role.MEMBER)
    tell(channel.umbrella_acme, "Acme Networks news for Umbrella")
    page = main_text(client_for(client, channel.initech_admin, channel.initech).get(INBOX))
    assert ACME_APPROVED in page and "news for Umbrella" not in page
    page = main_text(client_for(client, channel.initech_admin, channel.umbrella).get(INBOX))
    assert "news for Umbrella" in page and ACME_APPROVED not in page


# --- marking read and unread ----------------------------------------------------------------------------------


def test_marking_read_with_htmx_swaps_the_row_and_tells_the_bell(client, channel):
    r = receipt(channel.initech_rep, ACME_APPROVED)
    client_for(client, channel.initech_rep)
    assert bell_count(client) == "2 unread"
    response = client.post(read_url(r), {"read": "1", "next": INBOX}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "notifications-changed"
    html = response.content.decode()
    assert html.strip().startswith(f'<li id="receipt-{r.pk}"') and "<html" not in html
    assert "Mark unread" in html and "New" not in text(response)
    assert bell_count(client) == "1 unread"

    response = client.post(read_url(r), {"read": "0", "next": INBOX}, **HTMX)
    assert "Mark read" in response.content.decode() and response["HX-Trigger"] == "notifications-changed"
    assert bell_count(client) == "2 unread"


def test_marking_read_without_javascript_goes_back_to_the_page(client, channel):
    r = receipt(channel.initech_rep, GLOBEX_APPROVED)
    client_for(client, channel.initech_rep)
    back = INBOX + f"?vendor={channel.globex.pk}"
    response = client.post(read_url(r), {"read": "1", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    page = main_text(client.get(back))
    assert "Mark unread" in page and "New" not in page
    # A "next" pointing elsewhere is not followed.
    response = client.post(read_url(r), {"read": "0", "next": "https://evil.example/"})
    assert response["Location"] == INBOX
    r.refresh_from_db()
    assert r.read_at is None


def test_the_inbox_rows_come_back_to_the_filtered_page(client, channel):
    client_for(client, channel.initech_rep)
    html = client.get(INBOX, {"vendor": channel.acme.pk}).content.decode()
    assert f'name="next" value="{INBOX}?vendor={channel.acme.pk}"' in html


def test_mark_all_read_in_the_organization_or_from_one_vendor(client, channel):
    tell(channel.initech_acme, "Acme Networks news")
    client_for(client, channel.initech_rep)
    response = client.post(READ_ALL, {"vendor": channel.acme.pk})
    assert response["Location"] == f"{INBOX}?vendor={channel.acme.pk}"
    assert "Marked 2 notifications as read." in main_text(client.get(response["Location"]))
    assert bell_count(client) == "1 unread"  # Globex's is still unread

    response = client.post(READ_ALL)
    assert response["Location"] == INBOX
    assert "Marked 1 notification as read." in main_text(client.get(INBOX))
    assert bell_count(client) == "none unread"
    # Nobody else's changed.
    assert Receipt.objects.filter(user=channel.initech_admin, read_at__isnull=True).count() == 3


def test_mark_all_read_for_a_vendor_not_in_the_notifications_marks_nothing(client, channel):
    client_for(client, channel.initech_rep)
    for value in (channel.umbrella.pk, f.vendor().pk, "abc"):
        response = client.post(READ_ALL, {"vendor": value})
        assert response["Location"] == INBOX
        assert "nothing was marked" in main_text(client.get(INBOX))
    assert bell_count(client) == "2 unread"


# --- opening a notification -----------------------------------------------------------------------------------


def test_opening_a_notification_marks_it_read_and_opened_and_goes_to_the_vendor(client, channel):
    r = receipt(channel.initech_rep, ACME_APPROVED)
    client_for(client, channel.initech_rep)
    response = client.get(open_url(r))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:vendor_detail", args=[channel.acme.slug])
    assert "Acme Networks" in main_text(client.get(response["Location"]))
    r.refresh_from_db()
    assert r.read_at is not None and r.opened_at is not None and r.opened_via == Receipt.Via.APP
    first_open = r.opened_at

    client.get(open_url(r))
    r.refresh_from_db()
    assert r.opened_at == first_open  # the first open is kept
    assert bell_count(client) == "1 unread"


def test_a_suspended_partnerships_vendor_stays_linked_because_its_history_stays_visible(client, channel):
    """``_vendor_link`` asks ``organizations_visible_to``: a suspended (or ended) partnership keeps its records
    visible to the partner, so the vendor's page still opens, showing the suspension."""
    r = receipt(channel.umbrella_admin, "Globex Security suspended your partnership")
    client_for(client, channel.umbrella_admin)
    response = client.get(open_url(r))
    assert response["Location"] == reverse("portal:vendor_detail", args=[channel.globex.slug])
    assert "Globex Security suspended the partnership" in main_text(client.get(response["Location"]))

    services.partnership_end(actor=channel.acme_admin, partnership=channel.umbrella_acme, reason="Program closed.")
    ended = receipt(channel.umbrella_admin, "Acme Networks ended your partnership")
    assert client.get(open_url(ended))["Location"] == reverse("portal:vendor_detail", args=[channel.acme.slug])


@pytest.fixture
def program_news(monkeypatch):
    """A type about a vendor's program content: its link needs program access, which a suspension revokes."""

    def link(notification, user):
        if notification.vendor_id in access.program_vendor_ids(user):
            return reverse("portal:catalog") + f"?vendor={notification.vendor_id}"
        return None

    kind = kinds.Kind("program.news", "Program news", "A vendor shared something new.", link=link)
    monkeypatch.setitem(kinds.REGISTRY, kind.key, kind)
    return kind


def test_a_notification_about_what_the_reader_may_no_longer_see_stays_readable_without_a_link(
    client, channel, program_news
):
    notifications.notify(
        kind="program.news",
        organization=channel.initech,
        vendor=channel.acme,
        title="Acme Networks shared a new price list",
        body="Prices change on 1 July.",
    )
    r = receipt(channel.initech_rep, "Acme Networks shared a new price list")
    client_for(client, channel.initech_rep)
    assert client.get(open_url(r))["Location"] == reverse("portal:catalog") + f"?vendor={channel.acme.pk}"

    services.partnership_suspend(actor=channel.acme_admin, partnership=channel.initech_acme, reason="Audit.")
    response = client.get(open_url(r))
    assert response.status_code == 200
    page = main_text(response)
    assert "Acme Networks shared a new price list" in page and "Prices change on 1 July." in page
    assert "no longer available" in page
    assert "Go to it" not in page and "/catalog/" not in response.content.decode().split("<main", 1)[1]


def test_stay_shows_the_notification_with_its_link(client, channel):
    r = receipt(channel.initech_rep, ACME_APPROVED)
    response = client_for(client, channel.initech_rep).get(open_url(r), {"stay": "1"})
    assert response.status_code == 200
    assert "Go to it" in main_text(response)
    assert reverse("portal:vendor_detail", args=[channel.acme.slug]) in response.content.decode()


def test_another_persons_receipt_is_a_404_even_in_the_same_organization(client, channel):
    admins = receipt(channel.initech_admin, ACME_APPROVED)
    client_for(client, channel.initech_rep)
    assert client.get(open_url(admins)).status_code == 404
    assert client.get(reverse("notifications:open", args=[10**9])).status_code == 404
    admins.refresh_from_db()
    assert admins.read_at is None and admins.opened_at is None


def test_a_receipt_from_an_organization_the_person_left_is_a_404(client, channel):
    r = receipt(channel.initech_rep, ACME_APPROVED)
    services.membership_remove(actor=channel.initech_admin, membership=Membership.objects.get(user=channel.initech_rep))
    assert client_for(client, channel.initech_rep).get(open_url(r)).status_code == 404


def test_opening_a_notification_from_another_of_the_persons_organizations_switches_to_it(client, channel):
    services.membership_add(organization=channel.umbrella, user=channel.initech_admin, role=Membership.Role.MEMBER)
    tell(channel.umbrella_acme, "Acme Networks news for Umbrella")
    r = receipt(channel.initech_admin, "Acme Networks news for Umbrella")
    client_for(client, channel.initech_admin, channel.initech)
    response = client.get(open_url(r), {"stay": "1"})
    assert response.status_code == 200
    assert "news for Umbrella" in main_text(response)
    assert "news for Umbrella" in main_text(client.get(INBOX))  # now working in Umbrella


def test_anonymous_people_are_asked_to_log_in(client, channel):
    r = receipt(channel.initech_rep, ACME_APPROVED)
    for url in (INBOX, BELL, SETTINGS, open_url(r)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login")), url
    assert client.post(read_url(r), {"read": "1"}).status_code == 302
    r.refresh_from_db()
    assert r.read_at is None


# --- the bell -------------------------------------------------------------------------------------------------


def test_every_page_loads_the_bell(client, channel):
    client_for(client, channel.initech_rep)
    for url in (reverse("portal:home"), reverse("portal:catalog"), INBOX, SETTINGS):
        html = client.get(url).content.decode()
        assert f'id="notification-bell" class="bell" href="{INBOX}" hx-get="{BELL}" hx-trigger="load"' in html


def test_the_bell_counts_unread_polls_and_is_never_cached(client, channel, settings):
    settings.ONEPANE_BELL_POLL_SECONDS = 7
    client_for(client, channel.umbrella_admin)
    response = client.get(BELL)
    html = response.content.decode()
    assert 'hx-trigger="every 7s, notifications-changed from:body"' in html
    assert '<span class="bell-count" data-count="3" aria-hidden="true">3</span>' in html
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "<html" not in html


def test_the_bell_polls_every_20_seconds_by_default(client, channel):
    html = client_for(client, channel.initech_rep).get(BELL).content.decode()
    assert 'hx-trigger="every 20s, notifications-changed from:body"' in html


def test_the_bell_says_99_plus_above_99(client, channel):
    for n in range(97):  # and the two approvals
        tell(channel.initech_acme, f"Update {n}")
    client_for(client, channel.initech_rep)
    html = client.get(BELL).content.decode()
    assert ">100<" not in html and '<span class="bell-count" data-count="99" aria-hidden="true">99</span>' in html
    assert bell_count(client) == "99 unread"
    tell(channel.initech_acme, "One more")
    html = client.get(BELL).content.decode()
    assert ">99+</span>" in html and bell_count(client) == "more than 99 unread"
    assert "more than 99 unread" in main_text(client.get(INBOX))


def test_the_bell_stops_polling_when_the_session_has_ended(client):
    response = client.get(BELL, **HTMX)
    assert response.status_code == 286  # htmx stops polling
    html = response.content.decode()
    assert 'id="notification-bell"' in html and "hx-get" not in html and "hx-trigger" not in html


# --- email settings -------------------------------------------------------------------------------------------


def radio_names(html) -> set[str]:
    return set(re.findall(r'type="radio" name="(email__[^"]+)"', html))


def test_the_settings_offer_only_the_types_the_persons_role_receives(client, channel):
    rep = client_for(client, channel.initech_rep).get(SETTINGS)
    assert rep.status_code == 200
    page = main_text(rep)
    assert "Application approved" in page and "Tier changed" in page and "Partnership suspended" in page
    assert "Application declined" not in page  # admins and managers only
    assert "Invitation sent" not in page and "Partner application received" not in page
    assert "Time zone" in page and "Daily digest at" in page

    admin = client_for(Client(), channel.initech_admin).get(SETTINGS)
    assert {"email__partnership__declined", "email__invitation__sent"} <= radio_names(admin.content.decode())


def test_saving_the_settings(client, channel):
    client_for(client, channel.initech_rep)
    form = {
        "time_zone": "Europe/Berlin",
        "digest_hour": "7",
        **dict.fromkeys(radio_names(client.get(SETTINGS).content.decode()), EmailMode.IMMEDIATE),
        "email__partnership__tier_changed": EmailMode.DIGEST,
        "email__partnership__suspended": EmailMode.OFF,
    }
    response = client.post(SETTINGS, form)
    assert response.status_code == 302 and response["Location"] == SETTINGS
    page = client.get(SETTINGS)
    assert "Your notification settings are saved." in main_text(page)
    html = page.content.decode()
    assert re.search(r'<option value="Europe/Berlin" selected>', html)
    assert re.search(r'<option value="7" selected>07:00</option>', html)
    assert re.search(r'name="email__partnership__tier_changed" value="digest"[^>]*checked', html)
    settings_row = NotificationSettings.objects.get(user=channel.initech_rep)
    assert (settings_row.time_zone, settings_row.digest_hour) == ("Europe/Berlin", 7)
    # The next tier change waits for the digest, for this person only.
    services.partnership_change_tier(actor=channel.acme_admin, partnership=channel.initech_acme, tier=channel.silver)
    title = "Acme Networks moved you to the Silver tier"
    assert receipt(channel.initech_rep, title).email_state == Receipt.Email.DIGEST
    assert receipt(channel.initech_admin, title).email_state == Receipt.Email.QUEUED


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Choose a time zone from the list"),
        ({"time_zone": "localtime"}, "time_zone", "Choose a time zone from the list"),
        ({"digest_hour": "24"}, "digest_hour", "Select a valid choice"),
        ({"digest_hour": "seven"}, "digest_hour", "Select a valid choice"),
        ({"email__partnership__approved": "sometimes"}, "email__partnership__approved", "Select a valid choice"),
        ({"email__partnership__approved": ""}, "email__partnership__approved", "This field is required"),
    ],
)
def test_bad_settings_are_a_400_with_field_errors_and_save_nothing(client, channel, change, field, message):
    client_for(client, channel.initech_rep)
    form = {
        "time_zone": "Europe/Berlin",
        "digest_hour": "7",
        **dict.fromkeys(radio_names(client.get(SETTINGS).content.decode()), EmailMode.OFF),
        **change,
    }
    response = client.post(SETTINGS, form)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert message in main_text(response)
    assert 'class="field preference field-error"' in response.content.decode() or field in ("time_zone", "digest_hour")
    assert not NotificationSettings.objects.filter(user=channel.initech_rep).exists()
    assert not NotificationPreference.objects.filter(user=channel.initech_rep).exists()


def test_a_type_the_person_cannot_receive_is_not_saved(client, channel):
    client_for(client, channel.initech_rep)
    form = {
        "time_zone": "UTC",
        "digest_hour": "8",
        **dict.fromkeys(radio_names(client.get(SETTINGS).content.decode()), EmailMode.IMMEDIATE),
        "email__partnership__declined": EmailMode.OFF,
        "email__no__such__type": EmailMode.OFF,
    }
    assert client.post(SETTINGS, form).status_code == 302
    kinds_saved = set(NotificationPreference.objects.filter(user=channel.initech_rep).values_list("kind", flat=True))
    assert "partnership.declined" not in kinds_saved and "partnership.approved" in kinds_saved


# --- unsubscribe links ----------------------------------------------------------------------------------------


def unsubscribe_url(user, kind="partnership.tier_changed", token=None):
    return reverse("notifications:unsubscribe", args=[token or notifications.unsubscribe_token(user.pk, kind)])


def modes_of(user) -> dict:
    return dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))


def test_the_unsubscribe_link_asks_first_then_turns_the_type_off(channel):
    browser = Client(enforce_csrf_checks=True)
    url = unsubscribe_url(channel.initech_rep)
    response = browser.get(url)
    assert response.status_code == 200
    page = main_text(response)
    assert "Stop “Tier changed” emails?" in page
    assert page.count("Unsubscribe") == 1  # one button
    assert modes_of(channel.initech_rep) == {}  # a GET (a link scanner) changes nothing
    for secret in (channel.initech_rep.email, channel.initech_rep.first_name, channel.initech_rep.last_name):
        assert secret not in response.content.decode()

    response = browser.post(url)  # the button: no login, no CSRF token
    assert response.status_code == 200
    assert "You are unsubscribed" in main_text(response)
    assert modes_of(channel.initech_rep) == {"partnership.tier_changed": EmailMode.OFF}


def test_one_click_unsubscribe_from_the_mail_client(channel):
    """RFC 8058: the mail client POSTs ``List-Unsubscribe=One-Click`` to the link, without cookies."""
    response = Client(enforce_csrf_checks=True).post(
        unsubscribe_url(channel.initech_admin, "partnership.approved"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert modes_of(channel.initech_admin) == {"partnership.approved": EmailMode.OFF}
    # The next approval is not emailed to them.
    hooli = f.vendor("Hooli Cloud")
    f.partnership(hooli, channel.initech)
    approved = Receipt.objects.filter(notification__vendor=hooli, notification__kind="partnership.approved")
    assert approved.get(user=channel.initech_admin).email_state == Receipt.Email.OFF
    assert approved.get(user=channel.initech_rep).email_state == Receipt.Email.QUEUED


def test_the_unsubscribe_link_in_an_email_works(channel, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tell(channel.initech_acme, "Acme Networks moved you to the Platinum tier")
    message = next(m for m in mailoutbox if m.to == [channel.initech_rep.email] and "Platinum" in m.subject)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = re.search(r"<(http[^>]+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert Client(enforce_csrf_checks=True).post(urlparse(link).path).status_code == 200
    assert modes_of(channel.initech_rep) == {"partnership.tier_changed": EmailMode.OFF}


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        # Signed with another salt: a token from elsewhere in the site.
        signing.dumps({"u": 1, "k": "partnership.tier_changed"}, compress=True),
        # A type nobody declared.
        "UNKNOWN",
    ],
)
def test_a_forged_unsubscribe_link_is_a_404_page_and_changes_nothing(channel, token):
    if token == "UNKNOWN":
        token = notifications.unsubscribe_token(channel.initech_rep.pk, "no.such.type")
    url = reverse("notifications:unsubscribe", args=[token])
    browser = Client(enforce_csrf_checks=True)
    for response in (browser.get(url), browser.post(url)):
        assert response.status_code == 404
        assert "This unsubscribe link is not valid" in main_text(response)
    assert not NotificationPreference.objects.exists()


def test_a_tampered_unsubscribe_link_cannot_switch_the_person(channel):
    token = notifications.unsubscribe_token(channel.initech_rep.pk, "partnership.approved")
    payload, _, signature = token.rpartition(":")
    other = notifications.unsubscribe_token(channel.initech_admin.pk, "partnership.approved")
    forged = other.rpartition(":")[0] + ":" + signature  # the admin's payload with the rep's signature
    response = Client().post(reverse("notifications:unsubscribe", args=[forged]))
    assert response.status_code == 404
    assert not NotificationPreference.objects.exists()


def test_a_link_for_one_person_changes_only_that_person_whoever_is_logged_in(client, channel):
    client_for(client, channel.initech_admin)
    response = client.post(unsubscribe_url(channel.initech_rep, "partnership.approved"))
    assert response.status_code == 200
    assert modes_of(channel.initech_rep) == {"partnership.approved": EmailMode.OFF}
    assert modes_of(channel.initech_admin) == {}


# --- an email's link and open pixel ---------------------------------------------------------------------------


def test_the_emails_link_records_the_first_open_and_opens_the_notification(client, channel):
    r = receipt(channel.initech_rep, ACME_APPROVED)
    click = reverse("notifications:click", args=[r.open_token])
    response = client.get(click)  # from the mail client, not logged in
    assert response.status_code == 302 and response["Location"] == open_url(r)
    r.refresh_from_db()
    assert r.opened_via == Receipt.Via.EMAIL and r.opened_at is not None and r.read_at is None
    first_open = r.opened_at

    client_for(client, channel.initech_rep)
    response = client.get(client.get(click)["Location"])
    assert response["Location"] == reverse("portal:vendor_detail", args=[channel.acme.slug])
    r.refresh_from_db()
    assert r.opened_at == first_open and r.opened_via == Receipt.Via.EMAIL and r.read_at is not None


def test_an_unknown_email_link_is_a_404(client, channel):
    for token in ("nope", "x" * 200):
        assert client.get(reverse("notifications:click", args=[token])).status_code == 404


def test_the_open_pixel_is_a_gif_that_records_the_first_open_once_and_names_nobody(client, channel):
    r = receipt(channel.initech_rep, ACME_APPROVED)
    pixel = reverse("notifications:pixel", args=[r.open_token])
    response = client.get(pixel)
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    assert response.content.startswith(b"GIF89a") and len(response.content) < 100
    for directive in ("no-cache", "no-store", "must-revalidate", "max-age=0"):
        assert directive in response["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    r.refresh_from_db()
    assert r.opened_via == Receipt.Via.EMAIL and r.read_at is None
    first_open = r.opened_at

    again = client.get(pixel)
    r.refresh_from_db()
    assert r.opened_at == first_open
    assert again.content == response.content
    person = channel.initech_rep
    for each in (response, again, client.get(reverse("notifications:pixel", args=["unknown"]))):
        raw = each.serialize()
        for secret in (person.email, person.first_name, person.last_name):
            assert secret.encode() not in raw
    assert Receipt.objects.filter(opened_at__isnull=False).count() == 1


# --- the vendor console's alerts page -------------------------------------------------------------------------

ALERTS = reverse("console:alerts")


def alert_row(page: str, label: str) -> str:
    match = re.search(re.escape(label) + r" ([\d,]+) ([\d,]+) ([\d.]+) %", page)
    assert match, f"no row for {label!r} in {page!r}"
    return " ".join(match.groups())


def test_the_alerts_page_shows_open_rates_per_type_counts_only(client, channel):
    # Acme told Initech's two people and Umbrella's admin it approved them; one of them opens it.
    client_for(Client(), channel.initech_rep).get(open_url(receipt(channel.initech_rep, ACME_APPROVED)))
    services.partnership_suspend(actor=channel.acme_admin, partnership=channel.umbrella_acme, reason="Audit.")
    page = main_text(client_for(client, channel.acme_member).get(ALERTS))
    assert alert_row(page, "Application approved") == "3 1 33.3"
    assert alert_row(page, "Partnership suspended") == "1 0 0.0"
    assert alert_row(page, "All alerts") == "4 1 25.0"
    # Acme's own notifications (applications it received) are not alerts it sent; Globex's are not Acme's.
    assert "Partner application received" not in page
    for person in (channel.initech_rep, channel.initech_admin, channel.umbrella_admin):
        assert person.email not in page and person.last_name not in page
    assert "Initech" not in page and "Umbrella" not in page


def test_the_alerts_page_counts_only_the_vendors_own_alerts(client, channel):
    page = main_text(client_for(client, channel.globex_admin).get(ALERTS))
    assert alert_row(page, "Application approved") == "3 0 0.0"  # Initech's two people, Umbrella's admin
    assert alert_row(page, "Partnership suspended") == "1 0 0.0"


def test_the_alerts_page_is_in_the_vendor_nav_and_empty_before_any_alert(client, channel):
    hooli = f.vendor("Hooli Cloud")
    response = client_for(client, f.admin_of(hooli)).get(ALERTS)
    assert response.status_code == 200
    assert "No alerts sent yet" in main_text(response)
    assert f'<a href="{ALERTS}" aria-current="page">Alerts</a>' in response.content.decode()


def test_the_alerts_page_is_for_vendors_only(client, channel):
    for person in (channel.initech_admin, channel.northwind_admin):
        response = client_for(Client(), person).get(ALERTS)
        assert response.status_code == 404
    assert ALERTS not in client_for(client, channel.initech_admin).get(INBOX).content.decode()
    assert client.logout() is None and Client().get(ALERTS).status_code == 302
