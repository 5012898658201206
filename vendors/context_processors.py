def workspace(request):
    """The current organization and the person's role in it, for the shared layout."""
    return {
        "current_organization": getattr(request, "organization", None),
        "current_membership": getattr(request, "membership", None),
        "my_memberships": getattr(request, "memberships", []),
    }
