"""The deal lists of the three sides, their filters, totals and CSV export; who sees which registration; and a
fixed number of queries whatever the number of rows."""

import csv
import io
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deals import services
from deals.models import DealRegistration
from tests import factories as f
from tests.deals.helpers import HTMX, url
from tests.portal.helpers import client_for, main_text

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return re.findall(r'<a href="/deals/\d+/">([^<]+)</a>', response.content.decode())


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def world(channel):
    """Initech: a submitted deal and a draft at Acme, one at Globex through Northwind. Umbrella registers the
    same customer (same domain, same router) at Acme after Initech: a conflict only Acme sees."""
    ns = channel
    ns.hooli = f.deal(
        ns.initech_rep,
        ns.initech,
        ns.acme,
        ns.acme_router,
        customer_name="Hooli Inc.",
        customer_website="hooli.com",
        quantity=10,
    )
    ns.draft = f.deal(
        ns.initech_rep,
        ns.initech,
        ns.acme,
        ns.acme_router,
        customer_name="Pied Piper",
        customer_website="piedpiper.com",
        submit=False,
    )
    ns.firewall = f.deal(
        ns.initech_rep,
        ns.initech,
        ns.globex,
        ns.globex_fw,
        customer_name="Massive Dynamic",
        customer_website="massivedynamic.com",
    )
    ns.rival = f.deal(
        ns.umbrella_admin,
        ns.umbrella,
        ns.acme,
        ns.acme_router,
        customer_name="Hooli",
        customer_website="www.hooli.com",
        quantity=2,
    )
    ns.rival.refresh_from_db()
    ns.hooli.refresh_from_db()
    assert ns.rival.has_conflict  # the setup this module is about
    return ns


# --- partner ------------------------------------------------------------------------------------------------------


def test_partner_sees_all_its_registrations_across_vendors_and_nothing_of_conflicts(client, world):
    response = client_for(client, world.initech_rep).get(url("list"))
    assert response.status_code == 200
    assert sorted(titles(response)) == sorted([world.hooli.title, world.draft.title, world.firewall.title])
    text = main_text(response)
    assert "Register a deal" in text
    assert "Umbrella" not in text and "onflict" not in text
    assert "Under review" in text and "Draft" in text
    # Totals per currency of the list: 10 routers at 909.99 + 1 at 909.99 (draft); one firewall in EUR.
    assert "10,009.89 USD in 2 deals" in text
    assert re.search(r"[\d,.]+ EUR in 1 deal\b", text)
    # The conflicted registration looks like any other under review.
    detail = main_text(client.get(url("detail", world.hooli)))
    assert "Under review" in detail
    assert "Umbrella" not in detail and "onflict" not in detail and world.rival.reference not in detail


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?vendor={acme}", ["hooli", "draft"]),
        ("?vendor={globex}", ["firewall"]),
        ("?status=draft", ["draft"]),
        ("?status=submitted&vendor={acme}", ["hooli"]),
        ("?stage=won", []),
        ("?q=massive", ["firewall"]),
        ("?q={firewall_ref}", ["firewall"]),
        ("?q=piedpiper.com", ["draft"]),
        ("?vendor={stranger}", None),  # not one of theirs: ignored
        ("?partner={umbrella}", None),  # not a partner's filter: ignored
        ("?status=nonsense", None),
    ],
)
def test_partner_filters_and_search(client, world, query, expected):
    stranger = f.vendor("Stranger Co")
    query = query.format(
        acme=world.acme.pk,
        globex=world.globex.pk,
        firewall_ref=world.firewall.reference,
        stranger=stranger.pk,
        umbrella=world.umbrella.pk,
    )
    response = client_for(client, world.initech_rep).get(url("list") + query)
    assert response.status_code == 200
    got = titles(response)
    if expected is None:
        assert len(got) == 3
    else:
        assert sorted(got) == sorted(getattr(world, name).title for name in expected)


def test_sorting_by_value_and_close_date(client, world):
    client_for(client, world.initech_rep)
    by_value = titles(client.get(url("list") + "?sort=-value"))
    assert by_value[0] == world.hooli.title  # 9,099.90 USD
    assert titles(client.get(url("list") + "?sort=value"))[-1] == world.hooli.title
    DealRegistration.objects.filter(pk=world.draft.pk).update(
        expected_close_date=world.draft.expected_close_date.replace(year=world.draft.expected_close_date.year + 1)
    )
    assert titles(client.get(url("list") + "?sort=-close"))[0] == world.draft.title
    assert titles(client.get(url("list") + "?sort=close"))[-1] == world.draft.title


