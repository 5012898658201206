"""Who sees which deal registration through the API, and what they are told about conflicts (partners: nothing).

A partner sees its own registrations only, a vendor those made with it, a distributor its resellers' with the
vendors it distributes for; anything else is a 404, the same as an id that does not exist. Conflicts are the
vendor's alone: a partner's or distributor's answers have no ``has_conflict``, no ``queue`` and no trace of the
other registration, and they read the same before and after someone else registers the same customer.
"""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deals import services
from deals.models import DealRegistration
from notifications.models import Receipt
from tests import factories as f
from tests.api.helpers import API, ids, rows
from tests.api.test_deals import DEALS, deal_url, today

pytestmark = pytest.mark.django_db

DETAIL_ROUTES = ["", "comments", "history", "attachments", "conflicts"]
WRITE_ROUTES = [
    ("submit", {}),
    ("approve", {}),
    ("reject", {"reason": "No."}),
    ("request-info", {"question": "Who?"}),
    ("comments", {"body": "Hello"}),
    ("extension-request", {"days": 10, "reason": "More time."}),
    ("extension-decision", {"grant": True}),
]
VENDOR_ONLY = ("has_conflict", "queue", "conflicts")


@pytest.fixture
def deals(channel):
    """Registrations of both partners with both vendors (Umbrella's Globex partnership is suspended)."""
    return {
        "initech_acme": f.deal(channel.initech_admin, channel.initech, channel.acme, channel.acme_router),
        "initech_globex": f.deal(channel.initech_admin, channel.initech, channel.globex, channel.globex_fw),
        "initech_draft": f.deal(
            channel.initech_admin,
            channel.initech,
            channel.acme,
            channel.acme_router,
            customer_name="Draft Co",
            submit=False,
        ),
        "umbrella_acme": f.deal(
            channel.umbrella_admin,
            channel.umbrella,
            channel.acme,
            channel.acme_router,
            customer_name="Soylent",
            customer_website="",
        ),
    }


# Who sees which of them (by name in ``deals``).
SEES = {
    "initech_rep": {"initech_acme", "initech_globex", "initech_draft"},
    "initech_admin": {"initech_acme", "initech_globex", "initech_draft"},
    "umbrella_admin": {"umbrella_acme"},
    "acme_manager": {"initech_acme", "umbrella_acme"},
    "acme_member": {"initech_acme", "umbrella_acme"},
    "globex_admin": {"initech_globex"},
    "northwind_admin": {"initech_globex"},
}


@pytest.mark.parametrize("persona", sorted(SEES))
def test_each_side_lists_and_opens_exactly_its_registrations(api, channel, deals, persona):
    client = api(getattr(channel, persona))
    visible = {deals[name].pk for name in SEES[persona]}
    response = client.get(DEALS)
    assert ids(response) == visible
    assert response.json()["count"] == len(visible)
    for name, deal in deals.items():
        for route in DETAIL_ROUTES:
            if route == "conflicts" and not persona.startswith(("acme", "globex")):
                expected = 404  # conflicts are the vendor's alone
            else:
                expected = 200 if deal.pk in visible else 404
            response = client.get(deal_url(deal, route))
            assert response.status_code == expected, (name, route, response.content)
            if expected == 404:
                assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("persona", ["umbrella_admin", "globex_admin", "northwind_admin", "acme_manager"])
def test_writes_to_an_invisible_registration_are_404_and_change_nothing(api, channel, deals, persona):
    client = api(getattr(channel, persona))
    hidden = [deal for name, deal in deals.items() if name not in SEES[persona]]
    before = list(DealRegistration.objects.order_by("pk").values())
    for deal in hidden:
        assert client.patch(deal_url(deal), {"stage": "won"}, format="json").status_code == 404
        for route, body in WRITE_ROUTES:
            response = client.post(deal_url(deal, route), body, format="json")
            assert response.status_code == 404, (route, response.content)
        assert client.post(deal_url(deal, "attachments"), {}, format="multipart").status_code == 404
    assert list(DealRegistration.objects.order_by("pk").values()) == before


