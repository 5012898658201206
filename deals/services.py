"""Every write to deal registrations. Plain functions: the acting person first, keyword-only arguments.

Each runs in one transaction, checks that the actor may do it (whoever calls: view, API, admin, task), records
the change in the history both sides see (``DealEvent``), publishes what happened (``deals/events.py``: other
apps subscribe, this one names none of them) and tells people through the notifications outbox.
Bad input raises ``ValidationError`` (a dict keyed by field where one field is at fault) and writes nothing;
an actor who may not do a thing gets ``PermissionDenied``.

Submissions and approvals at one vendor are serialised on the vendor's ``DealRules`` row (``SELECT … FOR
UPDATE``): two partners submitting the same customer at the same moment are matched one after the other, so
both are recorded and the second is flagged against the first; nothing is lost and nothing crashes.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, FloatField, Func, Q, Value
from django.utils import timezone

from core import numbers, places, tallies
from core.events import publish
from deals import matching, uploads
from deals.events import DealStatusChanged, DealSubmitted
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
from deals.tallies import DEAL_TOTALS
from notifications import services as notifications
from vendors import access
from vendors.models import Distribution, Membership, Organization, Partnership, Product
from vendors.money import partner_price, quantize
from vendors.services import MANAGER_ROLES, require_role

Status = DealRegistration.Status
Stage = DealRegistration.Stage
Queue = DealRegistration.Queue
Event = DealEvent.Kind

MAX_LINES = numbers.MAX_LINES
MAX_QUANTITY = numbers.QUANTITY.maximum
MAX_TEXT = 10_000
MAX_PROTECTION_DAYS = numbers.PROTECTION_DAYS.maximum
MAX_EXTENSION_DAYS = numbers.EXTENSION_DAYS.maximum
MAX_AMOUNT = numbers.AMOUNT.maximum
WARN_DAYS = (14, 3)
PARTNER_FIELDS = (
    "title",
    "customer_name",
    "customer_website",
    "customer_country",
    "contact_name",
    "contact_email",
    "contact_phone",
    "expected_close_date",
    "notes",
    "stage",
    "lost_reason",
    "amount",
    "lines",
)
CUSTOMER_FIELDS = ("customer_name", "customer_website", "customer_country")
EDITABLE_CUSTOMER_STATUSES = (Status.DRAFT, Status.INFO_REQUESTED)


# --- who may act --------------------------------------------------------------------------------------------


def _today(now: datetime | None = None) -> date:
    return timezone.localdate(now)


def _require_partner_side(actor, deal: DealRegistration) -> None:
    if deal.partner_id not in access.organization_ids(actor) or not access.has_partnership_perm(
        actor, deal.partnership, access.VIEW_RECORDS
    ):
        raise PermissionDenied("Only the partner that registered this deal can do this.")


def _require_partner_writes(actor, deal: DealRegistration) -> None:
    """The partner's people change their registration (its fields, thread, files, submission, extensions) only
    while the partnership is active: once the vendor suspended or ended it, they read it and nothing more."""
    _require_partner_side(actor, deal)
    access.require_program_access(actor, deal.partnership, "registration", vendor=deal.vendor)


def _require_program(actor, deal: DealRegistration) -> None:
    if deal.partnership.status != Partnership.Status.ACTIVE or not access.has_partnership_perm(
        actor, deal.partnership, access.ACCESS_PROGRAM
    ):
        raise ValidationError(
            {"vendor": f"Your partnership with {deal.vendor.name} is not active: registrations cannot be sent to it."}
        )


def _require_decider(actor, deal: DealRegistration) -> None:
    """The vendor's admins and managers decide registrations (platform admins may act for anyone)."""
    superuser = actor is not None and actor.is_authenticated and actor.is_superuser
    if not superuser and not access.has_partnership_perm(actor, deal.partnership, access.MANAGE_PARTNERSHIP):
        raise PermissionDenied("This registration is not yours to decide.")
    require_role(actor, deal.vendor, MANAGER_ROLES)


def side_of(actor, deal: DealRegistration) -> Organization | None:
    """The organization the actor speaks for on this deal: its partner, vendor or distributor (in that order)."""
    own = set(access.organization_ids(actor))
    for org in (deal.partner, deal.vendor, deal.distributor):
        if org is not None and org.pk in own:
            return org
    return None


def _lock(deal: DealRegistration) -> DealRegistration:
    locked = (
        DealRegistration.objects.select_for_update(of=("self",))
        .select_related("partnership__tier", "vendor", "partner", "distributor", "created_by")
        .get(pk=deal.pk)
    )
    locked._tallied = _tally_state(locked)
    return locked


def _tally_state(deal: DealRegistration) -> tuple | None:
    """What a registration adds to its vendor's and distributor's ``DealTally``: nothing while it is a draft."""
    return None if deal.status == Status.DRAFT else (deal.status, deal.currency, deal.amount)


def _retally(deal: DealRegistration) -> None:
    """Move the registration in its vendor's and distributor's tallies from where it was when it was locked to
    where it is now. Called after each save that may change its status or amount; a no-op when neither changed."""
    before, after = deal._tallied, _tally_state(deal)  # only a deal from ``_lock`` knows where it was
    deal._tallied = after
    if before == after:
        return
    moves = defaultdict(lambda: [0, Decimal("0")])
    for organization_id in filter(None, (deal.vendor_id, deal.distributor_id)):
        for state, sign in ((before, -1), (after, 1)):
            if state is not None:
                status, currency, amount = state
                move = moves[(organization_id, status, currency)]
                move[0] += sign
                move[1] += sign * amount
    tallies.move(DEAL_TOTALS, {key: tuple(move) for key, move in moves.items()})


def _lock_rules(vendor: Organization) -> DealRules:
    """The vendor's rules row, locked: submissions and approvals at one vendor run one at a time."""
    DealRules.objects.get_or_create(vendor=vendor)
    return DealRules.objects.select_for_update().get(vendor=vendor)


# --- history and notifications -------------------------------------------------------------------------------


def _event(deal, kind, actor=None, organization=None, *, field="", old="", new="", detail="", at=None) -> DealEvent:
    return DealEvent.objects.create(
        deal=deal,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        organization=organization,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        detail=detail,
        created_at=at or timezone.now(),
    )


