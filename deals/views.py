"""Deal registration pages, one place for the three sides (mounted at /deals/, namespace ``deals``).

The page adapts to the side the person works on now (``request.organization.kind``):

- a **partner** registers deals with any of its vendors, keeps them current, answers the vendor;
- a **vendor** reviews the registrations made with it (conflicts first), approves, rejects, asks;
- a **distributor** follows its resellers' registrations (read and comment).

Every page needs a logged-in person; a page that does not exist for their side is a 404 (as in the console).
Reads go through ``deals.selectors`` and only the rows of the current organization's side are shown, so a
registration the person may not see is a 404 (the same as one that does not exist). Writes go through
``deals.services``: a ``ValidationError`` shows next to the field it names, a ``PermissionDenied`` is a 403.
A partner never sees anything of a conflict: not on the list, the detail, the CSV, nor in the status.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import lists
from core.forms import add_service_error
from core.views import DetailPage, can_manage, require_manager, side_view, wants_partial
from deals import forms, selectors, services, tables
from deals.models import DealEvent, DealExtensionRequest, DealRegistration
from deals.uploads import validate_uploads
from vendors import access
from vendors import selectors as vendor_selectors
from vendors.access import get_or_404
from vendors.models import Organization, Partnership
from vendors.money import quantize

PAGE_SIZE = 50
BLANK_LINES = 3
Kind = Organization.Kind
Status = DealRegistration.Status
Stage = DealRegistration.Stage
ALL_SIDES = (Kind.PARTNER, Kind.VENDOR, Kind.DISTRIBUTOR)
# Where each side's people may act on a registration, by status (the services decide in the end).
PARTNER_EDITABLE = (Status.DRAFT, Status.SUBMITTED, Status.INFO_REQUESTED, Status.APPROVED)
CUSTOMER_EDITABLE = (Status.DRAFT, Status.INFO_REQUESTED)
STAGE_STATUSES = (Status.SUBMITTED, Status.INFO_REQUESTED, Status.APPROVED)


def _my_deals(request):
    """The registrations of the current organization's side (a draft is the partner's alone)."""
    return selectors.deals_of_side(request.user, request.organization)


def _deal_or_404(request, pk) -> DealRegistration:
    return get_or_404(
        _my_deals(request).select_related("vendor", "partner", "distributor", "partnership__tier", "decided_by"),
        pk=pk,
    )


def _with_amount(deal) -> DealRegistration:
    deal.amount_display = quantize(deal.amount, deal.currency)
    return deal


# --- the list and its export ------------------------------------------------------------------------------------


def _filter_choices(request) -> dict:
    """The rows the filters of the current side offer, a fixed number of queries whatever the channel's size."""
    user, organization = request.user, request.organization
    choices = vendor_selectors.channel_filter_choices(user, organization, chosen_partner=request.GET.get("partner", ""))
    if organization.kind == Kind.VENDOR:
        tiers = vendor_selectors.tiers_visible_to(user).filter(vendor=organization).order_by("-rank", "name")
        choices["tiers"] = list(tiers)
    return choices


def _filtered(request):
    """``(filter form, filtered queryset)`` of the current side, from the GET parameters."""
    form = forms.DealFilterForm(request.GET or None, kind=request.organization.kind, **_filter_choices(request))
    return form, selectors.deals_for(request.user, request.organization, **form.filters())


@require_GET
@side_view(*ALL_SIDES)
def deal_list(request):
    form, rows = _filtered(request)
    sums = selectors.totals_for(request.user, request.organization, rows, **form.filters())
    kind = request.organization.kind
    # The totals count every row already: the list need not count them again (one scan of a large list).
    listing = tables.LISTS[kind].page(
        request,
        selectors.with_channel_names(rows) if kind == Kind.VENDOR else rows,
        count=sum(row["count"] for row in sums),
        filtered=form.is_filtered(),
    )
    totals = [{**row, "amount": quantize(row["amount"], row["currency"])} for row in sums]
    context = {
        "form": form,
        "list": listing,
        "totals": totals,
        "kind": kind,
        "can_manage": can_manage(request),
    }
    return lists.render(request, "deals/list.html", "deals/_results.html", context)


