"""Leads through the API: the vendor sends (one, or up to 1,000 at once) and they are routed; the partner holding a
lead answers and works it up to a deal; the vendor sets its rules and its partners' coverage.

Each side sees its own side only: a partner never another partner's leads or offers, a vendor never a partner's own
lead before it is a deal, a distributor its resellers' leads without the vendor's routing internals. Bad input is a
400 naming the field (or the row) and writes nothing.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deals.models import DealRegistration
from leads import services
from leads.models import Lead, LeadCoverage, LeadEvent, LeadOffer, LeadRules
from tests import factories as f
from tests.api.helpers import API, errors, ids, rows
from vendors.models import Membership

pytestmark = pytest.mark.django_db

LEADS = f"{API}/leads/"
BULK = f"{LEADS}bulk/"
RULES = f"{LEADS}rules/"
VENDOR_ONLY = {"partnership", "time_to_accept"}


def lead_url(lead, action="") -> str:
    pk = lead if isinstance(lead, int) else lead.pk
    return f"{LEADS}{pk}/" + (f"{action}/" if action else "")


def coverage_url(partnership) -> str:
    return f"{API}/lead-coverage/{partnership.pk}/"


def new_lead(**changes) -> dict:
    """A lead in Texas: Initech's (it names the region)."""
    return {
        "company": "Waystar Health",
        "contact_name": "Ana Diaz",
        "contact_email": "ana@waystar.example",
        "country": "US",
        "region": "TX",
        "products": ["ACM-R100"],
        "size": "50-249",
        "notes": "Wants 40 branch routers.",
        **changes,
    }


def written() -> dict:
    return {model.__name__: model.objects.count() for model in (Lead, LeadOffer, LeadEvent, DealRegistration)}


@pytest.fixture
def leads_channel(channel):
    """The channel, with coverage: at Acme Initech covers Texas and Umbrella the whole US; at Globex Initech (through
    Northwind) covers Germany."""
    c = channel
    LeadCoverage.objects.create(partnership=c.initech_acme, vendor=c.acme, countries=["US"], regions=["TX"])
    LeadCoverage.objects.create(partnership=c.umbrella_acme, vendor=c.acme, countries=["US"])
    LeadCoverage.objects.create(partnership=c.initech_globex, vendor=c.globex, countries=["DE"])
    c.umbrella_rep = f.member(c.umbrella, Membership.Role.MEMBER)
    return c


# --- sending one lead (the vendor) ----------------------------------------------------------------------------


def test_vendor_sends_a_lead_and_it_is_routed_at_once(api, leads_channel):
    c = leads_channel
    response = api(c.acme_manager).post(LEADS, new_lead(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == f"LD-{body['id']:06d}"
    assert (body["status"], body["partner"]["id"], body["partnership"]) == ("offered", c.initech.pk, c.initech_acme.pk)
    assert body["routing_reason"].startswith("covers TX, US")
    assert body["accept_by"] and body["offered_at"]
    assert body["time_to_accept"] is None
    assert [p["sku"] for p in body["products"]] == ["ACM-R100"]
    assert (body["size"], body["source"], body["deal"]) == ("50-249", "vendor", None)
    lead = Lead.objects.get(pk=body["id"])
    assert (lead.vendor_id, lead.created_by_id) == (c.acme.pk, c.acme_manager.pk)


def test_a_lead_nobody_covers_waits_with_the_reason(api, leads_channel):
    c = leads_channel
    body = api(c.acme_admin).post(LEADS, new_lead(country="FR", region=""), format="json").json()
    assert (body["status"], body["partner"], body["routing_reason"]) == ("unassigned", None, "no partner covers FR")


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"company": ""}, "company"),
        ({"contact_name": "  "}, "contact_name"),
        ({"country": "Germany"}, "country"),
        ({"country": "1X"}, "country"),
        ({"contact_email": "not an email"}, "contact_email"),
        ({"products": ["NOPE-1"]}, "products"),
        ({"products": ["GLX-FW"]}, "products"),  # another vendor's product
        ({"products": "ACM-R100"}, "products"),  # not a list
        ({"size": "huge"}, "size"),
        ({"contact_name": "Dana\x00Whitaker"}, "contact_name"),  # no database column holds a NUL
        ({"company": "\v" + "W" * 200}, "company"),  # 201 characters as sent, 200 once trimmed
    ],
)
def test_a_bad_lead_is_a_field_error_and_writes_nothing(api, leads_channel, changes, field):
    c = leads_channel
    before = written()
    body = errors(api(c.acme_manager).post(LEADS, new_lead(**changes), format="json"))
    assert field in body, body
    assert written() == before


