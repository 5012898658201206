"""Every write to leads: creating, routing, answering an offer, and the SLA recall.

Routing a batch loads what the rules need in a fixed number of queries (the rules, the vendor's active
partnerships with their coverage, each partner's open leads and record, the leads' exclusions) and writes the
offers, the leads and their history with one statement per table, whatever the number of leads.
"""

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from core import numbers, places, tallies
from core.events import publish
from deals.models import DealRegistration
from leads import imports, routing
from leads import notifications as kinds
from leads.events import LeadAccepted, LeadConverted, LeadsRouted
from leads.models import Lead, LeadCoverage, LeadEvent, LeadImport, LeadNote, LeadOffer, LeadRules
from leads.tallies import LEAD_COUNTS
from notifications import services as notifications
from vendors import access
from vendors.models import Organization, Partnership, Product
from vendors.services import MANAGER_ROLES, require_role

Status = Lead.Status
Outcome = LeadOffer.Outcome
Event = LeadEvent.Kind
# The window of "recent" offers for the round-robin's fair shares.
RECENT_DAYS = 90
MAX_TEXT = 5000


class RowErrors(ValidationError):
    """Rows of a batch that are not valid: ``rows`` is ``{row number: {field: message}}`` (rows from 1)."""

    def __init__(self, rows: dict[int, dict[str, str]]):
        self.rows = rows
        super().__init__(
            [f"Row {n}, {name}: {message}" for n, errors in rows.items() for name, message in errors.items()]
        )


def rules_for(vendor: Organization) -> LeadRules:
    return LeadRules.objects.filter(vendor=vendor).first() or LeadRules(vendor=vendor)


def _notice(organization: Organization, leads: list[Lead], title: str) -> notifications.Notice:
    """What to tell ``organization`` about these leads (named in the body, at most ten)."""
    names = [f"{lead.reference} {lead.company} ({lead.country})" for lead in leads[:10]]
    more = f"\n… and {len(leads) - 10} more." if len(leads) > 10 else ""
    return notifications.Notice(
        organization=organization,
        title=title,
        body="\n".join(names) + more,
        subject=leads[0] if len(leads) == 1 else None,
    )


def _tell(kind, organization: Organization, vendor: Organization, leads: list[Lead], *, title, actor=None) -> None:
    """One notification to ``organization`` about these leads."""
    if leads:
        notice = _notice(organization, leads, title)
        notifications.notify_many(kind=kind.key, notices=[notice], vendor=vendor, actor=actor)


def _tell_each(kind, told: dict[tuple[Organization, Organization], tuple[list[Lead], str]]) -> None:
    """``{(vendor, organization): (leads, title)}``: each organization hears once, a fixed number of queries per
    vendor (a beat job's run or an import may tell a thousand partners)."""
    by_vendor = defaultdict(list)
    for (vendor, organization), (leads, title) in told.items():
        if leads:
            by_vendor[vendor].append(_notice(organization, leads, title))
    for vendor, notices in by_vendor.items():
        notifications.notify_many(kind=kind.key, notices=notices, vendor=vendor)


def _tell_offered(vendor: Organization, offered: dict[int, list[Lead]], deadline: datetime) -> None:
    """Each partner that was offered leads hears of them once, with the deadline."""
    partners = Organization.objects.in_bulk(list(offered))
    told = {}
    for partner_id, leads in offered.items():
        count = f"a lead: {leads[0].company}" if len(leads) == 1 else f"{len(leads)} new leads"
        title = f"{vendor.name} sent you {count}. Accept by {deadline:%d %b %Y %H:%M} UTC"
        told[(vendor, partners[partner_id])] = (leads, title)
    _tell_each(kinds.OFFERED, told)


# --- the vendors' and distributors' kept counts (LeadTally) ------------------------------------------------------


def _keys(vendor_id, distributor_id, status) -> tuple:
    """The tallies a lead the vendor sent counts in: the vendor's, and the distributor's holding it now."""
    return ((vendor_id, False, status),) + (((distributor_id, False, status),) if distributor_id else ())


def _tallied(lead: Lead) -> tuple:
    """Where a lead counts now. A partner's own lead counts for its vendor once its deal is submitted, which
    ``lead_convert`` and ``lead_deal_submitted`` count; it never changes status after that."""
    return _keys(lead.vendor_id, lead.distributor_id, lead.status) if lead.source == Lead.Source.VENDOR else ()


def _waiting(lead: Lead) -> tuple:
    """Where a lead counts once it waits for a partner again (released, recalled)."""
    return _keys(lead.vendor_id, None, Status.UNASSIGNED) if lead.source == Lead.Source.VENDOR else ()


def _move_tallies(moves) -> None:
    """Apply ``[(the tallies it counted in, the tallies it counts in now)]``: three statements whatever the number
    of leads (a routed batch), as every tally moves (``core.tallies.move``)."""
    deltas = Counter()
    for before, after in moves:
        if before == after:
            continue
        for key in before:
            deltas[key] -= 1
        for key in after:
            deltas[key] += 1
    tallies.move(LEAD_COUNTS, deltas)


def lead_deal_submitted(*, deal) -> None:
    """A registration was submitted for the first time: the partner's own lead it came from (if any) now counts
    for the vendor, who sees it from now on (``leads/subscribers.py`` runs this on ``deal.submitted``, in the
    submission's transaction)."""
    own = Lead.objects.filter(deal=deal, source=Lead.Source.PARTNER).values_list("vendor_id", "status").first()
    if own is not None:
        _move_tallies([((), ((own[0], True, own[1]),))])


# --- creating ------------------------------------------------------------------------------------------------


def _text(data, name, errors, *, required=False, max_length=200) -> str:
    """A text field of a lead, trimmed. Its length is that of what was sent (as the schema's ``maxLength`` counts
    it); a NUL character, which no database column holds, is a field error as Django's forms make it."""
    raw = str(data.get(name) or "")
    value = raw.strip()
    if "\x00" in raw:
        errors[name] = "Null characters are not allowed."
    elif required and not value:
        errors[name] = "This field is required."
    elif len(raw) > max_length:
        errors[name] = f"At most {max_length} characters."
    return value


