"""Deal registration's routes: its pages (deals/urls.py) and its API (deals/api.py).

Who may call each route, and which row its URL names: see ``core/routes.py``. A route no app declares fails the
isolation suite (``tests/isolation/``), naming it."""

from core.routes import authenticated, scoped

DEAL = "deals.DealRegistration"
DEAL_FILTERS = ("vendor", "stage", "status", "q", "sort", "partner", "tier", "conflicts")

ROUTES = {
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
    # Deal registration (deals/api.py): the list is the current organization's; a registration one may not see is
    # a 404; conflicts/ is a 404 for anyone but the vendor's people.
    "deal-list": authenticated(),
    "deal-detail": scoped(DEAL),
    "deal-submit": scoped(DEAL),
    "deal-approve": scoped(DEAL),
    "deal-reject": scoped(DEAL),
    "deal-request-info": scoped(DEAL),
    "deal-comments": scoped(DEAL),
    "deal-history": scoped(DEAL),
    "deal-attachments": scoped(DEAL),
    "deal-extension-request": scoped(DEAL),
    "deal-extension-decision": scoped(DEAL),
    "deal-conflicts": scoped(DEAL),
}