def test_htmx_filter_returns_only_the_results(client, world):
    client_for(client, world.initech_rep)
    response = client.get(url("list") + "?q=hooli", **HTMX)
    html = response.content.decode()
    assert html.strip().startswith('<div id="deal-results">')
    assert "<html" not in html
    assert titles(response) == [world.hooli.title]
    assert "HX-Request" in response["Vary"]
    assert 'href="/deals/export.csv?q=hooli"' in html  # the export keeps the filters
    full = client.get(url("list") + "?q=hooli").content.decode()
    assert "<html" in full and 'value="hooli"' in full and 'hx-get="/deals/"' in full
    assert "Clear filters" in full and "Clear filters" not in client.get(url("list")).content.decode()


def test_pagination_50_a_page(client, channel):
    for i in range(51):
        f.deal(
            channel.initech_rep,
            channel.initech,
            channel.acme,
            channel.acme_router,
            customer_name=f"Customer {i:02d}",
            customer_website=f"c{i:02d}x.com",
            submit=False,
        )
    client_for(client, channel.initech_rep)
    first = client.get(url("list") + "?status=draft")
    assert len(titles(first)) == 50
    assert "Page 1 of 2" in main_text(first)
    assert "?status=draft&amp;page=2" in first.content.decode()
    assert len(titles(client.get(url("list") + "?status=draft&page=2"))) == 1
    assert "51 registrations" in main_text(first)


def test_partner_never_sees_another_partners_deals(client, world):
    client_for(client, world.umbrella_admin)
    assert titles(client.get(url("list"))) == [world.rival.title]
    for deal in (world.hooli, world.draft, world.firewall):
        assert client.get(url("detail", deal)).status_code == 404
        assert client.get(url("edit", deal)).status_code == 404
        assert client.post(url("comment", deal), {"body": "Hi"}).status_code == 404
        assert client.post(url("submit", deal)).status_code == 404
    assert [row["Reference"] for row in csv_rows(client.get(url("export")))] == [world.rival.reference]
    assert [row["Reference"] for row in csv_rows(client.get(url("export") + f"?q={world.hooli.reference}"))] == []


def test_a_person_in_two_organizations_sees_one_side_at_a_time(client, world):
    """An Initech person who also works for Acme: the pages show the side they work on now."""
    from vendors import services as vendor_services
    from vendors.models import Membership

    vendor_services.membership_add(organization=world.acme, user=world.initech_rep, role=Membership.Role.MANAGER)
    client_for(client, world.initech_rep, world.initech)
    assert "Umbrella" not in main_text(client.get(url("list")))
    assert client.get(url("detail", world.rival)).status_code == 404
    client_for(client, world.initech_rep, world.acme)
    assert world.rival.title in titles(client.get(url("list")))
    # Initech's draft is not Acme's: not on Acme's list, its page, its export or its files.
    assert world.draft.title not in titles(client.get(url("list")))
    assert client.get(url("detail", world.draft)).status_code == 404
    assert world.draft.reference not in {r["Reference"] for r in csv_rows(client.get(url("export")))}


# --- vendor -------------------------------------------------------------------------------------------------------


