"""Deal registration through the API: a partner registers and keeps a deal current, the vendor decides it.

Bad input is a 400 naming the field, and writes nothing. See also ``test_deals_visibility.py`` (who sees what,
conflicts, query counts).
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deals import services
from deals.models import DealAttachment, DealComment, DealEvent, DealExtensionRequest, DealLine, DealRegistration
from tests import factories as f
from tests.api.helpers import API, errors, rows

pytestmark = pytest.mark.django_db

DEALS = f"{API}/deals/"


def today():
    return timezone.localdate()


def in_days(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


def deal_url(deal, action="") -> str:
    pk = deal if isinstance(deal, int) else deal.pk
    return f"{DEALS}{pk}/" + (f"{action}/" if action else "")


def new_deal(channel, **changes) -> dict:
    """A valid registration with Acme: 10 Edge Routers for Hooli."""
    return {
        "vendor": channel.acme.pk,
        "title": "Hooli: branch routers",
        "customer_name": "Hooli Inc.",
        "customer_website": "https://www.hooli.com",
        "customer_country": "US",
        "contact_name": "Gavin Belson",
        "contact_email": "gavin@hooli.com",
        "expected_close_date": in_days(60),
        "notes": "Replacing their old routers in 12 branches.",
        "lines": [{"product": channel.acme_router.pk, "quantity": 10}],
        **changes,
    }


def written() -> dict:
    """Counts of every deal table: a refused request leaves them as they were."""
    return {
        model.__name__: model.objects.count()
        for model in (DealRegistration, DealLine, DealEvent, DealComment, DealAttachment, DealExtensionRequest)
    }


def pdf(name="quote.pdf", size=None):
    content = b"%PDF-1.4\n% a quote\n" + b"0" * ((size or 100) - 19)
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- registering ----------------------------------------------------------------------------------------------


def test_partner_registers_a_draft_priced_at_its_buy_price(api, channel):
    response = api(channel.initech_rep).post(DEALS, new_deal(channel), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["stage"] == "qualifying"
    assert body["vendor"]["id"] == channel.acme.pk
    assert body["partner"]["id"] == channel.initech.pk
    assert body["distributor"] is None
    assert body["reference"] == f"DR-{body['id']:06d}"
    # Gold: 30 % off 1299.99 is 909.99 a router; ten of them.
    assert (body["amount"], body["currency"]) == ("9099.90", "USD")
    [line] = body["lines"]
    assert line["product"] == {"id": channel.acme_router.pk, "sku": "ACM-R100", "name": "Edge Router 100"}
    assert (line["quantity"], line["list_price"], line["unit_price"], line["total"]) == (
        10,
        "1299.99",
        "909.99",
        "9099.90",
    )
    assert body["expected_close_date"] == in_days(60)
    assert "has_conflict" not in body and "queue" not in body
    deal = DealRegistration.objects.get(pk=body["id"])
    assert (deal.partner_id, deal.vendor_id, deal.created_by_id) == (
        channel.initech.pk,
        channel.acme.pk,
        channel.initech_rep.pk,
    )
    # A draft is the partner's alone.
    assert api(channel.acme_manager).get(deal_url(deal)).status_code == 404


def test_partner_registers_and_submits_at_once(api, channel):
    response = api(channel.initech_admin).post(DEALS, new_deal(channel, submit=True), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["status_label"]) == ("submitted", "Under review")
    assert body["submitted_at"]
    seen = api(channel.acme_manager).get(deal_url(body["id"])).json()
    assert seen["status"] == "submitted"
    assert seen["has_conflict"] is False


def test_two_tier_registration_is_priced_with_the_distributors_uplift(api, channel):
    body = new_deal(channel, vendor=channel.globex.pk, lines=[{"product": channel.globex_fw.pk, "quantity": 2}])
    response = api(channel.initech_rep).post(DEALS, body, format="json")
    assert response.status_code == 201, response.content
    deal = response.json()
    assert deal["distributor"]["id"] == channel.northwind.pk
    # Standard 10 % off 999.95 is 899.955, plus Northwind's 5 %: 944.95 a firewall.
    assert (deal["amount"], deal["currency"]) == ("1889.90", "EUR")


def _other_vendor_product(channel):
    return channel.globex_fw.pk


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"lines": [{"product": 987654321, "quantity": 1}]}, "lines"),  # no such product
        ({"lines": [{"product": "GLOBEX", "quantity": 1}]}, "lines"),  # not an id
        ({"lines": [{"product": -1, "quantity": 1}]}, "lines"),
        ({"lines": [{"quantity": 1}]}, "lines"),
        ({"lines": ["ACM-R100"]}, "lines"),
        ({"lines": []}, "lines"),
        ({"lines": {"product": 1}}, "lines"),
        ({"expected_close_date": "yesterday"}, "expected_close_date"),
        ({"customer_country": "Germany"}, "customer_country"),
        ({"customer_name": ""}, "customer_name"),
        ({"contact_email": "not an email"}, "contact_email"),
        ({"vendor": 987654321}, "vendor"),
    ],
)
def test_bad_registration_is_a_field_error_and_writes_nothing(api, channel, changes, field):
    before = written()
    body = errors(api(channel.initech_rep).post(DEALS, new_deal(channel, **changes), format="json"))
    assert field in body, body
    assert written() == before


def test_product_of_another_vendor_is_refused(api, channel):
    before = written()
    lines = [{"product": channel.acme_router.pk, "quantity": 1}, {"product": channel.globex_fw.pk, "quantity": 1}]
    body = errors(api(channel.initech_rep).post(DEALS, new_deal(channel, lines=lines), format="json"))
    assert body == {"lines": [f"Line 2: product {channel.globex_fw.pk} is not in Acme Networks's catalog."]}
    assert written() == before


@pytest.mark.parametrize("quantity", [-3, 0, 1_000_001, "ten", 2.5])
def test_bad_quantity_names_the_line(api, channel, quantity):
    before = written()
    lines = [{"product": channel.acme_router.pk, "quantity": quantity}]
    body = errors(api(channel.initech_rep).post(DEALS, new_deal(channel, lines=lines), format="json"))
    assert list(body) == ["lines"]
    assert body["lines"][0].startswith("Line 1: quantity: ")
    assert written() == before


def test_past_close_date_is_refused(api, channel):
    before = written()
    body = errors(
        api(channel.initech_rep).post(DEALS, new_deal(channel, expected_close_date=in_days(-1)), format="json")
    )
    assert body == {"expected_close_date": ["The expected close date cannot be in the past."]}
    assert written() == before


@pytest.mark.parametrize("case", ["suspended", "applied", "none", "not_a_vendor"])
def test_vendor_without_an_active_partnership_is_refused(api, channel, case):
    if case == "suspended":
        person, vendor = channel.umbrella_admin, channel.globex  # Umbrella's Globex partnership is suspended
    elif case == "applied":
        hooli = f.vendor("Hooli Cloud")
        f.partnership(hooli, channel.initech, status="applied")
        person, vendor = channel.initech_rep, hooli
    elif case == "none":
        person, vendor = channel.initech_rep, f.vendor("Hooli Cloud")
    else:
        person, vendor = channel.initech_rep, channel.northwind
    product = f.ProductFactory(vendor=vendor) if case != "suspended" else channel.globex_fw
    before = written()
    body = new_deal(channel, vendor=vendor.pk, lines=[{"product": product.pk, "quantity": 1}])
    assert list(errors(api(person).post(DEALS, body, format="json"))) == ["vendor"]
    assert written() == before


@pytest.mark.parametrize("persona", ["acme_manager", "northwind_admin"])
def test_only_partners_register(api, channel, persona):
    before = written()
    response = api(getattr(channel, persona)).post(DEALS, new_deal(channel), format="json")
    assert response.status_code == 403
    assert written() == before


def test_attachments_are_not_part_of_the_json_registration(api, channel):
    response = api(channel.initech_rep).post(DEALS, new_deal(channel, attachments=["quote.pdf"]), format="json")
    assert response.status_code == 201
    assert DealAttachment.objects.count() == 0


# --- keeping it current ----------------------------------------------------------------------------------------


@pytest.fixture
def submitted(channel):
    """Initech's submitted registration with Acme: 10 routers for Hooli."""
    return f.deal(channel.initech_admin, channel.initech, channel.acme, channel.acme_router, quantity=10)


