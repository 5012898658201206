"""Shared helpers of the partner-workspace tests."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f


def client_for(client, user, organization=None):
    """``client`` logged in as ``user``, working in ``organization`` (when they have several)."""
    from vendors.middleware import SESSION_KEY

    client.force_login(user)
    if organization is not None:
        session = client.session
        session[SESSION_KEY] = organization.pk
        session.save()
    return client


def text(response) -> str:
    """The page's visible text, tags stripped and whitespace collapsed: what a person reads."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", body).replace("&amp;", "&").replace("&#x27;", "'").replace("&quot;", '"').strip()


def main_text(response) -> str:
    """The visible text of the page's <main> only (not the navigation or the organization switcher)."""
    html = response.content.decode()
    match = re.search(r"<main\b.*?</main>", html, flags=re.S)
    assert match, "no <main> on the page"

    class _R:
        content = match.group(0).encode()

    return text(_R)


def queries_for(client, url) -> int:
    """The number of queries one GET of ``url`` runs (after a warm-up request)."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def more_vendors(n, partner=None, status="active", **tier_fields):
    """``n`` more vendors, each with a tier and a product; partnered with ``partner`` when given."""
    vendors = []
    for _ in range(n):
        vendor = f.vendor(program_criteria="Certified engineers.")
        tier = f.TierFactory(vendor=vendor, **tier_fields)
        f.TierFactory(vendor=vendor)
        f.ProductFactory(vendor=vendor, category="Switches")
        if partner is not None:
            f.partnership(vendor, partner, tier, status=status)
        vendors.append(vendor)
    return vendors
