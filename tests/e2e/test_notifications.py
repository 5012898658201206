"""The notification centre in a browser: the bell counts what arrives while the page is open."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.e2e.conftest import log_in
from vendors import services
from vendors.models import Membership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db, settings):
    settings.ONEPANE_BELL_POLL_SECONDS = 1
    hooli = f.vendor("Hooli Cloud")
    premier = f.TierFactory(vendor=hooli, name="Premier")
    manager = f.member(hooli, Membership.Role.MANAGER, email="cm@hooli.example")
    initech = f.partner("Initech Solutions")
    f.member(initech, Membership.Role.ADMIN, email="admin@initech.example")
    application = f.partnership(hooli, initech, status="applied")
    return {"hooli": hooli, "premier": premier, "manager": manager, "application": application}


def test_the_bell_counts_an_approval_without_a_reload_and_opening_it_lands_on_the_vendor(page, world):
    log_in(page, "admin@initech.example", f.PASSWORD)
    bell = page.locator("#notification-bell")
    expect(bell).to_have_attribute("aria-label", "Notifications: none unread")
    expect(bell.locator(".bell-count")).to_have_count(0)
    page.evaluate("window.notLoadedAgain = true")  # gone if the page reloads

    # Meanwhile, at the vendor: a manager approves the application.
    services.partnership_approve(actor=world["manager"], partnership=world["application"], tier=world["premier"])

    expect(bell).to_have_attribute("aria-label", "Notifications: 1 unread", timeout=10_000)
    expect(bell.locator(".bell-count")).to_have_text("1")
    assert page.evaluate("window.notLoadedAgain") is True

    bell.click()
    page.wait_for_url("**/notifications/")
    item = page.locator(".notification").filter(has_text="Hooli Cloud approved your application: Premier tier")
    expect(item).to_be_visible()
    expect(item.get_by_text("New")).to_be_visible()

    item.get_by_role("link", name="Hooli Cloud approved your application: Premier tier").click()
    page.wait_for_url(re.compile(rf"/vendors/{world['hooli'].slug}/$"))
    expect(page.locator("main h1")).to_contain_text("Hooli Cloud")
    expect(page.locator("#notification-bell")).to_have_attribute("aria-label", "Notifications: none unread")


def test_marking_read_in_the_inbox_updates_the_row_and_the_bell_in_place(page, world, settings):
    settings.ONEPANE_BELL_POLL_SECONDS = 600  # the bell refreshes because the page told it to, not by polling
    services.partnership_approve(actor=world["manager"], partnership=world["application"], tier=world["premier"])
    log_in(page, "admin@initech.example", f.PASSWORD)
    page.goto("/notifications/")
    bell = page.locator("#notification-bell")
    expect(bell).to_have_attribute("aria-label", "Notifications: 1 unread")
    page.evaluate("window.notLoadedAgain = true")

    page.get_by_role("button", name=re.compile("^Mark read")).click()
    expect(page.get_by_role("button", name=re.compile("^Mark unread"))).to_be_visible()
    expect(bell).to_have_attribute("aria-label", "Notifications: none unread")
    page.get_by_role("button", name=re.compile("^Mark unread")).click()
    expect(bell).to_have_attribute("aria-label", "Notifications: 1 unread")
    assert page.evaluate("window.notLoadedAgain") is True
