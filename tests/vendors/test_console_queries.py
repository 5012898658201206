"""Every console list runs a fixed number of queries, whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f
from vendors.models import Partnership

pytestmark = pytest.mark.django_db

# Eight queries come before the page's own reads: session, user, and the person's groups, organizations,
# memberships and program vendors (middleware and access helper). Then, per page:
# partners: tiers, distributors (filter choices), count, counts by status, the page of rows;
# applications: tiers, distributors (approve form), count, the page; tiers: tiers with partner counts;
# catalog: categories, count, the page.
MAX_QUERIES = {
    "console:partners": 13,
    "console:applications": 12,
    "console:tiers": 9,
    "console:catalog": 11,
}


def grow(channel, n: int) -> None:
    """Add ``n`` partners of every kind to Acme, ``n`` tiers and ``n`` products."""
    if not channel.acme.distributions.filter(distributor=channel.northwind).exists():
        f.distribution(channel.acme, channel.northwind)
    for _ in range(n):
        tier = f.TierFactory(vendor=channel.acme)
        f.partnership(channel.acme, f.partner(country="DE"), tier)
        f.partnership(channel.acme, f.partner(), tier, distributor=channel.northwind)
        f.partnership(channel.acme, f.partner(), channel.gold, status=Partnership.Status.SUSPENDED)
        f.partnership(channel.acme, f.partner(), status=Partnership.Status.APPLIED)
        f.ProductFactory(vendor=channel.acme, category=f"Category {tier.pk}")


def count_queries(client, url, **headers) -> int:
    client.get(url, **headers)  # the first request of a process reads permission ids once; measure the next
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", list(MAX_QUERIES))
def test_console_lists_run_a_constant_number_of_queries(client, channel, django_assert_max_num_queries, name):
    client.force_login(channel.acme_manager)
    url = reverse(name)
    grow(channel, 1)
    small = count_queries(client, url)
    grow(channel, 12)
    with django_assert_max_num_queries(MAX_QUERIES[name]):
        client.get(url)
    assert count_queries(client, url) == small


def test_partner_list_with_filters_and_htmx_stays_constant(client, channel, django_assert_max_num_queries):
    client.force_login(channel.acme_manager)
    url = reverse("console:partners") + f"?status=active&tier={channel.gold.pk}&q=e&distributor=direct"
    grow(channel, 1)
    small = count_queries(client, url, HTTP_HX_REQUEST="true")
    grow(channel, 15)
    with django_assert_max_num_queries(MAX_QUERIES["console:partners"]):
        client.get(url, HTTP_HX_REQUEST="true")
    assert count_queries(client, url, HTTP_HX_REQUEST="true") == small


def test_partner_list_at_more_than_a_page(client, channel, django_assert_max_num_queries):
    client.force_login(channel.acme_manager)
    url = reverse("console:partners")
    small = count_queries(client, url)
    grow(channel, 14)  # 58 partnerships: two pages
    with django_assert_max_num_queries(MAX_QUERIES["console:partners"]):
        response = client.get(url + "?page=2")
    assert "Page 2 of 2" in response.content.decode()
    assert count_queries(client, url) == small


def test_partnership_page_is_constant_in_its_history(client, channel, django_assert_max_num_queries):
    client.force_login(channel.acme_manager)
    url = reverse("console:partner_detail", args=[channel.umbrella_acme.pk])
    small = count_queries(client, url)
    manager = channel.acme_admin
    from vendors import services

    for tier in (channel.gold, channel.silver) * 5:
        services.partnership_change_tier(actor=manager, partnership=channel.umbrella_acme, tier=tier)
    assert count_queries(client, url) == small
