"""notify() and the email outbox: who is told, what their email says, and how delivery behaves when the mail
server refuses, when a delivery runs twice, and when what an email carries is withdrawn."""

import base64
import json
import socket
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications import services as notifications
from notifications.models import EmailMode, Notification, OutgoingEmail, Receipt
from notifications.tasks import deliver_email
from tests import factories as f
from tests.notifications import SMTPPeer, body_of, use_smtp_peer
from vendors import services
from vendors.models import Membership, Partnership

pytestmark = pytest.mark.django_db

Role = Membership.Role
Status = OutgoingEmail.Status


def told(notification) -> set:
    """The people a notification reached (their inbox rows)."""
    return {r.user for r in Receipt.objects.filter(notification=notification).select_related("user")}


def latest(kind, subject=None) -> Notification:
    notifications_of_kind = Notification.objects.filter(kind=kind)
    if subject is not None:
        notifications_of_kind = notifications_of_kind.filter(subject_id=subject.pk)
    return notifications_of_kind.order_by("-id").first()


def approved(channel, **extra):
    return notifications.notify(
        kind="partnership.approved",
        organization=channel.initech,
        vendor=channel.acme,
        actor=channel.acme_manager,
        title="Acme Networks approved your application: Gold tier",
        **extra,
    )


# --- who is told ----------------------------------------------------------------------------------------------


def test_a_type_for_deciders_reaches_the_admins_and_managers_of_that_organization_but_not_the_actor(channel):
    notification = notifications.notify(
        kind="partnership.applied",
        organization=channel.acme,
        vendor=channel.acme,
        actor=channel.acme_admin,
        title="Hooli applied to your partner program",
    )

    assert told(notification) == {channel.acme_manager}  # the admin acted; a member is not a decider
    assert notification.organization == channel.acme
    assert notification.actor == channel.acme_admin


def test_a_type_for_everyone_reaches_every_active_member_of_that_organization_only(channel):
    gone = f.member(channel.initech, Role.MEMBER)
    gone.is_active = False
    gone.save()

    notification = approved(channel)

    assert told(notification) == {channel.initech_admin, channel.initech_rep}
    # Nobody at the vendor, the other partner or the distributor.
    others = {channel.acme_admin, channel.acme_manager, channel.umbrella_admin, channel.northwind_admin}
    assert not Receipt.objects.filter(notification=notification, user__in=others).exists()


def test_recipient_narrows_it_to_one_person_of_that_organization_and_of_the_types_roles(channel):
    before = Notification.objects.count()
    only_rep = approved(channel, recipient=channel.initech_rep)
    assert told(only_rep) == {channel.initech_rep}

    assert approved(channel, recipient=channel.umbrella_admin) is None  # another organization
    assert approved(channel, recipient=channel.acme_manager) is None  # the actor
    declined_to_a_member = notifications.notify(
        kind="partnership.declined",  # for admins and managers
        organization=channel.initech,
        vendor=channel.acme,
        title="Declined",
        recipient=channel.initech_rep,
    )
    assert declined_to_a_member is None
    assert Notification.objects.count() == before + 1


def test_a_key_makes_the_second_call_a_no_op(channel):
    first = approved(channel, key="approval:42")
    emails = OutgoingEmail.objects.count()

    second = approved(channel, key="approval:42")

    assert second == first
    assert Notification.objects.filter(key="approval:42").count() == 1
    assert Receipt.objects.filter(notification=first).count() == 2
    assert OutgoingEmail.objects.count() == emails


