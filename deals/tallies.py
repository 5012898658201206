"""The deal tallies (core.tallies, docs/adr/0006): per vendor and per distributor, status and currency, how many
registrations were made with the vendor or through the distributor, and what they are worth. Drafts never count."""

from django.db.models import Count, Sum

from core.tallies import Tally
from deals.models import DealRegistration, DealTally


def _count_deals():
    for side in ("vendor_id", "distributor_id"):
        yield from (
            DealRegistration.objects.exclude(status=DealRegistration.Status.DRAFT)
            .filter(**{f"{side}__isnull": False})
            .values_list(side, "status", "currency")
            .annotate(count=Count("id"), amount=Sum("amount"))
            .order_by()
        )


DEAL_TOTALS = Tally(
    model=DealTally,
    key=("organization_id", "status", "currency"),
    values=("count", "amount"),
    fresh=_count_deals,
)

TALLIES = [DEAL_TOTALS]
