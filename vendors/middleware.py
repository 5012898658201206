SESSION_KEY = "onepane_organization_id"


class CurrentOrganizationMiddleware:
    """Sets ``request.organization``: the organization the person works in now (their choice, kept in the
    session, among the active ones they are a member of), and ``request.membership``, their membership in
    it. Both are ``None`` for anonymous people and people without an organization."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from vendors.selectors import memberships_of_user

        request.membership = None
        request.organization = None
        request.memberships = []
        if request.user.is_authenticated:
            request.memberships = memberships_of_user(request.user)
            wanted = request.session.get(SESSION_KEY)
            chosen = next((m for m in request.memberships if m.organization_id == wanted), None)
            request.membership = chosen or (request.memberships[0] if request.memberships else None)
            request.organization = request.membership.organization if request.membership else None
        return self.get_response(request)