def test_each_persons_preference_decides_how_they_are_emailed(channel):
    manager = f.member(channel.initech, Role.MANAGER)
    notifications.preferences_update(
        user=channel.initech_rep, time_zone="UTC", digest_hour=8, modes={"partnership.approved": EmailMode.DIGEST}
    )
    notifications.preferences_update(
        user=manager, time_zone="UTC", digest_hour=8, modes={"partnership.approved": EmailMode.OFF}
    )

    notification = approved(channel)

    receipts = {r.user: r for r in Receipt.objects.filter(notification=notification)}
    assert receipts[channel.initech_admin].email_state == Receipt.Email.QUEUED  # the type's default: immediately
    assert receipts[channel.initech_rep].email_state == Receipt.Email.DIGEST
    assert receipts[manager].email_state == Receipt.Email.OFF
    assert list(OutgoingEmail.objects.filter(receipts__notification=notification).values_list("to", flat=True)) == [
        channel.initech_admin.email
    ]


def test_notify_runs_the_same_queries_for_one_person_and_for_many(channel):
    crowded = f.partner("Crowded Reseller")
    for _ in range(12):
        f.member(crowded, Role.MEMBER)

    def queries(organization):
        with CaptureQueriesContext(connection) as ctx:
            notification = notifications.notify(
                kind="partnership.approved", organization=organization, vendor=channel.acme, title="Approved"
            )
        return len(ctx.captured_queries), Receipt.objects.filter(notification=notification).count()

    solo = f.partner("Solo Reseller")
    f.member(solo, Role.ADMIN)
    one, one_told = queries(solo)
    many, many_told = queries(crowded)

    assert (one_told, many_told) == (1, 12)
    assert one == many <= 10


def test_notify_many_tells_many_organizations_in_the_same_queries_as_one(channel):
    crowd = []
    for n in range(30):
        partner = f.partner(f"Reseller {n}")
        for _ in range(1 + n % 3):
            f.member(partner, Role.MEMBER)
        crowd.append(partner)
    silent = f.partner("Nobody Home")  # no people: nobody to tell, so no notification

    def queries(organizations):
        notices = [
            notifications.Notice(organization=o, title=f"Hello {o.name}", body="Two new leads") for o in organizations
        ]
        with CaptureQueriesContext(connection) as ctx:
            found = notifications.notify_many(kind="partnership.approved", notices=notices, vendor=channel.acme)
        return len(ctx.captured_queries), found

    one, (solo,) = queries([crowd[0]])
    many, found = queries([*crowd[1:], silent])

    assert one == many <= 9
    assert found[-1] is None and all(found[:-1])
    for partner, notification in zip(crowd[1:], found, strict=False):
        assert notification.title == f"Hello {partner.name}" and notification.organization == partner
        people = set(Membership.objects.filter(organization=partner).values_list("user_id", flat=True))
        assert {u.pk for u in told(notification)} == people
    assert told(solo) == {m.user for m in Membership.objects.filter(organization=crowd[0])}


def test_notify_many_skips_the_keys_used_before_and_returns_their_first_notification(channel):
    first = approved(channel, key="approved:initech")
    again, fresh = notifications.notify_many(
        kind="partnership.approved",
        vendor=channel.acme,
        notices=[
            notifications.Notice(organization=channel.initech, title="Again", key="approved:initech"),
            notifications.Notice(organization=channel.initech, title="Fresh", key="approved:initech:2"),
        ],
    )
    assert again == first and Receipt.objects.filter(notification=first).count() == 2
    assert fresh.title == "Fresh" and Notification.objects.filter(key__startswith="approved:initech").count() == 2


def test_notify_many_refuses_an_organization_outside_the_types_audience_and_writes_nothing(channel):
    before = Notification.objects.count(), OutgoingEmail.objects.count()
    with pytest.raises(ValueError, match="not to vendors"):
        notifications.notify_many(
            kind="lead.offered",
            notices=[
                notifications.Notice(organization=channel.initech, title="Leads"),
                notifications.Notice(organization=channel.acme, title="Leads"),
            ],
        )
    assert (Notification.objects.count(), OutgoingEmail.objects.count()) == before


