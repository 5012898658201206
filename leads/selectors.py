"""Reads of leads, scoped to the person (docs/adr/0001): the only way pages, API and jobs read lead rows.

- A vendor's people see the leads their vendor sent (wherever they are now) and, of the leads partners
  generated themselves, only those registered as a deal (submitted: not while the registration is a draft).
- A partner's people see the leads their partner holds now (offered or being worked) and its own leads;
  a lead recalled from it, or moved on after it rejected it, is no longer its to see.
- A distributor's people see the leads of its resellers' partnerships for the vendors it serves.
"""

from datetime import timedelta

from django.db.models import Avg, Case, Count, DurationField, Exists, F, OuterRef, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from deals.models import DealRegistration
from deals.selectors import without_drafts
from leads.models import Lead, LeadEvent, LeadImport, LeadNote, LeadOffer, LeadTally
from vendors import access
from vendors.models import Organization


def _kinds(user) -> dict[int, str]:
    return access.organization_kinds(user)


def leads_visible_to(user) -> QuerySet[Lead]:
    kinds = _kinds(user)
    if not kinds:
        return Lead.objects.none()
    vendors = [pk for pk, kind in kinds.items() if kind == Organization.Kind.VENDOR]
    partners = [pk for pk, kind in kinds.items() if kind == Organization.Kind.PARTNER]
    distributors = [pk for pk, kind in kinds.items() if kind == Organization.Kind.DISTRIBUTOR]
    scope = Q(pk__in=[])
    if vendors:
        scope |= Q(vendor_id__in=vendors, source=Lead.Source.VENDOR)
        # A partner's own lead, once registered: a draft registration is the partner's alone.
        submitted = without_drafts(DealRegistration.objects.filter(pk=OuterRef("deal_id")))
        scope |= Q(vendor_id__in=vendors, source=Lead.Source.PARTNER, deal__isnull=False) & Exists(submitted)
    if partners:
        scope |= Q(partner_id__in=partners)
    if distributors:
        scope |= Q(distributor_id__in=distributors, source=Lead.Source.VENDOR)
    held = Q(partnership__isnull=True) | Q(partnership_id__in=access.partnership_ids(user, access.VIEW_RECORDS))
    return Lead.objects.filter(scope).filter(held)


AGES = {
    "day": ("Today", timedelta(days=1), None),
    "week": ("This week", timedelta(days=7), None),
    "month": ("This month", timedelta(days=30), None),
    "older": ("Older than a month", None, timedelta(days=30)),
}


def leads_for(
    user, organization: Organization, *, vendor_id="", partner_id="", status="", age="", q="", now=None
) -> QuerySet[Lead]:
    """The leads of the current organization's side, filtered: a partner's inbox (offers waiting for an answer
    first, the soonest deadline on top), a vendor's or a distributor's leads newest first."""
    rows = leads_visible_to(user).filter(**organization.side_filter())
    if vendor_id:
        rows = rows.filter(vendor_id=vendor_id)
    if partner_id:
        rows = rows.filter(partner_id=partner_id)
    if status:
        rows = rows.filter(status=status)
    if age in AGES:
        now = now or timezone.now()
        _, newer_than, older_than = AGES[age]
        if newer_than:
            rows = rows.filter(created_at__gte=now - newer_than)
        else:
            rows = rows.filter(created_at__lt=now - older_than)
    q = q.strip()
    if q:
        number = q.upper().removeprefix("LD-")
        match = Q(company__icontains=q) | Q(contact_name__icontains=q)
        if number.isdigit() and len(number) < 12:
            match |= Q(pk=int(number))
        rows = rows.filter(match)
    if organization.kind == Organization.Kind.PARTNER:
        waiting = Case(When(status=Lead.Status.OFFERED, then=Value(0)), default=Value(1))
        return rows.order_by(waiting, "accept_by", "-created_at", "-id")
    return rows.order_by("-created_at", "-id")