@require_GET
@side_view(*ALL_SIDES)
def deal_export(request):
    """The list as filtered on the page (every page of it) as CSV, streamed. A fixed number of queries."""
    _, rows = _filtered(request)
    if request.organization.kind == Kind.PARTNER:
        rows = rows.select_related("vendor")
    elif request.organization.kind == Kind.DISTRIBUTOR:
        rows = rows.select_related("vendor", "partner")
    else:
        rows = rows.select_related("vendor", "partner", "distributor", "partnership__tier")
    filename = f"deal-registrations-{timezone.localdate():%Y-%m-%d}.csv"
    return tables.LISTS[request.organization.kind].export(rows, filename=filename)


# --- registering a deal -----------------------------------------------------------------------------------------


def _posted_lines(data, products) -> list[dict]:
    """The lines typed so far (GET or POST data), without those whose product is not in ``products``."""
    try:
        total = min(int(data.get("lines-TOTAL_FORMS", 0)), forms.MAX_LINES)
    except (TypeError, ValueError):
        total = 0
    kept = []
    for index in range(max(total, 0)):
        product = data.get(f"lines-{index}-product", "")
        quantity = data.get(f"lines-{index}-quantity", "")
        if product in products:
            kept.append({"product": product, "quantity": quantity})
    return kept


def _blank_lines(request, products, *, initial=(), more: int = 0):
    blank = max(BLANK_LINES - len(initial), 1) + more
    return forms.line_formset(blank=blank)(initial=list(initial) or None, products=products)


def _create_context(form, lines, partnership, *, line_errors=(), attached=False) -> dict:
    return {
        "form": form,
        "lines": lines,
        "partnership": partnership,
        "line_errors": list(line_errors),
        "attached": attached,
    }


def _show_service_error(form, exc: ValidationError) -> list[str]:
    """Put a service's errors on the form's fields; return the messages about the product lines."""
    line_errors = []
    if hasattr(exc, "error_dict"):
        rest = {}
        for field, errors in exc.error_dict.items():
            if field == "lines":
                line_errors.extend(message for error in errors for message in error.messages)
            else:
                rest[field] = errors
        if rest:
            add_service_error(form, ValidationError(rest))
    else:
        add_service_error(form, exc)
    return line_errors


def _form_initial(data, form_class) -> dict:
    return {name: data.get(name) for name in form_class.base_fields if name in data and name != "attachments"}


@require_http_methods(["GET", "POST"])
@side_view(Kind.PARTNER)
def deal_create(request):
    partnerships = list(selectors.registrable_partnerships(request.user, request.organization))
    if request.method == "GET":
        vendor = request.GET.get("vendor", "")
        if not vendor and len(partnerships) == 1:
            vendor = str(partnerships[0].vendor_id)
        form = forms.DealCreateForm(initial={"vendor": vendor}, partnerships=partnerships)
        partnership = form.chosen_partnership()
        lines = _blank_lines(request, selectors.partner_catalog(request.user, request.organization, partnership))
        return render(request, "deals/create.html", _create_context(form, lines, partnership))

    form = forms.DealCreateForm(request.POST, request.FILES, partnerships=partnerships)
    partnership = form.chosen_partnership()
    products = selectors.partner_catalog(request.user, request.organization, partnership)
    if request.POST.get("action") == "products":
        # Without JavaScript: the vendor changed, show its products, keep what was typed (nothing is saved).
        initial = _form_initial(request.POST, forms.DealCreateForm)
        initial["vendor"] = str(partnership.vendor_id) if partnership else ""
        form = forms.DealCreateForm(initial=initial, partnerships=partnerships)
        lines = _blank_lines(request, products, initial=_posted_lines(request.POST, products))
        return render(request, "deals/create.html", _create_context(form, lines, partnership))

    lines = forms.line_formset(blank=0)(request.POST, products=products)
    line_errors = []
    form_ok = form.is_valid()
    if form_ok and lines.is_valid():
        data = form.cleaned_data
        try:
            deal = services.deal_create(
                actor=request.user,
                partner=request.organization,
                vendor=data["vendor"].vendor,
                title=data["title"],
                customer_name=data["customer_name"],
                customer_website=data["customer_website"],
                customer_country=data["customer_country"],
                contact_name=data["contact_name"],
                contact_email=data["contact_email"],
                contact_phone=data["contact_phone"],
                expected_close_date=data["expected_close_date"],
                notes=data["notes"],
                lines=lines.lines(),
                attachments=data["attachments"],
                submit=request.POST.get("action") == "submit",
            )
        except ValidationError as exc:
            line_errors = _show_service_error(form, exc)
        else:
            if deal.status == Status.DRAFT:
                messages.success(
                    request, f"{deal.reference} saved as a draft. Only your team sees it until you submit it."
                )
            else:
                messages.success(request, f"{deal.reference} sent to {deal.vendor.name}: {deal.get_status_display()}.")
            return redirect("deals:detail", pk=deal.pk)
    line_errors += list(lines.non_form_errors())
    context = _create_context(form, lines, partnership, line_errors=line_errors, attached=bool(request.FILES))
    return render(request, "deals/create.html", context, status=400)


