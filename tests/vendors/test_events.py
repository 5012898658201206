"""The channel graph's events (vendors/events.py): the services publish them, and what vendors/subscribers.py does on
them (telling people through the outbox) commits with the change or not at all."""

import pytest

from core.events import subscribe, unsubscribe
from notifications.models import Notification, OutgoingEmail
from tests import factories as f
from vendors import access, services
from vendors.models import Partnership

Status = Partnership.Status


@pytest.fixture
def applicant(channel):
    org = f.partner("Newcomer IT")
    channel.newcomer_admin = f.admin_of(org)
    return f.partnership(channel.acme, org, status=Status.APPLIED)


@pytest.fixture
def subscribed():
    added = []

    def add(name, handler):
        subscribe(name, handler)
        added.append((name, handler))

    yield add
    for name, handler in added:
        unsubscribe(name, handler)


def test_approving_publishes_partnership_approved_and_the_partner_is_told(channel, applicant, subscribed):
    seen = []
    subscribed("partnership.approved", lambda e: seen.append((e.partnership.pk, e.partnership.status, e.actor)))
    services.partnership_approve(actor=channel.acme_manager, partnership=applicant, tier=channel.silver)
    assert seen == [(applicant.pk, Status.ACTIVE, channel.acme_manager)]
    told = Notification.objects.get(kind="partnership.approved", subject_id=applicant.pk)
    assert told.title == f"{channel.acme.name} approved your application: Silver tier"


def test_a_failing_subscriber_undoes_the_approval_its_grants_and_its_notice(channel, applicant, subscribed):
    def refuse(event):
        raise RuntimeError("refused")

    subscribed("partnership.approved", refuse)
    with pytest.raises(RuntimeError):
        services.partnership_approve(actor=channel.acme_manager, partnership=applicant, tier=channel.silver)
    applicant.refresh_from_db()
    assert applicant.status == Status.APPLIED
    assert not access.has_partnership_perm(channel.newcomer_admin, applicant, access.ACCESS_PROGRAM)
    assert not Notification.objects.filter(kind="partnership.approved", subject_id=applicant.pk).exists()


def test_an_invitation_is_emailed_by_the_subscriber_and_a_revoked_one_is_cancelled(channel):
    invitation, token = services.invitation_create(
        actor=channel.acme_admin, organization=channel.acme, email="new.colleague@acme.example"
    )
    email = OutgoingEmail.objects.get(key=f"invitation:{invitation.pk}")
    assert email.to == "new.colleague@acme.example"
    again, _ = services.invitation_create(
        actor=channel.acme_admin, organization=channel.acme, email="new.colleague@acme.example"
    )
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.CANCELLED
    services.invitation_revoke(actor=channel.acme_admin, invitation=again)
    assert OutgoingEmail.objects.get(key=f"invitation:{again.pk}").status == OutgoingEmail.Status.CANCELLED
