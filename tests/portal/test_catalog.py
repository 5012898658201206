"""The cross-vendor catalog: each product with the organization's own price and margin."""

import re
from decimal import Decimal

from django.urls import reverse

from tests import factories as f
from tests.portal.helpers import client_for, main_text, more_vendors, queries_for, text
from vendors import services
from vendors.models import Membership

CATALOG = reverse("portal:catalog")


def rows(response) -> dict[str, str]:
    """Table rows by SKU: the text a person reads in each row."""
    html = response.content.decode()
    found = {}
    for row in re.findall(r"<tr>.*?</tr>", html, flags=re.S):

        class _R:
            content = row.encode()

        row_text = text(_R)
        sku = re.search(r"<td class=\"mono\">([^<]+)</td>", row)
        if sku:
            found[sku.group(1)] = row_text
    return found


def test_a_partner_rep_sees_list_price_their_price_and_margin_for_each_vendor(client, channel):
    response = client_for(client, channel.initech_rep).get(CATALOG)
    assert response.status_code == 200
    found = rows(response)
    assert set(found) == {"ACM-R100", "GLX-FW"}
    # Acme Gold: 30 % off 1,299.99.
    assert found["ACM-R100"] == "Acme Networks ACM-R100 Edge Router 100 1,299.99 USD 909.99 USD 390.00 USD (30.0 %)"
    # Globex Standard: 10 % off 999.95, then Northwind's 5 % uplift: 944.95275 → 944.95 EUR.
    assert found["GLX-FW"] == "Globex Security GLX-FW Firewall Appliance 999.95 EUR 944.95 EUR 55.00 EUR (5.5 %)"
    page = main_text(response)
    assert "Your price" in page and "Margin" in page


def test_umbrella_sees_its_own_tier_and_no_product_of_the_vendor_that_suspended_it(client, channel):
    response = client_for(client, channel.umbrella_admin).get(CATALOG)
    found = rows(response)
    assert set(found) == {"ACM-R100"}
    assert "1,039.99 USD" in found["ACM-R100"] and "260.00 USD (20.0 %)" in found["ACM-R100"]
    page = main_text(response)
    assert "Firewall Appliance" not in page
    # The vendor switcher only offers the vendors it has program access to.
    assert "Globex" not in page
    # A guessed vendor filter does not open a suspended vendor's catalog.
    tampered = client.get(CATALOG, {"vendor": channel.globex.pk})
    assert "Firewall Appliance" not in main_text(tampered)


def test_prices_are_rounded_to_each_currencys_minor_unit(client, channel):
    f.ProductFactory(
        vendor=channel.acme, sku="ACM-JP", name="Tokyo Bundle", list_price=Decimal("150000"), currency="JPY"
    )
    f.ProductFactory(
        vendor=channel.acme, sku="ACM-KW", name="Gulf Bundle", list_price=Decimal("12.3455"), currency="KWD"
    )
    found = rows(client_for(client, channel.initech_rep).get(CATALOG))
    assert found["ACM-JP"].endswith("150,000 JPY 105,000 JPY 45,000 JPY (30.0 %)")
    # 12.3455 → 12.346 listed; 30 % off: 8.64185 → 8.642; margin 3.704.
    assert found["ACM-KW"].endswith("12.346 KWD 8.642 KWD 3.704 KWD (30.0 %)")


def test_the_vendor_switcher_search_and_category_filter(client, channel):
    f.ProductFactory(vendor=channel.acme, sku="ACM-SW", name="Core Switch", category="Switching")
    client_for(client, channel.initech_rep)

    only_acme = rows(client.get(CATALOG, {"vendor": channel.acme.pk}))
    assert set(only_acme) == {"ACM-R100", "ACM-SW"}

    searched = rows(client.get(CATALOG, {"q": "firewall"}))
    assert set(searched) == {"GLX-FW"}
    by_sku = rows(client.get(CATALOG, {"q": "acm-r1"}))
    assert set(by_sku) == {"ACM-R100"}

    response = client.get(CATALOG, {"category": "Switching"})
    assert set(rows(response)) == {"ACM-SW"}
    assert '<option value="Switching" selected>' in response.content.decode()

    nothing = client.get(CATALOG, {"q": "no such thing"})
    assert "No products match" in main_text(nothing)


