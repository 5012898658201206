"""Every API list runs a fixed number of queries, whatever the number of rows (measured at two sizes)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tests.api.helpers import API, rows

pytestmark = pytest.mark.django_db

# The most any list may run: session, user, the caller's groups and organizations (middleware), the
# selector's permission lookups, pricing terms, the page count and the page itself.
MAX_QUERIES = 12


def grow(channel, n):
    """``n`` more of every kind of row each persona sees: vendors, partners, partnerships, tiers, products."""
    for _ in range(n):
        vendor = f.vendor()
        tier = f.TierFactory(vendor=vendor)
        f.ProductFactory(vendor=vendor)
        f.partnership(vendor, channel.initech, tier)
        partner = f.partner()
        f.partnership(channel.acme, partner, channel.silver)
        f.partnership(channel.globex, partner, channel.standard, distributor=channel.northwind)
        f.TierFactory(vendor=channel.acme)
        f.TierFactory(vendor=channel.globex)
        f.ProductFactory(vendor=channel.acme)
        f.ProductFactory(vendor=channel.globex, currency="EUR")


def measure(client, url) -> tuple[int, int]:
    client.get(url)  # warm the per-process caches (permission ids, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return len(queries), len(rows(response))


PERSONAS = ["initech_rep", "acme_manager", "northwind_admin", "umbrella_admin"]
RESOURCES = ["organizations", "partnerships", "tiers", "products"]


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_list_queries_do_not_grow_with_rows(api, channel, django_assert_max_num_queries, persona, resource):
    client = api(getattr(channel, persona))
    url = f"{API}/{resource}/"
    small_queries, small_rows = measure(client, url)
    assert small_queries <= MAX_QUERIES

    grow(channel, 6)
    with django_assert_max_num_queries(small_queries):
        response = client.get(url)
    big_rows = len(rows(response))
    if persona != "umbrella_admin" or resource == "organizations":
        assert big_rows > small_rows, "the larger channel must show this persona more rows"


@pytest.mark.parametrize("resource", RESOURCES)
def test_list_queries_with_filters(api, channel, django_assert_max_num_queries, resource):
    query = {
        "organizations": "?kind=partner",
        "partnerships": f"?status=active&vendor={channel.acme.pk}",
        "tiers": f"?vendor={channel.acme.pk}",
        "products": f"?vendor={channel.acme.pk}&q=o",
    }[resource]
    client = api(channel.acme_manager)
    small_queries, _ = measure(client, f"{API}/{resource}/{query}")
    grow(channel, 4)
    with django_assert_max_num_queries(small_queries):
        client.get(f"{API}/{resource}/{query}")


def test_full_page_of_products_is_priced_in_fixed_queries(api, channel, django_assert_max_num_queries):
    for _ in range(60):
        f.ProductFactory(vendor=channel.acme)
        f.ProductFactory(vendor=channel.globex, currency="EUR")
    client = api(channel.initech_rep)
    client.get(f"{API}/products/")
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(f"{API}/products/")
    body = response.json()
    assert body["count"] == 122
    assert len(body["results"]) == 50
    assert all(row["your_price"] for row in body["results"])
    assert body["next"].endswith("/api/v1/products/?page=2")