def clean_lead(vendor: Organization, data: dict, *, products_by_sku: dict | None = None) -> tuple[dict, dict]:
    """The lead's fields from ``data`` (a form, an API body or an import row), and the field errors.

    ``products`` are SKUs of the vendor's catalog (a list, or one string separated by commas or semicolons);
    ``products_by_sku`` is the vendor's catalog when the caller has it loaded already (an import)."""
    errors: dict[str, str] = {}
    fields = {
        "company": _text(data, "company", errors, required=True),
        "contact_name": _text(data, "contact_name", errors, required=True),
        "contact_email": _text(data, "contact_email", errors, max_length=254),
        "contact_phone": _text(data, "contact_phone", errors, max_length=40),
        "region": _text(data, "region", errors, max_length=80),
        "postcode": _text(data, "postcode", errors, max_length=20),
        "notes": _text(data, "notes", errors, max_length=MAX_TEXT),
    }
    if fields["contact_email"]:
        try:
            validate_email(fields["contact_email"])
        except ValidationError:
            errors["contact_email"] = "Enter a valid email address."
    country = _text(data, "country", errors, required=True, max_length=2).upper()
    if country and not places.is_country(country):
        errors["country"] = places.COUNTRY_ERROR
    fields["country"] = country
    size = str(data.get("size") or "").strip()
    if size not in Lead.Size.values:
        errors["size"] = f"One of: {', '.join(v for v in Lead.Size.values if v)} (or empty)."
    fields["size"] = size
    raw = data.get("products") or []
    if isinstance(raw, str):
        raw = raw.replace(";", ",").split(",")
    skus = [str(sku).strip() for sku in raw if str(sku).strip()]
    if products_by_sku is None:
        products_by_sku = dict(
            Product.objects.filter(vendor=vendor, active=True, sku__in=skus).values_list("sku", "pk")
        )
    unknown = [sku for sku in skus if sku not in products_by_sku]
    if unknown:
        errors["products"] = f"Not in {vendor.name}'s catalog: {', '.join(unknown[:5])}."
    fields["product_ids"] = sorted({products_by_sku[sku] for sku in skus if sku in products_by_sku})
    return fields, errors


def _require_vendor_side(actor, vendor: Organization) -> None:
    if vendor.kind != Organization.Kind.VENDOR or vendor.pk not in access.organization_ids(actor):
        raise PermissionDenied("Only the vendor's people can send its leads.")
    require_role(actor, vendor, MANAGER_ROLES)


def leads_create(*, actor, vendor: Organization, rows: list[dict], route: bool = True) -> list[Lead]:
    """Create the vendor's leads from ``rows`` and route them; all of them or, on any error, none.

    Raises ``RowErrors`` naming each bad row and field; then nothing is written."""
    _require_vendor_side(actor, vendor)
    catalog = dict(Product.objects.filter(vendor=vendor, active=True).values_list("sku", "pk"))
    cleaned, problems = [], {}
    for number, row in enumerate(rows, start=1):
        fields, errors = clean_lead(vendor, row, products_by_sku=catalog)
        if errors:
            problems[number] = errors
        cleaned.append(fields)
    if problems:
        raise RowErrors(problems)
    now = timezone.now()
    with transaction.atomic():
        leads = Lead.objects.bulk_create(
            [
                Lead(
                    vendor=vendor,
                    created_by=actor,
                    created_at=now,
                    updated_at=now,
                    **{k: v for k, v in fields.items() if k != "product_ids"},
                )
                for fields in cleaned
            ]
        )
        through = Lead.products.through
        through.objects.bulk_create(
            [
                through(lead_id=lead.pk, product_id=pid)
                for lead, f in zip(leads, cleaned, strict=True)
                for pid in f["product_ids"]
            ]
        )
        LeadEvent.objects.bulk_create(
            [
                LeadEvent(lead=lead, kind=Event.CREATED, actor=actor, organization=vendor, created_at=now)
                for lead in leads
            ]
        )
        _move_tallies(((), _tallied(lead)) for lead in leads)
        if route:
            # Just written in this transaction, so nobody else can hold them: routed as they are, not read again.
            products = {lead.pk: set(f["product_ids"]) for lead, f in zip(leads, cleaned, strict=True)}
            _route_loaded(vendor, leads, products, {}, now)
    return leads


# --- routing -------------------------------------------------------------------------------------------------


def _candidates(vendor: Organization, rules: LeadRules, now: datetime) -> list[routing.Candidate]:
    """The vendor's active partnerships as routing candidates: coverage, open leads and record. Five queries."""
    partnerships = list(
        Partnership.objects.filter(vendor=vendor, status=Partnership.Status.ACTIVE)
        .select_related("partner", "tier", "lead_coverage")
        .order_by("pk")
    )
    ids = [p.pk for p in partnerships]
    specialities = defaultdict(set)
    for coverage_id, product_id in LeadCoverage.products.through.objects.filter(
        leadcoverage__partnership_id__in=ids
    ).values_list("leadcoverage__partnership_id", "product_id"):
        specialities[coverage_id].add(product_id)
    open_leads = dict(
        Lead.objects.filter(partnership_id__in=ids, status__in=Lead.OPEN_STATUSES)
        .values("partnership_id")
        .annotate(n=Count("id"))
        .values_list("partnership_id", "n")
    )
    record = {
        row["partnership_id"]: row
        for row in LeadOffer.objects.filter(partnership_id__in=ids)
        .values("partnership_id")
        .annotate(
            recent=Count("id", filter=Q(offered_at__gte=now - timedelta(days=RECENT_DAYS))),
            answered=Count("id", filter=Q(outcome__in=[Outcome.ACCEPTED, Outcome.REJECTED, Outcome.MISSED])),
            accepted=Count("id", filter=Q(outcome=Outcome.ACCEPTED)),
        )
    }
    deals = {
        row["partnership_id"]: row
        for row in Lead.objects.filter(partnership_id__in=ids, deal__isnull=False)
        .values("partnership_id")
        .annotate(
            won=Count("id", filter=Q(deal__stage=DealRegistration.Stage.WON)),
            closed=Count("id", filter=Q(deal__stage__in=DealRegistration.CLOSED_STAGES)),
        )
    }
    candidates = []
    for p in partnerships:
        coverage = getattr(p, "lead_coverage", None)
        r, d = record.get(p.pk, {}), deals.get(p.pk, {})
        candidates.append(
            routing.Candidate(
                partnership_id=p.pk,
                partner_id=p.partner_id,
                partner_name=p.partner.name,
                distributor_id=p.distributor_id,
                tier_id=p.tier_id,
                tier_name=p.tier.name if p.tier_id else "",
                countries=frozenset(c.upper() for c in (coverage.countries if coverage else [])),
                regions=tuple(str(r).strip().lower() for r in (coverage.regions if coverage else []) if str(r).strip()),
                product_ids=frozenset(specialities.get(p.pk, ())),
                capacity=coverage.capacity if coverage else None,
                accepts_leads=coverage.accepts_leads if coverage else True,
                open_leads=open_leads.get(p.pk, 0),
                recent_offers=r.get("recent", 0),
                answered=r.get("answered", 0),
                accepted=r.get("accepted", 0),
                won=d.get("won", 0),
                closed=d.get("closed", 0),
            )
        )
    return candidates


