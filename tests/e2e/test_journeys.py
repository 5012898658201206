"""The main journeys, as a person sees them in a browser."""

from decimal import Decimal

import pytest

from tests import factories as f
from tests.e2e.conftest import log_in
from vendors.models import Membership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db):
    acme = f.vendor("Acme Networks")
    globex = f.vendor("Globex Security")
    hooli = f.vendor("Hooli Cloud")
    northwind = f.distributor("Northwind Distribution")
    initech = f.partner("Initech Solutions")
    umbrella = f.partner("Umbrella IT")
    gold = f.TierFactory(vendor=acme, name="Gold", discount_percent=Decimal("30"))
    standard = f.TierFactory(vendor=globex, name="Standard", discount_percent=Decimal("10"))
    f.partnership(acme, initech, gold)
    f.partnership(globex, initech, standard, distributor=northwind)
    f.partnership(hooli, umbrella)
    f.ProductFactory(vendor=acme, sku="ACM-R100", name="Edge Router 100", list_price=Decimal("1299.99"))
    rep = f.member(initech, Membership.Role.MEMBER, email="rep@initech.example")
    manager = f.member(acme, Membership.Role.MANAGER, email="cm@acme.example")
    return {"rep": rep, "manager": manager}


def test_a_partner_rep_sees_all_of_their_vendors_and_their_prices(page, world):
    log_in(page, "rep@initech.example", f.PASSWORD)
    main = page.locator("main")
    assert main.get_by_text("Acme Networks").first.is_visible()
    assert main.get_by_text("Globex Security").first.is_visible()
    assert main.get_by_text("Hooli Cloud").count() == 0  # Umbrella's vendor, not Initech's

    page.get_by_role("link", name="Catalog & prices").click()
    row = page.locator("tr", has_text="Edge Router 100")
    assert "909.99" in row.inner_text()  # Gold: 30 % off 1,299.99


def test_a_vendor_channel_manager_sees_their_partners_only(page, world):
    log_in(page, "cm@acme.example", f.PASSWORD)
    page.wait_for_url("**/console/**")
    main = page.locator("main")
    assert main.get_by_text("Initech Solutions").first.is_visible()
    assert main.get_by_text("Umbrella IT").count() == 0  # Hooli's partner, not Acme's
