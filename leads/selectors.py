"""Reads of leads, scoped to the person (docs/adr/0001): the only way pages, API and jobs read lead rows.

- A vendor's people see the leads their vendor sent (wherever they are now) and, of the leads partners
  generated themselves, only those registered as a deal.
- A partner's people see the leads their partner holds now (offered or being worked) and its own leads;
  a lead recalled from it, or moved on after it rejected it, is no longer its to see.
- A distributor's people see the leads of its resellers' partnerships for the vendors it serves.
"""

from django.db.models import Q, QuerySet

from leads.models import Lead, LeadEvent, LeadOffer
from vendors import access
from vendors.models import Organization


def _kinds(user) -> dict[int, str]:
    own = access.organization_ids(user)
    return dict(Organization.objects.filter(id__in=own).values_list("id", "kind")) if own else {}


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
        scope |= Q(vendor_id__in=vendors, source=Lead.Source.PARTNER, deal__isnull=False)
    if partners:
        scope |= Q(partner_id__in=partners)
    if distributors:
        scope |= Q(distributor_id__in=distributors, source=Lead.Source.VENDOR)
    held = Q(partnership__isnull=True) | Q(partnership_id__in=access.partnership_ids(user, access.VIEW_RECORDS))
    return Lead.objects.filter(scope).filter(held)


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
