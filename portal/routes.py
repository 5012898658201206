"""Every URL Onepane serves, declared: who may call it, and which row its URL names.

The isolation suite (``tests/isolation/``) walks the URL resolver (every include, namespace and the DRF
router) and attacks every route it finds as every kind of person, with ids of rows they may and may not
see. It does not need a list of routes to test; it needs to know what each route is. That is this file:
**a route that is not declared here fails the suite**, with a message that names it. When you add a page
or an API route, add one line here.

- ``public(reason)``: anyone, logged in or not (login, an invitation link, the API schema and docs).
- ``authenticated()``: a logged-in person; the URL names no tenant row (home, a list, a "new" form). The
  suite checks that an anonymous caller is turned away and that the page shows only rows the person may see.
- ``scoped(model, kwarg="pk", field="pk")``: the URL names one row of ``model`` (``"app.Model"``) by its
  ``field`` in the URL keyword ``kwarg``. The suite calls it with rows the person may see and rows they may
  not; the latter must be a 404, the same answer as a row that does not exist.
- ``writes=True`` (HTML views): POST changes rows. The suite POSTs a plausible valid body (it keeps one per
  route in ``tests/isolation/bodies.py``) and checks that nothing changed that the person may not change.
  DRF routes need not say so: their methods come from the viewset.
- ``filters=(...)`` (HTML lists): the query parameters the page reads. The suite sends each with other
  tenants' ids and names and checks that none of their rows appears. DRF lists declare theirs in the
  viewset's ``filters_class``, which the suite reads.

``PREFIXES`` classifies whole areas at once (the Django admin, allauth's account pages), with the reason.
"""

from dataclasses import dataclass

PUBLIC = "public"
AUTHENTICATED = "authenticated"
SCOPED = "scoped"
STAFF = "staff"


@dataclass(frozen=True)
class Route:
    access: str
    reason: str = ""
    model: str = ""  # "app.Model", for scoped routes
    kwarg: str = ""  # the URL keyword that names the row
    field: str = ""  # the model field it is matched against
    writes: bool = False
    filters: tuple[str, ...] = ()


def public(reason: str, *, writes: bool = False) -> Route:
    return Route(PUBLIC, reason=reason, writes=writes)


def authenticated(*, writes: bool = False, filters: tuple[str, ...] = ()) -> Route:
    return Route(AUTHENTICATED, writes=writes, filters=filters)


def scoped(model: str, kwarg: str = "pk", field: str = "pk", *, writes: bool = False) -> Route:
    return Route(SCOPED, model=model, kwarg=kwarg, field=field, writes=writes)


PARTNERSHIP = "vendors.Partnership"
RECEIPT = "notifications.Receipt"
DEAL = "deals.DealRegistration"
LEAD = "leads.Lead"
DEAL_FILTERS = ("vendor", "stage", "status", "q", "sort", "partner", "tier", "conflicts")
LEAD_IMPORT = "leads.LeadImport"

