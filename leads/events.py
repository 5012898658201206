"""The events leads publishes (``core/events.py``)."""

from django.contrib.auth.base_user import AbstractBaseUser

from core.events import Event, event
from deals.models import DealRegistration
from leads.models import Lead
from vendors.models import Organization


@event("lead.routed")
class LeadsRouted(Event):
    """Leads of ``vendor`` were offered to partners: by the vendor's rules (a batch, ``actor`` None) or to a partner
    the vendor chose (one lead, ``actor`` the vendor's person). ``leads`` are those offered, as saved."""

    vendor: Organization
    leads: tuple[Lead, ...]
    actor: AbstractBaseUser | None
    by_rules: bool


@event("lead.accepted")
class LeadAccepted(Event):
    """The partner a lead was offered to accepted it before its deadline: the lead is theirs to work."""

    lead: Lead
    actor: AbstractBaseUser


@event("lead.converted")
class LeadConverted(Event):
    """A partner registered a deal from a lead it works (a draft, or submitted at once): the two are linked."""

    lead: Lead
    deal: DealRegistration
    actor: AbstractBaseUser
