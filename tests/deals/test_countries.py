"""A registration's customer country comes from the ISO 3166 list: a searchable select on the pages, the code
stored, the name shown. A code of no country (``ZZ``) is a field error and writes nothing."""

import re

import pytest

from deals.models import DealRegistration
from tests import factories as f
from tests.deals.helpers import create_form, edit_form, url, written
from tests.portal.helpers import client_for, main_text

pytestmark = pytest.mark.django_db

COUNTRY_ERROR = "Choose a country from the list (its two-letter ISO 3166-1 code, e.g. DE or US)."


def _field_block(html: str, field_id: str) -> str:
    found = re.search(rf'<div class="field[^"]*">\s*<label for="{field_id}">.*?</div>', html, re.S)
    assert found, field_id
    return found.group(0)


def test_the_form_offers_the_countries_as_a_searchable_select(client, channel):
    page = client_for(client, channel.initech_rep).get(url("create") + f"?vendor={channel.acme.pk}")
    block = _field_block(page.content.decode(), "id_customer_country")
    assert re.search(r'<select name="customer_country"[^>]*data-filter=', block)
    assert '<option value="DE">Germany</option>' in block and '<option value="US">United States of America' in block
    assert 'value="ZZ"' not in block
    assert "js/select-filter.js" in page.content.decode()


@pytest.mark.parametrize("country", ["ZZ", "XX", "U1", "Germany"])
def test_a_customer_in_no_country_is_a_field_error_and_writes_nothing(client, channel, country):
    before = written()
    data = create_form(channel, customer_country=country)
    response = client_for(client, channel.initech_rep).post(url("create"), data)
    assert response.status_code == 400
    block = _field_block(response.content.decode(), "id_customer_country")
    assert "field-error" in block and COUNTRY_ERROR in block
    assert written() == before


def test_a_customer_country_is_stored_as_its_code_and_shown_by_its_name(client, channel):
    as_rep = client_for(client, channel.initech_rep)
    response = as_rep.post(url("create"), create_form(channel, customer_country="DE"))
    deal = DealRegistration.objects.get()
    assert response.status_code == 302 and deal.customer_country == "DE"
    assert "Country Germany" in main_text(as_rep.get(url("detail", deal)))


def test_editing_a_draft_to_no_country_is_refused(client, channel):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router, submit=False)
    response = client_for(client, channel.initech_rep).post(url("edit", deal), edit_form(deal, customer_country="ZZ"))
    assert response.status_code == 400 and COUNTRY_ERROR in main_text(response)
    deal.refresh_from_db()
    assert deal.customer_country == "US"