ROUTES: dict[str, Route] = {
    # --- the partner workspace (portal/urls_workspace.py) ---------------------------------------------------
    "portal:home": authenticated(),
    "portal:switch_organization": authenticated(writes=True),  # the organization id is in the body
    "portal:vendor_detail": scoped("vendors.Organization", kwarg="slug", field="slug"),
    "portal:catalog": authenticated(filters=("vendor", "q", "category")),
    "portal:directory": authenticated(filters=("q",)),
    "portal:apply": scoped("vendors.Organization", kwarg="slug", field="slug", writes=True),
    "portal:team": authenticated(),
    "portal:invite": authenticated(writes=True),
    "portal:member_role": scoped("vendors.Membership", writes=True),
    "portal:member_remove": scoped("vendors.Membership", writes=True),
    "portal:invitation_revoke": scoped("vendors.Invitation", writes=True),
    "portal:invitation_accept": public("The token in the emailed link is the credential; a wrong one is a 404."),
    "portal:distribution": authenticated(filters=("vendor", "q")),
    # --- notifications (notifications/urls.py): the person's own, in the organization they work in ------
    "notifications:inbox": authenticated(filters=("vendor", "unread")),
    "notifications:bell": authenticated(),
    "notifications:read_all": authenticated(writes=True),
    "notifications:preferences": authenticated(writes=True),
    "notifications:open": scoped(RECEIPT),
    "notifications:read": scoped(RECEIPT, writes=True),
    "notifications:unsubscribe": public(
        "The signed token in the email is the credential (person and type); a forged one is refused.", writes=True
    ),
    "notifications:click": public("An email's link: an unguessable token records the first open, then login."),
    "notifications:pixel": public("An email's open pixel: an unguessable token, the same image for any token."),
    # --- sign-in settings (identity/urls.py): the current organization's, for its admins -------------
    "identity:mfa_policy": authenticated(writes=True),
    "identity:sso": authenticated(writes=True),  # the current organization's IdP and domains; a domain id in the body
    "identity:sso_start": public(
        "Home-realm discovery on the login page: the typed email picks an identity provider or the password step.",
        writes=True,
    ),
    # API tokens: the person's own, whatever organization they work in (another's token is a 404).
    "identity:tokens": authenticated(writes=True),
    "identity:token_revoke": scoped("identity.ApiToken", writes=True),
    # --- the vendor console (vendors/urls.py) ---------------------------------------------------------------
    "console:partners": authenticated(filters=("q", "status", "tier", "distributor")),
    "console:applications": authenticated(),
    "console:partner_detail": scoped(PARTNERSHIP),
    "console:partnership_approve": scoped(PARTNERSHIP, writes=True),
    "console:partnership_decline": scoped(PARTNERSHIP, writes=True),
    "console:partnership_tier": scoped(PARTNERSHIP, writes=True),
    "console:partnership_suspend": scoped(PARTNERSHIP, writes=True),
    "console:partnership_reactivate": scoped(PARTNERSHIP, writes=True),
    "console:partnership_end": scoped(PARTNERSHIP, writes=True),
    "console:tiers": authenticated(),
    "console:tier_create": authenticated(writes=True),
    "console:tier_edit": scoped("vendors.Tier", writes=True),
    "console:tier_delete": scoped("vendors.Tier", writes=True),
    "console:catalog": authenticated(filters=("q", "category", "state")),
    "console:product_create": authenticated(writes=True),
    "console:product_edit": scoped("vendors.Product", writes=True),
    "console:program": authenticated(writes=True),
    "console:alerts": authenticated(),
    # --- deal registration pages (deals/urls.py): the current organization's side of each registration ----------
    "deals:list": authenticated(filters=DEAL_FILTERS),
    "deals:export": authenticated(filters=DEAL_FILTERS),
    "deals:create": authenticated(writes=True),  # the vendor id is in the body (its partnership must be active)
    "deals:products": authenticated(filters=("vendor",)),  # htmx: the chosen vendor's catalog for the form
    "deals:rules": authenticated(writes=True),  # the current vendor's rules; tier ids in the body
    "deals:detail": scoped(DEAL),
    "deals:edit": scoped(DEAL, writes=True),
    "deals:submit": scoped(DEAL, writes=True),
    "deals:stage": scoped(DEAL, writes=True),
    "deals:comment": scoped(DEAL, writes=True),
    "deals:attach": scoped(DEAL, writes=True),
    "deals:approve": scoped(DEAL, writes=True),
    "deals:reject": scoped(DEAL, writes=True),
    "deals:request_info": scoped(DEAL, writes=True),
    "deals:extension_request": scoped(DEAL, writes=True),
    "deals:extension_decide": scoped(DEAL, writes=True),
    "deals:attachment": scoped("deals.DealAttachment"),
    # --- lead pages (leads/urls.py): the partner's inbox across vendors, the vendor's distribution console -------
    "leads:list": authenticated(filters=("vendor", "partner", "status", "age", "q")),
    "leads:summary": authenticated(),  # the current vendor's last 90 days
    "leads:create": authenticated(writes=True),  # vendor: its own lead; partner: the partnership id is in the body
    "leads:import": authenticated(writes=True),  # the current vendor's upload
    "leads:import_detail": scoped(LEAD_IMPORT),
    "leads:import_confirm": scoped(LEAD_IMPORT, writes=True),
    "leads:import_discard": scoped(LEAD_IMPORT, writes=True),
    "leads:rules": authenticated(writes=True),  # the current vendor's rules; tier ids in the body
    "leads:coverage": scoped(PARTNERSHIP, writes=True),
    "leads:detail": scoped(LEAD),
    "leads:accept": scoped(LEAD, writes=True),
    "leads:reject": scoped(LEAD, writes=True),
    "leads:assign": scoped(LEAD, writes=True),
    "leads:status": scoped(LEAD, writes=True),
    "leads:note": scoped(LEAD, writes=True),
    "leads:offer": scoped(LEAD, writes=True),  # the partnership id is in the body
    "leads:convert": scoped(LEAD, writes=True),
    # --- the REST API (portal/urls_api.py; the router's names are <basename>-<action>) ----------------------
    "api-schema": public("The OpenAPI schema: the shape of the API, no rows."),
    "api-docs": public("Swagger UI for the schema, served from our own static files; no rows."),
    "api-not-found": public("Any other address under /api/v1/: a JSON 404, the same for everyone; no rows."),
    "api-root": authenticated(),
    "organization-list": authenticated(),
    "organization-detail": scoped("vendors.Organization"),
    "partnership-list": authenticated(),
    "partnership-detail": scoped(PARTNERSHIP),
    "partnership-approve": scoped(PARTNERSHIP),
    "partnership-decline": scoped(PARTNERSHIP),
    "partnership-change-tier": scoped(PARTNERSHIP),
    "partnership-suspend": scoped(PARTNERSHIP),
    "partnership-reactivate": scoped(PARTNERSHIP),
    "partnership-end": scoped(PARTNERSHIP),
    "tier-list": authenticated(),
    "tier-detail": scoped("vendors.Tier"),
    "product-list": authenticated(),
    "product-detail": scoped("vendors.Product"),
    "notification-list": authenticated(),
    "notification-detail": scoped(RECEIPT),
    "notification-read": scoped(RECEIPT),
    "notification-unread": scoped(RECEIPT),
    "notification-read-all": authenticated(),
    "notification-unread-count": authenticated(),
    "notification-preferences": authenticated(),
    # Deal registration (deals/api.py): the list is the current organization's; a registration one may not see is
    # a 404; conflicts/ is a 404 for anyone but the vendor's people.
    "deal-list": authenticated(),
    "deal-detail": scoped("deals.DealRegistration"),
    "deal-submit": scoped("deals.DealRegistration"),
    "deal-approve": scoped("deals.DealRegistration"),
    "deal-reject": scoped("deals.DealRegistration"),
    "deal-request-info": scoped("deals.DealRegistration"),
    "deal-comments": scoped("deals.DealRegistration"),
    "deal-history": scoped("deals.DealRegistration"),
    "deal-attachments": scoped("deals.DealRegistration"),
    "deal-extension-request": scoped("deals.DealRegistration"),
    "deal-extension-decision": scoped("deals.DealRegistration"),
    "deal-conflicts": scoped("deals.DealRegistration"),
    # Leads (leads/api.py): the list is the current organization's; a lead one may not see is a 404. The vendor
    # sends (one, or up to 1,000 with bulk/), offers by hand and sets its rules; the partner holding a lead answers
    # and works it. Coverage is by partnership id: the vendor's people and the partner's, a 404 for anyone else.
    "lead-list": authenticated(),
    "lead-bulk": authenticated(),
    "lead-rules": authenticated(),
    "lead-detail": scoped(LEAD),
    "lead-accept": scoped(LEAD),
    "lead-reject": scoped(LEAD),
    "lead-assign": scoped(LEAD),
    "lead-status": scoped(LEAD),
    "lead-convert": scoped(LEAD),
    "lead-offer": scoped(LEAD),
    "lead-history": scoped(LEAD),
    "lead-offers": scoped(LEAD),
    "lead-coverage-detail": scoped(PARTNERSHIP),
    # --- the two admin pages anyone may open (the rest of admin/ is classified below) ------------------------
    "admin:login": public("The admin's login form."),
    "admin:logout": public("Logging out of the admin."),
}

# Whole areas, by the start of their path. A named route here needs no line in ROUTES.
PREFIXES: dict[str, Route] = {
    "admin/": Route(STAFF, reason="The Django admin: platform admins only (the admin checks is_staff itself)."),
    "accounts/": public(
        "allauth's account pages (login, logout, password reset, email): the person's own account, no tenant rows."
    ),
    "media/": public("Uploaded logos, served by Django only with DEBUG on (a web server serves them otherwise)."),
}
