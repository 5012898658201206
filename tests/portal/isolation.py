"""The shell in the isolation suite: the partner workspace's routes (their bodies) and the people's accounts (see
``tests/isolation/plugins.py`` for what each name means). The tenants and people themselves are the harness's
(``tests/isolation/world.py``)."""

from itertools import count

from tests.isolation import world as w
from tests.vendors.isolation import nothing

NOT_LISTED = {
    w.USER: "people are shown through memberships and event authors (see ``mentionable``)",
}
# Logging in records when: the sweep logs people in, and no page of a tenant shows it.
SNAPSHOT_EXCLUDE = {w.USER: {"last_login"}}

# --- the attack -----------------------------------------------------------------------------------------------

_serial = count(1)


def _member_role(world, row):
    return [{"role": "member" if row["role"] == "admin" else "admin"}]


def _switch(world, row):
    return [{"organization": o.pk} for o in (world.vendors[0], world.partners[0], world.vendors[-1])]


def _apply_form(world, row):
    return [{"message": "We sell to mid-market customers.", "region": "EMEA", "annual_revenue": "1m-10m"}]


def _invite(world, row):
    return [{"email": f"newcomer{next(_serial)}@example.com", "role": "member"}]


BODIES = {
    "portal:switch_organization": _switch,
    "portal:apply": _apply_form,
    "portal:invite": _invite,
    "portal:member_role": _member_role,
    "portal:member_remove": nothing,
    "portal:invitation_revoke": nothing,
}