def test_an_email_is_written_when_it_is_delivered_not_when_people_are_told(channel):
    notification = approved(channel)
    receipt = Receipt.objects.get(notification=notification, user=channel.initech_rep)
    email = receipt.email
    assert email.render_at_delivery and email.text_body == "" and email.to == channel.initech_rep.email

    assert notifications.email_deliver(email_id=email.pk)

    email.refresh_from_db()
    assert not email.render_at_delivery and email.status == Status.SENT
    open_url = reverse("notifications:click", kwargs={"token": receipt.open_token})
    assert open_url in email.text_body and open_url in email.html_body
    (message,) = [m for m in mail.outbox if m.to == [channel.initech_rep.email]]
    assert message.subject == notification.title and open_url in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_an_email_whose_notification_is_gone_is_cancelled_not_sent(channel):
    notification = approved(channel)
    email = Receipt.objects.filter(notification=notification).first().email
    notification.delete()

    assert not notifications.email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == Status.CANCELLED and not mail.outbox


# --- what the email says --------------------------------------------------------------------------------------


def test_the_email_links_to_the_notification_with_an_open_pixel_and_a_one_click_unsubscribe(
    channel, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = approved(channel)

    sent = {m.to[0]: m.message() for m in mail.outbox}
    assert set(sent) == {channel.initech_admin.email, channel.initech_rep.email}
    for user in (channel.initech_admin, channel.initech_rep):
        receipt = Receipt.objects.get(notification=notification, user=user)
        message = sent[user.email]
        text, html = body_of(message), body_of(message, "html")
        assert message["Subject"] == "Acme Networks approved your application: Gold tier"
        assert message["Message-ID"] == f"<onepane-{receipt.email_id}@onepane.local>"
        open_url = "http://127.0.0.1:8000" + reverse("notifications:click", kwargs={"token": receipt.open_token})
        pixel_url = "http://127.0.0.1:8000" + reverse("notifications:pixel", kwargs={"token": receipt.open_token})
        assert open_url in text and open_url in html
        assert f'<img src="{pixel_url}"' in html
        unsubscribe_url = message["List-Unsubscribe"].strip("<>")
        assert unsubscribe_url in text and unsubscribe_url in html
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

        # The links work from a mail client: no login needed to record the open or to unsubscribe.
        assert client.get(pixel_url.removeprefix("http://127.0.0.1:8000")).status_code == 200
        response = client.post(unsubscribe_url.removeprefix("http://127.0.0.1:8000"))
        assert response.status_code == 200
        receipt.refresh_from_db()
        assert receipt.opened_via == Receipt.Via.EMAIL
        assert user.notification_preferences.get(kind="partnership.approved").email == EmailMode.OFF


def test_an_email_carries_nothing_of_another_person(channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = approved(channel)
    admin, rep = channel.initech_admin, channel.initech_rep
    rep_receipt = Receipt.objects.get(notification=notification, user=rep)
    rep_unsubscribe = notifications.unsubscribe_token(rep.pk, "partnership.approved")

    (to_admin,) = [m for m in mail.outbox if m.to == [admin.email]]
    everything = to_admin.message().as_string()
    for secret in (rep_receipt.open_token, rep_unsubscribe, rep.email, rep.last_name):
        assert secret not in everything
    assert to_admin.to == [admin.email] and not to_admin.cc and not to_admin.bcc


def test_the_unsubscribe_token_names_the_person_it_was_made_for(channel):
    token = notifications.unsubscribe_token(channel.initech_rep.pk, "partnership.approved")
    payload, rest = token.split(":", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["u"] = channel.initech_admin.pk
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")

    with pytest.raises(ValidationError):
        notifications.unsubscribe(token=f"{forged}:{rest}")
    assert not channel.initech_admin.notification_preferences.exists()


# --- delivery ---------------------------------------------------------------------------------------------------


def outbox_email(**fields) -> OutgoingEmail:
    defaults = {
        "key": "welcome:1",
        "to": "dana@initech.example",
        "subject": "Welcome to Onepane",
        "template": "notifications/email/digest",
        "context": {"items": [], "count": 0, "local_date": "2024-06-03", "preferences_url": "http://x/"},
    }
    return notifications.email_send(**{**defaults, **fields})


def test_delivering_an_email_twice_sends_it_once():
    email = outbox_email()

    assert notifications.email_deliver(email_id=email.pk) is True
    assert notifications.email_deliver(email_id=email.pk) is False

    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts, email.sent_at is not None) == (Status.SENT, 1, True)
    assert notifications.emails_resend_pending(now=timezone.now() + timedelta(hours=1)) == 0


def test_sending_the_same_key_again_returns_the_first_email():
    first = outbox_email()
    assert outbox_email(subject="Another subject") == first
    assert OutgoingEmail.objects.count() == 1


def test_delivery_runs_the_same_queries_for_a_short_and_a_long_email(django_assert_num_queries):
    short = outbox_email(key="short")
    long = outbox_email(key="long", subject="A long one", context={"items": [], "count": 0, "local_date": "x" * 5000})
    with CaptureQueriesContext(connection) as first:
        notifications.email_deliver(email_id=short.pk)
    with django_assert_num_queries(len(first.captured_queries)):
        notifications.email_deliver(email_id=long.pk)
    assert len(first.captured_queries) <= 8


def free_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_mail_server_that_refuses_is_recorded_and_retried_until_the_attempts_run_out(settings):
    settings.ONEPANE_EMAIL_MAX_ATTEMPTS = 3
    email = outbox_email()
    with SMTPPeer() as peer:
        use_smtp_peer(settings, peer)
        for attempt in (1, 2):
            before = timezone.now()
            with pytest.raises(notifications.DeliveryFailed) as refused:
                notifications.email_deliver(email_id=email.pk)
            assert not refused.value.final
            email.refresh_from_db()
            assert (email.status, email.attempts) == (Status.PENDING, attempt)
            assert "550" in email.last_error and "SMTPRecipientsRefused" in email.last_error
            # The task retries after a backoff; the re-send job leaves it alone until then.
            assert refused.value.retry_in == 30 * 2 ** (attempt - 1)
            assert email.enqueued_at >= before + timedelta(seconds=refused.value.retry_in)
            assert notifications.emails_resend_pending(now=before) == 0

        with pytest.raises(notifications.DeliveryFailed) as refused:
            notifications.email_deliver(email_id=email.pk)
        assert refused.value.final
        assert peer.refused == 3 and peer.received == []
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.FAILED, 3)
    assert email.failed_at is not None
    # A failed email is not re-sent by the beat, nor by a late task.
    assert notifications.emails_resend_pending(now=timezone.now() + timedelta(days=1)) == 0
    assert notifications.email_deliver(email_id=email.pk) is False


def test_without_a_worker_a_refused_email_waits_for_the_resend_job_which_gives_up_after_the_last_attempt(settings):
    settings.ONEPANE_EMAIL_MAX_ATTEMPTS = 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    email = outbox_email()

    assert deliver_email.apply(args=(email.pk,)).result is False  # tasks run in the request: no retry loop here
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.PENDING, 1)
    assert "ConnectionRefusedError" in email.last_error

    assert notifications.emails_resend_pending(now=email.enqueued_at) == 0  # not before its retry is due
    later = email.enqueued_at + timedelta(seconds=settings.ONEPANE_EMAIL_RESEND_AFTER + 1)
    assert notifications.emails_resend_pending(now=later) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.FAILED, 2)


