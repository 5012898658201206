"""Lead pages, one place for the three sides (mounted at /leads/, namespace ``leads``).

- a **partner** has one inbox of the leads every vendor sent it (waiting ones first, soonest deadline on top),
  answers them before the deadline, works them (rep, progress, its own notes) and converts them to deals; it
  also adds leads it found itself;
- a **vendor** creates and imports leads, routes them by its rules, sees where each went and why, what became
  of it, and sets its rules and each partner's coverage;
- a **distributor** follows its resellers' leads for the vendors it serves (read only).

Reads go through ``leads.selectors`` (a lead the person may not see is a 404); writes through
``leads.services`` (a ``ValidationError`` shows on its field, a ``PermissionDenied`` is a 403). A partner never
sees who else a lead was offered to, nor another partner's notes.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import lists
from core.forms import add_service_error
from core.views import DetailPage, can_manage, require_manager, side_view, wants_partial
from deals import forms as deal_forms
from deals import selectors as deal_selectors
from deals.selectors import registrable_partnerships
from leads import forms, imports, selectors, services, tables
from leads.models import Lead, LeadEvent, LeadImport
from vendors import access
from vendors import selectors as vendor_selectors
from vendors.access import get_or_404
from vendors.models import Organization, Partnership, Product

PAGE_SIZE = 50
COVERAGE_PAGE_SIZE = 50
Kind = Organization.Kind
Status = Lead.Status
ALL_SIDES = (Kind.PARTNER, Kind.VENDOR, Kind.DISTRIBUTOR)


def _my_leads(request):
    """The leads of the current organization's side, through the one selector."""
    return selectors.leads_visible_to(request.user).filter(**request.organization.side_filter())


def _lead_or_404(request, pk) -> Lead:
    rows = _my_leads(request).select_related(
        "vendor", "partner", "distributor", "partnership__tier", "assigned_to", "deal", "created_by"
    )
    return get_or_404(rows, pk=pk)


def _filter_choices(request) -> dict:
    return vendor_selectors.channel_filter_choices(
        request.user, request.organization, chosen_partner=request.GET.get("partner", "")
    )


# --- the list ---------------------------------------------------------------------------------------------------


@require_GET
@side_view(*ALL_SIDES)
def lead_list(request):
    kind = request.organization.kind
    form = forms.LeadFilterForm(request.GET or None, kind=kind, **_filter_choices(request))
    now = timezone.now()
    filters = form.filters()
    rows = selectors.leads_for(request.user, request.organization, now=now, **filters).select_related(
        "vendor", "partner", "assigned_to"
    )

    def prepare(leads):
        for lead in leads:
            lead.now = now
            lead.overdue = lead.status == Status.OFFERED and lead.accept_by and lead.accept_by < now

    # A vendor's or distributor's whole list is counted from the kept tallies (None: count the rows).
    listing = tables.LISTS[kind].page(
        request,
        rows,
        count=selectors.kept_count(request.user, request.organization, **filters),
        filtered=form.is_filtered(),
        prepare=prepare,
    )
    context = {"form": form, "list": listing, "kind": kind, "can_manage": can_manage(request)}
    return lists.render(request, "leads/list.html", "leads/_results.html", context)


@require_GET
@side_view(Kind.VENDOR)
def lead_summary(request):
    """What became of the leads the vendor sent in the last 90 days: loaded into the list page after it (htmx)."""
    summary = selectors.vendor_summary(request.user, request.organization)
    template = "leads/_summary.html" if wants_partial(request) else "leads/summary.html"
    response = render(request, template, {"summary": summary})
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- creating and importing ---------------------------------------------------------------------------------------


def _vendor_products(request):
    return list(
        vendor_selectors.products_visible_to(request.user)
        .filter(vendor=request.organization, active=True)
        .order_by("name", "sku")
    )


def _row_errors_on(form, exc: services.RowErrors) -> None:
    for name, message in exc.rows.get(1, {}).items():
        form.add_error(name if name in form.fields else None, message)


