"""The generic harness: a channel drawn by hypothesis, its tenants and people, the personas the sweep acts as, the
rules engine and the snapshots. Every app adds its own rows and rules in ``tests/<app_label>/isolation.py``
(``tests/isolation/plugins.py`` says what such a module declares); nothing here names an app's rows.

- ``channels()`` draws a ``Spec``: vendors (some not in the directory, maybe one suspended by the platform),
  distributors, partners, partnerships in every status (closed ones re-applied), tiers, products (some
  retired), distributions, invitations (open and revoked) and people of every role in every organization,
  plus, sometimes, one person in two organizations. An outsider vendor → partner via distributor, tied to
  nobody else, guarantees rows that nobody in the main channel may see; the platform has suspended that
  vendor, whose manager is one of the personas (they may see nothing).
- ``World(spec)`` makes the organizations and their people, then has every app build its rows the way production
  does (services grant the guardian permissions), phase by phase (``PHASES``), with a unique marker (``xorg0012q``,
  ``xprd0031q``...) in every name, SKU, email, reason and category, so a response can be searched for rows it must
  not show. ``World(spec, without={"deals"})`` leaves an app's rows out (a quicker world for other routes); its
  rules still judge what a request changes.
- ``Rules`` says, from the base tables and the rules in ARCHITECTURE.md (never through the selectors under
  test), which rows each person may see, which they may be shown by name, and which they may change: the generic
  engine here, each app's rules in its module (its ``Rules`` mixin, ``VISIBLE``, ``Changes``...). A person works in
  the *active* organizations they are a member of: the people of a tenant the platform suspended cannot use it
  (``services.organization_set_status``), through the pages or the API.
- ``State`` snapshots every table of our apps (their many-to-many tables too) and the few of others' that pages
  write, so a request's changes can be judged row by row.

Extension points: a new app writes ``tests/<app_label>/isolation.py``; ``tests/isolation/test_declarations.py``
fails until it exists and until every model of the app has rules.
"""

import os
import re
from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests import factories as f
from tests.isolation import plugins
from vendors import services
from vendors.models import Membership, Organization, Partnership

User = get_user_model()
Status = Partnership.Status
Role = Membership.Role
Kind = Organization.Kind
STATUSES = list(Status.values)
CLOSED = (Status.DECLINED, Status.ENDED)
MISSING_ID = 987654321
MISSING_SLUG = "no-such-organization"
# The labels of the tenants and their people, which the harness makes.
ORG, MEMBERSHIP, USER = "vendors.Organization", "vendors.Membership", User._meta.label

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

# The order in which the apps build their rows (``tests/isolation/plugins.py`` says what each phase makes); every
# person's own rows (``people``) come once every person exists.
PHASES = ("program", "partnerships", "records", "closing")


class World:
    """The channel of a Spec: its organizations and people, and every app's rows, with a marker in every text a page
    could show."""

    def __init__(self, spec: Spec, *, without=()):
        """``without``: the labels of apps whose rows are left out (``{"deals"}``: no registrations nor deal rules)."""
        self.spec = spec
        self.without = frozenset(without)
        unknown = self.without - set(plugins.modules())
        assert not unknown, f"no isolation module for {sorted(unknown)}"
        self.markers = Markers()
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
        self.read_only = {}  # status → V0's partnership closed with records made before (``before_closing``)
        for phase in PHASES:
            self.build(phase)
        self.outsider_person = self._person()
        self.two_hats = None
        if spec.two_hats:
            groups = {"vendor": self.vendors, "partner": self.partners, "distributor": self.distributors}
            self.two_hats = self._person()
            for kind, index, role in spec.two_hats:
                services.membership_add(organization=groups[kind][index], user=self.two_hats, role=role)
        self.build("people")
        self.rules = rules_class()(self)
        self.personas = self._personas()

    def builds(self, app: str) -> bool:
        """Whether this world has the rows of ``app`` (an app label)."""
        return app not in self.without

    def build(self, phase: str, *args) -> None:
        """Every app's ``phase(world, *args)``, in app order, but those of the apps left out."""
        for label, module in plugins.modules().items():
            if self.builds(label) and hasattr(module, phase):
                getattr(module, phase)(self, *args)

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


def rows_of(model, *fields):
    return {row["id"]: row for row in model.objects.values("id", *fields)}


def visible_rules() -> dict:
    """Model label → the name of the ``Rules`` method saying who may see its rows, of every app."""
    return plugins.merged("VISIBLE")


