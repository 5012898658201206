"""``deals.scale_data`` (run by ``manage.py generate_scale_data``) at a small size: the registrations it writes in bulk
keep every rule a registration made through the product keeps, and each side sees exactly its own.

The world is built once for the class, inside a transaction rolled back at the end (on PostgreSQL the generator
drops and rebuilds the deal tables' indexes and foreign keys inside it: rolled back too).
"""

import io
from collections import Counter, defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from deals import matching
from deals import selectors as deal_selectors
from deals.models import DealComment, DealConflict, DealEvent, DealLine, DealRegistration
from deals.scale_data import FULL_DEALS
from vendors.models import Distribution, Membership, Organization, Partnership
from vendors.money import partner_price, quantize

SIZE = {"vendors": 4, "partners": 40, "people": 120, "distributors": 2, "products_per_vendor": 6, "seed": 7}
Status = DealRegistration.Status
Stage = DealRegistration.Stage
PENDING = {Status.SUBMITTED, Status.INFO_REQUESTED}
OPEN = {Status.SUBMITTED, Status.INFO_REQUESTED, Status.APPROVED}


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        started = timezone.now()
        call_command("generate_scale_data", stdout=io.StringIO(), **SIZE)
        yield started
        transaction.set_rollback(True)


def deals():
    return list(DealRegistration.objects.select_related("partnership__tier").order_by("id"))


def holds(deal) -> bool:
    """Holds its customer at the vendor (what conflict detection matches against)."""
    return deal.status in OPEN and deal.stage != Stage.LOST


def person(org, roles=("admin",)):
    m = Membership.objects.filter(organization=org, role__in=roles).select_related("user").order_by("user_id").first()
    return m.user


