"""Each persona's API lists hold exactly its rows; a row it may not see is a 404, like one that is not there."""

import pytest

from tests.api.helpers import API, ids, rows
from vendors import services

pytestmark = pytest.mark.django_db

LISTS = ["organizations", "partnerships", "tiers", "products"]


@pytest.mark.parametrize("resource", LISTS)
def test_anonymous_is_refused(api, channel, resource):
    assert api().get(f"{API}/{resource}/").status_code in (401, 403)
    assert api().get(f"{API}/{resource}/1/").status_code in (401, 403)


def test_anonymous_cannot_apply(api, channel):
    response = api().post(f"{API}/partnerships/", {"vendor": channel.acme.pk, "message": "Hi"}, format="json")
    assert response.status_code in (401, 403)


def test_session_writes_need_the_csrf_token(api, channel):
    client = api(channel.acme_manager, enforce_csrf_checks=True)
    response = client.post(f"{API}/partnerships/{channel.umbrella_acme.pk}/suspend/", {"reason": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    channel.umbrella_acme.refresh_from_db()
    assert channel.umbrella_acme.status == "active"


# --- partnerships -------------------------------------------------------------------------------------------


def test_partner_rep_sees_own_partnerships_only(api, channel):
    response = api(channel.initech_rep).get(f"{API}/partnerships/")
    assert ids(response) == {channel.initech_acme.pk, channel.initech_globex.pk}


def test_vendor_manager_sees_its_vendors_partnerships_never_another_vendors(api, channel):
    response = api(channel.acme_manager).get(f"{API}/partnerships/")
    assert ids(response) == {channel.initech_acme.pk, channel.umbrella_acme.pk}
    assert {row["vendor"]["name"] for row in rows(response)} == {"Acme Networks"}


def test_distributor_sees_only_partnerships_through_it(api, channel):
    response = api(channel.northwind_admin).get(f"{API}/partnerships/")
    assert ids(response) == {channel.initech_globex.pk}
    (row,) = rows(response)
    assert row["distributor"] == {
        "id": channel.northwind.pk,
        "name": "Northwind Distribution",
        "slug": channel.northwind.slug,
    }


def test_partnership_rows_carry_nested_sides_and_tier(api, channel):
    response = api(channel.initech_rep).get(f"{API}/partnerships/{channel.initech_acme.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["vendor"] == {"id": channel.acme.pk, "name": "Acme Networks", "slug": channel.acme.slug}
    assert body["partner"]["name"] == "Initech Solutions"
    assert body["distributor"] is None
    assert body["tier"] == {"id": channel.gold.pk, "name": "Gold", "discount_percent": "30.00"}
    assert body["status"] == "active"
    assert body["started_at"]


@pytest.mark.parametrize(
    "persona, partnership",
    [
        ("initech_rep", "umbrella_acme"),
        ("initech_rep", "umbrella_globex"),
        ("acme_manager", "initech_globex"),
        ("acme_manager", "umbrella_globex"),
        ("globex_admin", "initech_acme"),
        ("northwind_admin", "umbrella_globex"),
        ("northwind_admin", "initech_acme"),
        ("umbrella_admin", "initech_acme"),
    ],
)
def test_guessed_partnership_ids_are_404(api, channel, persona, partnership):
    client = api(getattr(channel, persona))
    target = getattr(channel, partnership)
    response = client.get(f"{API}/partnerships/{target.pk}/")
    assert response.status_code == 404
    # The same answer as an id that does not exist.
    assert client.get(f"{API}/partnerships/999999/").json() == response.json()
    # Actions on it are 404 too, never 403 (that would confirm the row exists).
    for action in ("approve", "decline", "change-tier", "suspend", "reactivate", "end"):
        assert client.post(f"{API}/partnerships/{target.pk}/{action}/", {}, format="json").status_code == 404


def test_partnership_filters(api, channel):
    client = api(channel.globex_admin)
    assert ids(client.get(f"{API}/partnerships/?status=suspended")) == {channel.umbrella_globex.pk}
    assert ids(client.get(f"{API}/partnerships/?partner={channel.initech.pk}")) == {channel.initech_globex.pk}
    assert ids(client.get(f"{API}/partnerships/?vendor={channel.acme.pk}")) == set()
    client = api(channel.initech_admin)
    assert ids(client.get(f"{API}/partnerships/?vendor={channel.globex.pk}")) == {channel.initech_globex.pk}


def test_malformed_filters_are_field_errors(api, channel):
    client = api(channel.globex_admin)
    response = client.get(f"{API}/partnerships/?status=bogus&vendor=abc")
    assert response.status_code == 400
    assert set(response.json()) == {"status", "vendor"}


# --- organizations ------------------------------------------------------------------------------------------


def test_partner_sees_itself_its_counterparts_and_the_directory(api, channel):
    response = api(channel.initech_rep).get(f"{API}/organizations/")
    assert ids(response) == {channel.initech.pk, channel.acme.pk, channel.globex.pk, channel.northwind.pk}
    acme = next(row for row in rows(response) if row["id"] == channel.acme.pk)
    assert acme["kind"] == "vendor"
    assert acme["accepts_applications"] is True
    assert set(acme) == {
        "id",
        "name",
        "slug",
        "kind",
        "country",
        "website",
        "description",
        "accepts_applications",
        "program_criteria",
    }


def test_vendor_sees_its_partners_never_another_vendors(api, channel):
    # Globex is in the directory (it accepts applications); Northwind works only with Globex.
    response = api(channel.acme_manager).get(f"{API}/organizations/")
    assert ids(response) == {channel.acme.pk, channel.globex.pk, channel.initech.pk, channel.umbrella.pk}


def test_distributor_sees_its_vendors_and_resellers(api, channel):
    response = api(channel.northwind_admin).get(f"{API}/organizations/")
    assert ids(response) == {channel.northwind.pk, channel.globex.pk, channel.acme.pk, channel.initech.pk}


def test_organization_kind_filter_and_guessed_ids(api, channel):
    client = api(channel.initech_rep)
    assert ids(client.get(f"{API}/organizations/?kind=vendor")) == {channel.acme.pk, channel.globex.pk}
    assert client.get(f"{API}/organizations/{channel.umbrella.pk}/").status_code == 404
    assert client.get(f"{API}/organizations/{channel.initech.pk}/").json()["name"] == "Initech Solutions"
    assert client.get(f"{API}/organizations/abc/").status_code == 404


# --- tiers and products -------------------------------------------------------------------------------------


def test_tiers_visible_by_program_access(api, channel):
    assert ids(api(channel.acme_manager).get(f"{API}/tiers/")) == {channel.gold.pk, channel.silver.pk}
    assert ids(api(channel.initech_rep).get(f"{API}/tiers/")) == {
        channel.gold.pk,
        channel.silver.pk,
        channel.standard.pk,
    }
    # Umbrella's Globex partnership is suspended: no Globex program.
    assert ids(api(channel.umbrella_admin).get(f"{API}/tiers/")) == {channel.gold.pk, channel.silver.pk}
    assert api(channel.acme_manager).get(f"{API}/tiers/{channel.standard.pk}/").status_code == 404
    assert api(channel.umbrella_admin).get(f"{API}/tiers/{channel.standard.pk}/").status_code == 404
    response = api(channel.initech_rep).get(f"{API}/tiers/?vendor={channel.acme.pk}")
    assert [row["name"] for row in rows(response)] == ["Gold", "Silver"]


def test_products_visible_by_program_access(api, channel):
    assert ids(api(channel.initech_rep).get(f"{API}/products/")) == {channel.acme_router.pk, channel.globex_fw.pk}
    assert ids(api(channel.acme_manager).get(f"{API}/products/")) == {channel.acme_router.pk}
    assert ids(api(channel.northwind_admin).get(f"{API}/products/")) == {channel.globex_fw.pk}
    assert api(channel.acme_manager).get(f"{API}/products/{channel.globex_fw.pk}/").status_code == 404


def test_umbrella_sees_no_globex_products_after_suspension(api, channel):
    client = api(channel.umbrella_admin)
    assert ids(client.get(f"{API}/products/")) == {channel.acme_router.pk}
    assert client.get(f"{API}/products/{channel.globex_fw.pk}/").status_code == 404


def test_suspension_cuts_catalog_access_at_once(api, channel):
    client = api(channel.initech_rep)
    assert channel.globex_fw.pk in ids(client.get(f"{API}/products/"))
    services.partnership_suspend(actor=channel.globex_admin, partnership=channel.initech_globex, reason="Audit.")
    assert ids(client.get(f"{API}/products/")) == {channel.acme_router.pk}
    assert client.get(f"{API}/products/{channel.globex_fw.pk}/").status_code == 404
    # The partnership itself (its records) stays visible, with its new status.
    assert client.get(f"{API}/partnerships/{channel.initech_globex.pk}/").json()["status"] == "suspended"


def test_retired_products_only_for_the_vendors_own_people(api, channel):
    services.product_update(actor=channel.acme_manager, product=channel.acme_router, active=False)
    assert ids(api(channel.acme_member).get(f"{API}/products/")) == {channel.acme_router.pk}
    assert ids(api(channel.initech_rep).get(f"{API}/products/")) == {channel.globex_fw.pk}


def test_product_filters(api, channel):
    from tests import factories as f

    f.ProductFactory(vendor=channel.acme, sku="ACM-SW24", name="Switch 24", category="Switching")
    client = api(channel.initech_rep)
    skus = lambda response: {row["sku"] for row in rows(response)}  # noqa: E731
    assert skus(client.get(f"{API}/products/?vendor={channel.globex.pk}")) == {"GLX-FW"}
    assert skus(client.get(f"{API}/products/?q=switch")) == {"ACM-SW24"}
    assert skus(client.get(f"{API}/products/?category=Switching")) == {"ACM-SW24"}
    assert client.get(f"{API}/products/?vendor=x").status_code == 400


def test_a_person_without_an_organization_sees_nothing(api, channel):
    from tests.factories import UserFactory

    client = api(UserFactory())
    for resource in LISTS:
        assert rows(client.get(f"{API}/{resource}/")) == []
    assert client.get(f"{API}/partnerships/{channel.initech_acme.pk}/").status_code == 404


def test_not_found_says_nothing_more(api, channel):
    client = api(channel.acme_manager)
    response = client.get(f"{API}/products/{channel.globex_fw.pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_empty_filters_are_no_filters(api, channel):
    client = api(channel.acme_manager)
    everything = ids(client.get(f"{API}/partnerships/"))
    assert ids(client.get(f"{API}/partnerships/?status=&vendor=&partner=")) == everything
    assert ids(client.get(f"{API}/organizations/?kind=")) == ids(client.get(f"{API}/organizations/"))


def test_out_of_range_ids_are_404_or_field_errors_never_500(api, channel):
    huge = 10**20
    client = api(channel.acme_manager)
    assert client.get(f"{API}/partnerships/{huge}/").status_code == 404
    assert list(client.get(f"{API}/partnerships/?vendor={huge}").json()) == ["vendor"]
    for resource in LISTS:
        assert client.get(f"{API}/{resource}/{huge}/").status_code == 404
    response = client.post(f"{API}/partnerships/{channel.umbrella_acme.pk}/change-tier/", {"tier": huge}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["tier"]