@pytest.mark.parametrize("persona", ["acme_member", "initech_admin", "northwind_admin"])
def test_only_a_vendors_managers_send_leads(api, leads_channel, persona):
    before = written()
    response = api(getattr(leads_channel, persona)).post(LEADS, new_lead(), format="json")
    assert response.status_code == 403, response.content
    assert written() == before


def test_anonymous_are_turned_away(api, leads_channel):
    assert api().get(LEADS).status_code == 403
    assert api().post(BULK, {"leads": [new_lead()]}, format="json").status_code == 403


# --- bulk -----------------------------------------------------------------------------------------------------


def test_bulk_of_a_thousand_creates_and_routes_them_all(api, leads_channel, django_assert_max_num_queries):
    c = leads_channel
    batch = [new_lead(company=f"Clinic {n}", region="TX" if n % 2 else "CA") for n in range(1000)]
    client = api(c.acme_manager)
    client.get(LEADS)  # the per-process caches
    with django_assert_max_num_queries(60):
        response = client.post(BULK, {"leads": batch}, format="json")
    assert response.status_code == 201, response.content[:500]
    body = response.json()
    assert body["count"] == 1000 == len(body["results"]) == Lead.objects.filter(vendor=c.acme).count()
    assert LeadOffer.objects.filter(vendor=c.acme, outcome="pending").count() == 1000
    by_partner = {}
    for lead in body["results"]:
        assert lead["status"] == "offered" and lead["routing_reason"]
        by_partner.setdefault(lead["partner"]["id"], []).append(lead)
    # Texas goes to Initech (it names the region), California to Umbrella (it covers the whole US).
    assert {pid: len(leads) for pid, leads in by_partner.items()} == {c.initech.pk: 500, c.umbrella.pk: 500}
    assert all(lead["region"] == "TX" for lead in by_partner[c.initech.pk])
    assert all(lead["routing_reason"].startswith("covers US") for lead in by_partner[c.umbrella.pk])


def test_bulk_of_more_than_a_thousand_is_refused(api, leads_channel):
    c = leads_channel
    before = written()
    batch = [new_lead(company=f"Clinic {n}") for n in range(1001)]
    body = errors(api(c.acme_manager).post(BULK, {"leads": batch}, format="json"))
    assert body == {"leads": ["At most 1,000 leads a call; this one has 1,001. Send them in batches."]}
    assert written() == before


def test_bulk_with_one_bad_row_writes_nothing_and_names_the_row(api, leads_channel):
    c = leads_channel
    before = written()
    batch = [new_lead(company=f"Clinic {n}") for n in range(5)]
    batch[2]["country"] = "Germany"
    batch[4]["products"] = ["ACM-R100", "NOPE-9"]
    body = errors(api(c.acme_manager).post(BULK, {"leads": batch}, format="json"))
    assert body == {
        "leads": [
            "Item 3: country: Choose a country from the list (its two-letter ISO 3166-1 code, e.g. DE or US).",
            "Item 5: products: Not in Acme Networks's catalog: NOPE-9.",
        ]
    }
    assert written() == before


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"leads": []}, "Send at least one lead."),
        ({"leads": "Waystar"}, 'A list of leads: {"leads": [{...}, ...]}.'),
        ({}, 'A list of leads: {"leads": [{...}, ...]}.'),
        ({"leads": [new_lead(), "just a name"]}, "Item 2: Expected an object with the lead's fields."),
        (
            {"leads": [new_lead(), {"company": ["a list"], "contact_name": "A", "country": "US"}]},
            "Item 2: company: Expected a string.",
        ),
    ],
)
def test_bulk_of_the_wrong_shape_is_a_400(api, leads_channel, payload, message):
    before = written()
    body = errors(api(leads_channel.acme_manager).post(BULK, payload, format="json"))
    assert body == {"leads": [message]}
    assert written() == before


@pytest.mark.parametrize("persona", ["acme_member", "initech_admin"])
def test_only_a_vendors_managers_send_in_bulk(api, leads_channel, persona):
    before = written()
    response = api(getattr(leads_channel, persona)).post(BULK, {"leads": [new_lead()]}, format="json")
    assert response.status_code == 403
    assert written() == before


