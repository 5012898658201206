"""``manage.py generate_scale_data``: a realistic channel at scale, fast, for the benchmarks in ``bench/``.

    python manage.py generate_scale_data --vendors 500 --partners 50000 --people 100000   # the full target
    python manage.py generate_scale_data --scale 0.01                                        # the 1 % data set

What it builds (the defaults are the full target; ``--scale`` multiplies them, explicit arguments win):

- vendors (popularity skewed: the largest has ~2 % of all partnerships, ~9,000 of them), each with a 3- or
  4-step tier ladder and ``--products-per-vendor`` products (some new in the last 30 days, some retired);
- distributors (one per ten vendors by default); most vendors sell through one to three of them;
- partner organizations, each working with ~10 vendors (so ~10 partnerships per partner): 72 % active,
  6 % applied, 4 % suspended, 10 % ended, 8 % declined, a share through a distributor, and for some pairs an
  older ended or declined partnership before the current one; their history as ``PartnershipEvent`` rows;
- people: a vendor's staff grows with its size, distributors have a few, every partner has an admin and the
  rest are spread over the partners; auth groups, memberships, group membership, verified email addresses.
  Everyone has the same password (one precomputed hash), printed at the end.
- the guardian grants exactly as ``vendors.services`` makes them: an organization's group has
  ``view_organization`` on it; on each partnership the vendor's group has ``view_records`` and
  ``manage_partnership``, the partner's group (and the distributor's, in two-tier) ``view_records``, plus
  ``access_program`` while the partnership is active. ``tests/bench/`` holds the generator to this.

It does not go through the services (500,000 partnerships one transaction each would take hours): it writes
rows in bulk with ids it allocates itself, with PostgreSQL's ``COPY`` (``bulk_create`` on other databases),
in one transaction, then resets the id sequences and runs ``VACUUM ANALYZE`` so that the planner knows the
sizes and index-only scans work at once. It adds to what the database holds (ids, slugs and emails are
new); for benchmarks use a dedicated, empty database (``--flush`` empties it first).

Capabilities that land later (deals, leads, MDF...) add their rows without editing this file: an installed
app with a ``scale_data`` module exposing ``generate(ctx: ScaleContext)`` is called after the channel is
built, with the writer, the generated partnerships and the scale (see ``ScaleContext``). The issue's target
for deals and leads is 2,000,000 each at full scale (``ctx.scale`` = 1.0): about four per partnership.
"""

import importlib
import importlib.util
import io
import math
import random
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from vendors import access
from vendors.models import (
    Distribution,
    Membership,
    Organization,
    OrganizationGroupObjectPermission,
    Partnership,
    PartnershipEvent,
    PartnershipGroupObjectPermission,
    Product,
    Tier,
)
from vendors.money import MINOR_UNITS

PASSWORD = "onepane-scale"
FULL = {"vendors": 500, "partners": 50_000, "people": 100_000}
VENDORS_PER_DISTRIBUTOR = 10
PRODUCTS_PER_VENDOR = 40
VENDORS_PER_PARTNER = 10  # mean; ~503,000 partnerships at full scale with the history rows
# Popularity of vendor i (0 = most popular) is 1 / (i + POPULARITY_OFFSET): with 500 vendors the largest
# gets ~1.9 % of the partnerships (~9,300 of 503,000), the median vendor ~500.
POPULARITY_OFFSET = 14
STATUS_MIX = [("active", 72), ("applied", 6), ("suspended", 4), ("ended", 10), ("declined", 8)]
HISTORY_SHARE = 0.006  # pairs with an older ended/declined partnership before the current one
TWO_TIER_SHARE = 0.35  # partnerships through a distributor, at vendors that have distributors
BATCH_PARTNERS = 5_000  # partners whose partnerships, grants and events are written together
COPY_ROWS = 100_000

Status = Partnership.Status
EventKind = PartnershipEvent.Kind
Role = Membership.Role
Kind = Organization.Kind

# --- words ------------------------------------------------------------------------------------------------

