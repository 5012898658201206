"""Lead distribution's notification types. A partner is told only of leads offered to it; the vendor of how
its partners answered. Neither links anywhere yet: the lead pages come with the lead inbox."""

from portal.notifications.kinds import Kind, register
from vendors.models import Membership, Organization

Role = Membership.Role
VENDOR, PARTNER = Organization.Kind.VENDOR, Organization.Kind.PARTNER
DECIDERS = (Role.ADMIN, Role.MANAGER)

OFFERED = register(
    Kind("lead.offered", "New leads", "A vendor sent you leads, with the deadline to accept them.", audience=(PARTNER,))
)
REMINDER = register(
    Kind(
        "lead.reminder",
        "Lead deadline approaching",
        "Leads offered to you that are not accepted yet, some hours before their deadline.",
        audience=(PARTNER,),
    )
)
RECALLED = register(
    Kind(
        "lead.recalled",
        "Leads recalled",
        "Leads not accepted in time (or moved by the vendor) went to another partner.",
        audience=(PARTNER,),
    )
)
ANSWERED = register(
    Kind(
        "lead.answered",
        "Lead accepted or rejected",
        "A partner accepted or rejected a lead you sent.",
        audience=(VENDOR,),
        roles=DECIDERS,
    )
)
