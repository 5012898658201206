"""Approved registrations expire: warnings 14 and 3 days before (each once), then expired; extensions."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from deals import services, tasks
from deals.models import DealConflict, DealEvent, DealExtensionRequest, DealRegistration
from notifications.models import Notification, Receipt
from tests import factories as f
from tests.deals.service_helpers import counts, fresh, today

Status = DealRegistration.Status
Event = DealEvent.Kind


@pytest.fixture
def approved(channel):
    """Initech's registration with Acme (made by its rep), approved for Gold's 90 days."""
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, lines=[(channel.acme_router, 2)], submit=True)
    return services.deal_approve(actor=channel.acme_admin, deal=deal)


def run(deal, days_before: int) -> dict:
    """The beat job as it runs ``days_before`` the registration's expiry date (negative: after it)."""
    return services.deals_expire_due(today=fresh(deal).expires_on - timedelta(days=days_before))


def expiring(deal):
    return list(
        Notification.objects.filter(kind="deal.expiring", subject_id=deal.pk)
        .order_by("id")
        .values_list("title", flat=True)
    )


def receipts(kind, deal):
    return list(
        Receipt.objects.filter(notification__kind=kind, notification__subject_id=deal.pk).select_related("user")
    )


def test_warned_14_then_3_days_before_and_never_twice(channel, approved):
    deal, expires = approved, approved.expires_on
    assert expires == today() + timedelta(days=90)
    assert run(deal, 20) == {"expired": 0, "warned": 0}
    assert run(deal, 14) == {"expired": 0, "warned": 1}
    settled = counts()
    for days in (14, 13, 10, 4):
        assert run(deal, days) == {"expired": 0, "warned": 0}
    assert counts() == settled
    assert run(deal, 3) == {"expired": 0, "warned": 1}
    settled = counts()
    for days in (3, 2, 1, 0):
        assert run(deal, days) == {"expired": 0, "warned": 0}
    assert counts() == settled

    assert expiring(deal) == [
        f"Your registration of {deal.title} with Acme Networks expires in 14 days",
        f"Your registration of {deal.title} with Acme Networks expires in 3 days",
    ]
    # Told to the person who registered it, once each.
    assert [r.user for r in receipts("deal.expiring", deal)] == [channel.initech_rep, channel.initech_rep]
    events = DealEvent.objects.filter(deal=deal, kind=Event.EXPIRY_WARNING).order_by("id")
    assert [e.detail for e in events] == [
        f"Protection ends in 14 days ({expires:%Y-%m-%d}).",
        f"Protection ends in 3 days ({expires:%Y-%m-%d}).",
    ]
    assert fresh(deal).status == Status.APPROVED  # protected until the end of its last day


def test_first_seen_within_3_days_gets_only_the_3_day_warning(channel, approved):
    assert run(approved, 2) == {"expired": 0, "warned": 1}
    assert run(approved, 1) == {"expired": 0, "warned": 0}
    assert expiring(approved) == [f"Your registration of {approved.title} with Acme Networks expires in 2 days"]
    assert Notification.objects.get(kind="deal.expiring").key.endswith(":3")
    assert len(receipts("deal.expiring", approved)) == 1


def test_a_job_that_missed_the_14th_day_warns_late_once(channel, approved):
    assert run(approved, 12) == {"expired": 0, "warned": 1}
    assert run(approved, 11) == {"expired": 0, "warned": 0}
    assert expiring(approved) == [f"Your registration of {approved.title} with Acme Networks expires in 12 days"]


def test_expires_after_its_date_and_settles_its_conflicts(channel, approved):
    c = channel
    rival = f.deal(c.umbrella_admin, c.umbrella, c.acme, lines=[(c.acme_router, 1)], submit=True)
    assert fresh(rival).has_conflict and fresh(approved).has_conflict
    expires = approved.expires_on

    assert run(approved, -1) == {"expired": 1, "warned": 0}
    deal = fresh(approved)
    assert deal.status == Status.EXPIRED
    event = DealEvent.objects.filter(deal=deal).last()
    assert (event.kind, event.actor, event.field, event.old_value, event.new_value, event.detail) == (
        Event.EXPIRED,
        None,
        "status",
        "Approved",
        "Expired",
        f"Protection ended on {expires:%Y-%m-%d}.",
    )
    told = receipts("deal.expired", deal)
    assert [r.user for r in told] == [c.initech_rep]
    assert told[0].notification.title == f"Your registration of {deal.title} with Acme Networks expired"
    assert DealConflict.objects.get().resolved_at is not None
    assert not fresh(rival).has_conflict and not deal.has_conflict

    settled = counts()
    assert run(approved, -1) == {"expired": 0, "warned": 0}
    assert services.deals_expire_due(today=expires + timedelta(days=30)) == {"expired": 0, "warned": 0}
    assert counts() == settled