def test_missing_id_is_the_same_404(api, channel, deals):
    client = api(channel.umbrella_admin)
    hidden = client.get(deal_url(deals["initech_acme"]))
    missing = client.get(deal_url(987654321))
    assert (
        (hidden.status_code, hidden.json()) == (missing.status_code, missing.json()) == (404, {"detail": "Not found."})
    )


def test_anonymous_are_turned_away(api, deals):
    assert api().get(DEALS).status_code == 403
    assert api().get(deal_url(deals["initech_acme"])).status_code == 403


def test_a_vendor_filters_its_list_and_ignores_other_vendors_ids(api, channel, deals):
    client = api(channel.acme_manager)
    assert ids(client.get(DEALS, {"partner": channel.umbrella.pk})) == {deals["umbrella_acme"].pk}
    assert ids(client.get(DEALS, {"tier": channel.gold.pk})) == {deals["initech_acme"].pk}
    assert ids(client.get(DEALS, {"tier": channel.standard.pk})) == set()  # Globex's tier: nothing of Acme's
    assert ids(client.get(DEALS, {"q": "soylent"})) == {deals["umbrella_acme"].pk}
    assert ids(client.get(DEALS, {"q": deals["initech_acme"].reference})) == {deals["initech_acme"].pk}
    assert ids(client.get(DEALS, {"status": "draft"})) == set()


def test_a_partner_filters_its_list(api, channel, deals):
    client = api(channel.initech_rep)
    assert ids(client.get(DEALS, {"vendor": channel.globex.pk})) == {deals["initech_globex"].pk}
    assert ids(client.get(DEALS, {"status": "draft"})) == {deals["initech_draft"].pk}
    assert ids(client.get(DEALS, {"stage": "won"})) == set()
    assert ids(client.get(DEALS, {"vendor": channel.acme.pk, "q": "draft"})) == {deals["initech_draft"].pk}
    # Another partner's id as a filter finds nothing of theirs.
    assert ids(client.get(DEALS, {"partner": channel.umbrella.pk})) == ids(client.get(DEALS))


def test_list_sorts(api, channel):
    small = f.deal(channel.initech_admin, channel.initech, channel.acme, channel.acme_router, customer_name="A")
    big = f.deal(
        channel.initech_admin, channel.initech, channel.acme, channel.acme_router, customer_name="B", quantity=9
    )
    client = api(channel.initech_rep)
    assert [row["id"] for row in rows(client.get(DEALS, {"sort": "-value"}))] == [big.pk, small.pk]
    assert [row["id"] for row in rows(client.get(DEALS, {"sort": "value"}))] == [small.pk, big.pk]
    assert [row["id"] for row in rows(client.get(DEALS))] == [big.pk, small.pk]  # most recent first


@pytest.mark.parametrize(
    "query",
    [{"vendor": "acme"}, {"status": "pending"}, {"stage": "closed"}, {"sort": "name"}, {"conflicts": "perhaps"}],
)
def test_malformed_filter_is_a_400(api, channel, query):
    response = api(channel.acme_manager).get(DEALS, query)
    assert response.status_code == 400
    assert list(response.json()) == list(query)


# --- conflicts: the vendor's alone -----------------------------------------------------------------------------


@pytest.fixture
def conflict(api, channel):
    """Initech registers Hooli with Acme; then Umbrella registers the same customer and product."""
    first = f.deal(channel.initech_admin, channel.initech, channel.acme, channel.acme_router)
    partner_view = _partner_view(api(channel.initech_rep), first)
    second = f.deal(
        channel.umbrella_admin, channel.umbrella, channel.acme, channel.acme_router, customer_name="Hooli Incorporated"
    )
    return first, second, partner_view


def _partner_view(client, deal) -> dict:
    """Everything the partner's people can read about ``deal`` through the API."""
    return {
        "list": client.get(DEALS).json(),
        "detail": client.get(deal_url(deal)).json(),
        "history": client.get(deal_url(deal, "history")).json(),
        "comments": client.get(deal_url(deal, "comments")).json(),
        "attachments": client.get(deal_url(deal, "attachments")).json(),
    }