@require_GET
@side_view(Kind.PARTNER)
def deal_products(request):
    """The product lines for the vendor chosen on the registration form (htmx), keeping the lines already chosen
    that are in its catalog; ``add=1`` adds a blank line. Without htmx: the form itself, that vendor chosen."""
    if not wants_partial(request):
        url = reverse("deals:create")
        vendor = request.GET.get("vendor", "")
        return redirect(f"{url}?vendor={vendor}" if vendor.isdigit() else url)
    partnerships = {str(p.vendor_id): p for p in selectors.registrable_partnerships(request.user, request.organization)}
    partnership = partnerships.get(request.GET.get("vendor", ""))
    products = selectors.partner_catalog(request.user, request.organization, partnership)
    kept = _posted_lines(request.GET, products)
    more = 1 if request.GET.get("add") else 0
    lines = _blank_lines(request, products, initial=kept, more=more)
    response = render(request, "deals/_lines.html", {"lines": lines, "partnership": partnership, "adds_lines": True})
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- one registration -------------------------------------------------------------------------------------------


def _lines_of(request, deal_ids) -> dict[int, list]:
    found: dict[int, list] = {}
    rows = (
        selectors.lines_visible_to(request.user)
        .filter(deal_id__in=list(deal_ids))
        .select_related("product")
        .order_by("deal_id", "id")
    )
    for line in rows:
        found.setdefault(line.deal_id, []).append(line)
    return found


def _priced(lines, currency) -> list:
    for line in lines:
        line.unit_display = quantize(line.unit_price, currency)
        line.total_display = quantize(line.unit_price * line.quantity, currency)
    return lines


def _conflicts(request, deal) -> list[dict]:
    """The vendor's side-by-side view: each registration this one conflicts with, and what matched."""
    if request.organization.kind != Kind.VENDOR:
        return []
    conflicts = selectors.conflicts_of(request.user, deal)
    others = [c.other if c.deal_id == deal.pk else c.deal for c in conflicts]
    lines = _lines_of(request, [o.pk for o in others])
    rows = []
    for conflict, other in zip(conflicts, others, strict=True):
        _with_amount(other)
        rows.append(
            {
                "conflict": conflict,
                "other": other,
                "other_lines": _priced(lines.get(other.pk, []), other.currency),
                "similarity": round(conflict.similarity * 100) if conflict.similarity is not None else None,
            }
        )
    return rows


def _protection_days(deal) -> int:
    tier = deal.partnership.tier if deal.partnership.tier_id else None
    return tier.deal_protection_days if tier else 90


def _action_forms(deal) -> dict:
    return {
        "comment": forms.CommentForm(auto_id="id_comment_%s"),
        "attach": forms.AttachForm(auto_id="id_attach_%s"),
        "stage": forms.StageForm(initial={"stage": deal.stage, "lost_reason": deal.lost_reason}, auto_id="id_stage_%s"),
        "extension_request": forms.ExtensionRequestForm(auto_id="id_extension_%s"),
        "approve": forms.ApproveForm(initial={"protection_days": _protection_days(deal)}, auto_id="id_approve_%s"),
        "reject": forms.RejectForm(auto_id="id_reject_%s"),
        "request_info": forms.RequestInfoForm(auto_id="id_info_%s"),
        "extension_decide": forms.ExtensionDecisionForm(auto_id="id_decide_%s"),
    }


def read_only(request, deal) -> str | None:
    """Why the partner may only read this registration (its partnership is suspended or ended), for the banner;
    None for the vendor and the distributor, who keep acting on it, and while the partnership is active."""
    if request.organization.kind != Kind.PARTNER:
        return None
    return access.read_only_reason(deal.partnership, "registration", vendor=deal.vendor)


