"""Reads of deal registrations. Views, API, exports, notifications and tasks read deals only through these.

``deals_visible_to`` is the one selector: a registration is visible to whoever may view the records of its
partnership (the vendor's, the partner's and, in two-tier, the distributor's groups: docs/adr/0001), except
that a draft is the partner's alone. Everything else here starts from it. Conflicts are the vendor's alone.
"""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from deals.models import (
    DealAttachment,
    DealComment,
    DealConflict,
    DealEvent,
    DealExtensionRequest,
    DealLine,
    DealRegistration,
    DealRules,
    DealTally,
)
from vendors import access
from vendors import selectors as vendor_selectors
from vendors.models import Organization, Partnership

Status = DealRegistration.Status

SORTS = {
    "recent": ("-updated_at", "-id"),
    "close": ("expected_close_date", "-id"),
    "-close": ("-expected_close_date", "-id"),
    "value": ("amount", "-id"),
    "-value": ("-amount", "-id"),
}


# --- one selector per model -------------------------------------------------------------------------------


def deals_visible_to(user) -> QuerySet[DealRegistration]:
    """Registrations of partnerships whose records the person may see; drafts only to the partner's people."""
    if not access.group_ids(user):
        return DealRegistration.objects.none()
    own = list(access.organization_ids(user))
    return DealRegistration.objects.filter(partnership_id__in=access.partnership_ids(user, access.VIEW_RECORDS)).filter(
        Q(partner_id__in=own) | ~Q(status=Status.DRAFT)
    )


def without_drafts(rows: QuerySet[DealRegistration]) -> QuerySet[DealRegistration]:
    """``rows`` as the vendor's and the distributor's side see them. A draft is the partner's alone until it is
    submitted: never on another side, even for a person who also works for the partner."""
    return rows.exclude(status=Status.DRAFT)


def deals_of_side(user, organization: Organization) -> QuerySet[DealRegistration]:
    """The registrations of ``organization``'s side the person may see: a partner's (its drafts too), a vendor's,
    a distributor's resellers' (never a draft). Pages and lists of one side start from here."""
    rows = deals_visible_to(user).filter(**organization.side_filter())
    return rows if organization.kind == Organization.Kind.PARTNER else without_drafts(rows)


def lines_visible_to(user) -> QuerySet[DealLine]:
    return DealLine.objects.filter(deal__in=deals_visible_to(user))


def comments_visible_to(user) -> QuerySet[DealComment]:
    return DealComment.objects.filter(deal__in=deals_visible_to(user))


def events_visible_to(user) -> QuerySet[DealEvent]:
    return DealEvent.objects.filter(deal__in=deals_visible_to(user))


def attachments_visible_to(user) -> QuerySet[DealAttachment]:
    return DealAttachment.objects.filter(deal__in=deals_visible_to(user))


def extension_requests_visible_to(user) -> QuerySet[DealExtensionRequest]:
    return DealExtensionRequest.objects.filter(deal__in=deals_visible_to(user))


def vendor_ids_of(user) -> list[int]:
    """The vendor organizations the person works for (conflicts and rules are theirs)."""
    return sorted(pk for pk, kind in access.organization_kinds(user).items() if kind == Organization.Kind.VENDOR)


def conflicts_visible_to(user) -> QuerySet[DealConflict]:
    """Conflicts between registrations: only the vendor's people see them, and only their vendor's."""
    vendor_ids = vendor_ids_of(user)
    if not vendor_ids:
        return DealConflict.objects.none()
    visible = deals_visible_to(user)
    return DealConflict.objects.filter(vendor_id__in=vendor_ids, deal__in=visible, other__in=visible)


def rules_visible_to(user) -> QuerySet[DealRules]:
    return DealRules.objects.filter(vendor_id__in=vendor_ids_of(user))


# --- pages and API ------------------------------------------------------------------------------------------


