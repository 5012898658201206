"""The partner workspace: the pages a partner's (and a distributor's) people work in.

Every page reads tenant rows through ``vendors.selectors`` and writes through ``vendors.services``. A row the
person may not see is a 404 (the same answer as a row that is not there); a role refusal inside the
person's own organization (a member trying an admin action) is a 403. Each list page runs a fixed number
of queries whatever the number of rows.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from core import lists
from core.forms import add_service_error
from core.views import organization_required
from portal import forms
from vendors import selectors, services
from vendors import tables as vendor_tables
from vendors.access import get_or_404
from vendors.middleware import SESSION_KEY
from vendors.models import Membership, Organization, Partnership
from vendors.money import quantize

PAGE_SIZE = 50
Kind = Organization.Kind
Role = Membership.Role


# --- who may use a page -------------------------------------------------------------------------------------


def _is_admin(request) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and membership.role == Role.ADMIN


def _require_admin(request) -> None:
    if not _is_admin(request):
        raise PermissionDenied("Only your organization's admins may do this.")


def _service_message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- home and the organization switcher ---------------------------------------------------------------------


@organization_required
def home(request):
    """A partner's vendors; vendors go to their console, distributors to their resellers."""
    organization = request.organization
    if organization.kind == Kind.VENDOR:
        return redirect("console:partners")
    if organization.kind == Kind.DISTRIBUTOR:
        return redirect("portal:distribution")
    rows = selectors.partner_home(request.user, organization)
    counts = dict.fromkeys(Partnership.Status.values, 0)
    for row in rows:
        counts[row["partnership"].status] += 1
    return render(
        request,
        "portal/home.html",
        {"rows": rows, "counts": counts, "whats_new_days": selectors.WHATS_NEW_DAYS},
    )


@login_required
@require_POST
def switch_organization(request):
    """Work in another of one's organizations (kept in the session). Not one of theirs: 404."""
    wanted = request.POST.get("organization", "")
    membership = next((m for m in request.memberships if str(m.organization_id) == wanted), None)
    if membership is None:
        raise Http404("No such organization.")
    request.session[SESSION_KEY] = membership.organization_id
    return redirect("portal:home")


# --- one vendor, as the partner sees it ---------------------------------------------------------------------


def _catalog_rows(products, price_for):
    rows = []
    for product in products:
        price = price_for(product)
        rows.append(
            {
                "product": product,
                "price": price,
                "list_price": price.list_price if price else quantize(product.list_price, product.currency),
            }
        )
    return rows


@organization_required
def vendor_detail(request, slug):
    """The partnership with one vendor (tier, terms, status, history) and that vendor's catalog.

    Tabs are the same for every vendor. The vendor is looked up among the organizations the person may see;
    without a partnership with it the page does not exist (404).
    """
    organization = request.organization
    if organization.kind != Kind.PARTNER:
        raise Http404("No such page.")
    vendor = get_or_404(selectors.organizations_visible_to(request.user).filter(kind=Kind.VENDOR), slug=slug)
    partnerships = list(
        selectors.partnerships_visible_to(request.user)
        .filter(vendor=vendor, partner=organization)
        .select_related("tier", "distributor")
        .order_by("-applied_at", "-id")
    )
    if not partnerships:
        raise Http404("No such page.")
    partnership = next((p for p in partnerships if p.status in Partnership.OPEN_STATUSES), partnerships[0])
    tab = "catalog" if request.GET.get("tab") == "catalog" else "overview"
    context = {"vendor": vendor, "partnership": partnership, "tab": tab}
    if tab == "overview":
        context["events"] = list(
            selectors.events_visible_to(request.user)
            .filter(partnership__in=[p.pk for p in partnerships])
            .order_by("-created_at", "-id")[:100]
        )
    else:
        products, price_for = selectors.catalog(
            request.user, organization, vendor_id=vendor.pk, q=(request.GET.get("q") or "").strip()[:200]
        )
        page = _page(request, products)
        context.update(page=page, rows=_catalog_rows(page.object_list, price_for), q=request.GET.get("q", ""))
    return render(request, "portal/vendor_detail.html", context)


# --- the cross-vendor catalog -------------------------------------------------------------------------------


def _program_vendors(request) -> list[Organization]:
    """The vendors whose catalogs the current organization works with (program access). One query."""
    user, organization = request.user, request.organization
    if organization.kind == Kind.PARTNER:
        edges = selectors.partnerships_visible_to(user).filter(partner=organization, status=Partnership.Status.ACTIVE)
    else:
        edges = selectors.distributions_visible_to(user).filter(distributor=organization, active=True)
    return list(selectors.program_vendors(user).filter(id__in=edges.values("vendor_id")).order_by("name"))


