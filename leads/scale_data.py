"""Leads for ``manage.py generate_scale_data``: what two to three years of lead distribution left behind.

About 2,000,000 leads at full scale (``ctx.scale`` multiplies), spread like the deal registrations: by the
partner's activity (lognormal, some nearly dormant), a little more per partnership at the bigger vendors (so a
big vendor sends many), and by how long the partnership has been (or was) active. Written after the deals
(``deals`` comes before ``leads`` in ``INSTALLED_APPS``) so that converted leads can name their registration.

- Rules and coverage: most vendors have ``LeadRules`` (deadline, reminder, a default capacity for some); every
  partnership that can hold leads has a ``LeadCoverage``: the partner's home country (sometimes a neighbour
  too), for about a third a few of its regions, for some a product specialisation or a capacity of its own.
  A lead routed to a partner is in a place its coverage names.
- Status mix of the vendor's leads on active partnerships: ~63 % disqualified, ~17 % converted (each linked to
  one of that partnership's generated registrations, whose customer and contact it carries; a lead whose
  partnership has no registration left to link stays qualified), ~19 % being worked (accepted, contacted,
  qualified: most recent, some stale), and a few thousand offered now with their deadline in the future (the
  reminder sent when the reminder window has started). Past (suspended, ended) partnerships hold closed
  leads and a few stale ones. About 1 % wait unassigned: nobody covers them, or everyone offered them passed.
- About 12 % are the partner's own (``source=partner``): no offers, worked and converted like the others.
- Offers: 1-3 per routed lead, the earlier ones to other partnerships of the vendor, rejected (with a reason)
  or missed (recalled by the beat job after the deadline); the last one accepted or pending. Deadlines,
  reminders and decisions follow the vendor's rules.
- History (``LeadEvent``, the services' kinds and wording): created, each offer and how it ended, accepted,
  assigned to a rep for some, then one status change (contacted, qualified, disqualified with the reason, or
  converted naming the registration): about 4.5 events a lead.

Like the deals, planning (numbers in arrays) and writing are two passes; rows are written in the order they
were created, and on PostgreSQL the lead tables are loaded without their secondary indexes and foreign keys.
"""

import json
from array import array
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection

from core import tallies
from deals.models import DealRegistration
from deals.scale_data import INDUSTRIES, LEGAL_FORMS, PUBLIC, SYLLABLES, TLDS, Channel, bulk_load, name_slug, spread
from leads.models import Lead, LeadCoverage, LeadEvent, LeadOffer, LeadRules
from leads.tallies import LEAD_COUNTS
from vendors.management.commands.generate_scale_data import FIRST_NAMES, LAST_NAMES
from vendors.models import Organization, Product, Tier

FULL_LEADS = 2_000_000
UNASSIGNED_SHARE = 0.01
PARTNER_SOURCE_SHARE = 0.12
OFFERED_SHARE = 0.002  # of the vendor's leads on active partnerships: "a few thousand" at full scale
CHUNK = 50_000
DAY = 86_400
HOUR = 3_600
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Status codes in the plan (index into STATUS_VALUES).
UNASSIGNED, OFFERED, ACCEPTED, CONTACTED, QUALIFIED, CONVERTED, DISQUALIFIED = range(7)
STATUS_VALUES = ["unassigned", "offered", "accepted", "contacted", "qualified", "converted", "disqualified"]
WORKING = (ACCEPTED, CONTACTED, QUALIFIED)
# Mixes of the statuses after UNASSIGNED (offered … disqualified), by where the lead is.
MIX_ACTIVE = [OFFERED_SHARE * 100, 4.5, 8, 6.3, 17.5, 63.5]
MIX_PAST = [0, 2, 3, 3, 20, 72]
MIX_OWN = [0, 10, 15, 15, 35, 25]
SOURCE_PARTNER = 1

