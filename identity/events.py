"""The events sign-in publishes (``core/events.py``)."""

from django.contrib.auth.base_user import AbstractBaseUser

from core.events import Event, event
from identity.models import VerifiedDomain
from vendors.models import Organization


@event("identity.domain_verified")
class DomainVerified(Event):
    """An organization's claim of an email domain was verified (by a platform admin, ``actor``, or by its DNS TXT
    record, ``actor`` None). The other organizations that had claimed the domain lost their claims (``dropped``)."""

    domain: VerifiedDomain
    actor: AbstractBaseUser | None
    dropped: tuple[Organization, ...]