def not_listed() -> dict:
    """Model label → why nobody reads its rows directly, of every app."""
    return plugins.merged("NOT_LISTED")


class Rules:
    """Who may see and change what, read off the base tables (never the selectors or the grants under test): the
    engine. The rules themselves are the apps' (``rules_class``)."""

    def __init__(self, world: World):
        self.world = world
        self.reload()

    def reload(self):
        self.tables = {}
        for _label, load in plugins.having("load"):
            self.tables.update(load(self))

    def rows(self, label) -> dict:
        return self.tables[label]

    def visible(self, label: str, persona: Persona) -> set:
        rule = getattr(self, visible_rules()[label])
        return rule(persona) if label in plugins.collect("PERSONAL") else rule(persona.orgs)

    def listed(self, label: str, persona: Persona) -> set:
        """What a list of ``label`` shows: what the persona may see, or, for the lists of the organization one
        works in (notifications, registrations, leads), what they may see there (the app's ``LISTED``)."""
        rule = plugins.merged("LISTED").get(label)
        return rule(self, persona) if rule else self.visible(label, persona)

    def mentionable(self, persona: Persona) -> set:
        """(label, pk) of every row whose marker may appear in a response to ``persona``: what they may see, plus what
        the apps' pages show on purpose (each app's ``mentionable``)."""
        seen = set()
        for label in visible_rules():
            seen |= {(label, pk) for pk in self.visible(label, persona)}
        if persona.user is not None:
            seen.add((USER, persona.user.pk))
        if not persona.orgs:
            return seen
        for _label, named in plugins.having("mentionable"):
            seen |= named(self, persona)
        return seen

    def forbidden_markers(self, persona: Persona) -> dict[str, tuple[str, int]]:
        allowed = self.mentionable(persona)
        return {marker: owner for marker, owner in self.world.markers.owner.items() if owner not in allowed}

    def judges(self, persona: Persona, before: "State", after: "State", changes, *, reads=False) -> dict:
        """Model label → the app's ``Changes`` that judges its rows (``reads``: those a read may change)."""
        made = []
        for _label, judge in plugins.having("Changes"):
            if not reads or getattr(judge, "READS", ()):
                made.append(judge(self, persona, before, after, changes))
        for judge in made:
            judge.judges = made
        return {label: j for j in made for label in (j.READS if reads else j.LABELS)}

    def changes(self, persona: Persona, before: "State", after: "State") -> list[str]:
        """What changed between two snapshots that ``persona`` may not change (empty: all allowed). Each changed row
        is judged by the app whose ``Changes`` claims its table; a row no app claims (people's accounts, groups,
        organization grants) no page of a tenant may change."""
        changes = changed(before, after)
        judges = self.judges(persona, before, after, changes)
        problems = []
        for label, pk in changes:
            judge = judges.get(label)
            if judge is None or not judge.ok(label, pk):
                problems.append(describe(before, after, label, pk))
        return problems

    def reads(self, persona: Persona, before: "State", after: "State") -> list[str]:
        """What a GET (or HEAD) changed that it may not: anything but what an app's ``Changes.read_ok`` allows
        (opening one's own notifications, allauth recording the person's own email address)."""
        changes = changed(before, after)
        judges = self.judges(persona, before, after, changes, reads=True)
        problems = []
        for label, pk in changes:
            judge = judges.get(label)
            if judge is None or not judge.read_ok(label, pk):
                problems.append(describe(before, after, label, pk))
        return problems


@cache
def rules_class() -> type:
    """The world's rules: the engine with every app's ``Rules`` mixin."""
    mixins = [mixin for _label, mixin in plugins.having("Rules")]
    return type("Rules", (*mixins, Rules), {})


# --- snapshots ------------------------------------------------------------------------------------------------


def local_models():
    """The models of our own apps (not the many-to-many tables Django makes for them)."""
    for config in plugins.project_apps():
        yield from config.get_models()


def snapshot_models():
    """Every table of our apps, the many-to-many ones Django makes for them included (a lead's products, a person's
    groups and permissions: ``include_auto_created``), and the tables of others that the apps' pages write
    (``SNAPSHOT_ALSO``)."""
    ours = {config.label for config in plugins.project_apps()}
    return [
        *(model for model in apps.get_models(include_auto_created=True) if model._meta.app_label in ours),
        *(apps.get_model(label) for label in plugins.collect("SNAPSHOT_ALSO")),
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
                skip = plugins.merged("SNAPSHOT_EXCLUDE").get(label, set())
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
