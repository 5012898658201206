"""The totals a vendor's and a distributor's deal lists show come from totals kept by the services (so a channel
of hundreds of thousands of registrations is not added up on every view): they always equal what the list
holds, filtered or not, in the HTML and the API; and ``recount_tallies`` rebuilds them."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from deals import services
from deals.models import DealTally
from tests import factories as f
from tests.deals.helpers import url
from tests.deals.service_helpers import tallies_counted, tallies_kept
from tests.portal.helpers import client_for, main_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(channel):
    """At Acme: Initech's registration under review (10 routers), Umbrella's rejected one (2), Initech's draft.
    At Globex through Northwind: Initech's firewall."""
    c = channel
    c.review = f.deal(
        c.initech_rep,
        c.initech,
        c.acme,
        c.acme_router,
        customer_name="Hooli",
        customer_website="hooli.com",
        quantity=10,
    )
    c.rejected = f.deal(
        c.umbrella_admin,
        c.umbrella,
        c.acme,
        c.acme_router,
        customer_name="Vandelay",
        customer_website="v.com",
        quantity=2,
    )
    services.deal_reject(actor=c.acme_manager, deal=c.rejected, reason="Not a fit.")
    c.draft = f.deal(
        c.initech_rep,
        c.initech,
        c.acme,
        c.acme_router,
        customer_name="Pied Piper",
        customer_website="pp.com",
        submit=False,
    )
    c.firewall = f.deal(
        c.initech_rep, c.initech, c.globex, c.globex_fw, customer_name="Massive", customer_website="massive.com"
    )
    return c


def totals_line(response) -> list[str]:
    return re.findall(r"[\d,.]+ [A-Z]{3} in \d+ deals?", main_text(response))


def test_the_vendors_whole_list_shows_its_kept_totals_which_equal_its_registrations(client, world):
    client_for(client, world.acme_manager)
    whole = client.get(url("list"))
    # Initech 10 × 909.99 (Gold) under review and Umbrella 2 × 1,039.99 (Silver) rejected; never the draft.
    assert totals_line(whole) == ["11,179.88 USD in 2 deals"]
    assert "2 registrations" in main_text(whole)
    assert totals_line(client.get(url("list") + "?status=rejected")) == ["2,079.98 USD in 1 deal"]
    assert totals_line(client.get(url("list") + f"?partner={world.initech.pk}")) == ["9,099.90 USD in 1 deal"]
    assert totals_line(client.get(url("list") + "?q=vandelay")) == ["2,079.98 USD in 1 deal"]


def test_the_distributors_list_counts_what_went_through_it(client, world):
    response = client_for(client, world.northwind_admin).get(url("list"))
    assert totals_line(response) == [f"{world.firewall.amount:,.2f} EUR in 1 deal"]


def test_every_change_of_status_or_amount_moves_the_registration_in_the_totals(world):
    c = world
    acme_usd = ("approved", "USD")

    def kept(organization, status, currency="USD"):
        return tallies_kept().get((organization.pk, status, currency), (0, Decimal("0")))

    services.deal_approve(actor=c.acme_manager, deal=c.review)
    assert kept(c.acme, *acme_usd) == (1, Decimal("9099.9000")) and kept(c.acme, "submitted") == (0, 0)
    services.deal_update(actor=c.initech_rep, deal=c.review, changes={"amount": "8000"})
    assert kept(c.acme, *acme_usd) == (1, Decimal("8000.0000"))
    services.deal_submit(actor=c.initech_rep, deal=c.draft)  # a draft counts once it is submitted
    assert kept(c.acme, "submitted") == (1, Decimal("909.9900"))
    services.deal_request_info(actor=c.acme_manager, deal=c.draft, question="Which sites?")
    assert kept(c.acme, "submitted") == (0, 0) and kept(c.acme, "info_requested") == (1, Decimal("909.9900"))
    services.deal_approve(actor=c.globex_admin, deal=c.firewall)
    for side in (c.globex, c.northwind):
        assert kept(side, "approved", "EUR") == (1, c.firewall.amount)
    assert tallies_kept() == tallies_counted()


def test_the_api_counts_a_vendors_list_from_its_totals_and_a_filtered_one_from_its_rows(client, world):
    client_for(client, world.acme_manager)
    whole = client.get("/api/v1/deals/").json()
    assert whole["count"] == len(whole["results"]) == 2
    rejected = client.get("/api/v1/deals/?status=rejected").json()
    assert rejected["count"] == 1 and [d["reference"] for d in rejected["results"]] == [world.rejected.reference]
    mine = client.get(f"/api/v1/deals/?partner={world.umbrella.pk}").json()
    assert mine["count"] == 1
    assert client.get("/api/v1/deals/?page=2").status_code == 404


def test_recount_rebuilds_the_totals_from_the_registrations(world, capsys):
    expected = tallies_kept()
    DealTally.objects.update(count=0, amount=0)
    DealTally.objects.create(organization=world.initech, status="approved", currency="USD", count=5, amount=1)
    call_command("recount_tallies", "deals.DealTally")
    assert tallies_kept() == expected == tallies_counted()
    assert "Recounted deals.DealTally:" in capsys.readouterr().out