def test_partner_moves_its_deal_along_and_each_change_is_in_the_history(api, channel, submitted):
    client = api(channel.initech_rep)
    changes = {"stage": "negotiation", "amount": "12000.50", "expected_close_date": in_days(30), "notes": "Signed."}
    response = client.patch(deal_url(submitted), changes, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["stage"], body["amount"], body["expected_close_date"], body["notes"]) == (
        "negotiation",
        "12000.50",
        in_days(30),
        "Signed.",
    )
    history = rows(api(channel.acme_manager).get(deal_url(submitted, "history")))
    changed = {
        event["field"]: (event["old_value"], event["new_value"]) for event in history if event["kind"] == "changed"
    }
    assert changed["stage"] == ("Qualifying", "Negotiation")
    assert changed["amount"] == ("9,099.90 USD", "12,000.50 USD")
    assert {"expected_close_date", "notes"} <= set(changed)
    assert all(event["actor"] for event in history if event["kind"] == "changed")


def test_changing_the_lines_reprices_the_deal(api, channel, submitted):
    switch = f.ProductFactory(vendor=channel.acme, sku="ACM-SW8", name="Switch 8", list_price="100.00")
    lines = [{"product": channel.acme_router.pk, "quantity": 1}, {"product": switch.pk, "quantity": 3}]
    response = api(channel.initech_rep).patch(deal_url(submitted), {"lines": lines}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(line["product"]["sku"], line["quantity"]) for line in body["lines"]] == [("ACM-R100", 1), ("ACM-SW8", 3)]
    assert body["amount"] == "1119.99"  # 909.99 + 3 × 70.00


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"expected_close_date": in_days(-2)}, "expected_close_date"),
        ({"stage": "lost", "lost_reason": ""}, "lost_reason"),
        ({"stage": "won-ish"}, "stage"),
        ({"amount": "-5"}, "amount"),
        ({"lines": [{"product": 987654321, "quantity": 1}]}, "lines"),
        ({"lines": [{"product": 1, "quantity": -1}]}, "lines"),
        ({"customer_name": "Someone Else Ltd"}, "customer_name"),  # the customer is fixed once submitted
        ({"title": ""}, "title"),
    ],
)
def test_bad_change_is_a_field_error_and_changes_nothing(api, channel, submitted, changes, field):
    before = written()
    snapshot = api(channel.initech_rep).get(deal_url(submitted)).json()
    body = errors(api(channel.initech_rep).patch(deal_url(submitted), {**changes, "notes": "Changed?"}, format="json"))
    assert field in body, body
    assert written() == before
    assert api(channel.initech_rep).get(deal_url(submitted)).json() == snapshot


