"""The vendor acts on partnerships from the console: applications, tiers, suspension, reactivation, the end."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests import factories as f
from vendors import selectors
from vendors.models import Partnership, PartnershipEvent

pytestmark = pytest.mark.django_db


def fresh(user):
    """The person as a new request would load them (nothing cached from earlier requests)."""
    return get_user_model().objects.get(pk=user.pk)


def vendor_ids_in_catalog(user, organization):
    products, _ = selectors.catalog(fresh(user), organization)
    return set(products.values_list("vendor_id", flat=True))


@pytest.fixture
def hooli(channel):
    """A partner who applied to Acme and waits for an answer."""
    org = f.partner("Hooli", country="US")
    channel.hooli = org
    channel.hooli_admin = f.admin_of(org)
    channel.hooli_acme = f.partnership(channel.acme, org, status=Partnership.Status.APPLIED)
    Partnership.objects.filter(pk=channel.hooli_acme.pk).update(
        application_message="We resell networking gear to 300 schools.",
        application_region="US West",
        application_annual_revenue="$5M",
    )
    return channel


@pytest.fixture
def manager_client(client, channel):
    client.force_login(channel.acme_manager)
    return client


# --- applications -------------------------------------------------------------------------------------------


def test_applications_page_lists_pending_applications_with_their_details(manager_client, hooli):
    html = manager_client.get(reverse("console:applications")).content.decode()
    assert "Hooli" in html
    assert "We resell networking gear to 300 schools." in html
    assert "US West" in html
    assert "$5M" in html
    # Active partners are not applications.
    assert "Initech Solutions" not in html
    # Each application has its approve (with the vendor's tiers) and decline forms.
    assert reverse("console:partnership_approve", args=[hooli.hooli_acme.pk]) in html
    assert reverse("console:partnership_decline", args=[hooli.hooli_acme.pk]) in html
    assert ">Gold<" in html and ">Silver<" in html
    assert "Standard" not in html  # Globex's tier


def test_applications_empty_state_says_what_to_do(manager_client, channel):
    html = manager_client.get(reverse("console:applications")).content.decode()
    assert "No applications waiting" in html


def test_approve_from_applications_page_gives_the_partner_access(manager_client, hooli):
    assert hooli.acme.pk not in vendor_ids_in_catalog(hooli.hooli_admin, hooli.hooli)
    response = manager_client.post(
        reverse("console:partnership_approve", args=[hooli.hooli_acme.pk]),
        {"tier": hooli.silver.pk, "distributor": "", "next": reverse("console:applications")},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("console:applications")
    page = manager_client.get(response["Location"]).content.decode()
    assert "Hooli is now your partner." in page
    p = Partnership.objects.get(pk=hooli.hooli_acme.pk)
    assert p.status == Partnership.Status.ACTIVE
    assert p.tier == hooli.silver
    # The partner sees Acme's catalog at once, with its Silver price.
    assert hooli.acme.pk in vendor_ids_in_catalog(hooli.hooli_admin, hooli.hooli)
    assert hooli.acme_router in selectors.products_visible_to(fresh(hooli.hooli_admin))
    # And it is in Acme's partner list.
    assert "Hooli" in manager_client.get(reverse("console:partners") + "?status=active").content.decode()


def test_approve_with_a_distributor_of_the_vendor(client, channel):
    p = f.partnership(channel.globex, f.partner("Pied Piper"), status=Partnership.Status.APPLIED)
    client.force_login(channel.globex_admin)
    response = client.post(
        reverse("console:partnership_approve", args=[p.pk]),
        {"tier": channel.standard.pk, "distributor": channel.northwind.pk},
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.distributor == channel.northwind
    assert p.status == Partnership.Status.ACTIVE


def test_approve_refuses_another_vendors_tier_and_a_foreign_distributor(manager_client, hooli):
    url = reverse("console:partnership_approve", args=[hooli.hooli_acme.pk])
    response = manager_client.post(url, {"tier": hooli.standard.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    response = manager_client.post(url, {"tier": hooli.gold.pk, "distributor": hooli.northwind.pk})
    assert response.status_code == 400  # Acme does not sell through Northwind
    response = manager_client.post(url, {})
    assert response.status_code == 400
    assert "Choose a tier." in response.content.decode()
    assert Partnership.objects.get(pk=hooli.hooli_acme.pk).status == Partnership.Status.APPLIED


def test_decline_needs_a_reason_and_the_partner_sees_it(manager_client, hooli):
    url = reverse("console:partnership_decline", args=[hooli.hooli_acme.pk])
    response = manager_client.post(url, {"reason": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Tell the partner why" in html
    assert 'aria-invalid="true"' in html
    assert Partnership.objects.get(pk=hooli.hooli_acme.pk).status == Partnership.Status.APPLIED

    response = manager_client.post(url, {"reason": "We already cover the US West region."})
    assert response.status_code == 302
    assert response["Location"] == reverse("console:partner_detail", args=[hooli.hooli_acme.pk])
    seen_by_partner = selectors.partnerships_visible_to(fresh(hooli.hooli_admin)).get(pk=hooli.hooli_acme.pk)
    assert seen_by_partner.status == Partnership.Status.DECLINED
    assert seen_by_partner.decline_reason == "We already cover the US West region."
    assert hooli.acme.pk not in vendor_ids_in_catalog(hooli.hooli_admin, hooli.hooli)


def test_acting_on_a_partnership_in_the_wrong_state_shows_the_reason(manager_client, channel):
    response = manager_client.post(
        reverse("console:partnership_approve", args=[channel.initech_acme.pk]), {"tier": channel.silver.pk}
    )
    assert response.status_code == 400
    assert "Only a pending application can be approved." in response.content.decode()
    response = manager_client.post(reverse("console:partnership_reactivate", args=[channel.initech_acme.pk]))
    assert response.status_code == 400
    assert "Only a suspended partnership can be reactivated." in response.content.decode()


# --- the partnership page and its actions -------------------------------------------------------------------


def test_partnership_page_shows_application_history_and_the_actions_for_its_status(manager_client, hooli):
    html = manager_client.get(reverse("console:partner_detail", args=[hooli.hooli_acme.pk])).content.decode()
    assert "Hooli" in html
    assert "We resell networking gear to 300 schools." in html
    assert "Applied" in html
    assert "Approve" in html and "Decline" in html
    assert "Suspend" not in html

    html = manager_client.get(reverse("console:partner_detail", args=[hooli.initech_acme.pk])).content.decode()
    assert "Approved into Gold." in html  # the history
    for action in ("partnership_tier", "partnership_suspend", "partnership_end"):
        assert reverse(f"console:{action}", args=[hooli.initech_acme.pk]) in html
    assert reverse("console:partnership_reactivate", args=[hooli.initech_acme.pk]) not in html


def test_change_tier(manager_client, channel):
    url = reverse("console:partnership_tier", args=[channel.initech_acme.pk])
    response = manager_client.post(url, {"tier": channel.gold.pk})
    assert response.status_code == 400
    assert "already in this tier" in response.content.decode()

    response = manager_client.post(url, {"tier": channel.silver.pk}, follow=True)
    assert response.status_code == 200
    assert "Initech Solutions moved to a new tier." in response.content.decode()
    assert "Gold → Silver" in response.content.decode()
    channel.initech_acme.refresh_from_db()
    assert channel.initech_acme.tier == channel.silver
    _, price_for = selectors.catalog(fresh(channel.initech_rep), channel.initech)
    assert str(price_for(channel.acme_router).buy_price) == "1039.99"  # 20 % off 1299.99


def test_suspend_cuts_the_partners_catalog_at_once_and_reactivate_restores_it(manager_client, channel):
    assert channel.acme.pk in vendor_ids_in_catalog(channel.umbrella_admin, channel.umbrella)
    url = reverse("console:partnership_suspend", args=[channel.umbrella_acme.pk])
    response = manager_client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert "Tell the partner why you suspend them." in response.content.decode()

    response = manager_client.post(url, {"reason": "Certification lapsed."}, follow=True)
    assert "Umbrella IT is suspended" in response.content.decode()
    channel.umbrella_acme.refresh_from_db()
    assert channel.umbrella_acme.status == Partnership.Status.SUSPENDED
    assert channel.umbrella_acme.status_reason == "Certification lapsed."
    assert channel.acme.pk not in vendor_ids_in_catalog(channel.umbrella_admin, channel.umbrella)
    # The other partner keeps Acme.
    assert channel.acme.pk in vendor_ids_in_catalog(channel.initech_rep, channel.initech)

    html = manager_client.get(reverse("console:partner_detail", args=[channel.umbrella_acme.pk])).content.decode()
    assert reverse("console:partnership_reactivate", args=[channel.umbrella_acme.pk]) in html
    assert reverse("console:partnership_suspend", args=[channel.umbrella_acme.pk]) not in html

    response = manager_client.post(reverse("console:partnership_reactivate", args=[channel.umbrella_acme.pk]))
    assert response.status_code == 302
    channel.umbrella_acme.refresh_from_db()
    assert channel.umbrella_acme.status == Partnership.Status.ACTIVE
    assert channel.acme.pk in vendor_ids_in_catalog(channel.umbrella_admin, channel.umbrella)


def test_end_needs_reason_and_confirmation(manager_client, channel):
    url = reverse("console:partnership_end", args=[channel.initech_acme.pk])
    response = manager_client.post(url, {"reason": "Program closed in your region."})
    assert response.status_code == 400
    assert "Tick the box to confirm." in response.content.decode()
    channel.initech_acme.refresh_from_db()
    assert channel.initech_acme.status == Partnership.Status.ACTIVE

    response = manager_client.post(url, {"reason": "Program closed in your region.", "confirm": "on"}, follow=True)
    assert "The partnership with Initech Solutions has ended." in response.content.decode()
    channel.initech_acme.refresh_from_db()
    assert channel.initech_acme.status == Partnership.Status.ENDED
    assert channel.acme.pk not in vendor_ids_in_catalog(channel.initech_rep, channel.initech)
    # Initech still sees the ended partnership and its reason (its records stay visible).
    seen = selectors.partnerships_visible_to(fresh(channel.initech_rep)).get(pk=channel.initech_acme.pk)
    assert seen.status_reason == "Program closed in your region."
    # The vendor sees no more actions, and the history records the end.
    html = response.content.decode()
    assert reverse("console:partnership_suspend", args=[channel.initech_acme.pk]) not in html
    kinds = list(PartnershipEvent.objects.filter(partnership=channel.initech_acme).values_list("kind", flat=True))
    assert PartnershipEvent.Kind.ENDED in kinds


def test_an_ended_partnership_can_be_ended_only_once(manager_client, channel):
    url = reverse("console:partnership_end", args=[channel.initech_acme.pk])
    manager_client.post(url, {"reason": "Closed.", "confirm": "on"})
    response = manager_client.post(url, {"reason": "Again.", "confirm": "on"})
    assert response.status_code == 400
    assert "Only a current partnership can be ended." in response.content.decode()


def test_next_url_elsewhere_is_ignored(manager_client, channel):
    response = manager_client.post(
        reverse("console:partnership_suspend", args=[channel.initech_acme.pk]),
        {"reason": "Late.", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("console:partner_detail", args=[channel.initech_acme.pk])


def test_admin_acts_too(client, channel):
    client.force_login(channel.acme_admin)
    response = client.post(reverse("console:partnership_suspend", args=[channel.initech_acme.pk]), {"reason": "Late."})
    assert response.status_code == 302