def test_the_vendor_sees_the_conflict_side_by_side(api, channel, conflict):
    first, second, _ = conflict
    client = api(channel.acme_manager)
    listed = {row["id"]: row for row in rows(client.get(DEALS))}
    assert listed[first.pk]["has_conflict"] is True and listed[second.pk]["has_conflict"] is True
    assert listed[second.pk]["queue"] == 0
    assert ids(client.get(DEALS, {"conflicts": "true"})) == {first.pk, second.pk}
    detail = client.get(deal_url(second)).json()
    assert (detail["has_conflict"], detail["queue"]) == (True, 0)
    [found] = rows(client.get(deal_url(second, "conflicts")))
    assert found["other"]["id"] == first.pk
    assert found["other"]["partner"]["name"] == "Initech Solutions"
    assert found["matched_on"] == "domain"
    assert "ACM-R100" in found["products"]
    # Seen from the other registration, the other one is the second.
    [back] = rows(client.get(deal_url(first, "conflicts")))
    assert back["other"]["id"] == second.pk


def test_a_partner_is_told_nothing_of_a_conflict(api, channel, conflict):
    first, second, before = conflict
    after = _partner_view(api(channel.initech_rep), first)
    # Not a key, not a value, not a changed timestamp: exactly what it read before Umbrella registered.
    assert after == before
    text = json.dumps(after)
    for word in ("has_conflict", "queue", "conflict", "Umbrella", "Hooli Incorporated", second.reference):
        assert word not in text, word
    client = api(channel.initech_rep)
    assert client.get(deal_url(first, "conflicts")).status_code == 404
    assert client.get(deal_url(second)).status_code == 404
    # The vendor-only filter is ignored for a partner.
    assert client.get(DEALS, {"conflicts": "true"}).json() == client.get(DEALS).json()
    # The other partner is told nothing either.
    umbrella = api(channel.umbrella_admin).get(deal_url(second)).json()
    assert not set(VENDOR_ONLY) & set(umbrella)
    assert "Initech" not in json.dumps(umbrella)
    assert umbrella["status_label"] == "Under review"


@pytest.fixture
def two_tier_conflict(channel):
    """Two of Northwind's resellers register the same Globex customer and product."""
    vandelay = f.partner("Vandelay Resellers")
    f.partnership(channel.globex, vandelay, channel.standard, distributor=channel.northwind)
    vandelay_admin = vandelay.memberships.get().user
    first = f.deal(channel.initech_admin, channel.initech, channel.globex, channel.globex_fw)
    second = f.deal(vandelay_admin, vandelay, channel.globex, channel.globex_fw, customer_name="Hooli Inc")
    return first, second


def test_a_distributor_is_told_nothing_of_a_conflict_between_its_resellers(api, channel, two_tier_conflict):
    first, second = two_tier_conflict
    assert DealRegistration.objects.filter(pk__in=[first.pk, second.pk], has_conflict=True).count() == 2
    client = api(channel.northwind_admin)
    listed = client.get(DEALS).json()
    assert {row["id"] for row in listed["results"]} == {first.pk, second.pk}
    for deal in (first, second):
        detail = client.get(deal_url(deal)).json()
        assert not set(VENDOR_ONLY) & set(detail)
        assert client.get(deal_url(deal, "conflicts")).status_code == 404
        assert "conflict" not in json.dumps(client.get(deal_url(deal, "history")).json()).lower()
    assert "conflict" not in json.dumps(listed).lower()
    assert client.get(DEALS, {"conflicts": "true"}).json() == listed
    # Globex's people see it.
    assert api(channel.globex_admin).get(deal_url(second)).json()["has_conflict"] is True


def test_no_partner_or_distributor_notification_mentions_a_conflict(channel, two_tier_conflict):
    told = Receipt.objects.filter(
        organization__in=[channel.northwind, channel.initech, *[d.partner for d in two_tier_conflict]]
    ).select_related("notification")
    assert told.exists()
    for receipt in told:
        text = f"{receipt.notification.title} {receipt.notification.body}".lower()
        assert "conflict" not in text, text