@organization_required
def catalog(request):
    """Every product of every vendor the organization works with: list price, its price and its margin."""
    organization = request.organization
    if organization.kind == Kind.VENDOR:
        return redirect("console:catalog")
    user = request.user
    vendors = _program_vendors(request)
    vendor_ids = [v.pk for v in vendors]
    # Categories across all of the organization's vendors: the list stays the same while the vendor filter
    # changes the results in place.
    categories = list(
        selectors.products_visible_to(user)
        .filter(vendor_id__in=vendor_ids)
        .exclude(category="")
        .order_by("category")
        .values_list("category", flat=True)
        .distinct()
    )
    form = forms.CatalogFilterForm(request.GET or None, vendors=vendors, categories=categories)
    chosen = form.filters()
    products, price_for = selectors.catalog(
        user,
        organization,
        vendor_id=chosen["vendor"].pk if chosen["vendor"] else "",
        q=chosen["q"],
        category=chosen["category"],
    )
    # Only the current organization's vendors (a person in several organizations sees one at a time).
    products = products.filter(vendor_id__in=vendor_ids)
    page = _page(request, products)
    context = {
        "form": form,
        "vendors": vendors,
        "page": page,
        "rows": _catalog_rows(page.object_list, price_for),
        "filtered": bool(chosen["q"] or chosen["category"] or chosen["vendor"]),
        "shows_prices": organization.kind == Kind.PARTNER,
    }
    if request.htmx and request.htmx.target == "catalog-results":
        return render(request, "portal/_catalog_results.html", context)
    return render(request, "portal/catalog.html", context)


# --- the vendor directory and applications ------------------------------------------------------------------


@organization_required
def directory(request):
    """Vendors that accept applications: their criteria, their tier ladder, and where the partner stands."""
    organization = request.organization
    if organization.kind != Kind.PARTNER:
        return redirect("portal:home")
    form = forms.DirectorySearchForm(request.GET or None)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    # One page of vendors at a time: the directory grows with the platform (500 vendors: 500 kB of HTML).
    page = _page(request, selectors.directory(request.user, organization, q=q))
    rows = list(page.object_list)
    ladders = selectors.directory_tiers(request.user, [row["vendor"].pk for row in rows])
    for row in rows:
        row["tiers"] = ladders.get(row["vendor"].pk, [])
    return render(
        request,
        "portal/directory.html",
        {"rows": rows, "page": page, "form": form, "q": q, "can_apply": _is_admin(request)},
    )


@organization_required
@require_http_methods(["GET", "POST"])
def apply(request, slug):
    """A partner's admin applies to a vendor's program. Not a vendor the person may see: 404; not an admin: 403.

    Whether the application is allowed (accepting? already applied?) is the service's call; its refusal is
    shown on the form and nothing is written.
    """
    organization = request.organization
    if organization.kind != Kind.PARTNER:
        raise Http404("No such page.")
    vendor = get_or_404(selectors.organizations_visible_to(request.user).filter(kind=Kind.VENDOR), slug=slug)
    _require_admin(request)
    distributors = selectors.directory_distributors(request.user, vendor)
    form = forms.ApplyForm(request.POST or None, distributors=distributors)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.partnership_apply(
                actor=request.user,
                partner=organization,
                vendor=vendor,
                message=data["message"],
                region=data["region"],
                annual_revenue=data["annual_revenue"],
                distributor=data.get("distributor"),
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Your application to {vendor.name} is sent. We'll show their answer here.")
            return redirect("portal:vendor_detail", slug=vendor.slug)
    tiers = selectors.directory_tiers(request.user, [vendor.pk]).get(vendor.pk, [])
    return render(request, "portal/apply.html", {"vendor": vendor, "form": form, "tiers": tiers})


# --- the team -----------------------------------------------------------------------------------------------


def _team(request, invite_form=None, status=200):
    user, organization = request.user, request.organization
    members = list(
        selectors.memberships_visible_to(user)
        .filter(organization=organization)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )
    invitations = list(
        selectors.invitations_visible_to(user)
        .filter(organization=organization, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-created_at")
    )
    admins = sum(1 for m in members if m.role == Role.ADMIN)
    return render(
        request,
        "portal/team.html",
        {
            "members": members,
            "invitations": invitations,
            "is_admin": _is_admin(request),
            "invite_form": invite_form or forms.InviteForm(),
            "role_choices": forms.ROLE_CHOICES,
            "admin_count": admins,
            "invite_days": settings.ONEPANE_INVITATION_DAYS,
            "now": timezone.now(),
        },
        status=status,
    )


@organization_required
def team(request):
    """The people of the current organization and the open invitations; admins manage them here."""
    return _team(request)


@organization_required
@require_POST
def invite(request):
    _require_admin(request)
    form = forms.InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                actor=request.user,
                organization=request.organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email}. "
                f"The link works until {date_format(timezone.localtime(invitation.expires_at), 'j F Y')}.",
            )
            return redirect("portal:team")
    return _team(request, invite_form=form, status=400)