def test_vendor_and_distributor_cannot_change_a_partners_deal(api, channel, submitted):
    globex_deal = f.deal(channel.initech_admin, channel.initech, channel.globex, channel.globex_fw)
    before = written()
    assert api(channel.acme_manager).patch(deal_url(submitted), {"stage": "won"}, format="json").status_code == 403
    # Even a body the serializer would refuse: the refusal comes first.
    assert api(channel.acme_manager).patch(deal_url(submitted), {"stage": 7}, format="json").status_code == 403
    assert api(channel.northwind_admin).patch(deal_url(globex_deal), {"stage": "won"}, format="json").status_code == 403
    # Another partner does not even see it.
    assert api(channel.umbrella_admin).patch(deal_url(submitted), {"stage": "won"}, format="json").status_code == 404
    assert written() == before
    submitted.refresh_from_db()
    assert submitted.stage == "qualifying"


def test_vendor_cannot_change_a_draft_it_does_not_see(api, channel):
    draft = f.deal(channel.initech_admin, channel.initech, channel.acme, channel.acme_router, submit=False)
    assert api(channel.acme_manager).patch(deal_url(draft), {"stage": "won"}, format="json").status_code == 404


# --- the lifecycle -----------------------------------------------------------------------------------------------


def test_lifecycle_through_the_api(api, channel):
    partner, vendor = api(channel.initech_rep), api(channel.acme_manager)

    created = partner.post(DEALS, new_deal(channel), format="json").json()
    url = deal_url(created["id"])
    submitted = partner.post(f"{url}submit/").json()
    assert submitted["status"] == "submitted"

    asked = vendor.post(f"{url}request-info/", {"question": "Which branches first?"}, format="json")
    assert asked.status_code == 200, asked.content
    assert (asked.json()["status"], asked.json()["queue"]) == ("info_requested", 1)
    assert partner.get(url).json()["status_label"] == "More information requested"
    [question] = rows(partner.get(f"{url}comments/"))
    assert (question["body"], question["organization"]["id"]) == ("Which branches first?", channel.acme.pk)

    # While the vendor asks, the customer may still be corrected; then the partner answers and resubmits.
    fixed = partner.patch(url, {"customer_name": "Hooli XYZ Inc."}, format="json")
    assert fixed.status_code == 200, fixed.content
    answer = partner.post(f"{url}comments/", {"body": "Palo Alto and Austin."}, format="json")
    assert answer.status_code == 201, answer.content
    assert answer.json()["organization"]["id"] == channel.initech.pk
    assert partner.post(f"{url}submit/").json()["status"] == "submitted"

    approved = vendor.post(f"{url}approve/", {"protection_days": 30, "note": "Go for it."}, format="json")
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert (body["status"], body["protection_days"], body["expires_on"]) == ("approved", 30, in_days(30))
    assert body["decision_reason"] == "Go for it."

    extension = partner.post(f"{url}extension-request/", {"days": 15, "reason": "Legal review."}, format="json")
    assert extension.status_code == 201, extension.content
    assert (extension.json()["status"], extension.json()["days"]) == ("pending", 15)
    assert [e["status"] for e in partner.get(url).json()["extension_requests"]] == ["pending"]

    granted = vendor.post(f"{url}extension-decision/", {"grant": True, "response": "Fine."}, format="json")
    assert granted.status_code == 200, granted.content
    assert granted.json()["expires_on"] == in_days(45)
    assert [e["status"] for e in partner.get(url).json()["extension_requests"]] == ["granted"]

    won = partner.patch(url, {"stage": "won"}, format="json").json()
    assert (won["stage"], won["status"]) == ("won", "approved")
    assert won["closed_at"]

    kinds = [event["kind"] for event in rows(partner.get(f"{url}history/"))]
    assert kinds[:2] == ["created", "submitted"]
    for kind in ("info_requested", "resubmitted", "approved", "extension_requested", "extension_granted"):
        assert kind in kinds
    assert kinds.index("info_requested") < kinds.index("resubmitted") < kinds.index("approved")