@require_http_methods(["GET", "POST"])
@side_view(Kind.VENDOR, Kind.PARTNER)
def lead_create(request):
    """A vendor's lead typed in by hand (routed at once), or a partner's own lead for one of its vendors."""
    vendor_side = request.organization.kind == Kind.VENDOR
    if vendor_side:
        require_manager(request)
        options = {"products": _vendor_products(request)}
    else:
        options = {"partnerships": list(registrable_partnerships(request.user, request.organization))}
    form = forms.LeadForm(request.POST or None, **options)
    if request.method == "POST" and form.is_valid():
        try:
            if vendor_side:
                rows = [form.lead_data()]
                lead = services.leads_create(actor=request.user, vendor=request.organization, rows=rows)[0]
            else:
                lead = services.lead_create_own(
                    actor=request.user,
                    partner=request.organization,
                    partnership=form.cleaned_data["vendor"],
                    data=form.lead_data(),
                )
        except services.RowErrors as exc:
            _row_errors_on(form, exc)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            if not vendor_side:
                messages.success(request, f"{lead.reference} added to your leads. It is yours to work.")
            elif lead.partner_id:
                messages.success(request, f"{lead.reference} offered to {lead.partner.name}: {lead.routing_reason}")
            else:
                messages.warning(request, f"{lead.reference} saved; no partner matched your rules. Offer it by hand.")
            return redirect("leads:detail", pk=lead.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "leads/create.html", {"form": form, "vendor_side": vendor_side}, status=status)


def _recent_imports(request):
    return (
        selectors.imports_visible_to(request.user).filter(vendor=request.organization).select_related("created_by")[:10]
    )


@require_http_methods(["GET", "POST"])
@side_view(Kind.VENDOR)
def lead_import(request):
    """Upload a spreadsheet: it is checked row by row and nothing is imported until the report is confirmed."""
    require_manager(request)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            staged = services.lead_import_stage(
                actor=request.user, vendor=request.organization, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return redirect("leads:import_detail", pk=staged.pk)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "imports": _recent_imports(request)}
    return render(request, "leads/import.html", context, status=status)


def _import_or_404(request, pk) -> LeadImport:
    rows = selectors.imports_visible_to(request.user).filter(vendor=request.organization)
    return get_or_404(rows.select_related("created_by", "decided_by"), pk=pk)


def _render_import(request, staged, *, error=None, status=200):
    columns = [(imports.LABELS.get(name, name), column) for name, column in (staged.columns or {}).items()]
    context = {"staged": staged, "error": error, "can_manage": can_manage(request), "columns": columns}
    if staged.status == LeadImport.Status.IMPORTED and staged.lead_ids:
        context["imported"] = list(
            _my_leads(request).filter(pk__in=staged.lead_ids[:PAGE_SIZE]).select_related("partner").order_by("pk")
        )
    return render(request, "leads/import_detail.html", context, status=status)


@require_GET
@side_view(Kind.VENDOR)
def import_detail(request, pk):
    return _render_import(request, _import_or_404(request, pk))


@require_POST
@side_view(Kind.VENDOR)
def import_confirm(request, pk):
    staged = _import_or_404(request, pk)
    require_manager(request)
    try:
        leads = services.lead_import_confirm(actor=request.user, lead_import=staged)
    except ValidationError as exc:
        staged.refresh_from_db()
        return _render_import(request, staged, error=" ".join(exc.messages), status=400)
    routed = sum(1 for lead in leads if lead.partner_id)
    messages.success(
        request,
        f"{len(leads)} lead{'s' if len(leads) != 1 else ''} imported; {routed} offered to partners by your rules"
        + (f", {len(leads) - routed} waiting for you to offer by hand." if routed < len(leads) else "."),
    )
    return redirect("leads:import_detail", pk=staged.pk)


@require_POST
@side_view(Kind.VENDOR)
def import_discard(request, pk):
    staged = _import_or_404(request, pk)
    require_manager(request)
    try:
        services.lead_import_discard(actor=request.user, lead_import=staged)
    except ValidationError as exc:
        staged.refresh_from_db()
        return _render_import(request, staged, error=" ".join(exc.messages), status=400)
    messages.info(request, f"{staged.filename} discarded: no lead was imported.")
    return redirect("leads:import")


# --- one lead -----------------------------------------------------------------------------------------------------


def _reps(request, lead) -> list:
    """The partner's people a lead can be given to (one query)."""
    memberships = vendor_selectors.memberships_visible_to(request.user).filter(organization_id=lead.partner_id)
    memberships = memberships.select_related("user")
    return [m.user for m in memberships.order_by("user__first_name", "user__last_name", "user__email")]