@pytest.mark.parametrize("stage", ["won", "lost"])
def test_won_and_lost_deals_never_expire(channel, approved, stage):
    changes = {"stage": stage, "lost_reason": "No budget." if stage == "lost" else ""}
    services.deal_update(actor=channel.initech_rep, deal=approved, changes=changes)
    settled = counts()
    for days in (14, 3, 0, -1, -400):
        assert run(approved, days) == {"expired": 0, "warned": 0}
    assert counts() == settled
    assert fresh(approved).status == Status.APPROVED


# --- extensions ---------------------------------------------------------------------------------------------


def test_a_granted_extension_moves_the_expiry_and_warns_again(channel, approved):
    c = channel
    expires = approved.expires_on
    run(approved, 14)
    assert fresh(approved).expiry_warned_days == 14

    request = services.deal_request_extension(
        actor=c.initech_rep, deal=approved, days="30", reason="The customer's board meets in March."
    )
    assert (request.status, request.days, request.requested_by) == (
        DealExtensionRequest.Status.PENDING,
        30,
        c.initech_rep,
    )
    event = DealEvent.objects.filter(deal=approved).last()
    assert (event.kind, event.actor, event.detail) == (
        Event.EXTENSION_REQUESTED,
        c.initech_rep,
        "30 more days: The customer's board meets in March.",
    )

    before = counts()
    with pytest.raises(ValidationError, match="already waiting for the vendor's answer"):
        services.deal_request_extension(actor=c.initech_admin, deal=approved, days=10, reason="And more.")
    assert counts() == before

    request = services.deal_decide_extension(actor=c.acme_manager, deal=approved, grant=True, response="Fine.")
    assert (request.status, request.decided_by, request.response) == (
        DealExtensionRequest.Status.GRANTED,
        c.acme_manager,
        "Fine.",
    )
    deal = fresh(approved)
    assert (deal.status, deal.expires_on, deal.expiry_warned_days) == (
        Status.APPROVED,
        expires + timedelta(days=30),
        None,
    )
    event = DealEvent.objects.filter(deal=deal).last()
    assert (event.kind, event.field, event.old_value, event.new_value) == (
        Event.EXTENSION_GRANTED,
        "expires_on",
        f"{expires:%Y-%m-%d}",
        f"{expires + timedelta(days=30):%Y-%m-%d}",
    )
    # The old expiry date means nothing now; the new one is warned about afresh.
    assert run(deal, 44) == {"expired": 0, "warned": 0}
    assert run(deal, 14) == {"expired": 0, "warned": 1}
    assert services.deals_expire_due(today=expires + timedelta(days=1)) == {"expired": 0, "warned": 0}
    # And another extension can be asked for, now that the first is decided.
    services.deal_request_extension(actor=c.initech_rep, deal=deal, days=5, reason="Legal review.")


def test_a_refusal_needs_a_reason_and_changes_nothing_else(channel, approved):
    c = channel
    services.deal_request_extension(actor=c.initech_rep, deal=approved, days=30, reason="Slipped a quarter.")
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.deal_decide_extension(actor=c.acme_admin, deal=approved, grant=False, response="  ")
    assert exc.value.message_dict == {"response": ["Say why the extension is refused."]}
    assert counts() == before

    request = services.deal_decide_extension(
        actor=c.acme_admin, deal=approved, grant=False, response="Protection is 90 days at most."
    )
    assert request.status == DealExtensionRequest.Status.REFUSED
    assert fresh(approved).expires_on == approved.expires_on
    event = DealEvent.objects.filter(deal=approved).last()
    assert (event.kind, event.actor, event.detail) == (
        Event.EXTENSION_REFUSED,
        c.acme_admin,
        "Protection is 90 days at most.",
    )
    with pytest.raises(ValidationError, match="No extension request is waiting"):
        services.deal_decide_extension(actor=c.acme_admin, deal=approved, grant=True)


