"""Leads in a browser: the vendor imports a spreadsheet, checks the report and confirms; the leads go to partners by
territory and tier, with the reason shown; a partner accepts one from its inbox and registers it as a deal; another
partner lets one run past its deadline, and the deadline job moves it on.

Three people, each in their own browser context: Acme's channel manager, Initech's rep (Gold, the Midwest) and
Umbrella's rep (Gold, the whole US). Hooli (Registered tier) covers the US too but Acme routes to Gold only.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from leads import services as lead_services
from leads.models import Lead, LeadCoverage
from tests import factories as f
from tests.e2e.test_deals import person  # noqa: F401  (the fixture)
from vendors.models import Membership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CSV = """Company name,First name,Last name,Email,Country,State,Products,Lead source
Lakeshore Credit Union,Dana,Kim,dana@lakeshore.example,US,IL,ACM-S48,Webinar
Sunbelt Logistics,Ray,Ortiz,ray@sunbelt.example,US,TX,ACM-R100,Website
Bad Row Inc,Nobody,Here,not-an-email,US,OH,ACM-R100,Website
"""


@pytest.fixture
def world(transactional_db, tmp_path):
    acme = f.vendor("Acme Networks")
    gold = f.TierFactory(vendor=acme, name="Gold", rank=2, discount_percent=Decimal("30"))
    registered = f.TierFactory(vendor=acme, name="Registered", rank=1)
    f.ProductFactory(vendor=acme, sku="ACM-R100", name="Edge Router 100", list_price=Decimal("1299.99"))
    f.ProductFactory(vendor=acme, sku="ACM-S48", name="Core Switch 48", list_price=Decimal("2400.00"))
    manager = f.member(acme, Membership.Role.MANAGER, email="cm@acme.example", first_name="Carl")
    partners = {}
    for name, email, tier, regions in (
        ("Initech Solutions", "rep@initech.example", gold, ["IL", "OH", "MI"]),
        ("Umbrella IT", "rep@umbrella.example", gold, []),
        ("Hooli", "rep@hooli.example", registered, []),
    ):
        org = f.partner(name)
        edge = f.partnership(acme, org, tier)
        LeadCoverage.objects.create(partnership=edge, vendor=acme, countries=["US"], regions=regions)
        f.member(org, Membership.Role.MEMBER, email=email)
        partners[name] = org
    lead_services.lead_rules_update(actor=manager, vendor=acme, tiers=[gold], sla_hours=48, reminder_hours=12)
    path = tmp_path / "acme-leads.csv"
    path.write_text(CSV)
    return {"acme": acme, "partners": partners, "csv": path}


def test_import_route_accept_convert_and_a_missed_lead_moves_on(person, world):  # noqa: F811
    vendor = person("cm@acme.example")
    vendor.get_by_role("link", name="Leads", exact=True).click()
    vendor.get_by_role("link", name="Import a spreadsheet").click()
    vendor.get_by_label("Spreadsheet").set_input_files(str(world["csv"]))
    vendor.get_by_role("button", name="Check the file").click()

    # The report: two valid rows, one with a bad email; nothing is imported yet.
    report = vendor.locator(".lead-import-report")
    expect(report.locator(".lead-import-valid")).to_have_text("2")
    expect(vendor.locator(".lead-import-errors")).to_contain_text("Enter a valid email address.")
    expect(report).to_contain_text("Lead source")
    assert not Lead.objects.exists()
    vendor.get_by_role("button", name="Import 2 leads").click()

    # Where each went and why: Illinois to Initech (it names the state), Texas to Umbrella (the whole US).
    routed = vendor.locator(".lead-import-routed")
    expect(routed).to_contain_text("Lakeshore Credit Union")
    lakeshore = routed.locator("tr", has_text="Lakeshore Credit Union")
    expect(lakeshore).to_contain_text("Initech Solutions")
    expect(lakeshore).to_contain_text("covers IL, US; Gold tier")
    sunbelt = routed.locator("tr", has_text="Sunbelt Logistics")
    expect(sunbelt).to_contain_text("Umbrella IT")
    assert "Hooli" not in routed.inner_text()  # Registered tier: Acme routes to Gold only

    # Initech's rep: the lead in the inbox with its deadline; accepts it and registers the deal.
    rep = person("rep@initech.example")
    rep.get_by_role("link", name="Leads", exact=True).click()
    row = rep.locator(".lead-table tr", has_text="Lakeshore Credit Union")
    expect(row).to_contain_text("accept by")
    expect(rep.locator(".lead-table")).not_to_contain_text("Sunbelt")
    row.get_by_role("link", name="Lakeshore Credit Union").click()
    expect(rep.locator(".lead-offer")).to_contain_text("Why you: covers IL, US")
    rep.get_by_role("button", name="Accept").click()
    expect(rep.locator(".messages")).to_contain_text("accepted")
    rep.get_by_role("textbox", name="Note").fill("Eight branches; wants Wi-Fi first.")
    rep.get_by_role("button", name="Add note").click()
    expect(rep.locator(".lead-note")).to_contain_text("Eight branches")
    rep.get_by_role("link", name="Register a deal").click()
    expect(rep.locator("h1")).to_have_text("Register a deal with Acme Networks")
    rep.get_by_label("Product").first.select_option(label="Core Switch 48 (ACM-S48) · your price 1,680.00 USD")
    rep.get_by_label("Quantity").first.fill("6")
    rep.get_by_role("button", name="Register and submit").click()
    expect(rep.locator("h1")).to_have_text("Lakeshore Credit Union")  # the deal, titled after the company
    expect(rep.locator(".messages")).to_contain_text("became DR-")
    expect(rep.get_by_text("10,080.00 USD").first).to_be_visible()

    # The vendor sees the lead converted, with the deal, and never the partner's note.
    vendor.get_by_role("link", name="Leads", exact=True).click()
    vendor.get_by_role("link", name="Lakeshore Credit Union").click()
    expect(vendor.locator("main")).to_contain_text("Converted to a deal")
    expect(vendor.locator("main")).not_to_contain_text("Eight branches")

    # Umbrella never answers Sunbelt: after the deadline the job recalls it; nobody else qualifies, it waits.
    lead_services.leads_recall_overdue(now=timezone.now() + timedelta(hours=49))
    umbrella = person("rep@umbrella.example")
    umbrella.get_by_role("link", name="Leads", exact=True).click()
    expect(umbrella.locator("main")).not_to_contain_text("Sunbelt Logistics")
    vendor.get_by_role("link", name="Leads", exact=True).click()
    vendor.get_by_role("link", name="Sunbelt Logistics").click()
    offers = vendor.locator(".lead-offers")
    expect(offers).to_contain_text("Umbrella IT")
    expect(offers).to_contain_text("Deadline missed")
    # Acme offers it by hand to Initech.
    vendor.get_by_label("Partner").select_option(label="Initech Solutions (Gold)")
    vendor.get_by_role("button", name="Offer").click()
    expect(vendor.locator(".messages")).to_contain_text("offered to Initech Solutions")
    rep.get_by_role("link", name="Leads", exact=True).click()
    expect(rep.locator(".lead-table")).to_contain_text("Sunbelt Logistics")
