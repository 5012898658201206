"""Reads of the channel graph. Views, API, exports and tasks read tenant rows only through these.

Each selector starts from ``vendors.access`` (guardian grants on the containers) and returns a queryset
or a fixed number of queries' worth of data, whatever the size of the channel.
"""

from datetime import timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from vendors import access
from vendors.models import (
    Distribution,
    Invitation,
    Membership,
    Organization,
    Partnership,
    PartnershipEvent,
    Product,
    Tier,
)
from vendors.money import partner_price

WHATS_NEW_DAYS = 30


# --- one selector per model -------------------------------------------------------------------------------


def partnerships_visible_to(user) -> QuerySet[Partnership]:
    """Partnerships whose records the person may see (their own side of each edge)."""
    if not access.group_ids(user):
        return Partnership.objects.none()
    return access.partnerships_for(user, access.VIEW_RECORDS)


def organizations_visible_to(user) -> QuerySet[Organization]:
    """The person's own organizations, the counterparts of their partnerships, and the vendor directory."""
    own = access.organization_ids(user)
    if not own:
        return Organization.objects.none()
    # The sides of the visible partnerships are read once per request as literal ids (access.counterpart_ids):
    # an OR of "id in (partnerships subquery)" made the planner scan the partnerships once per side, in the
    # page and again in its count.
    return Organization.objects.filter(
        Q(id__in=sorted({*own, *access.counterpart_ids(user)}))
        | Q(
            id__in=Distribution.objects.filter(Q(vendor_id__in=own) | Q(distributor_id__in=own), active=True).values(
                "vendor_id"
            )
        )
        | Q(id__in=Distribution.objects.filter(vendor_id__in=own).values("distributor_id"))
        | Q(kind=Organization.Kind.VENDOR, accepts_applications=True, status=Organization.Status.ACTIVE)
    )


def products_visible_to(user) -> QuerySet[Product]:
    """A vendor's own catalog; a partner's or distributor's: the catalogs of vendors it has program access to.

    Partners see active products only; the vendor's own people also see retired ones.
    """
    vendor_ids = access.program_vendor_ids(user)
    if not vendor_ids:
        return Product.objects.none()
    own_vendor_ids = [v for v in vendor_ids if v in access.organization_ids(user)]
    return Product.objects.filter(Q(vendor_id__in=own_vendor_ids) | Q(vendor_id__in=vendor_ids, active=True))


def tiers_visible_to(user) -> QuerySet[Tier]:
    """The program ladders of the vendors the person may see the program of."""
    vendor_ids = access.program_vendor_ids(user)
    if not vendor_ids:
        return Tier.objects.none()
    return Tier.objects.filter(vendor_id__in=vendor_ids)


def distributions_visible_to(user) -> QuerySet[Distribution]:
    own = access.organization_ids(user)
    return Distribution.objects.filter(Q(vendor_id__in=own) | Q(distributor_id__in=own))


def memberships_visible_to(user) -> QuerySet[Membership]:
    """People of the person's own organizations."""
    return Membership.objects.filter(organization_id__in=access.organization_ids(user))


def invitations_visible_to(user) -> QuerySet[Invitation]:
    return Invitation.objects.filter(organization_id__in=access.organization_ids(user))


def events_visible_to(user) -> QuerySet[PartnershipEvent]:
    return PartnershipEvent.objects.filter(partnership_id__in=access.partnership_ids(user, access.VIEW_RECORDS))


# --- pages --------------------------------------------------------------------------------------------------


def memberships_of_user(user) -> list[Membership]:
    """The organizations a person works in, for the organization switcher (active tenants only)."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(
            user=user,
            organization_id__in=access.organization_ids(user),
            organization__status=Organization.Status.ACTIVE,
        ).select_related("organization")
    )


def partner_home(user, partner: Organization) -> list[dict]:
    """Each vendor the partner works with: tier, status, and what is new from it. Four queries."""
    partnerships = list(
        partnerships_visible_to(user)
        .filter(partner=partner)
        .exclude(status=Partnership.Status.DECLINED, declined_at__lt=timezone.now() - timedelta(days=90))
        .select_related("vendor", "tier", "distributor")
        .order_by("vendor__name")
    )
    since = timezone.now() - timedelta(days=WHATS_NEW_DAYS)
    program_vendors = set(access.program_vendor_ids(user))
    new_products = dict(
        Product.objects.filter(vendor_id__in=program_vendors, active=True, created_at__gte=since)
        .values("vendor_id")
        .annotate(n=Count("id"))
        .values_list("vendor_id", "n")
    )
    recent_events = {}
    for event in (
        events_visible_to(user)
        .filter(partnership__in=[p.pk for p in partnerships], created_at__gte=since)
        .order_by("partnership_id", "-created_at")
    ):
        recent_events.setdefault(event.partnership_id, []).append(event)
    rows = []
    for p in partnerships:
        rows.append(
            {
                "partnership": p,
                "vendor": p.vendor,
                "has_program": p.vendor_id in program_vendors and p.status == Partnership.Status.ACTIVE,
                "new_products": new_products.get(p.vendor_id, 0) if p.status == Partnership.Status.ACTIVE else 0,
                "events": recent_events.get(p.pk, [])[:3],
            }
        )
    return rows


def directory(user, partner: Organization, q: str = "") -> list[dict]:
    """Vendors that accept applications, with the partner's current standing with each."""
    vendors = Organization.objects.filter(
        kind=Organization.Kind.VENDOR, accepts_applications=True, status=Organization.Status.ACTIVE
    ).annotate(tier_count=Count("tiers"))
    if q:
        vendors = vendors.filter(Q(name__icontains=q) | Q(description__icontains=q))
    standing = {}
    for vendor_id, status in (
        partnerships_visible_to(user)
        .filter(partner=partner, status__in=Partnership.OPEN_STATUSES)
        .values_list("vendor_id", "status")
    ):
        standing[vendor_id] = status
    return [{"vendor": v, "status": standing.get(v.pk)} for v in vendors.order_by("name")]


