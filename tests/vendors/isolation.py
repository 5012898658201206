"""The channel graph in the isolation suite: tiers, products, distributions, partnerships, invitations, and who may
see and change them (see ``tests/isolation/plugins.py`` for what each name means).

``program`` gives every vendor its tier ladder and catalog (some products retired) and sells through the spec's
distributors; ``partnerships`` applies for, approves, declines, suspends and ends every edge of the spec through
``vendors.services`` (which grant the guardian permissions), in every status (closed ones re-applied), with the records
of V0's first suspended and first ended partnership made before it closed (``world.read_only``); ``closing`` closes
the directory to some vendors, has the platform suspend the outsider vendor (and maybe one more), and leaves every
organization an open invitation (some a revoked one too).
"""

import itertools
from decimal import Decimal

from django.apps import apps

from tests import factories as f
from tests.isolation import world as w
from tests.isolation.plugins import contains, equals
from vendors import services
from vendors.models import Organization, Partnership, PartnershipEvent, Product, Tier

Status, Role, Kind = w.Status, w.Role, w.Kind
ORG, MEMBERSHIP, INVITATION, DISTRIBUTION = w.ORG, w.MEMBERSHIP, "vendors.Invitation", "vendors.Distribution"
TIER, PRODUCT, PARTNERSHIP, EVENT = "vendors.Tier", "vendors.Product", "vendors.Partnership", "vendors.PartnershipEvent"
GRANT = "vendors.PartnershipGroupObjectPermission"
USER_GROUPS = w.User.groups.through._meta.label
# The field of a row that names each side of the channel.
SIDE = {Kind.VENDOR: "vendor_id", Kind.PARTNER: "partner_id", Kind.DISTRIBUTOR: "distributor_id"}
SNAPSHOT_ALSO = ("auth.Group",)

# --- the world ------------------------------------------------------------------------------------------------


def program(world):
    """Every vendor's tiers and products (``world.tiers``, ``world.catalog``: its active ones), and distributions."""
    spec, m = world.spec, world.markers
    world.tiers = []
    world.catalog = {}  # vendor id → its active products, by pk
    for i, (vendor, count) in enumerate(zip(world.vendors, spec.tiers, strict=True)):
        ladder = []
        for rank in range(count):
            marker = m.new("tie")
            tier = f.TierFactory(
                vendor=vendor,
                name=f"Tier {marker}",
                rank=rank,
                discount_percent=Decimal(10 + 10 * rank),
                requirements=f"To reach {marker}: sell.",
            )
            m.own(marker, TIER, tier.pk)
            ladder.append(tier)
        world.tiers.append(ladder)
        for active in spec.products[i]:
            name, sku, category = m.new("prd"), m.new("sku"), m.new("cat")
            product = f.ProductFactory(
                vendor=vendor,
                sku=sku,
                name=f"Product {name}",
                description=f"All about {name}.",
                category=category,
                list_price=Decimal("1000.00"),
                active=active,
            )
            for marker in (name, sku, category):
                m.own(marker, PRODUCT, product.pk)
            if active:
                world.catalog.setdefault(vendor.pk, []).append(product)
    for v, d in sorted(spec.distributions):
        f.distribution(world.vendors[v], world.distributors[d], Decimal("5"))


def partnerships(world):
    for edge in world.spec.edges:
        for status in edge.statuses:
            _partnership(world, edge, status)


def _partnership(world, edge: w.Edge, status: str) -> Partnership:
    m = world.markers
    vendor, partner = world.vendors[edge.vendor], world.partners[edge.partner]
    distributor = world.distributors[edge.distributor] if edge.distributor is not None else None
    vendor_admin = world.people[vendor.pk, Role.ADMIN]
    texts = {key: m.new(key) for key in ("app", "reg", "rsn")}
    p = services.partnership_apply(
        actor=world.people[partner.pk, Role.ADMIN],
        partner=partner,
        vendor=vendor,
        message=f"We want to sell {texts['app']}.",
        region=f"Region {texts['reg']}",
        distributor=distributor,
    )
    reason = f"Because {texts['rsn']}."
    if status == Status.DECLINED:
        p = services.partnership_decline(actor=vendor_admin, partnership=p, reason=reason)
    elif status != Status.APPLIED:
        p = services.partnership_approve(actor=vendor_admin, partnership=p, tier=world.tiers[edge.vendor][edge.tier])
        if status in (Status.SUSPENDED, Status.ENDED):
            _before_closing(world, p, status)
        if status == Status.SUSPENDED:
            p = services.partnership_suspend(actor=vendor_admin, partnership=p, reason=reason)
        elif status == Status.ENDED:
            p = services.partnership_end(actor=vendor_admin, partnership=p, reason=reason)
    assert p.status == status
    for marker in texts.values():
        m.own(marker, PARTNERSHIP, p.pk)
    return p


