"""What leads does when other apps' events happen (``core/events.py``; subscribed in ``LeadsConfig.ready``)."""

from core.events import subscribe
from deals.events import DealSubmitted
from leads import services


def deal_submitted(event: DealSubmitted) -> None:
    """A registration submitted for the first time: the partner's own lead it came from now counts for the vendor."""
    if not event.resubmitted:
        services.lead_deal_submitted(deal=event.deal)


subscribe("deal.submitted", deal_submitted)