# fmt: off
VENDOR_WORDS = [
    "Acme", "Globex", "Stratus", "Hoshi", "Vertex", "Nimbus", "Quantum", "Helix", "Orion", "Polar", "Cobalt",
    "Zenith", "Summit", "Apex", "Lumen", "Nova", "Atlas", "Cirrus", "Krypton", "Meridian", "Halcyon", "Boreal",
    "Tessera", "Arcadia", "Solstice", "Kestrel", "Obsidian", "Sequoia", "Tundra", "Vireo", "Zephyr", "Aurora",
    "Basalt", "Calyx", "Dynamo", "Ember", "Fathom", "Granite", "Harbor", "Indigo", "Juniper", "Keystone",
    "Lodestar", "Monarch"
]
# fmt: on
VENDOR_TRADES = [
    ("Networks", ["Switching", "Routing", "Wireless", "Licences", "Support"]),
    ("Security", ["Firewalls", "Endpoint", "Access", "Subscriptions", "Services"]),
    ("Backup", ["SaaS backup", "Server backup", "Storage", "Disaster recovery", "Services"]),
    ("Imaging", ["Printers", "Multifunction", "Supplies", "Options", "Service plans"]),
    ("Cloud", ["Compute", "Storage", "Databases", "Licences", "Support"]),
    ("Storage", ["Arrays", "Drives", "Software", "Support", "Accessories"]),
    ("Telecom", ["Handsets", "Licences", "Gateways", "Headsets", "Services"]),
    ("Software", ["Licences", "Subscriptions", "Add-ons", "Training", "Support"]),
    ("Power", ["UPS", "PDUs", "Batteries", "Monitoring", "Service plans"]),
    ("Devices", ["Laptops", "Desktops", "Monitors", "Docks", "Warranty"]),
    ("Analytics", ["Licences", "Connectors", "Training", "Services", "Support"]),
    ("Collaboration", ["Meeting rooms", "Cameras", "Licences", "Headsets", "Services"]),
]
CURRENCIES = ["USD"] * 12 + ["EUR"] * 4 + ["GBP"] * 2 + ["CAD", "JPY"]
TIER_LADDERS = [
    [("Registered", 1, 10, False, 60), ("Silver", 2, 20, False, 90), ("Gold", 3, 30, True, 120)],
    [
        ("Registered", 1, 10, False, 60),
        ("Silver", 2, 18, False, 90),
        ("Gold", 3, 27, True, 120),
        ("Platinum", 4, 35, True, 180),
    ],
    [("Authorised", 1, 15, False, 90), ("Premier", 2, 25, True, 150), ("Elite", 3, 32, True, 180)],
]
TIER_MIX = [45, 30, 18, 7]  # share of partners in each tier, lowest first
# fmt: off
PARTNER_WORDS_A = [
    "Blue", "North", "Bright", "Iron", "Silver", "Red", "Green", "Swift", "Clear", "Prime", "True", "Smart",
    "First", "Rapid", "High", "Deep", "Open", "Next", "Core", "Peak", "West", "East", "South", "Oak", "Pine",
    "Cedar", "Maple", "Stone", "Sky", "Sun"
]
PARTNER_WORDS_B = [
    "bridge", "wave", "stone", "field", "point", "gate", "line", "path", "port", "star", "wind", "wood", "rock",
    "lake", "ridge", "view", "works", "forge", "logic", "way"
]
PARTNER_SUFFIXES = [
    "IT", "Solutions", "Systems", "Technologies", "Networks", "Consulting", "Group", "Partners", "Digital",
    "Computing", "Integration", "Services", "IT Services", "Managed Services", "Tech"
]
CITIES = [
    "Leeds", "Lyon", "Austin", "Denver", "Utrecht", "Hamburg", "Osaka", "Toronto", "Perth", "Porto", "Malmö",
    "Ghent", "Turin", "Boise", "Tulsa", "Cork", "Bergen", "Graz", "Nantes", "Calgary", "Adelaide", "Sevilla",
    "Dresden", "Omaha"
]
# fmt: on
COUNTRIES = ["US"] * 8 + ["GB"] * 3 + ["DE"] * 3 + ["FR"] * 2 + ["NL", "CA", "CA", "AU", "JP", "ES", "IT", "SE", "BE"]
# fmt: off
DISTRIBUTOR_WORDS = [
    "Northwind", "Ingram", "Tech", "Alliance", "Westcoast", "Exclusive", "Arrow", "Also", "Esprinet", "Bluechip",
    "Nordic"
]
FIRST_NAMES = [
    "Alex", "Riley", "Morgan", "Jordan", "Sam", "Taylor", "Casey", "Jamie", "Robin", "Avery", "Quinn", "Dana",
    "Charlie", "Emerson", "Finley", "Harper", "Hayden", "Kai", "Logan", "Parker", "Reese", "Rowan", "Sage",
    "Skyler", "Sophie", "Lars", "Priya", "Ethan", "Mei", "Hiro", "Aiko", "Lucas", "Emma", "Noah", "Olivia", "Liam",
    "Ava", "Mia", "Leo", "Nora", "Omar", "Sara", "Yusuf", "Ines", "Pablo", "Marta", "Jonas", "Anna", "Erik", "Lena",
    "Tom", "Zoe"
]
LAST_NAMES = [
    "Patel", "Blake", "Jansen", "Cole", "Raman", "Tanaka", "Sato", "Müller", "Schmidt", "Dubois", "Martin", "Rossi",
    "Garcia", "Lopez", "Smith", "Jones", "Brown", "Wilson", "Taylor", "Nguyen", "Kim", "Chen", "Singh", "Khan",
    "Novak", "Kowalski", "Larsen", "Berg", "Andersen", "Silva", "Costa", "Murphy", "Kelly", "Walsh", "Byrne",
    "Fischer", "Weber", "Meyer", "Bakker", "Visser", "de Vries", "O'Brien", "Hughes", "Evans", "Price", "Reed",
    "Ward", "Cooper", "Bell", "Hayes"
]
REGIONS = [
    "North America", "Western Europe", "Nordics", "DACH", "UK and Ireland", "Benelux", "Iberia", "APAC", "Japan",
    "Canada"
]
# fmt: on
REVENUES = ["", "Under $1M", "$1M – $10M", "$1M – $10M", "$10M – $50M", "$50M – $250M", "Over $250M"]
MESSAGES = [
    "We sell to mid-market customers in our region and want to add your line.",
    "Our customers keep asking for your products; we have two certified engineers ready.",
    "Managed service provider with 400 customers; we would bundle your subscriptions.",
    "We design and install networks for schools and hospitals and want a direct relationship.",
]
DECLINE_REASONS = [
    "We already have enough partners in your region.",
    "Please get one engineer certified first, then apply again.",
    "Your focus is outside our target market right now.",
]
SUSPEND_REASONS = ["Overdue certification.", "Unpaid invoices.", "Annual agreement not renewed.", ""]
END_REASONS = ["Partner stopped selling our line.", "Program restructured.", "Agreement expired.", ""]