# fmt: off
REGIONS = {
    "US": ["TX", "CA", "NY", "FL", "IL", "WA", "MA", "GA", "CO", "OH", "NC", "AZ"],
    "CA": ["ON", "QC", "BC", "AB"],
    "GB": ["England", "Scotland", "Wales", "Northern Ireland"],
    "DE": ["Bayern", "Berlin", "Hamburg", "Hessen", "Nordrhein-Westfalen", "Baden-Württemberg"],
    "FR": ["Île-de-France", "Auvergne-Rhône-Alpes", "Occitanie", "Hauts-de-France"],
    "NL": ["Noord-Holland", "Zuid-Holland", "Utrecht", "Noord-Brabant"],
    "AU": ["NSW", "VIC", "QLD", "WA"],
    "JP": ["Tokyo", "Osaka", "Aichi", "Fukuoka"],
    "ES": ["Madrid", "Cataluña", "Andalucía", "Valencia"],
    "IT": ["Lombardia", "Lazio", "Piemonte", "Veneto"],
    "SE": ["Stockholm", "Västra Götaland", "Skåne"],
    "BE": ["Flanders", "Wallonia", "Brussels"],
}
NEIGHBOURS = {
    "US": ["CA"], "CA": ["US"], "DE": ["AT", "CH"], "NL": ["BE"], "BE": ["NL", "LU"], "GB": ["IE"],
    "FR": ["BE"], "SE": ["NO", "DK"], "ES": ["PT"], "IT": ["CH"], "AU": ["NZ"], "JP": [],
}
# fmt: on
SIZES = ["", "1-49", "50-249", "250-999", "1000+"]
SIZE_MIX = [30, 25, 25, 12, 8]
NOTES = [
    "Asked for a call back about pricing.",
    "Downloaded the buyer's guide; evaluating this quarter.",
    "Met us at the trade show; wants a local partner.",
    "Existing customer of a competitor, contract ends this year.",
    "Requested a demo through the website.",
]
REJECT_REASONS = [
    "Outside our territory after all.",
    "We do not sell to this segment.",
    "No capacity this month.",
    "Existing customer of another partner.",
    "Too small for us.",
]
DISQUALIFY_REASONS = [
    "No budget this year.",
    "Not reachable after several attempts.",
    "Bought from a competitor.",
    "Student project, not a buyer.",
    "Duplicate of a lead we already work.",
    "No decision maker involved.",
]
STATUS_LABELS = dict(Lead.Status.choices)


def coverage_for(rng, home: str, product_ids: list[int]) -> tuple[list[str], list[str], list[int], int | None, bool]:
    """A partner's lead coverage for one vendor: countries, regions, product specialisation, capacity, accepts."""
    countries = [home]
    if NEIGHBOURS.get(home) and rng.random() < 0.3:
        countries.append(rng.choice(NEIGHBOURS[home]))
    regions = []
    if home in REGIONS and rng.random() < 0.35:
        regions = rng.sample(REGIONS[home], rng.choice((1, 1, 2, 3)))
    products = []
    if product_ids and rng.random() < 0.3:
        products = rng.sample(product_ids, min(len(product_ids), rng.choice((1, 1, 2, 3))))
    capacity = rng.choice((10, 15, 20, 30, 50)) if rng.random() < 0.2 else None
    return countries, regions, products, capacity, rng.random() >= 0.04


def place_in(rng, countries: list[str], regions: list[str]) -> tuple[str, str, str]:
    """A lead's country, region and postcode inside this coverage."""
    country = countries[0] if len(countries) == 1 or rng.random() < 0.8 else rng.choice(countries)
    if regions and country == countries[0]:
        region = rng.choice(regions)
    elif country in REGIONS and rng.random() < 0.8:
        region = rng.choice(REGIONS[country])
    else:
        region = ""
    postcode = f"{rng.randrange(10_000, 99_999)}" if rng.random() < 0.6 else ""
    return country, region, postcode


class Companies:
    """Invented prospects: name, web domain, country (a pool built once, popular ones recurring)."""

    def __init__(self, rng, size: int):
        stems = [a + b for a in SYLLABLES for b in SYLLABLES]
        self.names, self.domains = [], []
        for _ in range(size):
            stem, industry = rng.choice(stems), rng.choice(INDUSTRIES)
            country = rng.choice(list(TLDS))
            legal = "" if industry in PUBLIC or rng.random() < 0.5 else " " + rng.choice(LEGAL_FORMS[country])
            self.names.append(f"{stem.capitalize()} {industry}{legal}")
            self.domains.append(f"{stem}{industry.lower().replace(' ', '')}.{TLDS[country]}")
        self.size = size


