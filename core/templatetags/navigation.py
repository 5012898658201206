"""``{% navigation_links as links %}``: the main navigation's links for the person and the page (core/navigation.py)."""

from django import template

from core.navigation import links_for

register = template.Library()


@register.simple_tag(takes_context=True)
def navigation_links(context):
    organization = context.get("current_organization")
    membership = context.get("current_membership")
    user = context.get("user")
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return links_for(
        kind=getattr(organization, "kind", None),
        role=getattr(membership, "role", None),
        is_staff=bool(getattr(user, "is_staff", False)),
        view_name=getattr(match, "view_name", None),
    )