def _before_closing(world, p, status):
    """Records made while ``p`` was active, at V0's first partnership suspended and first ended (V0 has both): after
    it is suspended or ends, both sides still see them, and they are read-only for the partner
    (``test_read_only_partnership``). The apps make them (``before_closing``)."""
    if p.vendor_id != world.vendors[0].pk or status in world.read_only:
        return
    world.read_only[status] = p
    world.build("before_closing", p, status)


def closing(world):
    spec, m = world.spec, world.markers
    for i, vendor in enumerate(world.vendors):
        if spec.closed[i]:
            services.program_update(
                actor=world.people[vendor.pk, Role.ADMIN],
                vendor=vendor,
                accepts_applications=False,
                program_criteria="",
            )
    # The platform suspended the outsider vendor (and maybe one more): its people cannot use it any more.
    for index in {len(world.vendors) - 1, spec.suspended} - {None}:
        services.organization_set_status(
            actor=world.platform_admin, organization=world.vendors[index], status=Organization.Status.SUSPENDED
        )
    for org, revoked in zip(world.organizations, spec.revoked_invitation, strict=True):
        for close in (revoked, False) if revoked else (False,):
            marker = m.new("inv")
            admin = world.people[org.pk, Role.ADMIN]
            invitation, _ = services.invitation_create(
                actor=admin, organization=org, email=f"{marker}@example.com", role=Role.MEMBER
            )
            m.own(marker, "vendors.Invitation", invitation.pk)
            if close:
                services.invitation_revoke(actor=admin, invitation=invitation)


# --- who may see what -----------------------------------------------------------------------------------------

VISIBLE = {
    ORG: "organizations",
    PARTNERSHIP: "partnerships",
    TIER: "tiers",
    PRODUCT: "products",
    MEMBERSHIP: "memberships",
    INVITATION: "invitations",
    DISTRIBUTION: "distributions",
    EVENT: "events",
}
NOT_LISTED = {
    "vendors.OrganizationGroupObjectPermission": "guardian grant: the mechanism, not data",
    "vendors.OrganizationUserObjectPermission": "guardian grant (unused: grants go to groups)",
    GRANT: "guardian grant: the mechanism, not data",
    "vendors.PartnershipUserObjectPermission": "guardian grant (unused: grants go to groups)",
}


def load(rules) -> dict:
    rules.org_rows = w.rows_of(Organization, "kind", "status", "accepts_applications", "slug", "group_id")
    rules.partnership_rows = w.rows_of(Partnership, "vendor_id", "partner_id", "distributor_id", "tier_id", "status")
    rules.tier_rows = w.rows_of(Tier, "vendor_id")
    rules.product_rows = w.rows_of(Product, "vendor_id", "active", "name", "sku", "description", "category")
    rules.membership_rows = w.rows_of(apps.get_model(MEMBERSHIP), "organization_id", "user_id", "role")
    rules.invitation_rows = w.rows_of(apps.get_model(INVITATION), "organization_id", "invited_by_id")
    rules.distribution_rows = w.rows_of(apps.get_model(DISTRIBUTION), "vendor_id", "distributor_id", "active")
    rules.event_rows = w.rows_of(PartnershipEvent, "partnership_id", "actor_id", "detail")
    rules.group_org = {o["group_id"]: pk for pk, o in rules.org_rows.items()}
    return {
        ORG: rules.org_rows,
        PARTNERSHIP: rules.partnership_rows,
        TIER: rules.tier_rows,
        PRODUCT: rules.product_rows,
        MEMBERSHIP: rules.membership_rows,
        INVITATION: rules.invitation_rows,
        DISTRIBUTION: rules.distribution_rows,
        EVENT: rules.event_rows,
    }


