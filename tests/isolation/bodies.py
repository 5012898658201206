"""A plausible, valid body for every route that writes, and variants that name other tenants' rows.

``BODIES[route name](world, row)`` returns the bodies to send: ``row`` is the row the URL names (a dict of
its fields, with ``id``) for a scoped route, ``None`` otherwise. The first body is the one a person of the
right organization and role would send; the others put ids of rows the sender may not see (another vendor's
tier, a distributor the vendor does not sell through, a vendor outside the directory) where the body names a
row. A route that writes and has no entry here fails ``test_declarations``.

``PREFERRED[route name](world, row)`` says which rows a scoped route acts on (a draft to submit, a registration
under review to decide): the sweep sends every body to one of those the persona may see, when there is one.
"""

from datetime import timedelta
from itertools import count

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from notifications import kinds
from tests.isolation.world import PDF, DealStatus, Role, Status, World

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


# --- deal registration ------------------------------------------------------------------------------------------


def _products(world: World, vendor_id) -> list[int]:
    return [p.pk for p in world.catalog.get(vendor_id, [])]


def _foreign_product(world: World, vendor_id) -> int:
    """An active product of another vendor: the outsider's (or V0's, for the outsider)."""
    outsider = world.vendors[-1].pk
    return _products(world, outsider if vendor_id != outsider else world.vendors[0].pk)[0]


def _unregistrable_vendor(world: World) -> int:
    """A vendor P0 has no active partnership with: a main vendor if there is one, else the outsider."""
    p0 = world.partners[0].pk
    active = {
        p["vendor_id"]
        for p in world.rules.partnership_rows.values()
        if p["partner_id"] == p0 and p["status"] == Status.ACTIVE
    }
    others = (v.pk for v in world.vendors[:-1] if v.pk not in active and v.pk in world.catalog)
    return next(others, world.vendors[-1].pk)


def _close_date() -> str:
    return (timezone.localdate() + timedelta(days=45)).isoformat()


