"""The channel graph's routes: the vendor console (vendors/urls.py) and the API's organizations, partnerships,
tiers and products (portal/urls_api.py).

Who may call each route, and which row its URL names: see ``core/routes.py``. A route no app declares fails the
isolation suite (``tests/isolation/``), naming it."""

from core.routes import authenticated, scoped

PARTNERSHIP = "vendors.Partnership"

ROUTES = {
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
    # The API (vendors/api.py): what each side of the channel may see of it.
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
}
