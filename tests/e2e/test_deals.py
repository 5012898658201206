"""Deal registration in a browser: a partner registers deals with two vendors, the vendor decides a conflict
side by side, and both keep the approved deal current until it is won.

Two people, each in their own browser context: Initech's rep (a partner of Acme and Globex) and Acme's channel
manager. Umbrella (another Acme partner) registered the same customer a few days earlier; Initech never learns it.
"""

import os
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from playwright.sync_api import expect

from deals.models import DealEvent, DealRegistration
from tests import factories as f
from tests.e2e.conftest import log_in
from vendors.models import Membership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ACME_ROUTER = "Edge Router 100 (ACM-R100) · your price 909.99 USD"  # Gold: 30 % off 1,299.99
ACME_SWITCH = "Core Switch 48 (ACM-S48) · your price 1,680.00 USD"  # Gold: 30 % off 2,400.00
GLOBEX_FIREWALL = "Firewall Appliance (GLX-FW) · your price 899.96 EUR"  # Standard: 10 % off 999.95
GLOBEX_AGENT = "Endpoint Agent (GLX-EP) · your price 40.50 EUR"  # Standard: 10 % off 45.00
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")  # a folder: the pages people look at are saved there


@pytest.fixture
def world(transactional_db):
    acme = f.vendor("Acme Networks")
    globex = f.vendor("Globex Security")
    initech = f.partner("Initech Solutions")
    umbrella = f.partner("Umbrella IT")
    gold = f.TierFactory(vendor=acme, name="Gold", rank=2, discount_percent=Decimal("30"), deal_protection_days=90)
    silver = f.TierFactory(vendor=acme, name="Silver", rank=1, discount_percent=Decimal("20"))
    standard = f.TierFactory(vendor=globex, name="Standard", discount_percent=Decimal("10"))
    f.partnership(acme, initech, gold)
    f.partnership(globex, initech, standard)
    f.partnership(acme, umbrella, silver)
    router = f.ProductFactory(vendor=acme, sku="ACM-R100", name="Edge Router 100", list_price=Decimal("1299.99"))
    f.ProductFactory(vendor=acme, sku="ACM-S48", name="Core Switch 48", list_price=Decimal("2400.00"))
    for sku, name, price in (("GLX-FW", "Firewall Appliance", "999.95"), ("GLX-EP", "Endpoint Agent", "45.00")):
        f.ProductFactory(vendor=globex, sku=sku, name=name, list_price=Decimal(price), currency="EUR")
    f.member(initech, Membership.Role.MEMBER, email="rep@initech.example", first_name="Rita", last_name="Rep")
    f.member(acme, Membership.Role.MANAGER, email="cm@acme.example", first_name="Carl", last_name="Manager")
    umbrella_rep = f.member(umbrella, Membership.Role.MEMBER)

    # Four days ago Umbrella registered the same customer (its bare domain) with the same router.
    earlier = umbrella_registers(umbrella_rep, umbrella, acme, [(router, 5)], title="Waystar branch routers")
    days_ago = timezone.now() - timedelta(days=4)
    DealRegistration.objects.filter(pk=earlier.pk).update(
        created_at=days_ago, submitted_at=days_ago, updated_at=days_ago, last_activity_at=days_ago
    )
    DealEvent.objects.filter(deal=earlier).update(created_at=days_ago)
    return {"acme": acme, "umbrella": umbrella, "umbrella_rep": umbrella_rep, "router": router}


def umbrella_registers(actor, umbrella, acme, lines, *, title, website="waystar.com", customer="Waystar Inc."):
    return f.deal(
        actor,
        umbrella,
        acme,
        lines=lines,
        title=title,
        customer_name=customer,
        customer_website=website,
        expected_close_date=timezone.localdate() + timedelta(days=60),
    )


@pytest.fixture
def person(browser, live_server):
    """``person(email)``: a page logged in as that person, in a browser context of their own."""
    contexts = []

    def open_as(email):
        context = browser.new_context(base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        log_in(page, email, f.PASSWORD)
        return page

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"deals_{name}.png"), full_page=True)


