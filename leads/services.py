"""Every write to leads: creating, routing, answering an offer, and the SLA recall.

Routing a batch loads what the rules need in a fixed number of queries (the rules, the vendor's active
partnerships with their coverage, each partner's open leads and record, the leads' exclusions) and writes the
offers, the leads and their history with one statement per table, whatever the number of leads.
"""

from collections import Counter, defaultdict
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from deals.models import DealRegistration
from leads import notifications as kinds
from leads import routing
from leads.models import Lead, LeadCoverage, LeadEvent, LeadOffer, LeadRules
from portal.notifications import services as notifications
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


def _tell(kind, organization: Organization, vendor: Organization, leads: list[Lead], *, title, actor=None) -> None:
    """One notification to ``organization`` about these leads (named in the body, at most ten)."""
    if not leads:
        return
    names = [f"{lead.reference} {lead.company} ({lead.country})" for lead in leads[:10]]
    more = f"\n… and {len(leads) - 10} more." if len(leads) > 10 else ""
    notifications.notify(
        kind=kind.key,
        organization=organization,
        vendor=vendor,
        subject=leads[0] if len(leads) == 1 else None,
        actor=actor,
        title=title,
        body="\n".join(names) + more,
    )


def _tell_offered(vendor: Organization, offered: dict[int, list[Lead]], deadline: datetime) -> None:
    """Each partner that was offered leads hears of them once, with the deadline."""
    partners = Organization.objects.in_bulk(list(offered))
    for partner_id, leads in offered.items():
        count = f"a lead: {leads[0].company}" if len(leads) == 1 else f"{len(leads)} new leads"
        _tell(
            kinds.OFFERED,
            partners[partner_id],
            vendor,
            leads,
            title=f"{vendor.name} sent you {count}. Accept by {deadline:%d %b %Y %H:%M} UTC",
        )


# --- creating ------------------------------------------------------------------------------------------------


def _text(data, name, errors, *, required=False, max_length=200) -> str:
    value = str(data.get(name) or "").strip()
    if required and not value:
        errors[name] = "This field is required."
    elif len(value) > max_length:
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
    if country and (len(country) != 2 or not country.isalpha()):
        errors["country"] = "A two-letter ISO country code, e.g. DE or US."
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
        if route:
            leads_route(vendor=vendor, lead_ids=[lead.pk for lead in leads], now=now)
    return list(Lead.objects.filter(pk__in=[lead.pk for lead in leads]).order_by("pk"))


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
        sku_of = dict(Product.objects.filter(vendor=vendor).values_list("pk", "sku"))
        candidates = _candidates(vendor, rules, now)
        plain = _routing_rules(rules)
        deadline = now + timedelta(hours=rules.sla_hours)
        offers, events, explained = [], [], {}
        offered = defaultdict(list)
        for lead in leads:
            facts = routing.LeadFacts(
                id=lead.pk,
                country=lead.country,
                region=lead.region,
                postcode=lead.postcode,
                product_ids=frozenset(products[lead.pk]),
                excluded=frozenset(excluded[lead.pk]),
                sku_of=sku_of,
            )
            choice = routing.route(facts, candidates, plain)
            explained[lead.pk] = choice.explanation
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
        Lead.objects.bulk_update(
            leads, ["status", "partnership", "partner", "distributor", "accept_by", "routing_reason", "updated_at"]
        )
        LeadOffer.objects.bulk_create(offers)
        LeadEvent.objects.bulk_create(events)
        _tell_offered(vendor, offered, deadline)
    return explained


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


def _pending_offer(lead: Lead) -> LeadOffer:
    offer = LeadOffer.objects.filter(lead=lead, outcome=Outcome.PENDING).first()
    if lead.status != Status.OFFERED or offer is None:
        raise ValidationError(f"{lead.reference} is not waiting for your answer.")
    return offer


def lead_accept(*, actor, lead: Lead, now: datetime | None = None) -> Lead:
    """Accept a lead offered to the actor's partner, before its deadline."""
    now = now or timezone.now()
    _require_holder(actor, lead)
    with transaction.atomic():
        lead = _lock(lead)
        offer = _pending_offer(lead)
        if offer.accept_by < now:
            raise ValidationError(f"The deadline to accept {lead.reference} has passed: it goes to another partner.")
        if not access.has_partnership_perm(actor, lead.partnership, access.ACCESS_PROGRAM):
            raise ValidationError(f"Your partnership with {lead.vendor.name} is not active.")
        LeadOffer.objects.filter(pk=offer.pk).update(outcome=Outcome.ACCEPTED, decided_at=now)
        lead.status, lead.accepted_at, lead.accept_by, lead.updated_at = Status.ACCEPTED, now, None, now
        lead.save(update_fields=["status", "accepted_at", "accept_by", "updated_at"])
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


def lead_reject(*, actor, lead: Lead, reason: str, now: datetime | None = None) -> Lead:
    """Turn down a lead offered to the actor's partner (with a reason); it goes to the next partner."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Tell the vendor why (it helps them route better)."})
    if len(reason) > MAX_TEXT:
        raise ValidationError({"reason": f"At most {MAX_TEXT} characters."})
    _require_holder(actor, lead)
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
        for (vendor, partner), leads in missed_by.items():
            what = f"{leads[0].reference} {leads[0].company}" if len(leads) == 1 else f"{len(leads)} leads"
            _tell(
                kinds.RECALLED,
                partner,
                vendor,
                leads,
                title=f"{vendor.name} recalled {what}: not accepted before the deadline",
            )
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
    return Lead.objects.get(pk=lead.pk)


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
        old_value=old[:40],
        new_value=new[:40],
        detail=detail,
    )


def lead_assign_rep(*, actor, lead: Lead, rep) -> Lead:
    """Give a lead the partner holds to one of the partner's people (or nobody, with ``rep=None``)."""
    _require_holder(actor, lead)
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
    _require_holder(actor, lead)
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
        lead.status, lead.updated_at = status, timezone.now()
        lead.status_reason = reason if status == Status.DISQUALIFIED else ""
        lead.save(update_fields=["status", "status_reason", "updated_at"])
        _partner_event(lead, actor, Event.STATUS_CHANGED, old=old, new=status, detail=reason)
    return lead


def lead_convert(*, actor, lead: Lead, title: str, expected_close_date, lines, submit: bool = False):
    """Register a deal from a lead the partner works: the customer and contact carried over, the two linked."""
    from deals import services as deal_services

    _require_holder(actor, lead)
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
        )
        old = lead.status
        lead.status, lead.deal, lead.updated_at = Status.CONVERTED, deal, timezone.now()
        lead.save(update_fields=["status", "deal", "updated_at"])
        detail = f"Registered as {deal.reference}"
        _partner_event(lead, actor, Event.CONVERTED, old=old, new=Status.CONVERTED, detail=detail)
    return deal


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
        for (vendor, partner), offers in by_partner.items():
            first = min(o.accept_by for o in offers)
            what = (
                f"{offers[0].lead.reference} {offers[0].lead.company}" if len(offers) == 1 else f"{len(offers)} leads"
            )
            _tell(
                kinds.REMINDER,
                partner,
                vendor,
                [o.lead for o in offers],
                title=f"Accept {what} from {vendor.name} by {first:%d %b %Y %H:%M} UTC, or it goes to another partner",
            )
    return reminded