def vendor_partners(
    user, vendor: Organization, *, q: str = "", status: str = "", tier_id: str | int = "", distributor_id=""
) -> QuerySet[Partnership]:
    """The vendor console's partner list, filtered and searched."""
    qs = (
        partnerships_visible_to(user)
        .filter(vendor=vendor)
        .select_related("partner", "tier", "distributor")
        .order_by("partner__name", "-applied_at")
    )
    if status:
        qs = qs.filter(status=status)
    if tier_id:
        qs = qs.filter(tier_id=tier_id)
    if distributor_id:
        qs = qs.filter(distributor_id=distributor_id)
    if q:
        qs = qs.filter(Q(partner__name__icontains=q) | Q(partner__country__iexact=q))
    return qs


def vendor_counts(user, vendor: Organization) -> dict:
    """Partners by status for the console's summary. One query."""
    counts = dict(
        partnerships_visible_to(user)
        .filter(vendor=vendor)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {s: counts.get(s, 0) for s in Partnership.Status.values}


def distributor_resellers(user, distributor: Organization, *, vendor_id="", q: str = "") -> QuerySet[Partnership]:
    """The resellers a distributor serves, by vendor."""
    qs = (
        partnerships_visible_to(user)
        .filter(distributor=distributor)
        .select_related("vendor", "partner", "tier")
        .order_by("vendor__name", "partner__name")
    )
    if vendor_id:
        qs = qs.filter(vendor_id=vendor_id)
    if q:
        qs = qs.filter(partner__name__icontains=q)
    return qs


def pricing_context(user, organization: Organization) -> dict[int, dict]:
    """Per vendor: the tier discount and distributor uplift that set a partner's buy prices. Two queries."""
    if organization.kind != Organization.Kind.PARTNER:
        return {}
    edges = list(
        access.partnerships_for(user, access.ACCESS_PROGRAM)
        .filter(partner=organization, status=Partnership.Status.ACTIVE)
        .select_related("tier")
    )
    pairs = [(p.vendor_id, p.distributor_id) for p in edges if p.distributor_id]
    uplifts = {}
    if pairs:
        pair_filter = Q()
        for vendor_id, distributor_id in pairs:
            pair_filter |= Q(vendor_id=vendor_id, distributor_id=distributor_id)
        uplifts = {(d.vendor_id, d.distributor_id): d.uplift_percent for d in Distribution.objects.filter(pair_filter)}
    return {
        p.vendor_id: {
            "tier": p.tier,
            "discount_percent": p.tier.discount_percent,
            "uplift_percent": uplifts.get((p.vendor_id, p.distributor_id), 0) if p.distributor_id else 0,
            "distributor_id": p.distributor_id,
        }
        for p in edges
    }


def catalog(user, organization: Organization, *, vendor_id="", q: str = "", category: str = "", limit=None):
    """Products the person may see, each with the organization's buy price and margin. Fixed query count.

    Returns ``(products_queryset, price_for)``, where ``price_for(product)`` gives the ``PartnerPrice``
    for a partner (``None`` for a vendor, who sees list prices, or where no tier applies).
    """
    qs = products_visible_to(user).select_related("vendor").order_by("vendor__name", "name")
    if vendor_id:
        qs = qs.filter(vendor_id=vendor_id)
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(sku__icontains=q) | Q(description__icontains=q))
    terms = pricing_context(user, organization)

    def price_for(product: Product):
        t = terms.get(product.vendor_id)
        if t is None:
            return None
        return partner_price(
            list_price=product.list_price,
            currency=product.currency,
            discount_percent=t["discount_percent"],
            uplift_percent=t["uplift_percent"],
        )

    return qs, price_for


