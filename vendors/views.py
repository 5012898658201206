"""The vendor console: a vendor's people manage their partners, applications, tiers, catalog and program.

Every page needs a logged-in person working in a vendor organization (anyone else: 404, a partner or a
distributor has no console). Reads go through ``vendors.selectors``; writes through ``vendors.services``,
which refuse members (``PermissionDenied`` → 403). Views check the role first as well, so a member's POST
is a 403 whatever the form holds.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import lists
from core.forms import add_service_error
from core.views import can_manage, require_manager, side_view, wants_partial
from vendors import forms, selectors, services, tables
from vendors.access import get_or_404
from vendors.models import Organization, Partnership
from vendors.money import partner_price, quantize

PAGE_SIZE = 50
CURRENT_STATUSES = (Partnership.Status.ACTIVE, Partnership.Status.SUSPENDED)
# Which action forms the partnership page offers in each status.
ACTION_STATUSES = {
    "approve": (Partnership.Status.APPLIED,),
    "decline": (Partnership.Status.APPLIED,),
    "tier": CURRENT_STATUSES,
    "suspend": (Partnership.Status.ACTIVE,),
    "reactivate": (Partnership.Status.SUSPENDED,),
    "end": CURRENT_STATUSES,
}


# --- who may use the console --------------------------------------------------------------------------------

# Logged in, working in a vendor organization; otherwise 404 (the console does not exist for them).
console_view = side_view(Organization.Kind.VENDOR)


def _paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _partial(request, template, context):
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _next_url(request, default: str) -> str:
    candidate = request.POST.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _vendor_tiers(request):
    return list(selectors.tiers_visible_to(request.user).filter(vendor=request.organization).order_by("-rank", "name"))


def _vendor_distributors(request, *, active_only=False):
    distributions = selectors.distributions_visible_to(request.user).filter(vendor=request.organization)
    if active_only:
        distributions = distributions.filter(active=True)
    return [d.distributor for d in distributions.select_related("distributor").order_by("distributor__name")]


# --- partners -------------------------------------------------------------------------------------------------


@require_GET
@console_view
def partners(request):
    vendor = request.organization
    tiers = _vendor_tiers(request)
    distributors = _vendor_distributors(request)
    form = forms.PartnerFilterForm(request.GET or None, tiers=tiers, distributors=distributors)
    chosen = form.filters()
    rows = selectors.vendor_partners(
        request.user,
        vendor,
        q=chosen["q"],
        status=chosen["status"],
        tier_id=chosen["tier"],
        distributor_id="" if chosen["distributor"] == "direct" else chosen["distributor"],
    )
    if chosen["distributor"] == "direct":
        rows = rows.filter(distributor__isnull=True)
    counts = None if lists.wants_list_only(request) else selectors.vendor_counts(request.user, vendor)
    count = None  # counted with the rows, unless the counts by status answer already
    if counts is not None and not (chosen["q"] or chosen["tier"] or chosen["distributor"]):
        count = counts[chosen["status"]] if chosen["status"] else sum(counts.values())
    listing = tables.PARTNERS.page(request, rows, count=count, filtered=any(chosen.values()))
    context = {"form": form, "list": listing, "can_manage": can_manage(request)}
    if counts is not None:  # the whole page: the summary by status above the filters
        context["counts"] = counts
        context["stats"] = [
            (status, label, counts[status]) for status, label in Partnership.Status.choices if status != "declined"
        ]
    return lists.render(request, "vendors/console/partners.html", "vendors/console/_partners_table.html", context)


@require_GET
@console_view
def applications(request):
    """The applications waiting, oldest first, each with the forms to approve or decline it."""
    tiers = _vendor_tiers(request)
    manage = can_manage(request)
    rows = selectors.vendor_partners(request.user, request.organization, status=Partnership.Status.APPLIED).order_by(
        "applied_at", "id"
    )
    decide = None
    if manage:
        decide = tables.application_forms(
            tiers=tiers,
            distributors=_vendor_distributors(request, active_only=True),
            next_url=reverse("console:applications"),
            csrf_token=get_token(request),
        )

    def prepare(partnerships):
        for partnership in partnerships:
            partnership.forms = decide

    listing = tables.APPLICATIONS.page(request, rows, prepare=prepare)
    context = {"list": listing, "can_manage": manage, "tiers": tiers}
    return lists.render(request, "vendors/console/applications.html", "vendors/console/_applications.html", context)


def _partnership_or_404(request, pk):
    return get_or_404(
        selectors.partnerships_visible_to(request.user)
        .filter(vendor=request.organization)
        .select_related("partner", "tier", "distributor"),
        pk=pk,
    )


def _auto_id(action: str) -> str:
    """Each action form on the partnership page gets its own element ids (several have a "reason")."""
    return f"id_{action}_%s"


def _detail_forms(partnership, tiers, distributors):
    return {
        "approve": forms.ApproveForm(
            tiers=tiers,
            distributors=distributors,
            initial={"distributor": str(partnership.distributor_id or "")},
            auto_id=_auto_id("approve"),
        ),
        "decline": forms.DeclineForm(auto_id=_auto_id("decline")),
        "tier": forms.TierChangeForm(tiers=[t for t in tiers if t.pk != partnership.tier_id], auto_id=_auto_id("tier")),
        "suspend": forms.SuspendForm(auto_id=_auto_id("suspend")),
        "reactivate": forms.ReactivateForm(auto_id=_auto_id("reactivate")),
        "end": forms.EndForm(auto_id=_auto_id("end")),
    }


def _render_detail(request, partnership, *, failed=None, status=200):
    """The partnership page; ``failed`` = (action, bound form with errors) to show in place of a blank form."""
    tiers = _vendor_tiers(request)
    distributors = _vendor_distributors(request, active_only=True)
    action_forms = _detail_forms(partnership, tiers, distributors)
    errors = []
    if failed:
        action, form = failed
        action_forms[action] = form
        if partnership.status in ACTION_STATUSES[action] and can_manage(request):
            errors = list(form.non_field_errors())  # field errors show next to their field
        else:  # the form is not on the page for the partnership as it is now: say what went wrong at the top
            errors = [message for messages_ in form.errors.values() for message in messages_]
    events = list(
        selectors.events_visible_to(request.user)
        .filter(partnership=partnership)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "vendors/console/partner_detail.html",
        {
            "partnership": partnership,
            "partner": partnership.partner,
            "events": events,
            "forms": action_forms,
            "failed_action": failed[0] if failed else "",
            "errors": errors,
            "can_manage": can_manage(request),
        },
        status=status,
    )


@require_GET
@console_view
def partner_detail(request, pk):
    return _render_detail(request, _partnership_or_404(request, pk))


def _partnership_action(action, form_class, run, success):
    """A POST that acts on one partnership through a service.

    ``run(request, partnership, cleaned_data)`` calls the service; ``success`` is the message shown after.
    Invalid input or a refusal by the service re-renders the partnership page with the errors (400).
    """

    @require_POST
    @console_view
    def view(request, pk):
        partnership = _partnership_or_404(request, pk)
        require_manager(request)
        tiers = _vendor_tiers(request) if action in ("approve", "tier") else ()
        kwargs = {}
        if action == "approve":
            kwargs = {"tiers": tiers, "distributors": _vendor_distributors(request, active_only=True)}
        elif action == "tier":
            kwargs = {"tiers": tiers}
        form = form_class(request.POST, auto_id=_auto_id(action), **kwargs)
        if form.is_valid():
            try:
                run(request, partnership, form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, success.format(partner=partnership.partner.name))
                default = reverse("console:partner_detail", args=[partnership.pk])
                return redirect(_next_url(request, default))
        # The page shows the partnership as it is now, with the errors next to the form that failed.
        return _render_detail(request, _partnership_or_404(request, pk), failed=(action, form), status=400)

    view.__name__ = f"partnership_{action}"
    return view


partnership_approve = _partnership_action(
    "approve",
    forms.ApproveForm,
    lambda request, p, data: services.partnership_approve(
        actor=request.user, partnership=p, tier=data["tier"], distributor=data.get("distributor")
    ),
    "{partner} is now your partner.",
)
partnership_decline = _partnership_action(
    "decline",
    forms.DeclineForm,
    lambda request, p, data: services.partnership_decline(actor=request.user, partnership=p, reason=data["reason"]),
    "You declined the application of {partner}. They see your reason.",
)
partnership_tier = _partnership_action(
    "tier",
    forms.TierChangeForm,
    lambda request, p, data: services.partnership_change_tier(actor=request.user, partnership=p, tier=data["tier"]),
    "{partner} moved to a new tier.",
)
partnership_suspend = _partnership_action(
    "suspend",
    forms.SuspendForm,
    lambda request, p, data: services.partnership_suspend(actor=request.user, partnership=p, reason=data["reason"]),
    "{partner} is suspended: they no longer have access to your program.",
)
partnership_reactivate = _partnership_action(
    "reactivate",
    forms.ReactivateForm,
    lambda request, p, data: services.partnership_reactivate(actor=request.user, partnership=p),
    "{partner} is active again.",
)
partnership_end = _partnership_action(
    "end",
    forms.EndForm,
    lambda request, p, data: services.partnership_end(actor=request.user, partnership=p, reason=data["reason"]),
    "The partnership with {partner} has ended.",
)


# --- tiers ----------------------------------------------------------------------------------------------------


@require_GET
@console_view
def tiers(request):
    rows = (
        selectors.tiers_visible_to(request.user)
        .filter(vendor=request.organization)
        .annotate(partner_count=Count("partnerships", filter=Q(partnerships__status__in=CURRENT_STATUSES)))
        .order_by("-rank", "name")
    )
    return render(request, "vendors/console/tiers.html", {"tiers": rows, "can_manage": can_manage(request)})


def _tier_or_404(request, pk):
    return get_or_404(selectors.tiers_visible_to(request.user).filter(vendor=request.organization), pk=pk)


@require_http_methods(["GET", "POST"])
@console_view
def tier_create(request):
    require_manager(request)
    form = forms.TierForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            tier = services.tier_create(actor=request.user, vendor=request.organization, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Tier “{tier.name}” created.")
            return redirect("console:tiers")
    status = 400 if form.is_bound else 200
    return render(request, "vendors/console/tier_form.html", {"form": form, "tier": None}, status=status)


@require_http_methods(["GET", "POST"])
@console_view
def tier_edit(request, pk):
    tier = _tier_or_404(request, pk)
    require_manager(request)
    initial = {name: getattr(tier, name) for name in forms.TierForm.base_fields}
    form = forms.TierForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            tier = services.tier_update(actor=request.user, tier=tier, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Tier “{tier.name}” saved.")
            return redirect("console:tiers")
    status = 400 if form.is_bound else 200
    return render(
        request, "vendors/console/tier_form.html", {"form": form, "tier": _tier_or_404(request, pk)}, status=status
    )


@require_POST
@console_view
def tier_delete(request, pk):
    tier = _tier_or_404(request, pk)
    require_manager(request)
    try:
        services.tier_delete(actor=request.user, tier=tier)
    except ValidationError as exc:
        messages.error(request, f"“{tier.name}” was not deleted: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"Tier “{tier.name}” deleted.")
    return redirect("console:tiers")


# --- catalog --------------------------------------------------------------------------------------------------


def _vendor_products(request):
    return selectors.products_visible_to(request.user).filter(vendor=request.organization)


def _categories(request) -> list[str]:
    return list(
        _vendor_products(request)
        .exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )


@require_GET
@console_view
def catalog(request):
    categories = _categories(request)
    form = forms.CatalogFilterForm(request.GET or None, categories=categories)
    chosen = form.filters()
    products, _ = selectors.catalog(
        request.user,
        request.organization,
        vendor_id=request.organization.pk,
        q=chosen["q"],
        category=chosen["category"],
    )
    if chosen["state"] == "active":
        products = products.filter(active=True)
    elif chosen["state"] == "retired":
        products = products.filter(active=False)
    page = _paginate(request, products.order_by("name", "sku"))
    for product in page:
        product.display_price = _display_price(product)
    context = {"form": form, "page": page, "filtered": any(chosen.values()), "can_manage": can_manage(request)}
    if wants_partial(request):
        return _partial(request, "vendors/console/_catalog_table.html", context)
    response = render(request, "vendors/console/catalog.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _product_fields(cleaned_data) -> dict:
    return {name: cleaned_data[name] for name in forms.ProductForm.base_fields}


@require_http_methods(["GET", "POST"])
@console_view
def product_create(request):
    require_manager(request)
    form = forms.ProductForm(request.POST if request.method == "POST" else None, categories=_categories(request))
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(
                actor=request.user, vendor=request.organization, **_product_fields(form.cleaned_data)
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{product.name} added to your catalog.")
            return redirect("console:product_edit", pk=product.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "vendors/console/product_form.html", {"form": form, "product": None, "prices": []}, status=status
    )


def _display_price(product):
    """The list price as people write it: to the currency's minor unit, unless it has more precision."""
    rounded = quantize(product.list_price, product.currency)
    return rounded if rounded == product.list_price else product.list_price.normalize()