def _routing_rules(rules: LeadRules) -> routing.Rules:
    tiers = list(rules.tiers.all()) if rules.pk else []
    return routing.Rules(
        match_territory=rules.match_territory,
        tier_ids=frozenset(t.pk for t in tiers),
        tier_names=tuple(t.name for t in tiers),
        match_products=rules.match_products,
        default_capacity=rules.default_capacity,
        weigh_by_performance=rules.weigh_by_performance,
    )


class _Territories:
    """The vendor's candidates indexed by the places they cover, so that each lead is routed among the partners
    that cover it rather than checked against every partner (leads × partners for a big import).

    With territory matching on, ``routing.route`` keeps only the candidates ``routing._covers`` accepts: handing
    it exactly those gives the same choice and the same reasons. When none of them is left to offer it to (none
    covers it, or those that do rejected or missed it, or take no leads), the lead is routed against every
    candidate, so that the reason given for not routing it is worked out as before."""

    def __init__(self, candidates: list[routing.Candidate]):
        self.everyone = candidates
        self.whole = defaultdict(list)  # country -> candidates covering all of it
        self.named = defaultdict(lambda: defaultdict(set))  # country -> region or postcode prefix -> candidates
        self.longest = 0
        for c in candidates:
            for country in c.countries:
                if not c.regions:
                    self.whole[country].append(c)
                for entry in c.regions:
                    self.named[country][entry].add(c.partnership_id)
                    prefix = entry.replace(" ", "")
                    self.named[country][prefix].add(c.partnership_id)
                    self.longest = max(self.longest, len(prefix))
        self.by_id = {c.partnership_id: c for c in candidates}

    def for_lead(self, lead: routing.LeadFacts) -> list[routing.Candidate]:
        named = self.named.get(lead.country)
        found = list(self.whole.get(lead.country, ()))
        if named:
            ids = set(named.get(lead.region.strip().lower(), ()))
            postcode = lead.postcode.strip().lower().replace(" ", "")
            for n in range(1, min(len(postcode), self.longest) + 1):
                ids |= named.get(postcode[:n], set())
            found += [c for c in (self.by_id[pk] for pk in ids) if routing._covers(c, lead)]
        if any(c.accepts_leads and c.partnership_id not in lead.excluded for c in found):
            return found
        return self.everyone


# What routing changes on a lead, and the column types PostgreSQL reads them as (see ``_save_routed``).
ROUTED_FIELDS = {
    "status": "varchar",
    "partnership": "bigint",
    "partner": "bigint",
    "distributor": "bigint",
    "accept_by": "timestamptz",
    "routing_reason": "text",
    "updated_at": "timestamptz",
}


