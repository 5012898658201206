"""Who hears of sign-in's events, through the notifications outbox (``core/events.py``; subscribed in
``IdentityConfig.ready``)."""

from core.events import subscribe
from identity.events import DomainVerified
from identity.notifications import DOMAIN_CLAIM_DROPPED
from notifications import services as notifications


def domain_verified(event: DomainVerified) -> None:
    """The admins of each organization whose claim of the domain was dropped are told why."""
    if not event.dropped:
        return
    domain = event.domain.domain
    notifications.notify_many(
        kind=DOMAIN_CLAIM_DROPPED,
        notices=[
            notifications.Notice(
                organization=organization,
                title=f"Your claim of {domain} was dropped",
                body=(
                    f"Another organization proved that it owns {domain}, so the domain is theirs on Onepane and "
                    "your pending claim of it was removed. If your organization owns it, contact the platform "
                    "administrators."
                ),
            )
            for organization in event.dropped
        ],
        actor=event.actor,
    )


subscribe(DomainVerified, domain_verified)