def test_extension_requests_are_checked(channel, approved):
    c = channel
    before = counts()
    for days in (0, 366, "many"):
        with pytest.raises(ValidationError) as exc:
            services.deal_request_extension(actor=c.initech_rep, deal=approved, days=days, reason="More time.")
        assert list(exc.value.message_dict) == ["days"]
    with pytest.raises(ValidationError) as exc:
        services.deal_request_extension(actor=c.initech_rep, deal=approved, days=10, reason="")
    assert list(exc.value.message_dict) == ["reason"]
    for person in (c.acme_admin, c.umbrella_admin, c.northwind_admin):
        with pytest.raises(PermissionDenied):
            services.deal_request_extension(actor=person, deal=approved, days=10, reason="More time.")
    services.deal_request_extension(actor=c.initech_rep, deal=approved, days=10, reason="More time.")
    before = counts()
    for person in (c.initech_admin, c.acme_member, c.globex_admin):
        with pytest.raises(PermissionDenied):
            services.deal_decide_extension(actor=person, deal=approved, grant=True)
    assert counts() == before


def test_only_an_approved_open_deal_can_be_extended(channel, approved):
    c = channel
    pending = f.deal(c.initech_rep, c.initech, c.acme, lines=[(c.acme_router, 1)], submit=True, customer_name="B")
    draft = f.deal(c.initech_rep, c.initech, c.acme, lines=[(c.acme_router, 1)], customer_name="C", submit=False)
    services.deal_update(actor=c.initech_rep, deal=approved, changes={"stage": "won"})
    before = counts()
    for deal in (pending, draft, approved):
        with pytest.raises(ValidationError, match="Only an approved registration of an open deal can be extended"):
            services.deal_request_extension(actor=c.initech_rep, deal=deal, days=10, reason="More time.")
    assert counts() == before


def test_a_request_made_before_expiry_can_still_be_granted_after(channel, approved):
    c = channel
    services.deal_request_extension(actor=c.initech_rep, deal=approved, days=20, reason="Signature next week.")
    DealRegistration.objects.filter(pk=approved.pk).update(expires_on=today() - timedelta(days=2))
    assert services.deals_expire_due() == {"expired": 1, "warned": 0}
    assert fresh(approved).status == Status.EXPIRED
    services.deal_decide_extension(actor=c.acme_admin, deal=approved, grant=True)
    deal = fresh(approved)
    assert (deal.status, deal.expires_on) == (Status.APPROVED, today() + timedelta(days=20))


def test_an_expired_registration_is_not_revived_over_a_rival_approved_since(channel, approved):
    c = channel
    services.deal_request_extension(actor=c.initech_rep, deal=approved, days=20, reason="Signature next week.")
    run(approved, -1)
    rival = f.deal(c.umbrella_admin, c.umbrella, c.acme, lines=[(c.acme_router, 1)], submit=True)
    services.deal_approve(actor=c.acme_admin, deal=rival)
    before = counts()
    with pytest.raises(ValidationError, match="has been approved since"):
        services.deal_decide_extension(actor=c.acme_admin, deal=approved, grant=True)
    assert counts() == before
    assert fresh(approved).status == Status.EXPIRED


# --- the beat task --------------------------------------------------------------------------------------------


def test_the_celery_task_runs_the_job_and_returns_its_counts(channel, approved):
    c = channel
    soon = f.deal(
        c.initech_rep,
        c.initech,
        c.acme,
        lines=[(c.acme_router, 1)],
        submit=True,
        customer_name="Soon",
        customer_website="soon.com",
    )
    services.deal_approve(actor=c.acme_admin, deal=soon)
    DealRegistration.objects.filter(pk=approved.pk).update(expires_on=today() - timedelta(days=1))
    DealRegistration.objects.filter(pk=soon.pk).update(expires_on=today() + timedelta(days=5))

    assert tasks.expire_registrations.delay().get() == {"expired": 1, "warned": 1}
    assert tasks.expire_registrations.delay().get() == {"expired": 0, "warned": 0}
    assert (fresh(approved).status, fresh(soon).expiry_warned_days) == (Status.EXPIRED, 14)