def test_a_worker_that_dies_while_sending_uses_an_attempt(settings):
    """The dying is simulated by a backend that raises ``SystemExit`` (the real kill is in tests/integration)."""
    settings.ONEPANE_EMAIL_MAX_ATTEMPTS = 2
    settings.EMAIL_BACKEND = "tests.integration.crash_backend.RaisingBackend"
    email = outbox_email()

    for attempt in (1, 2):
        with pytest.raises(SystemExit):
            notifications.email_deliver(email_id=email.pk)
        email.refresh_from_db()
        assert (email.status, email.attempts) == (Status.PENDING, attempt)

    # An email that kills every worker fails for good instead of being re-sent forever.
    assert notifications.email_deliver(email_id=email.pk) is False
    email.refresh_from_db()
    assert email.status == Status.FAILED
    assert email.last_error == "The worker stopped while sending it."


@pytest.mark.django_db(transaction=True)
def test_while_one_worker_sends_an_email_another_delivery_of_it_skips_it():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    # A pending row nobody has handed to Celery yet (email_send would deliver it at commit here).
    email = OutgoingEmail.objects.create(key="welcome:1", to="dana@initech.example", subject="Hi", text_body="Hi")
    locked, release = threading.Event(), threading.Event()

    def sending_worker():  # holds the row lock as email_deliver does while the mail server answers
        try:
            with transaction.atomic():
                OutgoingEmail.objects.select_for_update().get(pk=email.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    worker = threading.Thread(target=sending_worker)
    worker.start()
    try:
        assert locked.wait(10)
        assert notifications.email_deliver(email_id=email.pk) is False  # at once, without waiting for the lock
        assert mail.outbox == []
    finally:
        release.set()
        worker.join()
    assert notifications.email_deliver(email_id=email.pk) is True
    assert len(mail.outbox) == 1


def test_a_sensitive_emails_bodies_are_erased_once_delivered(channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invitation_create(
            actor=channel.initech_admin, organization=channel.initech, email="dana@initech.example"
        )

    (message,) = [m for m in mail.outbox if m.to == ["dana@initech.example"]]
    assert f"/invitations/{token}/" in message.body
    email = OutgoingEmail.objects.get(key=f"invitation:{invitation.pk}")
    assert (email.status, email.sensitive) == (Status.SENT, True)
    assert token not in email.text_body + email.html_body
    assert email.text_body == notifications.ERASED and email.html_body == ""


def test_a_revoked_invitations_pending_email_is_cancelled_and_never_sent(channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as after_commit:
        invitation, token = services.invitation_create(
            actor=channel.initech_admin, organization=channel.initech, email="dana@initech.example"
        )
    services.invitation_revoke(actor=channel.initech_admin, invitation=invitation)

    for hand_over in after_commit:  # the worker gets the task only now, after the revocation
        hand_over()
    notifications.emails_resend_pending(now=timezone.now() + timedelta(hours=1))

    assert not [m for m in mail.outbox if m.to == ["dana@initech.example"]]
    email = OutgoingEmail.objects.get(key=f"invitation:{invitation.pk}")
    assert email.status == Status.CANCELLED
    assert token not in email.text_body


def test_only_platform_admins_retry_a_failed_email(channel):
    email = outbox_email()
    OutgoingEmail.objects.filter(pk=email.pk).update(status=Status.FAILED, attempts=5)

    with pytest.raises(ValidationError):
        notifications.email_retry(actor=channel.initech_admin, email=email)
    email.refresh_from_db()
    assert email.status == Status.FAILED


# --- every channel event tells the right people -----------------------------------------------------------------


def test_an_application_tells_the_vendors_deciders(channel):
    hooli = f.partner("Hooli")
    hooli_admin = f.admin_of(hooli)

    partnership = services.partnership_apply(
        actor=hooli_admin, partner=hooli, vendor=channel.acme, message="We sell Acme switches already."
    )

    notification = latest("partnership.applied", partnership)
    assert notification.organization == channel.acme and notification.vendor == channel.acme
    assert told(notification) == {channel.acme_admin, channel.acme_manager}
    assert notification.title == "Hooli applied to your partner program"
    assert notification.body == "We sell Acme switches already."


@pytest.fixture
def application(channel):
    """Hooli applied to Acme; Hooli has an admin, a manager and a member."""
    hooli = f.partner("Hooli")
    channel.hooli = hooli
    channel.hooli_admin = f.admin_of(hooli)
    channel.hooli_manager = f.member(hooli, Role.MANAGER)
    channel.hooli_member = f.member(hooli, Role.MEMBER)
    channel.hooli_acme = services.partnership_apply(
        actor=channel.hooli_admin,
        partner=hooli,
        vendor=channel.acme,
        message="Campus networks in Ohio.",
    )
    return channel


def hooli_people(c):
    return {c.hooli_admin, c.hooli_manager, c.hooli_member}


def test_an_approval_tells_everyone_at_the_partner(application):
    c = application
    services.partnership_approve(actor=c.acme_manager, partnership=c.hooli_acme, tier=c.gold)

    notification = latest("partnership.approved", c.hooli_acme)
    assert notification.organization == c.hooli and notification.vendor == c.acme
    assert told(notification) == hooli_people(c)
    assert notification.title == "Acme Networks approved your application: Gold tier"


def test_a_decline_tells_the_partners_deciders_with_the_reason(application):
    c = application
    services.partnership_decline(actor=c.acme_manager, partnership=c.hooli_acme, reason="Region is covered.")

    notification = latest("partnership.declined", c.hooli_acme)
    assert told(notification) == {c.hooli_admin, c.hooli_manager}
    assert notification.body == "Region is covered."


@pytest.mark.parametrize(
    ("change", "kind", "title"),
    [
        ("tier", "partnership.tier_changed", "Acme Networks moved you to the Silver tier"),
        ("suspend", "partnership.suspended", "Acme Networks suspended your partnership"),
        ("end", "partnership.ended", "Acme Networks ended your partnership"),
    ],
)
def test_changes_to_a_partnership_tell_everyone_at_the_partner_and_nobody_else(application, change, kind, title):
    c = application
    p = services.partnership_approve(actor=c.acme_manager, partnership=c.hooli_acme, tier=c.gold)
    run = {
        "tier": lambda: services.partnership_change_tier(actor=c.acme_admin, partnership=p, tier=c.silver),
        "suspend": lambda: services.partnership_suspend(actor=c.acme_admin, partnership=p, reason="Lapsed."),
        "end": lambda: services.partnership_end(actor=c.acme_admin, partnership=p, reason="Program closed."),
    }[change]

    run()

    notification = latest(kind, p)
    assert notification.title == title
    assert (notification.organization, notification.vendor, notification.actor) == (c.hooli, c.acme, c.acme_admin)
    assert told(notification) == hooli_people(c)
    assert Partnership.objects.get(pk=p.pk).status != Partnership.Status.APPLIED


def test_an_invitation_tells_the_other_admins_and_emails_the_invitee(channel, django_capture_on_commit_callbacks):
    second_admin = f.member(channel.initech, Role.ADMIN)

    with django_capture_on_commit_callbacks(execute=True):
        invitation, _ = services.invitation_create(
            actor=channel.initech_admin, organization=channel.initech, email="dana@initech.example", role=Role.MANAGER
        )

    notification = latest("invitation.sent", invitation)
    assert notification.organization == channel.initech and notification.vendor is None
    assert told(notification) == {second_admin}  # admins only, and not the one who invited
    # The type comes in the daily digest unless the person chose otherwise: no email now.
    assert Receipt.objects.get(notification=notification).email_state == Receipt.Email.DIGEST
    assert [m.to for m in mail.outbox] == [["dana@initech.example"]]
    assert mail.outbox[0].subject == "Join Initech Solutions on Onepane"


def test_a_distributor_is_told_when_a_reseller_joins_a_vendor_through_it(channel):
    chorus = f.partner("Chorus Networks")
    partnership = services.partnership_apply(
        actor=f.admin_of(chorus),
        partner=chorus,
        vendor=channel.globex,
        message="We resell security.",
        distributor=channel.northwind,
    )
    services.partnership_approve(actor=channel.globex_admin, partnership=partnership, tier=channel.standard)

    told = Notification.objects.get(kind="partnership.reseller_joined", subject_id=partnership.pk)
    assert told.organization == channel.northwind
    assert told.title == "Chorus Networks now sells Globex Security through you"
    assert list(told.receipts.values_list("user", flat=True)) == [channel.northwind_admin.pk]
    assert Partnership.objects.get(pk=partnership.pk).status == "active"
