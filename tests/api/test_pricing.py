"""The catalog through the API: list prices and the caller's own buy price and margin, as strings."""

from decimal import Decimal

import pytest

from tests import factories as f
from tests.api.helpers import API, rows

pytestmark = pytest.mark.django_db


def by_sku(response) -> dict[str, dict]:
    return {row["sku"]: row for row in rows(response)}


def test_partner_sees_its_tier_price_and_margin(api, channel):
    products = by_sku(api(channel.initech_rep).get(f"{API}/products/"))
    router = products["ACM-R100"]
    assert router["list_price"] == "1299.99"
    assert router["currency"] == "USD"
    # Acme Gold: 30 % off list.
    assert router["your_price"] == {"buy_price": "909.99", "margin": "390.00", "margin_percent": "30.0"}
    assert router["vendor"] == {"id": channel.acme.pk, "name": "Acme Networks", "slug": channel.acme.slug}


def test_two_tier_price_adds_the_distributors_uplift(api, channel):
    products = by_sku(api(channel.initech_rep).get(f"{API}/products/"))
    firewall = products["GLX-FW"]
    # Globex Standard 10 % off 999.95, then Northwind's 5 % uplift: 944.95275 → 944.95.
    assert firewall["list_price"] == "999.95"
    assert firewall["currency"] == "EUR"
    assert firewall["your_price"] == {"buy_price": "944.95", "margin": "55.00", "margin_percent": "5.5"}


def test_each_partner_sees_its_own_tier(api, channel):
    products = by_sku(api(channel.umbrella_admin).get(f"{API}/products/"))
    # Acme Silver: 20 % off 1299.99 = 1039.992 → 1039.99.
    assert products["ACM-R100"]["your_price"] == {"buy_price": "1039.99", "margin": "260.00", "margin_percent": "20.0"}


def test_vendor_and_distributor_see_list_prices_only(api, channel):
    acme = by_sku(api(channel.acme_manager).get(f"{API}/products/"))
    assert acme["ACM-R100"]["list_price"] == "1299.99"
    assert acme["ACM-R100"]["your_price"] is None
    northwind = by_sku(api(channel.northwind_admin).get(f"{API}/products/"))
    assert northwind["GLX-FW"]["your_price"] is None


def test_detail_has_the_same_price(api, channel):
    response = api(channel.initech_rep).get(f"{API}/products/{channel.globex_fw.pk}/")
    assert response.status_code == 200
    assert response.json()["your_price"]["buy_price"] == "944.95"


def test_prices_follow_the_currency_minor_unit(api, channel):
    f.ProductFactory(vendor=channel.acme, sku="ACM-JP", list_price=Decimal("99999"), currency="JPY")
    f.ProductFactory(vendor=channel.acme, sku="ACM-KW", list_price=Decimal("100.0005"), currency="KWD")
    products = by_sku(api(channel.initech_rep).get(f"{API}/products/"))
    assert products["ACM-JP"]["list_price"] == "99999"
    # 30 % off 99999 = 69999.3 → 69999 yen.
    assert products["ACM-JP"]["your_price"]["buy_price"] == "69999"
    assert products["ACM-KW"]["list_price"] == "100.001"
    assert products["ACM-KW"]["your_price"]["buy_price"] == "70.000"


def test_tier_change_reprices_at_once(api, channel):
    from vendors import services

    services.partnership_change_tier(actor=channel.acme_manager, partnership=channel.initech_acme, tier=channel.silver)
    products = by_sku(api(channel.initech_rep).get(f"{API}/products/"))
    assert products["ACM-R100"]["your_price"]["buy_price"] == "1039.99"