def register(page, *, vendor, lines, title, close_date, first_vendor=None, add_line=False):
    """Fill the registration form as a person does: vendor (its products arrive in place), lines, the rest."""
    page.get_by_role("link", name="Deals", exact=True).click()
    page.get_by_role("link", name="Register a deal").first.click()  # the empty list offers it twice
    expect(page.locator("h1")).to_have_text("Register a deal")
    first_product = page.get_by_label("Product").first
    for label, shown, not_shown in filter(None, (first_vendor, vendor)):
        page.get_by_label("Vendor", exact=True).select_option(label=label)
        for option in shown:  # the vendor's catalog with the partner's price, loaded without a reload
            expect(first_product).to_contain_text(option)
        for option in not_shown:
            expect(first_product).not_to_contain_text(option)
    if add_line:  # one more blank line, the lines chosen so far kept
        page.get_by_label("Product").nth(0).select_option(label=lines[0][0])
        page.get_by_role("button", name="Add a line").click()
        expect(page.get_by_label("Product")).to_have_count(4)
        assert page.get_by_label("Product").nth(0).evaluate("select => select.selectedOptions[0].text") == lines[0][0]
    for index, (product, quantity) in enumerate(lines):
        page.get_by_label("Product").nth(index).select_option(label=product)
        page.get_by_label("Quantity").nth(index).fill(str(quantity))
    page.get_by_label("Title").fill(title)
    page.get_by_label("Expected close date").fill(close_date.isoformat())
    page.get_by_label("Customer company").fill("Waystar Health")
    page.get_by_label("Customer website or domain").fill("https://eu.waystar.com")
    page.get_by_role("searchbox", name="Search Customer country").fill("us")  # the code picks the country
    expect(page.get_by_label("Customer country (required)")).to_have_value("US")
    page.get_by_label("Contact name").fill("Dana Whitaker")
    page.get_by_label("Contact email").fill("dana.whitaker@waystar.com")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("h1")).to_have_text(title)
    return page.url


def assert_no_trace_of_umbrella(page):
    """Nothing on the partner's page tells of another partner's registration: no name, no conflict badge."""
    html = page.content()
    assert "Umbrella" not in html, page.url
    assert "Possible conflict" not in html, page.url
    expect(page.locator(".deal-conflict, .deal-conflicts, .deal-compare")).to_have_count(0)


def history(page) -> list[str]:
    return [" ".join(text.split()) for text in page.locator(".deal-history > li").all_inner_texts()]