def _allowed_actions(request, deal, pending_extension) -> set[str]:
    kind = request.organization.kind
    if read_only(request, deal):
        return set()  # the services refuse every write of the partner's: no form is offered
    allowed = {"comment"}
    if kind == Kind.PARTNER:
        if deal.status in PARTNER_EDITABLE:
            allowed |= {"edit", "attach"}
        if deal.status in (Status.DRAFT, Status.INFO_REQUESTED):
            allowed.add("submit")
        if deal.status in STAGE_STATUSES:
            allowed.add("stage")
        if deal.status == Status.APPROVED and pending_extension is None and not deal.is_closed:
            allowed.add("extension_request")
    elif kind == Kind.VENDOR and can_manage(request):
        if deal.status in DealRegistration.PENDING_STATUSES:
            allowed |= {"approve", "reject"}
        if deal.status == Status.SUBMITTED:
            allowed.add("request_info")
        if pending_extension is not None:
            allowed.add("extension_decide")
    return allowed


def _render_detail(request, deal, *, failed=None, status=200):
    """The registration page; ``failed`` = (action, bound form with errors) shown in place of a blank form."""
    action_forms = _action_forms(deal)
    extension_requests = list(
        selectors.extension_requests_visible_to(request.user)
        .filter(deal=deal)
        .select_related("requested_by", "decided_by")
        .order_by("-requested_at", "-id")
    )
    pending = next((e for e in extension_requests if e.status == DealExtensionRequest.Status.PENDING), None)
    allowed = _allowed_actions(request, deal, pending)
    errors = []
    if failed:
        action, form = failed
        action_forms[action] = form
        if action in allowed:
            errors = list(form.non_field_errors())  # field errors show next to their field
        else:  # the form is not on the page for the registration as it is now: say what went wrong at the top
            errors = [message for messages_ in form.errors.values() for message in messages_]
    lines = _priced(_lines_of(request, [deal.pk]).get(deal.pk, []), deal.currency)
    events = list(selectors.history(request.user, deal))
    # What the vendor asked last, shown beside "Answer and resubmit".
    question = next((e.detail for e in reversed(events) if e.kind == DealEvent.Kind.INFO_REQUESTED), "")
    attachments = list(
        selectors.attachments_visible_to(request.user)
        .filter(deal=deal)
        .select_related("uploaded_by", "organization")
        .order_by("created_at", "id")
    )
    context = {
        "deal": _with_amount(deal),
        "kind": request.organization.kind,
        "lines": lines,
        "events": events,
        "question": question if deal.status == Status.INFO_REQUESTED else "",
        "comments": list(selectors.thread(request.user, deal)),
        "attachments": attachments,
        "extension_requests": extension_requests,
        "pending_extension": pending,
        "conflicts": _conflicts(request, deal),
        "forms": action_forms,
        "allowed": allowed,
        "can_manage": can_manage(request),
        "failed_action": failed[0] if failed else "",
        "errors": errors,
        "today": timezone.localdate(),
        "read_only": read_only(request, deal),
    }
    return render(request, "deals/detail.html", context, status=status)


PAGE = DetailPage(
    noun="deal",
    get=_deal_or_404,
    render=_render_detail,
    read_only=read_only,
    refusal=access.ReadOnlyPartnership,
    route="deals:detail",
)
_refused = PAGE.refused


@require_GET
@side_view(*ALL_SIDES)
def deal_detail(request, pk):
    return _render_detail(request, _deal_or_404(request, pk))


# --- the POST actions on one registration (``core.views.DetailPage.action``) -------------------------------------


def _attach(request, deal, data):
    """Every file is checked before the first is stored, so a bad one among several stores none."""
    try:
        validate_uploads(data["attachments"])
    except ValidationError as exc:
        raise ValidationError({"attachments": exc.messages}) from None
    for upload in data["attachments"]:
        try:
            services.deal_attach(actor=request.user, deal=deal, upload=upload)
        except ValidationError as exc:
            raise ValidationError({"attachments": exc.messages}) from None


def _stage(request, deal, data):
    changes = {"stage": data["stage"]}
    if data["stage"] == Stage.LOST:
        changes["lost_reason"] = data["lost_reason"]
    return services.deal_update(actor=request.user, deal=deal, changes=changes)


def _extension_request(request, deal, data):
    services.deal_request_extension(actor=request.user, deal=deal, days=data["days"], reason=data["reason"])


def _extension_decide(request, deal, data):
    grant = data["decision"] == "grant"
    services.deal_decide_extension(actor=request.user, deal=deal, grant=grant, response=data["response"])