# --- who sees what ----------------------------------------------------------------------------------------------


def test_each_partner_sees_only_the_leads_it_holds(api, leads_channel):
    c = leads_channel
    texas, california = f.leads(
        c.acme_manager, c.acme, new_lead(company="Alamo Clinic"), new_lead(company="Bay Clinic", region="CA")
    )
    assert (texas.partner_id, california.partner_id) == (c.initech.pk, c.umbrella.pk)
    assert ids(api(c.initech_rep).get(LEADS)) == {texas.pk}
    assert ids(api(c.umbrella_admin).get(LEADS)) == {california.pk}
    assert ids(api(c.acme_member).get(LEADS)) == {texas.pk, california.pk}
    assert api(c.initech_rep).get(lead_url(california)).status_code == 404
    assert api(c.umbrella_admin).get(lead_url(texas)).status_code == 404
    assert api(c.globex_admin).get(lead_url(texas)).status_code == 404  # another vendor


def test_a_partner_is_shown_nothing_of_the_vendors_routing_internals(api, leads_channel):
    c = leads_channel
    (lead,) = f.leads(c.acme_manager, c.acme, new_lead())
    [row] = rows(api(c.initech_rep).get(LEADS))
    assert not VENDOR_ONLY & set(row)
    body = api(c.initech_rep).get(lead_url(lead)).json()
    assert not VENDOR_ONLY & set(body)
    assert body["routing_reason"] == lead.routing_reason  # why it came to Initech: its own
    vendor_side = api(c.acme_manager).get(lead_url(lead)).json()
    assert set(vendor_side) >= VENDOR_ONLY


def test_after_a_rejection_the_next_partner_sees_only_its_own_offer_and_time(api, leads_channel):
    c = leads_channel
    (lead,) = f.leads(c.acme_manager, c.acme, new_lead())
    response = api(c.initech_rep).post(lead_url(lead, "reject"), {"reason": "No capacity in Q3."}, format="json")
    assert response.status_code == 204, response.content
    assert api(c.initech_rep).get(lead_url(lead)).status_code == 404
    assert not rows(api(c.initech_rep).get(LEADS))

    umbrella = api(c.umbrella_admin)
    body = umbrella.get(lead_url(lead)).json()
    assert (body["partner"]["id"], body["status"]) == (c.umbrella.pk, "offered")
    offers = rows(umbrella.get(lead_url(lead, "offers")))
    assert [o["partner"]["id"] for o in offers] == [c.umbrella.pk]
    history = rows(umbrella.get(lead_url(lead, "history")))
    assert {e["kind"] for e in history} == {"offered"}
    text = str(offers) + str(history) + str(body)
    assert "Initech" not in text and "No capacity" not in text

    vendor_offers = rows(api(c.acme_manager).get(lead_url(lead, "offers")))
    assert [(o["partner"]["id"], o["outcome"]) for o in vendor_offers] == [
        (c.initech.pk, "rejected"),
        (c.umbrella.pk, "pending"),
    ]
    assert vendor_offers[0]["reason"] == "No capacity in Q3."
    assert vendor_offers[0]["explanation"].startswith("covers TX, US")
    kinds = [e["kind"] for e in rows(api(c.acme_manager).get(lead_url(lead, "history")))]
    assert kinds == ["created", "offered", "rejected", "offered"]


def test_a_vendor_sees_a_partners_own_lead_only_once_it_is_a_deal(api, leads_channel):
    c = leads_channel
    lead = f.own_lead(c.initech_admin, c.initech_acme)
    assert ids(api(c.initech_rep).get(LEADS)) == {lead.pk}
    assert lead.pk not in ids(api(c.acme_manager).get(LEADS))
    assert api(c.acme_manager).get(lead_url(lead)).status_code == 404

    convert = {
        "title": "Own Prospect: routers",
        "expected_close_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "lines": [{"product": c.acme_router.pk, "quantity": 2}],
        "submit": True,
    }
    response = api(c.initech_rep).post(lead_url(lead, "convert"), convert, format="json")
    assert response.status_code == 201, response.content
    seen = api(c.acme_manager).get(lead_url(lead)).json()
    assert seen["status"] == "converted"
    assert seen["deal"]["status"] == "submitted" and seen["deal"]["stage"] == "qualifying"
    assert seen["deal"]["url"] == f"{API}/deals/{seen['deal']['id']}/"
    assert lead.pk in ids(api(c.acme_manager).get(LEADS))


