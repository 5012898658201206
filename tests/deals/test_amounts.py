"""A registration's amount stays within what every page, list, export and total can read back.

A value past the bound (``core.numbers.AMOUNT``) is a field error in the edit form and the API, and the lines of a
registration cannot add up past it either. A row stored past it by an older version (written here with SQL, as that
version left it) still shows on every page and in the export, and the partner can correct it.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from core import numbers, tallies
from deals.models import DealRegistration, DealTally
from deals.tallies import DEAL_TOTALS
from tests import factories as f
from tests.api.helpers import API, errors, rows
from tests.deals.helpers import edit_form, url
from tests.deals.test_views_lists import csv_rows, titles
from tests.portal.helpers import client_for, main_text

pytestmark = pytest.mark.django_db

HUGE = "999999999999.9999"  # the schema's old pattern (16 digits, 4 decimals) allowed it


@pytest.fixture
def api():
    def make(user):
        client = APIClient()
        client.force_login(user)
        return client

    return make


def deal_url(deal) -> str:
    return f"{API}/deals/{deal.pk}/"


@pytest.mark.parametrize("amount", [HUGE, "10000000000.01", "1e13", "-0.01", "12.34567", "NaN", "Infinity"])
def test_an_amount_past_the_bound_is_a_field_error_in_the_api(api, channel, amount):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router)
    before = deal.amount
    body = errors(api(channel.initech_rep).patch(deal_url(deal), {"amount": amount}, format="json"))
    assert list(body) == ["amount"]
    deal.refresh_from_db()
    assert deal.amount == before


@pytest.mark.parametrize("currency", ["USD", "JPY", "KWD"])
def test_the_largest_amount_is_stored_and_read_back_in_every_currency(api, channel, currency):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router, submit=False)
    DealRegistration.objects.filter(pk=deal.pk).update(currency=currency)  # a draft: in no kept total
    client = api(channel.initech_rep)
    response = client.patch(deal_url(deal), {"amount": "9999999999.9999"}, format="json")
    assert response.status_code == 200, response.content
    deal.refresh_from_db()
    assert deal.amount == Decimal("10000000000")  # rounded to the currency's minor unit: still within the bound
    assert client.get(deal_url(deal)).json()["amount"].startswith("10000000000")
    assert any(row["id"] == deal.pk for row in rows(client.get(f"{API}/deals/")))


def test_an_amount_past_the_bound_is_a_field_error_in_the_edit_form(client, channel):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router)
    before = deal.amount
    client_for(client, channel.initech_rep)
    response = client.post(url("edit", deal), edit_form(deal, amount=HUGE))
    assert response.status_code == 400
    assert "less than or equal to 10000000000" in main_text(response)
    deal.refresh_from_db()
    assert deal.amount == before


def test_lines_cannot_add_up_past_the_bound(api, channel):
    """Each line is within its bounds (the largest price, the largest quantity); their total is not."""
    product = f.ProductFactory(vendor=channel.acme, sku="ACM-DC", name="Data centre", list_price=numbers.PRICE.maximum)
    body = {
        "vendor": channel.acme.pk,
        "title": "Hooli: every data centre",
        "customer_name": "Hooli Inc.",
        "customer_country": "US",
        "contact_name": "Gavin Belson",
        "expected_close_date": (timezone.localdate() + timedelta(days=60)).isoformat(),
        "lines": [{"product": product.pk, "quantity": numbers.QUANTITY.maximum}],
    }
    before = DealRegistration.objects.count()
    problems = errors(api(channel.initech_rep).post(f"{API}/deals/", body, format="json"))
    assert list(problems) == ["lines"]
    assert "add up to more than 10,000,000,000 USD" in problems["lines"][0]
    assert DealRegistration.objects.count() == before


def _store_as_an_older_version_did(deal, amount: str) -> None:
    """The amount written straight into the table, and the vendor's and distributor's kept totals with it (the
    older version kept them through its service)."""
    assert (DealRegistration._meta.db_table, DealTally._meta.db_table) == ("deals_dealregistration", "deals_dealtally")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE deals_dealregistration SET amount = %s WHERE id = %s", [Decimal(amount), deal.pk])
        cursor.execute(
            "UPDATE deals_dealtally SET amount = amount - %s + %s "
            "WHERE organization_id IN (%s, %s) AND status = %s AND currency = %s",
            [
                deal.amount,
                Decimal(amount),
                deal.vendor_id,
                deal.distributor_id or deal.vendor_id,
                deal.status,
                deal.currency,
            ],
        )


@pytest.mark.parametrize("amount", [HUGE, "1e15"])
def test_a_row_stored_past_the_bound_still_shows_everywhere_and_can_be_corrected(client, api, channel, amount):
    """On SQLite such a row once broke every list that met it (``InvalidOperation`` reading it back) and the
    export stopped after its header; on PostgreSQL it reads, and must still render."""
    if Decimal(amount) >= 10**12 and connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's numeric(16, 4) refuses to store it at all")
    deal = f.deal(channel.initech_rep, channel.initech, channel.globex, channel.globex_fw)  # through Northwind
    other = f.deal(channel.initech_rep, channel.initech, channel.globex, channel.globex_fw, customer_name="Pied Piper")
    _store_as_an_older_version_did(deal, amount)

    for person in (channel.initech_rep, channel.globex_admin, channel.northwind_admin):
        client_for(client, person)
        listed = client.get(url("list"))
        assert listed.status_code == 200
        assert {deal.title, other.title} <= set(titles(listed))
        detail = client.get(url("detail", deal))
        assert detail.status_code == 200
        assert "EUR" in main_text(detail)
        exported = {row["Reference"] for row in csv_rows(client.get(url("export")))}
        assert {deal.reference, other.reference} <= exported
        seen = api(person)
        assert {deal.pk, other.pk} <= {row["id"] for row in rows(seen.get(f"{API}/deals/"))}
        assert seen.get(deal_url(deal)).status_code == 200

    # The partner corrects it, on the page and through the API.
    client_for(client, channel.initech_rep)
    assert client.get(url("edit", deal)).status_code == 200
    response = client.post(url("edit", deal), {**edit_form(deal), "amount": "25000"})
    assert response.status_code == 302, main_text(response)
    deal.refresh_from_db()
    assert deal.amount == Decimal("25000")
    _store_as_an_older_version_did(deal, amount)
    response = api(channel.initech_rep).patch(deal_url(deal), {"amount": "26000"}, format="json")
    assert response.status_code == 200, response.content
    deal.refresh_from_db()
    assert deal.amount == Decimal("26000")
    # SQLite added and took away the huge amount in floating point: the kept totals lost their cents there, as
    # after any bulk repair. The recount the operator runs then (``manage.py recount_tallies``) rebuilds them.
    tallies.recount(DEAL_TOTALS)