PARTNER, VENDOR = (Kind.PARTNER,), (Kind.VENDOR,)
deal_attach = PAGE.action(
    "attach",
    _attach,
    lambda deal: f"Attached to {deal.reference}.",
    kinds=PARTNER,
    form_class=forms.AttachForm,
    auto_id="id_attach_%s",
)
deal_stage = PAGE.action(
    "stage",
    _stage,
    lambda deal: f"Stage of {deal.reference} updated.",
    kinds=PARTNER,
    form_class=forms.StageForm,
    auto_id="id_stage_%s",
)
deal_extension_request = PAGE.action(
    "extension_request",
    _extension_request,
    lambda deal: f"You asked {deal.vendor.name} for more time on {deal.reference}.",
    kinds=PARTNER,
    form_class=forms.ExtensionRequestForm,
    auto_id="id_extension_%s",
)
deal_approve = PAGE.action(
    "approve",
    lambda request, deal, data: services.deal_approve(
        actor=request.user, deal=deal, protection_days=data["protection_days"], note=data["note"]
    ),
    lambda deal: f"{deal.reference} approved. The partner is told.",
    kinds=VENDOR,
    form_class=forms.ApproveForm,
    auto_id="id_approve_%s",
    manager=True,
)
deal_reject = PAGE.action(
    "reject",
    lambda request, deal, data: services.deal_reject(actor=request.user, deal=deal, reason=data["reason"]),
    lambda deal: f"{deal.reference} rejected. The partner sees your reason.",
    kinds=VENDOR,
    form_class=forms.RejectForm,
    auto_id="id_reject_%s",
    manager=True,
)
deal_request_info = PAGE.action(
    "request_info",
    lambda request, deal, data: services.deal_request_info(actor=request.user, deal=deal, question=data["question"]),
    lambda deal: f"Question sent. {deal.reference} waits for the partner's answer.",
    kinds=VENDOR,
    form_class=forms.RequestInfoForm,
    auto_id="id_info_%s",
    manager=True,
)
deal_extension_decide = PAGE.action(
    "extension_decide",
    _extension_decide,
    lambda deal: f"Extension request on {deal.reference} answered.",
    kinds=VENDOR,
    form_class=forms.ExtensionDecisionForm,
    auto_id="id_decide_%s",
    manager=True,
)


@require_POST
@side_view(Kind.PARTNER)
def deal_submit(request, pk):
    deal = _deal_or_404(request, pk)
    if read_only(request, deal):
        return _refused(request, pk)
    resubmit = deal.status == Status.INFO_REQUESTED
    try:
        deal = services.deal_submit(actor=request.user, deal=deal)
    except access.ReadOnlyPartnership:
        return _refused(request, pk)
    except ValidationError as exc:
        messages.error(request, f"{deal.reference} was not submitted: {' '.join(exc.messages)}")
    else:
        verb = "resubmitted to" if resubmit else "submitted to"
        messages.success(request, f"{deal.reference} {verb} {deal.vendor.name}: {deal.get_status_display()}.")
    return redirect("deals:detail", pk=pk)


