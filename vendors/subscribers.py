"""Who hears of the channel's events, through the notifications outbox (``core/events.py``; subscribed in
``VendorsConfig.ready``). The services below notifications publish; this plug-in tells people, in the same
transaction, so an email is written with the change and goes out only once it commits (docs/adr/0002)."""

from django.conf import settings
from django.urls import reverse

from core.events import subscribe
from notifications import services as notifications
from vendors.events import (
    InvitationRevoked,
    InvitationSent,
    PartnershipApplied,
    PartnershipApproved,
    PartnershipDeclined,
    PartnershipEnded,
    PartnershipSuspended,
    PartnershipTierChanged,
)
from vendors.models import Organization


def invitation_sent(event: InvitationSent) -> None:
    invitation, organization = event.invitation, event.invitation.organization
    for pk in event.replaced:
        notifications.email_cancel(key=f"invitation:{pk}")
    url = notifications.absolute(reverse("portal:invitation_accept", kwargs={"token": event.token}))
    notifications.email_send(
        key=f"invitation:{invitation.pk}",
        to=invitation.email,
        subject=f"Join {organization.name} on Onepane",
        template="vendors/email/invitation",
        context={"invitation": invitation, "url": url},
        sensitive=True,
    )
    notifications.notify(
        kind="invitation.sent",
        organization=organization,
        vendor=organization if organization.kind == Organization.Kind.VENDOR else None,
        subject=invitation,
        actor=event.actor,
        title=f"{event.actor.display_name} invited {invitation.email} to {organization.name}",
        body=f"Role: {invitation.get_role_display()}. The link expires in {settings.ONEPANE_INVITATION_DAYS} days.",
    )


def invitation_revoked(event: InvitationRevoked) -> None:
    notifications.email_cancel(key=f"invitation:{event.invitation.pk}")


def _tell_partner(partnership, kind: str, actor, title: str, body: str = "") -> None:
    notifications.notify(
        kind=kind,
        organization=partnership.partner,
        vendor=partnership.vendor,
        subject=partnership,
        actor=actor,
        title=title,
        body=body,
    )


def partnership_applied(event: PartnershipApplied) -> None:
    partnership = event.partnership
    notifications.notify(
        kind="partnership.applied",
        organization=partnership.vendor,
        vendor=partnership.vendor,
        subject=partnership,
        actor=event.actor,
        title=f"{partnership.partner.name} applied to your partner program",
        body=partnership.application_message[:500],
    )


def partnership_approved(event: PartnershipApproved) -> None:
    partnership, tier = event.partnership, event.partnership.tier
    _tell_partner(
        partnership,
        "partnership.approved",
        event.actor,
        f"{partnership.vendor.name} approved your application: {tier.name} tier",
        f"Your team now has access to {partnership.vendor.name}'s program, prices and content.",
    )
    if partnership.distributor_id:
        notifications.notify(
            kind="partnership.reseller_joined",
            organization=partnership.distributor,
            vendor=partnership.vendor,
            subject=partnership,
            actor=event.actor,
            title=f"{partnership.partner.name} now sells {partnership.vendor.name} through you",
            body=f"{partnership.vendor.name} approved {partnership.partner.name} into its {tier.name} tier.",
        )


def partnership_declined(event: PartnershipDeclined) -> None:
    vendor = event.partnership.vendor
    _tell_partner(
        event.partnership, "partnership.declined", event.actor, f"{vendor.name} declined your application", event.reason
    )


def partnership_tier_changed(event: PartnershipTierChanged) -> None:
    partnership = event.partnership
    _tell_partner(
        partnership,
        "partnership.tier_changed",
        event.actor,
        f"{partnership.vendor.name} moved you to the {partnership.tier.name} tier",
        f"{event.old_tier} → {partnership.tier.name}",
    )


def partnership_suspended(event: PartnershipSuspended) -> None:
    vendor = event.partnership.vendor
    _tell_partner(
        event.partnership,
        "partnership.suspended",
        event.actor,
        f"{vendor.name} suspended your partnership",
        event.reason,
    )


def partnership_ended(event: PartnershipEnded) -> None:
    vendor = event.partnership.vendor
    _tell_partner(
        event.partnership, "partnership.ended", event.actor, f"{vendor.name} ended your partnership", event.reason
    )


subscribe(InvitationSent, invitation_sent)
subscribe(InvitationRevoked, invitation_revoked)
subscribe(PartnershipApplied, partnership_applied)
subscribe(PartnershipApproved, partnership_approved)
subscribe(PartnershipDeclined, partnership_declined)
subscribe(PartnershipTierChanged, partnership_tier_changed)
subscribe(PartnershipSuspended, partnership_suspended)
subscribe(PartnershipEnded, partnership_ended)
