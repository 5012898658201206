"""A distributor's resellers, grouped by vendor."""

import re

from django.urls import reverse

from tests import factories as f
from tests.portal.helpers import client_for, main_text, queries_for
from vendors.models import Partnership

RESELLERS = reverse("portal:distribution")


def test_a_distributor_sees_the_resellers_it_serves_by_vendor_with_tier_and_status(client, channel):
    response = client_for(client, channel.northwind_admin).get(RESELLERS)
    assert response.status_code == 200
    page = main_text(response)
    assert "Globex Security" in page
    assert "Initech Solutions" in page and "Standard" in page and "Active" in page
    # Umbrella buys Globex directly, not through Northwind; Acme does not sell through Northwind.
    assert "Umbrella IT" not in page
    assert "Acme Networks" not in page


def test_the_vendor_filter_and_search(client, channel):
    hooli = f.vendor("Hooli Cloud")
    f.partnership(hooli, channel.umbrella, distributor=channel.northwind)
    f.partnership(hooli, f.partner("Pied Piper"), status=Partnership.Status.APPLIED, distributor=channel.northwind)
    client_for(client, channel.northwind_admin)

    page = main_text(client.get(RESELLERS))
    assert re.search(r"Globex Security .*Initech Solutions", page)
    assert re.search(r"Hooli Cloud .*Pied Piper .*Applied.*Umbrella IT", page)

    only_hooli = main_text(client.get(RESELLERS, {"vendor": hooli.pk}))
    assert "Umbrella IT" in only_hooli and "Initech Solutions" not in only_hooli

    searched = main_text(client.get(RESELLERS, {"q": "pied"}))
    assert "Pied Piper" in searched and "Umbrella IT" not in searched and "Initech" not in searched

    # A vendor that does not sell through Northwind is not a filter; a guessed id shows nothing extra.
    guessed = main_text(client.get(RESELLERS, {"vendor": channel.acme.pk}))
    assert "Acme Networks" not in guessed
    assert "Umbrella IT" in guessed and "Initech Solutions" in guessed  # the filter is ignored

    partial = client.get(RESELLERS, {"q": "pied"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="reseller-results")
    assert "<main" not in partial.content.decode() and "Pied Piper" in partial.content.decode()


def test_partners_and_vendors_have_no_reseller_page(client, channel):
    assert client_for(client, channel.initech_admin).get(RESELLERS).status_code == 302
    assert client_for(client, channel.acme_admin).get(RESELLERS).status_code == 302


def test_a_distributor_without_vendors_sees_what_to_do_next(client, db):
    lonely = f.distributor("Lonely Distribution")
    page = main_text(client_for(client, f.admin_of(lonely)).get(RESELLERS))
    assert "No vendors yet" in page


def test_the_reseller_page_runs_a_fixed_number_of_queries(client, channel):
    client_for(client, channel.northwind_admin)
    small = queries_for(client, RESELLERS)
    hooli = f.vendor("Hooli Cloud")
    for _ in range(8):
        f.partnership(hooli, f.partner(), distributor=channel.northwind)
        f.partnership(channel.globex, f.partner(), distributor=channel.northwind)
    assert queries_for(client, RESELLERS) <= small