class Facts(Channel):
    """What the plan needs of the generated channel and deals, read back once (the partnerships' times as whole
    seconds: the plan does integer arithmetic on them)."""

    def __init__(self, ctx):
        super().__init__(ctx)
        self.detail = {pk: (tier, int(started), int(end)) for pk, (tier, started, end) in self.detail.items()}
        self.tier_names = dict(Tier.objects.filter(vendor_id__in=ctx.vendor_ids).values_list("id", "name"))
        orgs = Organization.objects.filter(id__in=[*ctx.vendor_ids, *ctx.partner_ids]).values_list(
            "id", "name", "country"
        )
        self.names, self.countries = {}, {}
        for pk, name, country in orgs.iterator(chunk_size=20_000):
            self.names[pk] = name
            self.countries[pk] = country or "US"
        self.products: dict[int, list[int]] = {}  # vendor -> active product ids
        for pk, vendor_id in Product.objects.filter(vendor_id__in=ctx.vendor_ids, active=True).values_list(
            "id", "vendor_id"
        ):
            self.products.setdefault(vendor_id, []).append(pk)
        self.people = {}
        people_ids = [uid for org in [*ctx.partner_ids, *ctx.vendor_ids] for uid in ctx.people.get(org, ())]
        if people_ids:
            rows = get_user_model().objects.filter(id__gte=min(people_ids), id__lte=max(people_ids))
            for pk, first, last in rows.values_list("id", "first_name", "last_name").iterator(chunk_size=20_000):
                self.people[pk] = f"{first} {last}".strip()


def _deals(ctx) -> dict[int, list[tuple[int, int]]]:
    """Per partnership, its generated registrations as (created at, id), oldest first."""
    found: dict[int, list[tuple[int, int]]] = {}
    ids = ctx.partnership_ids
    if not len(ids):
        return found
    rows = (
        DealRegistration.objects.filter(partnership_id__gte=min(ids), partnership_id__lte=max(ids))
        .values_list("partnership_id", "created_at", "id")
        .order_by()
        .iterator(chunk_size=50_000)
    )
    for partnership_id, created, pk in rows:
        found.setdefault(partnership_id, []).append((int(created.timestamp()), pk))
    for registrations in found.values():
        registrations.sort()
    return found


class Plan:
    """Every lead as numbers in parallel arrays (k = its index in planning order)."""

    def __init__(self):
        self.holder = array("l")  # index into the ctx partnership arrays; -1: unassigned
        self.vendor = array("q")
        self.status = array("b")
        self.source = array("b")
        self.created = array("q")
        self.deal = array("q")  # 0: none

    def add(self, holder, vendor, status, source, created, deal=0):
        self.holder.append(holder)
        self.vendor.append(vendor)
        self.status.append(status)
        self.source.append(source)
        self.created.append(created)
        self.deal.append(deal)

    def __len__(self):
        return len(self.status)


def _counts(ctx, facts: Facts, rng, total: int) -> array:
    """How many leads each partnership holds: ``total`` spread by vendor size, partner activity and the
    partnership's active life (as the deals are, a little more skewed)."""
    return spread(ctx, facts, rng, total, vendor_power=0.3, sigma=0.9, quiet=(0.12, 0.1), past=0.5)