def test_vendor_rejects_with_a_reason_the_partner_sees(api, channel, submitted):
    vendor = api(channel.acme_manager)
    before = written()
    assert list(errors(vendor.post(deal_url(submitted, "reject"), {"reason": ""}, format="json"))) == ["reason"]
    assert written() == before
    response = vendor.post(deal_url(submitted, "reject"), {"reason": "Direct account."}, format="json")
    assert response.status_code == 200, response.content
    seen = api(channel.initech_rep).get(deal_url(submitted)).json()
    assert (seen["status"], seen["decision_reason"]) == ("rejected", "Direct account.")
    # A decided registration is not decided again.
    again = errors(vendor.post(deal_url(submitted, "approve"), {}, format="json"))
    assert list(again) == ["non_field_errors"]


@pytest.mark.parametrize(
    "action, body",
    [
        ("approve", {"protection_days": 30}),
        ("reject", {"reason": "No."}),
        ("request-info", {"question": "Who?"}),
        ("extension-decision", {"grant": True}),
    ],
)
@pytest.mark.parametrize("persona", ["acme_member", "initech_admin"])
def test_only_the_vendors_admins_and_managers_decide(api, channel, submitted, action, body, persona):
    before = written()
    response = api(getattr(channel, persona)).post(deal_url(submitted, action), body, format="json")
    assert response.status_code == 403, response.content
    # Even a body that would be refused as malformed.
    response = api(getattr(channel, persona)).post(deal_url(submitted, action), {"protection_days": "x"}, format="json")
    assert response.status_code == 403
    assert written() == before