class Rules:
    """What a person may see (the organizations they are a member of: ``orgs``)."""

    @property
    def directory(self) -> set:
        return {
            pk
            for pk, o in self.org_rows.items()
            if o["kind"] == Kind.VENDOR and o["accepts_applications"] and o["status"] == Organization.Status.ACTIVE
        }

    def _sides(self, p) -> set:
        return {p["vendor_id"], p["partner_id"]} | ({p["distributor_id"]} if p["distributor_id"] else set())

    def partnerships_of(self, orgs) -> set:
        """Each side sees its own edges in every status: vendor, partner, and the distributor in between."""
        return {pk for pk, p in self.partnership_rows.items() if self._sides(p) & orgs}

    def program_vendors(self, orgs) -> set:
        """A vendor's own people; partners and distributors with an ACTIVE partnership; active distributions."""
        own = {o for o in orgs if self.org_rows[o]["kind"] == Kind.VENDOR}
        active = {
            p["vendor_id"]
            for p in self.partnership_rows.values()
            if p["status"] == Status.ACTIVE and (p["partner_id"] in orgs or p["distributor_id"] in orgs)
        }
        distributed = {
            d["vendor_id"] for d in self.distribution_rows.values() if d["active"] and d["distributor_id"] in orgs
        }
        return own | active | distributed

    def organizations(self, orgs) -> set:
        """Own; the directory; the other sides of one's partnerships; a vendor's distributors and a
        distributor's (active) vendors."""
        if not orgs:
            return set()
        seen = set(orgs) | self.directory
        for pk in self.partnerships_of(orgs):
            seen |= self._sides(self.partnership_rows[pk])
        for d in self.distribution_rows.values():
            if d["vendor_id"] in orgs:
                seen.add(d["distributor_id"])
            if d["distributor_id"] in orgs and d["active"]:
                seen.add(d["vendor_id"])
        return seen

    def partnerships(self, orgs) -> set:
        return self.partnerships_of(orgs)

    def tiers(self, orgs) -> set:
        program = self.program_vendors(orgs)
        return {pk for pk, t in self.tier_rows.items() if t["vendor_id"] in program}

    def products(self, orgs) -> set:
        """A vendor's own catalog (retired too); the active products of vendors one has program access to."""
        program = self.program_vendors(orgs)
        return {
            pk
            for pk, p in self.product_rows.items()
            if p["vendor_id"] in orgs or (p["vendor_id"] in program and p["active"])
        }

    def memberships(self, orgs) -> set:
        return {pk for pk, m in self.membership_rows.items() if m["organization_id"] in orgs}

    def invitations(self, orgs) -> set:
        return {pk for pk, i in self.invitation_rows.items() if i["organization_id"] in orgs}

    def distributions(self, orgs) -> set:
        return {pk for pk, d in self.distribution_rows.items() if d["vendor_id"] in orgs or d["distributor_id"] in orgs}

    def events(self, orgs) -> set:
        mine = self.partnerships_of(orgs)
        return {pk for pk, e in self.event_rows.items() if e["partnership_id"] in mine}

    def _distributes(self, partnership) -> bool:
        return any(
            d["vendor_id"] == partnership["vendor_id"] and d["distributor_id"] == partnership["distributor_id"]
            for d in self.distribution_rows.values()
            if d["active"]
        )

    def _application_ok(self, persona, admins, row) -> bool:
        return (
            row["partner_id"] in admins
            and row["status"] == Status.APPLIED
            and row["vendor_id"] in self.organizations(persona.orgs)
            and (row["distributor_id"] is None or self._distributes(row))
        )


def mentionable(rules, persona) -> set:
    """What the product shows on purpose: the directory's tier ladders and distributors (public program terms), the
    tier of each of one's partnerships and the tiers its history names, and the people of one's organizations and of
    one's partnerships' history."""
    orgs, seen = persona.orgs, set()
    directory = rules.directory
    seen |= {(TIER, pk) for pk, t in rules.tier_rows.items() if t["vendor_id"] in directory}
    seen |= {(ORG, d["distributor_id"]) for d in rules.distribution_rows.values() if d["vendor_id"] in directory}
    partnerships = rules.partnerships_of(orgs)
    seen |= {
        (TIER, rules.partnership_rows[pk]["tier_id"]) for pk in partnerships if rules.partnership_rows[pk]["tier_id"]
    }
    owner = rules.world.markers.owner
    for pk in rules.events(orgs):
        event = rules.event_rows[pk]
        if event["actor_id"]:
            seen.add((w.USER, event["actor_id"]))
        seen |= {owner[m] for m in w.found_markers(event["detail"]) if owner.get(m, ("", 0))[0] == TIER}
    seen |= {(w.USER, m["user_id"]) for m in rules.membership_rows.values() if m["organization_id"] in orgs}
    return seen


# --- who may change what --------------------------------------------------------------------------------------


