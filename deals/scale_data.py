"""Deal registrations for ``manage.py generate_scale_data``: what two to three years of a busy channel registered.

About 2,000,000 registrations at full scale (``ctx.scale`` multiplies), four to five per partnership that can
hold them: on active partnerships, and (older ones) on suspended and ended partnerships; none on applications
or declined ones. Bigger vendors get more per partnership, and partners differ a lot in how active they are
(a lognormal "activity", some nearly dormant), so a few partners register hundreds and most a handful.

The rows are the ones ``deals.services`` would have left behind:

- Status mix (on active partnerships; ended/suspended ones lean to expired and rejected), overall ~8 % draft,
  12 % submitted, 3 % information requested, 45 % approved, 12 % rejected, 20 % expired. Dates tell the story,
  inside the partnership's life: created → submitted (some after an information round trip: the question is in
  the thread too) → approved for the tier's protection days (sometimes the vendor's own) → the beat job's
  warnings 14 and 3 days before → expired. No automatic approvals: no vendor has ``DealRules`` here.
- Stage coherent with the status: approved ones still protected (expiry from a day past due, the beat job not
  yet run, to ~90 days ahead) are qualifying, proposal or negotiation; won and lost ones were closed while
  protected (won and lost deals do not expire), or marked so after expiring; a few rejected ones are lost.
  ``closed_at`` and ``lost_reason`` follow.
- Customers come from a pool of invented companies (name, legal form, web domain, country); popular ones recur
  across partners of the same vendor, but at most one registration *holds* a customer at a vendor (open, not
  lost) except the planted conflicts: ~2 % of open registrations, in pairs of two partners of one vendor
  sharing the customer and a product, at most one of them approved, both flagged ``has_conflict`` with an
  unresolved ``DealConflict``; plus older pairs resolved by rejecting the newer one. ``queue``: 0 for a
  conflicted pending review, 1 for another pending review, 2 otherwise. ``customer_domain``,
  ``customer_domain_stem`` and ``customer_name_key`` are ``deals.matching``'s, computed once per pool entry.
  (Different companies with similar names are not cross-checked by trigram similarity.)
- 1–3 lines per registration from the vendor's products that existed when it was created (still active if it
  is current), at the partner's buy price (``vendors.money.partner_price``: the tier's discount, plus the
  distributor's uplift in two-tier); ``amount`` is their sum in the products' currency.
- History (``DealEvent``, the services' kinds, fields and labels) and comments on about a quarter.

Planning (numbers in arrays, vendor by vendor, so the customers a vendor's registrations hold are known) and
writing are two passes: rows are written in the order they were created, as a real table fills, so that no
list gets the help of a physical order (ids, and the heap, follow ``created_at``). On PostgreSQL the deal
tables are loaded without their secondary indexes and foreign keys, which are rebuilt at the end.
"""

import bisect
from array import array
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import connection

from core import tallies
from deals import matching
from deals.models import DealComment, DealConflict, DealEvent, DealLine, DealRegistration
from deals.tallies import DEAL_TOTALS
from vendors.management.commands.generate_scale_data import COUNTRIES, FIRST_NAMES, LAST_NAMES
from vendors.models import Distribution, Organization, Partnership, Product, Tier
from vendors.money import partner_price, quantize

FULL_DEALS = 2_000_000
POOL_FULL = 250_000  # companies that partners register, at full scale
CONFLICT_SHARE = 0.02  # of open registrations, flagged (in pairs)
CHUNK = 50_000  # registrations written together with their lines, history, comments and conflicts
DAY = 86_400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_DAY = date(1970, 1, 1).toordinal()

# Status codes in the plan arrays (index into STATUS_VALUES) and the mixes they are drawn from.
DRAFT, SUBMITTED, INFO, APPROVED, REJECTED, EXPIRED = range(6)
STATUS_VALUES = ["draft", "submitted", "info_requested", "approved", "rejected", "expired"]
MIX_ACTIVE = [8, 12, 3, 47, 12, 18]  # with the past partnerships' share: ~8/12/3/45/13/20 % overall
MIX_PAST = [4, 3, 1, 20, 25, 47]  # on suspended/ended partnerships: approved becomes expired once protection ran out
PENDING = (SUBMITTED, INFO)
OPEN = (SUBMITTED, INFO, APPROVED)
QUALIFYING, PROPOSAL, NEGOTIATION, WON, LOST = range(5)
STAGE_VALUES = ["qualifying", "proposal", "negotiation", "won", "lost"]
STAGE_MIX = {
    DRAFT: [65, 28, 7, 0, 0],
    SUBMITTED: [60, 30, 10, 0, 0],
    INFO: [60, 30, 10, 0, 0],
    APPROVED: [20, 28, 25, 18, 9],
    REJECTED: [55, 25, 8, 0, 12],
    EXPIRED: [25, 25, 20, 8, 22],  # the stage when it expired; some marked won or lost since
}
# Flags of a planned registration.
INFO_ROUND, LEGAL_FORM, CONFLICT, RESOLVED = 2, 4, 8, 128  # CONFLICT: unresolved; RESOLVED: the newer was rejected
WEB_SHIFT = 4  # bits 4-6: how the partner typed the website (0: not at all)

