"""The events deal registration publishes (``core/events.py``): subscribe to them, never import the services."""

from django.contrib.auth.base_user import AbstractBaseUser

from core.events import Event, event
from deals.models import DealRegistration


@event("deal.submitted")
class DealSubmitted(Event):
    """A partner sent a registration to its vendor for review: for the first time, or again with the answer to the
    vendor's question (``resubmitted``). The vendor sees the deal from the first submission on."""

    deal: DealRegistration
    actor: AbstractBaseUser
    resubmitted: bool


@event("deal.status_changed")
class DealStatusChanged(Event):
    """A registration's status moved (``old`` → ``new``, the codes of ``DealRegistration.Status``): submitted,
    approved (``actor`` is None when the vendor's rules approved it), rejected, more information requested, expired
    (``actor`` None: the beat job), approved again by an extension."""

    deal: DealRegistration
    actor: AbstractBaseUser | None
    old: str
    new: str