class Changes:
    """Admins change their organization's people and invitations; admins and managers of a vendor its program, tiers,
    products and the partnerships it has (approve, tier, suspend, end), each only to its own tiers and distributors; a
    partner's admins apply (a new partnership, ``applied``) to a vendor they may see. History and grants follow the
    partnership they belong to, and grants go only to the groups of the partnership's sides."""

    LABELS = {ORG, TIER, PRODUCT, DISTRIBUTION, MEMBERSHIP, INVITATION, PARTNERSHIP, EVENT, GRANT, USER_GROUPS}

    def __init__(self, rules, persona, before, after, changes):
        self.rules, self.persona, self.before, self.after = rules, persona, before, after
        roles = persona.roles
        self.admins = {o for o, r in roles.items() if r == Role.ADMIN}
        self.managers = {o for o, r in roles.items() if r in (Role.ADMIN, Role.MANAGER)}
        self.new_partnerships = after.pks(PARTNERSHIP) - before.pks(PARTNERSHIP)

    def partnership_ok(self, pk) -> bool:
        old, new = self.before.row(PARTNERSHIP, pk), self.after.row(PARTNERSHIP, pk)
        if pk in self.new_partnerships:
            return self.rules._application_ok(self.persona, self.admins, new)
        if old is None:
            return False
        new = new or old
        return (
            old["vendor_id"] in self.managers
            and (new["vendor_id"], new["partner_id"]) == (old["vendor_id"], old["partner_id"])
            and (
                new["tier_id"] is None
                or self.rules.tier_rows.get(new["tier_id"], {}).get("vendor_id") == new["vendor_id"]
            )
            and (new["distributor_id"] in (None, old["distributor_id"]) or self.rules._distributes(new))
        )

    def sides(self, pk) -> set:
        rows = [r for r in (self.before.row(PARTNERSHIP, pk), self.after.row(PARTNERSHIP, pk)) if r]
        return set().union(*(self.rules._sides(r) for r in rows)) if rows else set()

    def told(self, label, pk) -> set | None:
        """A partnership's sides; an invitation's organization."""
        if label == PARTNERSHIP:
            return self.sides(pk)
        if label == INVITATION:
            return {r["organization_id"] for r in (self.before.row(label, pk), self.after.row(label, pk)) if r}
        return None

    def ok(self, label, pk) -> bool:
        old, new = self.before.row(label, pk), self.after.row(label, pk)
        both = [r for r in (old, new) if r]
        row = new or old
        if label == ORG:
            return pk in self.managers
        if label in (TIER, PRODUCT):
            return all(r["vendor_id"] in self.managers for r in both)
        if label == DISTRIBUTION:
            return all(r["vendor_id"] in self.admins for r in both)
        if label in (MEMBERSHIP, INVITATION):
            return all(r["organization_id"] in self.admins for r in both)
        if label == PARTNERSHIP:
            return self.partnership_ok(pk)
        if label == EVENT:
            return old is None and self.partnership_ok(row["partnership_id"])
        if label == GRANT:
            partnership = row["content_object_id"]
            return self.partnership_ok(partnership) and self.rules.group_org.get(row["group_id"]) in self.sides(
                partnership
            )
        if label == USER_GROUPS:
            return self.rules.group_org.get(row["group_id"]) in self.admins
        return False


# --- the attack: bodies ---------------------------------------------------------------------------------------

_serial = itertools.count(1)


def vendor_tiers(world: w.World, vendor_id) -> list[int]:
    return [pk for pk, t in sorted(world.rules.tier_rows.items()) if t["vendor_id"] == vendor_id]


def foreign_tier(world: w.World, vendor_id) -> int:
    """A tier of the outsider vendor (or of any other vendor)."""
    outsider = world.vendors[-1].pk
    other = outsider if outsider != vendor_id else world.vendors[0].pk
    return vendor_tiers(world, other)[0]


def foreign_distributor(world: w.World) -> int:
    return world.distributors[-1].pk  # the outsider distributor: sells for the outsider vendor only


def reason(world, row):
    return [{"reason": "Not a fit this year."}]


def _approve_form(world, row):
    tiers = vendor_tiers(world, row["vendor_id"])
    return [
        {"tier": tiers[0], "distributor": ""},
        {"tier": foreign_tier(world, row["vendor_id"]), "distributor": ""},
        {"tier": tiers[0], "distributor": foreign_distributor(world)},
    ]


def _tier_change_form(world, row):
    tiers = [t for t in vendor_tiers(world, row["vendor_id"]) if t != row["tier_id"]] or vendor_tiers(
        world, row["vendor_id"]
    )
    return [{"tier": tiers[0]}, {"tier": foreign_tier(world, row["vendor_id"])}]


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


def _program(world, row):
    return [{"accepts_applications": "on", "program_criteria": "Certified engineers."}]


def nothing(world, row):
    return [{}]