def test_decisions_on_a_two_tier_deal_are_the_vendors_not_the_distributors(api, channel):
    deal = f.deal(channel.initech_admin, channel.initech, channel.globex, channel.globex_fw)
    before = written()
    response = api(channel.northwind_admin).post(deal_url(deal, "approve"), {}, format="json")
    assert response.status_code == 403
    assert written() == before
    assert api(channel.globex_admin).post(deal_url(deal, "approve"), {}, format="json").status_code == 200


@pytest.mark.parametrize(
    "action, body, field",
    [
        ("approve", {"protection_days": 0}, "protection_days"),
        ("approve", {"protection_days": 731}, "protection_days"),
        ("request-info", {"question": ""}, "question"),
        ("extension-decision", {"grant": "maybe"}, "grant"),
    ],
)
def test_bad_decision_is_a_field_error_and_writes_nothing(api, channel, submitted, action, body, field):
    before = written()
    assert field in errors(api(channel.acme_manager).post(deal_url(submitted, action), body, format="json"))
    assert written() == before
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_extension_request_needs_an_approved_deal_and_sensible_days(api, channel, submitted):
    partner = api(channel.initech_rep)
    before = written()
    assert list(errors(partner.post(deal_url(submitted, "extension-request"), {"days": 0, "reason": "x"}))) == ["days"]
    body = errors(partner.post(deal_url(submitted, "extension-request"), {"days": 10, "reason": "More time."}))
    assert list(body) == ["non_field_errors"]  # not approved yet
    assert written() == before
    # The vendor asks for an extension on nothing.
    assert api(channel.acme_manager).post(deal_url(submitted, "extension-request"), {"days": 10}).status_code == 403


def test_refusing_an_extension_needs_a_response(api, channel, submitted):
    services.deal_approve(actor=channel.acme_manager, deal=submitted)
    services.deal_request_extension(actor=channel.initech_rep, deal=submitted, days=20, reason="Budget freeze.")
    vendor = api(channel.acme_manager)
    before = written()
    assert list(errors(vendor.post(deal_url(submitted, "extension-decision"), {"grant": False}))) == ["response"]
    assert written() == before
    response = vendor.post(deal_url(submitted, "extension-decision"), {"grant": False, "response": "Not now."})
    assert response.status_code == 200, response.content
    assert response.json()["extension_requests"][0]["status"] == "refused"


def test_partner_cannot_submit_twice(api, channel, submitted):
    before = written()
    body = errors(api(channel.initech_rep).post(deal_url(submitted, "submit")))
    assert list(body) == ["non_field_errors"]
    assert written() == before


# --- the thread --------------------------------------------------------------------------------------------------