def _save_routed(leads: list[Lead]) -> None:
    """Write the routed leads' new state in one statement.

    ``bulk_update`` writes a ``CASE WHEN id = … THEN …`` per lead and field, which PostgreSQL evaluates for every
    row: quadratic in the batch (minutes for 10,000 leads). On PostgreSQL the values go as one array per field,
    joined by id (``UPDATE … FROM unnest(…)``); other databases (the demo's SQLite) keep ``bulk_update``."""
    if connection.vendor != "postgresql":
        Lead.objects.bulk_update(leads, list(ROUTED_FIELDS))
        return
    fields = [Lead._meta.get_field(name) for name in ROUTED_FIELDS]
    qn = connection.ops.quote_name
    assignments = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in fields)
    arrays = ", ".join(["%s::bigint[]"] + [f"%s::{kind}[]" for kind in ROUTED_FIELDS.values()])
    columns = ", ".join(["id"] + [qn(f.column) for f in fields])
    # Names come from the model's metadata; every value is a parameter.
    table = qn(Lead._meta.db_table)
    sql = f"UPDATE {table} AS lead SET {assignments} FROM unnest({arrays}) AS v({columns}) WHERE lead.id = v.id"  # noqa: S608
    params = [[lead.pk for lead in leads]] + [[getattr(lead, f.attname) for lead in leads] for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def leads_route(*, vendor: Organization, lead_ids: list[int], now: datetime | None = None) -> dict[int, str]:
    """Offer each of these unassigned leads of ``vendor`` to the partner its rules choose.

    Returns ``{lead id: explanation}``. A fixed number of queries whatever the number of leads."""
    now = now or timezone.now()
    with transaction.atomic():
        rules = rules_for(vendor)
        leads = list(
            Lead.objects.select_for_update()
            .filter(pk__in=lead_ids, vendor=vendor, status=Status.UNASSIGNED)
            .order_by("created_at", "pk")
        )
        if not leads:
            return {}
        ids = [lead.pk for lead in leads]
        products = defaultdict(set)
        for lead_id, product_id in Lead.products.through.objects.filter(lead_id__in=ids).values_list(
            "lead_id", "product_id"
        ):
            products[lead_id].add(product_id)
        excluded = defaultdict(set)
        for lead_id, partnership_id in LeadOffer.objects.filter(
            lead_id__in=ids, outcome__in=[Outcome.REJECTED, Outcome.MISSED, Outcome.RECALLED]
        ).values_list("lead_id", "partnership_id"):
            excluded[lead_id].add(partnership_id)
        _route_loaded(vendor, leads, products, excluded, now, rules=rules)
    return {lead.pk: lead.routing_reason for lead in leads}


def _route_loaded(vendor, leads: list[Lead], products: dict, excluded: dict, now, *, rules=None) -> None:
    """Route these locked leads (their products and the partnerships excluded for each given), in place."""
    rules = rules or rules_for(vendor)
    with transaction.atomic():
        sku_of = dict(Product.objects.filter(vendor=vendor).values_list("pk", "sku"))
        candidates = _candidates(vendor, rules, now)
        plain = _routing_rules(rules)
        territories = _Territories(candidates) if plain.match_territory else None
        deadline = now + timedelta(hours=rules.sla_hours)
        offers, events = [], []
        before = [_tallied(lead) for lead in leads]
        offered = defaultdict(list)
        for lead in leads:
            facts = routing.LeadFacts(
                id=lead.pk,
                country=lead.country,
                region=lead.region,
                postcode=lead.postcode,
                product_ids=frozenset(products.get(lead.pk, ())),
                excluded=frozenset(excluded.get(lead.pk, ())),
                sku_of=sku_of,
            )
            choice = routing.route(facts, territories.for_lead(facts) if territories else candidates, plain)
            lead.routing_reason = choice.explanation
            lead.updated_at = now
            chosen = choice.candidate
            if chosen is None:
                events.append(LeadEvent(lead=lead, kind=Event.UNROUTED, detail=choice.explanation, created_at=now))
                continue
            lead.status = Status.OFFERED
            lead.partnership_id = chosen.partnership_id
            lead.partner_id = chosen.partner_id
            lead.distributor_id = chosen.distributor_id
            lead.accept_by = deadline
            offered[chosen.partner_id].append(lead)
            offers.append(
                LeadOffer(
                    lead=lead,
                    partnership_id=chosen.partnership_id,
                    partner_id=chosen.partner_id,
                    vendor=vendor,
                    offered_at=now,
                    accept_by=deadline,
                    explanation=choice.explanation,
                )
            )
            events.append(
                LeadEvent(
                    lead=lead,
                    kind=Event.OFFERED,
                    partner_id=chosen.partner_id,
                    detail=f"Offered to {chosen.partner_name} until {deadline:%Y-%m-%d %H:%M} UTC: "
                    f"{choice.explanation}",
                    created_at=now,
                )
            )
        _save_routed(leads)
        _move_tallies(zip(before, map(_tallied, leads), strict=True))
        LeadOffer.objects.bulk_create(offers)
        LeadEvent.objects.bulk_create(events)
        _tell_offered(vendor, offered, deadline)
        routed = tuple(lead for leads_of in offered.values() for lead in leads_of)
        if routed:
            publish(LeadsRouted(vendor=vendor, leads=routed, actor=None, by_rules=True))


# --- the partner's answer ------------------------------------------------------------------------------------


def _lock(lead: Lead) -> Lead:
    return (
        Lead.objects.select_for_update(of=("self",)).select_related("vendor", "partner", "partnership").get(pk=lead.pk)
    )


def _require_holder(actor, lead: Lead) -> None:
    if (
        lead.partner_id is None
        or lead.partner_id not in access.organization_ids(actor)
        or not access.has_partnership_perm(actor, lead.partnership, access.VIEW_RECORDS)
    ):
        raise PermissionDenied("This lead is not your organization's.")


def _require_active_holder(actor, lead: Lead) -> None:
    """The holder answers, works, converts and notes a lead only while its partnership with the lead's vendor is
    active: once the vendor suspended or ended it, the partner reads the lead and nothing more (docs/adr/0001)."""
    _require_holder(actor, lead)
    access.require_program_access(actor, lead.partnership, "lead", vendor=lead.vendor)


def _pending_offer(lead: Lead) -> LeadOffer:
    offer = LeadOffer.objects.filter(lead=lead, outcome=Outcome.PENDING).first()
    if lead.status != Status.OFFERED or offer is None:
        raise ValidationError(f"{lead.reference} is not waiting for your answer.")
    return offer


def lead_accept(*, actor, lead: Lead, now: datetime | None = None) -> Lead:
    """Accept a lead offered to the actor's partner, before its deadline."""
    now = now or timezone.now()
    _require_active_holder(actor, lead)
    with transaction.atomic():
        lead = _lock(lead)
        offer = _pending_offer(lead)
        if offer.accept_by < now:
            raise ValidationError(f"The deadline to accept {lead.reference} has passed: it goes to another partner.")
        LeadOffer.objects.filter(pk=offer.pk).update(outcome=Outcome.ACCEPTED, decided_at=now)
        was = _tallied(lead)
        lead.status, lead.accepted_at, lead.accept_by, lead.updated_at = Status.ACCEPTED, now, None, now
        lead.save(update_fields=["status", "accepted_at", "accept_by", "updated_at"])
        _move_tallies([(was, _tallied(lead))])
        LeadEvent.objects.create(
            lead=lead,
            kind=Event.ACCEPTED,
            actor=actor,
            organization=lead.partner,
            partner=lead.partner,
            old_value=Status.OFFERED,
            new_value=Status.ACCEPTED,
            created_at=now,
        )
        _tell(
            kinds.ANSWERED,
            lead.vendor,
            lead.vendor,
            [lead],
            actor=actor,
            title=f"{lead.partner.name} accepted {lead.reference} {lead.company}",
        )
        publish(LeadAccepted(lead=lead, actor=actor))
    return lead


def _release(lead: Lead, offer: LeadOffer, outcome: str, *, now, actor=None, reason="") -> None:
    """End the offer with ``outcome``; the lead waits for routing again (the caller routes it)."""
    LeadOffer.objects.filter(pk=offer.pk).update(outcome=outcome, decided_at=now, reason=reason)
    kind = {Outcome.REJECTED: Event.REJECTED, Outcome.MISSED: Event.MISSED, Outcome.RECALLED: Event.RECALLED}[outcome]
    LeadEvent.objects.create(
        lead=lead,
        kind=kind,
        actor=actor,
        organization=lead.partner if actor else None,
        partner_id=offer.partner_id,
        detail=reason,
        created_at=now,
    )
    Lead.objects.filter(pk=lead.pk).update(
        status=Status.UNASSIGNED, partnership=None, partner=None, distributor=None, accept_by=None, updated_at=now
    )
    _move_tallies([(_tallied(lead), _waiting(lead))])


def lead_reject(*, actor, lead: Lead, reason: str, now: datetime | None = None) -> Lead:
    """Turn down a lead offered to the actor's partner (with a reason); it goes to the next partner."""
    now = now or timezone.now()
    _require_active_holder(actor, lead)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Tell the vendor why (it helps them route better)."})
    if len(reason) > MAX_TEXT:
        raise ValidationError({"reason": f"At most {MAX_TEXT} characters."})
    with transaction.atomic():
        lead = _lock(lead)
        offer = _pending_offer(lead)
        _release(lead, offer, Outcome.REJECTED, now=now, actor=actor, reason=reason)
        _tell(
            kinds.ANSWERED,
            lead.vendor,
            lead.vendor,
            [lead],
            actor=actor,
            title=f"{lead.partner.name} rejected {lead.reference} {lead.company}: {reason[:120]}",
        )
        leads_route(vendor=lead.vendor, lead_ids=[lead.pk], now=now)
    return Lead.objects.get(pk=lead.pk)


def leads_recall_overdue(*, now: datetime | None = None) -> dict:
    """Beat: recall every offer past its deadline (a miss against the partner) and route the leads again.

    Safe to run twice and from two workers at once: the offers are claimed with ``SKIP LOCKED``."""
    now = now or timezone.now()
    recalled = Counter()
    with transaction.atomic():
        overdue = list(
            Lead.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=Status.OFFERED, accept_by__lt=now)
            .select_related("vendor")
            .order_by("accept_by", "pk")[:1000]
        )
        if not overdue:
            return {"missed": 0}
        offers = {
            offer.lead_id: offer
            for offer in LeadOffer.objects.filter(lead__in=overdue, outcome=Outcome.PENDING).select_related("partner")
        }
        by_vendor = defaultdict(list)
        missed_events = []
        missed_by = defaultdict(list)
        for lead in overdue:
            offer = offers.get(lead.pk)
            if offer is not None:
                missed_by[(lead.vendor, offer.partner)].append(lead)
                missed_events.append(
                    LeadEvent(
                        lead=lead,
                        kind=Event.MISSED,
                        partner_id=offer.partner_id,
                        detail=f"Not accepted by {offer.partner.name} before {offer.accept_by:%Y-%m-%d %H:%M} UTC.",
                        created_at=now,
                    )
                )
            by_vendor[lead.vendor].append(lead.pk)
            recalled[lead.vendor_id] += 1
        LeadOffer.objects.filter(pk__in=[o.pk for o in offers.values()]).update(outcome=Outcome.MISSED, decided_at=now)
        LeadEvent.objects.bulk_create(missed_events)
        Lead.objects.filter(pk__in=[lead.pk for lead in overdue]).update(
            status=Status.UNASSIGNED, partnership=None, partner=None, distributor=None, accept_by=None, updated_at=now
        )
        _move_tallies((_tallied(lead), _waiting(lead)) for lead in overdue)
        told = {}
        for (vendor, partner), leads in missed_by.items():
            what = f"{leads[0].reference} {leads[0].company}" if len(leads) == 1 else f"{len(leads)} leads"
            told[(vendor, partner)] = (leads, f"{vendor.name} recalled {what}: not accepted before the deadline")
        _tell_each(kinds.RECALLED, told)
        for vendor, ids in by_vendor.items():
            leads_route(vendor=vendor, lead_ids=ids, now=now)
    return {"missed": sum(recalled.values())}


