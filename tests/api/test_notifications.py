"""The notifications API: a person's own notifications in the organization they work in, read state, and email
preferences. Notifications come from the channel's own events (``channel`` is built through the services, which
notify) or from ``services.notify``, never written by hand."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import selectors, services
from notifications.models import NotificationPreference, NotificationSettings, Receipt
from tests import factories as f
from tests.api.helpers import API, errors, ids, rows
from vendors import services as vendor_services
from vendors.models import Membership

pytestmark = pytest.mark.django_db

LIST = f"{API}/notifications/"
PREFERENCES = f"{API}/notification-preferences/"


def detail(receipt, action=""):
    return f"{LIST}{receipt.pk}/{action + '/' if action else ''}"


def receipts_of(user, organization):
    return set(Receipt.objects.filter(user=user, organization=organization).values_list("pk", flat=True))


def tell(person, organization, *, kind="partnership.approved", vendor=None, title="Something happened", subject=None):
    """One notification for ``person`` alone, through the service every app uses."""
    notification = services.notify(
        kind=kind, organization=organization, vendor=vendor, recipient=person, title=title, subject=subject
    )
    return Receipt.objects.get(notification=notification, user=person)


@pytest.fixture
def two_hats(channel):
    """A person in Initech (member) and in Umbrella (admin), with a notification in each."""
    person = f.member(channel.initech, Membership.Role.MEMBER)
    vendor_services.membership_add(organization=channel.umbrella, user=person, role=Membership.Role.ADMIN)
    person.at_initech = tell(person, channel.initech, vendor=channel.acme, title="Initech news")
    person.at_umbrella = tell(person, channel.umbrella, vendor=channel.globex, title="Umbrella news")
    return person


# --- who sees what ------------------------------------------------------------------------------------------


def test_the_list_holds_the_persons_own_notifications_from_the_channels_events(api, channel):
    response = api(channel.initech_rep).get(LIST)
    mine = receipts_of(channel.initech_rep, channel.initech)
    assert len(mine) == 2  # Acme and Globex approved Initech's applications
    assert ids(response) == mine
    by_vendor = {row["vendor"]["name"]: row for row in rows(response)}
    acme = by_vendor["Acme Networks"]
    assert acme["kind"] == "partnership.approved"
    assert acme["kind_label"] == "Application approved"
    assert acme["title"] == "Acme Networks approved your application: Gold tier"
    assert acme["vendor"] == {"id": channel.acme.pk, "name": "Acme Networks"}
    assert acme["read"] is False and acme["read_at"] is None and acme["opened_at"] is None
    assert acme["url"] == reverse("portal:vendor_detail", kwargs={"slug": channel.acme.slug})


def test_a_vendors_deciders_see_the_applications_and_a_link_to_each(api, channel):
    response = api(channel.acme_manager).get(LIST)
    assert ids(response) == receipts_of(channel.acme_manager, channel.acme)
    assert {row["kind"] for row in rows(response)} == {"partnership.applied"}
    assert {row["url"] for row in rows(response)} == {
        reverse("console:partner_detail", kwargs={"pk": p.pk}) for p in (channel.initech_acme, channel.umbrella_acme)
    }
    # Acme's members are not told about applications.
    assert rows(api(channel.acme_member).get(LIST)) == []


def test_never_another_persons_or_another_organizations_notifications(api, channel):
    colleague = receipts_of(channel.initech_admin, channel.initech)
    elsewhere = receipts_of(channel.umbrella_admin, channel.umbrella) | receipts_of(channel.acme_manager, channel.acme)
    assert colleague and elsewhere
    client = api(channel.initech_rep)
    listed = ids(client.get(LIST))
    assert not listed & (colleague | elsewhere)
    missing = client.get(f"{LIST}987654321/")
    assert missing.status_code == 404
    for pk in colleague | elsewhere:
        response = client.get(f"{LIST}{pk}/")
        assert (response.status_code, response.json()) == (404, missing.json()), pk


def test_one_notification(api, channel):
    receipt = Receipt.objects.filter(user=channel.umbrella_admin, notification__kind="partnership.suspended").get()
    response = api(channel.umbrella_admin).get(detail(receipt))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == receipt.pk
    assert body["title"] == "Globex Security suspended your partnership"
    assert body["body"] == "Overdue certification."
    assert body["vendor"] == {"id": channel.globex.pk, "name": "Globex Security"}


def test_switching_organizations_changes_what_is_listed(api, channel, two_hats):
    client = api(two_hats)
    assert ids(client.get(LIST)) == {two_hats.at_initech.pk}  # Initech comes first: the organization by default
    assert client.get(detail(two_hats.at_umbrella)).status_code == 404

    client.post(reverse("portal:switch_organization"), {"organization": channel.umbrella.pk}, format="multipart")
    umbrella = ids(client.get(LIST))
    assert two_hats.at_umbrella.pk in umbrella and two_hats.at_initech.pk not in umbrella
    assert umbrella == receipts_of(two_hats, channel.umbrella)
    assert client.get(detail(two_hats.at_umbrella)).status_code == 200
    assert client.get(detail(two_hats.at_initech)).status_code == 404


def test_a_person_without_an_organization_has_no_notifications(api, channel):
    loner = f.UserFactory()
    client = api(loner)
    assert rows(client.get(LIST)) == []
    assert client.get(f"{LIST}unread-count/").json() == {"unread": 0}
    assert client.post(f"{LIST}read-all/", {}, format="json").json() == {"marked": 0}


def test_filters(api, channel):
    client = api(channel.umbrella_admin)
    everything = ids(client.get(LIST))
    from_globex = ids(client.get(LIST, {"vendor": channel.globex.pk}))
    assert from_globex == set(
        Receipt.objects.filter(user=channel.umbrella_admin, vendor=channel.globex).values_list("pk", flat=True)
    )
    assert len(from_globex) == 2  # approved, then suspended
    assert ids(client.get(LIST, {"vendor": channel.northwind.pk})) == set()
    read = Receipt.objects.get(pk=min(everything))
    services.receipt_mark_read(user=channel.umbrella_admin, receipt=read)
    assert ids(client.get(LIST, {"unread": "true"})) == everything - {read.pk}
    assert ids(client.get(LIST, {"unread": "false"})) == everything
    assert set(errors(client.get(LIST, {"vendor": "acme"}))) == {"vendor"}
    assert set(errors(client.get(LIST, {"unread": "perhaps"}))) == {"unread"}


# --- links ----------------------------------------------------------------------------------------------------


def test_each_url_is_the_link_of_the_notification_for_its_reader(api, channel):
    for person in (channel.initech_rep, channel.umbrella_admin, channel.acme_admin):
        listed = rows(api(person).get(LIST))
        assert listed, person
        for row in listed:
            receipt = Receipt.objects.select_related("notification").get(pk=row["id"])
            assert row["url"] == selectors.link_for(receipt, person)
            assert row["url"] is not None


def test_the_url_never_points_at_a_row_the_reader_cannot_see(api, channel):
    stranger = f.vendor("Stranger Systems", accepts_applications=False)  # not in the directory, no partnership
    about_stranger = tell(channel.initech_rep, channel.initech, vendor=stranger, title="About a stranger")
    # An application notification naming another vendor's partnership: the reader's vendor may not open it.
    foreign = tell(
        channel.acme_manager,
        channel.acme,
        kind="partnership.applied",
        vendor=channel.acme,
        subject=channel.umbrella_globex,
        title="Not yours",
    )
    rep = {row["id"]: row for row in rows(api(channel.initech_rep).get(LIST))}
    assert rep[about_stranger.pk]["url"] is None
    assert rep[about_stranger.pk]["vendor"] == {"id": stranger.pk, "name": "Stranger Systems"}
    assert api(channel.initech_rep).get(detail(about_stranger)).json()["url"] is None
    manager = {row["id"]: row for row in rows(api(channel.acme_manager).get(LIST))}
    assert manager[foreign.pk]["url"] is None
    assert api(channel.acme_manager).get(detail(foreign)).json()["url"] is None
    # The same notifications with rows the readers may see do link.
    assert all(row["url"] for pk, row in rep.items() if pk != about_stranger.pk)
    assert all(row["url"] for pk, row in manager.items() if pk != foreign.pk)


# --- read state -------------------------------------------------------------------------------------------------


def test_read_and_unread(api, channel):
    receipt = Receipt.objects.filter(user=channel.initech_rep).first()
    client = api(channel.initech_rep)
    assert client.get(f"{LIST}unread-count/").json() == {"unread": 2}

    response = client.post(detail(receipt, "read"))
    assert response.status_code == 200
    assert response.json()["read"] is True and response.json()["read_at"]
    assert client.get(f"{LIST}unread-count/").json() == {"unread": 1}
    assert client.get(detail(receipt)).json()["read"] is True

    response = client.post(detail(receipt, "unread"))
    assert response.json()["read"] is False and response.json()["read_at"] is None
    assert client.get(f"{LIST}unread-count/").json() == {"unread": 2}
    receipt.refresh_from_db()
    assert receipt.read_at is None and receipt.opened_at is None  # marking is not opening


def test_nobody_marks_anothers_notification(api, channel):
    theirs = Receipt.objects.filter(user=channel.initech_admin).first()
    elsewhere = Receipt.objects.filter(user=channel.umbrella_admin).first()
    client = api(channel.initech_rep)
    for receipt in (theirs, elsewhere):
        for action in ("read", "unread"):
            assert client.post(detail(receipt, action)).status_code == 404
    assert Receipt.objects.filter(pk__in=[theirs.pk, elsewhere.pk], read_at__isnull=False).count() == 0


def test_read_all_marks_the_persons_own_in_the_current_organization(api, channel, two_hats):
    colleague = Receipt.objects.filter(user=channel.initech_admin).first()
    client = api(two_hats)
    tell(two_hats, channel.initech, vendor=channel.globex)
    response = client.post(f"{LIST}read-all/", {}, format="json")
    assert response.json() == {"marked": 2}
    assert client.get(f"{LIST}unread-count/").json() == {"unread": 0}
    two_hats.at_umbrella.refresh_from_db()
    colleague.refresh_from_db()
    assert two_hats.at_umbrella.read_at is None  # another of their organizations
    assert colleague.read_at is None  # another person


def test_read_all_from_one_vendor(api, channel):
    client = api(channel.umbrella_admin)
    response = client.post(f"{LIST}read-all/", {"vendor": channel.globex.pk}, format="json")
    assert response.json() == {"marked": 2}
    assert {row["vendor"]["name"] for row in rows(client.get(LIST, {"unread": "true"}))} == {"Acme Networks"}


def test_read_all_refuses_a_vendor_not_in_the_persons_notifications(api, channel):
    client = api(channel.initech_rep)
    for vendor in (channel.northwind.pk, 987654321, "acme"):
        body = errors(client.post(f"{LIST}read-all/", {"vendor": vendor}, format="json"))
        assert set(body) == {"vendor"}
    assert client.get(f"{LIST}unread-count/").json() == {"unread": 2}


# --- preferences ------------------------------------------------------------------------------------------------


def test_preferences_list_the_types_the_person_receives(api, channel, two_hats):
    member = api(channel.initech_rep).get(PREFERENCES).json()
    assert member["time_zone"] == "UTC" and member["digest_hour"] == 8
    assert member["email"] == {
        "deal.approved": "immediate",
        "deal.comment": "immediate",
        "deal.expired": "immediate",
        "deal.expiring": "immediate",
        "deal.extension_decided": "immediate",
        "deal.info_requested": "immediate",
        "deal.rejected": "immediate",
        "lead.offered": "immediate",
        "lead.recalled": "immediate",
        "lead.reminder": "immediate",
        "partnership.approved": "immediate",
        "partnership.ended": "immediate",
        "partnership.suspended": "immediate",
        "partnership.tier_changed": "immediate",
    }
    assert [t["key"] for t in member["types"]] == sorted(member["email"])
    admin = api(channel.initech_admin).get(PREFERENCES).json()
    admins_only = {"partnership.declined", "invitation.sent", "identity.domain_claim_dropped"}
    assert set(admin["email"]) == set(member["email"]) | admins_only
    assert admin["email"]["invitation.sent"] == "digest"
    vendor = api(channel.acme_manager).get(PREFERENCES).json()
    assert set(vendor["email"]) == {
        "partnership.applied",
        "deal.submitted",
        "deal.extension_requested",
        "deal.comment_channel",
        "lead.answered",
    }
    # Settings are per person: what they receive in any of their organizations (a member here, an admin there).
    assert api(two_hats).get(PREFERENCES).json()["email"] == admin["email"]


def test_preferences_are_saved(api, channel):
    client = api(channel.initech_admin)
    response = client.put(
        PREFERENCES,
        {"time_zone": "Europe/Berlin", "digest_hour": 7, "email": {"partnership.approved": "off"}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["email"]["partnership.approved"] == "off"
    assert client.get(PREFERENCES).json()["time_zone"] == "Europe/Berlin"
    settings = NotificationSettings.objects.get(user=channel.initech_admin)
    assert (settings.time_zone, settings.digest_hour) == ("Europe/Berlin", 7)
    assert NotificationPreference.objects.get(user=channel.initech_admin, kind="partnership.approved").email == "off"
    # Types left out keep their setting.
    client.put(PREFERENCES, {"time_zone": "Europe/Berlin", "digest_hour": 9}, format="json")
    assert client.get(PREFERENCES).json()["email"]["partnership.approved"] == "off"


def _saved(user):
    return (
        list(NotificationSettings.objects.filter(user=user).values_list("time_zone", "digest_hour")),
        list(NotificationPreference.objects.filter(user=user).values_list("kind", "email").order_by("kind")),
    )


VALID = {"time_zone": "Europe/Paris", "digest_hour": 6, "email": {"partnership.approved": "digest"}}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": ""}, "time_zone"),
        ({"digest_hour": 24}, "digest_hour"),
        ({"digest_hour": "noon"}, "digest_hour"),
        ({"email": {"partnership.approved": "hourly"}}, "email.partnership.approved"),
        ({"email": {"partnership.approved": 3}}, "email.partnership.approved"),
        ({"email": {"no.such.type": "off"}}, "email.no.such.type"),
        ({"email": {"invitation.sent": "off"}}, "email.invitation.sent"),  # a member is not told about invitations
        ({"email": ["partnership.approved"]}, "email"),
    ],
)
def test_bad_preferences_are_field_errors_and_nothing_is_saved(api, channel, change, field):
    person = channel.initech_rep
    client = api(person)
    setup = {"time_zone": "Asia/Tokyo", "digest_hour": 5, "email": {"partnership.ended": "off"}}
    assert client.put(PREFERENCES, setup, format="json").status_code == 200
    before = _saved(person)
    assert before == ([("Asia/Tokyo", 5)], [("partnership.ended", "off")])
    body = errors(client.put(PREFERENCES, {**VALID, **change}, format="json"))
    assert set(body) == {field}
    assert all(isinstance(message, str) for message in body[field])
    assert _saved(person) == before


def test_preferences_need_a_time_zone_and_an_hour(api, channel):
    body = errors(api(channel.initech_rep).put(PREFERENCES, {}, format="json"))
    assert set(body) == {"time_zone", "digest_hour"}
    assert _saved(channel.initech_rep) == ([], [])


# --- the anonymous, and the cost of a page ----------------------------------------------------------------------


def test_the_anonymous_are_refused_everywhere(api, channel):
    receipt = Receipt.objects.first()
    client = api()
    for method, url in [
        ("get", LIST),
        ("get", detail(receipt)),
        ("post", detail(receipt, "read")),
        ("post", detail(receipt, "unread")),
        ("post", f"{LIST}read-all/"),
        ("get", f"{LIST}unread-count/"),
        ("get", PREFERENCES),
        ("put", PREFERENCES),
    ]:
        response = getattr(client, method)(url, {}, format="json") if method != "get" else client.get(url)
        assert response.status_code == 403, (method, url)
    assert not Receipt.objects.filter(read_at__isnull=False).exists()
    assert not NotificationSettings.objects.exists()


def _queries(client, url) -> tuple[int, int]:
    client.get(url)  # warm the per-process caches (permission ids, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return len(queries), len(rows(response))


KINDS = ["partnership.approved", "partnership.tier_changed", "partnership.suspended", "partnership.ended"]


def test_a_page_costs_the_same_queries_with_1_or_30_notifications(api, channel, django_assert_num_queries):
    person = f.member(channel.initech, Membership.Role.ADMIN)
    tell(person, channel.initech, vendor=channel.acme)
    client = api(person)
    small, listed = _queries(client, LIST)
    assert listed == 1

    for i in range(29):
        tell(person, channel.initech, kind=KINDS[i % 4], vendor=(channel.acme, channel.globex)[i % 2], title=f"#{i}")
    tell(person, channel.initech, kind="partnership.declined", vendor=channel.globex)  # links to the directory
    with django_assert_num_queries(small):
        response = client.get(LIST)
    assert len(rows(response)) == 31
    assert all(row["url"] for row in rows(response))
    with django_assert_num_queries(small):
        client.get(LIST, {"vendor": channel.acme.pk, "unread": "true"})


def test_a_vendor_page_costs_the_same_queries_with_1_or_30_applications(api, channel, django_assert_num_queries):
    vendor = f.vendor("Initrode")
    manager = f.member(vendor, Membership.Role.MANAGER)
    f.partnership(vendor, f.partner(), status="applied")
    client = api(manager)
    small, listed = _queries(client, LIST)
    assert listed == 1
    for _ in range(29):
        f.partnership(vendor, f.partner(), status="applied")
    with django_assert_num_queries(small):
        response = client.get(LIST)
    assert len(rows(response)) == 30
    assert all(row["url"] for row in rows(response))