def _offer_choices(request, lead) -> list[Partnership]:
    edges = (
        vendor_selectors.partnerships_visible_to(request.user)
        .filter(vendor=lead.vendor, status=Partnership.Status.ACTIVE)
        .select_related("partner", "tier")
        .order_by("partner__name", "pk")
    )
    return list(edges[: vendor_selectors.MAX_PARTNER_CHOICES])


def read_only(request, lead) -> str | None:
    """Why the partner holding the lead may only read it (its partnership is suspended or ended), for the banner;
    None for the vendor and the distributor, and while the partnership is active."""
    if request.organization.kind != Kind.PARTNER or lead.partnership_id is None:
        return None
    return access.read_only_reason(lead.partnership, "lead", vendor=lead.vendor)


def _allowed(request, lead) -> set[str]:
    kind = request.organization.kind
    allowed = set()
    if kind == Kind.PARTNER and lead.partner_id == request.organization.pk and not read_only(request, lead):
        if lead.status == Status.OFFERED:
            allowed |= {"accept", "reject"}
        if lead.status in Lead.WORKING_STATUSES or lead.status == Status.DISQUALIFIED:
            allowed |= {"status", "assign", "note"}
        if lead.status in Lead.WORKING_STATUSES:
            allowed.add("convert")
        if lead.status == Status.CONVERTED:
            allowed.add("note")
    if kind == Kind.VENDOR and can_manage(request) and lead.status in (Status.UNASSIGNED, Status.OFFERED):
        allowed.add("offer")
    return allowed


def _action_forms(request, lead, allowed) -> dict:
    built = {
        "reject": forms.RejectForm(auto_id="reject_%s"),
        "status": forms.StatusForm(auto_id="status_%s"),
        "note": forms.NoteForm(auto_id="note_%s"),
    }
    if "assign" in allowed:
        built["assign"] = forms.AssignForm(
            auto_id="assign_%s", reps=_reps(request, lead), initial={"rep": lead.assigned_to_id}
        )
    if "offer" in allowed:
        built["offer"] = forms.OfferForm(auto_id="offer_%s", partnerships=_offer_choices(request, lead))
    return built


def _shown_to_you(request, lead, events) -> None:
    """Show what the API shows: the people of the organizations the person works for only (the partner's rep and
    who did what, to that partner's people and each side's own), and the registration the lead became only to those
    who may see it. For the page only: nothing is saved."""
    own = set(access.organization_ids(request.user))
    if lead.partner_id not in own:
        lead.assigned_to = None
    for event in events:
        if event.organization_id not in own:
            event.actor = None
            if event.kind == LeadEvent.Kind.ASSIGNED:
                event.old_value = event.new_value = ""
    # The registration it became, once one may see it (a draft is the partner's alone).
    side_deals = deal_selectors.deals_of_side(request.user, request.organization)
    if lead.deal_id is not None and not side_deals.filter(pk=lead.deal_id).exists():
        lead.deal = None


def _render_detail(request, lead, *, failed=None, status=200):
    kind = request.organization.kind
    allowed = _allowed(request, lead)
    action_forms = _action_forms(request, lead, allowed)
    errors = []
    if failed:
        name, form = failed
        action_forms[name] = form
        errors = list(form.non_field_errors())
    events = list(selectors.events_visible_to(request.user).filter(lead=lead).select_related("actor", "organization"))
    _shown_to_you(request, lead, events)
    offers = (
        selectors.offers_visible_to(request.user)
        .filter(lead=lead)
        .select_related("partner")
        .order_by("offered_at", "pk")
    )
    offers = list(offers)
    for offer in offers:
        offer.took = offer.decided_at - offer.offered_at if offer.decided_at else None
    notes = []
    if kind == Kind.PARTNER:
        notes = list(selectors.notes_visible_to(request.user).filter(lead=lead).select_related("author"))
    context = {
        "lead": lead,
        "kind": kind,
        "allowed": allowed,
        "forms": action_forms,
        "failed_action": failed[0] if failed else None,
        "errors": errors,
        "products": list(lead.products.order_by("name")),
        "events": events,
        "offers": offers,
        "notes": notes,
        "can_manage": can_manage(request),
        "now": timezone.now(),
        "read_only": read_only(request, lead),
    }
    if kind == Kind.VENDOR and "offer" in allowed:
        offered = action_forms["offer"].fields["partnership"].objects
        context["many_partners"] = len(offered) >= vendor_selectors.MAX_PARTNER_CHOICES
    return render(request, "leads/detail.html", context, status=status)


