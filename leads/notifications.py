"""Lead distribution's notification types. A partner is told only of leads offered to it; the vendor of how
its partners answered. One lead links to its page while the reader may see it (a lead recalled from a partner
no longer does); several leads link to the reader's lead list."""

from django.urls import reverse

from notifications.kinds import Kind, register
from vendors.models import Membership, Organization

VENDOR, PARTNER = Organization.Kind.VENDOR, Organization.Kind.PARTNER
DECIDERS = Membership.MANAGER_ROLES


def _lead_links(notifications, user):
    """Each notification's page: its lead if the reader may see it now, the lead list for several. One query."""
    from leads.selectors import leads_visible_to

    ids = {n.subject_id for n in notifications if n.subject_id}
    visible = set(leads_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    found = {}
    for n in notifications:
        if not n.subject_id:
            found[n.pk] = reverse("leads:list")
        elif n.subject_id in visible:
            found[n.pk] = reverse("leads:detail", kwargs={"pk": n.subject_id})
        else:
            found[n.pk] = None
    return found


def _lead_link(notification, user):
    return _lead_links([notification], user)[notification.pk]


def _kind(key, label, description, **kwargs):
    return register(Kind(key, label, description, link=_lead_link, links=_lead_links, **kwargs))


OFFERED = _kind(
    "lead.offered", "New leads", "A vendor sent you leads, with the deadline to accept them.", audience=(PARTNER,)
)
REMINDER = _kind(
    "lead.reminder",
    "Lead deadline approaching",
    "Leads offered to you that are not accepted yet, some hours before their deadline.",
    audience=(PARTNER,),
)
RECALLED = _kind(
    "lead.recalled",
    "Leads recalled",
    "Leads not accepted in time (or moved by the vendor) went to another partner.",
    audience=(PARTNER,),
)
ANSWERED = _kind(
    "lead.answered",
    "Lead accepted or rejected",
    "A partner accepted or rejected a lead you sent.",
    audience=(VENDOR,),
    roles=DECIDERS,
)
