"""Who may use the vendor console: vendors' people only; members read, admins and managers act."""

import pytest
from django.urls import reverse

from tests import factories as f
from vendors.models import Partnership

pytestmark = pytest.mark.django_db

GET_PAGES = ["console:partners", "console:applications", "console:tiers", "console:catalog", "console:program"]


def _login(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", [*GET_PAGES, "console:tier_create", "console:product_create"])
def test_anonymous_people_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


@pytest.mark.parametrize("who", ["initech_admin", "initech_rep", "northwind_admin"])
@pytest.mark.parametrize("name", GET_PAGES)
def test_partners_and_distributors_have_no_console(client, channel, who, name):
    _login(client, getattr(channel, who))
    assert client.get(reverse(name)).status_code == 404


def test_partner_cannot_reach_a_partnership_page_or_act_from_the_console(client, channel):
    _login(client, channel.initech_admin)
    pk = channel.initech_acme.pk
    assert client.get(reverse("console:partner_detail", args=[pk])).status_code == 404
    response = client.post(reverse("console:partnership_suspend", args=[pk]), {"reason": "x"})
    assert response.status_code == 404
    channel.initech_acme.refresh_from_db()
    assert channel.initech_acme.status == Partnership.Status.ACTIVE


def test_person_without_organization_gets_404(client, db):
    _login(client, f.UserFactory())
    assert client.get(reverse("console:partners")).status_code == 404


@pytest.mark.parametrize("who", ["acme_admin", "acme_manager", "acme_member"])
@pytest.mark.parametrize("name", GET_PAGES)
def test_every_vendor_role_reads_the_console(client, channel, who, name):
    _login(client, getattr(channel, who))
    assert client.get(reverse(name)).status_code == 200


def test_acme_sees_its_partners_and_never_globex_partnerships(client, channel):
    _login(client, channel.acme_manager)
    html = client.get(reverse("console:partners")).content.decode()
    assert "Initech Solutions" in html
    assert "Umbrella IT" in html
    # Globex's partnerships (Initech via Northwind, Umbrella suspended) are not Acme's business.
    assert "Northwind" not in html
    assert reverse("console:partner_detail", args=[channel.initech_globex.pk]) not in html
    assert reverse("console:partner_detail", args=[channel.umbrella_globex.pk]) not in html


@pytest.mark.parametrize(
    "name", ["partnership_approve", "partnership_decline", "partnership_tier", "partnership_suspend", "partnership_end"]
)
def test_another_vendors_partnership_is_404_on_every_url(client, channel, name):
    _login(client, channel.acme_manager)
    pk = channel.initech_globex.pk
    assert client.get(reverse("console:partner_detail", args=[pk])).status_code == 404
    response = client.post(
        reverse(f"console:{name}", args=[pk]), {"reason": "x", "tier": channel.gold.pk, "confirm": "on"}
    )
    assert response.status_code == 404
    channel.initech_globex.refresh_from_db()
    assert channel.initech_globex.status == Partnership.Status.ACTIVE
    assert channel.initech_globex.tier == channel.standard


def test_a_guessed_partnership_id_is_404(client, channel):
    _login(client, channel.acme_admin)
    assert client.get(reverse("console:partner_detail", args=[999999])).status_code == 404


def test_partnership_page_does_not_show_the_partners_other_vendors(client, channel):
    _login(client, channel.acme_manager)
    html = client.get(reverse("console:partner_detail", args=[channel.initech_acme.pk])).content.decode()
    assert "Initech Solutions" in html
    assert "Globex" not in html
    assert "Northwind" not in html


def test_another_vendors_tier_and_product_are_404(client, channel):
    _login(client, channel.acme_admin)
    assert client.get(reverse("console:tier_edit", args=[channel.standard.pk])).status_code == 404
    assert client.post(reverse("console:tier_delete", args=[channel.standard.pk])).status_code == 404
    assert client.get(reverse("console:product_edit", args=[channel.globex_fw.pk])).status_code == 404
    response = client.post(
        reverse("console:product_edit", args=[channel.globex_fw.pk]),
        {"sku": "GLX-FW", "name": "Hacked", "list_price": "1", "currency": "EUR", "active": "on"},
    )
    assert response.status_code == 404
    channel.globex_fw.refresh_from_db()
    assert channel.globex_fw.name == "Firewall Appliance"
    assert channel.standard.__class__.objects.filter(pk=channel.standard.pk).exists()


# --- members read, and are refused every action ----------------------------------------------------------------


def _member_posts(channel, applied):
    p = channel.initech_acme.pk
    return [
        (reverse("console:partnership_approve", args=[applied.pk]), {"tier": channel.gold.pk}),
        (reverse("console:partnership_decline", args=[applied.pk]), {"reason": "No."}),
        (reverse("console:partnership_tier", args=[p]), {"tier": channel.silver.pk}),
        (reverse("console:partnership_suspend", args=[p]), {"reason": "No."}),
        (reverse("console:partnership_reactivate", args=[channel.umbrella_acme.pk]), {}),
        (reverse("console:partnership_end", args=[p]), {"reason": "No.", "confirm": "on"}),
        (reverse("console:tier_create"), {"name": "Bronze", "rank": 1, "discount_percent": "5"}),
        (
            reverse("console:tier_edit", args=[channel.gold.pk]),
            {"name": "Platinum", "rank": 9, "discount_percent": "50", "deal_protection_days": 90},
        ),
        (reverse("console:tier_delete", args=[channel.silver.pk]), {}),
        (
            reverse("console:product_create"),
            {"sku": "NEW-1", "name": "New", "list_price": "10", "currency": "USD", "active": "on"},
        ),
        (
            reverse("console:product_edit", args=[channel.acme_router.pk]),
            {"sku": "ACM-R100", "name": "Renamed", "list_price": "1", "currency": "USD", "active": "on"},
        ),
        (reverse("console:program"), {"accepts_applications": "", "program_criteria": "Closed."}),
    ]


def test_member_is_refused_every_action_with_403_and_nothing_changes(client, channel):
    hooli = f.partner("Hooli")
    applied = f.partnership(channel.acme, hooli, status=Partnership.Status.APPLIED)
    f.TierFactory(vendor=channel.acme, name="Unused")
    _login(client, channel.acme_member)
    before = {
        "partnerships": list(Partnership.objects.order_by("pk").values_list("pk", "status", "tier_id")),
        "tiers": list(channel.gold.__class__.objects.order_by("pk").values_list("pk", "name", "discount_percent")),
        "products": list(channel.acme_router.__class__.objects.order_by("pk").values_list("pk", "name", "list_price")),
    }
    for url, data in _member_posts(channel, applied):
        assert client.post(url, data).status_code == 403, url
    after = {
        "partnerships": list(Partnership.objects.order_by("pk").values_list("pk", "status", "tier_id")),
        "tiers": list(channel.gold.__class__.objects.order_by("pk").values_list("pk", "name", "discount_percent")),
        "products": list(channel.acme_router.__class__.objects.order_by("pk").values_list("pk", "name", "list_price")),
    }
    assert after == before
    channel.acme.refresh_from_db()
    assert channel.acme.accepts_applications is True


def test_member_gets_403_on_the_forms_that_only_write(client, channel):
    _login(client, channel.acme_member)
    assert client.get(reverse("console:tier_create")).status_code == 403
    assert client.get(reverse("console:product_create")).status_code == 403
    assert client.get(reverse("console:tier_edit", args=[channel.gold.pk])).status_code == 403


def test_member_sees_no_action_forms(client, channel):
    hooli = f.partner("Hooli")
    applied = f.partnership(channel.acme, hooli, status=Partnership.Status.APPLIED)
    _login(client, channel.acme_member)
    detail = client.get(reverse("console:partner_detail", args=[channel.initech_acme.pk])).content.decode()
    assert reverse("console:partnership_suspend", args=[channel.initech_acme.pk]) not in detail
    assert "admins and managers act on it" in detail
    apps = client.get(reverse("console:applications")).content.decode()
    assert "Hooli" in apps
    assert reverse("console:partnership_approve", args=[applied.pk]) not in apps
    tiers = client.get(reverse("console:tiers")).content.decode()
    assert reverse("console:tier_create") not in tiers
    program = client.get(reverse("console:program")).content.decode()
    assert 'type="submit"' not in program.split("<main")[1].split("</main>")[0]
