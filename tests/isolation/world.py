"""A channel drawn by hypothesis, built through the services, and the rules of who may see and change what.

- ``channels()`` draws a ``Spec``: vendors (some not in the directory, maybe one suspended by the platform),
  distributors, partners, partnerships in every status (closed ones re-applied), tiers, products (some
  retired), distributions, invitations (open and revoked) and people of every role in every organization,
  plus, sometimes, one person in two organizations. An outsider vendor → partner via distributor, tied to
  nobody else, guarantees rows that nobody in the main channel may see; the platform has suspended that
  vendor, whose manager is one of the personas (they may see nothing).
- ``World(spec)`` builds it the way production does (services grant the guardian permissions), with a
  unique marker (``xorg0012q``, ``xprd0031q``...) in every name, SKU, email, reason and category, so a
  response can be searched for rows it must not show.
- ``Rules`` says, from the base tables and the rules in ARCHITECTURE.md (never through the selectors under
  test), which rows each person may see, which they may be shown by name, and which they may change. A
  person works in the *active* organizations they are a member of: the people of a tenant the platform
  suspended cannot use it (``services.organization_set_status``), through the pages or the API.

Notifications are made the way production makes them: the channel's events notify (applications, approvals,
suspensions...), and every person also gets one notification of their own through ``notify`` (a marker in its
title and body, owned by their receipt), so each person has notifications they may see, and their colleagues'
are near misses. A person sees their own notifications in the organizations they work in, and the lists show
those of the organization they work in now (``Persona.organization``: the first by name, as the middleware
chooses without a choice in the session).

Deal registrations are made through ``deals.services`` too (``World._deals``): P0 with V0 in every status (a draft
that is P0's alone, under review, more information asked, approved with comments from each side, a file and an
extension waiting, rejected), a second partner at V0 whose registrations of the same customers conflict with P0's
(the vendor sees the ``DealConflict``; neither partner, nor the distributor in between, may learn of it: the
sweep looks for any word of a conflict in what they are shown), registrations and leads made before V0 suspended or
ended a partnership (still seen by both sides, read-only for the partner: ``World._before_closing``), the outsider's
and another vendor's. Vendors' rules make only identical
customer names conflict, and V0 approves small registrations automatically.

Leads are made through ``leads.services`` (``World._leads``): V0 covers its active partners for one country and
sends them leads, which routing offers around (each partner is told of the ones offered to it), one is accepted
and given to a rep by the partner's manager (V0 is told, but never learns who) with a note of the partner's, one
covers nowhere and waits; another vendor's partners get leads of theirs. V0 imported a file (its rows are leads,
routed) and has another waiting, as do the other vendor and the outsider. P0 added leads of its own at V0: one it
works (with a note), one registered as a deal (V0 sees it then) and one kept as a draft registration (V0 does not).

Extension points: a new tenant model needs a line in ``Rules.VISIBLE`` (who sees it) and ``Rules.changes``
(who changes it), and rows in ``World``; ``tests/isolation/test_declarations.py`` fails until it has them.
``FEEDS`` scans per-person output that is not an HTTP response: the emails people were sent (notifications,
digests), and CRM payloads once they exist.
"""

import json
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from deals import services as deals
from deals.models import (
    DealAttachment,
    DealComment,
    DealConflict,
    DealEvent,
    DealExtensionRequest,
    DealLine,
    DealRegistration,
    DealRules,
)
from identity import tokens as identity_tokens
from identity.models import ApiToken
from leads import services as leads
from leads.models import Lead, LeadCoverage, LeadEvent, LeadImport, LeadNote, LeadOffer, LeadRules
from notifications import kinds as notification_kinds
from notifications import services as notifications
from notifications.models import Notification, OutgoingEmail, Receipt
from tests import factories as f
from vendors import services
from vendors.models import Membership, Organization, Partnership, PartnershipEvent, Product, Tier

User = get_user_model()
Status = Partnership.Status
Role = Membership.Role
Kind = Organization.Kind
STATUSES = list(Status.values)
CLOSED = (Status.DECLINED, Status.ENDED)
MISSING_ID = 987654321
MISSING_SLUG = "no-such-organization"

# Bounded for CI: a couple of channels per test, the same ones on every run. ONEPANE_ISOLATION_EXAMPLES=50
# (and ONEPANE_ISOLATION_RANDOM=1 for new channels each run) for a longer hunt on demand.
ISOLATION = hypothesis_settings(
    max_examples=int(os.environ.get("ONEPANE_ISOLATION_EXAMPLES", "2")),
    derandomize=os.environ.get("ONEPANE_ISOLATION_RANDOM", "") != "1",
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: a failure names route, person and row already
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- markers --------------------------------------------------------------------------------------------------

MARKER = re.compile(r"x[a-z]{3}\d{4}q")


class Markers:
    """Unique strings ``x<tag><nnnn>q``: none is a substring of another, and a search for ``x<tag><nnnn>``
    (without the final ``q``) finds one row without the response echoing a whole marker."""

    def __init__(self):
        self.count = 0
        self.owner: dict[str, tuple[str, int]] = {}  # marker → (model label, pk)

    def new(self, tag: str) -> str:
        assert len(tag) == 3
        self.count += 1
        return f"x{tag}{self.count:04d}q"

    def own(self, marker: str, label: str, pk: int) -> None:
        self.owner[marker] = (label, pk)


def found_markers(text: str) -> set[str]:
    return set(MARKER.findall(text.lower()))


# Labels of the models the rules speak of.
ORG, MEMBERSHIP, INVITATION, DISTRIBUTION = (
    "vendors.Organization",
    "vendors.Membership",
    "vendors.Invitation",
    "vendors.Distribution",
)
TIER, PRODUCT, PARTNERSHIP, EVENT = "vendors.Tier", "vendors.Product", "vendors.Partnership", "vendors.PartnershipEvent"
RECEIPT, NOTIFICATION, EMAIL = "notifications.Receipt", "notifications.Notification", "notifications.OutgoingEmail"
SETTINGS, PREFERENCE = "notifications.NotificationSettings", "notifications.NotificationPreference"
API_TOKEN = "identity.ApiToken"
DEAL, LINE, COMMENT, DEAL_EVENT = "deals.DealRegistration", "deals.DealLine", "deals.DealComment", "deals.DealEvent"
ATTACHMENT, EXTENSION = "deals.DealAttachment", "deals.DealExtensionRequest"
CONFLICT, DEAL_RULES = "deals.DealConflict", "deals.DealRules"
TALLY = "deals.DealTally"
LEAD, OFFER, LEAD_EVENT = "leads.Lead", "leads.LeadOffer", "leads.LeadEvent"
LEAD_RULES, COVERAGE = "leads.LeadRules", "leads.LeadCoverage"
LEAD_IMPORT, LEAD_NOTE = "leads.LeadImport", "leads.LeadNote"
LEAD_TALLY = "leads.LeadTally"
# The lead tables' many-to-many rows: a lead's products of interest, the tiers a vendor's rules send leads to, the
# products a partner's coverage specialises in.
LEAD_PRODUCTS = Lead.products.through._meta.label
LEAD_RULE_TIERS = LeadRules.tiers.through._meta.label
COVERAGE_PRODUCTS = LeadCoverage.products.through._meta.label
RULE_TIERS = DealRules.auto_approve_tiers.through._meta.label  # the tiers a vendor approves automatically
DealStatus = DealRegistration.Status
DEAL_SIDE = {Kind.VENDOR: "vendor_id", Kind.PARTNER: "partner_id", Kind.DISTRIBUTOR: "distributor_id"}
# V0 approves registrations below this value automatically (the world's are above it: DEAL_QUANTITY units of a
# 1,000 product at a discount of at most 30 %; one unit, as a body may send, is below it).
AUTO_APPROVE_BELOW = Decimal("5000")
DEAL_QUANTITY = 10
# A PDF small enough to be quick, valid enough for deals.uploads (its first bytes).
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
IDP, DOMAIN = "identity.IdentityProvider", "identity.VerifiedDomain"
USER = User._meta.label

# --- the spec -------------------------------------------------------------------------------------------------


@dataclass
class Edge:
    vendor: int
    partner: int
    statuses: list  # closed ones first, then the last (open or closed)
    distributor: int | None
    tier: int


@dataclass
class Spec:
    vendors: int  # the last one is the outsider
    partners: int
    distributors: int
    tiers: list  # per vendor: how many
    products: list  # per vendor: list of active flags
    closed: list  # per vendor: not in the directory
    suspended: int | None  # a vendor the platform suspended
    distributions: set
    edges: list
    revoked_invitation: list  # per organization (vendors, partners, distributors in order): also a revoked one
    two_hats: tuple | None = None  # ((kind, index, role), (kind, index, role))

    @property
    def outsider(self):
        return self.vendors - 1, self.partners - 1, self.distributors - 1


@st.composite
def channels(draw) -> Spec:
    main_vendors = draw(st.integers(2, 3))
    main_partners = draw(st.integers(2, 4))
    main_distributors = draw(st.integers(1, 2))
    spec = Spec(
        vendors=main_vendors + 1,
        partners=main_partners + 1,
        distributors=main_distributors + 1,
        tiers=[draw(st.integers(1, 3)) for _ in range(main_vendors)] + [1],
        products=[draw(st.lists(st.booleans(), min_size=1, max_size=3)) for _ in range(main_vendors)] + [[True]],
        closed=[draw(st.booleans()) for _ in range(main_vendors)] + [True],
        suspended=draw(st.none() | st.integers(1, main_vendors - 1)),
        distributions={(0, 0)},
        edges=[],
        revoked_invitation=[],
    )
    spec.closed[0] = False  # V0 is in the directory: its partners apply
    spec.products[0][0] = True  # V0 sells something: its partners register deals with it
    spec.distributions |= set(
        draw(st.lists(st.tuples(st.integers(0, main_vendors - 1), st.integers(0, main_distributors - 1)), max_size=3))
    )
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, main_vendors - 1), st.integers(0, main_partners - 1)),
            unique=True,
            min_size=1,
            max_size=main_vendors * main_partners,
        )
    )
    if (0, 0) not in pairs:
        pairs.insert(0, (0, 0))
    routes = [None, *range(main_distributors)]
    for v, p in pairs:
        history = draw(st.lists(st.sampled_from(CLOSED), max_size=1))
        spec.edges.append(
            Edge(
                v,
                p,
                [*history, draw(st.sampled_from(STATUSES))],
                draw(st.sampled_from(routes)),
                draw(st.integers(0, spec.tiers[v] - 1)),
            )
        )
    # P0 works with V0 now: the partner personas register deals there (a closed history before it may stay).
    home = next(e for e in spec.edges if (e.vendor, e.partner) == (0, 0))
    home.statuses[-1] = Status.ACTIVE

    def another_partner() -> int:
        """A partner with no partnership with V0 yet, or one more partner."""
        nonlocal main_partners
        taken = {e.partner for e in spec.edges if e.vendor == 0}
        partner = next((p for p in range(main_partners) if p not in taken), None)
        if partner is None:  # every partner already has an open partnership with V0: one more partner
            partner = main_partners
            main_partners += 1
            spec.partners += 1
            for e in spec.edges:  # the outsider partner keeps the last index
                assert e.partner < partner
        return partner

    # V0 has partnerships in every status, so every console action meets a row of each.
    for status in STATUSES:
        if any(status in e.statuses for e in spec.edges if e.vendor == 0):
            continue
        mine = [e for e in spec.edges if e.vendor == 0]
        if status in CLOSED:
            mine[0].statuses.insert(0, status)
            continue
        free = next((e for e in mine if e.statuses[-1] in CLOSED), None)
        if free is not None:
            free.statuses.append(status)
            continue
        spec.edges.append(Edge(0, another_partner(), [status], draw(st.sampled_from(routes)), 0))
    # A second partner works with V0 now, and one of the two through D0: two partners register one customer at
    # V0 (a conflict the vendor sees and neither partner may learn of), and the distributor sees one side of it.
    rival = next((e for e in spec.edges if e.vendor == 0 and e.partner != 0 and e.statuses[-1] == Status.ACTIVE), None)
    if rival is None:
        rival = next((e for e in spec.edges if e.vendor == 0 and e.partner != 0 and e.statuses[-1] in CLOSED), None)
        if rival is not None:
            rival.statuses.append(Status.ACTIVE)
        else:
            rival = Edge(0, another_partner(), [Status.ACTIVE], draw(st.sampled_from(routes)), 0)
            spec.edges.append(rival)
    if 0 not in (home.distributor, rival.distributor):
        rival.distributor = 0
    for e in spec.edges:
        if e.distributor is not None:
            spec.distributions.add((e.vendor, e.distributor))
    ov, op, od = spec.outsider
    spec.edges.append(Edge(ov, op, [Status.ACTIVE], od, 0))
    spec.distributions.add((ov, od))
    organizations = spec.vendors + spec.partners + spec.distributors
    spec.revoked_invitation = draw(st.lists(st.booleans(), min_size=organizations, max_size=organizations))
    if draw(st.booleans()):
        kinds = st.sampled_from(["vendor", "partner", "distributor"])
        first, second = draw(kinds), draw(kinds)
        size = {"vendor": main_vendors, "partner": main_partners, "distributor": main_distributors}
        a = (first, draw(st.integers(0, size[first] - 1)), draw(st.sampled_from(Role.values)))
        b = (second, draw(st.integers(0, size[second] - 1)), draw(st.sampled_from(Role.values)))
        if a[:2] != b[:2]:
            spec.two_hats = (a, b)
    return spec


