"""The lead tallies (core.tallies, docs/adr/0006): per organization and status, the leads its people see in their
unfiltered lists. For the leads a vendor sent (``own`` false): the vendor, and the distributor of the partnership
holding each now. For its partners' own leads (``own``): the vendor, once their deal is submitted."""

from django.db.models import Count

from core.tallies import Tally
from deals.models import DealRegistration
from leads.models import Lead, LeadTally


def _count_leads():
    for side in ("vendor_id", "distributor_id"):
        rows = (
            Lead.objects.filter(source=Lead.Source.VENDOR, **{f"{side}__isnull": False})
            .values_list(side, "status")
            .annotate(n=Count("id"))
            .order_by()
        )
        yield from ((organization_id, False, status, n) for organization_id, status, n in rows)
    registered = (
        Lead.objects.filter(source=Lead.Source.PARTNER, deal__isnull=False)
        .exclude(deal__status=DealRegistration.Status.DRAFT)
        .values_list("vendor_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    yield from ((organization_id, True, status, n) for organization_id, status, n in registered)


LEAD_COUNTS = Tally(
    model=LeadTally,
    key=("organization_id", "own", "status"),
    values=("count",),
    fresh=_count_leads,
)

TALLIES = [LEAD_COUNTS]
