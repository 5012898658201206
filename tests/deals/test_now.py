"""Deal services take ``now``: a registration's story told on its days (as the demo tells it) is stamped with them,
its history, thread, extension and notifications included; without it they stamp the present."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from deals import services
from deals.models import DealComment, DealEvent, DealExtensionRequest
from notifications.models import Notification, Receipt
from tests import factories as f

Event = DealEvent.Kind


def moment(days_ago: int) -> datetime:
    return (timezone.now() - timedelta(days=days_ago)).replace(hour=10, minute=0, second=0, microsecond=0)


def notified_at(deal, kind) -> set:
    told = Notification.objects.filter(subject_id=deal.pk, kind=kind)
    assert told.exists(), kind
    return set(told.values_list("created_at", flat=True)) | set(
        Receipt.objects.filter(notification__in=told).values_list("created_at", flat=True)
    )


@pytest.mark.django_db
def test_a_registrations_story_is_stamped_with_the_moments_it_is_told_at(channel):
    c = channel
    drafted, submitted, approved, commented, asked, granted = (moment(d) for d in (40, 39, 37, 30, 20, 19))

    deal = f.deal(c.initech_rep, c.initech, c.acme, c.acme_router, quantity=2, submit=False, now=drafted)
    deal = services.deal_submit(actor=c.initech_rep, deal=deal, now=submitted)
    deal = services.deal_approve(actor=c.acme_manager, deal=deal, protection_days=30, now=approved)
    services.deal_comment(actor=c.acme_manager, deal=deal, body="Good luck with the PO.", now=commented)
    services.deal_request_extension(actor=c.initech_rep, deal=deal, days=14, reason="The PO slipped.", now=asked)
    services.deal_decide_extension(actor=c.acme_manager, deal=deal, grant=True, response="Granted.", now=granted)

    deal.refresh_from_db()
    assert (deal.created_at, deal.submitted_at, deal.approved_at, deal.decided_at) == (
        drafted,
        submitted,
        approved,
        approved,
    )
    assert deal.updated_at == granted and deal.last_activity_at == asked
    # Protected for 30 days from the day it was approved, then 14 more from the end it had then.
    expiry = approved.date() + timedelta(days=30)
    assert deal.expires_on == expiry + timedelta(days=14)
    approval = DealEvent.objects.get(deal=deal, kind=Event.APPROVED)
    assert approval.created_at == approved and f"until {expiry:%Y-%m-%d}" in approval.detail
    assert list(DealEvent.objects.filter(deal=deal).order_by("id").values_list("created_at", flat=True)) == [
        drafted,
        submitted,
        approved,
        asked,
        granted,
    ]
    assert DealComment.objects.get(deal=deal).created_at == commented
    extension = DealExtensionRequest.objects.get(deal=deal)
    assert (extension.requested_at, extension.decided_at) == (asked, granted)
    assert notified_at(deal, "deal.submitted") == {submitted}
    assert notified_at(deal, "deal.approved") == {approved}
    assert notified_at(deal, "deal.comment") == {commented}
    assert notified_at(deal, "deal.extension_decided") == {granted}


@pytest.mark.django_db
def test_the_expiry_job_stamps_the_morning_it_runs(channel):
    c = channel
    approved = moment(40)
    deal = f.deal(c.initech_rep, c.initech, c.acme, c.acme_router, quantity=2, now=approved)
    deal = services.deal_approve(actor=c.acme_manager, deal=deal, protection_days=10, now=approved)
    day = deal.expires_on + timedelta(days=1)
    morning = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)

    assert services.deals_expire_due(today=day, now=morning) == {"expired": 1, "warned": 0}

    deal.refresh_from_db()
    assert deal.updated_at == morning
    assert DealEvent.objects.get(deal=deal, kind=Event.EXPIRED).created_at == morning
    assert notified_at(deal, "deal.expired") == {morning}


@pytest.mark.django_db
def test_without_now_the_present_is_stamped(channel):
    c = channel
    before = timezone.now()

    deal = f.deal(c.initech_rep, c.initech, c.acme, c.acme_router, quantity=2)

    assert before <= deal.created_at <= timezone.now()
    assert before <= DealEvent.objects.filter(deal=deal).latest("id").created_at <= timezone.now()