def test_a_vendor_is_not_shown_a_deal_the_partner_keeps_as_a_draft(api, leads_channel):
    c = leads_channel
    (lead,) = f.leads(c.acme_manager, c.acme, new_lead())
    services.lead_accept(actor=c.initech_rep, lead=lead)
    services.lead_convert(
        actor=c.initech_rep,
        lead=lead,
        title="Waystar: routers",
        expected_close_date=timezone.localdate() + timedelta(days=30),
        lines=[(c.acme_router.pk, 1)],
        submit=False,
    )
    seen = api(c.acme_manager).get(lead_url(lead)).json()
    assert (seen["status"], seen["deal"]) == ("converted", None)
    assert api(c.initech_rep).get(lead_url(lead)).json()["deal"]["status"] == "draft"


def test_a_distributor_sees_its_resellers_leads_without_routing_internals(api, leads_channel):
    c = leads_channel
    (acme_lead,) = f.leads(c.acme_manager, c.acme, new_lead())
    (globex_lead,) = f.leads(c.globex_admin, c.globex, new_lead(country="DE", region="", products=[]))
    assert (globex_lead.partner_id, globex_lead.distributor_id) == (c.initech.pk, c.northwind.pk)
    client = api(c.northwind_admin)
    [row] = rows(client.get(LEADS))
    assert row["id"] == globex_lead.pk and not VENDOR_ONLY & set(row)
    assert row["distributor"]["id"] == c.northwind.pk
    assert client.get(lead_url(acme_lead)).status_code == 404
    assert not rows(client.get(lead_url(globex_lead, "offers")))  # the reseller's offers are the reseller's
    assert client.post(lead_url(globex_lead, "accept")).status_code == 403
    # Initech works in Acme and Globex: its list has both vendors' leads.
    assert ids(api(c.initech_rep).get(LEADS)) == {acme_lead.pk, globex_lead.pk}


def test_actions_on_a_lead_one_may_not_see_are_404_like_a_missing_one(api, leads_channel):
    c = leads_channel
    (lead,) = f.leads(c.acme_manager, c.acme, new_lead(region="CA"))  # Umbrella's
    client = api(c.initech_admin)
    before = written()
    for action, payload in (
        ("accept", {}),
        ("reject", {"reason": "x"}),
        ("assign", {"rep": None}),
        ("status", {"status": "contacted"}),
        ("offer", {"partnership": c.initech_acme.pk}),
    ):
        assert client.post(lead_url(lead, action), payload, format="json").status_code == 404, action
        assert client.post(lead_url(987654321, action), payload, format="json").status_code == 404, action
    for action in ("history", "offers"):
        assert client.get(lead_url(lead, action)).status_code == 404
    assert written() == before


# --- the partner's answer and its work ------------------------------------------------------------------------


def test_partner_accepts_and_the_vendor_sees_how_long_it_took(api, leads_channel):
    c = leads_channel
    (lead,) = f.leads(c.acme_manager, c.acme, new_lead())
    assert api(c.acme_manager).post(lead_url(lead, "accept")).status_code == 403
    response = api(c.initech_rep).post(lead_url(lead, "accept"))
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["accept_by"]) == ("accepted", None)
    seen = api(c.acme_manager).get(lead_url(lead)).json()
    assert seen["status"] == "accepted" and seen["accepted_at"]
    assert isinstance(seen["time_to_accept"], int) and seen["time_to_accept"] >= 0
    # Twice: it is no longer waiting for an answer.
    assert "non_field_errors" in errors(api(c.initech_rep).post(lead_url(lead, "accept")))


def test_a_rejection_needs_a_reason(api, leads_channel):
    c = leads_channel
    (lead,) = f.leads(c.acme_manager, c.acme, new_lead())
    before = written()
    assert "reason" in errors(api(c.initech_rep).post(lead_url(lead, "reject"), {"reason": ""}, format="json"))
    assert "reason" in errors(api(c.initech_rep).post(lead_url(lead, "reject"), {}, format="json"))
    assert written() == before