def _partner_recipient(deal):
    """The person who registered the deal, while they are still at the partner; else the whole partner is told."""
    if (
        deal.created_by_id
        and Membership.objects.filter(organization_id=deal.partner_id, user_id=deal.created_by_id).exists()
    ):
        return deal.created_by
    return None


def _tell_partner(kind, deal, *, title, body="", actor=None, key=None, now=None):
    notifications.notify(
        kind=kind,
        organization=deal.partner,
        vendor=deal.vendor,
        subject=deal,
        actor=actor,
        recipient=_partner_recipient(deal),
        title=title,
        body=body,
        key=key,
        now=now,
    )


def _tell_channel(kind, deal, *, title, body="", actor=None, distributor=True, vendor_note="", now=None):
    """The vendor (and, in two-tier, the distributor): their admins and managers. ``vendor_note`` (a conflict)
    is told to the vendor alone."""
    for org, note in ((deal.vendor, vendor_note), (deal.distributor if distributor else None, "")):
        if org is not None:
            notifications.notify(
                kind=kind,
                organization=org,
                vendor=deal.vendor,
                subject=deal,
                actor=actor,
                title=title,
                body=body + note,
                now=now,
            )


# --- validation ---------------------------------------------------------------------------------------------


def _text(value, field, errors, *, required=False, max_length=200) -> str:
    value = "" if value is None else str(value).strip()
    if required and not value:
        errors[field] = "This field is required."
    elif len(value) > max_length:
        errors[field] = f"At most {max_length} characters."
    return value


def _close_date(value, errors, *, today: date | None = None) -> date | None:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            errors["expected_close_date"] = "Enter a date as YYYY-MM-DD."
            return None
    if not isinstance(value, date):
        errors["expected_close_date"] = "This field is required."
        return None
    today = today or _today()
    if value < today:
        errors["expected_close_date"] = "The expected close date cannot be in the past."
    elif value > today + timedelta(days=5 * 366):
        errors["expected_close_date"] = "The expected close date must be within five years."
    return value


def _customer(data: dict, errors: dict) -> dict:
    clean = {
        "customer_name": _text(data.get("customer_name"), "customer_name", errors, required=True),
        "customer_website": _text(data.get("customer_website"), "customer_website", errors, max_length=255),
        "customer_country": _text(data.get("customer_country"), "customer_country", errors, required=True).upper(),
    }
    if clean["customer_country"] and not places.is_country(clean["customer_country"]):
        errors["customer_country"] = places.COUNTRY_ERROR
    domain, stem = matching.domain_parts(clean["customer_website"])
    if clean["customer_website"] and not domain and "customer_website" not in errors:
        errors["customer_website"] = "Enter the customer's web domain, e.g. acme.com."
    clean.update(
        customer_domain=domain, customer_domain_stem=stem, customer_name_key=matching.name_key(clean["customer_name"])
    )
    return clean


def _contact(data: dict, errors: dict) -> dict:
    clean = {
        "contact_name": _text(data.get("contact_name"), "contact_name", errors, required=True),
        "contact_email": _text(data.get("contact_email"), "contact_email", errors, max_length=254),
        "contact_phone": _text(data.get("contact_phone"), "contact_phone", errors, max_length=40),
    }
    if clean["contact_email"]:
        try:
            validate_email(clean["contact_email"])
        except ValidationError:
            errors["contact_email"] = "Enter a valid email address."
    return clean


def _terms(partnership: Partnership) -> tuple[Decimal, Decimal]:
    """The partner's tier discount and, in two-tier, the distributor's uplift."""
    uplift = Decimal("0")
    if partnership.distributor_id:
        uplift = (
            Distribution.objects.filter(vendor_id=partnership.vendor_id, distributor_id=partnership.distributor_id)
            .values_list("uplift_percent", flat=True)
            .first()
        ) or Decimal("0")
    discount = partnership.tier.discount_percent if partnership.tier_id else Decimal("0")
    return discount, uplift


def _lines(partnership: Partnership, lines, errors: dict) -> list[DealLine]:
    """Unsaved lines priced at the partner's buy price; errors name the line at fault.

    A product that does not exist and a product of another vendor get the same answer: a partner learns nothing
    about other vendors' catalogs from this form.
    """
    if not lines:
        errors["lines"] = "Add at least one product from the vendor's catalog."
        return []
    lines = list(lines)
    if len(lines) > MAX_LINES:
        errors["lines"] = f"At most {MAX_LINES} products on one registration."
        return []
    wanted, problems = [], []
    for number, line in enumerate(lines, 1):
        try:
            product, quantity = line
        except (TypeError, ValueError):
            problems.append(f"Line {number}: give a product and a quantity.")
            continue
        product_id = getattr(product, "pk", product)
        try:
            product_id = int(product_id)
            quantity = int(quantity)
        except (TypeError, ValueError):
            problems.append(f"Line {number}: give a product and a whole-number quantity.")
            continue
        if not 1 <= quantity <= MAX_QUANTITY:
            problems.append(f"Line {number}: the quantity must be between 1 and {MAX_QUANTITY:,}.")
            continue
        wanted.append((number, product_id, quantity))
    products = Product.objects.in_bulk([product_id for _, product_id, _ in wanted])
    seen, built = set(), []
    discount, uplift = _terms(partnership)
    for number, product_id, quantity in wanted:
        product = products.get(product_id)
        if product is None or product.vendor_id != partnership.vendor_id or not product.active:
            problems.append(f"Line {number}: product {product_id} is not in {partnership.vendor.name}'s catalog.")
            continue
        if product_id in seen:
            problems.append(f"Line {number}: {product.name} is on the registration twice; change its quantity instead.")
            continue
        seen.add(product_id)
        price = partner_price(
            list_price=product.list_price, currency=product.currency, discount_percent=discount, uplift_percent=uplift
        )
        built.append(
            DealLine(product=product, quantity=quantity, list_price=price.list_price, unit_price=price.buy_price)
        )
    if len({line.product.currency for line in built}) > 1:
        problems.append("These products are priced in different currencies; register them separately.")
    elif built and _amount_of(built)[0] > MAX_AMOUNT:
        problems.append(
            f"These products add up to more than {MAX_AMOUNT:,} {built[0].product.currency}, the most one "
            "registration can hold: register them as several deals."
        )
    if problems:
        errors["lines"] = problems
    return built