@require_POST
@side_view(*ALL_SIDES)
def deal_comment(request, pk):
    """Post to the thread. With htmx the thread is answered in place (with the errors, if any)."""
    deal = _deal_or_404(request, pk)
    if read_only(request, deal):
        return _refused(request, pk)
    form = forms.CommentForm(request.POST, auto_id="id_comment_%s")
    posted = False
    if form.is_valid():
        try:
            services.deal_comment(actor=request.user, deal=deal, body=form.cleaned_data["body"])
        except access.ReadOnlyPartnership:
            return _refused(request, pk)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            posted = True
    if wants_partial(request):
        context = {
            "deal": deal,
            "comments": list(selectors.thread(request.user, deal)),
            "comment_form": forms.CommentForm(auto_id="id_comment_%s") if posted else form,
            "posted": posted,
        }
        response = render(request, "deals/_thread.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    if posted:
        messages.success(request, "Comment posted.")
        return redirect(reverse("deals:detail", args=[deal.pk]) + "#thread")
    return _render_detail(request, deal, failed=("comment", form), status=400)


@require_GET
@side_view(*ALL_SIDES)
def attachment_download(request, pk):
    """A file of a registration the person may see, as a download (never served from MEDIA_URL)."""
    attachment = get_or_404(selectors.attachments_visible_to(request.user).filter(deal__in=_my_deals(request)), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("No such file.") from None
    return FileResponse(handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type)


# --- editing ----------------------------------------------------------------------------------------------------


def _edit_initial(deal) -> dict:
    initial = {name: getattr(deal, name) for name in forms.DealEditForm.base_fields}
    initial["amount"] = quantize(deal.amount, deal.currency)
    return initial


def _edit_catalog(request, deal, current_lines) -> dict:
    """The vendor's catalog for the partner, plus the products already on the registration (even retired)."""
    active = deal.partnership.status == Partnership.Status.ACTIVE
    products = selectors.partner_catalog(request.user, request.organization, deal.partnership) if active else {}
    for line in current_lines:
        key = str(line.product_id)
        if key not in products:
            price = quantize(line.unit_price, deal.currency)
            label = f"{line.product.name} ({line.product.sku}) · {price:,} {deal.currency}"
            products[key] = {"product": line.product, "label": label, "price": None}
    return products


@require_http_methods(["GET", "POST"])
@side_view(Kind.PARTNER)
def deal_edit(request, pk):
    deal = _deal_or_404(request, pk)
    if read_only(request, deal):
        return _refused(request, pk) if request.method == "POST" else redirect("deals:detail", pk=deal.pk)
    if deal.status not in PARTNER_EDITABLE:
        messages.error(request, f"{deal.reference} is {deal.get_status_display().lower()}: it cannot be changed.")
        return redirect("deals:detail", pk=deal.pk)
    customer_editable = deal.status in CUSTOMER_EDITABLE
    current_lines = _lines_of(request, [deal.pk]).get(deal.pk, [])
    products = _edit_catalog(request, deal, current_lines)
    current = [{"product": str(line.product_id), "quantity": line.quantity} for line in current_lines]
    initial = _edit_initial(deal)
    if request.method == "GET":
        form = forms.DealEditForm(initial=initial, customer_editable=customer_editable)
        lines = _blank_lines(request, products, initial=current)
        return render(request, "deals/edit.html", {"deal": deal, "form": form, "lines": lines, "line_errors": []})

    form = forms.DealEditForm(request.POST, initial=initial, customer_editable=customer_editable)
    lines = forms.line_formset(blank=0)(request.POST, products=products)
    line_errors = []
    form_ok = form.is_valid()
    if form_ok and lines.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if form.cleaned_data["stage"] == Stage.LOST and ("stage" in changes or "lost_reason" in changes):
            changes["lost_reason"] = form.cleaned_data["lost_reason"]
        elif "lost_reason" in changes:
            del changes["lost_reason"]  # only a lost deal has a reason (the service clears it otherwise)
        new_lines = lines.lines()
        if sorted((p.pk, q) for p, q in new_lines) != sorted(
            (line.product_id, line.quantity) for line in current_lines
        ):
            changes["lines"] = new_lines
        if not changes:
            messages.info(request, "Nothing changed.")
            return redirect("deals:detail", pk=deal.pk)
        try:
            services.deal_update(actor=request.user, deal=deal, changes=changes)
        except access.ReadOnlyPartnership:
            return _refused(request, pk)
        except ValidationError as exc:
            line_errors = _show_service_error(form, exc)
        else:
            messages.success(request, f"{deal.reference} saved.")
            return redirect("deals:detail", pk=deal.pk)
    line_errors += list(lines.non_form_errors())
    context = {"deal": _deal_or_404(request, pk), "form": form, "lines": lines, "line_errors": line_errors}
    return render(request, "deals/edit.html", context, status=400)


# --- the vendor's rules -----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@side_view(Kind.VENDOR)
def deal_rules(request):
    require_manager(request)
    vendor = request.organization
    tiers = list(vendor_selectors.tiers_visible_to(request.user).filter(vendor=vendor).order_by("-rank", "name"))
    rules = selectors.rules_for(vendor)
    tier_ids = list(rules.auto_approve_tiers.values_list("id", flat=True)) if rules.pk else []
    initial = forms.DealRulesForm.initial_for(rules, tier_ids)
    form = forms.DealRulesForm(request.POST if request.method == "POST" else None, tiers=tiers, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.deal_rules_update(actor=request.user, vendor=vendor, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Deal registration rules saved.")
            return redirect("deals:rules")
    status = 400 if form.is_bound else 200
    return render(request, "deals/rules.html", {"form": form, "tiers": tiers}, status=status)
