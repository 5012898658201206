"""Vendor managers keep their tiers and catalog through the API; bad input is a field error and writes nothing."""

from decimal import Decimal

import pytest

from tests import factories as f
from tests.api.helpers import API, errors
from vendors.models import Product, Tier

pytestmark = pytest.mark.django_db

NEW_PRODUCT = {
    "sku": "ACM-AP7",
    "name": "Access Point 7",
    "description": "Wi-Fi 7, ceiling mount.",
    "category": "Wireless",
    "list_price": "349.00",
    "currency": "USD",
}


# --- products -------------------------------------------------------------------------------------------------


def test_vendor_manager_adds_a_product(api, channel):
    response = api(channel.acme_manager).post(f"{API}/products/", NEW_PRODUCT, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sku"] == "ACM-AP7"
    assert body["list_price"] == "349.00"
    assert body["vendor"]["id"] == channel.acme.pk
    assert body["your_price"] is None
    assert body["active"] is True
    product = Product.objects.get(pk=body["id"])
    assert product.vendor_id == channel.acme.pk
    assert product.list_price == Decimal("349.00")
    # Acme's partners see it at once, at their price.
    seen = api(channel.initech_rep).get(f"{API}/products/{product.pk}/").json()
    assert seen["your_price"]["buy_price"] == "244.30"


@pytest.mark.parametrize(
    "price, message",
    [
        ("-1.00", "A price cannot be negative."),
        ("abc", "Enter a price as a number, e.g. 1299.00."),
        ("", "Enter a price as a number, e.g. 1299.00."),
    ],
)
def test_bad_price_on_create_is_a_field_error_and_writes_nothing(api, channel, price, message):
    before = Product.objects.count()
    body = errors(
        api(channel.acme_manager).post(f"{API}/products/", {**NEW_PRODUCT, "list_price": price}, format="json")
    )
    assert body == {"list_price": [message]}
    assert Product.objects.count() == before


@pytest.mark.parametrize("price", ["-0.01", "twelve", "NaN"])
def test_bad_price_on_update_writes_nothing(api, channel, price):
    url = f"{API}/products/{channel.acme_router.pk}/"
    body = errors(api(channel.acme_manager).patch(url, {"list_price": price, "name": "Renamed"}, format="json"))
    assert list(body) == ["list_price"]
    channel.acme_router.refresh_from_db()
    assert channel.acme_router.list_price == Decimal("1299.99")
    assert channel.acme_router.name == "Edge Router 100"


def test_vendor_manager_updates_a_product(api, channel):
    url = f"{API}/products/{channel.acme_router.pk}/"
    response = api(channel.acme_manager).patch(url, {"list_price": "1399.50"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["list_price"] == "1399.50"
    assert response.json()["name"] == "Edge Router 100"
    response = api(channel.acme_manager).put(url, {**NEW_PRODUCT, "sku": "ACM-R100", "active": False}, format="json")
    assert response.status_code == 200, response.content
    channel.acme_router.refresh_from_db()
    assert (channel.acme_router.name, channel.acme_router.active) == ("Access Point 7", False)


def test_duplicate_sku_is_a_field_error(api, channel):
    body = errors(api(channel.acme_manager).post(f"{API}/products/", {**NEW_PRODUCT, "sku": "acm-r100"}, format="json"))
    assert body == {"sku": ["Another product in your catalog has this SKU."]}


def test_product_writes_refused(api, channel):
    url = f"{API}/products/{channel.acme_router.pk}/"
    # A member of the vendor, and a partner who sees the product: 403.
    assert api(channel.acme_member).post(f"{API}/products/", NEW_PRODUCT, format="json").status_code == 403
    assert api(channel.acme_member).patch(url, {"name": "X"}, format="json").status_code == 403
    assert api(channel.initech_admin).patch(url, {"name": "X"}, format="json").status_code == 403
    # Another vendor does not see it: 404.
    assert api(channel.globex_admin).patch(url, {"name": "X"}, format="json").status_code == 404
    channel.acme_router.refresh_from_db()
    assert channel.acme_router.name == "Edge Router 100"
    # A partner organization has no catalog of its own.
    response = api(channel.initech_admin).post(f"{API}/products/", NEW_PRODUCT, format="json")
    assert response.status_code == 400
    assert not Product.objects.filter(sku="ACM-AP7").exists()


# --- tiers ----------------------------------------------------------------------------------------------------

NEW_TIER = {"name": "Platinum", "rank": 4, "discount_percent": "35.00", "mdf_eligible": True, "requirements": "$1M"}


def test_vendor_manager_creates_updates_and_deletes_a_tier(api, channel):
    client = api(channel.acme_manager)
    response = client.post(f"{API}/tiers/", NEW_TIER, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["vendor"]["id"] == channel.acme.pk
    assert body["discount_percent"] == "35.00"
    assert body["deal_protection_days"] == 90
    url = f"{API}/tiers/{body['id']}/"
    response = client.patch(url, {"discount_percent": "40"}, format="json")
    assert response.status_code == 200
    assert response.json()["discount_percent"] == "40.00"
    assert response.json()["name"] == "Platinum"
    assert client.delete(url).status_code == 204
    assert not Tier.objects.filter(pk=body["id"]).exists()


def test_tier_bad_input_is_a_field_error(api, channel):
    client = api(channel.acme_manager)
    before = Tier.objects.count()
    assert errors(client.post(f"{API}/tiers/", {**NEW_TIER, "name": "gold"}, format="json")) == {
        "name": ["You already have a tier with this name."]
    }
    assert "discount_percent" in errors(client.post(f"{API}/tiers/", {**NEW_TIER, "discount_percent": "150"}))
    assert "discount_percent" in errors(client.post(f"{API}/tiers/", {**NEW_TIER, "discount_percent": "-5"}))
    assert "rank" in errors(client.post(f"{API}/tiers/", {**NEW_TIER, "rank": -1}))
    assert Tier.objects.count() == before
    assert "discount_percent" in errors(
        client.patch(f"{API}/tiers/{channel.gold.pk}/", {"discount_percent": "101"}, format="json")
    )
    channel.gold.refresh_from_db()
    assert channel.gold.discount_percent == Decimal("30.00")


def test_tier_in_use_cannot_be_deleted(api, channel):
    body = errors(api(channel.acme_manager).delete(f"{API}/tiers/{channel.gold.pk}/"))
    assert body == {"non_field_errors": ["Partners are in this tier. Move them to another tier first."]}
    assert Tier.objects.filter(pk=channel.gold.pk).exists()


def test_tier_writes_refused(api, channel):
    unused = f.TierFactory(vendor=channel.acme, name="Bronze", rank=1)
    url = f"{API}/tiers/{unused.pk}/"
    assert api(channel.acme_member).post(f"{API}/tiers/", NEW_TIER, format="json").status_code == 403
    assert api(channel.acme_member).delete(url).status_code == 403
    # Initech sees Acme's ladder (it is in Acme's program) but does not run it.
    assert api(channel.initech_admin).patch(url, {"name": "Mine"}, format="json").status_code == 403
    assert api(channel.initech_admin).delete(url).status_code == 403
    assert api(channel.globex_admin).delete(url).status_code == 404
    unused.refresh_from_db()
    assert unused.name == "Bronze"