def _plan(ctx, facts: Facts, rng, total: int) -> Plan:
    plan = Plan()
    now = int(ctx.now.timestamp())
    latest = now - 60
    deals = _deals(ctx)
    unassigned = round(total * UNASSIGNED_SHARE)
    counts = _counts(ctx, facts, rng, total - unassigned)
    choices, uniform, random = rng.choices, rng.uniform, rng.random
    statuses = range(1, 7)
    per_vendor = {}
    for i, n in enumerate(counts):
        if not n:
            continue
        vendor = ctx.vendor_of[i]
        per_vendor[vendor] = per_vendor.get(vendor, 0) + n
        _, started, end = facts.detail[ctx.partnership_ids[i]]
        past = ctx.statuses[i] != facts.active
        e0 = end if past else latest
        s0 = started + min(HOUR, max(0, (e0 - started) // 2))
        available = list(deals.get(ctx.partnership_ids[i], ()))
        rng.shuffle(available)
        for _ in range(n):
            source = SOURCE_PARTNER if random() < PARTNER_SOURCE_SHARE else 0
            mix = MIX_OWN if source else (MIX_PAST if past else MIX_ACTIVE)
            status = choices(statuses, mix)[0]
            deal = 0
            if status in WORKING and not past and random() < 0.75:  # most being worked are recent
                created = max(s0, e0 - int(uniform(0.5, 120) * DAY))
            elif status == OFFERED:
                created = 0  # placed by the writer: offered in the last hours, the deadline still ahead
            else:
                created = int(uniform(max(s0, e0 - 730 * DAY), e0))
            if status == CONVERTED:
                while available and available[-1][0] <= s0 + 60:
                    available.pop()
                if available:
                    registered, deal = available.pop()
                    created = max(s0, registered - int(uniform(2, 45) * DAY))
                else:
                    status = QUALIFIED
            plan.add(i, vendor, status, source, min(created, latest), deal)
    # Waiting unassigned: recent leads of each vendor, spread as the vendor's other leads are.
    if per_vendor and unassigned:
        vendors, weights = list(per_vendor), list(per_vendor.values())
        for vendor in choices(vendors, weights, k=unassigned):
            plan.add(-1, vendor, UNASSIGNED, 0, now - int(uniform(0.05, 60) * DAY))
    return plan


# --- writing ----------------------------------------------------------------------------------------------

LEAD_FIELDS = (
    "id",
    "vendor_id",
    "source",
    "partnership_id",
    "partner_id",
    "distributor_id",
    "company",
    "contact_name",
    "contact_email",
    "contact_phone",
    "country",
    "region",
    "postcode",
    "size",
    "notes",
    "status",
    "status_reason",
    "accept_by",
    "routing_reason",
    "assigned_to_id",
    "deal_id",
    "created_by_id",
    "created_at",
    "accepted_at",
    "updated_at",
)
OFFER_FIELDS = (
    "id",
    "lead_id",
    "partnership_id",
    "partner_id",
    "vendor_id",
    "offered_at",
    "accept_by",
    "reminded_at",
    "outcome",
    "decided_at",
    "reason",
    "explanation",
    "by_rules",
)
EVENT_FIELDS = (
    "id",
    "lead_id",
    "kind",
    "actor_id",
    "organization_id",
    "partner_id",
    "old_value",
    "new_value",
    "detail",
    "created_at",
)


class Writer:
    def __init__(self, ctx, facts: Facts, plan: Plan, rules: dict, coverage: dict):
        self.ctx, self.facts, self.plan, self.rng = ctx, facts, plan, ctx.rng
        self.rules = rules  # vendor -> (sla hours, reminder hours)
        self.coverage = coverage  # partnership index -> (countries, regions)
        self.now = int(ctx.now.timestamp())
        self.companies = Companies(self.rng, max(2_000, min(200_000, len(plan) // 8)))
        # Per vendor, the partnerships its leads may have been offered to before: (index, started, ended).
        self.pool: dict[int, list[tuple[int, int, int]]] = {}
        for i, pk in enumerate(ctx.partnership_ids):
            if ctx.statuses[i] in facts.eligible and pk in facts.detail:
                _, started, end = facts.detail[pk]
                self.pool.setdefault(ctx.vendor_of[i], []).append((i, started, end))
        self.deal_data = self._deal_data()

    def _deal_data(self) -> dict:
        ids = [d for d in self.plan.deal if d]
        found = {}
        for start in range(0, len(ids), 20_000):
            rows = DealRegistration.objects.filter(id__in=ids[start : start + 20_000]).values_list(
                "id",
                "customer_name",
                "customer_country",
                "contact_name",
                "contact_email",
                "contact_phone",
                "created_at",
            )
            for pk, *rest, created in rows:
                found[pk] = (*rest, int(created.timestamp()))
        return found

    def write(self) -> None:
        ctx, plan = self.ctx, self.plan
        n = len(plan)
        self._place_offered()
        order = sorted(range(n), key=plan.created.__getitem__)
        first = ctx.ids.take(Lead, n)
        through = Lead.products.through
        for start in range(0, n, CHUNK):
            leads, products, offers, events = [], [], [], []
            for rank in range(start, min(n, start + CHUNK)):
                self._lead(order[rank], first + rank, leads, products, offers, events)
            offer_id = ctx.ids.take(LeadOffer, len(offers))
            event_id = ctx.ids.take(LeadEvent, len(events))
            ctx.writer.write(Lead, LEAD_FIELDS, leads)
            ctx.writer.write(through, ("lead_id", "product_id"), products)
            ctx.writer.write(LeadOffer, OFFER_FIELDS, ((offer_id + j, *row) for j, row in enumerate(offers)))
            ctx.writer.write(LeadEvent, EVENT_FIELDS, ((event_id + j, *row) for j, row in enumerate(events)))

    def _place_offered(self) -> None:
        """Offered leads were routed in the last hours: their deadline (the vendor's rules) is still ahead."""
        plan, rng = self.plan, self.rng
        for k in range(len(plan)):
            if plan.status[k] == OFFERED:
                sla = self.rules.get(plan.vendor[k], (48, 12))[0]
                plan.created[k] = self.now - int(rng.uniform(0.02, 0.95) * sla * HOUR)

    def _lead(self, k, lead_id, leads, products, offers, events) -> None:  # noqa: C901 (one lead's story)
        ctx, facts, plan, rng = self.ctx, self.facts, self.plan, self.rng
        random, uniform, choice = rng.random, rng.uniform, rng.choice
        dt = self._dt
        latest = self.now - 60
        vendor_id, status, source, created = plan.vendor[k], plan.status[k], plan.source[k], plan.created[k]
        sla, reminder = self.rules.get(vendor_id, (48, 12))
        holder = plan.holder[k]
        vendor_people = ctx.people.get(vendor_id) or [None]
        vendor_actor = choice(vendor_people[1:5] or vendor_people)
        partner_id = ctx.partner_of[holder] if holder >= 0 else None
        partner_people = (ctx.people.get(partner_id) or [None]) if partner_id else [None]
        partner_actor = choice(partner_people)

        # The prospect: from the registration it became, else invented, in a place the holder covers.
        deal_id = plan.deal[k]
        if holder >= 0:
            countries, regions = self.coverage.get(holder, ([facts.countries.get(partner_id, "US")], []))
        else:
            countries, regions = [choice(list(REGIONS))], []
        country, region, postcode = place_in(rng, countries, regions)
        c = min(self.companies.size - 1, int(self.companies.size * random() ** 2))
        first_name, last_name = choice(FIRST_NAMES), choice(LAST_NAMES)
        contact = f"{first_name} {last_name}"
        email = f"{name_slug(first_name)}.{name_slug(last_name)}@{self.companies.domains[c]}" if random() < 0.8 else ""
        phone = (
            f"+{rng.randrange(1, 99)} {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}" if random() < 0.4 else ""
        )
        company = self.companies.names[c]
        registered = 0
        if deal_id:
            company, country, contact, email, phone, registered = self.deal_data[deal_id]
            region = region if country in countries else ""
        lead_products = []
        vendor_products = facts.products.get(vendor_id)
        if vendor_products and random() < (0.3 if source else 0.7):
            lead_products = rng.sample(vendor_products, min(len(vendor_products), choice((1, 1, 1, 2))))
        for p in lead_products:
            products.append((lead_id, p))

        # Routing: earlier offers (rejected or missed) to other partnerships, then the holder's.
        history = []  # (kind, actor, organization, partner, old, new, detail, at)
        if source:
            history.append(("created", partner_actor, partner_id, partner_id, "", "", "", created))
        else:
            history.append(("created", vendor_actor, vendor_id, None, "", "", "", created))
        limit = registered - 60 if registered else latest
        if holder >= 0 and facts.detail[ctx.partnership_ids[holder]][2]:  # a past partnership: nothing after its end
            limit = min(limit, max(created, facts.detail[ctx.partnership_ids[holder]][2]))
        wanted = choice((1, 1, 2, 3)) if holder < 0 else rng.choices((0, 1, 2), (72, 22, 6))[0]
        if source or status == OFFERED or (holder < 0 and random() < 0.6):
            wanted = 0
        chain = []  # (index, offered, outcome, decided)
        moment = created
        taken = {holder}
        pool = self.pool.get(vendor_id, ())
        for _ in range(wanted):
            for _attempt in range(4):
                j, started, ended = choice(pool)
                if j not in taken and started < moment and (not ended or ended > moment):
                    break
            else:
                break
            taken.add(j)
            if random() < 0.6:
                decided = moment + int(uniform(0.1, 0.9) * sla * HOUR)
                chain.append((j, moment, "rejected", decided))
            else:
                decided = moment + sla * HOUR + int(uniform(30, 300))
                chain.append((j, moment, "missed", decided))
            moment = decided
        accepted_at = None
        if holder >= 0 and not source:
            if status != OFFERED:
                answer = moment + int(uniform(0.05, 0.8) * sla * HOUR)
                if answer > limit:  # no time for the earlier offers: the holder was the first
                    chain, moment = [], created
                    answer = created + int(min(uniform(0.05, 0.8) * sla * HOUR, max(60, (limit - created) * 0.3)))
                accepted_at = min(answer, limit)
        elif holder < 0 and chain and chain[-1][3] > latest:
            chain = []
        for j, offered, outcome, decided in chain:
            self._offer(lead_id, j, vendor_id, offered, sla, reminder, outcome, decided, offers, history)
        routing_reason = ""
        accept_by = None
        if holder >= 0 and not source:
            outcome = "pending" if status == OFFERED else "accepted"
            routing_reason = self._offer(
                lead_id, holder, vendor_id, moment, sla, reminder, outcome, accepted_at, offers, history
            )
            if status == OFFERED:
                accept_by = moment + sla * HOUR
            else:
                history.append(
                    ("accepted", partner_actor, partner_id, partner_id, "offered", "accepted", "", accepted_at)
                )
        elif source:
            accepted_at = created
        elif holder < 0:
            place = f"{region}, {country}" if region else country
            routing_reason = (
                "no partner left that has not already rejected or missed it" if chain else f"no partner covers {place}"
            )
            history.append(("unrouted", None, None, None, "", "", routing_reason, chain[-1][3] if chain else created))

        # The holder's work on it.
        assigned = None
        status_reason = ""
        if accepted_at is not None and status != OFFERED:
            t = accepted_at
            end = limit if registered else latest
            if len(partner_people) > 1 and random() < 0.5:
                assigned = choice(partner_people)
                t = min(t + int(uniform(60, 2 * DAY)), end)
                who = facts.people.get(assigned, "")
                history.append(("assigned", partner_actor, partner_id, partner_id, "", who, "", t))
            if status != ACCEPTED:
                t = min(t + int(uniform(0.2, 20) * DAY), end) if status != CONVERTED else registered
                if status == CONVERTED:
                    detail = f"Registered as DR-{deal_id:06d}"
                    history.append(
                        ("converted", partner_actor, partner_id, partner_id, "accepted", "converted", detail, t)
                    )
                else:
                    if status == DISQUALIFIED:
                        status_reason = choice(DISQUALIFY_REASONS)
                    new = STATUS_VALUES[status]
                    history.append(
                        ("status_changed", partner_actor, partner_id, partner_id, "accepted", new, status_reason, t)
                    )
        updated = max(h[-1] for h in history)
        events.extend((lead_id, *h[:-1], dt(h[-1])) for h in history)
        holder_pk = ctx.partnership_ids[holder] if holder >= 0 else None
        distributor = (ctx.distributor_of[holder] or None) if holder >= 0 else None
        leads.append(
            (
                lead_id,
                vendor_id,
                "partner" if source else "vendor",
                holder_pk,
                partner_id,
                distributor,
                company[:200],
                contact[:200],
                email,
                phone[:40],
                country,
                region,
                postcode,
                rng.choices(SIZES, SIZE_MIX)[0],
                choice(NOTES) if not source and random() < 0.25 else "",
                STATUS_VALUES[status],
                status_reason,
                dt(accept_by) if accept_by else None,
                routing_reason,
                assigned,
                deal_id or None,
                partner_actor if source else vendor_actor,
                dt(created),
                dt(accepted_at) if accepted_at is not None else None,
                dt(updated),
            )
        )

    def _offer(self, lead_id, i, vendor_id, offered, sla, reminder, outcome, decided, offers, history) -> str:
        """One offer of the lead to partnership ``i`` and its history; returns the routing explanation."""
        ctx, facts, rng, dt = self.ctx, self.facts, self.rng, self._dt
        partner_id = ctx.partner_of[i]
        partnership_id = ctx.partnership_ids[i]
        deadline = offered + sla * HOUR
        tier_id = facts.detail[partnership_id][0]
        countries, regions = self.coverage.get(i, ([facts.countries.get(partner_id, "US")], []))
        where = f"covers {regions[0]}, {countries[0]}" if regions else f"covers {countries[0]}"
        tier = f"; {facts.tier_names[tier_id]} tier" if tier_id in facts.tier_names else ""
        explanation = (
            f"{where}{tier}; next in turn among {rng.randrange(2, 40)} matching partners "
            f"({rng.randrange(0, 60)} recent leads; {rng.randrange(35, 95)}% accepted, {rng.randrange(10, 60)}% won, "
            "smoothed)"
        )
        name = facts.names.get(partner_id, "")
        reminded = None
        remind_at = deadline - reminder * HOUR
        if remind_at > offered and (outcome == "pending" and remind_at <= self.now or decided and decided > remind_at):
            reminded = remind_at + int(rng.uniform(0, 900))
            reminded = None if reminded > self.now else reminded
        reason = rng.choice(REJECT_REASONS) if outcome == "rejected" else ""
        offers.append(
            (
                lead_id,
                partnership_id,
                partner_id,
                vendor_id,
                dt(offered),
                dt(deadline),
                dt(reminded) if reminded else None,
                outcome,
                dt(decided) if decided else None,
                reason,
                explanation,
                True,
            )
        )
        until = EPOCH + timedelta(seconds=deadline)
        detail = f"Offered to {name} until {until:%Y-%m-%d %H:%M} UTC: {explanation}"
        history.append(("offered", None, None, partner_id, "", "", detail, offered))
        if outcome == "rejected":
            actor = rng.choice(ctx.people.get(partner_id) or [None])
            history.append(("rejected", actor, partner_id, partner_id, "", "", reason, decided))
        elif outcome == "missed":
            detail = f"Not accepted by {name} before {until:%Y-%m-%d %H:%M} UTC."
            history.append(("missed", None, None, partner_id, "", "", detail, decided))
        return explanation

    @staticmethod
    def _dt(ts: int) -> datetime:
        return EPOCH + timedelta(seconds=ts)


def _rules_and_coverage(ctx, facts: Facts, rng) -> tuple[dict, dict]:
    """Most vendors' lead rules, and every partnership's coverage that can hold leads."""
    rules, rule_rows = {}, []
    first = ctx.ids.take(LeadRules, len(ctx.vendor_ids))
    for n, vendor_id in enumerate(ctx.vendor_ids):
        if rng.random() < 0.25:
            continue  # the defaults
        sla = rng.choice((24, 48, 48, 72))
        reminder = rng.choice((6, 12, 12))
        capacity = rng.choice((None, None, 20, 30, 50))
        rules[vendor_id] = (sla, reminder)
        rule_rows.append(
            (first + n, vendor_id, sla, reminder, True, rng.random() < 0.9, capacity, rng.random() < 0.85, ctx.now)
        )
    ctx.writer.write(
        LeadRules,
        (
            "id",
            "vendor_id",
            "sla_hours",
            "reminder_hours",
            "match_territory",
            "match_products",
            "default_capacity",
            "weigh_by_performance",
            "updated_at",
        ),
        rule_rows,
    )
    as_json = json.dumps if ctx.writer.use_copy else (lambda value: value)
    coverage, rows, specialities = {}, [], []
    eligible = [
        i for i, pk in enumerate(ctx.partnership_ids) if ctx.statuses[i] in facts.eligible and pk in facts.detail
    ]
    first = ctx.ids.take(LeadCoverage, len(eligible))
    for n, i in enumerate(eligible):
        vendor_id, partner_id = ctx.vendor_of[i], ctx.partner_of[i]
        countries, regions, product_ids, capacity, accepts = coverage_for(
            rng, facts.countries.get(partner_id, "US"), facts.products.get(vendor_id, [])
        )
        coverage[i] = (countries, regions)
        rows.append(
            (first + n, ctx.partnership_ids[i], vendor_id, as_json(countries), as_json(regions), capacity, accepts)
        )
        specialities.extend((first + n, p) for p in product_ids)
    ctx.writer.write(
        LeadCoverage, ("id", "partnership_id", "vendor_id", "countries", "regions", "capacity", "accepts_leads"), rows
    )
    ctx.writer.write(LeadCoverage.products.through, ("leadcoverage_id", "product_id"), specialities)
    return rules, coverage


def generate(ctx) -> None:
    rng = ctx.rng
    facts = Facts(ctx)
    models = [Lead, Lead.products.through, LeadOffer, LeadEvent, LeadCoverage, LeadCoverage.products.through]
    with bulk_load(models, enabled=ctx.writer.use_copy and connection.vendor == "postgresql"):
        rules, coverage = _rules_and_coverage(ctx, facts, rng)
        plan = _plan(ctx, facts, rng, round(FULL_LEADS * ctx.scale))
        Writer(ctx, facts, plan, rules, coverage).write()
    tallies.recount(LEAD_COUNTS)  # the vendors' and distributors' counts, as the services keep them
