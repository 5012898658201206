"""The main navigation: the links each person sees on each side and role, in order, and the one marked current.

The entries come from each app's ``navigation.py`` (core/navigation.py); these tests read the pages as people do.
"""

import re

import pytest
from django.urls import reverse

from core import navigation
from core.registry import plugins
from tests import factories as f
from tests.portal.helpers import client_for
from vendors.models import Membership

Role = Membership.Role

PARTNER_LINKS = ["My vendors", "Catalog & prices", "Deals", "Leads", "Find vendors", "Notifications", "Team"]
VENDOR_LINKS = [
    "Partners", "Applications", "Deals", "Leads", "Tiers", "Catalog", "Program", "Alerts", "Notifications", "Team",
]  # fmt: skip
DISTRIBUTOR_LINKS = ["Resellers", "Deals", "Leads", "Catalog", "Notifications", "Team"]
ADMIN_LINKS = ["Two-factor policy", "Single sign-on"]


def nav_links(response) -> list[tuple[str, str, bool]]:
    """The main navigation's links as a person reads them: (label, address, marked as the current page)."""
    html = response.content.decode()
    nav = re.search(r'<nav class="sidenav" aria-label="Main">(.*?)</nav>', html, flags=re.S)
    assert nav, "no main navigation on the page"
    links = re.findall(r'<a href="([^"]+)"\s*(aria-current="page")?\s*>([^<]+)</a>', nav.group(1))
    return [(label.replace("&amp;", "&"), href, bool(current)) for href, current, label in links]


def labels(response) -> list[str]:
    return [label for label, _, _ in nav_links(response)]


def current(response) -> list[str]:
    return [label for label, _, is_current in nav_links(response) if is_current]


@pytest.fixture
def world(db):
    vendor, partner, distributor = f.vendor(), f.partner(), f.distributor()
    f.partnership(vendor, partner, distributor=distributor)
    return {"vendor": vendor, "partner": partner, "distributor": distributor}


PERSONAS = [
    # (side, role, the links in order)
    ("partner", Role.MEMBER, PARTNER_LINKS + ["API"]),
    ("partner", Role.MANAGER, PARTNER_LINKS + ["API"]),
    ("partner", Role.ADMIN, PARTNER_LINKS + ADMIN_LINKS + ["API"]),
    ("vendor", Role.MEMBER, VENDOR_LINKS + ["API"]),
    ("vendor", Role.MANAGER, VENDOR_LINKS[:8] + ["Deal rules"] + VENDOR_LINKS[8:] + ["API"]),
    ("vendor", Role.ADMIN, VENDOR_LINKS[:8] + ["Deal rules"] + VENDOR_LINKS[8:] + ADMIN_LINKS + ["API"]),
    ("distributor", Role.MEMBER, DISTRIBUTOR_LINKS + ["API"]),
    ("distributor", Role.ADMIN, DISTRIBUTOR_LINKS + ADMIN_LINKS + ["API"]),
]


@pytest.mark.parametrize(("side", "role", "expected"), PERSONAS, ids=[f"{s}-{r}" for s, r, _ in PERSONAS])
def test_each_side_and_role_sees_its_links_in_order_and_each_marks_its_own_page(client, world, side, role, expected):
    person = f.member(world[side], role)
    client = client_for(client, person, world[side])

    home = client.get(reverse("notifications:inbox"))

    assert labels(home) == expected
    # Every link but the API's (Swagger UI has its own layout) opens a page on which it alone is the current one.
    for label, href, _ in nav_links(home):
        if label == "API":
            continue
        page = client.get(href)
        assert page.status_code == 200, (label, href, page.status_code)
        assert current(page) == [label], (label, href)


@pytest.mark.parametrize(
    ("side", "role", "url", "marked"),
    [
        ("vendor", Role.MANAGER, reverse("console:tier_create"), "Tiers"),
        ("vendor", Role.MANAGER, reverse("console:product_create"), "Catalog"),
        ("vendor", Role.MANAGER, reverse("deals:rules"), "Deal rules"),  # not "Deals" as well
        ("vendor", Role.MANAGER, reverse("leads:rules"), "Leads"),
        ("partner", Role.MEMBER, reverse("deals:create"), "Deals"),
        ("partner", Role.MEMBER, reverse("notifications:preferences"), "Notifications"),
    ],
)
def test_the_pages_under_an_entry_mark_it(client, world, side, role, url, marked):
    person = f.member(world[side], role)

    page = client_for(client, person, world[side]).get(url)

    assert page.status_code == 200
    assert current(page) == [marked]


def test_a_page_of_an_application_marks_find_vendors(client, db):
    vendor = f.vendor()
    f.TierFactory(vendor=vendor)
    partner = f.partner()
    person = f.member(partner, Role.ADMIN)

    page = client_for(client, person, partner).get(reverse("portal:apply", args=[vendor.slug]))

    assert page.status_code == 200
    assert current(page) == ["Find vendors"]


def test_platform_admins_see_the_admin_link_with_or_without_an_organization(client, world):
    staff = f.UserFactory(is_staff=True)
    client.force_login(staff)
    assert labels(client.get(reverse("identity:tokens"))) == ["Platform admin", "API"]

    rep_staff = f.member(world["partner"], Role.MEMBER, is_staff=True)
    page = client_for(client, rep_staff, world["partner"]).get(reverse("portal:home"))
    assert labels(page) == PARTNER_LINKS + ["Platform admin", "API"]


def test_entries_come_from_the_apps_own_modules_and_the_layout_names_none(settings):
    owners = {module.__name__ for module in plugins("navigation")}
    assert {"portal.navigation", "vendors.navigation", "deals.navigation", "leads.navigation"} <= owners
    assert "deals:list" in {entry.url for entry in navigation.entries()}
    layout = (settings.BASE_DIR / "templates" / "includes" / "nav.html").read_text()
    for app in ("portal:", "console:", "deals:", "leads:", "notifications:", "identity:", "admin:"):
        assert app not in layout


def test_an_entry_matches_its_pages_by_name_and_prefix():
    deals = navigation.Entry("Deals", "deals:list", active=("deals:*",), inactive=("deals:rules",))
    team = navigation.Entry("Team", "portal:team")

    assert deals.is_current("deals:detail") and deals.is_current("deals:list")
    assert not deals.is_current("deals:rules") and not deals.is_current("leads:list") and not deals.is_current(None)
    assert team.is_current("portal:team") and not team.is_current("portal:team_other")