def small_spec() -> Spec:
    """A fixed small channel, for checks that do not depend on its shape."""
    return Spec(
        vendors=3,
        partners=3,
        distributors=2,
        tiers=[1, 1, 1],
        products=[[True], [True], [True]],
        closed=[False, False, True],
        suspended=None,
        distributions={(0, 0), (2, 1)},
        # P0 through D0 and P1 direct (whose registrations conflict with P0's) at V0; the outsider.
        edges=[
            Edge(0, 0, [Status.ACTIVE], 0, 0),
            Edge(0, 1, [Status.ACTIVE], None, 0),
            Edge(2, 2, [Status.ACTIVE], 1, 0),
        ],
        revoked_invitation=[False] * 8,
    )


# --- people the suite acts as ---------------------------------------------------------------------------------


@dataclass
class Persona:
    key: str
    user: object | None  # None: anonymous
    roles: dict = field(default_factory=dict)  # organization id → role
    organization: int | None = None  # the one they work in now (the middleware's choice), of ``roles``

    @property
    def orgs(self) -> set:
        return set(self.roles)

    @property
    def anonymous(self) -> bool:
        return self.user is None

    def __str__(self):
        return self.key


# --- the world ------------------------------------------------------------------------------------------------


class World:
    """The channel of a Spec, built through the services, with a marker in every text a page could show."""

    def __init__(self, spec: Spec, *, deals: bool = True):
        """``deals=False``: no deal registrations (nor deal rules), for tests of other routes that need no such rows
        (a quicker world)."""
        self.spec = spec
        self.with_deals = deals
        self.markers = Markers()
        m = self.markers
        self.platform_admin = self._person(is_staff=True, is_superuser=True)
        self.vendors = [self._org(Kind.VENDOR, accepts_applications=True) for _ in range(spec.vendors)]
        self.partners = [self._org(Kind.PARTNER) for _ in range(spec.partners)]
        self.distributors = [self._org(Kind.DISTRIBUTOR) for _ in range(spec.distributors)]
        self.people = {}  # (organization id, role) → user
        for org in self.organizations:
            for role in (Role.ADMIN, Role.MANAGER, Role.MEMBER):
                user = self._person()
                services.membership_add(organization=org, user=user, role=role)
                self.people[org.pk, role] = user
        self.tiers = []
        self.catalog = {}  # vendor id → its active products, by pk
        for i, (vendor, count) in enumerate(zip(self.vendors, spec.tiers, strict=True)):
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
            self.tiers.append(ladder)
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
                    self.catalog.setdefault(vendor.pk, []).append(product)
        for v, d in sorted(spec.distributions):
            f.distribution(self.vendors[v], self.distributors[d], Decimal("5"))
        if deals:
            self._deal_rules()
        self.closed_with_deals = set()  # statuses of V0's partnerships that got a registration before closing
        self.read_only = {}  # status → V0's partnership closed with records made before (``_before_closing``)
        for edge in spec.edges:
            for status in edge.statuses:
                self._partnership(edge, status)
        if deals:
            self._deals()
        self._leads()
        for i, vendor in enumerate(self.vendors):
            if spec.closed[i]:
                services.program_update(
                    actor=self.people[vendor.pk, Role.ADMIN],
                    vendor=vendor,
                    accepts_applications=False,
                    program_criteria="",
                )
        # The platform suspended the outsider vendor (and maybe one more): its people cannot use it any more.
        for index in {len(self.vendors) - 1, spec.suspended} - {None}:
            services.organization_set_status(
                actor=self.platform_admin, organization=self.vendors[index], status=Organization.Status.SUSPENDED
            )
        for org, revoked in zip(self.organizations, spec.revoked_invitation, strict=True):
            for close in (revoked, False) if revoked else (False,):
                marker = m.new("inv")
                admin = self.people[org.pk, Role.ADMIN]
                invitation, _ = services.invitation_create(
                    actor=admin, organization=org, email=f"{marker}@example.com", role=Role.MEMBER
                )
                m.own(marker, "vendors.Invitation", invitation.pk)
                if close:
                    services.invitation_revoke(actor=admin, invitation=invitation)
        self.outsider_person = self._person()
        self.two_hats = None
        if spec.two_hats:
            groups = {"vendor": self.vendors, "partner": self.partners, "distributor": self.distributors}
            self.two_hats = self._person()
            for kind, index, role in spec.two_hats:
                services.membership_add(organization=groups[kind][index], user=self.two_hats, role=role)
        self._notes()
        self._api_tokens()
        self.rules = Rules(self)
        self.personas = self._personas()

    # --- building -------------------------------------------------------------------------------------------

    @property
    def organizations(self):
        return [*self.vendors, *self.partners, *self.distributors]

    def _person(self, **fields):
        marker = self.markers.new("usr")
        user = f.UserFactory(first_name=marker, last_name="Person", email=f"{marker}@example.com", **fields)
        self.markers.own(marker, USER, user.pk)
        return user

    def _org(self, kind, **fields):
        marker = self.markers.new("org")
        org = services.organization_create(
            name=f"{kind.title()} {marker}", kind=kind, description=f"We are {marker}.", **fields
        )
        self.markers.own(marker, ORG, org.pk)
        return org

    def _partnership(self, edge: Edge, status: str) -> Partnership:
        m = self.markers
        vendor, partner = self.vendors[edge.vendor], self.partners[edge.partner]
        distributor = self.distributors[edge.distributor] if edge.distributor is not None else None
        vendor_admin = self.people[vendor.pk, Role.ADMIN]
        texts = {key: m.new(key) for key in ("app", "reg", "rsn")}
        p = services.partnership_apply(
            actor=self.people[partner.pk, Role.ADMIN],
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
            p = services.partnership_approve(actor=vendor_admin, partnership=p, tier=self.tiers[edge.vendor][edge.tier])
            if status in (Status.SUSPENDED, Status.ENDED):
                self._before_closing(p, status)
            if status == Status.SUSPENDED:
                p = services.partnership_suspend(actor=vendor_admin, partnership=p, reason=reason)
            elif status == Status.ENDED:
                p = services.partnership_end(actor=vendor_admin, partnership=p, reason=reason)
        assert p.status == status
        for marker in texts.values():
            m.own(marker, PARTNERSHIP, p.pk)
        return p

    # --- deal registration ------------------------------------------------------------------------------------

    def _deal_rules(self):
        """Every vendor's deal rules: customer names conflict only when identical (the world's customers differ
        by their markers; the ones meant to conflict share a web domain). V0 approves small registrations from
        every tier automatically: the world's are above the threshold, a registration the sweep sends may not be."""
        for i, vendor in enumerate(self.vendors):
            deals.deal_rules_update(
                actor=self.people[vendor.pk, Role.ADMIN],
                vendor=vendor,
                auto_approve_below=AUTO_APPROVE_BELOW if i == 0 else None,
                auto_approve_tiers=self.tiers[i] if i == 0 else (),
                name_similarity=Decimal("1.00"),
            )

    def _deal(self, p, *, by=Role.ADMIN, website="", submit=True) -> DealRegistration:
        """A registration of ``p`` made by the partner's people, with a marker in every text."""
        m = self.markers
        texts = {tag: m.new(tag) for tag in ("dtl", "cus", "ctc", "dnt")}
        deal = deals.deal_create(
            actor=self.people[p.partner_id, by],
            partner=p.partner,
            vendor=p.vendor,
            title=f"Deal {texts['dtl']}",
            customer_name=f"Customer {texts['cus']}",
            customer_website=website or f"www.{texts['cus']}.com",
            customer_country="DE",
            contact_name=f"Contact {texts['ctc']}",
            contact_email=f"{texts['ctc']}@example.com",
            expected_close_date=timezone.localdate() + timedelta(days=60),
            notes=f"Notes {texts['dnt']}",
            lines=[(self.catalog[p.vendor_id][0].pk, DEAL_QUANTITY)],
            submit=submit,
        )
        for marker in texts.values():
            m.own(marker, DEAL, deal.pk)
        return deal

    def _comment(self, deal, org_id, role=Role.ADMIN) -> DealComment:
        marker = self.markers.new("dcm")
        comment = deals.deal_comment(actor=self.people[org_id, role], deal=deal, body=f"Comment {marker}.")
        self.markers.own(marker, COMMENT, comment.pk)
        return comment

    def _approve(self, deal, role=Role.ADMIN) -> DealRegistration:
        marker = self.markers.new("dap")
        deal = deals.deal_approve(actor=self.people[deal.vendor_id, role], deal=deal, note=f"Approved {marker}.")
        self.markers.own(marker, DEAL, deal.pk)
        return deal

    def _before_closing(self, p, status):
        """Records made while ``p`` was active, at V0's first partnership suspended and first ended (V0 has both):
        after it is suspended or ends, both sides still see them, and they are read-only for the partner
        (``test_read_only_partnership``). Registrations: approved (with the partner's comment), a draft, one the
        vendor asked more about. Leads: V0's, offered by hand (one accepted by the partner, with a note of its own,
        one waiting for an answer), and one the partner found itself."""
        if p.vendor_id != self.vendors[0].pk or status in self.read_only:
            return
        self.read_only[status] = p
        if self.with_deals:
            self.closed_with_deals.add(status)
            deal = self._approve(self._deal(p))
            self._comment(deal, p.partner_id)
            self._deal(p, by=Role.MEMBER, submit=False)
            asked = self._deal(p)
            marker = self.markers.new("dqs")
            deals.deal_request_info(actor=self.people[p.vendor_id, Role.MANAGER], deal=asked, question=f"Why {marker}?")
            self.markers.own(marker, COMMENT, DealComment.objects.filter(deal=asked).latest("pk").pk)
        # V0's admin offers them (the partnership's history names them to the partner; the offer's reason does too).
        vendor_admin, partner_manager = self.people[p.vendor_id, Role.ADMIN], self.people[p.partner_id, Role.MANAGER]
        rows = []
        for _ in range(2):
            marker = self.markers.new("led")
            rows.append({"company": f"Prospect {marker}", "contact_name": "Pat Lee", "country": "US"})
        made = leads.leads_create(actor=vendor_admin, vendor=p.vendor, rows=rows, route=False)
        for lead, data in zip(made, rows, strict=True):
            self.markers.own(found_markers(data["company"]).pop(), LEAD, lead.pk)
            leads.lead_offer_to(actor=vendor_admin, lead=lead, partnership=p)
        accepted = leads.lead_accept(actor=partner_manager, lead=Lead.objects.get(pk=made[0].pk))
        self._lead_note(accepted, Role.MANAGER)
        self._own_lead(p, partner_manager)

    def _deals(self):
        """Registrations of the active partnerships, made as production makes them (``deals.services``).

        P0 with V0: a draft (P0's alone), submitted, more information requested, approved (comments from each
        side, an attachment, an extension request waiting), approved (no extension asked), rejected. A second
        partner at V0 (the rival) registers customers P0 registers too (same web domain and product), before and
        after P0: V0 sees two conflicts, one flagging each partner's registration; P0's draft would conflict with
        the rival's when submitted. The outsider: a registration and a comment; a partnership with another vendor:
        a registration."""
        active = list(
            Partnership.objects.filter(status=Status.ACTIVE).select_related("vendor", "partner").order_by("pk")
        )
        v0, p0 = self.vendors[0], self.partners[0]
        home = next(p for p in active if (p.vendor_id, p.partner_id) == (v0.pk, p0.pk))
        rival = next((p for p in active if p.vendor_id == v0.pk and p.partner_id != p0.pk), None)
        shared = {key: f"https://www.shared-customer-{key}.com/" for key in "ab"}
        if rival is not None:
            self._deal(rival, website=shared["a"])
        self._deal(home, website=shared["a"] if rival else "")  # flagged against the rival's, submitted first
        self._deal(home, website=shared["b"] if rival else "")
        if rival is not None:
            self._deal(rival, website=shared["b"], by=Role.MEMBER)  # flags P0's, submitted before it
        self._deal(home, by=Role.MEMBER, website=shared["a"] if rival else "", submit=False)

        asked = self._deal(home, by=Role.MEMBER)
        marker = self.markers.new("dqs")
        deals.deal_request_info(actor=self.people[v0.pk, Role.MANAGER], deal=asked, question=f"Why {marker}?")
        self.markers.own(marker, COMMENT, DealComment.objects.filter(deal=asked).latest("pk").pk)

        approved = self._approve(self._deal(home), Role.MANAGER)
        self._comment(approved, p0.pk)
        self._comment(approved, v0.pk, Role.MANAGER)
        if home.distributor_id:
            self._comment(approved, home.distributor_id)
        marker = self.markers.new("dat")
        upload = SimpleUploadedFile(f"quote-{marker}.pdf", PDF, content_type="application/pdf")
        attachment = deals.deal_attach(actor=self.people[p0.pk, Role.MEMBER], deal=approved, upload=upload)
        self.markers.own(marker, ATTACHMENT, attachment.pk)
        marker = self.markers.new("dex")
        extension = deals.deal_request_extension(
            actor=self.people[p0.pk, Role.ADMIN], deal=approved, days=30, reason=f"Because {marker}."
        )
        self.markers.own(marker, EXTENSION, extension.pk)

        self._approve(self._deal(home, by=Role.MEMBER))  # approved, no extension asked yet

        rejected = self._deal(home)
        marker = self.markers.new("drj")
        deals.deal_reject(actor=self.people[v0.pk, Role.MANAGER], deal=rejected, reason=f"Rejected {marker}.")
        self.markers.own(marker, DEAL, rejected.pk)

        # Rows nobody in the main channel sees (the outsider's, with a comment), and a registration with another
        # vendor (P0's people see theirs everywhere; V0's people none of another vendor's).
        outsider = next(p for p in active if p.vendor_id == self.vendors[-1].pk)
        self._comment(self._deal(outsider), outsider.partner_id)
        elsewhere = (
            p for p in active if p.vendor_id not in (v0.pk, outsider.vendor_id) and p.vendor_id in self.catalog
        )
        first = next(elsewhere, None)
        if first is not None:
            self._deal(first)

    def _leads(self):
        """Leads of V0 and of one more vendor, routed by ``leads.services`` among the partners that cover the US; one
        of each accepted (and given to a rep), with a note of the partner holding it. V0 also imported a file (its
        leads routed the same way) and has another waiting for confirmation; every vendor with leads, and the
        outsider, has a file waiting. P0 added leads of its own at V0: one it works, one registered as a deal (V0
        sees that one) and one kept as a draft registration (V0 does not see it, nor its draft)."""
        active = list(Partnership.objects.filter(status=Status.ACTIVE).select_related("vendor").order_by("pk"))
        suspended = set(Organization.objects.exclude(status=Organization.Status.ACTIVE).values_list("pk", flat=True))
        vendors = []
        for vendor in (self.vendors[0], *self.vendors[1:-1]):
            if vendor.pk not in suspended and vendor not in vendors and any(p.vendor_id == vendor.pk for p in active):
                vendors.append(vendor)
        for vendor in vendors[:2]:
            LeadRules.objects.create(vendor=vendor, sla_hours=24, default_capacity=50)
            for p in (p for p in active if p.vendor_id == vendor.pk):
                LeadCoverage.objects.create(partnership=p, vendor=vendor, countries=["US"])
            rows = []
            for country in ("US", "US", "US", "FR"):
                marker = self.markers.new("led")
                rows.append({"company": f"Prospect {marker}", "contact_name": "Pat Lee", "country": country})
            made = leads.leads_create(actor=self.people[vendor.pk, Role.MANAGER], vendor=vendor, rows=rows)
            for lead, data in zip(made, rows, strict=True):
                self.markers.own(found_markers(data["company"]).pop(), LEAD, lead.pk)
            offered = next((lead for lead in made if lead.partner_id), None)
            if offered is not None:  # by the partner's manager, whom no registration names: the vendor never learns who
                manager = self.people[offered.partner_id, Role.MANAGER]
                accepted = leads.lead_accept(actor=manager, lead=offered)
                accepted = leads.lead_assign_rep(actor=manager, lead=accepted, rep=manager)
                self._lead_note(accepted, Role.ADMIN)
            if vendor == self.vendors[0]:
                self._lead_import(vendor, confirm=True)
            self._lead_import(vendor)
        self._lead_import(self.vendors[-1])
        v0, p0 = self.vendors[0], self.partners[0]
        home = next(p for p in active if (p.vendor_id, p.partner_id) == (v0.pk, p0.pk))
        member = self.people[p0.pk, Role.MEMBER]
        kept = self._own_lead(home, member)
        self._lead_note(kept, Role.MEMBER)
        if self.with_deals:
            for submit in (True, False):
                lead = self._own_lead(home, member)
                marker = self.markers.new("dtl")
                deal = leads.lead_convert(
                    actor=member,
                    lead=lead,
                    title=f"Deal {marker}",
                    expected_close_date=timezone.localdate() + timedelta(days=60),
                    lines=[(self.catalog[v0.pk][0].pk, DEAL_QUANTITY)],
                    submit=submit,
                )
                self.markers.own(marker, DEAL, deal.pk)

    def _own_lead(self, partnership, actor) -> Lead:
        """A lead the partner found itself, for the partnership's vendor (a marker in its company, owned by it)."""
        marker = self.markers.new("led")
        lead = leads.lead_create_own(
            actor=actor,
            partner=partnership.partner,
            partnership=partnership,
            data={"company": f"Own prospect {marker}", "contact_name": "Sam Ray", "country": "US"},
        )
        self.markers.own(marker, LEAD, lead.pk)
        return lead

    def _lead_note(self, lead, role) -> LeadNote:
        marker = self.markers.new("lnt")
        note = leads.lead_note_add(actor=self.people[lead.partner_id, role], lead=lead, body=f"Called {marker}.")
        self.markers.own(marker, LEAD_NOTE, note.pk)
        return note

    def _lead_import(self, vendor, *, confirm=False) -> LeadImport:
        """A file of leads the vendor's manager uploaded: two valid rows and one naming a product it does not sell
        (the report shows it), left waiting or confirmed (then its rows are leads, routed)."""
        m = self.markers
        name, companies, sku = m.new("imp"), [m.new("led" if confirm else "imr") for _ in range(2)], m.new("ims")
        text = "company,contact_name,country,products\n"
        text += "".join(f"Prospect {company},Pat Lee,US,\n" for company in companies)
        text += f"Prospect {name},Pat Lee,US,{sku}\n"
        upload = SimpleUploadedFile(f"leads-{name}.csv", text.encode(), content_type="text/csv")
        manager = self.people[vendor.pk, Role.MANAGER]
        staged = leads.lead_import_stage(actor=manager, vendor=vendor, upload=upload)
        for marker in (name, sku):
            m.own(marker, LEAD_IMPORT, staged.pk)
        if confirm:
            made = leads.lead_import_confirm(actor=manager, lead_import=staged)
            for lead, company in zip(made, companies, strict=True):
                m.own(company, LEAD, lead.pk)
        else:
            for company in companies:
                m.own(company, LEAD_IMPORT, staged.pk)
        return staged

    def _notes(self):
        """One notification for each person in each of their organizations, through ``notify``, of a type their
        organization and role receive: a vendor's deciders about one of its partnerships, a partner's people
        from a vendor it works with, a distributor's deciders about a reseller through it; otherwise another
        type they receive (an admin: an invitation). Some people receive no type at all (a vendor's members)."""
        partnerships = list(
            Partnership.objects.order_by("pk").values("pk", "vendor_id", "partner_id", "distributor_id")
        )
        side = {Kind.VENDOR: "vendor_id", Kind.PARTNER: "partner_id", Kind.DISTRIBUTOR: "distributor_id"}
        natural = {
            Kind.VENDOR: "partnership.applied",
            Kind.PARTNER: "partnership.approved",
            Kind.DISTRIBUTOR: "partnership.reseller_joined",
        }
        for membership in Membership.objects.select_related("organization", "user").order_by("pk"):
            org = membership.organization
            receivable = [
                k.key
                for k in notification_kinds.REGISTRY.values()
                if notification_kinds.receives(k, org.kind, membership.role)
            ]
            if not receivable:
                continue
            kind = natural[org.kind] if natural[org.kind] in receivable else sorted(receivable)[0]
            edge = next((p for p in partnerships if p[side[org.kind]] == org.pk), None)
            vendor = subject = None
            if edge is not None and kind != "invitation.sent":
                vendor, subject = Organization.objects.get(pk=edge["vendor_id"]), Partnership.objects.get(pk=edge["pk"])
            title, body = self.markers.new("ntt"), self.markers.new("ntb")
            notification = notifications.notify(
                kind=kind,
                organization=org,
                recipient=membership.user,
                vendor=vendor,
                subject=subject,
                title=f"Note {title}",
                body=f"About {body}.",
            )
            receipt = Receipt.objects.get(notification=notification)
            for marker in (title, body):
                self.markers.own(marker, RECEIPT, receipt.pk)

    def _api_tokens(self):
        """One API token for every person (a marker in its name, owned by the token), and a revoked one for the
        admins: a person's tokens are theirs alone, their colleagues' are near misses."""
        admins = set(Membership.objects.filter(role=Role.ADMIN).values_list("user_id", flat=True))
        for user in User.objects.filter(is_superuser=False).order_by("pk"):
            for revoked in (False, True) if user.pk in admins else (False,):
                marker = self.markers.new("tok")
                token, _raw = identity_tokens.token_create(user=user, name=f"Token {marker}")
                if revoked:
                    identity_tokens.token_revoke(actor=user, token=token)
                self.markers.own(marker, API_TOKEN, token.pk)

    def _personas(self) -> list[Persona]:
        v0, p0, d0 = self.vendors[0], self.partners[0], self.distributors[0]

        def of(org, role):
            return Persona(f"{org.kind}_{role}", self.people[org.pk, role], {org.pk: role}, org.pk)

        personas = [
            of(v0, Role.ADMIN),
            of(v0, Role.MANAGER),
            of(v0, Role.MEMBER),
            of(p0, Role.ADMIN),
            of(p0, Role.MEMBER),
            of(d0, Role.ADMIN),
            Persona("no_organization", self.outsider_person),
            Persona("anonymous", None),
            # A manager of a suspended tenant works in no organization: the platform shut theirs.
            Persona("suspended_vendor_manager", self.people[self.vendors[-1].pk, Role.MANAGER]),
        ]
        if self.two_hats is not None:
            memberships = Membership.objects.filter(
                user=self.two_hats, organization__status=Organization.Status.ACTIVE
            ).order_by("organization__name")
            roles = dict(memberships.values_list("organization_id", "role"))
            first = memberships.values_list("organization_id", flat=True).first()
            personas.append(Persona("two_organizations", self.two_hats, roles, first))
        return personas

    def read_only_personas(self) -> list[Persona]:
        """An admin and a member of each partner whose partnership with V0 was suspended or ended with records
        made before (``read_only``): they read those records and may change none of them."""
        found = []
        for status, p in sorted(self.read_only.items()):
            for role in (Role.ADMIN, Role.MEMBER):
                user = self.people[p.partner_id, role]
                found.append(Persona(f"{status}_partner_{role}", user, {p.partner_id: role}, p.partner_id))
        return found


# --- the rules ------------------------------------------------------------------------------------------------


def _rows(model, *fields):
    return {row["id"]: row for row in model.objects.values("id", *fields)}


class Rules:
    """Who may see and change what, read off the base tables (never the selectors or the grants under test)."""

    VISIBLE = {
        ORG: "organizations",
        PARTNERSHIP: "partnerships",
        TIER: "tiers",
        PRODUCT: "products",
        MEMBERSHIP: "memberships",
        INVITATION: "invitations",
        DISTRIBUTION: "distributions",
        EVENT: "events",
        RECEIPT: "receipts",
        API_TOKEN: "api_tokens",
        DEAL: "deals",
        LINE: "deal_lines",
        COMMENT: "deal_comments",
        DEAL_EVENT: "deal_events",
        ATTACHMENT: "deal_attachments",
        EXTENSION: "deal_extensions",
        CONFLICT: "deal_conflicts",
        DEAL_RULES: "deal_rules",
        LEAD: "leads",
        OFFER: "lead_offers",
        LEAD_EVENT: "lead_events",
        LEAD_RULES: "lead_rules",
        COVERAGE: "lead_coverage",
        LEAD_IMPORT: "lead_imports",
        LEAD_NOTE: "lead_notes",
    }
    # Rules that depend on the person, not only on their organizations: called with the Persona.
    PERSONAL = {RECEIPT, API_TOKEN}
    # Models a person never reads directly: who may change them is in ``changes``.
    NOT_LISTED = {
        NOTIFICATION: "read through its receipts, one per person told (``receipts``)",
        EMAIL: "the outbox: what it sent each person is scanned by ``FEEDS``",
        SETTINGS: "a person's own time zone and digest hour, shown to them alone",
        PREFERENCE: "a person's own email choices, shown to them alone",
        "vendors.OrganizationGroupObjectPermission": "guardian grant: the mechanism, not data",
        "vendors.OrganizationUserObjectPermission": "guardian grant (unused: grants go to groups)",
        "vendors.PartnershipGroupObjectPermission": "guardian grant: the mechanism, not data",
        "vendors.PartnershipUserObjectPermission": "guardian grant (unused: grants go to groups)",
        USER: "people are shown through memberships and event authors (see ``mentionable``)",
        IDP: "an organization's identity provider, shown to its own admins alone on /settings/sso/",
        DOMAIN: "an organization's email domains, shown to its own admins alone on /settings/sso/",
        "identity.SamlAssertion": "the SAML replay memory: digests of accepted assertions, shown to nobody",
        TALLY: "a vendor's or distributor's kept deal totals: shown as its lists' totals, scanned with the lists",
        LEAD_TALLY: "a vendor's or distributor's kept lead counts: shown as its lists' counts, scanned with them",
    }

    def __init__(self, world: World):
        self.world = world
        self.reload()

    def reload(self):
        self.org_rows = _rows(Organization, "kind", "status", "accepts_applications", "slug", "group_id")
        self.partnership_rows = _rows(Partnership, "vendor_id", "partner_id", "distributor_id", "tier_id", "status")
        self.tier_rows = _rows(Tier, "vendor_id")
        self.product_rows = _rows(Product, "vendor_id", "active", "name", "sku", "description", "category")
        self.membership_rows = _rows(Membership, "organization_id", "user_id", "role")
        self.invitation_rows = _rows(apps.get_model(INVITATION), "organization_id", "invited_by_id")
        self.distribution_rows = _rows(apps.get_model(DISTRIBUTION), "vendor_id", "distributor_id", "active")
        self.event_rows = _rows(PartnershipEvent, "partnership_id", "actor_id", "detail")
        self.receipt_rows = _rows(Receipt, "user_id", "organization_id", "vendor_id", "notification_id", "read_at")
        self.api_token_rows = _rows(ApiToken, "user_id", "revoked_at")
        self.notification_kinds = dict(Notification.objects.values_list("pk", "kind"))
        self.group_org = {o["group_id"]: pk for pk, o in self.org_rows.items()}
        self.deal_rows = _rows(
            DealRegistration,
            *("partnership_id", "vendor_id", "partner_id", "distributor_id", "status", "stage", "has_conflict"),
            *("title", "customer_name", "customer_domain", "created_by_id", "decided_by_id"),
        )
        for deal in self.deal_rows.values():  # the vendor's list filters by the partnership's tier
            deal["tier_id"] = self.partnership_rows[deal["partnership_id"]]["tier_id"]
        self.line_rows = _rows(DealLine, "deal_id", "product_id")
        self.comment_rows = _rows(DealComment, "deal_id", "author_id", "organization_id")
        self.deal_event_rows = _rows(
            DealEvent, "deal_id", "actor_id", "organization_id", "detail", "old_value", "new_value"
        )
        self.attachment_rows = _rows(DealAttachment, "deal_id", "uploaded_by_id", "organization_id")
        for attachment in self.attachment_rows.values():  # its deal's sides: the sweep tries near misses first
            deal = self.deal_rows[attachment["deal_id"]]
            attachment.update({k: deal[k] for k in ("vendor_id", "partner_id", "distributor_id")})
        self.extension_rows = _rows(DealExtensionRequest, "deal_id", "requested_by_id", "decided_by_id", "status")
        self.conflict_rows = _rows(DealConflict, "deal_id", "other_id", "vendor_id")
        self.deal_rules_rows = _rows(DealRules, "vendor_id")
        self.lead_rows = _rows(
            Lead,
            *("vendor_id", "source", "partnership_id", "partner_id", "distributor_id", "deal_id"),
            *("status", "company", "contact_name", "created_at"),  # what the API list's filters read
        )
        self.offer_rows = _rows(LeadOffer, "lead_id", "vendor_id", "partner_id")
        self.lead_event_rows = _rows(LeadEvent, "lead_id", "partner_id", "organization_id")
        self.lead_rules_rows = _rows(LeadRules, "vendor_id")
        self.coverage_rows = _rows(LeadCoverage, "vendor_id", "partnership_id")
        self.lead_import_rows = _rows(LeadImport, "vendor_id", "created_by_id", "status")
        self.lead_note_rows = _rows(LeadNote, "lead_id", "partner_id", "author_id")

    def rows(self, label) -> dict:
        return {
            ORG: self.org_rows,
            PARTNERSHIP: self.partnership_rows,
            TIER: self.tier_rows,
            PRODUCT: self.product_rows,
            MEMBERSHIP: self.membership_rows,
            INVITATION: self.invitation_rows,
            DISTRIBUTION: self.distribution_rows,
            EVENT: self.event_rows,
            RECEIPT: self.receipt_rows,
            API_TOKEN: self.api_token_rows,
            DEAL: self.deal_rows,
            LINE: self.line_rows,
            COMMENT: self.comment_rows,
            DEAL_EVENT: self.deal_event_rows,
            ATTACHMENT: self.attachment_rows,
            EXTENSION: self.extension_rows,
            CONFLICT: self.conflict_rows,
            DEAL_RULES: self.deal_rules_rows,
            LEAD: self.lead_rows,
            OFFER: self.offer_rows,
            LEAD_EVENT: self.lead_event_rows,
            LEAD_RULES: self.lead_rules_rows,
            COVERAGE: self.coverage_rows,
            LEAD_IMPORT: self.lead_import_rows,
            LEAD_NOTE: self.lead_note_rows,
        }[label]

    def visible(self, label: str, persona: Persona) -> set:
        rule = getattr(self, self.VISIBLE[label])
        return rule(persona) if label in self.PERSONAL else rule(persona.orgs)

    def listed(self, label: str, persona: Persona) -> set:
        """What a list of ``label`` shows: what the persona may see, or, for the lists of the organization one
        works in (notifications), what they may see there."""
        if label == RECEIPT:
            return {
                pk for pk in self.receipts(persona) if self.receipt_rows[pk]["organization_id"] == persona.organization
            }
        if label == DEAL:  # the registrations of the side one works on now: a partner's, a vendor's, a distributor's
            if persona.organization is None:
                return set()
            side = DEAL_SIDE[self.org_rows[persona.organization]["kind"]]
            return {pk for pk in self.visible(DEAL, persona) if self.deal_rows[pk][side] == persona.organization}
        if label == LEAD:  # the leads of the side one works on now, as for registrations
            if persona.organization is None:
                return set()
            side = DEAL_SIDE[self.org_rows[persona.organization]["kind"]]
            return {pk for pk in self.visible(LEAD, persona) if self.lead_rows[pk][side] == persona.organization}
        return self.visible(label, persona)

    # --- what a person may see (the organizations they are a member of: ``orgs``) ----------------------------

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

    def api_tokens(self, persona: Persona) -> set:
        """A person's own API tokens, whatever organization they work in (or none)."""
        if persona.user is None:
            return set()
        return {pk for pk, t in self.api_token_rows.items() if t["user_id"] == persona.user.pk}

    def receipts(self, persona: Persona) -> set:
        """A person's own notifications, in the organizations they work in (never a colleague's)."""
        if persona.user is None:
            return set()
        return {
            pk
            for pk, r in self.receipt_rows.items()
            if r["user_id"] == persona.user.pk and r["organization_id"] in persona.orgs
        }

    def deals(self, orgs) -> set:
        """A registration is seen with its partnership's records (every side, in every status: docs/adr/0001),
        except that a draft is the partner's alone."""
        mine = self.partnerships_of(orgs)
        return {
            pk
            for pk, d in self.deal_rows.items()
            if d["partnership_id"] in mine and (d["status"] != DealStatus.DRAFT or d["partner_id"] in orgs)
        }

    def _of_deals(self, rows, orgs) -> set:
        seen = self.deals(orgs)
        return {pk for pk, r in rows.items() if r["deal_id"] in seen}

    def deal_lines(self, orgs) -> set:
        return self._of_deals(self.line_rows, orgs)

    def deal_comments(self, orgs) -> set:
        return self._of_deals(self.comment_rows, orgs)

    def deal_events(self, orgs) -> set:
        return self._of_deals(self.deal_event_rows, orgs)

    def deal_attachments(self, orgs) -> set:
        return self._of_deals(self.attachment_rows, orgs)

    def deal_extensions(self, orgs) -> set:
        return self._of_deals(self.extension_rows, orgs)

    def deal_conflicts(self, orgs) -> set:
        """The vendor's people alone, of registrations they see: never a partner's or a distributor's."""
        seen = self.deals(orgs)
        return {
            pk
            for pk, c in self.conflict_rows.items()
            if c["vendor_id"] in orgs and c["deal_id"] in seen and c["other_id"] in seen
        }

    def deal_rules(self, orgs) -> set:
        return {pk for pk, r in self.deal_rules_rows.items() if r["vendor_id"] in orgs}

    def _registered(self, lead) -> bool:
        """A lead became a registration the vendor is shown: submitted, not a draft (a draft is the partner's alone)."""
        deal = self.deal_rows.get(lead["deal_id"]) if lead["deal_id"] is not None else None
        return deal is not None and deal["status"] != DealStatus.DRAFT

    def leads(self, orgs) -> set:
        """The vendor's people: the leads it sent, and partners' own leads once registered as a deal (submitted: a
        draft is the partner's alone). A partner's: the leads it holds now and its own. A distributor's: the vendor's
        leads its resellers hold. Always through a partnership whose records one sees, while a partner holds the
        lead."""
        mine = self.partnerships_of(orgs)
        seen = set()
        for pk, lead in self.lead_rows.items():
            if lead["partnership_id"] is not None and lead["partnership_id"] not in mine:
                continue
            from_vendor = lead["source"] == Lead.Source.VENDOR
            if (
                (lead["vendor_id"] in orgs and (from_vendor or self._registered(lead)))
                or lead["partner_id"] in orgs
                or (lead["distributor_id"] in orgs and from_vendor)
            ):
                seen.add(pk)
        return seen

    def lead_offers(self, orgs) -> set:
        """Offers of leads one sees: the vendor's all, a partner's its own (never who else was offered it)."""
        seen = self.leads(orgs)
        return {
            pk
            for pk, o in self.offer_rows.items()
            if o["lead_id"] in seen and (o["vendor_id"] in orgs or o["partner_id"] in orgs)
        }

    def lead_events(self, orgs) -> set:
        seen = self.leads(orgs)
        vendor = any(self.org_rows[o]["kind"] == Kind.VENDOR for o in orgs)
        return {
            pk
            for pk, e in self.lead_event_rows.items()
            if e["lead_id"] in seen and (vendor or e["partner_id"] in orgs or e["organization_id"] in orgs)
        }

    def lead_rules(self, orgs) -> set:
        return {pk for pk, r in self.lead_rules_rows.items() if r["vendor_id"] in orgs}

    def lead_coverage(self, orgs) -> set:
        """A vendor's coverage of its partners; a partner's of itself."""
        return {
            pk
            for pk, c in self.coverage_rows.items()
            if c["vendor_id"] in orgs or self.partnership_rows[c["partnership_id"]]["partner_id"] in orgs
        }

    def lead_imports(self, orgs) -> set:
        """A vendor's own files of leads (waiting, imported or discarded): its people's alone."""
        return {pk for pk, i in self.lead_import_rows.items() if i["vendor_id"] in orgs}

    def lead_notes(self, orgs) -> set:
        """A partner's notes: its own people's alone, and only while that partner may see the lead."""
        by_partner = {}
        seen = set()
        for pk, note in self.lead_note_rows.items():
            partner = note["partner_id"]
            if partner not in orgs:
                continue
            if partner not in by_partner:
                by_partner[partner] = self.leads({partner})
            if note["lead_id"] in by_partner[partner]:
                seen.add(pk)
        return seen

    # --- what a page may name -----------------------------------------------------------------------------------

    def mentionable(self, persona: Persona) -> set:
        """(label, pk) of every row whose marker may appear in a response to ``persona``: what they may see,
        plus what the product shows on purpose: the directory's tier ladders and distributors (public
        program terms), the tier of each of their partnerships and the tiers its history names, and the
        people of their organizations and of their partnerships' history."""
        orgs = persona.orgs
        seen = set()
        for label in self.VISIBLE:
            seen |= {(label, pk) for pk in self.visible(label, persona)}
        if persona.user is not None:
            seen.add((USER, persona.user.pk))
        if not orgs:
            return seen
        directory = self.directory
        seen |= {(TIER, pk) for pk, t in self.tier_rows.items() if t["vendor_id"] in directory}
        seen |= {(ORG, d["distributor_id"]) for d in self.distribution_rows.values() if d["vendor_id"] in directory}
        partnerships = self.partnerships_of(orgs)
        seen |= {
            (TIER, self.partnership_rows[pk]["tier_id"]) for pk in partnerships if self.partnership_rows[pk]["tier_id"]
        }
        owner = self.world.markers.owner
        for pk in self.events(orgs):
            event = self.event_rows[pk]
            if event["actor_id"]:
                seen.add((USER, event["actor_id"]))
            seen |= {owner[m] for m in found_markers(event["detail"]) if owner.get(m, ("", 0))[0] == TIER}
        seen |= {(USER, m["user_id"]) for m in self.membership_rows.values() if m["organization_id"] in orgs}
        seen |= self._named_by_deals(orgs)
        return seen

    def _named_by_deals(self, orgs) -> set:
        """What the registrations one sees name: their sides, the people who made, decided, wrote, uploaded and
        asked, the products on their lines (also after a partnership ends, when the catalog is gone), and the lead
        each was made from (its company is the customer)."""
        deals = self.deals(orgs)
        seen = set()
        for pk in deals:
            d = self.deal_rows[pk]
            seen |= {(ORG, d[k]) for k in ("vendor_id", "partner_id", "distributor_id") if d[k]}
            seen |= {(USER, d[k]) for k in ("created_by_id", "decided_by_id") if d[k]}
        people = (
            (self.comment_rows, ("author_id",)),
            (self.deal_event_rows, ("actor_id",)),
            (self.attachment_rows, ("uploaded_by_id",)),
            (self.extension_rows, ("requested_by_id", "decided_by_id")),
        )
        for rows, keys in people:
            seen |= {(USER, r[k]) for r in rows.values() if r["deal_id"] in deals for k in keys if r[k]}
        seen |= {(PRODUCT, line["product_id"]) for line in self.line_rows.values() if line["deal_id"] in deals}
        # A registration made from a lead carries the lead's company as its customer.
        seen |= {(LEAD, pk) for pk, lead in self.lead_rows.items() if lead["deal_id"] in deals}
        owner = self.world.markers.owner
        for event in self.deal_event_rows.values():
            if event["deal_id"] in deals:
                text = " ".join((event["detail"], event["old_value"], event["new_value"]))
                seen |= {owner[m] for m in found_markers(text) if owner.get(m, ("", 0))[0] == PRODUCT}
        return seen

    def forbidden_markers(self, persona: Persona) -> dict[str, tuple[str, int]]:
        allowed = self.mentionable(persona)
        return {marker: owner for marker, owner in self.world.markers.owner.items() if owner not in allowed}

    # --- what a person may change --------------------------------------------------------------------------------

    def changes(self, persona: Persona, before: "State", after: "State") -> list[str]:
        """What changed between two snapshots that ``persona`` may not change (empty: all allowed).

        Admins change their organization's people and invitations; admins and managers of a vendor its
        program, tiers, products and the partnerships it has (approve, tier, suspend, end), each only to its
        own tiers and distributors; a partner's admins apply (a new partnership, ``applied``) to a vendor
        they may see. History and grants follow the partnership they belong to, and grants go only to the
        groups of the partnership's sides.

        Notifications follow what caused them: a new notification is about a row the same request changed and
        is told to an organization on a side of it, its receipts go to that organization's people and its
        emails to them; an invitation's email is written and withdrawn with its invitation. A person marks
        their own notifications read, unread and opened (in the organizations they work in), and changes their
        own notification settings (turning a type off takes what waits for their digest out of it).
        """
        roles = persona.roles
        admins = {o for o, r in roles.items() if r == Role.ADMIN}
        managers = {o for o, r in roles.items() if r in (Role.ADMIN, Role.MANAGER)}
        new_partnerships = after.pks(PARTNERSHIP) - before.pks(PARTNERSHIP)

        def partnership_ok(pk) -> bool:
            old, new = before.row(PARTNERSHIP, pk), after.row(PARTNERSHIP, pk)
            if pk in new_partnerships:
                return self._application_ok(persona, admins, new)
            if old is None:
                return False
            new = new or old
            return (
                old["vendor_id"] in managers
                and (new["vendor_id"], new["partner_id"]) == (old["vendor_id"], old["partner_id"])
                and (
                    new["tier_id"] is None
                    or self.tier_rows.get(new["tier_id"], {}).get("vendor_id") == new["vendor_id"]
                )
                and (new["distributor_id"] in (None, old["distributor_id"]) or self._distributes(new))
            )

        def sides(pk) -> set:
            rows = [r for r in (before.row(PARTNERSHIP, pk), after.row(PARTNERSHIP, pk)) if r]
            return set().union(*(self._sides(r) for r in rows)) if rows else set()

        changes = changed(before, after)
        changed_rows = set(changes)
        members = {(m["organization_id"], m["user_id"]) for m in self.membership_rows.values()}
        deal_changes = DealChanges(self, persona, before, after, changes)
        lead_changes = LeadChanges(self, persona, before, after, changes)

        def notification_ok(pk) -> bool:
            """New, about a row this request changed, and told to an organization on a side of that row."""
            notification = after.row(NOTIFICATION, pk)
            if before.row(NOTIFICATION, pk) is not None or notification is None:
                return False
            if not notification["subject_id"]:  # about several leads at once: told to a side of one of them
                return lead_changes.told(notification)
            subject = (_label_of(notification["subject_type_id"]), notification["subject_id"])
            if subject not in changed_rows:
                return False
            if subject[0] == PARTNERSHIP:
                told = sides(subject[1])
            elif subject[0] == DEAL:  # a registration's sides, about a change of it (not only of its conflict flags)
                told = deal_changes.sides(subject[1]) if deal_changes.moved(subject[1]) else set()
            elif subject[0] == INVITATION:
                told = {r["organization_id"] for r in (before.row(*subject), after.row(*subject)) if r}
            elif subject[0] == LEAD:
                told = lead_changes.sides(subject[1])
            else:
                told = set()
            return notification["organization_id"] in told

        def receipt_ok(old, new) -> bool:
            if old is None:
                notification = after.row(NOTIFICATION, new["notification_id"])
                return (
                    notification_ok(new["notification_id"])
                    and new["organization_id"] == notification["organization_id"]
                    and (new["organization_id"], new["user_id"]) in members
                )
            if persona.user is None or old["user_id"] != persona.user.pk or new is None:
                return False
            fields = {k for k in old if old[k] != new[k]}
            if "email_state" in fields:  # they turned the type off: it leaves their next digest
                fields.discard("email_state")
                if (old["email_state"], new["email_state"]) != (Receipt.Email.DIGEST, Receipt.Email.OFF):
                    return False
            # Read and opened: their own notifications in the organizations they work in.
            return fields <= READ_STATE and (not fields or old["organization_id"] in persona.orgs)

        new_receipts = [after.row(RECEIPT, pk) for pk in after.pks(RECEIPT) - before.pks(RECEIPT)]
        emailed = {r["email_id"]: r for r in new_receipts if r["email_id"]}

        def email_ok(pk, old, new) -> bool:
            row = new or old
            if row["key"].startswith("invitation:"):
                return (INVITATION, int(row["key"].split(":", 1)[1])) in changed_rows
            receipt = emailed.get(pk)
            return old is None and receipt is not None and receipt["user_id"] == row["user_id"]

        problems = []
        for label, pk in changes:
            old, new = before.row(label, pk), after.row(label, pk)
            both = [r for r in (old, new) if r]
            row = new or old
            if label == ORG:
                ok = pk in managers
            elif label in (TIER, PRODUCT):
                ok = all(r["vendor_id"] in managers for r in both)
            elif label == DISTRIBUTION:
                ok = all(r["vendor_id"] in admins for r in both)
            elif label in (MEMBERSHIP, INVITATION):
                ok = all(r["organization_id"] in admins for r in both)
            elif label == PARTNERSHIP:
                ok = partnership_ok(pk)
            elif label == EVENT:
                ok = old is None and partnership_ok(row["partnership_id"])
            elif label == "vendors.PartnershipGroupObjectPermission":
                partnership = row["content_object_id"]
                ok = partnership_ok(partnership) and self.group_org.get(row["group_id"]) in sides(partnership)
            elif label == "portal.User_groups":
                ok = self.group_org.get(row["group_id"]) in admins
            elif label == NOTIFICATION:
                ok = notification_ok(pk)
            elif label == RECEIPT:
                ok = receipt_ok(old, new)
            elif label == EMAIL:
                ok = email_ok(pk, old, new)
            elif label == API_TOKEN:
                # Their own tokens: a new one, or one revoked (nothing else changes, nothing is deleted).
                ok = (
                    persona.user is not None
                    and new is not None
                    and all(r["user_id"] == persona.user.pk for r in both)
                    and (old is None or {k for k in old if old[k] != new[k]} == {"revoked_at"})
                )
            elif label in DealChanges.LABELS:
                ok = deal_changes.ok(label, pk)
            elif label in LeadChanges.LABELS:
                ok = lead_changes.ok(label, pk)
            elif label in (SETTINGS, PREFERENCE):
                ok = persona.user is not None and all(r["user_id"] == persona.user.pk for r in both)
            elif label == IDP:
                ok = all(r["organization_id"] in admins for r in both)
            elif label == DOMAIN:
                # An admin adds or removes their organization's domains; only platform admins verify one.
                ok = all(r["organization_id"] in admins for r in both) and (
                    new is None or new["verified_at"] == (old or {}).get("verified_at")
                )
            else:  # people's accounts, groups, organization grants: no page of a tenant changes them
                ok = False
            if not ok:
                problems.append(describe(before, after, label, pk))
        return problems

    def reads(self, persona: Persona, before: "State", after: "State") -> list[str]:
        """What a GET (or HEAD) changed that it may not: anything but opening one's own notifications (and allauth
        recording the person's own email address when it shows their account)."""
        problems = []
        for label, pk in changed(before, after):
            old, new = before.row(label, pk), after.row(label, pk)
            own_address = (
                label == "account.EmailAddress"
                and old is None
                and persona.user is not None
                and new["user_id"] == persona.user.pk
            )
            ok = own_address or (
                label == RECEIPT
                and old is not None
                and new is not None
                and persona.user is not None
                and old["user_id"] == persona.user.pk
                and old["organization_id"] in persona.orgs
                and {k for k in old if old[k] != new[k]} <= READ_STATE
            )
            if not ok:
                problems.append(describe(before, after, label, pk))
        return problems

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


READ_STATE = {"read_at", "opened_at", "opened_via"}


class DealChanges:
    """Who may change which deal registration rows (``Rules.changes`` asks ``ok(label, pk)`` of each changed row).

    - The partner's people (any role) register with a vendor they are ACTIVE partners of (the partnership's sides
      copied onto the row, products of that vendor's active catalog on the lines), keep their registrations
      current (the customer only while a draft or while the vendor asks for more), submit or resubmit them, ask
      for extensions, attach files and write in their threads, all while the partnership is ACTIVE: once the vendor
      suspended or ended it, its registrations are read-only for the partner (docs/adr/0001). Submitting may approve
      it at once (the vendor's rules: no deciding person).
    - The vendor's admins and managers decide: approve, reject, ask for more (a comment of theirs), grant or refuse
      an extension (the person deciding is recorded).
    - Anyone on a side who sees a registration writes in its thread, as their own organization (the partner while
      the partnership is active; the vendor and the distributor whatever its status).
    - Side effects of those: history (``DealEvent``) of a registration the request changed; conflicts between two
      partners' registrations at one vendor, detected when one is submitted and settled when one is rejected,
      expires or is lost; the other registration's vendor-only flags (``has_conflict``, ``queue``); the vendor's
      rules row, made with its defaults when missing. ``DealRules`` and its tiers: the vendor's admins and managers,
      with tiers of their own program.
    """

    LABELS = {DEAL, LINE, COMMENT, DEAL_EVENT, ATTACHMENT, EXTENSION, CONFLICT, DEAL_RULES, RULE_TIERS, TALLY}
    FIXED = {"id", "partnership_id", "vendor_id", "partner_id", "distributor_id", "created_by_id", "created_at"}
    CUSTOMER = {
        "customer_name",
        "customer_website",
        "customer_domain",
        "customer_domain_stem",
        "customer_name_key",
        "customer_country",
    }
    KEPT_CURRENT = {
        "title",
        "contact_name",
        "contact_email",
        "contact_phone",
        "amount",
        "currency",
        "expected_close_date",
        "notes",
        "stage",
        "lost_reason",
        "closed_at",
        "last_activity_at",
    }
    DECISION = {
        "decision_reason",
        "decided_by_id",
        "decided_at",
        "protection_days",
        "approved_at",
        "expires_on",
        "expiry_warned_days",
    }
    FLAGS = {"has_conflict", "queue"}
    TOUCH = {"updated_at"}
    ASKABLE = (DealStatus.DRAFT, DealStatus.INFO_REQUESTED)  # what the partner may (re)submit
    DECISIONS = {
        (DealStatus.SUBMITTED, DealStatus.APPROVED),
        (DealStatus.INFO_REQUESTED, DealStatus.APPROVED),
        (DealStatus.SUBMITTED, DealStatus.REJECTED),
        (DealStatus.INFO_REQUESTED, DealStatus.REJECTED),
        (DealStatus.SUBMITTED, DealStatus.INFO_REQUESTED),
        (DealStatus.EXPIRED, DealStatus.APPROVED),  # an extension granted after it expired
    }
    DEFAULT_RULES = {"auto_approve_below": None, "idle_cap": None, "idle_days": 30, "name_similarity": Decimal("0.60")}

    def __init__(self, rules: "Rules", persona: Persona, before: "State", after: "State", changes):
        self.rules = rules
        self.persona = persona
        self.orgs = persona.orgs
        self.user_id = persona.user.pk if persona.user is not None else None
        self.managers = {o for o, r in persona.roles.items() if r in (Role.ADMIN, Role.MANAGER)}
        self.before, self.after = before, after
        self.changed = set(changes)
        self.seen = rules.deals(self.orgs)
        self.conflicts = [after.row(CONFLICT, pk) or before.row(CONFLICT, pk) for lb, pk in changes if lb == CONFLICT]

    # --- reading the two snapshots ---

    def _rows(self, label, pk):
        return self.before.row(label, pk), self.after.row(label, pk)

    def deal(self, pk) -> dict | None:
        return self.after.row(DEAL, pk) or self.before.row(DEAL, pk)

    def sides(self, pk) -> set:
        deal = self.deal(pk)
        return {deal[k] for k in ("vendor_id", "partner_id", "distributor_id") if deal[k]} if deal else set()

    def _fields(self, old, new) -> set:
        return {k for k in old if old[k] != new[k]}

    def moved(self, pk) -> bool:
        """The request made this registration, or changed more of it than its vendor-only conflict flags."""
        old, new = self._rows(DEAL, pk)
        if (DEAL, pk) not in self.changed or new is None:
            return False
        return old is None or bool(self._fields(old, new) - self.FLAGS)

    def _moved_to(self, pk, statuses) -> bool:
        old, new = self._rows(DEAL, pk)
        return new is not None and new["status"] in statuses and (old is None or old["status"] != new["status"])

    def _submitted(self, pk) -> bool:
        """Registered and submitted, or (re)submitted from a draft or a question, in this request (perhaps approved
        at once by the vendor's rules)."""
        old, new = self._rows(DEAL, pk)
        sent = new is not None and new["status"] in (DealStatus.SUBMITTED, DealStatus.APPROVED)
        return sent and (old is None or old["status"] in self.ASKABLE)

    def _settled(self, pk) -> bool:
        """It stopped holding its customer in this request: rejected, expired or lost."""
        old, new = self._rows(DEAL, pk)
        lost = new is not None and new["stage"] == DealRegistration.Stage.LOST and (old or {}).get("stage") != "lost"
        return lost or self._moved_to(pk, (DealStatus.REJECTED, DealStatus.EXPIRED))

    def _active(self, deal) -> bool:
        partnership = self.rules.partnership_rows.get(deal["partnership_id"])
        return partnership is not None and partnership["status"] == Status.ACTIVE

    # --- the rules ---

    def ok(self, label, pk) -> bool:
        old, new = self._rows(label, pk)
        return {
            DEAL: self._deal,
            LINE: self._line,
            COMMENT: self._comment,
            DEAL_EVENT: self._event,
            ATTACHMENT: self._attachment,
            EXTENSION: self._extension,
            CONFLICT: self._conflict,
            DEAL_RULES: self._rules,
            RULE_TIERS: self._rule_tier,
            TALLY: self._tally,
        }[label](pk, old, new)

    def _tally(self, pk, old, new) -> bool:
        """A kept total moves by exactly what the registrations this request changed moved in it."""
        row = new or old
        key = (row["organization_id"], row["status"], row["currency"])
        count, amount = 0, Decimal("0")
        for label, deal_pk in self.changed:
            if label != DEAL:
                continue
            for deal, sign in ((self.before.row(DEAL, deal_pk), -1), (self.after.row(DEAL, deal_pk), 1)):
                if deal is None or deal["status"] == DealStatus.DRAFT:
                    continue
                for side in (deal["vendor_id"], deal["distributor_id"]):
                    if side and (side, deal["status"], deal["currency"]) == key:
                        count += sign
                        amount += sign * deal["amount"]
        was = (old["count"], old["amount"]) if old else (0, Decimal("0"))
        now = (new["count"], new["amount"]) if new else (0, Decimal("0"))
        return new is not None and (now[0] - was[0], now[1] - was[1]) == (count, amount)

    def _deal(self, pk, old, new) -> bool:
        if new is None:
            return False  # registrations are never deleted
        if old is None:
            return self._registered(new)
        fields = self._fields(old, new)
        if fields & self.FIXED:
            return False
        if fields <= self.FLAGS:  # flagged or cleared as another registration's conflict was found or settled
            return any(pk in (c["deal_id"], c["other_id"]) for c in self.conflicts)
        if fields <= self.TOUCH | {"last_activity_at"}:  # a comment, a file, an extension asked or refused
            partner_activity = "last_activity_at" in fields
            return pk in self.seen and (not partner_activity or (old["partner_id"] in self.orgs and self._active(old)))
        return self._partner_changed(old, new, fields) or self._vendor_decided(old, new, fields)

    def _registered(self, new) -> bool:
        partnership = self.rules.partnership_rows.get(new["partnership_id"])
        return (
            partnership is not None
            and partnership["status"] == Status.ACTIVE
            and all(new[k] == partnership[k] for k in ("vendor_id", "partner_id", "distributor_id"))
            and new["partner_id"] in self.orgs
            and new["created_by_id"] == self.user_id
            and (
                new["status"] in (DealStatus.DRAFT, DealStatus.SUBMITTED)
                or (new["status"] == DealStatus.APPROVED and new["decided_by_id"] is None)  # automatically
            )
        )

    def _partner_changed(self, old, new, fields) -> bool:
        if old["partner_id"] not in self.orgs or not self._active(old):
            return False
        allowed = self.KEPT_CURRENT | self.TOUCH | self.FLAGS
        if old["status"] in self.ASKABLE:
            allowed |= self.CUSTOMER
        if old["status"] != new["status"]:
            submitted = old["status"] in self.ASKABLE and new["status"] in (DealStatus.SUBMITTED, DealStatus.APPROVED)
            if not submitted or not self._active(old):
                return False
            allowed |= {"status", "submitted_at"}
            if new["status"] == DealStatus.APPROVED:  # approved automatically, by the vendor's rules
                if new["decided_by_id"] is not None:
                    return False
                allowed |= self.DECISION
        return fields <= allowed

    def _vendor_decided(self, old, new, fields) -> bool:
        if old["vendor_id"] not in self.managers:
            return False
        allowed = self.DECISION | self.FLAGS | self.TOUCH
        if old["status"] != new["status"]:
            if (old["status"], new["status"]) not in self.DECISIONS:
                return False
            allowed |= {"status"}
        if "decided_by_id" in fields and new["decided_by_id"] != self.user_id:
            return False
        return fields <= allowed

    def _line(self, pk, old, new) -> bool:
        deal = self.deal((new or old)["deal_id"])
        if deal is None or deal["partner_id"] not in self.orgs or not self.moved(deal["id"]) or not self._active(deal):
            return False
        if new is None:
            return True  # lines replaced
        product = self.rules.product_rows.get(new["product_id"])
        return product is not None and product["vendor_id"] == deal["vendor_id"] and product["active"]

    def _comment(self, pk, old, new) -> bool:
        deal = self.deal(new["deal_id"]) if new is not None else None
        return (
            old is None
            and deal is not None
            and new["author_id"] == self.user_id
            and new["organization_id"] in self.orgs & self.sides(new["deal_id"])
            and new["deal_id"] in self.seen
            and (new["organization_id"] != deal["partner_id"] or self._active(deal))
        )

    def _event(self, pk, old, new) -> bool:
        return (
            old is None
            and new is not None
            and self.moved(new["deal_id"])
            and new["actor_id"] in (None, self.user_id)
            and new["organization_id"] in {None} | self.sides(new["deal_id"])
        )

    def _attachment(self, pk, old, new) -> bool:
        deal = self.deal((new or old)["deal_id"])
        return (
            old is None
            and new is not None
            and deal is not None
            and deal["partner_id"] in self.orgs
            and new["organization_id"] == deal["partner_id"]
            and new["uploaded_by_id"] == self.user_id
            and (deal["id"] in self.seen or self.before.row(DEAL, deal["id"]) is None)
            and self._active(deal)
        )

    def _extension(self, pk, old, new) -> bool:
        if new is None:
            return False
        deal = self.before.row(DEAL, new["deal_id"])
        if deal is None:
            return False
        if old is None:  # asked: the partner, an approved registration, while the partnership is active
            return (
                deal["partner_id"] in self.orgs
                and new["requested_by_id"] == self.user_id
                and deal["status"] == DealStatus.APPROVED
                and self._active(deal)
            )
        return (  # decided: the vendor's admins and managers
            deal["vendor_id"] in self.managers
            and self._fields(old, new) <= {"status", "decided_by_id", "decided_at", "response"}
            and new["decided_by_id"] == self.user_id
        )

    def _conflict(self, pk, old, new) -> bool:
        if new is None:
            return False
        one, other = self.deal(new["deal_id"]), self.deal(new["other_id"])
        if one is None or other is None:
            return False
        same_vendor = one["vendor_id"] == other["vendor_id"] == new["vendor_id"]
        if not same_vendor or one["partner_id"] == other["partner_id"]:
            return False
        pair = (new["deal_id"], new["other_id"])
        # Found (again), or no longer matching, as one of the two was (re)submitted; settled as one stopped holding
        # its customer.
        submitted = any(self._submitted(pk) for pk in pair)
        if new["resolved_at"] is None:
            return submitted
        return submitted or any(self._settled(pk) for pk in pair)

    def _rules(self, pk, old, new) -> bool:
        if new is None:
            return False
        if (old or new)["vendor_id"] in self.managers and new["vendor_id"] == (old or new)["vendor_id"]:
            return True
        # Made with the defaults when a registration with the vendor is submitted or decided.
        return (
            old is None
            and all(new[k] == v for k, v in self.DEFAULT_RULES.items())
            and any(self.moved(d["id"]) for d in self._changed_deals() if d["vendor_id"] == new["vendor_id"])
        )

    def _changed_deals(self):
        return [self.deal(pk) for label, pk in self.changed if label == DEAL]

    def _rule_tier(self, pk, old, new) -> bool:
        if old is not None and new is not None:
            return False
        row = new or old
        rules = self.after.row(DEAL_RULES, row["dealrules_id"]) or self.before.row(DEAL_RULES, row["dealrules_id"])
        tier = self.rules.tier_rows.get(row["tier_id"])
        return (
            rules is not None
            and rules["vendor_id"] in self.managers
            and (new is None or (tier is not None and tier["vendor_id"] == rules["vendor_id"]))
        )


class LeadChanges:
    """Who may change which lead rows (``Rules.changes`` asks ``ok(label, pk)`` of each changed row).

    - A vendor's admins and managers send leads (its own, ``source=vendor``, made by them), offer a lead waiting or
      offered by hand, set its rules and each of its partners' coverage. Routing offers a lead only to an ACTIVE
      partnership of the lead's vendor, with that partnership's partner and distributor.
    - The partner holding a lead (any role) accepts or rejects it (then routing offers it on), assigns it to one of
      its own people, records its progress, and converts it to a registration of its own, while the partnership it
      holds the lead through is ACTIVE: once the vendor suspended or ended it, the lead is read-only for the partner
      (docs/adr/0001), its offer too.
    - A vendor's admins and managers stage files of its leads, and confirm (its leads made by them, as if sent one by
      one, and routed) or discard the files waiting.
    - A partner's people (any role) add leads of their own for a vendor they are ACTIVE partners of: the partner's
      (``source=partner``), accepted, made by and given to them, on that partnership (its sides copied), never routed.
    - The partner holding a lead (any role) writes its own notes on it, as their partner (while the partnership is
      active).
    - Side effects of those: offers of the leads the request changed (made pending for the partnership now holding
      it; ended by the partner answering or the vendor recalling), their history, and notifications to a side; the
      products of interest of a lead made in the request (its vendor's active catalog), the tiers of rules and the
      products of coverage (the vendor's own).
    Nothing of a lead is deleted but the tiers of rules and the products of coverage, which the vendor replaces.
    """

    LABELS = {
        *(LEAD, OFFER, LEAD_EVENT, LEAD_RULES, COVERAGE, LEAD_IMPORT, LEAD_NOTE),
        *(LEAD_PRODUCTS, LEAD_RULE_TIERS, COVERAGE_PRODUCTS, LEAD_TALLY),
    }
    FIXED = {
        *("id", "vendor_id", "source", "created_by_id", "created_at", "company", "contact_name", "contact_email"),
        *("contact_phone", "country", "region", "postcode", "size", "notes"),
    }
    ROUTING = {"status", "partnership_id", "partner_id", "distributor_id", "accept_by", "routing_reason", "updated_at"}
    WORK = {"status", "status_reason", "accepted_at", "accept_by", "assigned_to_id", "deal_id", "updated_at"}
    MOVABLE = (Lead.Status.UNASSIGNED, Lead.Status.OFFERED)

    def __init__(self, rules: "Rules", persona: Persona, before: "State", after: "State", changes):
        self.rules = rules
        self.orgs = persona.orgs
        self.user_id = persona.user.pk if persona.user is not None else None
        self.managers = {o for o, r in persona.roles.items() if r in (Role.ADMIN, Role.MANAGER)}
        self.before, self.after = before, after
        self.changed = set(changes)
        self.changed_leads = {pk for label, pk in changes if label == LEAD}

    def _rows(self, label, pk):
        return self.before.row(label, pk), self.after.row(label, pk)

    def sides(self, lead_id) -> set:
        """The organizations a lead concerns in this request: its vendor, the partners (and distributors) holding it
        before and after, and the partners of its offers the request changed."""
        if lead_id not in self.changed_leads:
            return set()
        found = set()
        for row in self._rows(LEAD, lead_id):
            if row:
                found |= {row[k] for k in ("vendor_id", "partner_id", "distributor_id") if row[k]}
        for label, pk in self.changed:
            offer = self.after.row(OFFER, pk) if label == OFFER else None
            if offer and offer["lead_id"] == lead_id:
                found.add(offer["partner_id"])
        return found

    def told(self, notification) -> bool:
        """A notification about several leads: of a lead kind, told to a side of a lead the request changed."""
        if not notification["kind"].startswith("lead."):
            return False
        return any(
            notification["organization_id"] in self.sides(pk)
            and notification["vendor_id"] == (self.after.row(LEAD, pk) or {}).get("vendor_id")
            for pk in self.changed_leads
        )

    def ok(self, label, pk) -> bool:
        old, new = self._rows(label, pk)
        replaced = {LEAD_RULE_TIERS: self._rule_tier, COVERAGE_PRODUCTS: self._coverage_product}
        if label in replaced:
            return replaced[label](old, new)
        if new is None:
            return False  # nothing of a lead is deleted
        return {
            LEAD: self._lead,
            OFFER: self._offer,
            LEAD_EVENT: self._event,
            LEAD_RULES: self._rules,
            COVERAGE: self._coverage,
            LEAD_IMPORT: self._import,
            LEAD_NOTE: self._note,
            LEAD_PRODUCTS: self._lead_product,
            LEAD_TALLY: self._tally,
        }[label](old, new)

    def _counted_in(self, lead, snapshot) -> list:
        """The kept counts a lead row counts in, in one snapshot: the vendor's and the holding distributor's for a
        lead the vendor sent; the vendor's (own) for a partner's own lead once its deal is submitted."""
        if lead is None:
            return []
        if lead["source"] == Lead.Source.VENDOR:
            keys = [(lead["vendor_id"], False, lead["status"])]
            return keys + ([(lead["distributor_id"], False, lead["status"])] if lead["distributor_id"] else [])
        deal = snapshot.row(DEAL, lead["deal_id"]) if lead["deal_id"] else None
        return [(lead["vendor_id"], True, lead["status"])] if deal and deal["status"] != DealStatus.DRAFT else []

    def _tally(self, old, new) -> bool:
        """A kept count moves by exactly what the leads this request changed (or whose deal it submitted) moved."""
        key = (new["organization_id"], new["own"], new["status"])
        deals = {pk for label, pk in self.changed if label == DEAL}
        leads = set(self.changed_leads) | {
            pk for pk in self.after.pks(LEAD) if (self.after.row(LEAD, pk) or {}).get("deal_id") in deals
        }
        moved = 0
        for pk in leads:
            moved -= self._counted_in(self.before.row(LEAD, pk), self.before).count(key)
            moved += self._counted_in(self.after.row(LEAD, pk), self.after).count(key)
        return new["count"] - (old["count"] if old else 0) == moved

    def _active(self, lead) -> bool:
        """The partnership the lead is held through (``lead``: its row before the request) is ACTIVE."""
        p = self.rules.partnership_rows.get(lead["partnership_id"]) if lead is not None else None
        return p is not None and p["status"] == Status.ACTIVE

    def _routed(self, new) -> bool:
        """Held by nobody, or by an ACTIVE partnership of the lead's vendor (its partner and distributor copied)."""
        if new["partnership_id"] is None:
            return new["partner_id"] is None and new["distributor_id"] is None and new["status"] == "unassigned"
        p = self.rules.partnership_rows.get(new["partnership_id"])
        return (
            p is not None
            and p["status"] == Status.ACTIVE
            and p["vendor_id"] == new["vendor_id"]
            and (new["partner_id"], new["distributor_id"]) == (p["partner_id"], p["distributor_id"])
        )

    def _own(self, new) -> bool:
        """A partner's own lead: on an ACTIVE partnership of theirs (its sides copied), accepted, made by and given to
        the person adding it."""
        p = self.rules.partnership_rows.get(new["partnership_id"])
        return (
            p is not None
            and p["status"] == Status.ACTIVE
            and p["partner_id"] in self.orgs
            and (new["vendor_id"], new["partner_id"], new["distributor_id"])
            == (p["vendor_id"], p["partner_id"], p["distributor_id"])
            and new["status"] == Lead.Status.ACCEPTED
            and new["created_by_id"] == new["assigned_to_id"] == self.user_id
            and new["deal_id"] is None
        )

    def _lead(self, old, new) -> bool:
        if old is None and new["source"] == Lead.Source.PARTNER:
            return self._own(new)
        if old is None:  # sent by the vendor's manager (typed in or imported), and routed
            return (
                new["vendor_id"] in self.managers
                and new["source"] == Lead.Source.VENDOR
                and new["created_by_id"] == self.user_id
                and new["status"] in self.MOVABLE
                and self._routed(new)
            )
        fields = {k for k in old if old[k] != new[k]}
        if fields & self.FIXED:
            return False
        moved = fields & {"partnership_id", "partner_id", "distributor_id"}
        if moved and not self._routed(new):
            return False
        if old["vendor_id"] in self.managers and old["status"] in self.MOVABLE and fields <= self.ROUTING:
            return True  # offered by hand
        if old["partner_id"] is None or old["partner_id"] not in self.orgs or not self._active(old):
            return False
        if old["status"] == Lead.Status.OFFERED and moved:  # rejected: routing offers it to the next partner
            return fields <= self.ROUTING and new["partner_id"] != old["partner_id"]
        if not fields <= self.WORK:
            return False
        rep = new["assigned_to_id"]
        if "assigned_to_id" in fields and rep is not None:
            members = {
                m["user_id"] for m in self.rules.membership_rows.values() if m["organization_id"] == old["partner_id"]
            }
            if rep not in members:
                return False
        if "deal_id" in fields:
            deal = self.after.row(DEAL, new["deal_id"]) if new["deal_id"] else None
            if deal is None or self.before.row(DEAL, deal["id"]) is not None or deal["partner_id"] != old["partner_id"]:
                return False
        return True

    def _offer(self, old, new) -> bool:
        lead = self.after.row(LEAD, new["lead_id"])
        if lead is None:
            return False
        if old is None:  # made for the partnership routing (or the vendor) chose in this request
            return (
                new["lead_id"] in self.changed_leads
                and new["outcome"] == LeadOffer.Outcome.PENDING
                and new["vendor_id"] == lead["vendor_id"]
                and (new["partnership_id"], new["partner_id"]) == (lead["partnership_id"], lead["partner_id"])
            )
        fields = {k for k in old if old[k] != new[k]}
        if not fields <= {"outcome", "decided_at", "reason"} or old["outcome"] != LeadOffer.Outcome.PENDING:
            return False
        Outcome = LeadOffer.Outcome
        answered = (
            old["partner_id"] in self.orgs
            and new["outcome"] in (Outcome.ACCEPTED, Outcome.REJECTED)
            and self._active(self.before.row(LEAD, new["lead_id"]))
        )
        recalled = old["vendor_id"] in self.managers and new["outcome"] == Outcome.RECALLED
        return answered or recalled

    def _event(self, old, new) -> bool:
        return (
            old is None
            and new["lead_id"] in self.changed_leads
            and new["actor_id"] in (None, self.user_id)
            and new["organization_id"] in {None} | self.sides(new["lead_id"])
        )

    def _rules(self, old, new) -> bool:
        return new["vendor_id"] in self.managers and (old is None or old["vendor_id"] == new["vendor_id"])

    def _coverage(self, old, new) -> bool:
        p = self.rules.partnership_rows.get(new["partnership_id"])
        return (
            p is not None
            and new["vendor_id"] == p["vendor_id"]
            and new["vendor_id"] in self.managers
            and (old is None or (old["vendor_id"], old["partnership_id"]) == (new["vendor_id"], new["partnership_id"]))
        )

    IMPORT_DECIDED = {"status", "decided_by_id", "imported_at", "imported_count", "lead_ids"}
    IMPORT_DISCARDED = {"status", "decided_by_id", "discarded_at", "rows"}

    def _import(self, old, new) -> bool:
        """Staged by a manager of its vendor; confirmed (the leads this request made, of that vendor, by them) or
        discarded (its rows forgotten) once, by a manager of its vendor."""
        if new["vendor_id"] not in self.managers:
            return False
        Imported = LeadImport.Status
        if old is None:
            return (
                new["created_by_id"] == self.user_id
                and new["status"] == Imported.PENDING
                and new["decided_by_id"] is None
                and not _json(new["lead_ids"])
            )
        fields = {k for k in old if old[k] != new[k]}
        if old["vendor_id"] != new["vendor_id"] or old["status"] != Imported.PENDING:
            return False
        if new["decided_by_id"] != self.user_id:
            return False
        if new["status"] == Imported.DISCARDED:
            return fields <= self.IMPORT_DISCARDED and not _json(new["rows"])
        if new["status"] != Imported.IMPORTED or not fields <= self.IMPORT_DECIDED:
            return False
        made = {
            pk
            for pk in self.after.pks(LEAD) - self.before.pks(LEAD)
            if self.after.row(LEAD, pk)["vendor_id"] == new["vendor_id"]
            and self.after.row(LEAD, pk)["created_by_id"] == self.user_id
        }
        ids = set(_json(new["lead_ids"]))
        return bool(ids) and ids <= made and new["imported_count"] == len(ids)

    def _note(self, old, new) -> bool:
        """Written by a person of the partner holding the lead (through a partnership whose records they see)."""
        if old is not None:
            return False  # notes are never edited
        lead = self.before.row(LEAD, new["lead_id"])
        return (
            lead is not None
            and lead["partner_id"] is not None
            and new["partner_id"] == lead["partner_id"]
            and new["partner_id"] in self.orgs
            and new["author_id"] == self.user_id
            and lead["partnership_id"] in self.rules.partnerships_of(self.orgs)
            and self._active(lead)
        )

    def _lead_product(self, old, new) -> bool:
        """Products of interest of a lead the request made: its vendor's active ones."""
        if old is not None or self.before.row(LEAD, new["lead_id"]) is not None:
            return False
        lead = self.after.row(LEAD, new["lead_id"])
        product = self.rules.product_rows.get(new["product_id"])
        return (
            lead is not None and product is not None and product["active"] and product["vendor_id"] == lead["vendor_id"]
        )

    def _rule_tier(self, old, new) -> bool:
        """The tiers of a vendor's rules: its managers, its own tiers."""
        if old is not None and new is not None:
            return False
        row = new or old
        rules = self.after.row(LEAD_RULES, row["leadrules_id"]) or self.before.row(LEAD_RULES, row["leadrules_id"])
        tier = self.rules.tier_rows.get(row["tier_id"])
        return (
            rules is not None
            and rules["vendor_id"] in self.managers
            and (new is None or (tier is not None and tier["vendor_id"] == rules["vendor_id"]))
        )

    def _coverage_product(self, old, new) -> bool:
        """The products a partner's coverage specialises in: the vendor's managers, the vendor's active products."""
        if old is not None and new is not None:
            return False
        row = new or old
        key = row["leadcoverage_id"]
        coverage = self.after.row(COVERAGE, key) or self.before.row(COVERAGE, key)
        product = self.rules.product_rows.get(row["product_id"]) or {}
        return (
            coverage is not None
            and coverage["vendor_id"] in self.managers
            and (new is None or (product.get("active") and product.get("vendor_id") == coverage["vendor_id"]))
        )


def _json(value):
    """A JSON column as the snapshot read it (text, or already decoded)."""
    return json.loads(value) if isinstance(value, str) else value


def _label_of(content_type_id) -> str:
    return ContentType.objects.get_for_id(content_type_id).model_class()._meta.label


# --- snapshots ------------------------------------------------------------------------------------------------

SNAPSHOT_EXCLUDE = {USER: {"last_login"}}


def local_apps():
    """Our own apps (not Django's or third parties')."""
    base = str(settings.BASE_DIR)
    return [
        config
        for config in apps.get_app_configs()
        if str(config.path).startswith(base) and ".venv" not in str(config.path)
    ]


def local_models():
    """The models of our own apps (not the many-to-many tables Django makes for them)."""
    for config in local_apps():
        yield from config.get_models()


def snapshot_models():
    """Every table of our apps, the many-to-many ones Django makes for them included (a lead's products, a person's
    groups and permissions: ``include_auto_created``), and the tables of others that a tenant's page writes."""
    ours = {config.label for config in local_apps()}
    return [
        *(model for model in apps.get_models(include_auto_created=True) if model._meta.app_label in ours),
        Group,
        apps.get_model("account", "EmailAddress"),
    ]


class State:
    """Every row of every table a request could change, as tuples (a small world: a few hundred rows)."""

    _shapes: dict = {}

    def __init__(self):
        self.tables = {}
        with connection.cursor() as cursor:
            for label, table, columns in self.shapes():
                cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")  # noqa: S608 -- our own table names
                self.tables[label] = {row[0]: row for row in cursor.fetchall()}

    @classmethod
    def shapes(cls):
        if not cls._shapes:
            quote = connection.ops.quote_name
            for model in snapshot_models():
                label = model._meta.label
                skip = SNAPSHOT_EXCLUDE.get(label, set())
                fields = [model._meta.pk, *(f for f in model._meta.concrete_fields if not f.primary_key)]
                fields = [f for f in fields if f.attname not in skip]
                cls._shapes[label] = (
                    quote(model._meta.db_table),
                    [quote(f.column) for f in fields],
                    [f.attname for f in fields],
                )
        return [(label, table, columns) for label, (table, columns, _) in cls._shapes.items()]

    def row(self, label, pk) -> dict | None:
        values = self.tables.get(label, {}).get(pk)
        return None if values is None else dict(zip(self._shapes[label][2], values, strict=True))

    def pks(self, label) -> set:
        return set(self.tables.get(label, {}))


def changed(before: State, after: State) -> list[tuple[str, int]]:
    return [
        (label, pk)
        for label in before.tables
        for pk in sorted(before.pks(label) | after.pks(label))
        if before.tables[label].get(pk) != after.tables[label].get(pk)
    ]


def describe(before: State, after: State, label, pk) -> str:
    return f"{label} #{pk}: {before.row(label, pk)} → {after.row(label, pk)}"


def emails_sent(world, persona):
    """The emails a person was sent as a member of the organizations they work in (notifications, digests)."""
    if persona.user is None:
        return ()
    emails = OutgoingEmail.objects.filter(user=persona.user, receipts__organization_id__in=persona.orgs).distinct()
    with transaction.atomic():  # written as delivery would write them, then rolled back
        found = [
            (f"email {e.key}", "\n".join((e.subject, e.text_body, e.html_body)))
            for e in map(notifications.email_render, emails.order_by("pk"))
        ]
        transaction.set_rollback(True)
    return found


def digest_due(world, persona):
    """The daily digest the person would be sent now (what waits for it: comments on deals, say), written in a
    savepoint that is rolled back. Only for people whose waiting notifications are all of organizations they work
    in (``emails_sent`` scans those)."""
    if persona.user is None or not persona.orgs:
        return []
    waiting = Receipt.objects.filter(user=persona.user, email_state=Receipt.Email.DIGEST)
    if not waiting.exists() or waiting.exclude(organization_id__in=persona.orgs).exists():
        return []
    with transaction.atomic():
        before = timezone.now() + timedelta(days=1)
        notifications._digest_write(user_id=persona.user.pk, before=before, local_date="isolation")
        digests = OutgoingEmail.objects.filter(user=persona.user, key__startswith="digest:").order_by("pk")
        found = [(f"digest {e.key}", "\n".join((e.subject, e.text_body, e.html_body))) for e in digests]
        transaction.set_rollback(True)
    return found


# Per-person outputs that are not HTTP responses, scanned like responses: each is
# ``callable(world, persona) -> iterable of (where, text)``. The deal registration CSV export is a route
# (``deals:export``, with the list's filters), so the sweep scans it as a response.
FEEDS: list = [emails_sent, digest_due]