def kept_count(user, organization: Organization, **filters) -> int | None:
    """How many rows ``leads_for(user, organization, **filters)`` has, from the kept tallies (``LeadTally``), for a
    vendor's or distributor's list filtered by status at most; ``None`` otherwise (then count the rows).

    Every lead a vendor sent is its people's to see, its partners' own leads once registered, and a distributor's
    people see exactly those held through it now: what the tallies count."""
    sides = (Organization.Kind.VENDOR, Organization.Kind.DISTRIBUTOR)
    narrowed = any(value for key, value in filters.items() if key not in ("status", "now"))
    if organization.kind not in sides or narrowed or organization.pk not in access.organization_ids(user):
        return None
    tallies = LeadTally.objects.filter(organization=organization)
    if filters.get("status"):
        tallies = tallies.filter(status=filters["status"])
    return tallies.aggregate(n=Sum("count"))["n"] or 0


def vendor_summary(user, vendor: Organization, *, days: int = 90, now=None) -> dict:
    """What became of the leads the vendor sent in the last ``days``: by status, how its offers were answered
    (and how long partners took to accept, on average), how many became deals and how many of those were won.
    Three queries."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    leads = leads_visible_to(user).filter(vendor=vendor, source=Lead.Source.VENDOR, created_at__gte=since)
    counts = dict(leads.order_by().values_list("status").annotate(n=Count("id")))
    offers = offers_visible_to(user).filter(vendor=vendor, offered_at__gte=since)
    accepted = Q(outcome=LeadOffer.Outcome.ACCEPTED)
    timing = offers.aggregate(
        average=Avg(F("decided_at") - F("offered_at"), filter=accepted, output_field=DurationField()),
        accepted=Count("id", filter=accepted),
        rejected=Count("id", filter=Q(outcome=LeadOffer.Outcome.REJECTED)),
        missed=Count("id", filter=Q(outcome=LeadOffer.Outcome.MISSED)),
    )
    outcome = leads.filter(deal__isnull=False).aggregate(
        deals=Count("id"), won=Count("id", filter=Q(deal__stage="won"))
    )
    total = sum(counts.values())
    return {
        "days": days,
        "total": total,
        "by_status": [(value, label, counts.get(value, 0)) for value, label in Lead.Status.choices],
        "average_accept": timing["average"],
        "offers": {key: timing[key] for key in ("accepted", "rejected", "missed")},
        "deals": outcome["deals"],
        "won": outcome["won"],
        "conversion": round(100 * outcome["deals"] / total) if total else None,
    }


def notes_visible_to(user) -> QuerySet[LeadNote]:
    """A partner's notes on leads, to that partner's people only (never the vendor, never another partner)."""
    own = list(access.organization_ids(user))
    return LeadNote.objects.filter(partner_id__in=own, lead__in=leads_visible_to(user).filter(partner_id__in=own))


def offers_visible_to(user) -> QuerySet[LeadOffer]:
    """Offers of leads the person sees. A partner sees its own offers only, never who else was offered it."""
    kinds = _kinds(user)
    vendors = [pk for pk, kind in kinds.items() if kind == Organization.Kind.VENDOR]
    offers = LeadOffer.objects.filter(lead__in=leads_visible_to(user))
    if vendors:
        return offers.filter(Q(vendor_id__in=vendors) | Q(partner_id__in=list(kinds)))
    return offers.filter(partner_id__in=list(kinds))


def events_visible_to(user) -> QuerySet[LeadEvent]:
    """History of leads the person sees; a partner sees the events of its own time with the lead only."""
    kinds = _kinds(user)
    vendors = [pk for pk, kind in kinds.items() if kind == Organization.Kind.VENDOR]
    events = LeadEvent.objects.filter(lead__in=leads_visible_to(user))
    if vendors:
        return events
    return events.filter(Q(partner_id__in=list(kinds)) | Q(organization_id__in=list(kinds)))


def imports_visible_to(user) -> QuerySet[LeadImport]:
    """The lead imports of the person's vendors, newest first. Partners and distributors see none: an import
    is the vendor's own working file, with rows that never became leads."""
    vendors = [pk for pk, kind in _kinds(user).items() if kind == Organization.Kind.VENDOR]
    if not vendors:
        return LeadImport.objects.none()
    return LeadImport.objects.filter(vendor_id__in=vendors).order_by("-created_at", "-id")