PAGE = DetailPage(
    noun="lead",
    get=_lead_or_404,
    render=_render_detail,
    read_only=read_only,
    refusal=access.ReadOnlyPartnership,
    route="leads:detail",
)
_refused = PAGE.refused


@require_GET
@side_view(*ALL_SIDES)
def lead_detail(request, pk):
    return _render_detail(request, _lead_or_404(request, pk))


# --- the POST actions on one lead (``core.views.DetailPage.action``) -----------------------------------------------


PARTNER = (Kind.PARTNER,)
lead_accept = PAGE.action(
    "accept",
    lambda request, lead, data: services.lead_accept(actor=request.user, lead=lead),
    lambda lead: f"{lead.reference} accepted: it is yours to work.",
    kinds=PARTNER,
)
lead_reject = PAGE.action(
    "reject",
    lambda request, lead, data: services.lead_reject(actor=request.user, lead=lead, reason=data["reason"]),
    lambda lead: f"{lead.reference} turned down; {lead.vendor.name} has been told why.",
    kinds=PARTNER,
    form_class=forms.RejectForm,
)
lead_assign = PAGE.action(
    "assign",
    lambda request, lead, data: services.lead_assign_rep(actor=request.user, lead=lead, rep=data["rep"]),
    lambda lead: f"{lead.reference} is now with {lead.assigned_to.display_name if lead.assigned_to else 'nobody'}.",
    kinds=PARTNER,
    form_class=forms.AssignForm,
    form_kwargs=lambda request, lead: {"reps": _reps(request, lead)},
)
lead_status = PAGE.action(
    "status",
    lambda request, lead, data: services.lead_update_status(
        actor=request.user, lead=lead, status=data["status"], reason=data["reason"]
    ),
    lambda lead: f"{lead.reference} is now {lead.get_status_display().lower()}.",
    kinds=PARTNER,
    form_class=forms.StatusForm,
)


def _note(request, lead, data):
    services.lead_note_add(actor=request.user, lead=lead, body=data["body"])


lead_note = PAGE.action(
    "note", _note, lambda lead: "Note saved. Only your team sees it.", kinds=PARTNER, form_class=forms.NoteForm
)
lead_offer = PAGE.action(
    "offer",
    lambda request, lead, data: services.lead_offer_to(actor=request.user, lead=lead, partnership=data["partnership"]),
    lambda lead: f"{lead.reference} offered to {lead.partner.name} until {lead.accept_by:%d %b %Y %H:%M} UTC.",
    kinds=(Kind.VENDOR,),
    form_class=forms.OfferForm,
    form_kwargs=lambda request, lead: {"partnerships": _offer_choices(request, lead)},
    manager=True,
)