def test_vendor_sees_its_registrations_conflicts_first(client, world):
    response = client_for(client, world.acme_member).get(url("list"))
    # Both Hooli registrations conflict (Umbrella's was flagged against Initech's); no draft, no Globex deal.
    assert world.hooli.has_conflict and world.rival.has_conflict
    got = titles(response)
    assert sorted(got) == sorted([world.hooli.title, world.rival.title])
    text = main_text(response)
    assert text.count("Under review Conflict ") == 2  # the badge beside the status
    assert "Umbrella IT" in text and "Initech Solutions" in text and "Gold" in text and "Silver" in text
    # Conflicts first, then what waits for a review; a decided registration last.
    extra = f.deal(
        world.umbrella_admin,
        world.umbrella,
        world.acme,
        world.acme_router,
        customer_name="Vandelay",
        customer_website="vandelay.com",
    )
    decided = f.deal(
        world.umbrella_admin,
        world.umbrella,
        world.acme,
        world.acme_router,
        customer_name="Kramerica",
        customer_website="kramerica.com",
    )
    services.deal_reject(actor=world.acme_admin, deal=decided, reason="No.")
    got = titles(client.get(url("list")))
    assert sorted(got[:2]) == sorted([world.hooli.title, world.rival.title])
    assert got[2:] == [extra.title, decided.title]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?partner={umbrella}", ["rival"]),
        ("?tier={gold}", ["hooli"]),
        ("?conflicts=on", ["hooli", "rival"]),
        ("?q=hooli&partner={initech}", ["hooli"]),
        ("?tier={standard}", None),  # another vendor's tier: ignored
        ("?vendor={globex}", None),  # not a vendor's filter
    ],
)
def test_vendor_filters(client, world, query, expected):
    query = query.format(
        umbrella=world.umbrella.pk,
        initech=world.initech.pk,
        gold=world.gold.pk,
        standard=world.standard.pk,
        globex=world.globex.pk,
    )
    got = titles(client_for(client, world.acme_manager).get(url("list") + query))
    if expected is None:
        assert sorted(got) == sorted([world.hooli.title, world.rival.title])
    else:
        assert sorted(got) == sorted(getattr(world, name).title for name in expected)


def test_vendor_compares_conflicting_registrations_side_by_side(client, world):
    response = client_for(client, world.acme_manager).get(url("detail", world.rival))
    text = main_text(response)
    assert "Possible conflicts" in text
    block = text[text.index("Possible conflicts") :]
    for expected in (
        "Same web domain",
        "ACM-R100",
        world.hooli.reference,
        "Umbrella IT",
        "Initech Solutions",
        "hooli.com",
        "Hooli Inc.",
        "10 × Edge Router 100",
        "2 × Edge Router 100",
        "9,099.90 USD",
        "2,079.98 USD",  # 2 × the Silver price, 1,039.99
    ):
        assert expected in block, expected


def test_vendor_sees_only_its_own(client, world):
    client_for(client, world.globex_admin)
    assert titles(client.get(url("list"))) == [world.firewall.title]
    for deal in (world.hooli, world.rival, world.draft):
        assert client.get(url("detail", deal)).status_code == 404
    assert [row["Reference"] for row in csv_rows(client.get(url("export")))] == [world.firewall.reference]


# --- distributor --------------------------------------------------------------------------------------------------


def test_distributor_sees_its_resellers_deals_only(client, world):
    client_for(client, world.northwind_admin)
    response = client.get(url("list"))
    assert titles(response) == [world.firewall.title]
    text = main_text(response)
    assert "Globex Security" in text and "Initech Solutions" in text and "Register a deal" not in text
    for deal in (world.hooli, world.rival, world.draft):
        assert client.get(url("detail", deal)).status_code == 404
    detail = client.get(url("detail", world.firewall))
    assert detail.status_code == 200
    assert "You can follow it" in main_text(detail)
    assert client.get(url("edit", world.firewall)).status_code == 404
    assert titles(client.get(url("list") + f"?vendor={world.globex.pk}&partner={world.initech.pk}")) == [
        world.firewall.title
    ]
    assert titles(client.get(url("list") + f"?partner={world.umbrella.pk}")) == [
        world.firewall.title
    ]  # not a reseller: ignored
    rows = csv_rows(client.get(url("export")))
    assert [(r["Reference"], r["Partner"], r["Vendor"]) for r in rows] == [
        (world.firewall.reference, "Initech Solutions", "Globex Security")
    ]
    assert "Conflict" not in rows[0]


# --- the CSV ------------------------------------------------------------------------------------------------------


def test_export_columns_per_side_and_filters(client, world):
    rows = csv_rows(client_for(client, world.initech_rep).get(url("export") + f"?vendor={world.acme.pk}"))
    assert list(rows[0]) == [
        "Reference",
        "Vendor",
        "Title",
        "Customer",
        "Domain",
        "Country",
        "Status",
        "Stage",
        "Amount",
        "Currency",
        "Expected close date",
        "Protected until",
    ]
    hooli = next(r for r in rows if r["Reference"] == world.hooli.reference)
    assert (hooli["Status"], hooli["Amount"], hooli["Currency"], hooli["Domain"]) == (
        "Under review",
        "9099.90",
        "USD",
        "hooli.com",
    )
    assert {r["Reference"] for r in rows} == {world.hooli.reference, world.draft.reference}

    rows = csv_rows(client_for(client, world.acme_member).get(url("export") + "?conflicts=on"))
    assert list(rows[0])[:7] == ["Reference", "Vendor", "Partner", "Tier", "Distributor", "Title", "Customer"]
    assert list(rows[0])[-1] == "Conflict"
    assert {(r["Partner"], r["Tier"], r["Conflict"]) for r in rows} >= {("Umbrella IT", "Silver", "yes")}