# --- writing rows in bulk ---------------------------------------------------------------------------------

_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class Writer:
    """Writes tuples of column values to a model's table: ``COPY`` on PostgreSQL, ``bulk_create`` elsewhere.

    Fields not given take the model field's default (a new field with a default needs no change here; a new
    required field without one fails loudly, naming it).
    """

    def __init__(self, use_copy: bool):
        self.use_copy = use_copy
        self.counts: Counter = Counter()
        self.models: list = []

    def _columns(self, model, fields):
        concrete = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [name for name in fields if name not in concrete]
        if unknown:
            raise CommandError(f"{model.__name__} has no field(s) {', '.join(unknown)}.")
        extra = {}
        for name, f in concrete.items():
            if name in fields or (f.primary_key and f.get_internal_type().endswith("AutoField")):
                continue  # an id not given is the database's to assign
            default = f.get_default()
            if default is None and not f.null:
                raise CommandError(f"generate_scale_data does not fill {model.__name__}.{name}: add it.")
            extra[name] = default
        return concrete, extra

    def write(self, model, fields: tuple[str, ...], rows) -> int:
        concrete, extra = self._columns(model, fields)
        names = list(fields) + list(extra)
        tail = tuple(extra.values())
        if model not in self.models:
            self.models.append(model)
        n = 0
        if self.use_copy:
            table = connection.ops.quote_name(model._meta.db_table)
            cols = ", ".join(connection.ops.quote_name(concrete[name].column) for name in names)
            sql = f"COPY {table} ({cols}) FROM STDIN"
            buffer, pending = [], 0
            for row in rows:
                buffer.append("\t".join(map(_copy_value, row + tail)))
                pending += 1
                if pending >= COPY_ROWS:
                    self._copy(sql, buffer)
                    n += pending
                    buffer, pending = [], 0
            if pending:
                self._copy(sql, buffer)
                n += pending
        else:
            batch = []
            for row in rows:
                batch.append(model(**dict(zip(names, row + tail, strict=True))))
                if len(batch) >= 2_000:
                    model.objects.bulk_create(batch)
                    n += len(batch)
                    batch = []
            if batch:
                model.objects.bulk_create(batch)
                n += len(batch)
        self.counts[model._meta.label] += n
        return n

    @staticmethod
    def _copy(sql: str, lines: list[str]) -> None:
        data = "\n".join(lines) + "\n"
        with connection.cursor() as cursor:
            raw = cursor.cursor
            if hasattr(raw, "copy_expert"):  # psycopg2
                raw.copy_expert(sql, io.StringIO(data))
            else:  # psycopg 3
                with raw.copy(sql) as copy:
                    copy.write(data)

    def reset_sequences(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), self.models)
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


