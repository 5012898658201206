"""Price and margin: Decimal only, rounded half up to the currency's minor unit, per tier, with two-tier uplift."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from tests import factories as f
from vendors import selectors, services
from vendors.money import MINOR_UNITS, PartnerPrice, partner_price, quantize

D = Decimal
User = get_user_model()


def fresh(user):
    return User.objects.get(pk=user.pk)


def price(list_price, discount, uplift="0", currency="USD") -> PartnerPrice:
    return partner_price(
        list_price=D(list_price), currency=currency, discount_percent=D(discount), uplift_percent=D(uplift)
    )


def as_strings(p: PartnerPrice):
    return (str(p.list_price), str(p.buy_price), str(p.margin), str(p.margin_percent))


def assert_all_decimal(p: PartnerPrice):
    for value in (p.list_price, p.buy_price, p.margin, p.margin_percent):
        assert type(value) is Decimal


# --- money.partner_price ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("discount", "expected"),
    [
        ("0", ("1000.00", "1000.00", "0.00", "0.0")),
        ("20", ("1000.00", "800.00", "200.00", "20.0")),
        ("30", ("1000.00", "700.00", "300.00", "30.0")),
        ("35", ("1000.00", "650.00", "350.00", "35.0")),
        ("100", ("1000.00", "0.00", "1000.00", "100.0")),
    ],
)
def test_buy_price_and_margin_for_each_tier(discount, expected):
    p = price("1000", discount)
    assert as_strings(p) == expected
    assert p.currency == "USD"
    assert_all_decimal(p)


@pytest.mark.parametrize(
    ("discount", "expected"),
    [
        ("0", ("1299.99", "1299.99", "0.00", "0.0")),
        ("20", ("1299.99", "1039.99", "260.00", "20.0")),  # 1039.992
        ("30", ("1299.99", "909.99", "390.00", "30.0")),  # 909.993
        ("35", ("1299.99", "844.99", "455.00", "35.0")),  # 844.9935
        ("100", ("1299.99", "0.00", "1299.99", "100.0")),
    ],
)
def test_buy_price_is_rounded_once_and_margin_is_what_is_left(discount, expected):
    assert as_strings(price("1299.99", discount)) == expected


def test_two_tier_uplift_comes_on_top_of_the_discounted_price():
    # 1000 - 20 % = 800; + 5 % distributor uplift = 840.
    assert as_strings(price("1000", "20", uplift="5")) == ("1000.00", "840.00", "160.00", "16.0")
    # Globex's firewall through Northwind: 999.95 × 0.90 × 1.05 = 944.95275.
    assert as_strings(price("999.95", "10", uplift="5", currency="EUR")) == ("999.95", "944.95", "55.00", "5.5")
    # An uplift bigger than the discount leaves a negative margin; it is shown, not hidden.
    assert as_strings(price("100", "0", uplift="5")) == ("100.00", "105.00", "-5.00", "-5.0")
    assert_all_decimal(price("100", "0", uplift="5"))


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("0.005", "USD", "0.01"),
        ("0.004", "USD", "0.00"),
        ("0.015", "USD", "0.02"),
        ("0.025", "USD", "0.03"),  # half up, not half even
        ("2.675", "USD", "2.68"),  # 2.675 as a float would round to 2.67
        ("-0.005", "USD", "-0.01"),
        ("12", "USD", "12.00"),
        ("0.5", "JPY", "1"),
        ("2.5", "JPY", "3"),
        ("1234.4", "JPY", "1234"),
        ("1299", "JPY", "1299"),
        ("0.0005", "KWD", "0.001"),
        ("1.2345", "KWD", "1.235"),
        ("1.2344", "KWD", "1.234"),
        ("7", "KWD", "7.000"),
    ],
)
def test_quantize_rounds_half_up_to_the_minor_unit(amount, currency, expected):
    result = quantize(D(amount), currency)
    assert type(result) is Decimal
    assert str(result) == expected
    assert result.as_tuple().exponent == -MINOR_UNITS[currency]


@pytest.mark.parametrize(
    ("list_price", "discount", "currency", "expected"),
    [
        ("0.01", "50", "USD", ("0.01", "0.01", "0.00", "0.0")),  # 0.005 → 0.01
        ("1.01", "50", "USD", ("1.01", "0.51", "0.50", "49.5")),  # 0.505 → 0.51
        ("101", "50", "JPY", ("101", "51", "50", "49.5")),  # 50.5 → 51
        ("1999", "35", "JPY", ("1999", "1299", "700", "35.0")),  # 1299.35 → 1299
        ("150000", "30", "JPY", ("150000", "105000", "45000", "30.0")),
        ("1.001", "50", "KWD", ("1.001", "0.501", "0.500", "50.0")),  # 0.5005 → 0.501
        ("10.001", "30", "KWD", ("10.001", "7.001", "3.000", "30.0")),  # 7.0007 → 7.001
        ("10.0050", "0", "USD", ("10.01", "10.01", "0.00", "0.0")),  # stored with 4 places
    ],
)
def test_partner_price_rounds_to_the_currencys_minor_unit(list_price, discount, currency, expected):
    p = price(list_price, discount, currency=currency)
    assert as_strings(p) == expected
    for value in (p.list_price, p.buy_price, p.margin):
        assert value.as_tuple().exponent == -MINOR_UNITS[currency]
    assert_all_decimal(p)


def test_margin_percent_rounds_half_up_to_one_decimal():
    # 1.00 of 16.00 is 6.25 %.
    assert price("16", "6.25").margin_percent == D("6.3")
    # 1.00 of 3.00 is 33.33… %.
    assert as_strings(price("3", "33.33")) == ("3.00", "2.00", "1.00", "33.3")


def test_free_product_has_no_margin_percent():
    assert as_strings(price("0", "30")) == ("0.00", "0.00", "0.00", "0.0")


def test_negative_price_is_refused():
    with pytest.raises(ValueError, match="negative"):
        price("-0.01", "20")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"list_price": 1.005, "discount_percent": D("20")},
        {"list_price": D("100"), "discount_percent": 20.0},
        {"list_price": D("100"), "discount_percent": D("20"), "uplift_percent": 5.0},
    ],
)
def test_floats_are_refused(kwargs):
    with pytest.raises(TypeError, match="Decimal"):
        partner_price(currency="USD", **kwargs)


def test_quantize_refuses_floats():
    with pytest.raises(TypeError, match="Decimal"):
        quantize(2.675, "USD")


def test_integers_are_exact_and_allowed():
    assert as_strings(partner_price(list_price=100, currency="USD", discount_percent=20, uplift_percent=0)) == (
        "100.00",
        "80.00",
        "20.00",
        "20.0",
    )


# --- selectors.catalog: each partner sees its own tier's price -----------------------------------------------


def catalog_prices(user, organization):
    qs, price_for = selectors.catalog(fresh(user), organization)
    return {product.sku: price_for(product) for product in qs}


def test_each_partner_sees_its_own_tiers_price_on_the_same_product(channel):
    c = channel
    initech = catalog_prices(c.initech_rep, c.initech)
    umbrella = catalog_prices(c.umbrella_admin, c.umbrella)
    # Initech is Gold (30 %), Umbrella Silver (20 %) at Acme.
    assert as_strings(initech["ACM-R100"]) == ("1299.99", "909.99", "390.00", "30.0")
    assert as_strings(umbrella["ACM-R100"]) == ("1299.99", "1039.99", "260.00", "20.0")
    # Initech buys Globex through Northwind (Standard 10 % + 5 % uplift), in euros.
    assert as_strings(initech["GLX-FW"]) == ("999.95", "944.95", "55.00", "5.5")
    assert initech["GLX-FW"].currency == "EUR"
    # Umbrella is suspended at Globex: the product is not in its catalog at all.
    assert "GLX-FW" not in umbrella
    for p in (*initech.values(), *umbrella.values()):
        assert_all_decimal(p)


def test_vendor_and_distributor_see_list_prices_not_partner_prices(channel):
    c = channel
    assert catalog_prices(c.acme_member, c.acme) == {"ACM-R100": None}
    assert catalog_prices(c.northwind_admin, c.northwind) == {"GLX-FW": None}


def test_price_follows_the_partners_tier(channel):
    c = channel
    expected = {"0": "1299.99", "20": "1039.99", "30": "909.99", "35": "844.99", "100": "0.00"}
    for n, (discount, buy) in enumerate(expected.items()):
        tier = services.tier_create(
            actor=c.acme_admin, vendor=c.acme, name=f"Level {n}", rank=10 + n, discount_percent=discount
        )
        services.partnership_change_tier(actor=c.acme_admin, partnership=c.initech_acme, tier=tier)
        assert str(catalog_prices(c.initech_rep, c.initech)["ACM-R100"].buy_price) == buy
    # Umbrella's Silver price did not move.
    assert str(catalog_prices(c.umbrella_admin, c.umbrella)["ACM-R100"].buy_price) == "1039.99"


def test_catalog_rounds_each_currency(channel):
    c = channel
    f.ProductFactory(vendor=c.acme, sku="ACM-JP", name="Router (Japan)", list_price=D("150001"), currency="JPY")
    f.ProductFactory(vendor=c.acme, sku="ACM-KW", name="Router (Kuwait)", list_price=D("10.001"), currency="KWD")
    prices = catalog_prices(c.initech_rep, c.initech)
    assert as_strings(prices["ACM-JP"]) == ("150001", "105001", "45000", "30.0")  # 105000.7 → 105001
    assert as_strings(prices["ACM-KW"]) == ("10.001", "7.001", "3.000", "30.0")


def test_uplift_is_the_distributors_for_that_vendor(channel):
    c = channel
    services.distribution_create(actor=c.globex_admin, vendor=c.globex, distributor=c.northwind, uplift_percent="8")
    prices = catalog_prices(c.initech_rep, c.initech)
    # 999.95 × 0.90 × 1.08 = 971.9514
    assert as_strings(prices["GLX-FW"]) == ("999.95", "971.95", "28.00", "2.8")
    # Acme is direct: no uplift.
    assert str(prices["ACM-R100"].buy_price) == "909.99"