def test_partner_assigns_a_rep_of_its_own(api, leads_channel):
    c = leads_channel
    (lead,) = f.leads(c.acme_manager, c.acme, new_lead())
    client = api(c.initech_admin)
    assert "non_field_errors" in errors(client.post(lead_url(lead, "assign"), {"rep": c.initech_rep.pk}, format="json"))
    services.lead_accept(actor=c.initech_admin, lead=lead)
    body = errors(client.post(lead_url(lead, "assign"), {"rep": c.umbrella_rep.pk}, format="json"))
    assert body == {"rep": ["Choose someone of Initech Solutions."]}
    response = client.post(lead_url(lead, "assign"), {"rep": c.initech_rep.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["assigned_to"] == {"id": c.initech_rep.pk, "name": c.initech_rep.display_name}
    # The vendor is told it is being worked, not by whom.
    assert api(c.acme_manager).get(lead_url(lead)).json()["assigned_to"] is None
    history = rows(api(c.acme_manager).get(lead_url(lead, "history")))
    assigned = next(e for e in history if e["kind"] == "assigned")
    assert (assigned["actor"], assigned["new_value"], assigned["organization"]["id"]) == (None, "", c.initech.pk)
    own = next(e for e in rows(client.get(lead_url(lead, "history"))) if e["kind"] == "assigned")
    assert own["actor"] == c.initech_admin.display_name and own["new_value"]
    response = client.post(lead_url(lead, "assign"), {"rep": None}, format="json")
    assert response.json()["assigned_to"] is None
    assert api(c.acme_manager).post(lead_url(lead, "assign"), {"rep": None}, format="json").status_code == 403


def test_partner_records_its_progress(api, leads_channel):
    c = leads_channel
    (lead,) = f.leads(c.acme_manager, c.acme, new_lead())
    client = api(c.initech_rep)
    assert "status" in errors(client.post(lead_url(lead, "status"), {"status": "contacted"}, format="json"))
    services.lead_accept(actor=c.initech_rep, lead=lead)
    assert client.post(lead_url(lead, "status"), {"status": "contacted"}, format="json").json()["status"] == "contacted"
    body = errors(client.post(lead_url(lead, "status"), {"status": "disqualified"}, format="json"))
    assert body == {"reason": ["Say why the lead is disqualified."]}
    assert "status" in errors(client.post(lead_url(lead, "status"), {"status": "converted"}, format="json"))
    response = client.post(lead_url(lead, "status"), {"status": "disqualified", "reason": "No budget."}, format="json")
    assert (response.json()["status"], response.json()["status_reason"]) == ("disqualified", "No budget.")
    assert api(c.acme_manager).get(lead_url(lead)).json()["status"] == "disqualified"
    assert api(c.acme_manager).post(lead_url(lead, "status"), {"status": "qualified"}, format="json").status_code == 403


def test_partner_converts_a_lead_to_a_deal_registration(api, leads_channel):
    c = leads_channel
    (lead,) = f.leads(c.acme_manager, c.acme, new_lead())
    services.lead_accept(actor=c.initech_rep, lead=lead)
    payload = {
        "title": "Waystar: 40 routers",
        "expected_close_date": (timezone.localdate() + timedelta(days=60)).isoformat(),
        "lines": [{"product": c.acme_router.pk, "quantity": 40}],
    }
    bad = {**payload, "lines": [{"product": c.globex_fw.pk, "quantity": 1}]}
    before = written()
    assert "lines" in errors(api(c.initech_rep).post(lead_url(lead, "convert"), bad, format="json"))
    assert "lines" in errors(
        api(c.initech_rep).post(lead_url(lead, "convert"), {**payload, "lines": []}, format="json")
    )
    assert written() == before
    assert api(c.acme_manager).post(lead_url(lead, "convert"), payload, format="json").status_code == 403

    response = api(c.initech_rep).post(lead_url(lead, "convert"), payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    deal = DealRegistration.objects.get(lead=lead)
    assert body["status"] == "converted"
    assert body["deal"]["id"] == deal.pk and response["Location"] == body["deal"]["url"] == f"{API}/deals/{deal.pk}/"
    assert (deal.customer_name, deal.status, deal.partner_id) == ("Waystar Health", "draft", c.initech.pk)
    assert api(c.initech_rep).get(body["deal"]["url"]).status_code == 200


# --- by hand (the vendor) ---------------------------------------------------------------------------------------


def test_vendor_offers_a_lead_by_hand_to_a_partner_of_its_own(api, leads_channel):
    c = leads_channel
    (lead,) = f.leads(c.acme_manager, c.acme, new_lead())
    client = api(c.acme_manager)
    before = written()
    assert errors(client.post(lead_url(lead, "offer"), {"partnership": c.initech_globex.pk}, format="json")) == {
        "partnership": ["Choose one of your own partners."]
    }
    assert "partnership" in errors(client.post(lead_url(lead, "offer"), {"partnership": 987654321}, format="json"))
    assert written() == before
    assert api(c.acme_member).post(lead_url(lead, "offer"), {"partnership": 1}, format="json").status_code == 403
    assert api(c.initech_rep).post(lead_url(lead, "offer"), {"partnership": 1}, format="json").status_code == 403

    response = client.post(lead_url(lead, "offer"), {"partnership": c.umbrella_acme.pk}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["partner"]["id"], body["partnership"], body["status"]) == (
        c.umbrella.pk,
        c.umbrella_acme.pk,
        "offered",
    )
    assert body["routing_reason"].startswith("chosen by ")
    assert api(c.initech_rep).get(lead_url(lead)).status_code == 404
    assert api(c.umbrella_admin).get(lead_url(lead)).status_code == 200


# --- filters and paging -----------------------------------------------------------------------------------------


def test_the_list_filters_and_is_newest_first(api, leads_channel):
    c = leads_channel
    old, new = f.leads(
        c.acme_manager,
        c.acme,
        new_lead(company="Alamo Clinic"),
        new_lead(company="Brazos Bank", contact_name="Lee Park"),
    )
    Lead.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    (unrouted,) = f.leads(c.acme_manager, c.acme, new_lead(company="Paris SA", country="FR", region=""))
    client = api(c.acme_manager)
    assert [r["id"] for r in rows(client.get(LEADS))] == [unrouted.pk, new.pk, old.pk]
    assert ids(client.get(LEADS, {"status": "unassigned"})) == {unrouted.pk}
    assert ids(client.get(LEADS, {"q": "brazos"})) == {new.pk}
    assert ids(client.get(LEADS, {"q": "lee par"})) == {new.pk}
    assert ids(client.get(LEADS, {"q": old.reference})) == {old.pk}
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(client.get(LEADS, {"created_after": since})) == {new.pk, unrouted.pk}
    assert ids(client.get(LEADS, {"created_before": since})) == {old.pk}
    assert ids(client.get(LEADS, {"vendor": c.globex.pk})) == set()
    page = client.get(LEADS, {"page_size": 2}).json()
    assert (page["count"], len(page["results"])) == (3, 2) and page["next"]
    # A partner filters by vendor.
    f.leads(c.globex_admin, c.globex, new_lead(country="DE", region="", products=[]))
    assert {r["vendor"]["id"] for r in rows(api(c.initech_rep).get(LEADS, {"vendor": c.globex.pk}))} == {c.globex.pk}


@pytest.mark.parametrize(
    "query",
    ["status=lost", "vendor=abc", "vendor=-1", "created_after=yesterday", "created_before=2025-13-01", "page=99"],
)
def test_a_malformed_filter_is_a_400(api, leads_channel, query):
    response = api(leads_channel.acme_manager).get(f"{LEADS}?{query}")
    assert response.status_code in (400, 404), response.content


# --- constant query counts ---------------------------------------------------------------------------------------


def _measure(client, url) -> tuple[int, int]:
    client.get(url)  # warm the per-process caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return len(queries), len(rows(response))


def _grow(c, n):
    """``n`` more leads of every kind each side sees: offered, accepted, converted, the partner's own."""
    made = f.leads(
        c.acme_manager,
        c.acme,
        *[new_lead(company=f"Texas {k}") for k in range(n)],
        *[new_lead(region="CA") for _ in range(n)],
    )
    texas = [lead for lead in made if lead.partner_id == c.initech.pk]
    for lead in texas[: max(2, n // 2)]:
        services.lead_accept(actor=c.initech_rep, lead=lead)
    services.lead_assign_rep(actor=c.initech_admin, lead=texas[0], rep=c.initech_rep)
    services.lead_convert(
        actor=c.initech_rep,
        lead=texas[1],
        title="Converted",
        expected_close_date=timezone.localdate() + timedelta(days=30),
        lines=[(c.acme_router.pk, 1)],
        submit=True,
    )
    f.own_lead(c.initech_admin, c.initech_acme)
    f.leads(c.globex_admin, c.globex, new_lead(country="DE", region="", products=[]))


@pytest.mark.parametrize("persona", ["acme_manager", "initech_rep", "northwind_admin"])
def test_list_queries_do_not_grow_with_rows(api, leads_channel, django_assert_max_num_queries, persona):
    c = leads_channel
    _grow(c, 2)
    client = api(getattr(c, persona))
    small_queries, small_rows = _measure(client, LEADS)
    assert small_queries <= 13
    _grow(c, 20)
    with django_assert_max_num_queries(small_queries):
        response = client.get(LEADS)
    assert len(rows(response)) > small_rows


# --- the vendor's rules -------------------------------------------------------------------------------------------


def test_vendor_reads_and_sets_its_rules(api, leads_channel):
    c = leads_channel
    assert api(c.acme_member).get(RULES).json() == {
        "sla_hours": 48,
        "reminder_hours": 12,
        "match_territory": True,
        "tiers": [],
        "match_products": True,
        "default_capacity": None,
        "weigh_by_performance": True,
        "updated_at": None,
    }
    payload = {"sla_hours": 24, "reminder_hours": 4, "tiers": [c.gold.pk], "default_capacity": 10}
    response = api(c.acme_manager).put(RULES, payload, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["sla_hours"], body["reminder_hours"], body["default_capacity"]) == (24, 4, 10)
    assert [t["id"] for t in body["tiers"]] == [c.gold.pk]
    rules = LeadRules.objects.get(vendor=c.acme)
    assert list(rules.tiers.all()) == [c.gold]
    # PATCH changes what it is sent; PUT resets what it is not.
    body = api(c.acme_manager).patch(RULES, {"weigh_by_performance": False}, format="json").json()
    assert (body["weigh_by_performance"], body["sla_hours"], len(body["tiers"])) == (False, 24, 1)
    body = api(c.acme_manager).put(RULES, {"sla_hours": 72}, format="json").json()
    assert (body["sla_hours"], body["tiers"], body["weigh_by_performance"], body["default_capacity"]) == (
        72,
        [],
        True,
        None,
    )
    # Leads sent now have the new deadline.
    (lead,) = f.leads(c.acme_manager, c.acme, new_lead())
    assert timedelta(hours=71) < lead.accept_by - timezone.now() <= timedelta(hours=72)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"sla_hours": 0}, "sla_hours"),
        ({"sla_hours": 721}, "sla_hours"),
        ({"sla_hours": 10, "reminder_hours": 12}, "reminder_hours"),
        ({"default_capacity": 0}, "default_capacity"),
        ({"tiers": ["gold"]}, "tiers"),
        ({"match_territory": "maybe"}, "match_territory"),
    ],
)
def test_bad_rules_are_field_errors_and_save_nothing(api, leads_channel, payload, field):
    c = leads_channel
    assert field in errors(api(c.acme_manager).patch(RULES, payload, format="json"))
    assert not LeadRules.objects.exists()


def test_rules_with_another_vendors_tier_are_refused(api, leads_channel):
    c = leads_channel
    body = errors(api(c.acme_manager).patch(RULES, {"tiers": [c.standard.pk]}, format="json"))
    assert body == {"tiers": ["Choose tiers of Acme Networks's program."]}
    assert not LeadRules.objects.exists()


@pytest.mark.parametrize("persona", ["acme_member", "initech_admin", "northwind_admin"])
def test_only_a_vendors_managers_set_rules(api, leads_channel, persona):
    response = api(getattr(leads_channel, persona)).put(RULES, {"sla_hours": 24}, format="json")
    assert response.status_code == 403
    assert not LeadRules.objects.exists()


def test_a_partner_has_no_lead_rules(api, leads_channel):
    assert api(leads_channel.initech_admin).get(RULES).status_code == 403


# --- coverage -----------------------------------------------------------------------------------------------------


def test_vendor_sets_a_partners_coverage_and_routing_follows_it(api, leads_channel):
    c = leads_channel
    client = api(c.acme_manager)
    assert client.get(coverage_url(c.umbrella_acme)).json() == {
        "partnership": c.umbrella_acme.pk,
        "partner": {"id": c.umbrella.pk, "name": "Umbrella IT", "slug": c.umbrella.slug},
        "countries": ["US"],
        "regions": [],
        "products": [],
        "capacity": None,
        "accepts_leads": True,
    }
    payload = {"countries": ["US", "CA", "US"], "regions": ["TX", " "], "products": ["ACM-R100"], "capacity": 5}
    response = client.put(coverage_url(c.umbrella_acme), payload, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["countries"], body["regions"], body["capacity"]) == (["US", "CA"], ["TX"], 5)
    assert [p["sku"] for p in body["products"]] == ["ACM-R100"]
    # Both name Texas now; Umbrella specialises in the router.
    (lead,) = f.leads(c.acme_manager, c.acme, new_lead())
    assert lead.partner_id == c.umbrella.pk and "specialises in ACM-R100" in lead.routing_reason
    # The partner sees its own coverage, and cannot change it.
    assert api(c.umbrella_admin).get(coverage_url(c.umbrella_acme)).json()["capacity"] == 5
    assert api(c.umbrella_admin).put(coverage_url(c.umbrella_acme), payload, format="json").status_code == 403
    # Nobody takes a partner that does not accept leads.
    client.put(coverage_url(c.umbrella_acme), {"countries": ["US"], "accepts_leads": False}, format="json")
    (lead,) = f.leads(c.acme_manager, c.acme, new_lead(region="CA"))
    assert lead.partner_id is None


def test_coverage_of_a_partnership_without_any_is_the_default(api, leads_channel):
    c = leads_channel
    LeadCoverage.objects.filter(partnership=c.umbrella_acme).delete()
    body = api(c.acme_admin).get(coverage_url(c.umbrella_acme)).json()
    assert (body["countries"], body["accepts_leads"], body["capacity"]) == ([], True, None)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"countries": ["USA"]}, "countries"),
        ({"countries": ["U1"]}, "countries"),
        ({"countries": "US"}, "countries"),
        ({"countries": [], "regions": ["TX"]}, "regions"),
        ({"countries": ["US"], "products": ["GLX-FW"]}, "products"),
        ({"countries": ["US"], "capacity": 0}, "capacity"),
        ({"regions": ["TX"]}, "countries"),
    ],
)
def test_bad_coverage_is_a_field_error_and_saves_nothing(api, leads_channel, payload, field):
    c = leads_channel
    assert field in errors(api(c.acme_manager).put(coverage_url(c.umbrella_acme), payload, format="json"))
    coverage = LeadCoverage.objects.get(partnership=c.umbrella_acme)
    assert (coverage.countries, coverage.regions, coverage.capacity) == (["US"], [], None)