def _api_apply(world, row):
    v0 = world.vendors[0].pk
    bodies = [
        {"vendor": vendor.pk, "message": "We would like to partner.", "region": "EMEA"}
        for vendor in (world.vendors[0], world.vendors[1], world.vendors[-1])
    ]
    bodies.append({"vendor": v0, "message": "Through them.", "distributor": foreign_distributor(world)})
    return bodies


def _api_approve(world, row):
    tiers = vendor_tiers(world, row["vendor_id"])
    return [
        {"tier": tiers[0]},
        {"tier": foreign_tier(world, row["vendor_id"])},
        {"tier": tiers[0], "distributor": foreign_distributor(world)},
    ]


def _api_tier(world, row):
    body = _tier_form(world, row)[0]
    return [{**body, "mdf_eligible": True}]


def _api_product(world, row):
    body = _product_form(world, row)[0]
    return [{**body, "active": True}]


BODIES = {
    "console:partnership_approve": _approve_form,
    "console:partnership_decline": reason,
    "console:partnership_tier": _tier_change_form,
    "console:partnership_suspend": reason,
    "console:partnership_reactivate": nothing,
    "console:partnership_end": lambda world, row: [{"reason": "Program closed.", "confirm": "on"}],
    "console:tier_create": _tier_form,
    "console:tier_edit": _tier_form,
    "console:tier_delete": nothing,
    "console:product_create": _product_form,
    "console:product_edit": _product_form,
    "console:program": _program,
    "partnership-list": _api_apply,
    "partnership-approve": _api_approve,
    "partnership-decline": reason,
    "partnership-change-tier": _tier_change_form,
    "partnership-suspend": reason,
    "partnership-reactivate": nothing,
    "partnership-end": reason,
    "tier-list": _api_tier,
    "tier-detail": _api_tier,
    "product-list": _api_product,
    "product-detail": _api_product,
}


# --- the attack: filters --------------------------------------------------------------------------------------


def pick(rnd, visible, invisible, extra=()):
    values = []
    if visible:
        values.append(rnd.choice(sorted(visible)))
    if invisible:
        values.append(rnd.choice(sorted(invisible)))
    return [*values, *extra]


def _of_kind(kind):
    def values(world, persona, rnd, *, missing, endpoint):
        rules = world.rules
        orgs = rules.organizations(persona.orgs)
        everyone = {pk for pk, o in rules.org_rows.items() if o["kind"] == kind}
        return pick(rnd, everyone & orgs, everyone - orgs, [w.MISSING_ID] if missing else [])

    return values


def _distributor(world, persona, rnd, *, missing, endpoint):
    return [*_of_kind(Kind.DISTRIBUTOR)(world, persona, rnd, missing=missing, endpoint=endpoint), "direct"]


def _tier(world, persona, rnd, *, missing, endpoint):
    visible = world.rules.tiers(persona.orgs)
    return pick(rnd, visible, set(world.rules.tier_rows) - visible, [w.MISSING_ID] if missing else [])


def _category(world, persona, rnd, *, missing, endpoint):
    rules = world.rules
    categories = {p["category"]: pk for pk, p in rules.product_rows.items()}
    visible = rules.products(persona.orgs)
    return pick(
        rnd,
        {c for c, pk in categories.items() if pk in visible},
        {c for c, pk in categories.items() if pk not in visible},
    )


FILTERS = {
    "vendor": _of_kind(Kind.VENDOR),
    "partner": _of_kind(Kind.PARTNER),
    "distributor": _distributor,
    "tier": _tier,
    "status": lambda world, persona, rnd, *, missing, endpoint: rnd.sample(w.STATUSES, 2),
    "kind": lambda world, persona, rnd, *, missing, endpoint: [rnd.choice(Kind.values)],
    "state": lambda world, persona, rnd, *, missing, endpoint: ["active", "retired"],
    "category": _category,
}
# ``?q=`` is sent a stem of a hidden product (its name or SKU) and of a hidden organization.
SEARCHES = (
    lambda marker, owner: marker.startswith(("xprd", "xsku")),
    lambda marker, owner: marker.startswith("xorg"),
)
API_FILTERS = {
    (ORG, "kind"): equals("kind"),
    (PARTNERSHIP, "status"): equals("status"),
    (PARTNERSHIP, "vendor"): equals("vendor_id"),
    (PARTNERSHIP, "partner"): equals("partner_id"),
    (TIER, "vendor"): equals("vendor_id"),
    (PRODUCT, "vendor"): equals("vendor_id"),
    (PRODUCT, "category"): equals("category"),
    (PRODUCT, "q"): contains(("name", "sku", "description")),
}
