"""A plausible, valid body for every route that writes, and variants that name other tenants' rows.

``BODIES[route name](world, row)`` returns the bodies to send: ``row`` is the row the URL names (a dict of
its fields, with ``id``) for a scoped route, ``None`` otherwise. The first body is the one a person of the
right organization and role would send; the others put ids of rows the sender may not see (another vendor's
tier, a distributor the vendor does not sell through, a vendor outside the directory) where the body names a
row. A route that writes and has no entry here fails ``test_declarations``.
"""

from itertools import count

from portal.notifications import kinds
from tests.isolation.world import World

_serial = count(1)


def _vendor_tiers(world: World, vendor_id) -> list[int]:
    return [pk for pk, t in sorted(world.rules.tier_rows.items()) if t["vendor_id"] == vendor_id]


def _foreign_tier(world: World, vendor_id) -> int:
    """A tier of the outsider vendor (or of any other vendor)."""
    outsider = world.vendors[-1].pk
    other = outsider if outsider != vendor_id else world.vendors[0].pk
    return _vendor_tiers(world, other)[0]


def _foreign_distributor(world: World) -> int:
    return world.distributors[-1].pk  # the outsider distributor: sells for the outsider vendor only


def _reason(world, row):
    return [{"reason": "Not a fit this year."}]


# --- HTML forms -------------------------------------------------------------------------------------------------


def _approve_form(world, row):
    tiers = _vendor_tiers(world, row["vendor_id"])
    return [
        {"tier": tiers[0], "distributor": ""},
        {"tier": _foreign_tier(world, row["vendor_id"]), "distributor": ""},
        {"tier": tiers[0], "distributor": _foreign_distributor(world)},
    ]


def _tier_change_form(world, row):
    tiers = [t for t in _vendor_tiers(world, row["vendor_id"]) if t != row["tier_id"]] or _vendor_tiers(
        world, row["vendor_id"]
    )
    return [{"tier": tiers[0]}, {"tier": _foreign_tier(world, row["vendor_id"])}]


def _tier_form(world, row):
    return [
        {
            "name": f"Renamed tier {next(_serial)}",
            "rank": 7,
            "discount_percent": "12.50",
            "mdf_eligible": "on",
            "deal_protection_days": 30,
            "requirements": "Sell more.",
        }
    ]


def _product_form(world, row):
    n = next(_serial)
    return [
        {
            "sku": f"NEW-{n}",
            "name": f"New product {n}",
            "description": "Changed.",
            "category": "Changed",
            "list_price": "10.00",
            "currency": "EUR",
            "active": "on",
        }
    ]


def _member_role(world, row):
    return [{"role": "member" if row["role"] == "admin" else "admin"}]


def _switch(world, row):
    return [{"organization": o.pk} for o in (world.vendors[0], world.partners[0], world.vendors[-1])]


def _apply_form(world, row):
    return [{"message": "We sell to mid-market customers.", "region": "EMEA", "annual_revenue": "1m-10m"}]


def _invite(world, row):
    return [{"email": f"newcomer{next(_serial)}@example.com", "role": "member"}]


def _program(world, row):
    return [{"accepts_applications": "on", "program_criteria": "Certified engineers."}]


def _nothing(world, row):
    return [{}]


def _mark_read(world, row):
    return [{"read": "1"}, {"read": "0"}]


def _read_all(world, row):
    """Everything, then one vendor's: one the persona's notifications may come from, and the outsider."""
    return [{}, {"vendor": world.vendors[0].pk}, {"vendor": world.vendors[-1].pk}]


def _preferences_form(world, row):
    # A choice for every type: the form reads those of the person's role and ignores the rest.
    modes = {"email__" + key.replace(".", "__"): "digest" for key in kinds.REGISTRY}
    return [{"time_zone": "Europe/Berlin", "digest_hour": 7, **modes}]


# --- API (JSON) -------------------------------------------------------------------------------------------------


def _api_apply(world, row):
    v0 = world.vendors[0].pk
    bodies = [
        {"vendor": vendor.pk, "message": "We would like to partner.", "region": "EMEA"}
        for vendor in (world.vendors[0], world.vendors[1], world.vendors[-1])
    ]
    bodies.append({"vendor": v0, "message": "Through them.", "distributor": _foreign_distributor(world)})
    return bodies


def _api_approve(world, row):
    tiers = _vendor_tiers(world, row["vendor_id"])
    return [
        {"tier": tiers[0]},
        {"tier": _foreign_tier(world, row["vendor_id"])},
        {"tier": tiers[0], "distributor": _foreign_distributor(world)},
    ]


def _api_tier(world, row):
    body = _tier_form(world, row)[0]
    return [{**body, "mdf_eligible": True}]


def _api_product(world, row):
    body = _product_form(world, row)[0]
    return [{**body, "active": True}]


def _api_preferences(world, row):
    # Every role receives approvals; then every type, which a member may not choose (a 400, nothing saved).
    return [
        {"time_zone": "Europe/Berlin", "digest_hour": 7, "email": {"partnership.approved": "digest"}},
        {"time_zone": "Asia/Tokyo", "digest_hour": 21, "email": dict.fromkeys(kinds.REGISTRY, "off")},
    ]


BODIES = {
    "portal:switch_organization": _switch,
    "portal:apply": _apply_form,
    "portal:invite": _invite,
    "portal:member_role": _member_role,
    "portal:member_remove": _nothing,
    "portal:invitation_revoke": _nothing,
    "console:partnership_approve": _approve_form,
    "console:partnership_decline": _reason,
    "console:partnership_tier": _tier_change_form,
    "console:partnership_suspend": _reason,
    "console:partnership_reactivate": _nothing,
    "console:partnership_end": lambda world, row: [{"reason": "Program closed.", "confirm": "on"}],
    "console:tier_create": _tier_form,
    "console:tier_edit": _tier_form,
    "console:tier_delete": _nothing,
    "console:product_create": _product_form,
    "console:product_edit": _product_form,
    "console:program": _program,
    "identity:mfa_policy": lambda world, row: [{"require_mfa": "on"}],
    "identity:sso": lambda world, row: [{"action": "domain_add", "domain": f"isolation-{next(_serial)}.example"}],
    "identity:tokens": lambda world, row: [{"name": f"Script {next(_serial)}", "expires": "30"}],
    "identity:token_revoke": _nothing,
    "partnership-list": _api_apply,
    "partnership-approve": _api_approve,
    "partnership-decline": _reason,
    "partnership-change-tier": _tier_change_form,
    "partnership-suspend": _reason,
    "partnership-reactivate": _nothing,
    "partnership-end": _reason,
    "tier-list": _api_tier,
    "tier-detail": _api_tier,
    "product-list": _api_product,
    "product-detail": _api_product,
    "notifications:read": _mark_read,
    "notifications:read_all": _read_all,
    "notifications:preferences": _preferences_form,
    "notification-read": _nothing,
    "notification-unread": _nothing,
    "notification-read-all": _read_all,
    "notification-preferences": _api_preferences,
}