# --- the customers ----------------------------------------------------------------------------------------

# fmt: off
SYLLABLES = [
    "ka", "ri", "on", "ve", "lo", "mar", "tex", "ne", "sol", "dra", "qui", "bel", "tor", "zen", "ax", "ly", "pho",
    "ra", "ti", "gen", "cor", "vi", "da", "mo", "lu", "fen", "gra", "ho", "sy", "no",
]
INDUSTRIES = [
    "Foods", "Logistics", "Health", "Energy", "Motors", "Retail", "Bank", "Insurance", "Pharma", "Textiles",
    "Media", "Telecom", "Airlines", "Hotels", "Chemicals", "Steel", "Software", "Capital", "Labs", "Foundry",
    "Marine", "Farms", "Realty", "Clinics", "Schools", "University", "City Council", "Hospital", "Manufacturing",
    "Engineering",
]
# fmt: on
PUBLIC = {"Schools", "University", "City Council", "Hospital"}
TLDS = {
    "US": "com", "GB": "co.uk", "DE": "de", "FR": "fr", "NL": "nl", "CA": "ca", "AU": "com.au", "JP": "co.jp",
    "ES": "es", "IT": "it", "SE": "se", "BE": "be",
}  # fmt: skip
LEGAL_FORMS = {
    "US": ["Inc.", "LLC", "Corp."], "GB": ["Ltd", "plc"], "DE": ["GmbH", "AG"], "FR": ["SA", "SAS"],
    "NL": ["BV", "NV"], "CA": ["Inc.", "Ltd"], "AU": ["Pty Ltd"], "JP": ["KK"], "ES": ["SL", "SA"],
    "IT": ["SpA", "Srl"], "SE": ["AB"], "BE": ["NV", "SA"],
}  # fmt: skip
PHONE_PREFIXES = {
    "US": "+1", "CA": "+1", "GB": "+44", "DE": "+49", "FR": "+33", "NL": "+31", "AU": "+61", "JP": "+81",
    "ES": "+34", "IT": "+39", "SE": "+46", "BE": "+32",
}  # fmt: skip
TITLES = [
    "{customer}: {category} refresh",
    "{customer}: {qty} × {product}",
    "{customer} – {category} rollout",
    "{customer}: {category} for the new {city} site",
    "{customer}: {category} renewal",
    "{customer}: {category}, phase 2",
    "{customer} – {category} consolidation",
]
CITIES = ["Leeds", "Lyon", "Austin", "Denver", "Utrecht", "Hamburg", "Osaka", "Toronto", "Perth", "Porto", "Malmö"]
NOTES = [
    "Customer's budget is approved for this fiscal year.",
    "We ran the proof of concept last quarter; the IT director is our sponsor.",
    "Competing against a direct offer; a fast answer would help.",
    "Public tender, closing date in the RFP.",
    "Replacing a competitor's installed base.",
]
LOST_REASONS = [
    "Lost on price to a competitor.",
    "Customer postponed the project to next year.",
    "Customer chose another vendor.",
    "No budget after all.",
    "Customer bought directly from the vendor.",
]
REJECT_REASONS = [
    "Another partner registered this customer first.",
    "The customer is a direct account.",
    "Not enough detail about the opportunity.",
    "Outside your program's territory.",
    "Duplicate of an earlier registration.",
]
QUESTIONS = [
    "Who is the decision maker at the customer?",
    "Please attach the customer's RFP or your quote.",
    "Which competitors are involved?",
    "What is the customer's timeline for the purchase?",
]
PARTNER_COMMENTS = [
    "Customer confirmed the scope, quote attached to our CRM.",
    "Meeting with procurement next week.",
    "Could your SE join the technical workshop?",
    "The customer asked for a 3-year term.",
    "Decision moved by a month, still on track.",
]
VENDOR_COMMENTS = [
    "Thanks, our account manager for the region is in copy.",
    "We can offer an extra 5 % for a 3-year term.",
    "Please keep the close date current.",
    "Our SE is available Tuesday or Thursday.",
]
DISTRIBUTOR_COMMENTS = ["Stock is reserved for this deal.", "Credit line approved for the customer's order."]


def _stems() -> list[str]:
    found = {a + b for a in SYLLABLES for b in SYLLABLES}
    found |= {a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES}
    return sorted(found)