@pytest.mark.usefixtures("db")
class TestTheGeneratedDeals:
    def test_the_count_follows_the_scale_and_every_status_is_there(self, world):
        scale = SIZE["partners"] / 50_000
        assert DealRegistration.objects.count() == round(FULL_DEALS * scale)
        mix = Counter(DealRegistration.objects.values_list("status", flat=True))
        assert set(mix) == set(Status.values)
        assert mix.most_common(1)[0][0] == Status.APPROVED
        assert 0.03 < mix[Status.DRAFT] / sum(mix.values()) < 0.15
        assert set(DealRegistration.objects.values_list("stage", flat=True)) == set(Stage.values)

    def test_each_registration_belongs_to_a_partnership_that_can_hold_it_and_copies_its_sides(self, world):
        works_for = dict(Membership.objects.values_list("user_id", "organization_id"))
        for d in DealRegistration.objects.select_related("partnership"):
            p = d.partnership
            assert (d.vendor_id, d.partner_id, d.distributor_id) == (p.vendor_id, p.partner_id, p.distributor_id)
            assert p.status in (Partnership.Status.ACTIVE, Partnership.Status.SUSPENDED, Partnership.Status.ENDED)
            assert d.created_at >= p.started_at, d.pk
            assert works_for[d.created_by_id] == d.partner_id
        # Most are on active partnerships, some (older) on ended or suspended ones.
        on = Counter(DealRegistration.objects.values_list("partnership__status", flat=True))
        assert on[Partnership.Status.ACTIVE] > 0.7 * sum(on.values())
        assert on[Partnership.Status.ENDED] + on[Partnership.Status.SUSPENDED] > 0

    def test_lines_are_the_vendors_products_at_the_partners_buy_price_and_add_up_to_the_amount(self, world):
        uplifts = {(d.vendor_id, d.distributor_id): d.uplift_percent for d in Distribution.objects.all()}
        lines = defaultdict(list)
        late = 0  # lines of a product added to the catalog after the registration (only the vendor's first ones)
        for line in DealLine.objects.select_related("product"):
            lines[line.deal_id].append(line)
        for d in deals():
            mine = lines[d.pk]
            assert 1 <= len(mine) <= 3, d.pk
            uplift = uplifts[(d.vendor_id, d.distributor_id)] if d.distributor_id else Decimal("0")
            for line in mine:
                assert line.product.vendor_id == d.vendor_id
                assert line.product.currency == d.currency
                late += line.product.created_at > d.created_at
                assert line.list_price == line.product.list_price
                assert (
                    line.unit_price
                    == partner_price(
                        list_price=line.product.list_price,
                        currency=d.currency,
                        discount_percent=d.partnership.tier.discount_percent,
                        uplift_percent=uplift,
                    ).buy_price
                )
            assert d.amount == quantize(sum(line.unit_price * line.quantity for line in mine), d.currency)
        assert late < 0.05 * sum(len(mine) for mine in lines.values())

    def test_dates_and_stages_tell_a_coherent_story(self, world):
        today = world.date()
        for d in deals():
            assert d.created_at <= d.last_activity_at <= d.updated_at <= world, d.pk
            if d.status == Status.DRAFT:
                assert d.submitted_at is None and d.decided_at is None
            else:
                assert d.created_at <= d.submitted_at, d.pk
            if d.status in (Status.APPROVED, Status.EXPIRED, Status.REJECTED):
                assert d.decided_by_id and d.decided_at >= d.submitted_at, d.pk
            if d.status in (Status.APPROVED, Status.EXPIRED):
                assert d.expires_on and d.protection_days and d.approved_at == d.decided_at
                assert d.expires_on == (d.approved_at + timedelta(days=d.protection_days)).date()
            if d.status == Status.APPROVED and d.stage not in (Stage.WON, Stage.LOST):
                # Protected now: from a day past due (the beat job has not run yet) to ~90 days ahead.
                assert today - timedelta(days=1) <= d.expires_on <= today + timedelta(days=200), d.pk
            if d.status == Status.EXPIRED:
                assert d.expires_on < today and d.expiry_warned_days == 3
            if d.status == Status.REJECTED:
                assert d.decision_reason
            if d.stage in (Stage.WON, Stage.LOST):
                assert d.closed_at is not None and d.closed_at >= d.created_at, d.pk
                if d.status == Status.APPROVED:  # closed while protected (won and lost deals do not expire)
                    assert d.closed_at.date() <= d.expires_on
                elif d.status == Status.EXPIRED:  # marked won or lost after the protection ran out
                    assert d.closed_at.date() > d.expires_on
                else:
                    assert d.status == Status.REJECTED and d.stage == Stage.LOST
            else:
                assert d.closed_at is None
            assert bool(d.lost_reason) == (d.stage == Stage.LOST)
        approved = DealRegistration.objects.filter(status=Status.APPROVED).exclude(stage__in=[Stage.WON, Stage.LOST])
        assert approved.filter(expires_on__gt=today + timedelta(days=30)).exists()
        assert approved.filter(expires_on__lte=today + timedelta(days=14), expiry_warned_days__isnull=False).exists()

    def test_the_customer_keys_are_those_deals_matching_computes(self, world):
        typed = DealRegistration.objects.values_list("customer_website", "customer_domain", "customer_domain_stem")
        for website, domain, stem in typed.distinct():
            assert (domain, stem) == matching.domain_parts(website)
        for name, key in DealRegistration.objects.values_list("customer_name", "customer_name_key").distinct():
            assert key == matching.name_key(name)
        # Customers recur across partners at a vendor (in closed registrations, or as a conflict).
        partners_by_customer = defaultdict(set)
        for vendor_id, partner_id, key in DealRegistration.objects.values_list(
            "vendor", "partner", "customer_name_key"
        ):
            partners_by_customer[(vendor_id, key)].add(partner_id)
        assert any(len(partners) > 1 for partners in partners_by_customer.values())

    def test_conflicts_pair_registrations_of_one_vendor_by_different_partners_as_the_services_leave_them(self, world):
        conflicts = list(DealConflict.objects.select_related("deal", "other"))
        unresolved = [c for c in conflicts if c.resolved_at is None]
        assert unresolved and len(unresolved) < len(conflicts)
        for c in conflicts:
            deal, other = c.deal, c.other
            assert deal.vendor_id == other.vendor_id == c.vendor_id
            assert deal.partner_id != other.partner_id
            assert other.created_at < deal.created_at and other.submitted_at < c.detected_at == deal.submitted_at
            if c.matched_on == "domain":
                assert deal.customer_domain == other.customer_domain != ""
            else:
                assert deal.customer_name_key == other.customer_name_key
            assert c.similarity == Decimal("1.000")
            shared = set(deal.lines.values_list("product__sku", flat=True)) & set(
                other.lines.values_list("product__sku", flat=True)
            )
            assert shared and c.products == ", ".join(sorted(shared))
            assert holds(other)
            if c.resolved_at is None:  # both still hold the customer; a second approval would have been refused
                assert holds(deal) and deal.has_conflict and other.has_conflict
                assert Status.APPROVED not in (deal.status, other.status) or {deal.status, other.status} & PENDING
            else:  # the newer one was rejected for it
                assert deal.status == Status.REJECTED and c.resolved_at == deal.decided_at
                assert deal.decision_reason == "Another partner registered this customer first."
        flagged = {pk for c in unresolved for pk in (c.deal_id, c.other_id)}
        assert set(DealRegistration.objects.filter(has_conflict=True).values_list("id", flat=True)) == flagged
        opened = DealRegistration.objects.filter(status__in=OPEN)
        assert 0 < opened.filter(has_conflict=True).count() < 0.06 * opened.count()

    def test_no_other_registration_holding_a_customer_shares_its_domain_at_the_vendor(self, world):
        # Conflict detection would have flagged them: only the planted (unresolved) pairs do.
        holders = defaultdict(set)
        rows = DealRegistration.objects.filter(status__in=OPEN).exclude(stage=Stage.LOST)
        for vendor_id, partner_id, stem, has_conflict in rows.exclude(customer_domain_stem="").values_list(
            "vendor", "partner", "customer_domain_stem", "has_conflict"
        ):
            holders[(vendor_id, stem)].add((partner_id, has_conflict))
        shared = {key: found for key, found in holders.items() if len({partner for partner, _ in found}) > 1}
        assert shared  # the planted pairs
        for key, found in shared.items():
            assert all(has_conflict for _, has_conflict in found), key

    def test_the_queue_says_what_the_vendor_must_do(self, world):
        for status, has_conflict, queue in DealRegistration.objects.values_list("status", "has_conflict", "queue"):
            expected = (0 if has_conflict else 1) if status in PENDING else 2
            assert queue == expected
        assert set(DealRegistration.objects.values_list("queue", flat=True)) == {0, 1, 2}

    def test_history_and_comments_come_from_the_sides_of_the_registration(self, world):
        events = defaultdict(list)
        thread = set(DealComment.objects.values_list("deal", "body", "created_at", "organization"))
        for e in DealEvent.objects.order_by("created_at", "id"):
            events[e.deal_id].append(e)
        for d in deals():
            mine = events[d.pk]
            assert mine[0].kind == "created" and mine[0].created_at == d.created_at, d.pk
            kinds = {e.kind for e in mine}
            assert ("submitted" in kinds) == (d.status != Status.DRAFT)
            if d.status in (Status.APPROVED, Status.EXPIRED):
                assert "approved" in kinds
            if "info_requested" in kinds:  # the question is in the thread too
                asked = next(e for e in mine if e.kind == "info_requested")
                assert (d.pk, asked.detail, asked.created_at, d.vendor_id) in thread
            assert ("info_requested" in kinds) == (d.status == Status.INFO_REQUESTED or "resubmitted" in kinds)
            assert ("expired" in kinds) == (d.status == Status.EXPIRED)
            assert ("rejected" in kinds) == (d.status == Status.REJECTED)
            assert max(e.created_at for e in mine) <= d.updated_at
            for e in mine:
                assert e.organization_id in (None, d.vendor_id, d.partner_id)
        assert 2 < DealEvent.objects.count() / DealRegistration.objects.count() < 7
        sides = DealComment.objects.values_list("organization_id", "deal__vendor", "deal__partner", "deal__distributor")
        assert sides
        for organization, *deal_sides in sides:
            assert organization in deal_sides

    def test_each_side_sees_exactly_its_registrations_through_the_selector(self, world):
        visible = deal_selectors.deals_visible_to
        all_deals = DealRegistration.objects.all()
        partners = Organization.objects.filter(kind=Organization.Kind.PARTNER, deals_as_partner__isnull=False)
        partners = list(partners.distinct()[:10])
        vendors = list(Organization.objects.filter(kind=Organization.Kind.VENDOR))
        distributors = list(Organization.objects.filter(kind=Organization.Kind.DISTRIBUTOR))
        assert (len(partners), bool(vendors), bool(distributors)) == (10, True, True)
        for partner in partners:
            mine = set(all_deals.filter(partner=partner).values_list("id", flat=True))
            assert set(visible(person(partner)).values_list("id", flat=True)) == mine
        for vendor in vendors:
            theirs = all_deals.filter(vendor=vendor).exclude(status=Status.DRAFT)
            seen = visible(person(vendor, ("manager",))).values_list("id", flat=True)
            assert set(seen) == set(theirs.values_list("id", flat=True))
        for distributor in distributors:
            through = all_deals.filter(distributor=distributor).exclude(status=Status.DRAFT)
            assert set(visible(person(distributor)).values_list("id", flat=True)) == set(
                through.values_list("id", flat=True)
            )
