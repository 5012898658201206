"""The channel's notification types: applications, approvals, tier changes, suspensions, invitations."""

from django.urls import reverse

from notifications.kinds import Kind, register
from notifications.models import EmailMode
from vendors import selectors
from vendors.models import Membership, Organization

Role = Membership.Role
VENDOR, PARTNER, DISTRIBUTOR = Organization.Kind.VENDOR, Organization.Kind.PARTNER, Organization.Kind.DISTRIBUTOR
DECIDERS = Membership.MANAGER_ROLES


def _application_link(notification, user):
    """The application in the vendor console, if the reader may still see that partnership."""
    visible = selectors.partnerships_visible_to(user).filter(
        pk=notification.subject_id, vendor_id=notification.organization_id
    )
    if notification.subject_id and visible.exists():
        return reverse("console:partner_detail", kwargs={"pk": notification.subject_id})
    return None


def _application_links(notifications, user):
    """``_application_link`` of many notifications: one query."""
    ids = {n.subject_id for n in notifications if n.subject_id}
    visible = set(selectors.partnerships_visible_to(user).filter(pk__in=ids).values_list("pk", "vendor_id"))
    return {
        n.pk: reverse("console:partner_detail", kwargs={"pk": n.subject_id})
        if (n.subject_id, n.organization_id) in visible
        else None
        for n in notifications
    }


def _vendor_link(notification, user):
    """The vendor's page in the partner workspace, if the reader may see that vendor."""
    vendor = notification.vendor
    if vendor is not None and selectors.organizations_visible_to(user).filter(pk=vendor.pk).exists():
        return reverse("portal:vendor_detail", kwargs={"slug": vendor.slug})
    return None


def _vendor_links(notifications, user):
    """``_vendor_link`` of many notifications: one query."""
    ids = {n.vendor_id for n in notifications if n.vendor_id}
    slugs = dict(selectors.organizations_visible_to(user).filter(pk__in=ids).values_list("pk", "slug"))
    return {
        n.pk: reverse("portal:vendor_detail", kwargs={"slug": slugs[n.vendor_id]}) if n.vendor_id in slugs else None
        for n in notifications
    }


def _resellers_link(notification, user):
    return reverse("portal:distribution")


def _directory_link(notification, user):
    return reverse("portal:directory")


def _team_link(notification, user):
    return reverse("portal:team")


APPLICATION_RECEIVED = register(
    Kind(
        "partnership.applied",
        "Partner application received",
        "A partner applied to your partner program.",
        roles=DECIDERS,
        audience=(VENDOR,),
        link=_application_link,
        links=_application_links,
    )
)
APPLICATION_APPROVED = register(
    Kind(
        "partnership.approved",
        "Application approved",
        "A vendor approved your organization's application to its program.",
        audience=(PARTNER,),
        link=_vendor_link,
        links=_vendor_links,
    )
)
APPLICATION_DECLINED = register(
    Kind(
        "partnership.declined",
        "Application declined",
        "A vendor declined your organization's application, with its reason.",
        audience=(PARTNER,),
        roles=DECIDERS,
        link=_directory_link,
    )
)
TIER_CHANGED = register(
    Kind(
        "partnership.tier_changed",
        "Tier changed",
        "A vendor moved your organization to another tier of its program.",
        audience=(PARTNER,),
        link=_vendor_link,
        links=_vendor_links,
    )
)
PARTNERSHIP_SUSPENDED = register(
    Kind(
        "partnership.suspended",
        "Partnership suspended",
        "A vendor suspended your organization's partnership.",
        audience=(PARTNER,),
        link=_vendor_link,
        links=_vendor_links,
    )
)
PARTNERSHIP_ENDED = register(
    Kind(
        "partnership.ended",
        "Partnership ended",
        "A vendor ended your organization's partnership.",
        audience=(PARTNER,),
        link=_vendor_link,
        links=_vendor_links,
    )
)
INVITATION_SENT = register(
    Kind(
        "invitation.sent",
        "Invitation sent",
        "Someone in your organization invited a new colleague.",
        roles=(Role.ADMIN,),
        email=EmailMode.DIGEST,
        link=_team_link,
    )
)
RESELLER_JOINED = register(
    Kind(
        "partnership.reseller_joined",
        "New reseller",
        "A vendor approved a reseller that buys its products through your organization.",
        roles=DECIDERS,
        audience=(DISTRIBUTOR,),
        link=_resellers_link,
    )
)
