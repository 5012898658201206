"""Deal registration's notification types: submitted, decided, questions, comments, expiry and extensions.

A partner is never told about another partner's registration: every type links only to the reader's own
side of one registration, and conflicts are mentioned only in what the vendor is told.
"""

from django.urls import reverse

from notifications.kinds import Kind, register
from notifications.models import EmailMode
from vendors.models import Membership, Organization

VENDOR, PARTNER, DISTRIBUTOR = Organization.Kind.VENDOR, Organization.Kind.PARTNER, Organization.Kind.DISTRIBUTOR
DECIDERS = Membership.MANAGER_ROLES


def _deal_link(notification, user):
    """The registration's page, if the reader may see it now."""
    from deals.selectors import deals_visible_to

    if notification.subject_id and deals_visible_to(user).filter(pk=notification.subject_id).exists():
        return reverse("deals:detail", kwargs={"pk": notification.subject_id})
    return None


def _deal_links(notifications, user):
    """``_deal_link`` of many notifications: one query."""
    from deals.selectors import deals_visible_to

    ids = {n.subject_id for n in notifications if n.subject_id}
    visible = set(deals_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    return {
        n.pk: reverse("deals:detail", kwargs={"pk": n.subject_id}) if n.subject_id in visible else None
        for n in notifications
    }


def _kind(key, label, description, *, audience, roles=None, email=EmailMode.IMMEDIATE):
    return register(
        Kind(key, label, description, roles=roles, audience=audience, email=email, link=_deal_link, links=_deal_links)
    )


SUBMITTED = _kind(
    "deal.submitted",
    "Deal registration submitted",
    "A partner registered a deal with you, or answered your question and resubmitted it.",
    audience=(VENDOR, DISTRIBUTOR),
    roles=DECIDERS,
)
EXTENSION_REQUESTED = _kind(
    "deal.extension_requested",
    "Extension requested",
    "A partner asks for more protection time on an approved registration.",
    audience=(VENDOR,),
    roles=DECIDERS,
)
COMMENT_CHANNEL = _kind(
    "deal.comment_channel",
    "Comment on a partner's deal",
    "Someone wrote in the thread of a deal registered with you (or, in two-tier, through you).",
    audience=(VENDOR, DISTRIBUTOR),
    roles=DECIDERS,
    email=EmailMode.DIGEST,
)
APPROVED = _kind(
    "deal.approved", "Deal registration approved", "A vendor approved your registration.", audience=(PARTNER,)
)
REJECTED = _kind(
    "deal.rejected", "Deal registration rejected", "A vendor rejected your registration.", audience=(PARTNER,)
)
INFO_REQUESTED = _kind(
    "deal.info_requested",
    "More information requested",
    "A vendor asks a question before deciding your registration.",
    audience=(PARTNER,),
)
COMMENT = _kind(
    "deal.comment",
    "Comment on your deal",
    "The vendor or distributor wrote in your deal's thread.",
    audience=(PARTNER,),
)
EXPIRING = _kind(
    "deal.expiring",
    "Registration expiring",
    "Your registration's protection ends in 14 days, then again 3 days before.",
    audience=(PARTNER,),
)
EXPIRED = _kind("deal.expired", "Registration expired", "Your registration's protection ended.", audience=(PARTNER,))
EXTENSION_DECIDED = _kind(
    "deal.extension_decided",
    "Extension decided",
    "A vendor granted or refused the extension you asked for.",
    audience=(PARTNER,),
)