def test_export_neutralises_spreadsheet_formulas(client, channel):
    deal = f.deal(
        channel.initech_rep,
        channel.initech,
        channel.acme,
        channel.acme_router,
        customer_name='=HYPERLINK("http://evil","x")',
        customer_website="",
        title="+SUM(A1:A9)",
        submit=False,
    )
    DealRegistration.objects.filter(pk=deal.pk).update(
        customer_name="@cmd|' /C calc'!A0", title="-2+3", customer_country="\tX"
    )
    body = b"".join(client_for(client, channel.initech_rep).get(url("export")).streaming_content).decode()
    [row] = list(csv.DictReader(io.StringIO(body)))
    assert row["Title"] == "'-2+3"
    assert row["Customer"] == "'@cmd|' /C calc'!A0"
    assert row["Country"] == "'\tX"
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


# --- a fixed number of queries ------------------------------------------------------------------------------------

# Five queries come before a page's own reads (session, user, groups, organizations, memberships). Then the list:
# the filter choices (one or two), the count, the page of rows with their related rows, the totals.
MAX_QUERIES = {"partner": 12, "vendor": 12, "distributor": 12, "export": 10}


def count_queries(client, path, **headers) -> int:
    client.get(path, **headers)  # the first request of a process reads permission ids once; measure the next
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **headers)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


_serial = itertools.count()


def grow(channel, n):
    """``n`` more registrations of Initech with Globex through Northwind: a row on each side's list."""
    for _ in range(n):
        i = next(_serial)
        f.deal(
            channel.initech_rep,
            channel.initech,
            channel.globex,
            channel.globex_fw,
            customer_name=f"Qx{i:03d}zz Zebra{i}",
            customer_website=f"q{i:03d}zz.org",
        )


def test_lists_and_exports_run_a_fixed_number_of_queries(client, channel, django_assert_max_num_queries):
    """Each side's list (plain, filtered, htmx) and export: measured at one row, then held to that at thirty."""
    ids = {"globex": channel.globex.pk, "initech": channel.initech.pk, "standard": channel.standard.pk}
    cases = [
        ("partner", channel.initech_rep, "/deals/", {}),
        ("partner", channel.initech_rep, "/deals/?vendor={globex}&status=submitted&sort=-value", {}),
        ("partner", channel.initech_rep, "/deals/?page=1&q=zz", HTMX),
        ("export", channel.initech_rep, "/deals/export.csv", {}),
        ("vendor", channel.globex_admin, "/deals/", {}),
        ("vendor", channel.globex_admin, "/deals/?partner={initech}&tier={standard}&status=submitted&sort=close", {}),
        ("vendor", channel.globex_admin, "/deals/?conflicts=on&q=zz", HTMX),
        ("export", channel.globex_admin, "/deals/export.csv?partner={initech}", {}),
        ("distributor", channel.northwind_admin, "/deals/", {}),
        ("distributor", channel.northwind_admin, "/deals/?vendor={globex}&partner={initech}", HTMX),
        ("export", channel.northwind_admin, "/deals/export.csv", {}),
    ]
    grow(channel, 1)
    measured = []
    for side, user, path, headers in cases:
        client_for(client, user)
        one = count_queries(client, path.format(**ids), **headers)
        assert one <= MAX_QUERIES[side], (path, one)
        measured.append(one)
    grow(channel, 29)
    for (side, user, path, headers), one in zip(cases, measured, strict=True):
        client_for(client, user)
        path = path.format(**ids)
        client.get(path, **headers)
        with django_assert_max_num_queries(one):
            response = client.get(path, **headers)
            if hasattr(response, "streaming_content"):
                assert len(b"".join(response.streaming_content).decode().splitlines()) == 31
        if "conflicts" not in path and side != "export":
            assert len(titles(response)) == 30, path