def test_the_filter_updates_the_results_in_place_with_htmx(client, channel):
    response = client_for(client, channel.initech_rep).get(
        CATALOG, {"vendor": channel.globex.pk}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="catalog-results"
    )
    html = response.content.decode()
    assert "<main" not in html and "<table" in html
    assert set(rows(response)) == {"GLX-FW"}


def test_a_distributor_sees_the_catalogs_it_distributes_at_list_price(client, channel):
    response = client_for(client, channel.northwind_admin).get(CATALOG)
    assert response.status_code == 200
    found = rows(response)
    assert set(found) == {"GLX-FW"}
    assert found["GLX-FW"] == "Globex Security GLX-FW Firewall Appliance 999.95 EUR"
    assert "Your price" not in main_text(response)


def test_vendor_people_use_their_console_catalog(client, channel):
    response = client_for(client, channel.acme_admin).get(CATALOG)
    assert response.status_code == 302 and response["Location"] == reverse("console:catalog")


def test_a_partner_with_no_active_vendor_is_pointed_to_the_directory(client, db):
    lonely = f.partner("Lonely Partners")
    response = client_for(client, f.admin_of(lonely)).get(CATALOG)
    assert "No active vendor programs yet" in main_text(response)
    assert reverse("portal:directory") in response.content.decode()


def test_the_catalog_is_paginated_by_50(client, channel):
    for n in range(60):
        f.ProductFactory(vendor=channel.acme, sku=f"ACM-P{n:03d}", name=f"Part {n:03d}")
    client_for(client, channel.initech_rep)
    first = client.get(CATALOG)
    assert len(rows(first)) == 50
    assert "Showing 1–50 of 62 products" in main_text(first)
    assert "?page=2" in first.content.decode()
    second = client.get(CATALOG, {"page": 2})
    assert len(rows(second)) == 12
    assert "Page 2 of 2" in main_text(second)


def test_suspension_removes_a_vendors_products_at_once(client, channel):
    client_for(client, channel.initech_rep)
    assert "ACM-R100" in rows(client.get(CATALOG))
    services.partnership_suspend(actor=channel.acme_admin, partnership=channel.initech_acme)
    assert set(rows(client.get(CATALOG))) == {"GLX-FW"}


def test_the_catalog_runs_a_fixed_number_of_queries(client, channel):
    client_for(client, channel.initech_rep)
    small = queries_for(client, CATALOG)
    more_vendors(4, partner=channel.initech)
    for n in range(120):
        f.ProductFactory(vendor=channel.acme, category=f"Category {n % 7}")
    assert queries_for(client, CATALOG) <= small
    assert queries_for(client, f"{CATALOG}?page=3&q=product") <= small


def test_the_distributors_catalog_runs_a_fixed_number_of_queries(client, channel):
    client_for(client, channel.northwind_admin)
    small = queries_for(client, CATALOG)
    for _ in range(70):
        f.ProductFactory(vendor=channel.globex, currency="EUR")
    for vendor in more_vendors(3):
        f.distribution(vendor, channel.northwind)
    assert queries_for(client, CATALOG) <= small


def test_a_person_in_two_partners_sees_the_catalog_of_the_one_they_work_in(client, channel):
    person = f.member(channel.initech, Membership.Role.MEMBER)
    services.membership_add(organization=channel.umbrella, user=person, role=Membership.Role.MEMBER)
    client_for(client, person, channel.umbrella)
    found = rows(client.get(CATALOG))
    assert set(found) == {"ACM-R100"}
    assert "1,039.99 USD" in found["ACM-R100"]  # Umbrella's Silver price, not Initech's Gold
    client.post(reverse("portal:switch_organization"), {"organization": channel.initech.pk})
    found = rows(client.get(CATALOG))
    assert set(found) == {"ACM-R100", "GLX-FW"} and "909.99 USD" in found["ACM-R100"]