def test_thread_is_shared_by_partner_vendor_and_distributor(api, channel):
    deal = f.deal(channel.initech_admin, channel.initech, channel.globex, channel.globex_fw)
    for person, text in [
        (channel.initech_rep, "Can you match the competitor's price?"),
        (channel.globex_admin, "We can do 5 % more."),
        (channel.northwind_admin, "Stock arrives Monday."),
    ]:
        response = api(person).post(deal_url(deal, "comments"), {"body": text}, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["author"] == person.display_name
    thread = rows(api(channel.initech_rep).get(deal_url(deal, "comments")))
    assert [(c["organization"]["name"], c["body"]) for c in thread] == [
        ("Initech Solutions", "Can you match the competitor's price?"),
        ("Globex Security", "We can do 5 % more."),
        ("Northwind Distribution", "Stock arrives Monday."),
    ]


@pytest.mark.parametrize("text", ["", "   ", "x" * 10_001])
def test_empty_or_huge_comment_is_refused(api, channel, submitted, text):
    before = written()
    assert list(errors(api(channel.acme_manager).post(deal_url(submitted, "comments"), {"body": text}))) == ["body"]
    assert written() == before


# --- attachments -------------------------------------------------------------------------------------------------


def test_partner_attaches_a_file_both_sides_see(api, channel, submitted):
    response = api(channel.initech_rep).post(deal_url(submitted, "attachments"), {"file": pdf()}, format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["size"], body["content_type"]) == ("quote.pdf", 100, "application/pdf")
    assert body["uploaded_by"] == channel.initech_rep.display_name
    [seen] = rows(api(channel.acme_manager).get(deal_url(submitted, "attachments")))
    assert seen["id"] == body["id"]
    kinds = [event["kind"] for event in rows(api(channel.acme_manager).get(deal_url(submitted, "history")))]
    assert "attachment_added" in kinds


@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(lambda: pdf(size=2048), id="too-large"),
        pytest.param(lambda: SimpleUploadedFile("tool.exe", b"MZ\x90\x00", "application/octet-stream"), id="exe"),
        pytest.param(lambda: SimpleUploadedFile("quote.pdf", b"<html>not a pdf</html>", "application/pdf"), id="fake"),
        pytest.param(lambda: SimpleUploadedFile("empty.txt", b"", "text/plain"), id="empty"),
    ],
)
def test_bad_attachment_is_a_field_error_and_writes_nothing(api, channel, submitted, settings, upload):
    settings.ONEPANE_DEAL_ATTACHMENT_MAX_BYTES = 1024
    before = written()
    body = errors(
        api(channel.initech_rep).post(deal_url(submitted, "attachments"), {"file": upload()}, format="multipart")
    )
    assert list(body) == ["file"]
    assert written() == before


def test_attachment_must_be_multipart_and_from_the_partner(api, channel, submitted):
    before = written()
    json = api(channel.initech_rep).post(deal_url(submitted, "attachments"), {"file": "quote.pdf"}, format="json")
    assert json.status_code == 415
    missing = errors(api(channel.initech_rep).post(deal_url(submitted, "attachments"), {}, format="multipart"))
    assert list(missing) == ["file"]
    vendor = api(channel.acme_manager).post(deal_url(submitted, "attachments"), {"file": pdf()}, format="multipart")
    assert vendor.status_code == 403
    assert written() == before


# --- the schema ----------------------------------------------------------------------------------------------------


def test_schema_documents_every_operation_and_the_vendor_only_keys_as_optional(client):
    schema = client.get(f"{API}/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert set(paths[f"{API}/deals/"]) == {"get", "post"}
    assert set(paths[f"{API}/deals/{{id}}/"]) == {"get", "patch"}
    for action in ("submit", "approve", "reject", "request-info", "extension-request", "extension-decision"):
        assert set(paths[f"{API}/deals/{{id}}/{action}/"]) == {"post"}, action
    for action in ("comments", "attachments"):
        assert set(paths[f"{API}/deals/{{id}}/{action}/"]) == {"get", "post"}, action
    for action in ("history", "conflicts"):
        assert set(paths[f"{API}/deals/{{id}}/{action}/"]) == {"get"}, action
    assert "multipart/form-data" in paths[f"{API}/deals/{{id}}/attachments/"]["post"]["requestBody"]["content"]
    components = schema["components"]["schemas"]
    for name in ("Deal", "DealRow"):
        assert {"has_conflict", "queue"} <= set(components[name]["properties"])
        assert not {"has_conflict", "queue"} & set(components[name]["required"])
    assert "PartnerDeal" not in components and "VendorDeal" not in components