def _pdf(name="quote.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _customer(n, website=""):
    return {
        "title": f"New opportunity {n}",
        "customer_name": f"Prospect {n}",
        "customer_website": website or f"prospect-{n}.example.org",
        "customer_country": "FR",
        "contact_name": "Jo Buyer",
        "contact_email": f"buyer{n}@example.org",
        "contact_phone": "+33 1 23 45 67 89",
        "expected_close_date": _close_date(),
        "notes": "Found at a trade fair.",
    }


def _lines_form(*lines):
    form = {"lines-TOTAL_FORMS": len(lines), "lines-INITIAL_FORMS": 0, "lines-MIN_NUM_FORMS": 0}
    form["lines-MAX_NUM_FORMS"] = 50
    for i, (product, quantity) in enumerate(lines):
        form[f"lines-{i}-product"] = product
        form[f"lines-{i}-quantity"] = quantity
    return form


def _deal_create_form(world, row):
    """P0's registration with V0, submitted: one unit (below V0's automatic approval), then a customer the rival
    registered (a conflict); a draft with a file; another vendor's product; a vendor P0 may not register with."""
    v0 = world.vendors[0].pk
    mine = _products(world, v0)[0]
    bodies = []
    for website, action in (("", "submit"), ("www.shared-customer-a.com", "submit"), ("", "save")):
        n = next(_serial)
        body = {"vendor": v0, **_customer(n, website), **_lines_form((mine, 1)), "action": action}
        if action == "save":
            body["attachments"] = _pdf(f"rfp-{n}.pdf")
        bodies.append(body)
    n = next(_serial)
    bodies.append({"vendor": v0, **_customer(n), **_lines_form((_foreign_product(world, v0), 1)), "action": "submit"})
    other = _unregistrable_vendor(world)
    n = next(_serial)
    bodies.append({"vendor": other, **_customer(n), **_lines_form((_products(world, other)[0], 1)), "action": "submit"})
    return bodies


def _deal_edit_form(world, row):
    """Kept current (the customer too, where it may change), then another vendor's product on a line."""
    n = next(_serial)
    body = {
        **_customer(n),
        "stage": "negotiation",
        "lost_reason": "",
        "amount": "12345.00",
    }
    mine = _products(world, row["vendor_id"])[0]
    return [
        {**body, **_lines_form((mine, 3))},
        {**body, **_lines_form((mine, 3), (_foreign_product(world, row["vendor_id"]), 1))},
    ]


def _deal_stage_form(world, row):
    return [{"stage": "lost", "lost_reason": "The customer chose to wait a year."}, {"stage": "proposal"}]


def _api_deal_create(world, row):
    v0 = world.vendors[0].pk
    mine = _products(world, v0)[0]

    def body(vendor, product, website="", submit=True):
        return {
            "vendor": vendor,
            **_customer(next(_serial), website),
            "lines": [{"product": product, "quantity": 1}],
            "submit": submit,
        }

    other = _unregistrable_vendor(world)
    return [
        body(v0, mine),
        body(v0, mine, "https://eu.shared-customer-b.com/", submit=True),
        body(v0, _foreign_product(world, v0)),
        body(other, _products(world, other)[0]),
        body(world.vendors[-1].pk, _products(world, world.vendors[-1].pk)[0], submit=False),
    ]


def _api_deal_update(world, row):
    mine = _products(world, row["vendor_id"])[0]
    n = next(_serial)
    return [
        {
            "title": f"Renamed {n}",
            "stage": "proposal",
            "amount": "2500.00",
            "lines": [{"product": mine, "quantity": 2}],
        },
        {"lines": [{"product": _foreign_product(world, row["vendor_id"]), "quantity": 1}]},
        {"customer_name": f"Someone else {n}", "customer_website": "www.shared-customer-b.com"},
        {"stage": "lost", "lost_reason": "Budget frozen."},
    ]


def _deal_rules_form(world, row):
    """V0's rules with its own tiers; then another vendor's tier (the outsider's, a second main vendor's)."""
    body = {"auto_approve_below": "2500", "idle_cap": "5", "idle_days": "45", "name_similarity": "0.75"}
    bodies = [{**body, "auto_approve_tiers": _vendor_tiers(world, world.vendors[0].pk)}]
    bodies.append({**body, "auto_approve_tiers": [_foreign_tier(world, world.vendors[0].pk)]})
    bodies.append({**body, "auto_approve_tiers": _vendor_tiers(world, world.vendors[1].pk)[:1]})
    return bodies


def _comment(world, row):
    return [{"body": f"Any news from the buyer? ({next(_serial)})"}]


def _approve_deal(world, row):
    return [{"protection_days": 60, "note": "Protected: go for it."}]


def _extension_request(world, row):
    return [{"days": 30, "reason": "The customer's board meets next month."}]


def _extension_decide_form(world, row):
    return [{"decision": "grant", "response": "Granted."}, {"decision": "refuse", "response": "Not this time."}]


def _api_extension_decision(world, row):
    return [{"grant": True, "response": "Granted."}, {"grant": False, "response": "Not this time."}]


def _status_in(*statuses):
    return lambda world, row: row["status"] in statuses


def _pending_extension(world, row):
    return any(e["deal_id"] == row["id"] and e["status"] == "pending" for e in world.rules.extension_rows.values())


def _extensible(world, row):
    return row["status"] == DealStatus.APPROVED and not _pending_extension(world, row)


def _flagged(world, row):
    return row["has_conflict"] and row["status"] == DealStatus.SUBMITTED


# --- leads (leads/api.py) ---------------------------------------------------------------------------------------


def _skus(world: World, vendor_id) -> list[str]:
    return [p.sku for p in world.catalog.get(vendor_id, [])]


def _foreign_sku(world: World, vendor_id) -> str:
    """An active SKU of another vendor: the outsider's (or V0's, for the outsider)."""
    outsider = world.vendors[-1].pk
    return _skus(world, outsider if vendor_id != outsider else world.vendors[0].pk)[0]


def _prospect(n, country="US", **fields):
    return {"company": f"Prospect lead {n}", "contact_name": "Jo Buyer", "country": country, **fields}


def _api_lead_create(world, row):
    """A lead of the current vendor's (routed among its partners covering the US); then another vendor's SKU."""
    v0 = world.vendors[0].pk
    return [
        _prospect(next(_serial), products=_skus(world, v0)[:1]),
        _prospect(next(_serial), products=[_foreign_sku(world, v0)]),
    ]


def _api_lead_bulk(world, row):
    """Three leads (two routed, one nobody covers); then a batch with one row of another vendor's SKU."""
    v0 = world.vendors[0].pk
    good = [_prospect(next(_serial)), _prospect(next(_serial)), _prospect(next(_serial), "FR")]
    bad = [_prospect(next(_serial)), _prospect(next(_serial), products=[_foreign_sku(world, v0)])]
    return [{"leads": good}, {"leads": bad}]


def _api_lead_rules(world, row):
    v0 = world.vendors[0].pk
    body = {"sla_hours": 36, "reminder_hours": 6, "default_capacity": 20, "match_products": False}
    return [{**body, "tiers": _vendor_tiers(world, v0)[:1]}, {**body, "tiers": [_foreign_tier(world, v0)]}]


def _lead_partner_people(world: World, partner_id) -> list[int]:
    return [u.pk for (org, _role), u in sorted(world.people.items(), key=lambda i: i[1].pk) if org == partner_id]


def _api_lead_assign(world, row):
    """One of the partner's own people; then someone of another organization (V0's admin)."""
    own = _lead_partner_people(world, row["partner_id"]) if row["partner_id"] else []
    return [{"rep": own[-1] if own else None}, {"rep": world.people[world.vendors[0].pk, Role.ADMIN].pk}]


def _api_lead_status(world, row):
    return [{"status": "contacted"}, {"status": "disqualified", "reason": "No budget this year."}]


def _api_lead_convert(world, row):
    """The lead's vendor's product, submitted; then another vendor's product."""
    mine = _products(world, row["vendor_id"])
    body = {"title": f"From a lead {next(_serial)}", "expected_close_date": _close_date(), "submit": True}
    bodies = [{**body, "lines": [{"product": mine[0], "quantity": 1}]}] if mine else []
    bodies.append({**body, "lines": [{"product": _foreign_product(world, row["vendor_id"]), "quantity": 1}]})
    return bodies


def _api_lead_offer(world, row):
    """Another ACTIVE partnership of the lead's vendor; then one of another vendor (the outsider's)."""
    partnerships = world.rules.partnership_rows
    mine = [
        pk
        for pk, p in sorted(partnerships.items())
        if p["vendor_id"] == row["vendor_id"] and p["status"] == Status.ACTIVE and pk != row["partnership_id"]
    ]
    foreign = [pk for pk, p in sorted(partnerships.items()) if p["vendor_id"] != row["vendor_id"]]
    return [{"partnership": pk} for pk in (mine[:1] + foreign[-1:])]


def _api_lead_coverage(world, row):
    """The partnership's vendor's product; then another vendor's."""
    body = {"countries": ["US", "CA"], "regions": ["TX"], "capacity": 5, "accepts_leads": True}
    return [
        {**body, "products": _skus(world, row["vendor_id"])[:1]},
        {**body, "products": [_foreign_sku(world, row["vendor_id"])]},
    ]


def _lead_in(*statuses):
    return lambda world, row: row["status"] in statuses


# --- lead pages (leads/views.py, HTML forms) ----------------------------------------------------------------------


def _home_partnership(world: World) -> int:
    """P0's partnership with V0 (active: the partner personas add their own leads on it)."""
    v0, p0 = world.vendors[0].pk, world.partners[0].pk
    return next(
        pk
        for pk, p in sorted(world.rules.partnership_rows.items())
        if (p["vendor_id"], p["partner_id"], p["status"]) == (v0, p0, Status.ACTIVE)
    )


def _lead_create_form(world, row):
    """V0's lead (its product, picked from its catalog), then P0's own lead on its partnership with V0 (SKUs typed
    in); then another vendor's product, and P0 naming another vendor's SKU, another partner's partnership at V0 and a
    partnership of its own that is not active."""
    v0, p0 = world.vendors[0].pk, world.partners[0].pk
    home = _home_partnership(world)
    partnerships = world.rules.partnership_rows
    others = [pk for pk, p in sorted(partnerships.items()) if p["vendor_id"] == v0 and p["partner_id"] != p0]
    closed = [pk for pk, p in sorted(partnerships.items()) if p["partner_id"] == p0 and p["status"] != Status.ACTIVE]
    bodies = [
        _prospect(next(_serial), contact_email="jo@example.org", products=_products(world, v0)[:1]),
        _prospect(next(_serial), vendor=home, products=", ".join(_skus(world, v0)[:1])),
        _prospect(next(_serial), products=[_foreign_product(world, v0)]),
        _prospect(next(_serial), vendor=home, products=_foreign_sku(world, v0)),
    ]
    bodies += [_prospect(next(_serial), vendor=pk, products="") for pk in others[:1] + closed[:1]]
    return bodies


def _lead_import_form(world, row):
    """A CSV file of two leads of V0's, one of them naming a SKU V0 does not sell (the report shows it)."""
    n = next(_serial)
    sku = _skus(world, world.vendors[0].pk)[0]
    text = f"company,contact_name,country,products\nImported {n},Pat Lee,US,{sku}\nOther {n},Sam Ray,US,NO-SUCH-{n}\n"
    return [{"file": SimpleUploadedFile(f"leads-{n}.csv", text.encode(), content_type="text/csv")}]


def _lead_rules_form(world, row):
    """V0's rules with its own tier; then another vendor's tier (the outsider's, a second main vendor's)."""
    v0 = world.vendors[0].pk
    body = {"sla_hours": 36, "reminder_hours": 6, "match_territory": "on", "default_capacity": 20}
    return [
        {**body, "tiers": _vendor_tiers(world, v0)[:1]},
        {**body, "tiers": [_foreign_tier(world, v0)]},
        {**body, "tiers": _vendor_tiers(world, world.vendors[1].pk)[:1]},
    ]


def _lead_coverage_form(world, row):
    """The partnership's vendor's product; then another vendor's."""
    body = {"countries": "US, CA", "regions": "TX", "capacity": 5, "accepts_leads": "on"}
    return [
        {**body, "products": _products(world, row["vendor_id"])[:1]},
        {**body, "products": [_foreign_product(world, row["vendor_id"])]},
    ]


def _lead_assign_form(world, row):
    """One of the holder's own people; then someone of another organization (V0's admin)."""
    own = _lead_partner_people(world, row["partner_id"]) if row["partner_id"] else []
    return [{"rep": own[-1] if own else ""}, {"rep": world.people[world.vendors[0].pk, Role.ADMIN].pk}]


def _lead_note_form(world, row):
    return [{"body": f"Called the buyer: call back in May ({next(_serial)})."}]


def _lead_convert_form(world, row):
    """The lead's vendor's product, submitted; then another vendor's product."""
    mine = _products(world, row["vendor_id"])
    body = {"title": f"From a lead {next(_serial)}", "expected_close_date": _close_date(), "action": "submit"}
    bodies = [{**body, **_lines_form((mine[0], 1))}] if mine else []
    bodies.append({**body, **_lines_form((_foreign_product(world, row["vendor_id"]), 1))})
    return bodies


_WORKING = ("accepted", "contacted", "qualified")


PREFERRED = {
    "lead-accept": _lead_in("offered"),
    "lead-reject": _lead_in("offered"),
    "lead-offer": _lead_in("unassigned", "offered"),
    "lead-assign": _lead_in("accepted", "contacted", "qualified"),
    "lead-status": _lead_in("accepted", "contacted", "qualified"),
    "lead-convert": _lead_in("accepted", "contacted", "qualified"),
    "leads:accept": _lead_in("offered"),
    "leads:reject": _lead_in("offered"),
    "leads:offer": _lead_in("unassigned", "offered"),
    "leads:assign": _lead_in(*_WORKING),
    "leads:status": _lead_in(*_WORKING),
    "leads:note": _lead_in(*_WORKING),
    "leads:convert": _lead_in(*_WORKING),
    "leads:import_confirm": _lead_in("pending"),
    "leads:import_discard": _lead_in("pending"),
    "leads:coverage": _lead_in(Status.ACTIVE),
    "deals:submit": _status_in(DealStatus.DRAFT, DealStatus.INFO_REQUESTED),
    "deal-submit": _status_in(DealStatus.DRAFT, DealStatus.INFO_REQUESTED),
    "deals:edit": _status_in(DealStatus.DRAFT, DealStatus.INFO_REQUESTED),
    "deal-detail": _status_in(DealStatus.DRAFT, DealStatus.INFO_REQUESTED),
    "deals:stage": _flagged,
    "deals:approve": _status_in(DealStatus.SUBMITTED),
    "deal-approve": _status_in(DealStatus.SUBMITTED),
    "deals:reject": _flagged,
    "deal-reject": _flagged,
    "deals:request_info": _status_in(DealStatus.SUBMITTED),
    "deal-request-info": _status_in(DealStatus.SUBMITTED),
    "deals:extension_request": _extensible,
    "deal-extension-request": _extensible,
    "deals:extension_decide": _pending_extension,
    "deal-extension-decision": _pending_extension,
    "deal-conflicts": lambda world, row: row["has_conflict"],
    "deals:detail": lambda world, row: row["has_conflict"],
}

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
    "deals:create": _deal_create_form,
    "deals:edit": _deal_edit_form,
    "deals:submit": _nothing,
    "deals:stage": _deal_stage_form,
    "deals:comment": _comment,
    "deals:attach": lambda world, row: [{"attachments": _pdf(f"offer-{next(_serial)}.pdf")}],
    "deals:approve": _approve_deal,
    "deals:reject": _reason,
    "deals:request_info": lambda world, row: [{"question": "Who signs the order?"}],
    "deals:extension_request": _extension_request,
    "deals:extension_decide": _extension_decide_form,
    "deals:rules": _deal_rules_form,
    "deal-list": _api_deal_create,
    "deal-detail": _api_deal_update,
    "deal-submit": _nothing,
    "deal-approve": _approve_deal,
    "deal-reject": _reason,
    "deal-request-info": lambda world, row: [{"question": "Who signs the order?"}],
    "deal-comments": _comment,
    "deal-attachments": lambda world, row: [{"file": _pdf(f"offer-{next(_serial)}.pdf")}],
    "deal-extension-request": _extension_request,
    "deal-extension-decision": _api_extension_decision,
    "lead-list": _api_lead_create,
    "lead-bulk": _api_lead_bulk,
    "lead-rules": _api_lead_rules,
    "lead-accept": _nothing,
    "lead-reject": _reason,
    "lead-assign": _api_lead_assign,
    "lead-status": _api_lead_status,
    "lead-convert": _api_lead_convert,
    "lead-offer": _api_lead_offer,
    "lead-coverage-detail": _api_lead_coverage,
    "leads:create": _lead_create_form,
    "leads:import": _lead_import_form,
    "leads:import_confirm": _nothing,
    "leads:import_discard": _nothing,
    "leads:rules": _lead_rules_form,
    "leads:coverage": _lead_coverage_form,
    "leads:accept": _nothing,
    "leads:reject": _reason,
    "leads:assign": _lead_assign_form,
    "leads:status": _api_lead_status,
    "leads:note": _lead_note_form,
    "leads:offer": _api_lead_offer,
    "leads:convert": _lead_convert_form,
}