def _membership(request, pk):
    """A membership of the current organization (another organization's: 404)."""
    return get_or_404(
        selectors.memberships_visible_to(request.user)
        .filter(organization=request.organization)
        .select_related("organization", "user"),
        pk=pk,
    )


@organization_required
@require_POST
def member_role(request, pk):
    membership = _membership(request, pk)
    _require_admin(request)
    form = forms.RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose admin, manager or member.")
        return redirect("portal:team")
    try:
        services.membership_change_role(actor=request.user, membership=membership, role=form.cleaned_data["role"])
    except ValidationError as exc:
        messages.error(request, _service_message(exc))
    else:
        role = Role(form.cleaned_data["role"]).label.lower()
        messages.success(request, f"{membership.user.display_name} is now {role}.")
    return redirect("portal:team")


@organization_required
@require_POST
def member_remove(request, pk):
    membership = _membership(request, pk)
    _require_admin(request)
    try:
        services.membership_remove(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, _service_message(exc))
        return redirect("portal:team")
    messages.success(request, f"{membership.user.display_name} was removed from {membership.organization.name}.")
    if membership.user_id == request.user.pk:
        return redirect("portal:home")
    return redirect("portal:team")


@organization_required
@require_POST
def invitation_revoke(request, pk):
    invitation = get_or_404(
        selectors.invitations_visible_to(request.user).filter(organization=request.organization), pk=pk
    )
    _require_admin(request)
    services.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, f"The invitation to {invitation.email} no longer works.")
    return redirect("portal:team")


# --- accepting an invitation (public) -----------------------------------------------------------------------

GONE_CODES = ("expired", "used")


def _invitation_problem(request, exc: ValidationError):
    """A link that cannot be used: 410 Gone when it was real but has expired or was used, 404 otherwise."""
    status = 410 if getattr(exc, "code", None) in GONE_CODES else 404
    return render(request, "portal/invitation_invalid.html", {"message": _service_message(exc)}, status=status)


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """Join an organization from an emailed link. Public.

    - A person who is not logged in creates their account (the invited email, a name and a password) and is
      logged in; a person logged in with the invited email presses "Join".
    - A link that cannot be used shows the service's reason and writes nothing: **404** for a malformed,
      unknown or revoked token (there is no such invitation to speak of), **410 Gone** for a real invitation
      that has expired or was already used.
    - Refusals of the join itself (an account already exists for the email, a weak password, a different
      email logged in) are shown on the page with status 400.
    """
    try:
        invitation = services.invitation_for_token(token)
    except ValidationError as exc:
        return _invitation_problem(request, exc)
    user = request.user
    signed_in = user.is_authenticated
    email_matches = signed_in and user.email.lower() == invitation.email.lower()
    form = None if signed_in else forms.InvitationSignupForm(request.POST or None)
    error = None
    if request.method == "POST":
        try:
            if signed_in:
                membership = services.invitation_accept(token=token, user=user)
            elif form.is_valid():
                data = form.cleaned_data
                membership = services.invitation_accept(
                    token=token,
                    password=data["password"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                )
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            else:
                membership = None
        except ValidationError as exc:
            if getattr(exc, "code", None) in (*GONE_CODES, "invalid"):
                return _invitation_problem(request, exc)
            if form is not None:
                add_service_error(form, exc)
            else:
                error = _service_message(exc)
            membership = None
        if membership is not None:
            request.session[SESSION_KEY] = membership.organization_id
            messages.success(request, f"Welcome to {invitation.organization.name} on Onepane.")
            return redirect("portal:home")
    return render(
        request,
        "portal/invitation_accept.html",
        {
            "invitation": invitation,
            "form": form,
            "signed_in": signed_in,
            "email_matches": email_matches,
            "error": error,
            "login_url": f"{reverse('account_login')}?{urlencode({'next': request.path})}",
        },
        status=400 if request.method == "POST" else 200,
    )


# --- a distributor's resellers ------------------------------------------------------------------------------


@organization_required
def distribution(request):
    """The resellers a distributor serves, grouped by vendor, with tier and status."""
    organization = request.organization
    if organization.kind != Kind.DISTRIBUTOR:
        return redirect("portal:home")
    user = request.user
    vendors = [
        d.vendor
        for d in selectors.distributions_visible_to(user)
        .filter(distributor=organization)
        .select_related("vendor")
        .order_by("vendor__name")
    ]
    form = forms.ResellerFilterForm(request.GET or None, vendors=vendors)
    chosen = form.filters()
    resellers = selectors.distributor_resellers(
        user, organization, vendor_id=chosen["vendor"].pk if chosen["vendor"] else "", q=chosen["q"]
    )
    listing = vendor_tables.RESELLERS.page(
        request, resellers, filtered=bool(chosen["q"] or chosen["vendor"]), group=lambda p: p.vendor
    )
    context = {"form": form, "vendors": vendors, "list": listing}
    return lists.render(request, "portal/distribution.html", "portal/_reseller_results.html", context)
