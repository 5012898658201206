"""The partner list: summary, filters, search (plain and htmx), pagination, empty states."""

import re

import pytest
from django.urls import reverse

from tests import factories as f
from vendors.models import Partnership

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, channel):
    client.force_login(channel.acme_manager)
    return client


def partner_names(html: str) -> list[str]:
    return re.findall(r'<a href="/console/partners/\d+/">([^<]+)</a>', html)


@pytest.fixture
def wide(channel):
    """Acme with more partners: one suspended, one applied, one ended, one via a distributor, one declined."""
    silver, gold = channel.silver, channel.gold
    f.distribution(channel.acme, channel.northwind)
    f.partnership(channel.acme, f.partner("Stark Industries", country="US"), gold, status="suspended")
    f.partnership(channel.acme, f.partner("Wayne Enterprises", country="US"), status="applied")
    f.partnership(channel.acme, f.partner("Tyrell Corp", country="JP"), silver, status="ended")
    f.partnership(channel.acme, f.partner("Cyberdyne", country="DE"), silver, distributor=channel.northwind)
    f.partnership(channel.acme, f.partner("Soylent", country="FR"), status="declined")
    return channel


def test_partner_list_shows_each_partner_with_tier_status_and_route(manager_client, wide):
    response = manager_client.get(reverse("console:partners"))
    html = response.content.decode()
    assert partner_names(html) == [
        "Cyberdyne",
        "Initech Solutions",
        "Soylent",
        "Stark Industries",
        "Tyrell Corp",
        "Umbrella IT",
        "Wayne Enterprises",
    ]
    assert 'class="badge badge-suspended">Suspended<' in html
    assert "Northwind Distribution" in html  # Cyberdyne buys through Northwind
    assert "7 partners" in html
    # The summary: by status.
    stat = r'stat-value">(\d+)</span>\s*<span class="stat-label">(\w+)<'
    counts = {label: int(n) for n, label in re.findall(stat, html)}
    assert counts == {"Applied": 1, "Active": 3, "Suspended": 1, "Ended": 1}
    assert "Review applications (1)" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=suspended", ["Stark Industries"]),
        ("?status=active", ["Cyberdyne", "Initech Solutions", "Umbrella IT"]),
        ("?q=stark", ["Stark Industries"]),
        ("?q=jp", ["Tyrell Corp"]),  # a country code
        ("?q=ind", ["Stark Industries"]),
        ("?tier={silver}", ["Cyberdyne", "Tyrell Corp", "Umbrella IT"]),
        ("?tier={silver}&status=active", ["Cyberdyne", "Umbrella IT"]),
        ("?distributor={northwind}", ["Cyberdyne"]),
        ("?distributor=direct&status=active", ["Initech Solutions", "Umbrella IT"]),
        ("?status=nonsense", None),  # an unknown value is ignored: everyone
        ("?tier=abc", None),
    ],
)
def test_filters_and_search(manager_client, wide, query, expected):
    url = reverse("console:partners") + query.format(silver=wide.silver.pk, northwind=wide.northwind.pk)
    response = manager_client.get(url)
    assert response.status_code == 200
    names = partner_names(response.content.decode())
    if expected is None:
        assert len(names) == 7
    else:
        assert names == expected


def test_htmx_filter_returns_only_the_table(manager_client, wide):
    response = manager_client.get(reverse("console:partners") + "?q=stark", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<div id="partner-results">')
    assert "<html" not in html
    assert partner_names(html) == ["Stark Industries"]
    assert "HX-Request" in response["Vary"]
    # A plain request to the same URL gets the whole page, with the filter form keeping the search.
    full = manager_client.get(reverse("console:partners") + "?q=stark").content.decode()
    assert "<html" in full
    assert 'value="stark"' in full
    assert 'hx-get="/console/"' in full


def test_filtered_empty_state_offers_to_clear(manager_client, wide):
    html = manager_client.get(reverse("console:partners") + "?q=zzz").content.decode()
    assert "No partners match these filters" in html
    assert "clear the filters" in html


def test_vendor_without_partners_gets_an_empty_state(client, db):
    vendor = f.vendor("Hooli XYZ", accepts_applications=False)
    client.force_login(f.admin_of(vendor))
    html = client.get(reverse("console:partners")).content.decode()
    assert "No partners yet" in html
    assert reverse("console:program") in html


def test_pagination_50_a_page_keeps_filters(manager_client, channel):
    for i in range(52):
        p = f.partner(f"Reseller {i:02d}")
        f.partnership(channel.acme, p, channel.silver, status=Partnership.Status.APPLIED)
    first = manager_client.get(reverse("console:partners") + "?status=applied").content.decode()
    assert len(partner_names(first)) == 50
    assert "Page 1 of 2" in first
    assert "?status=applied&amp;page=2" in first
    second = manager_client.get(reverse("console:partners") + "?status=applied&page=2").content.decode()
    assert partner_names(second) == ["Reseller 50", "Reseller 51"]
    # Applications are paged too, oldest first.
    apps = manager_client.get(reverse("console:applications")).content.decode()
    assert "52 applications waiting" in apps
    assert "Page 1 of 2" in apps