def _tier_prices(request, product) -> list[dict]:
    """What a partner in each tier pays for ``product`` and earns on it (direct, without a distributor)."""
    return [
        {
            "tier": tier,
            "price": partner_price(
                list_price=product.list_price, currency=product.currency, discount_percent=tier.discount_percent
            ),
        }
        for tier in _vendor_tiers(request)
    ]


@require_http_methods(["GET", "POST"])
@console_view
def product_edit(request, pk):
    product = get_or_404(_vendor_products(request), pk=pk)
    if request.method == "POST":
        require_manager(request)
    initial = {name: getattr(product, name) for name in forms.ProductForm.base_fields}
    initial["list_price"] = _display_price(product)
    form = forms.ProductForm(
        request.POST if request.method == "POST" else None, initial=initial, categories=_categories(request)
    )
    if not can_manage(request):
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_update(actor=request.user, product=product, **_product_fields(form.cleaned_data))
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{product.name} saved.")
            return redirect("console:product_edit", pk=product.pk)
    product = get_or_404(_vendor_products(request), pk=pk)  # as stored, whatever the form holds
    status = 400 if form.is_bound else 200
    return render(
        request,
        "vendors/console/product_form.html",
        {
            "form": form,
            "product": product,
            "prices": _tier_prices(request, product),
            "list_price": _display_price(product),
            "can_manage": can_manage(request),
        },
        status=status,
    )


# --- program --------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@console_view
def program(request):
    vendor = request.organization
    if request.method == "POST":
        require_manager(request)
    form = forms.ProgramForm(
        request.POST if request.method == "POST" else None,
        initial={"accepts_applications": vendor.accepts_applications, "program_criteria": vendor.program_criteria},
    )
    manage = can_manage(request)
    if not manage:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.program_update(actor=request.user, vendor=vendor, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "Program settings saved.")
            return redirect("console:program")
    status = 400 if form.is_bound else 200
    return render(
        request,
        "vendors/console/program.html",
        {"form": form, "vendor": vendor, "can_manage": manage},
        status=status,
    )