# --- by hand -------------------------------------------------------------------------------------------------


def lead_offer_to(*, actor, lead: Lead, partnership: Partnership, now: datetime | None = None) -> Lead:
    """The vendor offers a waiting lead to a partner of its choice (recalling an offer still open)."""
    now = now or timezone.now()
    _require_vendor_side(actor, lead.vendor)
    if partnership.vendor_id != lead.vendor_id:
        raise ValidationError({"partnership": "Choose one of your own partners."})
    if partnership.status != Partnership.Status.ACTIVE:
        raise ValidationError({"partnership": f"Your partnership with {partnership.partner.name} is not active."})
    with transaction.atomic():
        lead = _lock(lead)
        if lead.status not in (Status.UNASSIGNED, Status.OFFERED):
            raise ValidationError(f"{lead.reference} is being worked by {lead.partner.name}: it cannot be moved.")
        pending = LeadOffer.objects.filter(lead=lead, outcome=Outcome.PENDING).first()
        if pending is not None:
            if pending.partnership_id == partnership.pk:
                return lead
            _release(lead, pending, Outcome.RECALLED, now=now)
            _tell(
                kinds.RECALLED,
                pending.partner,
                lead.vendor,
                [lead],
                title=f"{lead.vendor.name} moved {lead.reference} {lead.company} to another partner",
            )
        rules = rules_for(lead.vendor)
        deadline = now + timedelta(hours=rules.sla_hours)
        reason = f"chosen by {actor.get_full_name() or actor.email} ({lead.vendor.name})"
        LeadOffer.objects.create(
            lead=lead,
            partnership=partnership,
            partner=partnership.partner,
            vendor=lead.vendor,
            offered_at=now,
            accept_by=deadline,
            explanation=reason,
            by_rules=False,
        )
        Lead.objects.filter(pk=lead.pk).update(
            status=Status.OFFERED,
            partnership=partnership,
            partner=partnership.partner,
            distributor=partnership.distributor,
            accept_by=deadline,
            routing_reason=reason,
            updated_at=now,
        )
        if lead.source == Lead.Source.VENDOR:  # it waited (or was just released): now it is offered
            _move_tallies([(_waiting(lead), _keys(lead.vendor_id, partnership.distributor_id, Status.OFFERED))])
        LeadEvent.objects.create(
            lead=lead,
            kind=Event.OFFERED,
            actor=actor,
            organization=lead.vendor,
            partner=partnership.partner,
            detail=f"Offered to {partnership.partner.name} until {deadline:%Y-%m-%d %H:%M} UTC: {reason}",
            created_at=now,
        )
        _tell_offered(lead.vendor, {partnership.partner_id: [lead]}, deadline)
        lead = Lead.objects.get(pk=lead.pk)
        publish(LeadsRouted(vendor=lead.vendor, leads=(lead,), actor=actor, by_rules=False))
    return lead


# --- working the lead (the partner) --------------------------------------------------------------------------

# The partner's own progress: where each status may go next. Converted comes only from ``lead_convert``.
NEXT = {
    Status.ACCEPTED: (Status.CONTACTED, Status.QUALIFIED, Status.DISQUALIFIED),
    Status.CONTACTED: (Status.QUALIFIED, Status.DISQUALIFIED),
    Status.QUALIFIED: (Status.CONTACTED, Status.DISQUALIFIED),
    Status.DISQUALIFIED: (Status.CONTACTED, Status.QUALIFIED),
}


def _partner_event(lead: Lead, actor, kind: str, *, old: str = "", new: str = "", detail: str = "") -> None:
    """History of the partner's own work on a lead (its people see it; the vendor too)."""
    LeadEvent.objects.create(
        lead=lead,
        kind=kind,
        actor=actor,
        organization=lead.partner,
        partner=lead.partner,
        old_value=old,
        new_value=new,
        detail=detail,
    )


