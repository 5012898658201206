from decimal import Decimal

from vendors import selectors


def test_channel_fixture_builds_and_partner_sees_its_vendors(channel):
    rows = selectors.partner_home(channel.initech_rep, channel.initech)
    assert [r["vendor"].name for r in rows] == ["Acme Networks", "Globex Security"]
    qs, price_for = selectors.catalog(channel.initech_rep, channel.initech)
    prices = {p.sku: price_for(p) for p in qs}
    assert prices["ACM-R100"].buy_price == Decimal("909.99")
    assert prices["GLX-FW"].buy_price == Decimal("944.95")
