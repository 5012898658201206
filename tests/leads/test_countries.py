"""A lead's country comes from the ISO 3166 list: a searchable select on the page, the code stored, the name
shown; a partner's coverage names countries of the list too. ``ZZ`` is a field error and writes nothing."""

import pytest
from django.urls import reverse

from leads.models import Lead, LeadCoverage
from tests.portal.helpers import client_for, main_text

pytestmark = pytest.mark.django_db

COUNTRY_ERROR = "Choose a country from the list (its two-letter ISO 3166-1 code, e.g. DE or US)."


def url(name, *args):
    return reverse(f"leads:{name}", args=[a.pk if hasattr(a, "pk") else a for a in args])


def test_a_lead_in_no_country_is_a_field_error(client, world):
    page = client_for(client, world.manager).get(url("create")).content.decode()
    assert 'data-filter="' in page and '<option value="DE">Germany</option>' in page
    response = client.post(url("create"), {"company": "Tejas Freight", "contact_name": "Rosa Vega", "country": "ZZ"})
    assert response.status_code == 400 and COUNTRY_ERROR in main_text(response)
    assert not Lead.objects.exists()


def test_a_lead_is_shown_with_its_countrys_name(client, world):
    as_manager = client_for(client, world.manager)
    response = as_manager.post(url("create"), {"company": "Bavaria Motors", "contact_name": "Jonas", "country": "DE"})
    lead = Lead.objects.get()
    assert response.status_code == 302 and lead.country == "DE"
    assert "Where Germany" in main_text(as_manager.get(url("detail", lead)))


def test_coverage_of_no_country_is_refused(client, world):
    before = list(LeadCoverage.objects.values_list("partnership", "countries"))
    response = client_for(client, world.manager).post(
        url("coverage", world.hooli_acme), {"countries": "DE, ZZ", "accepts_leads": "on"}
    )
    assert response.status_code == 400 and "Not countries (use their ISO 3166-1 codes, e.g. DE or US): ZZ." in (
        main_text(response)
    )
    assert list(LeadCoverage.objects.values_list("partnership", "countries")) == before
