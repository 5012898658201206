"""Notification emails leave through the outbox: a real Celery worker on Redis, reading the real test database,
through a rollback, a Redis outage and a worker killed while sending."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications import services as notifications
from notifications.models import EmailMode, OutgoingEmail, Receipt
from notifications.tasks import deliver_email, send_due_digests
from tests import factories as f
from tests.integration.conftest import broker_at, closed_port, wait_for
from tests.integration.crash_backend import MARKER
from vendors import services
from vendors.models import Membership, Partnership

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

Role = Membership.Role
Status = OutgoingEmail.Status
APPROVED = "Acme Networks approved your application: Gold tier"


class Abort(Exception):
    pass


@pytest.fixture
def acme():
    """Acme (a manager who decides, a Gold tier) and Initech (Dana, its admin), who applied to Acme."""
    vendor = f.vendor("Acme Networks")
    initech = f.partner("Initech Solutions")
    ns = type("Channel", (), {})()
    ns.vendor, ns.initech = vendor, initech
    ns.manager = f.member(vendor, Role.MANAGER, email="morgan@acme.example")
    ns.gold = f.TierFactory(vendor=vendor, name="Gold")
    ns.dana = f.member(initech, Role.ADMIN, email="dana@initech.example")
    ns.application = f.partnership(vendor, initech, status=Partnership.Status.APPLIED)
    return ns


def to(worker, address) -> list:
    return [message for message in worker.emails() if message["To"] == address]


def text(message) -> str:
    """Everything a mail client shows of the email: the decoded text and HTML parts."""
    return "".join(
        part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
        for part in message.walk()
        if part.get_content_maintype() == "text"
    )


def nothing_pending():
    return not OutgoingEmail.objects.filter(status=Status.PENDING).exists()


def later():
    """A moment past the re-send delay: what the beat's next run sees."""
    return timezone.now() + timedelta(seconds=settings.ONEPANE_EMAIL_RESEND_AFTER + 1)


def test_a_committed_approval_is_emailed_by_the_worker_and_a_rolled_back_one_never(worker, acme):
    umbrella = f.partner("Umbrella IT")
    f.member(umbrella, Role.ADMIN, email="sam@umbrella.example")
    rolled_back = f.partnership(acme.vendor, umbrella, status=Partnership.Status.APPLIED)

    with pytest.raises(Abort), transaction.atomic():
        services.partnership_approve(actor=acme.manager, partnership=rolled_back, tier=acme.gold)
        raise Abort
    services.partnership_approve(actor=acme.manager, partnership=acme.application, tier=acme.gold)

    assert wait_for(lambda: to(worker, "dana@initech.example")), f"no email from the worker:\n{worker.log.read_text()}"
    (email,) = to(worker, "dana@initech.example")
    assert email["Subject"] == APPROVED
    assert email["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:8000/notifications/unsubscribe/")
    # The worker commits "sent" just after the SMTP peer has the message: wait for the commit too.
    assert wait_for(lambda: OutgoingEmail.objects.get(to="dana@initech.example").status == Status.SENT)
    row = OutgoingEmail.objects.get(to="dana@initech.example")
    assert (row.status, row.attempts) == (Status.SENT, 1)
    assert email["Message-ID"] == row.message_id
    receipt = Receipt.objects.get(email=row)
    assert f"http://127.0.0.1:8000/notifications/r/{receipt.open_token}/" in text(email)
    # The worker takes its queue in order and Dana's email, enqueued after the rolled-back approval, has arrived:
    # the rolled-back approval was never written, nor enqueued.
    assert wait_for(nothing_pending)
    assert not to(worker, "sam@umbrella.example")
    assert not OutgoingEmail.objects.filter(to="sam@umbrella.example").exists()


