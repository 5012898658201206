"""Every kept count moves one way (core.tallies): rows locked in primary key order, then updated; one command
recounts every app's tallies; and a tally that drifts from its records is found."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core import tallies
from deals.models import DealTally
from deals.tallies import DEAL_TOTALS
from leads.models import LeadTally
from leads.tallies import LEAD_COUNTS
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_every_app_declares_its_tallies_in_its_own_folder():
    assert [t.label for t in tallies.registered()] == ["deals.DealTally", "leads.LeadTally"]


def test_a_move_inserts_what_is_missing_then_locks_the_rows_in_key_order_and_updates_them(channel):
    acme, northwind = channel.acme.pk, channel.northwind.pk
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        tallies.move(DEAL_TOTALS, {(northwind, "approved", "EUR"): (1, 10), (acme, "approved", "USD"): (2, 5)})
    assert tallies.kept(DEAL_TOTALS) == {(acme, "approved", "USD"): (2, 5), (northwind, "approved", "EUR"): (1, 10)}
    statements = [q["sql"] for q in ctx.captured_queries if "deals_dealtally" in q["sql"]]
    assert len(statements) == 3, statements  # insert the missing rows, lock them, update them
    assert statements[0].startswith("INSERT")
    if connection.vendor == "postgresql":
        assert "ON CONFLICT DO NOTHING" in statements[0]
        assert statements[1].endswith('ORDER BY "deals_dealtally"."id" ASC FOR UPDATE'), statements[1]
    assert statements[2].startswith("UPDATE")

    with transaction.atomic():
        tallies.move(DEAL_TOTALS, {(acme, "approved", "USD"): (-2, -5), (acme, "rejected", "USD"): (0, 0)})
    assert tallies.kept(DEAL_TOTALS) == {(northwind, "approved", "EUR"): (1, 10)}
    assert not DealTally.objects.filter(status="rejected").exists()  # nothing to add: no row
    DealTally.objects.all().delete()  # the moves above counted no registration


@pytest.mark.django_db(transaction=True)
def test_a_move_outside_a_transaction_is_refused(channel):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        tallies.move(LEAD_COUNTS, {(channel.acme.pk, False, "unassigned"): 1})
    assert not LeadTally.objects.exists()


def test_a_tally_that_drifts_from_its_records_is_found_and_the_one_command_recounts_every_tally(channel, capsys):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router)
    assert tallies.differences() == {}
    DealTally.objects.filter(organization=channel.acme).update(count=7)
    LeadTally.objects.create(organization=channel.acme, status="unassigned", count=3)
    key = (channel.acme.pk, deal.status, deal.currency)
    assert tallies.differences() == {
        "deals.DealTally": {key: ((7, deal.amount), (1, deal.amount))},
        "leads.LeadTally": {(channel.acme.pk, False, "unassigned"): ((3,), None)},
    }

    call_command("recount_tallies")
    assert tallies.differences() == {}
    out = capsys.readouterr().out
    assert "Recounted deals.DealTally: 1 rows." in out and "Recounted leads.LeadTally: 0 rows." in out
    with pytest.raises(CommandError, match="No tally deals.Nothing"):
        call_command("recount_tallies", "deals.Nothing")
