"""Lead distribution's routes: its pages (leads/urls.py) and its API (leads/api.py).

Who may call each route, and which row its URL names: see ``core/routes.py``. A route no app declares fails the
isolation suite (``tests/isolation/``), naming it."""

from core.routes import authenticated, scoped

PARTNERSHIP = "vendors.Partnership"
LEAD = "leads.Lead"
LEAD_IMPORT = "leads.LeadImport"

ROUTES = {
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
}