@pytest.mark.parametrize("persona", ["globex_admin", "northwind_admin", "initech_admin"])
def test_coverage_is_the_vendors_and_the_partners_own(api, leads_channel, persona):
    """Another vendor, and a partner of another partnership, get a 404; so does a distributor in between."""
    c = leads_channel
    partnership = c.initech_globex if persona == "northwind_admin" else c.umbrella_acme
    client = api(getattr(c, persona))
    assert client.get(coverage_url(partnership)).status_code == 404
    assert client.put(coverage_url(partnership), {"countries": ["FR"]}, format="json").status_code == 404
    assert client.get(f"{API}/lead-coverage/987654321/").status_code == 404


def test_only_a_vendors_managers_set_coverage(api, leads_channel):
    c = leads_channel
    response = api(c.acme_member).put(coverage_url(c.umbrella_acme), {"countries": ["FR"]}, format="json")
    assert response.status_code == 403
    assert LeadCoverage.objects.get(partnership=c.umbrella_acme).countries == ["US"]


# --- the two services, as the HTML forms call them ------------------------------------------------------------------


def test_rules_and_coverage_services_take_instances(leads_channel):
    c = leads_channel
    rules = services.lead_rules_update(actor=c.acme_admin, vendor=c.acme, tiers=[c.silver], match_products=False)
    assert (list(rules.tiers.all()), rules.match_products, rules.sla_hours) == ([c.silver], False, 48)
    coverage = services.lead_coverage_update(
        actor=c.acme_manager,
        partnership=c.initech_acme,
        countries=["US"],
        regions=[],
        products=[c.acme_router],
        capacity=None,
        accepts_leads=True,
    )
    assert list(coverage.products.all()) == [c.acme_router] and coverage.vendor == c.acme
    with pytest.raises(services.ValidationError) as raised:
        services.lead_rules_update(actor=c.acme_admin, vendor=c.acme, colour="red")
    assert raised.value.message_dict == {"colour": ["Not a lead rule."]}
    with pytest.raises(services.PermissionDenied):
        services.lead_coverage_update(
            actor=c.globex_admin,
            partnership=c.initech_acme,
            countries=["US"],
            regions=[],
            products=[],
            capacity=None,
            accepts_leads=True,
        )