def lead_assign_rep(*, actor, lead: Lead, rep) -> Lead:
    """Give a lead the partner holds to one of the partner's people (or nobody, with ``rep=None``)."""
    _require_active_holder(actor, lead)
    if rep is not None and lead.partner_id not in access.organization_ids(rep):
        raise ValidationError({"rep": f"Choose someone of {lead.partner.name}."})
    with transaction.atomic():
        lead = _lock(lead)
        if lead.status == Status.OFFERED:
            raise ValidationError("Accept the lead before you assign it.")
        old = lead.assigned_to.get_full_name() if lead.assigned_to_id else ""
        lead.assigned_to, lead.updated_at = rep, timezone.now()
        lead.save(update_fields=["assigned_to", "updated_at"])
        _partner_event(lead, actor, Event.ASSIGNED, old=old, new=(rep.get_full_name() or rep.email) if rep else "")
    return lead


def lead_update_status(*, actor, lead: Lead, status: str, reason: str = "") -> Lead:
    """The partner's progress on an accepted lead: contacted, qualified, or disqualified (with a reason)."""
    _require_active_holder(actor, lead)
    reason = (reason or "").strip()
    with transaction.atomic():
        lead = _lock(lead)
        allowed = NEXT.get(lead.status, ())
        if status not in allowed:
            raise ValidationError(
                {"status": f"A lead that is {lead.get_status_display().lower()} cannot become “{status}”."}
            )
        if status == Status.DISQUALIFIED and not reason:
            raise ValidationError({"reason": "Say why the lead is disqualified."})
        if len(reason) > MAX_TEXT:
            raise ValidationError({"reason": f"At most {MAX_TEXT} characters."})
        old = lead.status
        was = _tallied(lead)
        lead.status, lead.updated_at = status, timezone.now()
        lead.status_reason = reason if status == Status.DISQUALIFIED else ""
        lead.save(update_fields=["status", "status_reason", "updated_at"])
        _move_tallies([(was, _tallied(lead))])
        _partner_event(lead, actor, Event.STATUS_CHANGED, old=old, new=status, detail=reason)
    return lead


def lead_convert(
    *, actor, lead: Lead, title: str, expected_close_date, lines, submit: bool = False, now: datetime | None = None
):
    """Register a deal from a lead the partner works: the customer and contact carried over, the two linked."""
    from deals import services as deal_services

    _require_active_holder(actor, lead)
    now = now or timezone.now()
    with transaction.atomic():
        lead = _lock(lead)
        if lead.status not in Lead.WORKING_STATUSES:
            raise ValidationError(f"{lead.reference} is {lead.get_status_display().lower()}: it cannot be converted.")
        deal = deal_services.deal_create(
            actor=actor,
            partner=lead.partner,
            vendor=lead.vendor,
            title=title,
            customer_name=lead.company,
            customer_country=lead.country,
            contact_name=lead.contact_name,
            contact_email=lead.contact_email,
            contact_phone=lead.contact_phone,
            notes=lead.notes,
            expected_close_date=expected_close_date,
            lines=lines,
            submit=submit,
            now=now,
        )
        old, was = lead.status, _tallied(lead)
        lead.status, lead.deal, lead.updated_at = Status.CONVERTED, deal, now
        lead.save(update_fields=["status", "deal", "updated_at"])
        counted = _tallied(lead)
        if lead.source == Lead.Source.PARTNER and deal.status != DealRegistration.Status.DRAFT:
            counted = ((lead.vendor_id, True, Status.CONVERTED),)  # registered: the vendor sees it from now on
        _move_tallies([(was, counted)])
        # A draft is the partner's alone: its reference is told once it is submitted (the vendor sees the deal then).
        detail = f"Registered as {deal.reference}" if submit else "Registered as a draft deal"
        _partner_event(lead, actor, Event.CONVERTED, old=old, new=Status.CONVERTED, detail=detail)
        publish(LeadConverted(lead=lead, deal=deal, actor=actor))
    return deal


# --- the partner's own leads and notes -----------------------------------------------------------------------


def lead_create_own(*, actor, partner: Organization, partnership: Partnership, data: dict) -> Lead:
    """A lead the partner found itself (an event, its own campaign) for one of its vendors: the partner's, already
    being worked, never routed. The vendor sees it only once it is registered as a deal."""
    if partner.kind != Organization.Kind.PARTNER or partner.pk not in access.organization_ids(actor):
        raise PermissionDenied("Only the partner's people can add its leads.")
    if partnership.partner_id != partner.pk:
        raise ValidationError({"vendor": "Choose one of your vendors."})
    if partnership.status != Partnership.Status.ACTIVE or not access.has_partnership_perm(
        actor, partnership, access.ACCESS_PROGRAM
    ):
        raise ValidationError({"vendor": f"Your partnership with {partnership.vendor.name} is not active."})
    fields, errors = clean_lead(partnership.vendor, data)
    if errors:
        raise ValidationError(errors)
    product_ids = fields.pop("product_ids")
    now = timezone.now()
    with transaction.atomic():
        lead = Lead.objects.create(
            vendor=partnership.vendor,
            source=Lead.Source.PARTNER,
            partnership=partnership,
            partner=partner,
            distributor=partnership.distributor,
            status=Status.ACCEPTED,
            accepted_at=now,
            assigned_to=actor,
            created_by=actor,
            created_at=now,
            updated_at=now,
            **fields,
        )
        lead.products.set(product_ids)
        LeadEvent.objects.create(
            lead=lead, kind=Event.CREATED, actor=actor, organization=partner, partner=partner, created_at=now
        )
    return lead


def lead_note_add(*, actor, lead: Lead, body: str) -> LeadNote:
    """A note of the partner holding the lead, for its own people only."""
    _require_active_holder(actor, lead)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write the note first."})
    if len(body) > MAX_TEXT:
        raise ValidationError({"body": f"At most {MAX_TEXT} characters."})
    return LeadNote.objects.create(lead=lead, partner=lead.partner, author=actor, body=body)


# --- reminders -----------------------------------------------------------------------------------------------