def _lines_value(deal: DealRegistration) -> Decimal:
    """What the registration's products are worth at the partner's price (a typed amount can be lower)."""
    return sum((line.unit_price * line.quantity for line in DealLine.objects.filter(deal=deal)), Decimal("0"))


def _amount_of(lines: list[DealLine]) -> tuple[Decimal, str | None]:
    if not lines:
        return Decimal("0"), None
    currency = lines[0].product.currency
    return quantize(sum((line.unit_price * line.quantity for line in lines), Decimal("0")), currency), currency


def _money(value, field, errors) -> Decimal | None:
    """An amount within ``numbers.AMOUNT``: rounded to any currency's minor unit, it still fits the column."""
    if isinstance(value, float):
        value = str(value)
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        errors[field] = "Enter an amount."
        return None
    if not amount.is_finite():
        errors[field] = "Enter an amount."
        return None
    if amount < 0:
        errors[field] = "The amount cannot be negative."
        return None
    if amount > MAX_AMOUNT:
        errors[field] = f"The amount can be at most {MAX_AMOUNT:,}."
        return None
    try:
        return numbers.AMOUNT.clean(amount, field)
    except ValidationError as exc:
        errors[field] = exc.message_dict[field][0]
        return None


# --- registering ----------------------------------------------------------------------------------------------


def deal_create(
    *,
    actor,
    partner: Organization,
    vendor: Organization | None,
    title: str,
    customer_name: str,
    customer_country: str,
    contact_name: str,
    expected_close_date,
    lines,
    customer_website: str = "",
    contact_email: str = "",
    contact_phone: str = "",
    notes: str = "",
    attachments=(),
    submit: bool = False,
    now: datetime | None = None,
) -> DealRegistration:
    """Register a deal with one of the partner's vendors: a draft, or submitted at once (``submit=True``).

    ``now``: when it happens (the demo tells a registration's story on its days); the present by default."""
    if partner is None or partner.pk not in access.organization_ids(actor) or not partner.is_partner:
        raise PermissionDenied("Deals are registered by the partner's own people.")
    partnership = None
    if vendor is not None:
        partnership = (
            access.partnerships_for(actor, access.ACCESS_PROGRAM)
            .filter(partner=partner, vendor=vendor, status=Partnership.Status.ACTIVE)
            .select_related("tier", "vendor", "partner", "distributor")
            .first()
        )
    errors: dict = {}
    if partnership is None:
        errors["vendor"] = "Choose one of your vendors: deals can be registered only where your partnership is active."
    data = {
        "customer_name": customer_name,
        "customer_website": customer_website,
        "customer_country": customer_country,
        "contact_name": contact_name,
        "contact_email": contact_email,
        "contact_phone": contact_phone,
    }
    fields = {
        "title": _text(title, "title", errors, required=True),
        "notes": _text(notes, "notes", errors, max_length=MAX_TEXT),
        **_customer(data, errors),
        **_contact(data, errors),
    }
    now = now or timezone.now()
    fields["expected_close_date"] = _close_date(expected_close_date, errors, today=_today(now))
    built = _lines(partnership, lines, errors) if partnership is not None else []
    checked = []
    try:
        checked = uploads.validate_uploads(attachments)
    except ValidationError as exc:
        errors["attachments"] = exc.messages
    if errors:
        raise ValidationError(errors)
    amount, currency = _amount_of(built)
    stored: list[DealAttachment] = []
    try:
        with transaction.atomic():
            deal = DealRegistration.objects.create(
                partnership=partnership,
                vendor=partnership.vendor,
                partner=partnership.partner,
                distributor=partnership.distributor,
                amount=amount,
                currency=currency,
                created_by=actor,
                created_at=now,
                updated_at=now,
                last_activity_at=now,
                **fields,
            )
            for line in built:
                line.deal = deal
            DealLine.objects.bulk_create(built)
            _event(deal, Event.CREATED, actor, partner, detail=f"Registered with {deal.vendor.name}", at=now)
            for upload, name, content_type in checked:
                stored.append(_attach(deal, actor, partner, upload, name, content_type))
            if submit:
                deal = _submit(actor, deal, now=now)
    except BaseException:
        # The rows rolled back (a refused submission, say): the files stored for them go too.
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return deal