class Customers:
    """The pool: parallel lists per company, the matching keys computed once (as ``deals.matching`` does)."""

    def __init__(self, rng, size: int):
        stems = _stems()
        combos = len(stems) * len(INDUSTRIES)
        chosen = rng.sample(range(combos), min(size, combos))
        self.size = len(chosen)
        self.names, self.legal, self.countries, self.websites = [], [], [], []
        self.keys, self.legal_keys, self.domains, self.domain_stems = [], [], [], []
        for n in chosen:
            stem, industry = stems[n // len(INDUSTRIES)], INDUSTRIES[n % len(INDUSTRIES)]
            country = rng.choice(COUNTRIES)
            name = f"{stem.capitalize()} {industry}"
            legal = "" if industry in PUBLIC else rng.choice(LEGAL_FORMS[country])
            tld = "com" if country == "US" or rng.random() < 0.3 else TLDS[country]
            website = f"{stem}{industry.lower().replace(' ', '')}.{tld}"
            domain, domain_stem = matching.domain_parts(website)
            self.names.append(name)
            self.legal.append(f"{name} {legal}" if legal else name)
            self.countries.append(country)
            self.websites.append(website)
            self.keys.append(matching.name_key(name))
            self.legal_keys.append(matching.name_key(self.legal[-1]))
            self.domains.append(domain)
            self.domain_stems.append(domain_stem)

    def draw(self, rng) -> int:
        """A company, the popular ones (low indices) far more often."""
        return min(self.size - 1, int(self.size * rng.random() ** 2.2))


# --- what the channel holds -------------------------------------------------------------------------------


class Channel:
    """What the plan needs of the generated channel, read back once from the rows just written."""

    def __init__(self, ctx):
        statuses = Partnership.Status.values
        self.eligible = {statuses.index(s) for s in ("active", "suspended", "ended")}
        self.active = statuses.index("active")
        ids = ctx.partnership_ids
        self.detail = {}
        if len(ids):
            rows = (
                Partnership.objects.filter(
                    id__gte=min(ids), id__lte=max(ids), status__in=["active", "suspended", "ended"]
                )
                .values_list("id", "tier_id", "started_at", "suspended_at", "ended_at")
                .order_by()
                .iterator(chunk_size=20_000)
            )
            for pk, tier_id, started, suspended, ended in rows:
                end = ended or suspended
                self.detail[pk] = (tier_id, started.timestamp(), end.timestamp() if end else 0.0)
        self.tiers = {
            pk: (discount, protection)
            for pk, discount, protection in Tier.objects.filter(vendor_id__in=ctx.vendor_ids).values_list(
                "id", "discount_percent", "deal_protection_days"
            )
        }
        self.uplifts = {
            (v, d): uplift
            for v, d, uplift in Distribution.objects.filter(vendor_id__in=ctx.vendor_ids).values_list(
                "vendor_id", "distributor_id", "uplift_percent"
            )
        }
        # Per vendor, products by creation time: created (ts), id; and per product its facts.
        self.products: dict[int, tuple[list[float], list[int]]] = {}
        self.product = {}
        rows = (
            Product.objects.filter(vendor_id__in=ctx.vendor_ids)
            .order_by("vendor_id", "created_at", "id")
            .values_list("id", "vendor_id", "sku", "name", "category", "list_price", "currency", "active", "created_at")
        )
        for pk, vendor_id, sku, name, category, price, currency, active, created in rows:
            times, pks = self.products.setdefault(vendor_id, ([], []))
            times.append(created.timestamp())
            pks.append(pk)
            self.product[pk] = (sku, name, category, price, currency, active, float(price))
        self._prices = {}
        self.vendor_names = dict(Organization.objects.filter(id__in=ctx.vendor_ids).values_list("id", "name"))

    def buy_price(self, product_id: int, discount: Decimal, uplift: Decimal) -> Decimal:
        key = (product_id, discount, uplift)
        price = self._prices.get(key)
        if price is None:
            _, _, _, list_price, currency, _, _ = self.product[product_id]
            price = partner_price(
                list_price=list_price, currency=currency, discount_percent=discount, uplift_percent=uplift
            ).buy_price
            self._prices[key] = price
        return price


# --- the plan ---------------------------------------------------------------------------------------------


class Plan:
    """Every registration as numbers in parallel arrays (k = its index in planning order)."""

    def __init__(self):
        self.pship = array("l")  # index into the ctx partnership arrays
        self.status = array("b")
        self.stage = array("b")
        self.flags = array("B")
        self.created = array("q")  # epoch seconds; 0: none
        self.submitted = array("q")
        self.info = array("q")
        self.decided = array("q")  # approved or rejected at
        self.closed = array("q")
        self.expires = array("l")  # date ordinal
        self.protection = array("h")
        self.customer = array("l")
        self.line_start = array("l", [0])
        self.line_product = array("l")
        self.conflicts: list[tuple[int, int]] = []  # (newer k, other k)

    def __len__(self):
        return len(self.status)


def spread(ctx, channel, rng, total: int, *, vendor_power=0.2, sigma=0.8, quiet=(0.1, 0.15), past=0.6) -> array:
    """How many rows each partnership gets: ``total`` spread by vendor size (``** vendor_power``), partner activity
    (lognormal ``sigma``; a ``quiet[0]`` share of partners at ``quiet[1]`` of it) and how long the partnership has
    been (or was) active (``past``: the weight of one that ended). Deals and leads both use it."""
    now = ctx.now.timestamp()
    size = {}
    for v in ctx.vendor_of:
        size[v] = size.get(v, 0) + 1
    mean = sum(size.values()) / max(1, len(size))
    vendor_factor = {v: (n / mean) ** vendor_power for v, n in size.items()}
    activity = {}
    weights = array("d", bytes(8 * len(ctx.partnership_ids)))
    for i, pk in enumerate(ctx.partnership_ids):
        if ctx.statuses[i] not in channel.eligible or pk not in channel.detail:
            continue
        _, started, end = channel.detail[pk]
        partner = ctx.partner_of[i]
        if partner not in activity:
            activity[partner] = rng.lognormvariate(0, sigma) * (quiet[1] if rng.random() < quiet[0] else 1.0)
        ended = ctx.statuses[i] != channel.active
        life = ((end if ended else now) - started) / DAY
        duration = min(max(life, 0.0), 540.0) / 365 + 0.1
        weights[i] = activity[partner] * vendor_factor[ctx.vendor_of[i]] * duration * (past if ended else 1.0)
    whole = sum(weights)
    counts = array("l", bytes(8 * len(weights)))
    if not whole:
        return counts
    # Systematic rounding: the counts add up to exactly ``total``.
    offset, cum, given = rng.random(), 0.0, 0
    for i, w in enumerate(weights):
        if w:
            cum += w * total / whole
            upto = int(cum + offset)
            counts[i] = upto - given
            given = upto
    return counts


def _plan(ctx, channel: Channel, customers_for, rng, counts) -> Plan:  # noqa: C901 (one registration's story)
    plan = Plan()
    now = int(ctx.now.timestamp())
    today = ctx.now.date().toordinal()
    latest = now - 60
    by_vendor: dict[int, list[int]] = {}
    for i, n in enumerate(counts):
        if n:
            by_vendor.setdefault(ctx.vendor_of[i], []).append(i)
    customers = customers_for(max((sum(counts[i] for i in pl) for pl in by_vendor.values()), default=0))
    choices, uniform, randint = rng.choices, rng.uniform, rng.randint
    statuses, stages = range(6), range(5)

    def day_ts(ordinal):
        return (ordinal - EPOCH_DAY) * DAY

    def day_of(ts):
        return EPOCH_DAY + int(ts // DAY)

    def on_day(lo, hi):
        """A working hour of a day between the two (date ordinals), never in the future."""
        return min(day_ts(randint(lo, hi)) + int(uniform(7, 19) * 3600), latest)

    for vendor_id in ctx.vendor_ids:
        edges = by_vendor.get(vendor_id)
        if not edges:
            continue
        first_k = len(plan)
        product_times, product_ids = channel.products.get(vendor_id, ([], []))
        held: dict[int, int] = {}  # customer -> the registration holding it at this vendor (open, not lost)
        for i in edges:
            tier_id, started, end = channel.detail[ctx.partnership_ids[i]]
            past = ctx.statuses[i] != channel.active
            e0 = int(end) if past else latest
            s0 = int(started + min(3600, max(0, (e0 - started) / 2)))
            first_day, last_day = day_of(s0), day_of(e0)
            default_protection = channel.tiers[tier_id][1] if tier_id in channel.tiers else 90
            for _ in range(counts[i]):
                status = choices(statuses, MIX_PAST if past else MIX_ACTIVE)[0]
                stage = choices(stages, STAGE_MIX[status])[0]
                flags = 0
                protection = default_protection if rng.random() >= 0.15 else rng.choice([30, 60, 90, 120])
                submitted = info = decided = expires = closed = 0
                if status == EXPIRED:  # approved long enough ago for the protection to have run out
                    hi = min(last_day, today - 2 - protection)
                    lo = max(first_day + 1, min(today - 730, hi))
                    if lo <= hi:
                        decided = on_day(lo, hi)
                    elif past:
                        status, stage = REJECTED, (LOST if stage in (WON, LOST) else stage)
                    else:
                        status = APPROVED
                if status == APPROVED and stage in (WON, LOST):  # closed while protected: won deals do not expire
                    hi = min(last_day, today)
                    decided = on_day(max(first_day, min(today - 730, hi)), hi)
                elif status == APPROVED:  # protected now, until a few days ago (the beat job is due) to 90 days ahead
                    lo, hi = max(today - 1 - protection, first_day), min(today, today + 90 - protection, last_day)
                    if lo <= hi:
                        decided = on_day(lo, hi)
                    elif not past:  # a young partnership: protected a little longer than 90 days ahead
                        decided = on_day(first_day, today)
                    else:  # the partnership ended before: its approvals have run out since
                        lo, hi = first_day + 1, min(last_day, today - 2 - protection)
                        status = EXPIRED if lo <= hi else REJECTED
                        decided = on_day(lo, hi) if lo <= hi else 0
                if status == REJECTED:
                    decided = int(uniform(max(s0 + 2 * DAY, e0 - 730 * DAY), min(e0 + 10 * DAY, latest)))
                    decided = min(decided, latest)
                if status in (APPROVED, EXPIRED, REJECTED):
                    submitted = decided - int(uniform(0.1, 7) * DAY)
                    if rng.random() < 0.1:
                        flags |= INFO_ROUND
                        info = submitted + (decided - submitted) // 3
                elif status == SUBMITTED:
                    submitted = e0 - int(min(rng.expovariate(1 / (5 * DAY)), 30 * DAY))
                elif status == INFO:
                    submitted = e0 - int(uniform(2, 40) * DAY)
                    info = min(submitted + int(uniform(0.3, 5) * DAY), latest)
                if status == DRAFT:
                    created = e0 - int((uniform(0, 45) if rng.random() < 0.8 else uniform(45, 365)) * DAY)
                    created = max(created, s0)
                else:
                    created = submitted - (int(uniform(0, 600)) if rng.random() < 0.5 else int(uniform(0, 3) * DAY))
                    if created < s0:  # the partnership is younger than that: everything moves after its start
                        shift = s0 - created + int(uniform(0, 2) * 3600)
                        created = min(created + shift, latest)
                        submitted = min(submitted + shift, latest)
                        info = min(info + shift, latest) if info else 0
                        decided = min(decided + shift, latest) if decided else 0
                if status in (APPROVED, EXPIRED):
                    expires = day_of(decided) + protection
                if stage in (WON, LOST):
                    if status == REJECTED:
                        closed = int(uniform(decided, min(decided + 30 * DAY, latest)))
                    elif status == EXPIRED:  # marked won or lost after the protection ran out
                        closed = int(uniform(day_ts(expires + 1) + 3 * 3600, latest))
                    else:
                        closed = int(uniform(decided, min(day_ts(expires + 1) - 1, latest)))
                if rng.random() < 0.3:
                    flags |= LEGAL_FORM
                flags |= choices(range(5), [10, 35, 25, 25, 5])[0] << WEB_SHIFT
                # Lines: products the vendor had when the registration was made (current ones if still open).
                upto = bisect.bisect_right(product_times, created) or min(3, len(product_ids))
                wanted = choices((1, 2, 3), (50, 32, 18))[0]
                picked = []
                for _attempt in range(4):
                    picked = rng.sample(range(upto), min(wanted, upto))
                    if status in (REJECTED, EXPIRED) or stage in (WON, LOST):
                        break
                    if all(channel.product[product_ids[p]][5] for p in picked):
                        break
                plan.pship.append(i)
                plan.status.append(status)
                plan.stage.append(stage)
                plan.flags.append(flags)
                plan.created.append(created)
                plan.submitted.append(submitted)
                plan.info.append(info)
                plan.decided.append(decided)
                plan.closed.append(closed)
                plan.expires.append(expires)
                plan.protection.append(protection if status in (APPROVED, EXPIRED) else 0)
                for p in picked:
                    plan.line_product.append(product_ids[p])
                plan.line_start.append(len(plan.line_product))
                # The customer: at most one registration holds it at this vendor (conflicts are planted below).
                customer = customers.draw(rng)
                if status in OPEN and stage != LOST:
                    tries = 0
                    while customer in held:
                        tries += 1
                        customer = customers.draw(rng) if tries < 20 else rng.randrange(customers.size)
                    held[customer] = len(plan.status) - 1
                plan.customer.append(customer)
        _plant_conflicts(ctx, plan, rng, first_k)
    plan.customers = customers
    return plan


def _stochastic_round(x: float, rng) -> int:
    return int(x) + (rng.random() < x - int(x))


def _plant_conflicts(ctx, plan: Plan, rng, first_k: int) -> None:
    """Pairs of registrations of two partners at this vendor for the same customer and a shared product.

    As ``deals.services`` leaves them: unresolved while both hold the customer (open, not lost; at most one of
    them approved, since a second approval is refused), both flagged; resolved once the newer one was rejected
    (then neither is flagged any more).
    """
    status, stage, partner_of = plan.status, plan.stage, ctx.partner_of
    holds = [k for k in range(first_k, len(plan)) if status[k] in OPEN and stage[k] != LOST]
    opened = sum(1 for k in range(first_k, len(plan)) if status[k] in OPEN)
    pending = [k for k in holds if status[k] in PENDING]
    approved = [k for k in holds if status[k] == APPROVED]
    rejected = [k for k in range(first_k, len(plan)) if status[k] == REJECTED]
    taken = set()

    def pair(newer_pool, other_ok, resolved):
        if not newer_pool:
            return
        for _attempt in range(200):
            newer, other = rng.choice(newer_pool), rng.choice(holds)
            if (
                newer not in taken
                and other not in taken
                and other_ok(other, newer)
                and plan.submitted[other] < plan.submitted[newer]
                and plan.created[other] < plan.created[newer]
                and partner_of[plan.pship[other]] != partner_of[plan.pship[newer]]
            ):
                break
        else:
            return
        taken.update((newer, other))
        plan.customer[newer] = plan.customer[other]
        plan.flags[newer] = (plan.flags[newer] & ~LEGAL_FORM) | (plan.flags[other] & LEGAL_FORM)
        if resolved:
            plan.flags[newer] |= RESOLVED
        else:
            plan.flags[newer] |= CONFLICT
            plan.flags[other] |= CONFLICT
        shared = plan.line_product[plan.line_start[other]]
        mine = plan.line_product[plan.line_start[newer] : plan.line_start[newer + 1]]
        if shared not in mine:
            plan.line_product[plan.line_start[newer]] = shared
        plan.conflicts.append((newer, other))

    if not holds:
        return
    for _ in range(_stochastic_round(CONFLICT_SHARE / 2 * opened, rng)):
        if pending and (rng.random() < 0.7 or not approved):
            pair(pending, lambda other, newer: True, resolved=False)
        else:  # the vendor approved the newer one while the older waits: a second approval would be refused
            pair(approved, lambda other, newer: status[other] in PENDING, resolved=False)
    for _ in range(_stochastic_round(CONFLICT_SHARE / 4 * opened, rng)):
        pair(rejected, lambda other, newer: True, resolved=True)


# --- writing ----------------------------------------------------------------------------------------------

DEAL_FIELDS = (
    "id",
    "partnership_id",
    "vendor_id",
    "partner_id",
    "distributor_id",
    "title",
    "customer_name",
    "customer_website",
    "customer_domain",
    "customer_domain_stem",
    "customer_name_key",
    "customer_country",
    "contact_name",
    "contact_email",
    "contact_phone",
    "amount",
    "currency",
    "expected_close_date",
    "notes",
    "status",
    "stage",
    "lost_reason",
    "queue",
    "has_conflict",
    "decision_reason",
    "decided_by_id",
    "decided_at",
    "protection_days",
    "approved_at",
    "expires_on",
    "expiry_warned_days",
    "created_by_id",
    "created_at",
    "submitted_at",
    "closed_at",
    "last_activity_at",
    "updated_at",
)
STATUS_LABELS = [DealRegistration.Status(value).label for value in STATUS_VALUES]
STAGE_LABELS = [DealRegistration.Stage(value).label for value in STAGE_VALUES]
EVENT_FIELDS = (
    "id",
    "deal_id",
    "kind",
    "actor_id",
    "organization_id",
    "field",
    "old_value",
    "new_value",
    "detail",
    "created_at",
)


def _quantity(price: float, rng) -> int:
    if price >= 5000:
        return rng.choice((1, 1, 2, 3, 4, 6, 10))
    if price >= 500:
        return rng.choice((1, 2, 5, 10, 12, 20, 25, 40))
    if price >= 50:
        return rng.choice((5, 10, 20, 25, 50, 100, 150, 200))
    return rng.choice((10, 25, 50, 100, 250, 500, 1000))


def name_slug(text: str) -> str:
    return "".join(c for c in matching._ascii_lower(text) if c.isalnum())


class Writer:
    def __init__(self, ctx, channel: Channel, plan: Plan):
        self.ctx, self.channel, self.plan, self.rng = ctx, channel, plan, ctx.rng
        self.now = int(ctx.now.timestamp())
        self.newer_of = dict(plan.conflicts)  # newer k -> other k
        self.conflict_lines: dict[int, list[int]] = {}  # other k -> its products, kept until its pair is written

    def write(self) -> None:
        ctx, plan = self.ctx, self.plan
        n = len(plan)
        order = sorted(range(n), key=plan.created.__getitem__)
        first = ctx.ids.take(DealRegistration, n)
        self.id_of = array("l", bytes(8 * n))
        for rank, k in enumerate(order):
            self.id_of[k] = first + rank
        others = {other for _, other in plan.conflicts}
        self.others = others
        for start in range(0, n, CHUNK):
            deals, lines, events, comments, conflicts = [], [], [], [], []
            for k in order[start : start + CHUNK]:
                self._deal(k, deals, lines, events, comments, conflicts)
            line_id = ctx.ids.take(DealLine, len(lines))
            event_id = ctx.ids.take(DealEvent, len(events))
            comment_id = ctx.ids.take(DealComment, len(comments))
            conflict_id = ctx.ids.take(DealConflict, len(conflicts))
            ctx.writer.write(DealRegistration, DEAL_FIELDS, deals)
            ctx.writer.write(
                DealLine,
                ("id", "deal_id", "product_id", "quantity", "list_price", "unit_price"),
                ((line_id + j, *row) for j, row in enumerate(lines)),
            )
            ctx.writer.write(DealEvent, EVENT_FIELDS, ((event_id + j, *row) for j, row in enumerate(events)))
            ctx.writer.write(
                DealComment,
                ("id", "deal_id", "author_id", "organization_id", "body", "created_at"),
                ((comment_id + j, *row) for j, row in enumerate(comments)),
            )
            ctx.writer.write(
                DealConflict,
                (
                    "id",
                    "deal_id",
                    "other_id",
                    "vendor_id",
                    "matched_on",
                    "similarity",
                    "products",
                    "detected_at",
                    "resolved_at",
                ),
                ((conflict_id + j, *row) for j, row in enumerate(conflicts)),
            )

    def _deal(self, k, deals, lines, events, comments, conflicts) -> None:  # noqa: C901 (one registration's story)
        ctx, channel, plan, rng, dt = self.ctx, self.channel, self.plan, self.rng, self._dt
        customers = plan.customers
        deal_id = self.id_of[k]
        i = plan.pship[k]
        partnership_id = ctx.partnership_ids[i]
        vendor_id, partner_id = ctx.vendor_of[i], ctx.partner_of[i]
        distributor_id = ctx.distributor_of[i] or None
        tier_id = channel.detail[partnership_id][0]
        discount = channel.tiers[tier_id][0] if tier_id in channel.tiers else Decimal("0")
        uplift = channel.uplifts.get((vendor_id, distributor_id), Decimal("0")) if distributor_id else Decimal("0")
        status, stage, flags = plan.status[k], plan.stage[k], plan.flags[k]
        created, submitted, info = plan.created[k], plan.submitted[k], plan.info[k]
        decided, closed, expires = plan.decided[k], plan.closed[k], plan.expires[k]
        protection = plan.protection[k] or None
        partner_actor = rng.choice(ctx.people.get(partner_id) or [None])
        vendor_actor = rng.choice((ctx.people.get(vendor_id) or [None])[:5])

        # The customer, as this partner typed it.
        c = plan.customer[k]
        legal = flags & LEGAL_FORM
        name = customers.legal[c] if legal else customers.names[c]
        style = (flags >> WEB_SHIFT) & 7
        domain_as_typed = customers.websites[c]
        website = (
            ""
            if not style
            else (
                domain_as_typed,
                f"www.{domain_as_typed}",
                f"https://www.{domain_as_typed}",
                f"https://{domain_as_typed}/contact",
            )[style - 1]
        )
        domain, domain_stem = (customers.domains[c], customers.domain_stems[c]) if style else ("", "")
        key = customers.legal_keys[c] if legal else customers.keys[c]
        country = customers.countries[c]
        first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{name_slug(first_name)}.{name_slug(last_name)}@{domain_as_typed}" if rng.random() < 0.85 else ""
        phone = (
            f"{PHONE_PREFIXES[country]} {rng.randint(100, 999)} {rng.randint(1000, 9999)}" if rng.random() < 0.5 else ""
        )

        # Lines at the partner's buy price; the amount is their sum.
        products = plan.line_product[plan.line_start[k] : plan.line_start[k + 1]]
        total = Decimal(0)
        currency = "USD"
        quantities = []
        for p in products:
            _, _, _, list_price, currency, _, price = channel.product[p]
            qty = _quantity(price, rng)
            unit = channel.buy_price(p, discount, uplift)
            total += unit * qty
            lines.append((deal_id, p, qty, list_price, unit))
            quantities.append(qty)
        if k in self.others:
            self.conflict_lines[k] = list(products)
        amount = quantize(total, currency)
        _, first_product, first_category, *_ = channel.product[products[0]] if products else ("", "", "", 0)
        title = rng.choice(TITLES).format(
            customer=customers.names[c],
            category=first_category or "Products",
            product=first_product,
            qty=quantities[0] if quantities else 1,
            city=rng.choice(CITIES),
        )

        # History, as deals.services records it: (kind, actor, organization, field, old, new, detail, at).
        rejected_for_conflict = flags & RESOLVED
        reason = rng.choice(REJECT_REASONS[1:]) if status == REJECTED and not rejected_for_conflict else ""
        reason = REJECT_REASONS[0] if rejected_for_conflict else reason
        labels = STATUS_LABELS
        partner_times, vendor_times = [created], []
        history = [
            (
                "created",
                partner_actor,
                partner_id,
                "",
                "",
                "",
                f"Registered with {channel.vendor_names[vendor_id]}",
                created,
            )
        ]
        if submitted:
            history.append(
                ("submitted", partner_actor, partner_id, "status", labels[DRAFT], labels[SUBMITTED], "", submitted)
            )
            partner_times.append(submitted)
        if info:
            question = rng.choice(QUESTIONS)
            history.append(
                ("info_requested", vendor_actor, vendor_id, "status", labels[SUBMITTED], labels[INFO], question, info)
            )
            comments.append((deal_id, vendor_actor, vendor_id, question, dt(info)))
            vendor_times.append(info)
            if flags & INFO_ROUND:
                answered = info + (decided - info) // 2
                history.append(
                    ("resubmitted", partner_actor, partner_id, "status", labels[INFO], labels[SUBMITTED], "", answered)
                )
                partner_times.append(answered)
        if status in (APPROVED, EXPIRED):
            detail = f"Protected for {protection} days, until {date.fromordinal(expires):%Y-%m-%d}."
            history.append(
                ("approved", vendor_actor, vendor_id, "status", labels[SUBMITTED], labels[APPROVED], detail, decided)
            )
            vendor_times.append(decided)
        elif status == REJECTED:
            history.append(
                ("rejected", vendor_actor, vendor_id, "status", labels[SUBMITTED], labels[REJECTED], "", decided)
            )
            vendor_times.append(decided)
        warned = None
        if status in (APPROVED, EXPIRED):  # the beat job's warnings, while the deal was not closed
            for days in (14, 3):
                moment = (expires - days - EPOCH_DAY) * DAY + 4 * 3600 + rng.randrange(1800)
                if decided < moment <= self.now and not (closed and closed < moment and status == APPROVED):
                    ends = f"Protection ends in {days} days ({date.fromordinal(expires):%Y-%m-%d})."
                    history.append(("expiry_warning", None, None, "", "", "", ends, moment))
                    vendor_times.append(moment)
                    warned = days
        if status == EXPIRED:
            moment = (expires + 1 - EPOCH_DAY) * DAY + 2 * 3600 + rng.randrange(1800)
            ended = f"Protection ended on {date.fromordinal(expires):%Y-%m-%d}."
            history.append(("expired", None, None, "status", labels[APPROVED], labels[EXPIRED], ended, moment))
            vendor_times.append(moment)
        lost_reason = rng.choice(LOST_REASONS) if stage == LOST else ""
        if stage != QUALIFYING:
            moved = closed or int(rng.uniform(submitted or created, self.now - 60))
            new = STAGE_LABELS[stage]
            history.append(("changed", partner_actor, partner_id, "stage", STAGE_LABELS[QUALIFYING], new, "", moved))
            if lost_reason:
                history.append(("changed", partner_actor, partner_id, "lost_reason", "", lost_reason, "", moved))
            partner_times.append(moved)
        # Comments on about a quarter of the submitted registrations.
        if submitted and rng.random() < 0.25:
            last = max(vendor_times + partner_times)
            for n in range(rng.choice((1, 1, 2, 3))):
                moment = int(rng.uniform(submitted, max(submitted + 60, min(self.now - 60, last + 20 * DAY))))
                side = n % 2 if not distributor_id or rng.random() < 0.85 else 2
                if side == 0:
                    body = rng.choice(PARTNER_COMMENTS)
                    comments.append((deal_id, partner_actor, partner_id, body, dt(moment)))
                    partner_times.append(moment)
                elif side == 1:
                    body = rng.choice(VENDOR_COMMENTS)
                    comments.append((deal_id, vendor_actor, vendor_id, body, dt(moment)))
                    vendor_times.append(moment)
                else:
                    person = (ctx.people.get(distributor_id) or [None])[0]
                    body = rng.choice(DISTRIBUTOR_COMMENTS)
                    comments.append((deal_id, person, distributor_id, body, dt(moment)))
                    vendor_times.append(moment)
        events.extend((deal_id, *e[:-1], dt(e[-1])) for e in history)

        has_conflict = bool(flags & CONFLICT)
        queue = (0 if has_conflict else 1) if status in PENDING else 2
        other = self.newer_of.get(k)
        if other is not None:
            other_products = self.conflict_lines.pop(other)
            shared = sorted(channel.product[p][0] for p in products if p in other_products)
            other_style = (plan.flags[other] >> WEB_SHIFT) & 7
            other_key = customers.legal_keys[c] if plan.flags[other] & LEGAL_FORM else customers.keys[c]
            conflicts.append(
                (
                    deal_id,
                    self.id_of[other],
                    vendor_id,
                    "domain" if style and other_style else "name",
                    Decimal(str(round(matching.similarity(key, other_key), 3))),
                    ", ".join(shared)[:500],
                    dt(submitted),
                    dt(decided) if rejected_for_conflict else None,
                )
            )
        if closed:
            expected = date.fromordinal(EPOCH_DAY + closed // DAY)
        else:
            expected = date.fromordinal(EPOCH_DAY + created // DAY + rng.randint(30, 180))
        deals.append(
            (
                deal_id,
                partnership_id,
                vendor_id,
                partner_id,
                distributor_id,
                title[:200],
                name,
                website,
                domain,
                domain_stem,
                key,
                country,
                f"{first_name} {last_name}",
                email,
                phone,
                amount,
                currency,
                expected,
                rng.choice(NOTES) if rng.random() < 0.3 else "",
                STATUS_VALUES[status],
                STAGE_VALUES[stage],
                lost_reason,
                queue,
                has_conflict,
                reason,
                vendor_actor if status in (APPROVED, EXPIRED, REJECTED) else None,
                dt(decided) if status in (APPROVED, EXPIRED, REJECTED) else None,
                protection,
                dt(decided) if status in (APPROVED, EXPIRED) else None,
                date.fromordinal(expires) if expires else None,
                warned,
                partner_actor,
                dt(created),
                dt(submitted) if submitted else None,
                dt(closed) if closed else None,
                dt(max(partner_times)),
                dt(max(partner_times + vendor_times)),
            )
        )

    @staticmethod
    def _dt(ts: int) -> datetime:
        return EPOCH + timedelta(seconds=ts)


@contextmanager
def bulk_load(models, enabled: bool):
    """On PostgreSQL, load the tables without their secondary indexes and foreign keys, then put them back.

    Building an index once over sorted rows, and checking a foreign key with one join, is many times faster
    than maintaining 14 indexes row by row and queueing ~50 million deferred foreign-key checks for the commit.
    The definitions are read from the catalog (whatever the migrations made), and put back inside the same
    transaction: if generation fails, PostgreSQL's transactional DDL rolls the drop back with the rows. The
    tables are locked meanwhile: generate into a benchmark database, never one people use.
    """
    if not enabled:
        yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
            """,
            [tables],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        # Dropping a foreign key alters the referenced table too, which may not have deferred checks pending
        # (the channel's rows just written): run those checks now rather than at the commit.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _ in foreign_keys:
            cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem TO '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def generate(ctx) -> None:
    rng = ctx.rng
    channel = Channel(ctx)
    total = round(FULL_DEALS * ctx.scale)
    counts = spread(ctx, channel, rng, total)

    def customers_for(largest_vendor: int) -> Customers:
        return Customers(rng, max(2_000, round(POOL_FULL * ctx.scale), 2 * largest_vendor))

    plan = _plan(ctx, channel, customers_for, rng, counts)
    models = [DealRegistration, DealLine, DealEvent, DealComment, DealConflict]
    with bulk_load(models, enabled=ctx.writer.use_copy and connection.vendor == "postgresql"):
        Writer(ctx, channel, plan).write()
    tallies.recount(DEAL_TOTALS)  # the vendors' and distributors' totals, as the services keep them
