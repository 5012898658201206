"""The partner's home: every vendor it works with, tier, status and what is new."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.portal.helpers import client_for, main_text, more_vendors, queries_for
from vendors import services
from vendors.middleware import SESSION_KEY
from vendors.models import Membership, Partnership

HOME = reverse("portal:home")


def test_anonymous_people_are_sent_to_log_in(client, db):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_partner_rep_sees_their_vendors_with_tier_and_status(client, channel):
    response = client_for(client, channel.initech_rep).get(HOME)
    assert response.status_code == 200
    page = main_text(response)
    assert "My vendors" in page
    assert "Acme Networks" in page and "Globex Security" in page
    assert "Gold" in page and "Standard" in page
    assert "30 % off list" in page
    assert "Northwind Distribution" in page  # Globex through Northwind
    assert "Silver" not in page  # Umbrella's tier at Acme
    assert reverse("portal:vendor_detail", args=["acme-networks"]) in response.content.decode()
    assert f"{reverse('portal:catalog')}?vendor={channel.acme.pk}" in response.content.decode()


def test_umbrella_sees_globex_as_suspended_with_the_reason_and_no_catalog_link(client, channel):
    response = client_for(client, channel.umbrella_admin).get(HOME)
    page = main_text(response)
    assert "Globex Security" in page
    assert "Suspended" in page
    assert "Globex Security's reason: Overdue certification." in page
    html = response.content.decode()
    assert f"?vendor={channel.globex.pk}" not in html
    assert f"?vendor={channel.acme.pk}" in html
    assert "Gold" not in page  # Initech's tier at Acme


def test_whats_new_shows_new_products_and_recent_events_with_dates(client, channel):
    services.partnership_change_tier(actor=channel.acme_admin, partnership=channel.umbrella_acme, tier=channel.gold)
    f.ProductFactory(vendor=channel.acme, name="Switch 48")
    old = f.ProductFactory(vendor=channel.acme, name="Old Switch")
    old.created_at = timezone.now() - timedelta(days=90)
    old.save()
    page = main_text(client_for(client, channel.umbrella_admin).get(HOME))
    # The router from the fixture and Switch 48 are new; the 90-day-old switch is not.
    assert "2 new products in the catalog" in page
    assert "Tier changed Silver → Gold" in page
    assert timezone.now().strftime("%-d %b %Y") in page


def test_an_application_and_a_declined_one_show_their_state_and_the_vendors_reason(client, channel):
    hooli = f.vendor("Hooli Cloud")
    f.partnership(hooli, channel.initech, status=Partnership.Status.APPLIED)
    wayne = f.vendor("Wayne Storage")
    f.partnership(wayne, channel.initech, status=Partnership.Status.DECLINED)
    page = main_text(client_for(client, channel.initech_rep).get(HOME))
    assert "Hooli Cloud" in page and "Applied" in page and "will review it" in page
    assert "Wayne Storage" in page and "Declined" in page
    assert "Wayne Storage's reason: Not a fit right now." in page


def test_a_partner_without_vendors_is_pointed_to_the_directory(client, db):
    lonely = f.partner("Lonely Partners")
    response = client_for(client, f.admin_of(lonely)).get(HOME)
    page = main_text(response)
    assert "No vendors yet" in page
    assert reverse("portal:directory") in response.content.decode()


def test_vendor_people_go_to_their_console(client, channel):
    response = client_for(client, channel.acme_manager).get(HOME)
    assert response.status_code == 302
    assert response["Location"] == reverse("console:partners")


def test_distributor_people_go_to_their_resellers(client, channel):
    response = client_for(client, channel.northwind_admin).get(HOME)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:distribution")


def test_a_person_without_an_organization_learns_they_need_an_invitation(client, db):
    response = client_for(client, f.UserFactory(email="nobody@example.com")).get(HOME)
    assert response.status_code == 200
    page = main_text(response)
    assert "not in an organization yet" in page
    assert "invite nobody@example.com" in page


def test_a_suspended_organization_is_closed_to_its_people(client, channel):
    root = f.UserFactory(is_superuser=True, is_staff=True)
    services.organization_set_status(actor=root, organization=channel.umbrella, status="suspended")
    page = main_text(client_for(client, channel.umbrella_admin).get(HOME))
    assert "not in an organization yet" in page
    assert "Globex" not in page


def test_home_runs_a_fixed_number_of_queries(client, channel):
    client_for(client, channel.initech_rep)
    small = queries_for(client, HOME)
    more_vendors(6, partner=channel.initech)
    more_vendors(3, partner=channel.initech, status=Partnership.Status.APPLIED)
    more_vendors(2, partner=channel.initech, status=Partnership.Status.SUSPENDED)
    assert queries_for(client, HOME) <= small


# --- the organization switcher -----------------------------------------------------------------------------


@pytest.fixture
def consultant(channel):
    """A person in two organizations: a rep at Initech and an admin at Umbrella."""
    person = f.member(channel.initech, Membership.Role.MEMBER, email="consultant@example.com")
    services.membership_add(organization=channel.umbrella, user=person, role=Membership.Role.ADMIN)
    return person


def test_the_switcher_lists_both_organizations_and_switches(client, channel, consultant):
    client_for(client, consultant, channel.initech)
    response = client.get(HOME)
    html = response.content.decode()
    assert 'id="org-switcher"' in html and "Umbrella IT" in html
    assert "Gold" in main_text(response)

    response = client.post(reverse("portal:switch_organization"), {"organization": channel.umbrella.pk})
    assert response.status_code == 302 and response["Location"] == HOME
    assert client.session[SESSION_KEY] == channel.umbrella.pk
    page = main_text(client.get(HOME))
    assert "Silver" in page and "Suspended" in page


def test_switching_to_an_organization_one_is_not_in_is_a_404(client, channel, consultant):
    client_for(client, consultant, channel.initech)
    for other in (channel.acme.pk, channel.northwind.pk, 999999, "nonsense"):
        response = client.post(reverse("portal:switch_organization"), {"organization": other})
        assert response.status_code == 404
    assert client.session[SESSION_KEY] == channel.initech.pk


def test_switching_needs_a_post(client, channel, consultant):
    client_for(client, consultant, channel.initech)
    assert client.get(reverse("portal:switch_organization")).status_code == 405
