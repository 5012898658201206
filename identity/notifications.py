"""Sign-in's notification types: an organization's claim of an email domain that was dropped."""

from django.urls import reverse

from notifications.kinds import Kind, register
from vendors.models import Membership
from vendors.selectors import memberships_of_user

DOMAIN_CLAIM_DROPPED = "identity.domain_claim_dropped"


def _admin_of(user) -> set[int]:
    return {m.organization_id for m in memberships_of_user(user) if m.role == Membership.Role.ADMIN}


def _sso_link(notification, user):
    """The single sign-on page, for an admin of the organization told."""
    return reverse("identity:sso") if notification.organization_id in _admin_of(user) else None


def _sso_links(notifications, user):
    admin_of = _admin_of(user)
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
