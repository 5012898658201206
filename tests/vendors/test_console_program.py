"""The vendor's program from the console: tiers, catalog (with partner prices per tier), program settings."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests import factories as f
from vendors import selectors
from vendors.models import Product, Tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, channel):
    client.force_login(channel.acme_manager)
    return client


TIER = {
    "name": "Platinum",
    "rank": "4",
    "discount_percent": "35.5",
    "mdf_eligible": "on",
    "deal_protection_days": "120",
    "requirements": "Two certified engineers.",
}


# --- tiers ----------------------------------------------------------------------------------------------------


def test_tiers_page_lists_tiers_with_their_partner_counts(manager_client, channel):
    f.partnership(channel.acme, f.partner("Hooli"), channel.gold)
    f.partnership(channel.acme, f.partner("Ended Co"), channel.gold, status="ended")
    html = manager_client.get(reverse("console:tiers")).content.decode()
    assert html.index(">Gold<") < html.index(">Silver<")  # best first
    assert "Standard" not in html  # Globex's tier
    assert 'aria-label="2 partners in Gold"' in html  # Initech and Hooli; the ended one does not count
    assert 'aria-label="1 partner in Silver"' in html
    assert "30 %" in html


def test_create_a_tier(manager_client, channel):
    response = manager_client.post(reverse("console:tier_create"), TIER, follow=True)
    assert "Tier “Platinum” created." in response.content.decode()
    tier = Tier.objects.get(vendor=channel.acme, name="Platinum")
    assert tier.discount_percent == Decimal("35.5")
    assert tier.mdf_eligible is True
    assert tier.deal_protection_days == 120
    assert tier.requirements == "Two certified engineers."


def test_duplicate_tier_name_is_a_field_error(manager_client, channel):
    response = manager_client.post(reverse("console:tier_create"), {**TIER, "name": "gold"})
    assert response.status_code == 400
    assert "You already have a tier with this name." in response.content.decode()
    assert Tier.objects.filter(vendor=channel.acme).count() == 2
    # Another vendor's tier name is free to use.
    response = manager_client.post(reverse("console:tier_create"), {**TIER, "name": "Standard"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("discount_percent", "120", "less than or equal to 100"),
        ("discount_percent", "-1", "greater than or equal to 0"),
        ("discount_percent", "abc", "Enter a number."),
        ("name", "", "This field is required."),
        ("deal_protection_days", "-5", "greater than or equal to 1"),
    ],
)
def test_bad_tier_input_writes_nothing(manager_client, channel, field, value, message):
    response = manager_client.post(reverse("console:tier_create"), {**TIER, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Tier.objects.filter(vendor=channel.acme, name="Platinum").exists()
    assert Tier.objects.filter(vendor=channel.acme).count() == 2


def test_edit_a_tier(manager_client, channel):
    url = reverse("console:tier_edit", args=[channel.silver.pk])
    html = manager_client.get(url).content.decode()
    assert 'value="Silver"' in html
    response = manager_client.post(url, {**TIER, "name": "Silver Plus", "discount_percent": "22"})
    assert response.status_code == 302
    channel.silver.refresh_from_db()
    assert channel.silver.name == "Silver Plus"
    assert channel.silver.discount_percent == Decimal("22")
    # Renaming onto another tier's name is refused, and nothing changes.
    response = manager_client.post(url, {**TIER, "name": "Gold"})
    assert response.status_code == 400
    assert "You already have a tier with this name." in response.content.decode()
    assert "Edit tier “Silver Plus”" in response.content.decode()
    channel.silver.refresh_from_db()
    assert channel.silver.name == "Silver Plus"


def test_delete_an_unused_tier_and_refuse_one_with_partners(manager_client, channel):
    unused = f.TierFactory(vendor=channel.acme, name="Bronze")
    response = manager_client.post(reverse("console:tier_delete", args=[unused.pk]), follow=True)
    assert "Tier “Bronze” deleted." in response.content.decode()
    assert not Tier.objects.filter(pk=unused.pk).exists()

    response = manager_client.post(reverse("console:tier_delete", args=[channel.gold.pk]), follow=True)
    html = response.content.decode()
    assert "“Gold” was not deleted: Partners are in this tier. Move them to another tier first." in html
    assert Tier.objects.filter(pk=channel.gold.pk).exists()


def test_tiers_empty_state(client, db):
    vendor = f.vendor("Fresh Vendor")
    client.force_login(f.admin_of(vendor))
    html = client.get(reverse("console:tiers")).content.decode()
    assert "No tiers yet" in html
    assert "Add your first tier" in html


# --- catalog --------------------------------------------------------------------------------------------------

PRODUCT = {
    "sku": "ACM-SW24",
    "name": "Switch 24",
    "description": "24-port managed switch.",
    "category": "Switching",
    "list_price": "499.00",
    "currency": "USD",
    "active": "on",
}


@pytest.fixture
def catalog(channel):
    f.ProductFactory(vendor=channel.acme, sku="ACM-AP1", name="Access Point", category="Wireless")
    f.ProductFactory(vendor=channel.acme, sku="ACM-OLD", name="Legacy Hub", category="Switching", active=False)
    Product.objects.filter(pk=channel.acme_router.pk).update(category="Routing")
    return channel


def product_names(html):
    import re

    return re.findall(r'<a href="/console/catalog/\d+/">([^<]+)</a>', html)


def test_catalog_lists_own_products_active_and_retired(manager_client, catalog):
    html = manager_client.get(reverse("console:catalog")).content.decode()
    assert product_names(html) == ["Access Point", "Edge Router 100", "Legacy Hub"]
    assert "Firewall Appliance" not in html  # Globex's
    assert "1,299.99 USD" in html
    assert "Retired" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?q=router", ["Edge Router 100"]),
        ("?q=acm-ap", ["Access Point"]),  # SKU
        ("?category=Switching", ["Legacy Hub"]),
        ("?state=active", ["Access Point", "Edge Router 100"]),
        ("?state=retired", ["Legacy Hub"]),
        ("?category=Nope", ["Access Point", "Edge Router 100", "Legacy Hub"]),  # unknown: ignored
        ("?q=zzz", []),
    ],
)
def test_catalog_filters(manager_client, catalog, query, expected):
    html = manager_client.get(reverse("console:catalog") + query).content.decode()
    assert product_names(html) == expected


def test_catalog_htmx_returns_the_table(manager_client, catalog):
    response = manager_client.get(reverse("console:catalog") + "?q=router", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.strip().startswith('<div id="catalog-results">')
    assert product_names(html) == ["Edge Router 100"]


def test_catalog_empty_states(manager_client, client, db):
    vendor = f.vendor("Empty Vendor")
    client.force_login(f.admin_of(vendor))
    html = client.get(reverse("console:catalog")).content.decode()
    assert "Your catalog is empty" in html
    assert "Add your first product" in html
    html = client.get(reverse("console:catalog") + "?q=x").content.decode()
    assert "No products match these filters" in html


def test_create_a_product_and_partners_see_it(manager_client, channel):
    response = manager_client.post(reverse("console:product_create"), PRODUCT)
    assert response.status_code == 302
    product = Product.objects.get(vendor=channel.acme, sku="ACM-SW24")
    assert response["Location"] == reverse("console:product_edit", args=[product.pk])
    assert product.list_price == Decimal("499.00")
    assert product.category == "Switching"
    products, price_for = selectors.catalog(channel.initech_rep, channel.initech)
    assert product in products
    assert price_for(product).buy_price == Decimal("349.30")  # Gold: 30 % off


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "A price cannot be negative."),
        ("-0.01", "A price cannot be negative."),
        ("abc", "Enter a price as a number, e.g. 1299.00."),
        ("12,50", "Enter a price as a number, e.g. 1299.00."),
        ("NaN", "Enter a price as a number, e.g. 1299.00."),
        ("", "This field is required."),
    ],
)
def test_bad_price_is_a_field_error_and_nothing_is_written(manager_client, channel, value, message):
    response = manager_client.post(reverse("console:product_create"), {**PRODUCT, "list_price": value})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'id="id_list_price_error"' in html
    assert not Product.objects.filter(sku="ACM-SW24").exists()


def test_duplicate_sku_is_a_field_error(manager_client, channel):
    response = manager_client.post(reverse("console:product_create"), {**PRODUCT, "sku": "acm-r100"})
    assert response.status_code == 400
    assert "Another product in your catalog has this SKU." in response.content.decode()
    assert Product.objects.filter(vendor=channel.acme).count() == 1
    # Globex's SKU is another catalog.
    assert manager_client.post(reverse("console:product_create"), {**PRODUCT, "sku": "GLX-FW"}).status_code == 302


def test_bad_sku_is_a_field_error(manager_client, channel):
    response = manager_client.post(reverse("console:product_create"), {**PRODUCT, "sku": "has space"})
    assert response.status_code == 400
    assert "Use letters, digits" in response.content.decode()
    assert not Product.objects.filter(name="Switch 24").exists()


def test_edit_page_shows_partner_price_and_margin_per_tier(manager_client, channel):
    html = manager_client.get(reverse("console:product_edit", args=[channel.acme_router.pk])).content.decode()
    assert 'value="ACM-R100"' in html
    assert 'value="1299.99"' in html  # to the cent, as it was entered
    gold = html[html.index(">Gold<") :]
    assert "909.99 USD" in gold  # 1299.99 - 30 %
    assert "390.00 USD (30.0 %)" in gold
    silver = html[html.index(">Silver<") :]
    assert "1,039.99 USD" in silver
    assert "Standard" not in html


def test_edit_a_product_retire_it_and_partners_no_longer_see_it(manager_client, channel):
    url = reverse("console:product_edit", args=[channel.acme_router.pk])
    data = {**PRODUCT, "sku": "ACM-R100", "name": "Edge Router 100 v2", "list_price": "1399"}
    data.pop("active")
    response = manager_client.post(url, data)
    assert response.status_code == 302
    channel.acme_router.refresh_from_db()
    assert channel.acme_router.name == "Edge Router 100 v2"
    assert channel.acme_router.list_price == Decimal("1399")
    assert channel.acme_router.active is False
    assert channel.acme_router not in selectors.products_visible_to(channel.initech_rep)


def test_bad_edit_changes_nothing(manager_client, channel):
    other = f.ProductFactory(vendor=channel.acme, sku="ACM-X")
    url = reverse("console:product_edit", args=[channel.acme_router.pk])
    response = manager_client.post(url, {**PRODUCT, "sku": "ACM-X", "list_price": "5"})
    assert response.status_code == 400
    assert "Another product in your catalog has this SKU." in response.content.decode()
    response = manager_client.post(url, {**PRODUCT, "sku": "ACM-R100", "list_price": "-5"})
    assert response.status_code == 400
    channel.acme_router.refresh_from_db()
    assert channel.acme_router.list_price == Decimal("1299.99")
    assert channel.acme_router.name == "Edge Router 100"
    other.refresh_from_db()
    assert other.sku == "ACM-X"


def test_member_reads_a_product_without_a_save_button(client, channel):
    client.force_login(channel.acme_member)
    html = client.get(reverse("console:product_edit", args=[channel.acme_router.pk])).content.decode()
    assert "Save product" not in html
    assert "disabled" in html
    assert "909.99 USD" in html


# --- program --------------------------------------------------------------------------------------------------


def test_program_settings_open_and_close_applications(manager_client, channel):
    response = manager_client.post(
        reverse("console:program"), {"program_criteria": "  At least two certified engineers.  "}
    )
    assert response.status_code == 302
    channel.acme.refresh_from_db()
    assert channel.acme.accepts_applications is False
    assert channel.acme.program_criteria == "At least two certified engineers."
    html = manager_client.get(reverse("console:program")).content.decode()
    assert "Closed to applications" in html
    assert "At least two certified engineers." in html

    # An empty form closes the program and clears the criteria.
    manager_client.post(reverse("console:program"), {})
    channel.acme.refresh_from_db()
    assert channel.acme.program_criteria == ""

    response = manager_client.post(
        reverse("console:program"), {"accepts_applications": "on", "program_criteria": "Open to all."}, follow=True
    )
    assert "Program settings saved." in response.content.decode()
    assert "Open to applications" in response.content.decode()
    channel.acme.refresh_from_db()
    assert channel.acme.accepts_applications is True
