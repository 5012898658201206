"""The small changes the benchmarks led to (bench/, README "Benchmarks") keep what people see the same.

- the vendor directory shows 50 vendors a page (500 vendors were one 500 kB page);
- a person who works for vendors only does not look up program-access grants (vendors never hold any);
- the workspace catalog lists its vendors through ``selectors.program_vendors`` (the same vendors as before).
"""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories as f
from vendors import access, selectors
from vendors.models import Membership, Organization


def cards(response) -> list[str]:
    return re.findall(r'<h2 id="dir-vendor-\d+">([^<]+)</h2>', response.content.decode())


def test_the_directory_shows_fifty_vendors_a_page_in_name_order(client, channel):
    for n in range(60):
        f.vendor(f"Zeta Vendor {n:02d}")
    client.force_login(channel.initech_admin)
    first = client.get(reverse("portal:directory"))
    assert first.status_code == 200
    names = cards(first)
    assert len(names) == 50
    assert names[:2] == ["Acme Networks", "Globex Security"]
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(reverse("portal:directory"), {"page": 2})
    assert cards(second) == [f"Zeta Vendor {n:02d}" for n in range(48, 60)]
    # The search still finds a vendor wherever it would be in the list.
    found = client.get(reverse("portal:directory"), {"q": "Zeta Vendor 59"})
    assert cards(found) == ["Zeta Vendor 59"]


def program_vendor_queries(user) -> int:
    access.group_ids(user)
    access.organization_ids(user)
    with CaptureQueriesContext(connection) as captured:
        access.program_vendor_ids(user)
    return len(captured.captured_queries)


def test_vendor_people_see_their_own_program_without_reading_partnership_grants(channel):
    assert access.program_vendor_ids(channel.acme_manager) == (channel.acme.pk,)
    fresh = type(channel.acme_manager).objects.get(pk=channel.acme_manager.pk)
    assert program_vendor_queries(fresh) == 1  # their organizations' kinds; no scan of the vendor's partnerships


def test_a_person_in_a_vendor_and_a_partner_still_sees_both_programs(channel):
    person = channel.acme_manager
    Membership.objects.create(organization=channel.umbrella, user=person, role="member")
    person.groups.add(channel.umbrella.group)
    access.forget(person)
    # Acme (own vendor) and, as Umbrella, Acme again (active); Globex is suspended for Umbrella: no program.
    assert access.program_vendor_ids(person) == (channel.acme.pk,)
    Membership.objects.create(organization=channel.initech, user=person, role="member")
    person.groups.add(channel.initech.group)
    access.forget(person)
    assert access.program_vendor_ids(person) == tuple(sorted([channel.acme.pk, channel.globex.pk]))


def test_program_vendors_are_the_visible_vendors_with_program_access(channel):
    people = [
        channel.initech_admin,
        channel.umbrella_admin,
        channel.northwind_admin,
        channel.acme_admin,
        channel.globex_admin,
    ]
    for person in people:
        before = set(
            selectors.organizations_visible_to(person).filter(
                kind=Organization.Kind.VENDOR, id__in=access.program_vendor_ids(person)
            )
        )
        assert set(selectors.program_vendors(person)) == before, person
    assert set(selectors.program_vendors(channel.northwind_admin)) == {channel.globex}


def test_the_distributor_catalog_offers_its_vendors(client, channel):
    client.force_login(channel.northwind_admin)
    response = client.get(reverse("portal:catalog"))
    assert response.status_code == 200
    assert "Firewall Appliance" in response.content.decode()
    assert "Edge Router 100" not in response.content.decode()