def leads_remind_due(*, now: datetime | None = None) -> int:
    """Beat: mark the open offers whose deadline is within the vendor's reminder hours as reminded, once each.

    Returns how many offers were reminded; a second run at the same moment reminds none."""
    now = now or timezone.now()
    reminded = 0
    with transaction.atomic():
        due = list(
            LeadOffer.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(outcome=Outcome.PENDING, reminded_at__isnull=True, accept_by__gt=now)
            .select_related("vendor__lead_rules", "partner", "lead")
            .order_by("accept_by")[:2000]
        )
        ids, by_partner = [], defaultdict(list)
        for offer in due:
            rules = getattr(offer.vendor, "lead_rules", None) or LeadRules(vendor=offer.vendor)
            if offer.accept_by - timedelta(hours=rules.reminder_hours) <= now:
                ids.append(offer.pk)
                by_partner[(offer.vendor, offer.partner)].append(offer)
        if ids:
            reminded = LeadOffer.objects.filter(pk__in=ids).update(reminded_at=now)
        told = {}
        for (vendor, partner), offers in by_partner.items():
            first = min(o.accept_by for o in offers)
            what = (
                f"{offers[0].lead.reference} {offers[0].lead.company}" if len(offers) == 1 else f"{len(offers)} leads"
            )
            title = f"Accept {what} from {vendor.name} by {first:%d %b %Y %H:%M} UTC, or it goes to another partner"
            told[(vendor, partner)] = ([o.lead for o in offers], title)
        _tell_each(kinds.REMINDER, told)
    return reminded


# --- the vendor's rules and its partners' coverage -------------------------------------------------------------

RULE_FIELDS = (
    "sla_hours",
    "reminder_hours",
    "match_territory",
    "tiers",
    "match_products",
    "default_capacity",
    "weigh_by_performance",
)
MAX_HOURS = numbers.SLA_HOURS.maximum
MAX_CAPACITY = numbers.CAPACITY.maximum
MAX_COUNTRIES = 250
MAX_REGIONS = 500


def _whole(value, name, errors, *, low, high, optional=False):
    """A whole number between ``low`` and ``high`` (``None`` when ``optional`` and empty)."""
    if optional and value in (None, ""):
        return None
    if isinstance(value, bool):
        errors[name] = "Enter a whole number."
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[name] = "Enter a whole number."
        return None
    if not low <= number <= high:
        errors[name] = f"Between {low} and {high:,}."
        return None
    return number


def _flag(value, name, errors) -> bool | None:
    if not isinstance(value, bool):
        errors[name] = "True or false."
        return None
    return value


def lead_rules_update(*, actor, vendor: Organization, **fields) -> LeadRules:
    """Change the vendor's lead distribution rules; only the fields given change (the others keep their value).

    ``fields`` are among ``RULE_FIELDS``; ``tiers`` are the vendor's own tiers (instances or ids), ``default_capacity``
    may be ``None`` (no limit). The reminder comes before the deadline: fewer ``reminder_hours`` than ``sla_hours``.
    Raises ``ValidationError`` naming each field; then nothing is saved."""
    _require_vendor_side(actor, vendor)
    errors: dict[str, str] = {}
    unknown = sorted(set(fields) - set(RULE_FIELDS))
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "Not a lead rule."))
    with transaction.atomic():
        rules = LeadRules.objects.select_for_update().filter(vendor=vendor).first() or LeadRules(vendor=vendor)
        for name in ("sla_hours", "reminder_hours"):
            if name in fields:
                value = _whole(fields[name], name, errors, low=1, high=MAX_HOURS)
                if value is not None:
                    setattr(rules, name, value)
        if "default_capacity" in fields:
            value = _whole(
                fields["default_capacity"], "default_capacity", errors, low=1, high=MAX_CAPACITY, optional=True
            )
            if "default_capacity" not in errors:
                rules.default_capacity = value
        for name in ("match_territory", "match_products", "weigh_by_performance"):
            if name in fields:
                value = _flag(fields[name], name, errors)
                if value is not None:
                    setattr(rules, name, value)
        tier_ids = None
        if "tiers" in fields:
            wanted = {getattr(tier, "pk", tier) for tier in (fields["tiers"] or [])}
            given = [t for t in wanted if isinstance(t, int) and not isinstance(t, bool)]
            own = set(vendor.tiers.filter(pk__in=given).values_list("pk", flat=True))
            if wanted - own:
                errors["tiers"] = f"Choose tiers of {vendor.name}'s program."
            tier_ids = sorted(own)
        if not {"sla_hours", "reminder_hours"} & set(errors) and rules.reminder_hours >= rules.sla_hours:
            errors["reminder_hours"] = (
                f"The reminder comes before the deadline: fewer hours than the {rules.sla_hours} to accept."
            )
        if errors:
            raise ValidationError(errors)
        rules.save()
        if tier_ids is not None:
            rules.tiers.set(tier_ids)
    return rules


def _countries(values, errors) -> list[str]:
    if not isinstance(values, list | tuple):
        errors["countries"] = 'A list of two-letter ISO country codes, e.g. ["US", "CA"].'
        return []
    codes, bad = [], []
    for value in values:
        code = str(value or "").strip().upper()
        if not places.is_country(code):
            bad.append(str(value)[:10])
        elif code not in codes:
            codes.append(code)
    if bad:
        errors["countries"] = f"Not countries (use their ISO 3166-1 codes, e.g. DE or US): {', '.join(bad[:5])}."
    elif len(codes) > MAX_COUNTRIES:
        errors["countries"] = f"At most {MAX_COUNTRIES} countries."
    return codes


def _regions(values, errors) -> list[str]:
    if not isinstance(values, list | tuple):
        errors["regions"] = 'A list of states, regions or postcode prefixes, e.g. ["TX", "OK"].'
        return []
    regions = []
    for value in values:
        region = str(value or "").strip()
        if len(region) > 80:
            errors["regions"] = "Each region at most 80 characters."
            return []
        if region and region.lower() not in {r.lower() for r in regions}:
            regions.append(region)
    if len(regions) > MAX_REGIONS:
        errors["regions"] = f"At most {MAX_REGIONS} regions."
    return regions


def _coverage_products(vendor: Organization, values, errors) -> list[int]:
    """The vendor's active products among ``values`` (instances, ids or SKUs); anything else is an error."""
    if not isinstance(values, list | tuple | set | frozenset):
        errors["products"] = "A list of the vendor's products."
        return []
    ids, skus = set(), set()
    for value in values:
        if isinstance(value, Product):
            ids.add(value.pk)
        elif isinstance(value, int) and not isinstance(value, bool):
            ids.add(value)
        else:
            skus.add(str(value).strip())
    catalog = Product.objects.filter(vendor=vendor, active=True).filter(Q(pk__in=ids) | Q(sku__in=skus))
    found = dict(catalog.values_list("pk", "sku"))
    missing = [str(pk) for pk in sorted(ids - set(found))] + sorted(skus - set(found.values()))
    if missing:
        errors["products"] = f"Not in {vendor.name}'s catalog: {', '.join(missing[:5])}."
    return sorted(found)


