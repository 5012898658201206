"""Conflict detection on submit, the vendor's queue, one approval per customer and product, the idle cap and
auto-approval. Conflicts are the vendor's alone."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from deals import selectors, services
from deals.models import DealConflict, DealEvent, DealRegistration
from tests import factories as f
from tests.deals.service_helpers import counts, fresh, second_acme_partner

Status = DealRegistration.Status
Queue = DealRegistration.Queue
Match = DealConflict.Match


def initech(c, *, submit=True, lines=None, **fields):
    return f.deal(c.initech_admin, c.initech, c.acme, lines=lines or [(c.acme_router, 2)], submit=submit, **fields)


def umbrella(c, *, submit=True, lines=None, **fields):
    return f.deal(c.umbrella_admin, c.umbrella, c.acme, lines=lines or [(c.acme_router, 5)], submit=submit, **fields)


def flags(deal):
    deal = fresh(deal)
    return deal.has_conflict, deal.queue


def conflict_pairs():
    return {(c.deal_id, c.other_id) for c in DealConflict.objects.filter(resolved_at__isnull=True)}


# --- what matches -------------------------------------------------------------------------------------------


def test_domain_matches_subdomains_and_variants(channel):
    c = channel
    first = initech(c, customer_name="Acme Corporation", customer_website="eu.acme.com")
    for website in ("acme.com", "acme.de", "https://www.acme.co.uk/path", "sales@acme.com", "EU.ACME.COM"):
        other = umbrella(c, customer_name="Coyote Holdings", customer_website=website)
        conflict = DealConflict.objects.get(deal=other)
        assert (conflict.other, conflict.vendor, conflict.matched_on) == (first, c.acme, Match.DOMAIN), website
        assert conflict.products == "ACM-R100"
        assert conflict.resolved_at is None


def test_domains_that_are_not_the_same_customer(channel):
    c = channel
    # Another registrable domain with another stem; a stem this short means nothing on its own.
    for n, (mine, theirs) in enumerate([("acme-tools.com", "acme.com"), ("ab.com", "ab.de")]):
        initech(c, customer_name=f"Roadrunner {n}", customer_website=mine)
        other = umbrella(c, customer_name=f"Coyote {n}", customer_website=theirs)
        assert not DealConflict.objects.exists(), (mine, theirs)
        assert flags(other) == (False, Queue.REVIEW)


def test_name_match_by_trigram_similarity(channel):
    c = channel
    first = initech(c, customer_name="Acme Corporation", customer_website="")
    unrelated = umbrella(c, customer_name="Initrode Systems", customer_website="")
    assert not DealConflict.objects.filter(deal=unrelated).exists()
    similar = umbrella(c, customer_name="ACME Corp.", customer_website="")
    conflict = DealConflict.objects.get(deal=similar)
    assert (conflict.other, conflict.matched_on, conflict.similarity) == (first, Match.NAME, Decimal("1.000"))


def test_the_vendors_name_similarity_threshold(channel):
    """ "Globodyne" and "Globodyne Systems" are 0.556 alike: not the same customer at 0.60, the same at 0.50."""
    c = channel
    initech(c, customer_name="Globodyne", customer_website="")
    assert selectors.rules_for(c.acme).name_similarity == Decimal("0.60")
    other = umbrella(c, customer_name="Globodyne Systems, Inc.", customer_website="")
    assert not DealConflict.objects.exists()

    services.deal_rules_update(actor=c.acme_admin, vendor=c.acme, name_similarity=Decimal("0.50"))
    later = umbrella(c, customer_name="Globodyne Systems, Inc.", customer_website="")
    conflict = DealConflict.objects.get()
    assert (conflict.deal, conflict.matched_on, conflict.similarity) == (later, Match.NAME, Decimal("0.556"))
    assert flags(other) == (False, Queue.REVIEW)  # the same partner's earlier registration is not a rival


def test_no_shared_product_no_conflict(channel):
    c = channel
    switch = f.ProductFactory(vendor=c.acme, sku="ACM-SW24")
    initech(c, lines=[(c.acme_router, 1)])
    other = umbrella(c, lines=[(switch, 1)])
    assert not DealConflict.objects.exists()
    assert flags(other) == (False, Queue.REVIEW)
    # One shared product among others is enough, and only the shared one is named.
    both = umbrella(c, lines=[(switch, 1), (c.acme_router, 1)])
    assert DealConflict.objects.get(deal=both).products == "ACM-R100"


def test_the_same_partner_never_conflicts_with_itself(channel):
    c = channel
    first = initech(c)
    second = f.deal(c.initech_rep, c.initech, c.acme, lines=[(c.acme_router, 1)], submit=True)
    assert not DealConflict.objects.exists()
    assert flags(first) == flags(second) == (False, Queue.REVIEW)


def test_only_open_registrations_are_candidates(channel):
    c = channel
    rejected, expired, lost = initech(c), initech(c), initech(c)
    initech(c, submit=False)  # a draft
    services.deal_reject(actor=c.acme_admin, deal=rejected, reason="Duplicate.")
    expired = services.deal_approve(actor=c.acme_admin, deal=expired)
    services.deals_expire_due(today=expired.expires_on + timedelta(days=1))
    services.deal_update(actor=c.initech_admin, deal=lost, changes={"stage": "lost", "lost_reason": "No budget."})
    assert {fresh(d).status for d in (rejected, expired)} == {Status.REJECTED, Status.EXPIRED}

    other = umbrella(c)
    assert not DealConflict.objects.exists()
    assert flags(other) == (False, Queue.REVIEW)


def test_another_vendors_registrations_are_not_candidates(channel):
    c = channel
    f.deal(c.initech_admin, c.initech, c.globex, lines=[(c.globex_fw, 1)], submit=True)
    umbrella(c)
    assert not DealConflict.objects.exists()


# --- flags on both sides, and when they clear -------------------------------------------------------------------


def test_both_registrations_are_flagged_and_queued_first(channel):
    c = channel
    first = initech(c)
    assert flags(first) == (False, Queue.REVIEW)
    second = umbrella(c)
    assert conflict_pairs() == {(second.pk, first.pk)}
    assert flags(first) == flags(second) == (True, Queue.CONFLICT)
    assert list(selectors.vendor_deals(c.acme_admin, c.acme, conflicts_only=True)) == [second, first]
    # Asking one of them a question keeps it in the conflict queue.
    services.deal_request_info(actor=c.acme_admin, deal=first, question="Who is your contact there?")
    assert flags(first) == (True, Queue.CONFLICT)


@pytest.mark.parametrize("ending", ["rejected", "expired", "lost"])
def test_flags_clear_when_one_side_stops_holding_the_customer(channel, ending):
    c = channel
    first = initech(c)
    if ending == "expired":
        first = services.deal_approve(actor=c.acme_admin, deal=first)
    second = umbrella(c)
    assert flags(first)[0] and flags(second) == (True, Queue.CONFLICT)
    if ending == "rejected":
        services.deal_reject(actor=c.acme_admin, deal=first, reason="Umbrella has the relationship.")
    elif ending == "expired":
        assert services.deals_expire_due(today=first.expires_on + timedelta(days=1))["expired"] == 1
    else:
        services.deal_update(actor=c.initech_admin, deal=first, changes={"stage": "lost", "lost_reason": "Lost."})
    assert flags(first) == (False, Queue.OTHER)  # a lost deal leaves the review queue too
    assert flags(second) == (False, Queue.REVIEW)
    assert conflict_pairs() == set()
    assert DealConflict.objects.get().resolved_at is not None  # kept, for the record


def test_a_registration_in_two_conflicts_stays_flagged_until_both_are_settled(channel):
    c = channel
    hooli, hooli_admin = second_acme_partner(c)
    first = initech(c)
    second = umbrella(c)
    third = f.deal(hooli_admin, hooli, c.acme, lines=[(c.acme_router, 1)], submit=True)
    assert conflict_pairs() == {(second.pk, first.pk), (third.pk, first.pk), (third.pk, second.pk)}
    services.deal_reject(actor=c.acme_admin, deal=first, reason="Duplicate.")
    assert flags(second) == flags(third) == (True, Queue.CONFLICT)
    services.deal_reject(actor=c.acme_admin, deal=second, reason="Duplicate.")
    assert flags(third) == (False, Queue.REVIEW)


def test_a_resubmission_keeps_one_row_per_pair(channel):
    c = channel
    first = initech(c)
    second = umbrella(c)
    services.deal_request_info(actor=c.acme_admin, deal=first, question="How many seats exactly?")
    services.deal_submit(actor=c.initech_admin, deal=first)
    conflict = DealConflict.objects.get()
    assert (conflict.deal, conflict.other, conflict.resolved_at) == (second, first, None)
    assert selectors.conflicts_of(c.acme_admin, first) == [conflict]
    assert flags(first) == flags(second) == (True, Queue.CONFLICT)


@pytest.mark.parametrize(
    "changes",
    [
        {"customer_name": "Initrode Systems", "customer_website": "initrode.com"},
        {"lines": "switch"},
    ],
    ids=["another-customer", "other-products"],
)
def test_a_resubmission_that_no_longer_matches_settles_the_conflict(channel, changes):
    c = channel
    first = initech(c)
    second = umbrella(c)
    if changes.get("lines") == "switch":
        changes = {"lines": [(f.ProductFactory(vendor=c.acme, sku="ACM-SW24"), 1)]}
    services.deal_request_info(actor=c.acme_admin, deal=first, question="Is this the right customer?")
    services.deal_update(actor=c.initech_admin, deal=first, changes=changes)
    services.deal_submit(actor=c.initech_admin, deal=first)
    assert conflict_pairs() == set()
    assert flags(first) == flags(second) == (False, Queue.REVIEW)
    assert DealConflict.objects.get().resolved_at is not None


# --- one approval per customer and product --------------------------------------------------------------------


def test_only_one_registration_per_customer_and_product_is_approved(channel):
    c = channel
    first = initech(c)
    second = umbrella(c)
    first = services.deal_approve(actor=c.acme_admin, deal=first)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.deal_approve(actor=c.acme_manager, deal=second)
    assert exc.value.messages == [
        f"{first.reference} from Initech Solutions is approved for this customer and product until "
        f"{first.expires_on:%Y-%m-%d}. Only one registration per customer and product can be approved: "
        "reject this one, or let the other expire first."
    ]
    assert counts() == before
    assert fresh(second).status == Status.SUBMITTED

    # Once the first expires, the second can be approved.
    services.deals_expire_due(today=first.expires_on + timedelta(days=1))
    assert fresh(first).status == Status.EXPIRED
    second = services.deal_approve(actor=c.acme_manager, deal=second)
    assert second.status == Status.APPROVED
    assert flags(second) == (False, Queue.OTHER)


def test_an_approval_also_holds_against_a_registration_submitted_after_it(channel):
    c = channel
    first = services.deal_approve(actor=c.acme_admin, deal=initech(c))
    second = umbrella(c)
    assert flags(first) == (True, Queue.OTHER)  # flagged, but decided: not in the review queue
    assert flags(second) == (True, Queue.CONFLICT)
    with pytest.raises(ValidationError, match="Only one registration per customer and product"):
        services.deal_approve(actor=c.acme_admin, deal=second)
    services.deal_reject(actor=c.acme_admin, deal=second, reason="Initech holds this customer.")
    assert flags(first) == (False, Queue.OTHER)


# --- who sees conflicts -----------------------------------------------------------------------------------------


def test_conflicts_are_visible_to_the_vendors_people_only(channel):
    c = channel
    first = initech(c)
    second = umbrella(c)
    conflict = DealConflict.objects.get()
    for person in (c.acme_admin, c.acme_manager, c.acme_member):
        assert list(selectors.conflicts_visible_to(person)) == [conflict]
        assert selectors.conflicts_of(person, first) == selectors.conflicts_of(person, second) == [conflict]
    for person in (c.initech_admin, c.initech_rep, c.umbrella_admin, c.globex_admin, c.northwind_admin):
        assert not selectors.conflicts_visible_to(person).exists()
        assert selectors.conflicts_of(person, first) == []


def test_a_distributor_sees_its_resellers_registrations_but_not_their_conflicts(channel):
    c = channel
    hooli = f.partner("Hooli Resellers")
    hooli_admin = f.admin_of(hooli)
    f.partnership(c.globex, hooli, c.standard, distributor=c.northwind)
    first = f.deal(c.initech_admin, c.initech, c.globex, lines=[(c.globex_fw, 1)], submit=True)
    second = f.deal(hooli_admin, hooli, c.globex, lines=[(c.globex_fw, 3)], submit=True)
    assert conflict_pairs() == {(second.pk, first.pk)}
    assert set(selectors.deals_visible_to(c.northwind_admin)) == {first, second}
    assert not selectors.conflicts_visible_to(c.northwind_admin).exists()
    assert not selectors.conflicts_visible_to(c.acme_admin).exists()
    assert selectors.conflicts_visible_to(c.globex_admin).count() == 1


# --- the idle cap -----------------------------------------------------------------------------------------------


def idle(deal, days=40):
    DealRegistration.objects.filter(pk=deal.pk).update(last_activity_at=timezone.now() - timedelta(days=days))


def test_the_idle_cap_refuses_the_next_submission_until_there_is_activity(channel):
    c = channel
    services.deal_rules_update(actor=c.acme_admin, vendor=c.acme, idle_cap=2, idle_days=30)
    old_one, old_two = initech(c), initech(c, customer_name="Roadrunner Inc", customer_website="roadrunner.com")
    # Another partner's idle registrations and a closed deal count for nobody else.
    theirs = umbrella(c, customer_name="Other Co", customer_website="other.com")
    won = initech(c, customer_name="Won Co", customer_website="won.com")
    services.deal_update(actor=c.initech_admin, deal=won, changes={"stage": "won"})
    for deal in (old_one, old_two, theirs, won):
        idle(deal)

    draft = initech(c, submit=False, customer_name="New Co", customer_website="new.com")
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.deal_submit(actor=c.initech_admin, deal=draft)
    assert exc.value.messages == [
        "You hold 2 open registrations with Acme Networks without activity in the last 30 days, and Acme Networks "
        "allows at most 2. Update them (stage, notes, close date) or close them before registering more."
    ]
    assert counts() == before
    assert fresh(draft).status == Status.DRAFT

    # Activity on one of them (a comment, a change) makes room again.
    services.deal_comment(actor=c.initech_rep, deal=old_one, body="Meeting the customer next week.")
    assert services.deal_submit(actor=c.initech_admin, deal=draft).status == Status.SUBMITTED


def test_an_update_also_counts_as_activity(channel):
    c = channel
    services.deal_rules_update(actor=c.acme_admin, vendor=c.acme, idle_cap=1, idle_days=30)
    old = initech(c)
    idle(old)
    with pytest.raises(ValidationError, match="allows at most 1"):
        initech(c, customer_name="New Co", customer_website="new.com")
    services.deal_update(actor=c.initech_admin, deal=old, changes={"stage": "negotiation"})
    assert initech(c, customer_name="New Co", customer_website="new.com").status == Status.SUBMITTED


def test_no_cap_by_default(channel):
    c = channel
    for n in range(3):
        idle(initech(c, customer_name=f"Customer {n}", customer_website=f"customer{n}.com"))
    assert initech(c, customer_name="New Co", customer_website="new.com").status == Status.SUBMITTED


# --- auto-approval --------------------------------------------------------------------------------------------


@pytest.fixture
def auto_rules(channel):
    """Acme approves Gold registrations below 5,000 automatically."""
    return services.deal_rules_update(
        actor=channel.acme_admin, vendor=channel.acme, auto_approve_below="5000", auto_approve_tiers=[channel.gold]
    )


def test_auto_approval_below_the_threshold_for_the_configured_tiers(channel, auto_rules):
    c = channel
    small = initech(c, lines=[(c.acme_router, 1)])  # 909.99 USD at Gold
    assert (small.status, small.decided_by, small.protection_days) == (Status.APPROVED, None, 90)
    event = DealEvent.objects.filter(deal=small).last()
    assert (event.kind, event.actor, event.organization) == (DealEvent.Kind.AUTO_APPROVED, None, None)
    assert "Approved automatically" in event.detail

    large = initech(c, lines=[(c.acme_router, 6)], customer_name="Large Co", customer_website="large.com")
    assert large.amount == Decimal("5459.94")
    assert large.status == Status.SUBMITTED
    silver = umbrella(c, lines=[(c.acme_router, 1)], customer_name="Silver Co", customer_website="silver.com")
    assert silver.status == Status.SUBMITTED


def test_never_auto_approved_when_there_is_a_conflict(channel, auto_rules):
    c = channel
    theirs = umbrella(c)  # Silver: waits for review
    mine = initech(c, lines=[(c.acme_router, 1)])  # Gold, small, but the same customer
    assert mine.status == Status.SUBMITTED
    assert flags(mine) == flags(theirs) == (True, Queue.CONFLICT)


def test_no_auto_approval_without_rules(channel):
    c = channel
    assert initech(c, lines=[(c.acme_router, 1)]).status == Status.SUBMITTED


def test_rules_are_the_vendor_managers(channel):
    c = channel
    from django.core.exceptions import PermissionDenied

    for person in (c.acme_member, c.initech_admin, c.globex_admin):
        with pytest.raises(PermissionDenied):
            services.deal_rules_update(actor=person, vendor=c.acme, idle_cap=3)
    with pytest.raises(ValidationError) as exc:
        services.deal_rules_update(
            actor=c.acme_manager, vendor=c.acme, auto_approve_below="100", auto_approve_tiers=[c.standard]
        )
    assert list(exc.value.message_dict) == ["auto_approve_tiers"]
    with pytest.raises(ValidationError) as exc:
        services.deal_rules_update(actor=c.acme_manager, vendor=c.acme, name_similarity=Decimal("0.10"))
    assert list(exc.value.message_dict) == ["name_similarity"]