def _search(qs, q: str, *, partner_names: bool = False):
    """Title, customer, its domain or the reference; on the vendor's and distributor's side the partner's name."""
    q = (q or "").strip()
    if not q:
        return qs
    found = Q(title__icontains=q) | Q(customer_name__icontains=q) | Q(customer_domain__icontains=q)
    if partner_names:
        found |= Q(partner__name__icontains=q)
    if q.upper().startswith("DR-") and q[3:].isdigit():
        found |= Q(pk=int(q[3:]))
    return qs.filter(found)


def _sorted(qs, sort: str):
    return qs.order_by(*SORTS.get(sort or "recent", SORTS["recent"]))


def partner_deals(
    user, partner: Organization, *, vendor_id="", stage: str = "", status: str = "", q: str = "", sort: str = ""
) -> QuerySet[DealRegistration]:
    """The partner's registrations with every vendor, in one list."""
    qs = deals_visible_to(user).filter(partner=partner).select_related("vendor")
    if vendor_id:
        qs = qs.filter(vendor_id=vendor_id)
    if stage:
        qs = qs.filter(stage=stage)
    if status:
        qs = qs.filter(status=status)
    return _sorted(_search(qs, q), sort)


def vendor_deals(
    user,
    vendor: Organization,
    *,
    partner_id="",
    tier_id="",
    status: str = "",
    q: str = "",
    sort: str = "",
    conflicts_only: bool = False,
) -> QuerySet[DealRegistration]:
    """The registrations made with the vendor: conflicts to decide first, then pending reviews, then the rest."""
    qs = deals_of_side(user, vendor).select_related("partner")
    if partner_id:
        qs = qs.filter(partner_id=partner_id)
    if tier_id:
        qs = qs.filter(partnership__tier_id=tier_id)
    if status:
        qs = qs.filter(status=status)
    if conflicts_only:
        qs = qs.filter(has_conflict=True)
    qs = _search(qs, q, partner_names=True)
    if sort and sort != "recent":
        return _sorted(qs, sort)
    return qs.order_by("queue", "-updated_at", "-id")


def distributor_deals(
    user, distributor: Organization, *, vendor_id="", partner_id="", status: str = "", q: str = "", sort: str = ""
) -> QuerySet[DealRegistration]:
    """The registrations of the distributor's resellers with the vendors it distributes for."""
    qs = deals_of_side(user, distributor).select_related("vendor", "partner")
    if vendor_id:
        qs = qs.filter(vendor_id=vendor_id)
    if partner_id:
        qs = qs.filter(partner_id=partner_id)
    if status:
        qs = qs.filter(status=status)
    return _sorted(_search(qs, q, partner_names=True), sort)


def deals_for(user, organization: Organization, **filters) -> QuerySet[DealRegistration]:
    """The list for whichever side the person works on now."""
    if organization.kind == Organization.Kind.VENDOR:
        filters.pop("vendor_id", None)
        filters.pop("stage", None)
        return vendor_deals(user, organization, **filters)
    if organization.kind == Organization.Kind.DISTRIBUTOR:
        filters.pop("tier_id", None)
        filters.pop("stage", None)
        filters.pop("conflicts_only", None)
        return distributor_deals(user, organization, **filters)
    for key in ("partner_id", "tier_id", "conflicts_only"):
        filters.pop(key, None)
    return partner_deals(user, organization, **filters)


def with_channel_names(qs: QuerySet[DealRegistration]) -> QuerySet[DealRegistration]:
    """Each row with its partnership's tier and its distributor by name (``tier_name``, ``distributor_name``),
    looked up for the rows fetched only: joining the two tables (five in all) made planning a page of the vendor's
    list cost more than running it."""
    return qs.annotate(
        tier_name=Subquery(Partnership.objects.filter(pk=OuterRef("partnership_id")).values("tier__name")[:1]),
        distributor_name=Subquery(Organization.objects.filter(pk=OuterRef("distributor_id")).values("name")[:1]),
    )


def totals_by_currency(qs: QuerySet[DealRegistration]) -> list[dict]:
    """``[{"currency", "amount", "count"}]`` of a list (filters applied), one query."""
    return list(qs.order_by().values("currency").annotate(amount=Sum("amount"), count=Count("id")).order_by("currency"))