# --- the partner workspace's directory (additive) ----------------------------------------------------------


def _directory_vendors():
    return Organization.objects.filter(
        kind=Organization.Kind.VENDOR, accepts_applications=True, status=Organization.Status.ACTIVE
    )


def directory_tiers(user, vendor_ids) -> dict[int, list[Tier]]:
    """The tier ladders (public program terms) of directory vendors among ``vendor_ids``, best tier first.

    A vendor that accepts applications publishes its ladder to every organization; one query.
    """
    if not access.organization_ids(user) or not vendor_ids:
        return {}
    ladders: dict[int, list[Tier]] = {}
    for tier in Tier.objects.filter(vendor_id__in=list(vendor_ids), vendor__in=_directory_vendors()).order_by(
        "vendor_id", "-rank", "name"
    ):
        ladders.setdefault(tier.vendor_id, []).append(tier)
    return ladders


def directory_distributors(user, vendor: Organization) -> list[Organization]:
    """The distributors a directory vendor sells through, which an applicant may choose. One query."""
    if not access.organization_ids(user):
        return []
    return list(
        Organization.objects.filter(
            kind=Organization.Kind.DISTRIBUTOR,
            status=Organization.Status.ACTIVE,
            distributed_vendors__vendor__in=_directory_vendors().filter(pk=vendor.pk),
            distributed_vendors__active=True,
        )
        .distinct()
        .order_by("name")
    )


# --- vendors by program access (additive) -------------------------------------------------------------------


def program_vendors(user) -> QuerySet[Organization]:
    """The vendors whose program (catalog, tiers, shared content) the person may see.

    Each is also in ``organizations_visible_to`` (program access comes with view rights on the partnership, or
    from an active distribution), but this reads them by id: listing them does not evaluate every branch of
    that selector, which at a distributor with thousands of resellers scans their partnerships (bench/).
    """
    vendor_ids = access.program_vendor_ids(user)
    if not vendor_ids:
        return Organization.objects.none()
    return Organization.objects.filter(kind=Organization.Kind.VENDOR, id__in=list(vendor_ids))


# A channel's partner filter lists its partners while there are this many at most; a larger channel (thousands of
# partners) finds a partner through the list's search box instead, and the filter offers only the partner chosen.
MAX_PARTNER_CHOICES = 200
# Partnerships that never held records: an application waiting or declined.
WITHOUT_RECORDS = (Partnership.Status.APPLIED, Partnership.Status.DECLINED)


def partner_choices(edges: QuerySet[Partnership], *, chosen: str = "") -> tuple[list[Organization], bool]:
    """``(partners a filter offers, whether there are too many to list)`` for these partnerships.

    Every partner, by name, while there are at most ``MAX_PARTNER_CHOICES``; for a larger channel only the one
    ``chosen`` (a partner id from the query string) if it is among them. Two small queries whatever the channel's
    size: the first reads a few hundred ids off the index, never the whole channel sorted by name."""
    ids = list(edges.order_by().values_list("partner_id", flat=True)[: MAX_PARTNER_CHOICES * 3])
    many = len(ids) == MAX_PARTNER_CHOICES * 3 or len(set(ids)) > MAX_PARTNER_CHOICES
    if not many:
        return list(Organization.objects.filter(pk__in=set(ids)).order_by("name", "pk")), False
    if not (chosen.isdigit() and len(chosen) < 19):
        return [], True
    return list(Organization.objects.filter(pk=int(chosen), pk__in=edges.values("partner_id"))), True


def channel_filter_choices(user, organization: Organization, *, chosen_partner: str = "") -> dict:
    """What the filters of a channel list (deals, leads) offer on the current side, a fixed number of queries:
    a partner filters by its vendors; a vendor by its partners; a distributor by vendor and reseller."""
    if organization.kind == Organization.Kind.PARTNER:
        edges = (
            partnerships_visible_to(user)
            .filter(partner=organization)
            .exclude(status__in=WITHOUT_RECORDS)
            .select_related("vendor")
            .order_by("vendor__name", "vendor_id")
        )
        return {"vendors": list({p.vendor_id: p.vendor for p in edges}.values())}
    if organization.kind == Organization.Kind.VENDOR:
        edges = partnerships_visible_to(user).filter(vendor=organization).exclude(status__in=WITHOUT_RECORDS)
        partners, many = partner_choices(edges, chosen=chosen_partner)
        return {"partners": partners, "many_partners": many}
    edges = distributor_resellers(user, organization).order_by()
    vendors = Organization.objects.filter(pk__in=edges.values("vendor_id")).order_by("name", "pk")
    partners, many = partner_choices(edges, chosen=chosen_partner)
    return {"vendors": list(vendors), "partners": partners, "many_partners": many}
