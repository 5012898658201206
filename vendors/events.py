"""The events the channel graph publishes (``core/events.py``): invitations and the partnership's life."""

from django.contrib.auth.base_user import AbstractBaseUser

from core.events import Event, event
from vendors.models import Invitation, Partnership


@event("invitation.sent")
class InvitationSent(Event):
    """An admin invited a colleague by email. ``token`` is the secret of the link (stored only as its hash): it
    goes into the invitation's email and nowhere else. ``replaced`` are the ids of the open invitations to the same
    address that this one replaced (revoked)."""

    invitation: Invitation
    actor: AbstractBaseUser
    token: str
    replaced: tuple[int, ...]


@event("invitation.revoked")
class InvitationRevoked(Event):
    """An admin withdrew an invitation before it was accepted: its link no longer works."""

    invitation: Invitation
    actor: AbstractBaseUser


@event("partnership.applied")
class PartnershipApplied(Event):
    """A partner applied to a vendor's program: the application waits for the vendor's review."""

    partnership: Partnership
    actor: AbstractBaseUser


@event("partnership.approved")
class PartnershipApproved(Event):
    """The vendor approved an application into a tier: the partner (and its distributor) have program access."""

    partnership: Partnership
    actor: AbstractBaseUser


@event("partnership.declined")
class PartnershipDeclined(Event):
    """The vendor declined an application, with the reason the partner reads."""

    partnership: Partnership
    actor: AbstractBaseUser
    reason: str


@event("partnership.tier_changed")
class PartnershipTierChanged(Event):
    """The vendor moved a current partner to another tier (``old_tier``: the name of the one before)."""

    partnership: Partnership
    actor: AbstractBaseUser
    old_tier: str


@event("partnership.suspended")
class PartnershipSuspended(Event):
    """The vendor suspended a partnership: program access is gone, the records stay visible."""

    partnership: Partnership
    actor: AbstractBaseUser
    reason: str


@event("partnership.reactivated")
class PartnershipReactivated(Event):
    """The vendor reactivated a suspended partnership: program access is back."""

    partnership: Partnership
    actor: AbstractBaseUser


@event("partnership.ended")
class PartnershipEnded(Event):
    """The vendor ended a partnership: program access is gone for good, the records stay visible to both sides."""

    partnership: Partnership
    actor: AbstractBaseUser
    reason: str