@require_http_methods(["GET", "POST"])
@side_view(Kind.PARTNER)
def lead_convert(request, pk):
    """Register a deal from a lead: the customer and contact carried over; the partner picks the products."""
    lead = _lead_or_404(request, pk)
    if read_only(request, lead):
        return _refused(request, pk) if request.method == "POST" else redirect("leads:detail", pk=lead.pk)
    if lead.partner_id != request.organization.pk or lead.status not in Lead.WORKING_STATUSES:
        messages.error(request, f"{lead.reference} is {lead.get_status_display().lower()}: it cannot be converted.")
        return redirect("leads:detail", pk=lead.pk)
    products = deal_selectors.partner_catalog(request.user, request.organization, lead.partnership)
    line_errors = []
    if request.method == "GET":
        form = forms.ConvertForm(initial=forms.ConvertForm.initial_for(lead))
        wanted = [{"product": str(p.pk), "quantity": 1} for p in lead.products.all() if str(p.pk) in products]
        blank = max(3 - len(wanted), 1)
        lines = deal_forms.line_formset(blank=blank)(initial=wanted or None, products=products)
        status = 200
    else:
        form = forms.ConvertForm(request.POST)
        lines = deal_forms.line_formset(blank=0)(request.POST, products=products)
        if form.is_valid() and lines.is_valid():
            try:
                deal = services.lead_convert(
                    actor=request.user,
                    lead=lead,
                    title=form.cleaned_data["title"],
                    expected_close_date=form.cleaned_data["expected_close_date"],
                    lines=lines.lines(),
                    submit=request.POST.get("action") == "submit",
                )
            except access.ReadOnlyPartnership:
                return _refused(request, pk)
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    line_errors = [m for e in exc.error_dict.pop("lines", []) for m in e.messages]
                    if exc.error_dict:
                        add_service_error(form, exc)
                else:
                    add_service_error(form, exc)
            else:
                what = "submitted to" if deal.status != deal.Status.DRAFT else "saved as a draft for"
                messages.success(request, f"{lead.reference} became {deal.reference}, {what} {lead.vendor.name}.")
                return redirect("deals:detail", pk=deal.pk)
        line_errors += list(lines.non_form_errors())
        status = 400
    context = {"lead": lead, "form": form, "lines": lines, "line_errors": line_errors, "partnership": lead.partnership}
    return render(request, "leads/convert.html", context, status=status)


# --- the vendor's rules and its partners' coverage ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@side_view(Kind.VENDOR)
def lead_rules(request):
    vendor = request.organization
    tiers = list(vendor_selectors.tiers_visible_to(request.user).filter(vendor=vendor).order_by("-rank", "name"))
    rules = services.rules_for(vendor)
    tier_ids = list(rules.tiers.values_list("pk", flat=True)) if rules.pk else []
    if request.method == "POST":
        require_manager(request)
        form = forms.RulesForm(request.POST, tiers=tiers)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["tiers"] = data["tiers"] or []
            try:
                services.lead_rules_update(actor=request.user, vendor=vendor, **data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, "Lead rules saved. New leads are routed by them.")
                return redirect("leads:rules")
        status = 400
    else:
        form = forms.RulesForm(initial=forms.RulesForm.initial_for(rules, tier_ids), tiers=tiers)
        status = 200
    edges = (
        vendor_selectors.partnerships_visible_to(request.user)
        .filter(vendor=vendor, status=Partnership.Status.ACTIVE)
        .select_related("partner", "tier", "lead_coverage")
        .prefetch_related(Prefetch("lead_coverage__products", queryset=Product.objects.order_by("sku")))
        .order_by("partner__name", "pk")
    )
    page = Paginator(edges, COVERAGE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_manage": can_manage(request), "rules": rules}
    return render(request, "leads/rules.html", context, status=status)


@require_http_methods(["GET", "POST"])
@side_view(Kind.VENDOR)
def lead_coverage(request, pk):
    """What one partner covers for the vendor: territory, specialisation, capacity."""
    edges = vendor_selectors.partnerships_visible_to(request.user).filter(vendor=request.organization)
    partnership = get_or_404(edges.select_related("partner", "vendor", "tier"), pk=pk)
    coverage = getattr(partnership, "lead_coverage", None)
    products = _vendor_products(request)
    if request.method == "POST":
        require_manager(request)
        form = forms.CoverageForm(request.POST, products=products)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.lead_coverage_update(
                    actor=request.user,
                    partnership=partnership,
                    countries=data["countries"],
                    regions=data["regions"],
                    products=data["products"] or [],
                    capacity=data["capacity"],
                    accepts_leads=data["accepts_leads"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"{partnership.partner.name}'s coverage saved.")
                return redirect("leads:rules")
        status = 400
    else:
        initial = {"accepts_leads": True}
        if coverage is not None:
            initial = {
                "countries": ", ".join(coverage.countries),
                "regions": ", ".join(coverage.regions),
                "capacity": coverage.capacity,
                "accepts_leads": coverage.accepts_leads,
                "products": [str(pk) for pk in coverage.products.values_list("pk", flat=True)],
            }
        form = forms.CoverageForm(initial=initial, products=products)
        status = 200
    open_leads = _my_leads(request).filter(partnership=partnership, status__in=Lead.OPEN_STATUSES).count()
    context = {"partnership": partnership, "form": form, "open_leads": open_leads}
    return render(request, "leads/coverage.html", context, status=status)
