"""The shell's routes: the partner workspace (portal/urls_workspace.py), the API's own pages (portal/urls_api.py)
and the areas classified by their path (the Django admin, allauth's account pages, media).

Who may call each route, and which row its URL names: see ``core/routes.py``. Every other app declares its routes in
its own ``<app>/routes.py``; a route no app declares fails the isolation suite (``tests/isolation/``), naming it.
"""

from core.routes import authenticated, public, scoped, staff

ROUTES = {
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
    # --- the REST API's own pages (portal/urls_api.py; the router's routes are declared by the apps) -----------
    "api-schema": public("The OpenAPI schema: the shape of the API, no rows."),
    "api-docs": public("Swagger UI for the schema, served from our own static files; no rows."),
    "api-not-found": public("Any other address under /api/v1/: a JSON 404, the same for everyone; no rows."),
    "api-root": authenticated(),
    # --- the two admin pages anyone may open (the rest of admin/ is classified below) ------------------------
    "admin:login": public("The admin's login form."),
    "admin:logout": public("Logging out of the admin."),
}

# Whole areas, by the start of their path. A named route here needs no line in ROUTES.
PREFIXES = {
    "admin/": staff("The Django admin: platform admins only (the admin checks is_staff itself)."),
    "accounts/": public(
        "allauth's account pages (login, logout, password reset, email): the person's own account, no tenant rows."
    ),
    "media/": public("Uploaded logos, served by Django only with DEBUG on (a web server serves them otherwise)."),
}