def _attach(deal, actor, organization, upload, name, content_type) -> DealAttachment:
    attachment = DealAttachment(
        deal=deal, name=name, size=upload.size, content_type=content_type, uploaded_by=actor, organization=organization
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    _event(deal, Event.ATTACHMENT_ADDED, actor, organization, detail=name)
    return attachment


def deal_attach(*, actor, deal: DealRegistration, upload) -> DealAttachment:
    """Add a file (a quote, the customer's RFP) to a registration: the partner's people."""
    _require_partner_writes(actor, deal)
    try:
        name, content_type = uploads.validate_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    with transaction.atomic():
        deal = _lock(deal)
        attachment = _attach(deal, actor, deal.partner, upload, name, content_type)
        DealRegistration.objects.filter(pk=deal.pk).update(updated_at=timezone.now(), last_activity_at=timezone.now())
    return attachment


# --- conflicts ---------------------------------------------------------------------------------------------


def _similarity(key: str):
    return Func(F("customer_name_key"), Value(key), function="similarity", output_field=FloatField())


def _matches(deal: DealRegistration, rules: DealRules, candidates):
    """The candidates that look like the same customer and share a product with ``deal``, with why.

    Returns ``[(other, matched_on, similarity, common product ids)]``.
    """
    product_ids = list(DealLine.objects.filter(deal=deal).values_list("product_id", flat=True))
    if not product_ids:
        return []
    candidates = candidates.filter(
        vendor_id=deal.vendor_id, id__in=DealLine.objects.filter(product_id__in=product_ids).values("deal_id")
    ).exclude(pk=deal.pk)
    by_domain = Q(pk__in=[])
    if deal.customer_domain:
        by_domain |= Q(customer_domain=deal.customer_domain)
    if len(deal.customer_domain_stem) >= matching.MIN_STEM:
        by_domain |= Q(customer_domain_stem=deal.customer_domain_stem)
    threshold = float(rules.name_similarity)
    found = list(
        candidates.annotate(similarity=_similarity(deal.customer_name_key or ""))
        .filter(by_domain | Q(similarity__gte=threshold))
        .select_related("partner")
        .order_by("submitted_at", "id")
    )
    if not found:
        return []
    common = {}
    for deal_id, product_id in DealLine.objects.filter(deal__in=found, product_id__in=product_ids).values_list(
        "deal_id", "product_id"
    ):
        common.setdefault(deal_id, []).append(product_id)
    result = []
    for other in found:
        same_domain = bool(deal.customer_domain) and other.customer_domain == deal.customer_domain
        same_stem = (
            len(deal.customer_domain_stem) >= matching.MIN_STEM
            and other.customer_domain_stem == deal.customer_domain_stem
        )
        matched_on = DealConflict.Match.DOMAIN if same_domain or same_stem else DealConflict.Match.NAME
        result.append((other, matched_on, other.similarity, common.get(other.pk, [])))
    return result


def _open_candidates():
    return DealRegistration.objects.filter(status__in=DealRegistration.OPEN_STATUSES).exclude(stage=Stage.LOST)


def _detect_conflicts(deal: DealRegistration, rules: DealRules, *, now: datetime) -> list[DealConflict]:
    """Flag the other partners' open registrations of the same customer and product (the vendor sees them)."""
    found = _matches(deal, rules, _open_candidates().exclude(partner_id=deal.partner_id))
    # A resubmission meets the rows of its first submission, either way round: one row per pair, and what no
    # longer matches (the partner changed the customer or the products) is settled.
    existing = {
        (row.other_id if row.deal_id == deal.pk else row.deal_id): row
        for row in DealConflict.objects.filter(Q(deal=deal) | Q(other=deal)).order_by("id")
    }
    still = {other.pk for other, *_ in found}
    stale = [row for pk, row in existing.items() if pk not in still and row.resolved_at is None]
    if stale:
        DealConflict.objects.filter(pk__in=[row.pk for row in stale]).update(resolved_at=now)
        _refresh_flags({row.deal_id for row in stale} | {row.other_id for row in stale})
    if not found:
        return []
    skus = dict(Product.objects.filter(pk__in={pid for *_, ids in found for pid in ids}).values_list("pk", "sku"))
    conflicts = []
    for other, matched_on, similarity, product_ids in found:
        conflict = existing.get(other.pk) or DealConflict(deal=deal, other=other)
        conflict.vendor_id = deal.vendor_id
        conflict.matched_on = matched_on
        conflict.similarity = Decimal(str(round(similarity or 0, 3)))
        conflict.products = ", ".join(sorted(skus[pid] for pid in product_ids))[:500]
        conflict.detected_at = now
        conflict.resolved_at = None
        conflict.save()
        conflicts.append(conflict)
    others = [other.pk for other, *_ in found]
    DealRegistration.objects.filter(pk__in=others).update(has_conflict=True)
    DealRegistration.objects.filter(pk__in=others, status__in=DealRegistration.PENDING_STATUSES).update(
        queue=Queue.CONFLICT
    )
    return conflicts


def _resolve_conflicts(deal: DealRegistration, *, now: datetime) -> None:
    """``deal`` no longer holds its customer (rejected, expired, lost): its conflicts are settled."""
    touched = set()
    for conflict in DealConflict.objects.filter(Q(deal=deal) | Q(other=deal), resolved_at__isnull=True):
        touched.update({conflict.deal_id, conflict.other_id})
    DealConflict.objects.filter(Q(deal=deal) | Q(other=deal), resolved_at__isnull=True).update(resolved_at=now)
    _refresh_flags(touched | {deal.pk})


def _refresh_flags(deal_ids) -> None:
    """Recompute ``has_conflict`` and ``queue`` of these registrations from their unresolved conflicts."""
    if not deal_ids:
        return
    unresolved = DealConflict.objects.filter(resolved_at__isnull=True)
    flagged = set(unresolved.filter(deal_id__in=deal_ids).values_list("deal_id", flat=True)) | set(
        unresolved.filter(other_id__in=deal_ids).values_list("other_id", flat=True)
    )
    for deal in DealRegistration.objects.filter(pk__in=deal_ids).only("pk", "status", "stage", "has_conflict", "queue"):
        has_conflict = deal.pk in flagged
        queue = _queue_for(deal.status, has_conflict, deal.stage)
        if (has_conflict, queue) != (deal.has_conflict, deal.queue):
            DealRegistration.objects.filter(pk=deal.pk).update(has_conflict=has_conflict, queue=queue)


def _queue_for(status: str, has_conflict: bool, stage: str = "") -> int:
    if status in DealRegistration.PENDING_STATUSES and stage != Stage.LOST:
        return Queue.CONFLICT if has_conflict else Queue.REVIEW
    return Queue.OTHER


def approved_clash(
    deal: DealRegistration, rules: DealRules | None = None, *, today: date | None = None
) -> DealRegistration | None:
    """Another approved registration of the same customer and a product of ``deal`` at this vendor, if any."""
    rules = rules or DealRules.objects.filter(vendor_id=deal.vendor_id).first() or DealRules(vendor=deal.vendor)
    candidates = DealRegistration.objects.filter(status=Status.APPROVED, expires_on__gte=today or _today()).exclude(
        stage=Stage.LOST
    )
    found = _matches(deal, rules, candidates)
    return found[0][0] if found else None


# --- submitting and deciding -------------------------------------------------------------------------------


def _idle_cap_check(deal: DealRegistration, rules: DealRules, *, now: datetime) -> None:
    if rules.idle_cap is None:
        return
    since = now - timedelta(days=rules.idle_days)
    idle = (
        DealRegistration.objects.filter(
            vendor_id=deal.vendor_id,
            partner_id=deal.partner_id,
            status__in=DealRegistration.OPEN_STATUSES,
            last_activity_at__lt=since,
        )
        .exclude(stage__in=DealRegistration.CLOSED_STAGES)
        .exclude(pk=deal.pk)
        .count()
    )
    if idle >= rules.idle_cap:
        raise ValidationError(
            f"You hold {idle} open registrations with {deal.vendor.name} without activity in the last "
            f"{rules.idle_days} days, and {deal.vendor.name} allows at most {rules.idle_cap}. Update them "
            "(stage, notes, close date) or close them before registering more."
        )


def _submit(actor, deal: DealRegistration, *, now: datetime) -> DealRegistration:
    _require_program(actor, deal)
    rules = _lock_rules(deal.vendor)
    deal = _lock(deal)
    if deal.status not in (Status.DRAFT, Status.INFO_REQUESTED):
        raise ValidationError("Only a draft, or a registration the vendor asked more about, can be submitted.")
    if not DealLine.objects.filter(deal=deal).exists():
        raise ValidationError({"lines": "Add at least one product from the vendor's catalog."})
    if deal.expected_close_date < _today(now):
        raise ValidationError({"expected_close_date": "The expected close date has passed; change it first."})
    _idle_cap_check(deal, rules, now=now)
    resubmit = deal.status == Status.INFO_REQUESTED
    old_status, old = deal.status, deal.get_status_display()
    deal.status = Status.SUBMITTED
    deal.submitted_at = deal.submitted_at or now
    deal.updated_at = deal.last_activity_at = now
    deal.save(update_fields=["status", "submitted_at", "updated_at", "last_activity_at"])
    _retally(deal)
    publish(DealSubmitted(deal=deal, actor=actor, resubmitted=resubmit))  # the vendor sees it from now on
    publish(DealStatusChanged(deal=deal, actor=actor, old=old_status, new=Status.SUBMITTED))
    _event(
        deal,
        Event.RESUBMITTED if resubmit else Event.SUBMITTED,
        actor,
        deal.partner,
        field="status",
        old=old,
        new=Status.SUBMITTED.label,
        at=now,
    )
    conflicts = _detect_conflicts(deal, rules, now=now)
    _refresh_flags([deal.pk])
    deal.refresh_from_db(fields=["has_conflict", "queue"])
    auto = (
        not conflicts
        and not deal.has_conflict
        and rules.pk is not None
        and rules.auto_approve_below is not None
        and max(deal.amount, _lines_value(deal)) < rules.auto_approve_below
        and rules.auto_approve_tiers.filter(pk=deal.partnership.tier_id).exists()
        and approved_clash(deal, rules, today=_today(now)) is None
    )
    verb = "resubmitted" if resubmit else "registered"
    if auto:
        note = "Approved automatically: below the vendor's value threshold."
        _approve(deal, None, protection_days=None, note=note, now=now)
        _tell_channel(
            "deal.submitted",
            deal,
            actor=actor,
            title=f"{deal.partner.name} {verb} {deal.title} (approved automatically)",
            body=f"{deal.customer_name}, {deal.amount:,.2f} {deal.currency}. Protected until {deal.expires_on}.",
            now=now,
        )
    else:
        flag = " Possible conflict with another partner's registration: decide side by side." if conflicts else ""
        _tell_channel(
            "deal.submitted",
            deal,
            actor=actor,
            title=f"{deal.partner.name} {verb} a deal: {deal.title}",
            body=f"{deal.customer_name}, {deal.amount:,.2f} {deal.currency}, closing {deal.expected_close_date}.",
            vendor_note=flag,
            now=now,
        )
    return deal


def deal_submit(*, actor, deal: DealRegistration, now: datetime | None = None) -> DealRegistration:
    """Send a draft for review, or answer the vendor's question and send it back (the partner's people)."""
    _require_partner_writes(actor, deal)
    with transaction.atomic():
        return _submit(actor, deal, now=now or timezone.now())


def _approve(deal, actor, *, protection_days, note, now: datetime) -> DealRegistration:
    tier_days = deal.partnership.tier.deal_protection_days if deal.partnership.tier_id else 90
    days = protection_days or tier_days or 90
    old_status, old = deal.status, deal.get_status_display()
    deal.status = Status.APPROVED
    deal.protection_days = days
    deal.approved_at = now
    deal.expires_on = _today(now) + timedelta(days=days)
    deal.expiry_warned_days = None
    deal.decided_by = actor if actor is not None and actor.is_authenticated else None
    deal.decided_at = now
    deal.decision_reason = note
    deal.queue = Queue.OTHER
    deal.updated_at = now
    deal.save()
    _retally(deal)
    publish(DealStatusChanged(deal=deal, actor=deal.decided_by, old=old_status, new=Status.APPROVED))
    _event(
        deal,
        Event.APPROVED if deal.decided_by else Event.AUTO_APPROVED,
        actor,
        deal.vendor if deal.decided_by else None,
        field="status",
        old=old,
        new=Status.APPROVED.label,
        detail=f"Protected for {days} days, until {deal.expires_on:%Y-%m-%d}." + (f" {note}" if note else ""),
        at=now,
    )
    _tell_partner(
        "deal.approved",
        deal,
        actor=actor,
        title=f"{deal.vendor.name} approved {deal.title}",
        body=f"Protected until {deal.expires_on:%Y-%m-%d}." + (f" {note}" if note else ""),
        now=now,
    )
    return deal


def _decidable(actor, deal) -> tuple[DealRegistration, DealRules]:
    _require_decider(actor, deal)
    rules = _lock_rules(deal.vendor)
    deal = _lock(deal)
    if deal.status not in DealRegistration.PENDING_STATUSES:
        raise ValidationError(f"{deal.reference} is {deal.get_status_display().lower()}: it is not waiting for review.")
    return deal, rules


def deal_approve(
    *, actor, deal: DealRegistration, protection_days=None, note: str = "", now: datetime | None = None
) -> DealRegistration:
    """Approve a registration: the partner's customer is protected for ``protection_days`` (the tier's default).

    Refused while another registration of the same customer and product is approved at this vendor.
    """
    errors = {}
    if protection_days not in (None, ""):
        try:
            protection_days = int(protection_days)
        except (TypeError, ValueError):
            protection_days = 0
        if not 1 <= protection_days <= MAX_PROTECTION_DAYS:
            errors["protection_days"] = f"Protect for 1 to {MAX_PROTECTION_DAYS} days."
    else:
        protection_days = None
    note = _text(note, "note", errors, max_length=MAX_TEXT)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    with transaction.atomic():
        deal, rules = _decidable(actor, deal)
        clash = approved_clash(deal, rules, today=_today(now))
        if clash is not None:
            raise ValidationError(
                f"{clash.reference} from {clash.partner.name} is approved for this customer and product until "
                f"{clash.expires_on:%Y-%m-%d}. Only one registration per customer and product can be approved: "
                "reject this one, or let the other expire first."
            )
        return _approve(deal, actor, protection_days=protection_days, note=note, now=now)


def deal_reject(*, actor, deal: DealRegistration, reason: str, now: datetime | None = None) -> DealRegistration:
    errors = {}
    reason = _text(reason, "reason", errors, required=True, max_length=MAX_TEXT)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        deal, _ = _decidable(actor, deal)
        now = now or timezone.now()
        old_status, old = deal.status, deal.get_status_display()
        deal.status = Status.REJECTED
        deal.decision_reason = reason
        deal.decided_by = actor
        deal.decided_at = now
        deal.updated_at = now
        deal.queue = Queue.OTHER
        deal.save()
        _retally(deal)
        publish(DealStatusChanged(deal=deal, actor=actor, old=old_status, new=Status.REJECTED))
        _event(deal, Event.REJECTED, actor, deal.vendor, field="status", old=old, new=Status.REJECTED.label, at=now)
        _resolve_conflicts(deal, now=now)
        title = f"{deal.vendor.name} rejected {deal.title}"
        _tell_partner("deal.rejected", deal, actor=actor, title=title, body=reason, now=now)
    return deal


def deal_request_info(*, actor, deal: DealRegistration, question: str, now: datetime | None = None) -> DealRegistration:
    errors = {}
    question = _text(question, "question", errors, required=True, max_length=MAX_TEXT)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        deal, _ = _decidable(actor, deal)
        if deal.status != Status.SUBMITTED:
            raise ValidationError(f"{deal.reference} is already waiting for the partner's answer.")
        now = now or timezone.now()
        deal.status = Status.INFO_REQUESTED
        deal.updated_at = now
        deal.queue = _queue_for(deal.status, deal.has_conflict)
        deal.save(update_fields=["status", "updated_at", "queue"])
        _retally(deal)
        publish(DealStatusChanged(deal=deal, actor=actor, old=Status.SUBMITTED, new=Status.INFO_REQUESTED))
        DealComment.objects.create(deal=deal, author=actor, organization=deal.vendor, body=question, created_at=now)
        _event(
            deal,
            Event.INFO_REQUESTED,
            actor,
            deal.vendor,
            field="status",
            old=Status.SUBMITTED.label,
            new=Status.INFO_REQUESTED.label,
            detail=question,
            at=now,
        )
        _tell_partner(
            "deal.info_requested",
            deal,
            actor=actor,
            title=f"{deal.vendor.name} needs more about {deal.title}",
            body=question,
            now=now,
        )
    return deal


# --- keeping it current -------------------------------------------------------------------------------------


def _display(deal, field, value) -> str:
    if value is None:
        return ""
    if field == "stage":
        return Stage(value).label
    if field == "amount":
        return f"{quantize(value, deal.currency):,} {deal.currency}"
    return str(value)


def deal_update(*, actor, deal: DealRegistration, changes: dict, now: datetime | None = None) -> DealRegistration:
    """The partner keeps its registration current: stage, amount, close date, products, contact, notes.

    The customer itself can change only while the registration is a draft or the vendor asked for more: a
    protected customer cannot be swapped for another. Every change is recorded (who, when, old → new).
    """
    _require_partner_writes(actor, deal)
    unknown = set(changes) - set(PARTNER_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    now = now or timezone.now()
    with transaction.atomic():
        deal = _lock(deal)
        errors: dict = {}
        new: dict = {}
        if set(changes) & set(CUSTOMER_FIELDS) and deal.status not in EDITABLE_CUSTOMER_STATUSES:
            for field in set(changes) & set(CUSTOMER_FIELDS):
                if str(changes[field] or "").strip() != str(getattr(deal, field) or ""):
                    errors[field] = "The customer cannot be changed once the registration is with the vendor."
        if set(changes) & set(CUSTOMER_FIELDS):
            merged = {field: changes.get(field, getattr(deal, field)) for field in CUSTOMER_FIELDS}
            new.update(_customer(merged, errors))
        if set(changes) & {"contact_name", "contact_email", "contact_phone"}:
            merged = {f: changes.get(f, getattr(deal, f)) for f in ("contact_name", "contact_email", "contact_phone")}
            new.update(_contact(merged, errors))
        if "title" in changes:
            new["title"] = _text(changes["title"], "title", errors, required=True)
        if "notes" in changes:
            new["notes"] = _text(changes["notes"], "notes", errors, max_length=MAX_TEXT)
        if "expected_close_date" in changes:
            value = changes["expected_close_date"]
            if isinstance(value, str):
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    value = "invalid"
            if value != deal.expected_close_date:
                new["expected_close_date"] = _close_date(value, errors, today=_today(now))
        stage = changes.get("stage", deal.stage)
        if "stage" in changes:
            if stage not in Stage.values:
                errors["stage"] = "Choose a stage."
            new["stage"] = stage
        lost_reason = _text(changes.get("lost_reason", deal.lost_reason), "lost_reason", errors, max_length=MAX_TEXT)
        if stage == Stage.LOST:
            if not lost_reason:
                errors["lost_reason"] = "Say why the deal was lost."
            new["lost_reason"] = lost_reason
        elif "lost_reason" in changes or "stage" in changes:
            new["lost_reason"] = ""
        built = None
        if "lines" in changes:
            if deal.is_closed and stage in DealRegistration.CLOSED_STAGES:
                errors["lines"] = "The deal is closed: its products cannot change."
            else:
                built = _lines(deal.partnership, changes["lines"], errors)
                if deal.status == Status.APPROVED and built:
                    held = set(DealLine.objects.filter(deal=deal).values_list("product_id", flat=True))
                    added = [line.product.name for line in built if line.product_id not in held]
                    if added:
                        errors["lines"] = (
                            f"{', '.join(added)}: an approved registration protects the products it was approved "
                            "for. Register a new deal for other products (quantities can change here)."
                        )
        if "amount" in changes:
            amount = _money(changes["amount"], "amount", errors)
            if amount is not None:
                new["amount"] = quantize(amount, deal.currency)
        if errors:
            raise ValidationError(errors)

        if built is not None:
            old_lines = {line.product_id: line for line in deal.lines.select_related("product")}
            before = ", ".join(f"{line.quantity} × {line.product.sku}" for line in old_lines.values())
            after = ", ".join(f"{line.quantity} × {line.product.sku}" for line in built)
            if before != after:
                DealLine.objects.filter(deal=deal).delete()
                for line in built:
                    line.deal = deal
                DealLine.objects.bulk_create(built)
                _event(deal, Event.CHANGED, actor, deal.partner, field="products", old=before, new=after, at=now)
                if "amount" not in changes:
                    amount, currency = _amount_of(built)
                    new["amount"] = amount
                    deal.currency = currency
        if new.get("stage") in DealRegistration.CLOSED_STAGES and deal.stage not in DealRegistration.CLOSED_STAGES:
            deal.closed_at = now
        elif "stage" in new and new["stage"] not in DealRegistration.CLOSED_STAGES:
            deal.closed_at = None
        changed = []
        for field, value in new.items():
            old = getattr(deal, field)
            if field == "amount" and old is not None:
                old = quantize(old, deal.currency)
            if value == old:
                continue
            if field not in ("customer_domain", "customer_domain_stem", "customer_name_key"):
                _event(
                    deal,
                    Event.CHANGED,
                    actor,
                    deal.partner,
                    field=field,
                    old=_display(deal, field, old),
                    new=_display(deal, field, value),
                    at=now,
                )
            setattr(deal, field, value)
            changed.append(field)
        if changed or built is not None:
            deal.updated_at = deal.last_activity_at = now
            deal.save()
            _retally(deal)
            if deal.stage == Stage.LOST and "stage" in changed:
                _resolve_conflicts(deal, now=now)
    return deal


def deal_comment(*, actor, deal: DealRegistration, body: str, now: datetime | None = None) -> DealComment:
    """A message in the registration's thread, from whichever side the actor works on.

    The vendor and the distributor keep writing in it after the partnership is suspended or ends; the partner
    reads it then (docs/adr/0001)."""
    from deals.selectors import deals_visible_to

    if not deals_visible_to(actor).filter(pk=deal.pk).exists():
        raise PermissionDenied("This registration is not yours to comment on.")
    organization = side_of(actor, deal)
    if organization is None:
        raise PermissionDenied("This registration is not yours to comment on.")
    if organization.pk == deal.partner_id:
        access.require_program_access(actor, deal.partnership, "registration", vendor=deal.vendor)
    errors = {}
    body = _text(body, "body", errors, required=True, max_length=MAX_TEXT)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        deal = _lock(deal)
        now = now or timezone.now()
        comment = DealComment.objects.create(
            deal=deal, author=actor, organization=organization, body=body, created_at=now
        )
        fields = {"updated_at": now}
        if organization.pk == deal.partner_id:
            fields["last_activity_at"] = now
        DealRegistration.objects.filter(pk=deal.pk).update(**fields)
        excerpt = body if len(body) <= 300 else body[:297] + "…"
        who = f"{actor.display_name} ({organization.name})"
        if organization.pk != deal.partner_id:
            _tell_partner(
                "deal.comment", deal, actor=actor, title=f"{who} commented on {deal.title}", body=excerpt, now=now
            )
        for org in (deal.vendor, deal.distributor):
            if org is not None and org.pk != organization.pk and not deal.is_draft:
                notifications.notify(
                    kind="deal.comment_channel",
                    organization=org,
                    vendor=deal.vendor,
                    subject=deal,
                    actor=actor,
                    title=f"{who} commented on {deal.reference} {deal.title}",
                    body=excerpt,
                    now=now,
                )
    return comment


# --- expiry and extensions ---------------------------------------------------------------------------------


def deal_request_extension(
    *, actor, deal: DealRegistration, days, reason: str, now: datetime | None = None
) -> DealExtensionRequest:
    """The partner asks for more protection time on an approved registration."""
    _require_partner_writes(actor, deal)
    errors = {}
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        errors["days"] = f"Ask for 1 to {MAX_EXTENSION_DAYS} more days."
    reason = _text(reason, "reason", errors, required=True, max_length=MAX_TEXT)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        deal = _lock(deal)
        _require_program(actor, deal)
        if deal.status != Status.APPROVED or deal.is_closed:
            raise ValidationError("Only an approved registration of an open deal can be extended.")
        now = now or timezone.now()
        try:
            with transaction.atomic():
                extension = DealExtensionRequest.objects.create(
                    deal=deal, days=days, reason=reason, requested_by=actor, requested_at=now
                )
        except IntegrityError:
            raise ValidationError("An extension is already waiting for the vendor's answer.") from None
        DealRegistration.objects.filter(pk=deal.pk).update(updated_at=now, last_activity_at=now)
        _event(deal, Event.EXTENSION_REQUESTED, actor, deal.partner, detail=f"{days} more days: {reason}", at=now)
        _tell_channel(
            "deal.extension_requested",
            deal,
            actor=actor,
            distributor=False,
            title=f"{deal.partner.name} asks to extend {deal.title} by {days} days",
            body=f"Protected until {deal.expires_on:%Y-%m-%d}. {reason}",
            now=now,
        )
    return extension


def deal_decide_extension(
    *, actor, deal: DealRegistration, grant: bool, response: str = "", now: datetime | None = None
) -> DealExtensionRequest:
    """The vendor grants (the expiry moves by the days asked) or refuses the pending extension request."""
    errors = {}
    response = _text(response, "response", errors, max_length=MAX_TEXT)
    if not grant and not response:
        errors["response"] = "Say why the extension is refused."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        _require_decider(actor, deal)
        rules = _lock_rules(deal.vendor)
        deal = _lock(deal)
        extension = (
            DealExtensionRequest.objects.select_for_update()
            .filter(deal=deal, status=DealExtensionRequest.Status.PENDING)
            .first()
        )
        if extension is None:
            raise ValidationError("No extension request is waiting for an answer.")
        now = now or timezone.now()
        extension.decided_by = actor
        extension.decided_at = now
        extension.response = response
        if grant:
            if deal.status == Status.EXPIRED and approved_clash(deal, rules, today=_today(now)) is not None:
                raise ValidationError("Another registration of this customer and product has been approved since.")
            old, old_status = deal.expires_on, deal.status
            start = max(deal.expires_on or _today(now), _today(now))
            deal.expires_on = start + timedelta(days=extension.days)
            deal.status = Status.APPROVED
            deal.expiry_warned_days = None
            deal.updated_at = now
            deal.save()
            _retally(deal)
            if old_status != Status.APPROVED:
                publish(DealStatusChanged(deal=deal, actor=actor, old=old_status, new=Status.APPROVED))
            extension.status = DealExtensionRequest.Status.GRANTED
            _event(
                deal,
                Event.EXTENSION_GRANTED,
                actor,
                deal.vendor,
                field="expires_on",
                old=f"{old:%Y-%m-%d}" if old else "",
                new=f"{deal.expires_on:%Y-%m-%d}",
                detail=response,
                at=now,
            )
            title = f"{deal.vendor.name} extended {deal.title} until {deal.expires_on:%Y-%m-%d}"
        else:
            extension.status = DealExtensionRequest.Status.REFUSED
            DealRegistration.objects.filter(pk=deal.pk).update(updated_at=now)
            _event(deal, Event.EXTENSION_REFUSED, actor, deal.vendor, detail=response, at=now)
            title = f"{deal.vendor.name} refused to extend {deal.title}"
        extension.save()
        _tell_partner("deal.extension_decided", deal, actor=actor, title=title, body=response, now=now)
    return extension


def deals_expire_due(*, today: date | None = None, now: datetime | None = None) -> dict:
    """The beat job: warn 14 and 3 days before an approved registration expires, then expire it.

    Safe to run twice (each warning is recorded on the row and keyed in the outbox); won and lost deals do not
    expire. Each registration is handled in its own transaction, so one failure stops nothing else.
    """
    now = now or timezone.now()
    today = today or _today(now)
    expired = warned = 0
    due = DealRegistration.objects.filter(status=Status.APPROVED, expires_on__lt=today).exclude(
        stage__in=DealRegistration.CLOSED_STAGES
    )
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            deal = _lock(DealRegistration(pk=pk))
            if deal.status != Status.APPROVED or deal.expires_on >= today or deal.is_closed:
                continue
            deal.status = Status.EXPIRED
            deal.queue = Queue.OTHER
            deal.updated_at = now
            deal.save(update_fields=["status", "queue", "updated_at"])
            _retally(deal)
            publish(DealStatusChanged(deal=deal, actor=None, old=Status.APPROVED, new=Status.EXPIRED))
            _event(
                deal,
                Event.EXPIRED,
                None,
                None,
                field="status",
                old=Status.APPROVED.label,
                new=Status.EXPIRED.label,
                detail=f"Protection ended on {deal.expires_on:%Y-%m-%d}.",
                at=now,
            )
            _resolve_conflicts(deal, now=now)
            _tell_partner(
                "deal.expired",
                deal,
                title=f"Your registration of {deal.title} with {deal.vendor.name} expired",
                body=f"Protection ended on {deal.expires_on:%Y-%m-%d}.",
                key=f"deal.expired:{deal.pk}:{deal.expires_on:%Y%m%d}",
                now=now,
            )
            expired += 1
    horizon = today + timedelta(days=max(WARN_DAYS))
    soon = (
        DealRegistration.objects.filter(status=Status.APPROVED, expires_on__gte=today, expires_on__lte=horizon)
        .exclude(stage__in=DealRegistration.CLOSED_STAGES)
        .filter(Q(expiry_warned_days__isnull=True) | Q(expiry_warned_days__gt=min(WARN_DAYS)))
    )
    for pk in list(soon.values_list("pk", flat=True)):
        with transaction.atomic():
            deal = _lock(DealRegistration(pk=pk))
            if deal.status != Status.APPROVED or deal.is_closed or deal.expires_on < today:
                continue
            left = (deal.expires_on - today).days
            threshold = min(d for d in WARN_DAYS if left <= d) if left <= max(WARN_DAYS) else None
            if threshold is None or (deal.expiry_warned_days is not None and deal.expiry_warned_days <= threshold):
                continue
            deal.expiry_warned_days = threshold
            deal.save(update_fields=["expiry_warned_days"])
            when = "today" if left == 0 else ("tomorrow" if left == 1 else f"in {left} days")
            ends = f"Protection ends {when} ({deal.expires_on:%Y-%m-%d})."
            _event(deal, Event.EXPIRY_WARNING, None, None, detail=ends, at=now)
            _tell_partner(
                "deal.expiring",
                deal,
                title=f"Your registration of {deal.title} with {deal.vendor.name} expires {when}",
                body=f"Protected until {deal.expires_on:%Y-%m-%d}. Ask {deal.vendor.name} for an extension if the "
                "deal needs more time.",
                key=f"deal.expiring:{deal.pk}:{deal.expires_on:%Y%m%d}:{threshold}",
                now=now,
            )
            warned += 1
    return {"expired": expired, "warned": warned}


# --- the vendor's rules ---------------------------------------------------------------------------------------


def deal_rules_update(
    *,
    actor,
    vendor: Organization,
    auto_approve_below=None,
    auto_approve_tiers=(),
    idle_cap=None,
    idle_days=30,
    name_similarity=Decimal("0.60"),
    now: datetime | None = None,
) -> DealRules:
    """A vendor's admins and managers set its approval rules, idle cap and how close names must be to conflict."""
    if not vendor.is_vendor:
        raise PermissionDenied("Only vendors have deal registration rules.")
    require_role(actor, vendor, MANAGER_ROLES)
    errors = {}
    if auto_approve_below in ("", None):
        auto_approve_below = None
    else:
        auto_approve_below = _money(auto_approve_below, "auto_approve_below", errors)
    tier_ids = [getattr(t, "pk", t) for t in (auto_approve_tiers or [])]
    tiers = list(vendor.tiers.filter(pk__in=[t for t in tier_ids if str(t).isdigit()]))
    if len(tiers) != len(set(tier_ids)):
        errors["auto_approve_tiers"] = "Choose tiers of your own program."
    if auto_approve_below is not None and not tiers:
        errors["auto_approve_tiers"] = "Choose the tiers whose registrations are approved automatically."
    with transaction.atomic():
        rules = _lock_rules(vendor)
        rules.auto_approve_below = auto_approve_below
        rules.idle_cap = None if idle_cap in ("", None) else idle_cap
        rules.idle_days = idle_days
        rules.name_similarity = name_similarity
        try:
            rules.full_clean(exclude=["vendor", "auto_approve_tiers"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, messages)
        if errors:
            raise ValidationError(errors)
        rules.save()
        if now is not None:  # ``updated_at`` is stamped on save; a rule set at another moment says so
            DealRules.objects.filter(pk=rules.pk).update(updated_at=now)
            rules.updated_at = now
        rules.auto_approve_tiers.set(tiers)
    return rules