def lead_coverage_update(
    *, actor, partnership: Partnership, countries, regions, products, capacity, accepts_leads
) -> LeadCoverage:
    """Set what a partner covers for the vendor: countries (ISO codes), regions or postcode prefixes in them,
    the products it specialises in (the vendor's own: instances, ids or SKUs), its capacity of open leads
    (``None``: the vendor's default) and whether it takes leads at all. Only the vendor's managers; raises
    ``ValidationError`` naming each field, and then nothing is saved."""
    vendor = partnership.vendor
    _require_vendor_side(actor, vendor)
    errors: dict[str, str] = {}
    fields = {
        "countries": _countries(countries, errors),
        "regions": _regions(regions, errors),
        "capacity": _whole(capacity, "capacity", errors, low=1, high=MAX_CAPACITY, optional=True),
        "accepts_leads": _flag(accepts_leads, "accepts_leads", errors),
    }
    product_ids = _coverage_products(vendor, products, errors)
    if fields["regions"] and not fields["countries"]:
        errors.setdefault("regions", "Regions lie within the countries covered: choose a country too.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        Partnership.objects.select_for_update().filter(pk=partnership.pk).first()
        coverage, _ = LeadCoverage.objects.update_or_create(
            partnership=partnership, defaults={"vendor": vendor, **fields}
        )
        coverage.products.set(product_ids)
    return coverage


# --- importing from a spreadsheet ----------------------------------------------------------------------------

# The report lists this many problems at most (the counts are always complete).
MAX_REPORTED_ERRORS = 1000


def lead_import_stage(*, actor, vendor: Organization, upload) -> LeadImport:
    """Read a CSV or XLSX file of the vendor's leads and check every row as ``leads_create`` would; store the
    report (the valid rows, each bad row's problems, the columns read and ignored) and create no lead.

    A problem with the file itself (type, size, encoding, columns) raises ``ValidationError({"file": …})`` and
    stores nothing. The person reads the report, then confirms (``lead_import_confirm``) or discards it."""
    _require_vendor_side(actor, vendor)
    sheet = imports.read_leads(upload)
    catalog = dict(Product.objects.filter(vendor=vendor, active=True).values_list("sku", "pk"))
    sku_of = {pk: sku for sku, pk in catalog.items()}
    order = {name: n for n, name in enumerate(imports.LABELS)}
    valid, errors, invalid = [], [], 0
    for row in sheet.rows:
        fields, problems = clean_lead(vendor, row.data, products_by_sku=catalog)
        problems.update(row.problems)
        if problems:
            invalid += 1
            errors.extend(
                {"row": row.number, "field": name, "column": sheet.columns.get(name, ""), "message": message}
                for name, message in sorted(problems.items(), key=lambda item: order.get(item[0], len(order)))
            )
            continue
        products = [sku_of[pk] for pk in fields.pop("product_ids")]
        valid.append({"row": row.number, **fields, "products": products})
    return LeadImport.objects.create(
        vendor=vendor,
        created_by=actor,
        filename=sheet.filename,
        columns=sheet.columns,
        ignored_columns=sheet.ignored,
        rows=valid,
        errors=errors[:MAX_REPORTED_ERRORS],
        more_errors=max(0, len(errors) - MAX_REPORTED_ERRORS),
        total_rows=len(sheet.rows),
        valid_rows=len(valid),
        invalid_rows=invalid,
    )


def _require_pending(lead_import: LeadImport) -> None:
    if lead_import.status == LeadImport.Status.IMPORTED:
        raise ValidationError(
            f"{lead_import.filename} was already imported on {lead_import.imported_at:%d %b %Y %H:%M} UTC "
            f"({lead_import.imported_count} leads): it is not imported twice."
        )
    if lead_import.status == LeadImport.Status.DISCARDED:
        raise ValidationError(f"{lead_import.filename} was discarded: upload the file again to import it.")


def lead_import_confirm(*, actor, lead_import: LeadImport, route: bool = True) -> list[Lead]:
    """Create the leads of a staged import's valid rows and route them: all of them or, on any error, none.

    A second confirm (or one after a discard) is refused. Should a row no longer pass (a product left the
    catalog since the file was checked), ``RowErrors`` names it by its spreadsheet row and nothing is written.
    Routed as one batch (a fixed number of queries, ``bench/routing``): each partner hears of its new leads once."""
    _require_vendor_side(actor, lead_import.vendor)
    with transaction.atomic():
        locked = LeadImport.objects.select_for_update().select_related("vendor").get(pk=lead_import.pk)
        _require_pending(locked)
        if not locked.rows:
            raise ValidationError(
                f"No row of {locked.filename} can be imported: correct the rows the report lists and upload it again."
            )
        vendor, rows = locked.vendor, locked.rows
        catalog = dict(Product.objects.filter(vendor=vendor, active=True).values_list("sku", "pk"))
        problems = {}
        for row in rows:
            errors = clean_lead(vendor, row, products_by_sku=catalog)[1]
            if errors:
                problems[row["row"]] = errors
        if problems:
            raise RowErrors(problems)
        leads = leads_create(actor=actor, vendor=vendor, rows=rows, route=route)
        LeadImport.objects.filter(pk=locked.pk).update(
            status=LeadImport.Status.IMPORTED,
            decided_by=actor,
            imported_at=timezone.now(),
            imported_count=len(leads),
            lead_ids=[lead.pk for lead in leads],
        )
    lead_import.refresh_from_db()
    return leads


def lead_import_discard(*, actor, lead_import: LeadImport) -> LeadImport:
    """Drop a staged import without creating any lead; its rows are forgotten, the report's counts stay.

    Discarding a discarded import changes nothing; an imported one cannot be discarded (its leads exist)."""
    _require_vendor_side(actor, lead_import.vendor)
    with transaction.atomic():
        locked = LeadImport.objects.select_for_update().get(pk=lead_import.pk)
        if locked.status != LeadImport.Status.DISCARDED:
            _require_pending(locked)
            LeadImport.objects.filter(pk=locked.pk).update(
                status=LeadImport.Status.DISCARDED, decided_by=actor, discarded_at=timezone.now(), rows=[]
            )
    lead_import.refresh_from_db()
    return lead_import