# The filters a vendor's or distributor's kept totals answer (a status, or none): any other is added up live.
TALLIED_FILTERS = {"status", "sort"}


def kept_tallies(user, organization: Organization, **filters) -> QuerySet[DealTally] | None:
    """The kept totals (``DealTally``) that answer ``deals_for(user, organization, **filters)``, if they can.

    They count every registration made with a vendor or through a distributor but drafts, which is exactly what
    its people see: a vendor's or distributor's list filtered by status at most. Any other filter (a partner, a
    tier, a search) and the partner's own list are added up from the rows they select (``None`` here)."""
    sides = (Organization.Kind.VENDOR, Organization.Kind.DISTRIBUTOR)
    narrowed = any(value for key, value in filters.items() if key not in TALLIED_FILTERS)
    if organization.kind not in sides or narrowed or organization.pk not in access.organization_ids(user):
        return None
    tallies = DealTally.objects.filter(organization=organization, count__gt=0)
    return tallies.filter(status=filters["status"]) if filters.get("status") else tallies


def totals_for(user, organization: Organization, rows: QuerySet[DealRegistration], **filters) -> list[dict]:
    """The totals per currency of ``rows`` (``deals_for(user, organization, **filters)``), one query: the kept
    tallies where they answer, so the largest channel's list does not add up its registrations on every view."""
    tallies = kept_tallies(user, organization, **filters)
    if tallies is None:
        return totals_by_currency(rows)
    return list(tallies.values("currency").annotate(amount=Sum("amount"), count=Sum("count")).order_by("currency"))


def kept_count(user, organization: Organization, **filters) -> int | None:
    """How many rows ``deals_for(user, organization, **filters)`` has, from the kept tallies; ``None`` where they
    do not answer (then count the rows)."""
    tallies = kept_tallies(user, organization, **filters)
    return None if tallies is None else tallies.aggregate(n=Sum("count"))["n"] or 0


def registrable_partnerships(user, partner: Organization) -> QuerySet[Partnership]:
    """The partner's active partnerships it may register deals on (program access), vendor by name."""
    return (
        access.partnerships_for(user, access.ACCESS_PROGRAM)
        .filter(partner=partner, status=Partnership.Status.ACTIVE)
        .select_related("vendor", "tier", "distributor")
        .order_by("vendor__name")
    )


def conflicts_of(user, deal: DealRegistration) -> list[DealConflict]:
    """The registrations one registration conflicts with, both ways, each with the other deal (vendor only)."""
    return list(
        conflicts_visible_to(user)
        .filter(Q(deal=deal) | Q(other=deal))
        .select_related("deal__partner", "other__partner")
        .order_by("-detected_at", "-id")
    )


def history(user, deal: DealRegistration) -> QuerySet[DealEvent]:
    qs = events_visible_to(user).filter(deal=deal).select_related("actor", "organization")
    return qs.order_by("created_at", "id")


def thread(user, deal: DealRegistration) -> QuerySet[DealComment]:
    qs = comments_visible_to(user).filter(deal=deal).select_related("author", "organization")
    return qs.order_by("created_at", "id")


def rules_for(vendor: Organization) -> DealRules:
    """The vendor's rules, or the defaults (unsaved) for a vendor that never set any."""
    return DealRules.objects.filter(vendor=vendor).first() or DealRules(vendor=vendor)


def partner_catalog(user, partner: Organization, partnership: Partnership | None) -> dict:
    """The products of the partnership's vendor the partner may register (``{pk: {"product", "label", "price"}}``,
    for the product lines of a registration form), each labelled with the partner's buy price. Three queries."""
    if partnership is None:
        return {}
    products, price_for = vendor_selectors.catalog(user, partner, vendor_id=partnership.vendor_id)
    rows = {}
    for product in products.order_by("name", "sku"):
        price = price_for(product)
        label = f"{product.name} ({product.sku})"
        if price is not None:
            label += f" · your price {price.buy_price:,} {price.currency}"
        rows[str(product.pk)] = {"product": product, "label": label, "price": price}
    return rows