# --- query counts ------------------------------------------------------------------------------------------------


def _grow(channel, n):
    """``n`` more registrations of Initech with each vendor and of Umbrella with Acme (conflicting with Initech's),
    each with two lines: Initech's people see ``2n`` more, Acme's ``2n``, Northwind's ``n``."""
    switch = f.ProductFactory(vendor=channel.acme, list_price="100.00")
    firewall = f.ProductFactory(vendor=channel.globex, list_price="10.00", currency="EUR")
    for i in range(n):
        for actor, partner, vendor, products in [
            (channel.initech_admin, channel.initech, channel.acme, (channel.acme_router, switch)),
            (channel.initech_admin, channel.initech, channel.globex, (channel.globex_fw, firewall)),
            (channel.umbrella_admin, channel.umbrella, channel.acme, (channel.acme_router, switch)),
        ]:
            f.deal(
                actor,
                partner,
                vendor,
                lines=[(product, 1 + i) for product in products],
                title=f"Customer {i}",
                customer_name=f"Customer {i}",
                customer_website=f"customer{i}.com",
                customer_country="DE",
                expected_close_date=today() + timedelta(days=30 + i),
            )


def _measure(client, url):
    client.get(url)  # warm the per-process caches (permission ids, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


QUERIES = ["", "?sort=-value", "?q=customer&status=submitted&sort=close"]
VENDOR_QUERIES = ["?conflicts=true", "?partner={umbrella}&tier={silver}"]


@pytest.mark.parametrize("persona", ["initech_rep", "acme_manager", "northwind_admin"])
def test_list_queries_do_not_grow_with_rows(api, channel, django_assert_max_num_queries, persona):
    """One row, then 30 (15 for the distributor), with each sort and filter: never a query more."""
    f.deal(channel.initech_admin, channel.initech, channel.acme, channel.acme_router, customer_name="Customer x")
    f.deal(channel.initech_admin, channel.initech, channel.globex, channel.globex_fw, customer_name="Customer y")
    f.deal(channel.umbrella_admin, channel.umbrella, channel.acme, channel.acme_router, customer_name="Customer x")
    client = api(getattr(channel, persona))
    queries = QUERIES + (VENDOR_QUERIES if persona == "acme_manager" else [])
    queries = [q.format(umbrella=channel.umbrella.pk, silver=channel.silver.pk) for q in queries]
    small = {}
    for query in queries:
        small[query] = _measure(client, f"{DEALS}{query}")
        assert small[query][0] <= 12, query
    assert small[""][1]["count"] in (1, 2)

    _grow(channel, 15)
    for query in queries:
        with django_assert_max_num_queries(small[query][0]):
            response = client.get(f"{DEALS}{query}")
        assert response.json()["count"] > small[query][1]["count"], query
    expected = 15 if persona == "northwind_admin" else 30
    page = client.get(f"{DEALS}?page_size=10").json()
    assert page["count"] >= expected + 1
    assert len(page["results"]) == 10
    assert page["next"].endswith(f"{API}/deals/?page=2&page_size=10")


def test_detail_queries_do_not_grow_with_lines(api, channel, django_assert_max_num_queries):
    deal = f.deal(channel.initech_admin, channel.initech, channel.acme, channel.acme_router)
    client = api(channel.initech_rep)
    queries, body = _measure(client, deal_url(deal))
    assert len(body["lines"]) == 1
    products = [f.ProductFactory(vendor=channel.acme) for _ in range(8)]
    services.deal_update(
        actor=channel.initech_rep, deal=deal, changes={"lines": [(p, 1) for p in [channel.acme_router, *products]]}
    )
    services.deal_approve(actor=channel.acme_manager, deal=deal)
    services.deal_request_extension(actor=channel.initech_rep, deal=deal, days=5, reason="Legal.")
    with django_assert_max_num_queries(queries):
        response = client.get(deal_url(deal))
    assert len(response.json()["lines"]) == 9
