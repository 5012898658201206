"""Sign-in's notification types: an organization's claim of an email domain that was dropped."""

from django.urls import reverse

from portal.notifications.kinds import Kind, register
from vendors.models import Membership

DOMAIN_CLAIM_DROPPED = "identity.domain_claim_dropped"


def _sso_link(notification, user):
    """The single sign-on page, for an admin of the organization told."""
    if Membership.objects.filter(
        organization_id=notification.organization_id, user=user, role=Membership.Role.ADMIN
    ).exists():
        return reverse("identity:sso")
    return None


def _sso_links(notifications, user):
    admin_of = set(
        Membership.objects.filter(user=user, role=Membership.Role.ADMIN).values_list("organization_id", flat=True)
    )
    return {n.pk: reverse("identity:sso") if n.organization_id in admin_of else None for n in notifications}


register(
    Kind(
        DOMAIN_CLAIM_DROPPED,
        "Domain claim dropped",
        "Another organization proved it owns an email domain your organization had claimed.",
        roles=(Membership.Role.ADMIN,),
        link=_sso_link,
        links=_sso_links,
    )
)
