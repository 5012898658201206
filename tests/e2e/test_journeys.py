"""The main journeys, as a person sees them in a browser."""

from decimal import Decimal

import pytest

from tests import factories as f
from tests.e2e.conftest import log_in
from vendors.models import Membership, Organization

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


def test_a_partner_applies_and_once_the_vendor_approves_its_catalog_appears(browser, live_server, world):
    hooli = Organization.objects.get(name="Hooli Cloud")
    f.TierFactory(vendor=hooli, name="Premier", discount_percent=Decimal("25"))
    f.ProductFactory(vendor=hooli, sku="HOO-BK1", name="Backup Vault 1TB", list_price=Decimal("200.00"))
    f.member(Organization.objects.get(name="Initech Solutions"), Membership.Role.ADMIN, email="admin@initech.example")
    f.member(hooli, Membership.Role.MANAGER, email="cm@hooli.example")

    partner = browser.new_context(base_url=live_server.url).new_page()
    log_in(partner, "admin@initech.example", f.PASSWORD)
    partner.get_by_role("link", name="Find vendors").click()
    partner.get_by_role("link", name="Apply to Hooli Cloud").click()
    partner.get_by_label("Why do you want to partner with this vendor?").fill(
        "We run backups for 300 SMB customers in Bavaria."
    )
    partner.get_by_role("button", name="Send application").click()
    assert "Applied" in partner.locator("main").inner_text()

    vendor = browser.new_context(base_url=live_server.url).new_page()
    log_in(vendor, "cm@hooli.example", f.PASSWORD)
    vendor.get_by_role("link", name="Review applications (1)").click()
    approve = vendor.get_by_role("form", name="Approve Initech Solutions")
    approve.get_by_label("Tier").select_option(label="Premier")
    approve.get_by_role("button", name="Approve").click()
    assert "Initech Solutions" in vendor.locator("main").inner_text()

    partner.goto("/catalog/?vendor=" + str(hooli.pk))
    row = partner.locator("tr", has_text="Backup Vault 1TB")
    assert "150.00" in row.inner_text()  # Premier: 25 % off 200.00


def test_the_workspace_fits_a_phone_and_starts_with_a_skip_link(browser, live_server, world):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    phone = context.new_page()
    log_in(phone, "rep@initech.example", f.PASSWORD)
    for path in ("/", "/catalog/", "/directory/", "/team/"):
        phone.goto(path)
        overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than a phone"
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    context.close()