def test_two_registrations_a_conflict_decided_side_by_side_and_the_deal_won(person, world):
    close_date = timezone.localdate() + timedelta(days=45)
    acme = ("Acme Networks · Gold", [ACME_ROUTER, ACME_SWITCH], [GLOBEX_FIREWALL])
    globex = ("Globex Security · Standard", [GLOBEX_FIREWALL, GLOBEX_AGENT], [ACME_ROUTER, ACME_SWITCH])

    # 1. Initech's rep registers a deal with Acme, then (same form, same minute) one with Globex.
    rep = person("rep@initech.example")
    acme_url = register(rep, vendor=acme, lines=[(ACME_ROUTER, 10)], title="Waystar EU routers", close_date=close_date)
    expect(rep.locator(".messages")).to_contain_text("sent to Acme Networks: Under review.")
    expect(rep.locator(".deal-history")).to_contain_text("Submitted")
    assert_no_trace_of_umbrella(rep)
    register(
        rep,
        first_vendor=acme,  # chosen first by mistake: switching shows Globex's products instead of Acme's
        vendor=globex,
        lines=[(GLOBEX_FIREWALL, 2), (GLOBEX_AGENT, 100)],
        title="Waystar EU endpoint security",
        add_line=True,
        close_date=close_date,
    )
    rep.get_by_role("link", name="Deal registrations").click()
    rows = rep.locator(".deal-table tbody tr")
    expect(rows).to_have_count(2)
    acme_row = rows.filter(has_text="Waystar EU routers")
    globex_row = rows.filter(has_text="Waystar EU endpoint security")
    expect(acme_row).to_contain_text("Acme Networks")
    expect(globex_row).to_contain_text("Globex Security")
    expect(acme_row.locator(".deal-status")).to_have_text("Under review")  # a conflict is not a status
    expect(globex_row.locator(".deal-status")).to_have_text("Under review")
    expect(acme_row).to_contain_text("9,099.90 USD")  # 10 × 909.99
    expect(globex_row).to_contain_text("5,849.92 EUR")  # 2 × 899.96 + 100 × 40.50
    totals = rep.get_by_label("Total value by currency")
    expect(totals).to_contain_text("9,099.90 USD in 1 deal")
    expect(totals).to_contain_text("5,849.92 EUR in 1 deal")
    assert_no_trace_of_umbrella(rep)
    screenshot(rep, "partner_list")

    # Meanwhile Umbrella registers another customer with Acme: newer, but not a conflict.
    umbrella_registers(
        world["umbrella_rep"],
        world["umbrella"],
        world["acme"],
        [(world["router"], 1)],
        title="Initrode lab router",
        website="initrode.com",
        customer="Initrode",
    )

    # 2. Acme's channel manager: the conflict first, both registrations side by side, one approved, one rejected.
    manager = person("cm@acme.example")
    manager.get_by_role("link", name="Deals", exact=True).click()
    rows = manager.locator(".deal-table tbody tr")
    expect(rows).to_have_count(3)
    for index in (0, 1):
        expect(rows.nth(index).locator(".deal-conflict")).to_have_text("Conflict")
    expect(rows.nth(2)).to_contain_text("Initrode lab router")
    expect(rows.nth(2).locator(".deal-conflict")).to_have_count(0)

    rows.get_by_role("link", name="Waystar EU routers").click()
    expect(manager.locator("h1")).to_have_text("Waystar EU routers")
    conflicts = manager.get_by_role("region", name="Possible conflicts")
    expect(conflicts).to_contain_text("Same web domain")
    expect(conflicts).to_contain_text("shared products: ACM-R100")
    compare = conflicts.locator("table.deal-compare")
    four_days_ago = date_format(timezone.localtime() - timedelta(days=4), "j M Y")
    expect(compare.locator("tr", has_text="Partner")).to_contain_text("Initech Solutions")
    expect(compare.locator("tr", has_text="Partner")).to_contain_text("Umbrella IT")
    expect(compare.locator("tr", has_text="Submitted")).to_contain_text(four_days_ago)
    expect(compare.locator("tr", has_text="Submitted")).to_contain_text(date_format(timezone.localtime(), "j M Y"))
    expect(compare.locator("tr", has_text="Domain")).to_contain_text("waystar.com")
    expect(compare.locator("tr", has_text="Products")).to_contain_text("10 × Edge Router 100")
    expect(compare.locator("tr", has_text="Products")).to_contain_text("5 × Edge Router 100")
    screenshot(manager, "vendor_conflict")

    manager.get_by_role("region", name="Approve").get_by_label("Note to the partner").fill("Yours: go for it.")
    manager.get_by_role("button", name="Approve", exact=True).click()
    expect(manager.locator(".deal-status").first).to_have_text("Approved")
    expect(manager.locator("main")).to_contain_text("approved. The partner is told.")

    umbrella_reference = compare.locator("thead a").inner_text()
    manager.get_by_role("link", name=umbrella_reference).click()
    expect(manager.locator("h1")).to_have_text("Waystar branch routers")
    manager.get_by_label("Reason").fill("Initech registered Waystar's EU rollout with us and is approved for it.")
    manager.get_by_role("button", name="Reject", exact=True).click()
    expect(manager.locator(".deal-status").first).to_have_text("Rejected")
    manager.get_by_role("link", name="Deal registrations").click()
    expect(manager.locator(".deal-conflict")).to_have_count(0)  # decided: no conflict left to work on

    rep.goto(acme_url)
    expect(rep.locator(".deal-status").first).to_have_text("Approved")
    expect(rep.locator("main")).to_contain_text("Note from the vendor: Yours: go for it.")
    assert_no_trace_of_umbrella(rep)
    rep.get_by_role("link", name="Deal registrations").click()
    expect(rep.locator(".deal-table tbody tr").filter(has_text="Waystar EU routers")).to_contain_text("Approved")
    assert_no_trace_of_umbrella(rep)

    # 3. Both sides keep it current until it is won.
    manager.get_by_role("link", name="Waystar EU routers").click()
    manager.get_by_label("Comment").fill("Send us the signed quote when you have it, please.")
    manager.get_by_role("button", name="Post comment").click()
    expect(manager.locator("#deal-thread")).to_contain_text("Comment posted.")

    rep.get_by_role("link", name="Waystar EU routers").click()
    thread = rep.locator("#deal-thread")
    expect(thread).to_contain_text("Send us the signed quote when you have it, please.")
    expect(thread).to_contain_text("Acme Networks")
    rep.get_by_label("Comment").fill("Will do: the customer signs next week.")
    rep.get_by_role("button", name="Post comment").click()
    expect(thread.locator(".deal-comment")).to_have_count(2)
    expect(thread.locator(".deal-comment").nth(1)).to_contain_text("Will do: the customer signs next week.")
    for stage in ("Proposal", "Negotiation", "Won"):
        rep.get_by_label("Stage", exact=True).select_option(label=stage)
        rep.get_by_role("button", name="Update stage").click()
        expect(rep.locator(".deal-stage").first).to_have_text(stage)
    assert_no_trace_of_umbrella(rep)

    expected = [
        r"^Created .*Rita Rep \(Initech Solutions\).*Registered with Acme Networks",
        r"^Submitted .*Rita Rep \(Initech Solutions\).*Status: Draft → Under review",
        r"^Approved .*Carl Manager \(Acme Networks\).*Status: Under review → Approved.*Protected for 90 days",
        r"^Changed .*Rita Rep .*Stage: Qualifying → Proposal",
        r"^Changed .*Rita Rep .*Stage: Proposal → Negotiation",
        r"^Changed .*Rita Rep .*Stage: Negotiation → Won",
    ]
    manager.reload()
    expect(manager.locator(".deal-stage").first).to_have_text("Won")
    expect(manager.locator("#deal-thread .deal-comment").nth(1)).to_contain_text(
        "Will do: the customer signs next week."
    )
    for side in (rep, manager):
        steps = history(side)
        assert len(steps) == len(expected), steps
        for step, pattern in zip(steps, expected, strict=True):
            assert re.search(pattern, step), (step, pattern)