def test_with_redis_down_the_approval_succeeds_and_the_beat_delivers_the_email_later_exactly_once(worker, acme, client):
    assert wait_for(nothing_pending)  # the application's emails to Acme are out
    client.force_login(acme.manager)

    with broker_at(f"redis://127.0.0.1:{closed_port()}/0"):
        started = time.monotonic()
        response = client.post(
            reverse("console:partnership_approve", args=[acme.application.pk]), {"tier": acme.gold.pk}
        )
        took = time.monotonic() - started

    assert response.status_code == 302, response.content.decode()[:500]
    assert took < 6  # the broker's connect timeout, once
    assert Partnership.objects.get(pk=acme.application.pk).status == Partnership.Status.ACTIVE
    email = OutgoingEmail.objects.get(to="dana@initech.example")
    assert email.status == Status.PENDING

    # Redis is back. A later email (Dana invites a colleague) reaches the worker, which takes its queue in order:
    # once it has arrived, the approval's email would have arrived before it had it been handed over at all.
    services.invitation_create(actor=acme.dana, organization=acme.initech, email="lee@initech.example")
    assert wait_for(lambda: to(worker, "lee@initech.example")), worker.log.read_text()
    assert not to(worker, "dana@initech.example")
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.PENDING, 0)  # no worker ever claimed it

    # The beat's re-send job hands the email over, and the worker delivers it.
    assert notifications.emails_resend_pending(now=later()) == 1
    assert wait_for(lambda: to(worker, "dana@initech.example")), worker.log.read_text()
    assert wait_for(lambda: OutgoingEmail.objects.get(pk=email.pk).status == Status.SENT)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.SENT, 1)

    # A late duplicate (the next beat run, a task redelivered by Redis) sends nothing more.
    assert notifications.emails_resend_pending(now=later()) == 0
    duplicate = deliver_email.delay(email.pk)
    assert wait_for(lambda: f"deliver_email[{duplicate.id}] succeeded" in worker.log.read_text())
    assert f"deliver_email[{duplicate.id}] succeeded in" in worker.log.read_text()
    assert len(to(worker, "dana@initech.example")) == 1


def test_a_worker_killed_while_sending_is_replaced_and_the_resend_delivers_exactly_once(worker_factory):
    initech = f.partner("Initech Solutions")
    admin = f.member(initech, Role.ADMIN)
    dying = worker_factory("tests.integration.crash_backend.EmailBackend").start()

    invitation, token = services.invitation_create(actor=admin, organization=initech, email="dana@initech.example")

    assert dying.wait_until_dead() == 1  # killed in the middle of the task, before anything left
    assert (dying.mail_dir / MARKER).exists() and dying.emails() == []
    email = OutgoingEmail.objects.get(key=f"invitation:{invitation.pk}")
    assert (email.status, email.attempts) == (Status.PENDING, 1)  # the attempt it started is counted
    assert token in email.text_body  # nothing was marked sent, nothing erased

    replacement = worker_factory("tests.integration.crash_backend.EmailBackend").start()
    assert notifications.emails_resend_pending(now=later()) == 1

    assert wait_for(lambda: replacement.emails()), replacement.log.read_text()
    assert wait_for(lambda: OutgoingEmail.objects.get(pk=email.pk).status == Status.SENT)
    (delivered,) = replacement.emails()
    assert f"/invitations/{token}/" in text(delivered)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Status.SENT, 2)
    assert email.text_body == notifications.ERASED
    assert notifications.emails_resend_pending(now=later()) == 0
    assert len(replacement.emails()) == 1


def test_the_worker_sends_the_digests_that_are_due(worker, acme):
    rep = f.member(acme.initech, Role.MEMBER, email="riley@initech.example")
    notifications.preferences_update(
        user=rep,
        time_zone="UTC",
        digest_hour=0,
        modes={"partnership.approved": EmailMode.DIGEST, "partnership.tier_changed": EmailMode.DIGEST},
    )
    silver = f.TierFactory(vendor=acme.vendor, name="Silver")
    p = services.partnership_approve(actor=acme.manager, partnership=acme.application, tier=silver)
    services.partnership_change_tier(actor=acme.manager, partnership=p, tier=acme.gold)
    # Both happened yesterday: today's digest (due since 00:00 UTC) carries them.
    Receipt.objects.filter(user=rep).update(created_at=timezone.now() - timedelta(days=1))

    send_due_digests.delay()

    assert wait_for(lambda: to(worker, "riley@initech.example")), worker.log.read_text()
    (digest,) = to(worker, "riley@initech.example")
    assert digest["Subject"] == "Your Onepane digest: 2 updates"
    assert "Acme Networks approved your application: Silver tier" in text(digest)
    assert "Acme Networks moved you to the Gold tier" in text(digest)
    assert set(Receipt.objects.filter(user=rep).values_list("email_state", flat=True)) == {Receipt.Email.DIGESTED}
    assert wait_for(lambda: OutgoingEmail.objects.get(to=rep.email).status == Status.SENT)