class Ids:
    """Allocates primary keys after the largest one each table holds, so rows can refer to each other
    before they are written (no ``RETURNING`` round trips)."""

    def __init__(self):
        self._next: dict = {}

    def take(self, model, n: int = 1) -> int:
        if model not in self._next:
            self._next[model] = (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        first = self._next[model]
        self._next[model] = first + n
        return first


# --- what other apps' generators get ----------------------------------------------------------------------


@dataclass
class ScaleContext:
    """Handed to ``<app>.scale_data.generate(ctx)`` after the channel is written (same transaction).

    ``partnerships`` holds, per generated partnership, parallel arrays of ids: ``partnership_ids``,
    ``vendor_ids``, ``partner_ids``, ``distributor_ids`` (0 = direct) and ``statuses`` (index into
    ``Partnership.Status.values``). ``people`` maps an organization id to its people's user ids (admin first).
    Write with ``ctx.writer.write(Model, fields, rows)`` and allocate ids with ``ctx.ids.take(Model, n)``.
    """

    writer: Writer
    ids: Ids
    rng: random.Random
    now: datetime
    scale: float
    vendor_ids: list[int]
    partner_ids: list[int]
    distributor_ids: list[int]
    people: dict[int, list[int]]
    partnership_ids: array = field(default_factory=lambda: array("q"))
    vendor_of: array = field(default_factory=lambda: array("q"))
    partner_of: array = field(default_factory=lambda: array("q"))
    distributor_of: array = field(default_factory=lambda: array("q"))
    statuses: array = field(default_factory=lambda: array("b"))


def capability_generators() -> list:
    """``generate`` of every installed app that has a ``scale_data`` module (deals, leads... when they land)."""
    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.scale_data"
        if config.name == "vendors" or importlib.util.find_spec(config.name) is None:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except ModuleNotFoundError:
            spec = None
        if spec is not None:
            found.append(importlib.import_module(name).generate)
    return found


# --- the command ------------------------------------------------------------------------------------------


@dataclass
class Org:
    id: int
    group_id: int
    name: str
    slug: str
    kind: str
    people: list[int] = field(default_factory=list)


class Command(BaseCommand):
    help = "Build a realistic channel at scale (bulk inserts / COPY, guardian grants included) for bench/."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="Fraction of the full target (0.01 = 1 %%).")
        parser.add_argument("--vendors", type=int, help=f"Vendors (full: {FULL['vendors']}).")
        parser.add_argument("--partners", type=int, help=f"Partner organizations (full: {FULL['partners']}).")
        parser.add_argument("--people", type=int, help=f"People across all organizations (full: {FULL['people']}).")
        parser.add_argument("--distributors", type=int, help="Distributors (default: one per ten vendors).")
        parser.add_argument("--products-per-vendor", type=int, default=PRODUCTS_PER_VENDOR)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--flush", action="store_true", help="Empty the whole database first (manage.py flush).")

    def handle(self, *args, **opts):
        scale = opts["scale"]
        if scale <= 0:
            raise CommandError("--scale must be positive.")
        n_vendors = opts["vendors"] if opts["vendors"] is not None else max(1, round(FULL["vendors"] * scale))
        n_partners = opts["partners"] if opts["partners"] is not None else max(1, round(FULL["partners"] * scale))
        n_people = opts["people"] if opts["people"] is not None else max(1, round(FULL["people"] * scale))
        n_distributors = opts["distributors"]
        if n_distributors is None:
            n_distributors = max(1, round(n_vendors / VENDORS_PER_DISTRIBUTOR))
        if n_vendors < 1 or n_partners < 0 or n_distributors < 0 or opts["products_per_vendor"] < 0:
            raise CommandError("Counts must not be negative, and there is at least one vendor.")
        minimum = 2 * n_vendors + n_distributors + n_partners
        if n_people < minimum:
            raise CommandError(f"--people must be at least {minimum}: every organization needs its admin.")
        if opts["flush"]:
            call_command("flush", interactive=False, verbosity=0)
        self.verbosity = opts["verbosity"]
        self.rng = random.Random(opts["seed"])
        self.now = timezone.now().replace(microsecond=0)
        self.writer = Writer(use_copy=connection.vendor == "postgresql")
        self.ids = Ids()
        self.scale = n_partners / FULL["partners"]
        started = time.monotonic()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO off")
            self.perm = {
                "org": access.permission_id(Organization, access.VIEW_ORGANIZATION),
                access.VIEW_RECORDS: access.permission_id(Partnership, access.VIEW_RECORDS),
                access.ACCESS_PROGRAM: access.permission_id(Partnership, access.ACCESS_PROGRAM),
                access.MANAGE_PARTNERSHIP: access.permission_id(Partnership, access.MANAGE_PARTNERSHIP),
            }
            self._step("organizations and groups", self._organizations, n_vendors, n_distributors, n_partners)
            self._step("people, memberships, groups", self._people, n_people)
            self._step("tiers, products, distributions", self._programs, opts["products_per_vendor"])
            self._step("partnerships, grants, events", self._partnerships)
            ctx = self._context()
            for generate in capability_generators():
                self._step(f"{generate.__module__}", generate, ctx)
            self.writer.reset_sequences()
            committing = time.monotonic()
        if self.verbosity:  # the deferred foreign key checks run at the commit
            self.stdout.write(f"  commit: {time.monotonic() - committing:.1f} s")
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self._step("vacuum analyze", self._vacuum)
        elapsed = time.monotonic() - started
        self._report(elapsed)

    # --- steps --------------------------------------------------------------------------------------------

    def _step(self, label, fn, *args):
        t = time.monotonic()
        fn(*args)
        if self.verbosity:
            self.stdout.write(f"  {label}: {time.monotonic() - t:.1f} s")

    def _past(self, max_days: float, min_days: float = 0.0) -> datetime:
        return self.now - timedelta(seconds=int(self.rng.uniform(min_days, max_days) * 86400))

    def _organizations(self, n_vendors, n_distributors, n_partners):
        rng = self.rng
        total = n_vendors + n_distributors + n_partners
        first_org = self.ids.take(Organization, total)
        first_group = self.ids.take(Group, total)
        self.vendors, self.distributors, self.partners = [], [], []
        self.vendor_meta = {}
        combos = [(w, t) for t in range(len(VENDOR_TRADES)) for w in VENDOR_WORDS]
        rng.shuffle(combos)
        rows, groups, grants = [], [], []
        for i in range(total):
            org_id, group_id = first_org + i, first_group + i
            if i < n_vendors:
                kind = Kind.VENDOR
                word, trade = combos[i % len(combos)]
                name = f"{word} {VENDOR_TRADES[trade][0]}" + (f" {i // len(combos) + 1}" if i >= len(combos) else "")
                self.vendor_meta[org_id] = {"word": word, "trade": trade, "currency": rng.choice(CURRENCIES)}
            elif i < n_vendors + n_distributors:
                kind = Kind.DISTRIBUTOR
                j = i - n_vendors
                name = f"{DISTRIBUTOR_WORDS[j % len(DISTRIBUTOR_WORDS)]} Distribution"
                name += f" {rng.choice(CITIES)}" if j >= len(DISTRIBUTOR_WORDS) else ""
            else:
                kind = Kind.PARTNER
                name = f"{rng.choice(PARTNER_WORDS_A)}{rng.choice(PARTNER_WORDS_B)} {rng.choice(PARTNER_SUFFIXES)}"
                if rng.random() < 0.4:
                    name += f" {rng.choice(CITIES)}"
            slug = f"{slugify(name)[:60]}-{org_id}"
            org = Org(org_id, group_id, name, slug, kind)
            {Kind.VENDOR: self.vendors, Kind.DISTRIBUTOR: self.distributors, Kind.PARTNER: self.partners}[kind].append(
                org
            )
            is_vendor = kind == Kind.VENDOR
            rows.append(
                (
                    org_id,
                    name,
                    slug,
                    kind,
                    Organization.Status.SUSPENDED if kind == Kind.PARTNER and rng.random() < 0.003 else "active",
                    f"https://{slug}.example",
                    rng.choice(COUNTRIES),
                    self._description(kind, name),
                    group_id,
                    is_vendor and rng.random() < 0.9,
                    "Resellers and MSPs with certified engineers and a named sales contact." if is_vendor else "",
                    self._past(6 * 365, 3 * 365),
                )
            )
            groups.append((group_id, f"org:{slug}"))
            grants.append((group_id, self.perm["org"], org_id))
        self.writer.write(Group, ("id", "name"), groups)
        fields = (
            "id",
            "name",
            "slug",
            "kind",
            "status",
            "website",
            "country",
            "description",
            "group_id",
            "accepts_applications",
            "program_criteria",
            "created_at",
        )
        self.writer.write(Organization, fields, rows)
        self.writer.write(
            OrganizationGroupObjectPermission, ("group_id", "permission_id", "content_object_id"), iter(grants)
        )

    def _description(self, kind, name):
        if kind == Kind.VENDOR:
            return f"{name}: products and services sold through resellers, MSPs and distributors."
        if kind == Kind.DISTRIBUTOR:
            return "Two-tier distribution: credit, logistics and pre-sales for resellers."
        return ""

    def _popularity(self):
        """Cumulative weights over vendors, most popular first."""
        cum, total = [], 0.0
        for i in range(len(self.vendors)):
            total += 1.0 / (i + POPULARITY_OFFSET)
            cum.append(total)
        return cum

    def _people(self, n_people):
        rng = self.rng
        cum = self._popularity()
        top = 1.0 / POPULARITY_OFFSET
        staff = {}
        for i, v in enumerate(self.vendors):
            weight = cum[i] - (cum[i - 1] if i else 0.0)
            staff[v.id] = 3 + int(27 * weight / top)
        for d in self.distributors:
            staff[d.id] = 6
        for p in self.partners:
            staff[p.id] = 1
        spare = n_people - sum(staff.values())
        if spare < 0:  # few people: vendors and distributors keep an admin and a manager
            for org in self.vendors + self.distributors:
                staff[org.id] = 2
            spare = n_people - sum(staff.values())
        receivers = self.partners or self.vendors
        for org in rng.choices(receivers, k=spare):
            staff[org.id] += 1
        orgs = self.vendors + self.distributors + self.partners
        first_user = self.ids.take(get_user_model(), n_people)
        first_membership = self.ids.take(Membership, n_people)
        first_link = self.ids.take(get_user_model().groups.through, n_people)
        password = make_password(PASSWORD)
        users, memberships, links, emails = [], [], [], []
        uid = first_user
        for org in orgs:
            domain = f"{org.slug}.example"
            for k in range(staff[org.id]):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                email = f"{slugify(first)}.{slugify(last)}.{uid}@{domain}"
                if k == 0:
                    role = Role.ADMIN
                elif k == 1 and org.kind != Kind.PARTNER:
                    role = Role.MANAGER
                else:
                    role = Role.MANAGER if rng.random() < 0.3 else Role.MEMBER
                joined = self._past(3 * 365)
                users.append((uid, password, None, False, email, first, last, False, True, joined, email))
                i = uid - first_user
                memberships.append((first_membership + i, org.id, uid, role, joined))
                links.append((first_link + i, uid, org.group_id))
                emails.append((uid, email, True, True))
                org.people.append(uid)
                uid += 1
        user_fields = (
            "id",
            "password",
            "last_login",
            "is_superuser",
            "username",
            "first_name",
            "last_name",
            "is_staff",
            "is_active",
            "date_joined",
            "email",
        )
        self.writer.write(get_user_model(), user_fields, users)
        self.writer.write(get_user_model().groups.through, ("id", "user_id", "group_id"), links)
        self.writer.write(Membership, ("id", "organization_id", "user_id", "role", "joined_at"), memberships)
        if apps.is_installed("allauth.account"):
            from allauth.account.models import EmailAddress

            first_email = self.ids.take(EmailAddress, len(emails))
            self.writer.write(
                EmailAddress,
                ("id", "user_id", "email", "verified", "primary"),
                ((first_email + i, *row) for i, row in enumerate(emails)),
            )

    def _programs(self, products_per_vendor):
        rng = self.rng
        tiers, products, distributions = [], [], []
        self.tiers = {}  # vendor id -> [(tier id, name)], lowest first
        first_tier = self.ids.take(Tier, 4 * len(self.vendors))
        tid = first_tier
        first_product = self.ids.take(Product, products_per_vendor * len(self.vendors))
        pid = first_product
        for v in self.vendors:
            meta = self.vendor_meta[v.id]
            ladder = TIER_LADDERS[v.id % len(TIER_LADDERS)]
            shift = rng.choice([-2, 0, 0, 2, 4])
            self.tiers[v.id] = []
            for name, rank, discount, mdf, protection in ladder:
                tiers.append(
                    (
                        tid,
                        v.id,
                        name,
                        rank,
                        Decimal(discount + shift),
                        mdf,
                        protection,
                        f"{name}: certified people and annual revenue with {v.name}.",
                    )
                )
                self.tiers[v.id].append((tid, name))
                tid += 1
            currency = meta["currency"]
            categories = VENDOR_TRADES[meta["trade"]][1]
            code = f"{meta['word'][:3].upper()}{v.id}"
            exponent = Decimal(1).scaleb(-MINOR_UNITS[currency])
            factor = 150 if currency == "JPY" else 1
            for k in range(products_per_vendor):
                category = categories[k % len(categories)]
                price = Decimal(str(math.exp(rng.uniform(math.log(10), math.log(20_000))) * factor))
                created = self._past(30) if rng.random() < 0.05 else self._past(3 * 365, 30)
                products.append(
                    (
                        pid,
                        v.id,
                        f"{code}-{k + 1:04d}",
                        f"{meta['word']} {category} {100 * (k // len(categories) + 1) + k % 7 * 10}",
                        f"{category} from {v.name}.",
                        category,
                        price.quantize(exponent),
                        currency,
                        rng.random() >= 0.04,
                        created,
                        created,
                    )
                )
                pid += 1
        self.writer.write(
            Tier,
            (
                "id",
                "vendor_id",
                "name",
                "rank",
                "discount_percent",
                "mdf_eligible",
                "deal_protection_days",
                "requirements",
            ),
            tiers,
        )
        self.writer.write(
            Product,
            (
                "id",
                "vendor_id",
                "sku",
                "name",
                "description",
                "category",
                "list_price",
                "currency",
                "active",
                "created_at",
                "updated_at",
            ),
            products,
        )
        # Most vendors sell through one to three distributors (two-tier); a few stopped with one.
        self.channels = {}  # vendor id -> [distributor], active distributions only
        if self.distributors:
            first = self.ids.take(Distribution, 3 * len(self.vendors))
            did = first
            for v in self.vendors:
                count = rng.choice([0, 0, 1, 1, 2, 2, 3])
                chosen = rng.sample(self.distributors, min(count, len(self.distributors)))
                self.channels[v.id] = []
                for n, d in enumerate(chosen):
                    active = not (n == 2 and rng.random() < 0.3)
                    uplift = Decimal(rng.choice(["2", "3", "4", "5", "6", "7.5"]))
                    distributions.append((did, v.id, d.id, uplift, active, self._past(4 * 365, 365)))
                    did += 1
                    if active:
                        self.channels[v.id].append(d)
            self.writer.write(
                Distribution,
                ("id", "vendor_id", "distributor_id", "uplift_percent", "active", "created_at"),
                distributions,
            )

    def _partnerships(self):
        rng = self.rng
        cum = self._popularity()
        n_vendors = len(self.vendors)
        status_values = [s for s, _ in STATUS_MIX]
        status_weights = [w for _, w in STATUS_MIX]
        self.generated = ScaleContext(
            writer=self.writer,
            ids=self.ids,
            rng=rng,
            now=self.now,
            scale=self.scale,
            vendor_ids=[v.id for v in self.vendors],
            partner_ids=[p.id for p in self.partners],
            distributor_ids=[d.id for d in self.distributors],
            people={o.id: o.people for o in self.vendors + self.distributors + self.partners},
        )
        status_index = {s: i for i, s in enumerate(Status.values)}
        for start in range(0, len(self.partners), BATCH_PARTNERS):
            edges = []  # (vendor, partner, status, history)
            for partner in self.partners[start : start + BATCH_PARTNERS]:
                wanted = max(1, min(n_vendors, round(rng.gauss(VENDORS_PER_PARTNER, 4))))
                for vendor in self._sample_vendors(wanted, cum):
                    if rng.random() < HISTORY_SHARE:
                        edges.append((vendor, partner, rng.choice([Status.ENDED, Status.DECLINED]), True))
                    edges.append((vendor, partner, rng.choices(status_values, status_weights)[0], False))
            first = self.ids.take(Partnership, len(edges))
            first_event = self.ids.take(PartnershipEvent, 4 * len(edges))
            rows, grants, events = [], [], []
            for n, (vendor, partner, status, history) in enumerate(edges):
                pk = first + n
                row, row_events = self._partnership(pk, vendor, partner, status, history)
                rows.append(row)
                events.extend(row_events)
                distributor = row[3]
                view, program, manage = (
                    self.perm[access.VIEW_RECORDS],
                    self.perm[access.ACCESS_PROGRAM],
                    self.perm[access.MANAGE_PARTNERSHIP],
                )
                grants.append((vendor.group_id, view, pk))
                grants.append((vendor.group_id, manage, pk))
                sides = [partner.group_id]
                if distributor:
                    sides.append(self.distributor_groups[distributor])
                for group_id in sides:
                    grants.append((group_id, view, pk))
                    if status == Status.ACTIVE:
                        grants.append((group_id, program, pk))
                g = self.generated
                g.partnership_ids.append(pk)
                g.vendor_of.append(vendor.id)
                g.partner_of.append(partner.id)
                g.distributor_of.append(distributor or 0)
                g.statuses.append(status_index[status])
            self.writer.write(
                Partnership,
                (
                    "id",
                    "vendor_id",
                    "partner_id",
                    "distributor_id",
                    "tier_id",
                    "status",
                    "application_message",
                    "application_region",
                    "application_annual_revenue",
                    "decline_reason",
                    "status_reason",
                    "applied_at",
                    "started_at",
                    "suspended_at",
                    "ended_at",
                    "declined_at",
                    "updated_at",
                ),
                rows,
            )
            self.writer.write(
                PartnershipGroupObjectPermission, ("group_id", "permission_id", "content_object_id"), grants
            )
            self.writer.write(
                PartnershipEvent,
                ("id", "partnership_id", "kind", "actor_id", "detail", "created_at"),
                ((first_event + i, *e) for i, e in enumerate(events)),
            )
            if self.verbosity > 1:
                self.stdout.write(f"    partners {start + BATCH_PARTNERS:,}: {len(edges):,} partnerships")

    @property
    def distributor_groups(self):
        if not hasattr(self, "_distributor_groups"):
            self._distributor_groups = {d.id: d.group_id for d in self.distributors}
        return self._distributor_groups

    def _sample_vendors(self, wanted, cum):
        """``wanted`` distinct vendors, drawn by popularity."""
        if wanted >= len(self.vendors):
            chosen = list(self.vendors)
            self.rng.shuffle(chosen)
            return chosen
        seen, chosen = set(), []
        while len(chosen) < wanted:
            for i in self.rng.choices(range(len(self.vendors)), cum_weights=cum, k=2 * (wanted - len(chosen))):
                if i not in seen:
                    seen.add(i)
                    chosen.append(self.vendors[i])
                    if len(chosen) == wanted:
                        break
        return chosen

    def _partnership(self, pk, vendor, partner, status, history):
        """One partnership row and its events, with dates that tell its story."""
        rng = self.rng
        now = self.now
        ladder = self.tiers[vendor.id]
        vendor_actor = vendor.people[1] if len(vendor.people) > 1 else vendor.people[0]
        partner_actor = partner.people[0]
        if status == Status.APPLIED:
            applied = self._past(60)
        elif history:
            applied = self._past(5 * 365, 3 * 365)
        else:
            applied = self._past(3 * 365, 14)
        channels = self.channels.get(vendor.id) or []
        distributor = rng.choice(channels).id if channels and rng.random() < TWO_TIER_SHARE else None
        tier_id = None
        started = suspended = ended = declined = None
        decline_reason = status_reason = ""
        events = [(pk, EventKind.APPLIED, partner_actor, "", applied)]

        def after(moment, max_days):
            later = moment + timedelta(seconds=int(rng.uniform(0.5, max_days) * 86400))
            return min(later, now - timedelta(minutes=5))

        if status == Status.DECLINED:
            declined = after(applied, 14)
            decline_reason = rng.choice(DECLINE_REASONS)
            events.append((pk, EventKind.DECLINED, vendor_actor, decline_reason, declined))
        elif status != Status.APPLIED:
            k = rng.choices(range(len(ladder)), TIER_MIX[: len(ladder)])[0]
            tier_id, tier_name = ladder[k]
            started = after(applied, 21)
            events.append((pk, EventKind.APPROVED, vendor_actor, f"Approved into {tier_name}.", started))
            if k + 1 < len(ladder) and rng.random() < 0.12:  # promoted since, some recently
                moved = after(started, (now - started).days + 1)
                tier_id, new_name = ladder[k + 1]
                events.append((pk, EventKind.TIER_CHANGED, vendor_actor, f"{tier_name} → {new_name}", moved))
            if status == Status.SUSPENDED:
                suspended = after(started, max(2, (now - started).days))
                status_reason = rng.choice(SUSPEND_REASONS)
                events.append((pk, EventKind.SUSPENDED, vendor_actor, status_reason, suspended))
            elif status == Status.ENDED:
                ended = after(started, max(2, (now - started).days if not history else 300))
                status_reason = rng.choice(END_REASONS)
                events.append((pk, EventKind.ENDED, vendor_actor, status_reason, ended))
        updated = max(e[4] for e in events)
        row = (
            pk,
            vendor.id,
            partner.id,
            distributor,
            tier_id,
            status,
            rng.choice(MESSAGES),
            rng.choice(REGIONS),
            rng.choice(REVENUES),
            decline_reason,
            status_reason,
            applied,
            started,
            suspended,
            ended,
            declined,
            updated,
        )
        return row, events

    def _context(self) -> ScaleContext:
        return self.generated

    def _vacuum(self):
        tables = [model._meta.db_table for model in self.writer.models]
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")

    def _report(self, elapsed):
        if not self.verbosity:
            return
        for label, n in sorted(self.writer.counts.items()):
            self.stdout.write(f"  {label}: {n:,} rows")
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {len(self.vendors):,} vendors, {len(self.distributors):,} distributors, "
                f"{len(self.partners):,} partners, {self.writer.counts[Partnership._meta.label]:,} partnerships "
                f"in {elapsed:.0f} s ({connection.vendor}). Everyone's password: {PASSWORD}"
            )
        )
        db = settings.DATABASES["default"].get("NAME")
        self.stdout.write(f"Database: {db}. Measure it with bench/run (see README, Benchmarks).")
