"""Deal registration through the pages: the lifecycle from draft to won, the registration form and its errors,
the vendor's decisions and who may take them, attachments, the thread and the vendor's rules."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from deals import services
from deals.models import DealAttachment, DealRegistration, DealRules
from tests import factories as f
from tests.deals.helpers import (
    HTMX,
    create_form,
    edit_form,
    line_data,
    pdf,
    today,
    url,
    written,
)
from tests.portal.helpers import client_for, main_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def as_(client, user):
    return client_for(client, user)


# --- the lifecycle ----------------------------------------------------------------------------------------------


def test_lifecycle_through_the_pages(client, channel):
    channel.gold.deal_protection_days = 120
    channel.gold.save()
    rep, manager = channel.initech_rep, channel.acme_manager

    # The partner opens the form for Acme: Acme's catalog with Initech's Gold price (30 % off 1,299.99).
    page = as_(client, rep).get(url("create") + f"?vendor={channel.acme.pk}")
    assert page.status_code == 200
    assert "Edge Router 100 (ACM-R100) · your price 909.99 USD" in page.content.decode()

    # Saves a draft: only Initech sees it.
    response = client.post(url("create"), create_form(channel, action="draft"))
    deal = DealRegistration.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", deal)
    assert (deal.status, str(deal.amount), deal.currency) == ("draft", "9099.9000", "USD")
    assert deal.customer_domain == "hooli.com" and deal.customer_country == "US"
    text = main_text(client.get(url("detail", deal)))
    assert "Draft" in text and "9,099.90 USD" in text and "909.99 USD" in text
    assert as_(client, manager).get(url("detail", deal)).status_code == 404

    # Submits it.
    response = as_(client, rep).post(url("submit", deal))
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == "submitted"
    assert "Under review" in main_text(client.get(url("detail", deal)))

    # The vendor's manager sees it, the approval prefilled with the Gold tier's protection, and asks a question.
    page = as_(client, manager).get(url("detail", deal))
    assert page.status_code == 200
    assert re.search(r'name="protection_days" value="120"', page.content.decode())
    response = client.post(url("request_info", deal), {"question": "Who is the decision maker?"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == "info_requested"

    # The partner reads the question, answers it, corrects the contact's phone, and resubmits.
    text = main_text(as_(client, rep).get(url("detail", deal)))
    assert "More information requested" in text
    assert "Answer and resubmit Acme Networks asks: Who is the decision maker?" in text
    response = client.post(url("comment", deal), {"body": "The CTO, Gavin Belson."})
    assert response.status_code == 302
    response = client.post(url("edit", deal), edit_form(deal, contact_phone="+1 555 0199"))
    assert response.status_code == 302, main_text(response)
    response = client.post(url("submit", deal))
    deal.refresh_from_db()
    assert deal.status == "submitted" and deal.contact_phone == "+1 555 0199"

    # The vendor approves it for 120 days.
    response = as_(client, manager).post(url("approve", deal), {"protection_days": "120", "note": "Go get them."})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.status == "approved" and deal.expires_on == today() + timedelta(days=120)

    # The partner wins it.
    response = as_(client, rep).post(url("stage", deal), {"stage": "won"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.stage == "won"

    page = client.get(url("detail", deal))
    text = main_text(page)
    assert "Approved" in text and "Won" in text
    assert f"Protected until {deal.expires_on:%-d %b %Y}" in text
    history = text[text.index("History") : text.index("Conversation")]
    steps = [
        "Created",
        "Submitted",
        "More information requested",
        "Contact phone: +1 555 0100 → +1 555 0199",
        "Resubmitted",
        "Approved",
        "Stage: Qualifying → Won",
    ]
    positions = [history.index(step) for step in steps]
    assert positions == sorted(positions), history
    assert rep.display_name in history and manager.display_name in history
    assert "The CTO, Gavin Belson." in text


def test_submit_for_review_from_the_form(client, channel):
    response = as_(client, channel.initech_rep).post(url("create"), create_form(channel, action="submit"))
    deal = DealRegistration.objects.get()
    assert response.status_code == 302
    assert deal.status == "submitted"
    assert "sent to Acme Networks" in main_text(client.get(response["Location"]))


def test_form_offers_only_vendors_with_an_active_partnership(client, channel):
    html = as_(client, channel.umbrella_admin).get(url("create")).content.decode()
    assert f'<option value="{channel.acme.pk}"' in html
    assert f'<option value="{channel.globex.pk}"' not in html  # suspended
    # A single vendor is chosen for them, with its products.
    assert f'<option value="{channel.acme.pk}" selected' in html
    assert "Edge Router 100" in html


def test_products_endpoint_reloads_the_lines_for_the_chosen_vendor(client, channel):
    as_(client, channel.initech_rep)
    response = client.get(url("products") + f"?vendor={channel.globex.pk}", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<fieldset id="deal-lines"')
    assert "Firewall Appliance (GLX-FW) · your price" in html
    assert "Edge Router" not in html
    # "Add a line" keeps the chosen lines of that vendor and adds a blank one; another vendor's line is dropped.
    lines = line_data([(channel.globex_fw.pk, 3), (channel.acme_router.pk, 2)], blank=1)
    response = client.get(url("products"), {"vendor": channel.globex.pk, "add": "1", **lines}, **HTMX)
    html = response.content.decode()
    assert 'name="lines-TOTAL_FORMS" value="4"' in html  # one kept, two blank + one added
    assert re.search(rf'<option value="{channel.globex_fw.pk}" selected>', html)
    assert 'name="lines-0-quantity" value="3"' in html
    # Without htmx: the form, that vendor chosen.
    response = client.get(url("products") + f"?vendor={channel.globex.pk}")
    assert response.status_code == 302 and response["Location"] == url("create") + f"?vendor={channel.globex.pk}"
    # Another partner's vendor, or a vendor without a partnership: no products.
    stranger = f.vendor("Stranger Things Inc")
    f.ProductFactory(vendor=stranger, name="Secret Gadget")
    html = client.get(url("products") + f"?vendor={stranger.pk}", **HTMX).content.decode()
    assert "Secret Gadget" not in html and "Choose a vendor first" in html


def test_plain_form_shows_a_new_vendors_products_and_keeps_what_was_typed(client, channel):
    data = create_form(channel, vendor=channel.globex, action="products")
    response = as_(client, channel.initech_rep).post(url("create"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert DealRegistration.objects.count() == 0
    assert "Firewall Appliance" in html and "Edge Router" not in html
    assert 'value="Hooli: 200 seats, EU rollout"' in html


# --- bad input through the form ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "field_id", "message"),
    [
        ("unknown product", "id_lines-0-product", "Choose a product from this vendor's catalog."),
        ("other vendor's product", "id_lines-0-product", "Choose a product from this vendor's catalog."),
        ("negative quantity", "id_lines-0-quantity", "The quantity must be at least 1."),
        ("zero quantity", "id_lines-0-quantity", "The quantity must be at least 1."),
        ("past close date", "id_expected_close_date", "The expected close date cannot be in the past."),
        (
            "no vendor partnership",
            "id_vendor",
            "You can register deals only with vendors you are an active partner of.",
        ),
        ("no products", None, "Add at least one product from the vendor's catalog."),
        ("bad website", "id_customer_website", "Enter the customer's web domain"),
    ],
)
def test_bad_registration_shows_the_error_and_writes_nothing(client, channel, case, field_id, message):
    before = written()
    data = {
        "unknown product": lambda: create_form(channel, lines=[(999999, 1)]),
        "other vendor's product": lambda: create_form(channel, lines=[(channel.globex_fw.pk, 1)]),
        "negative quantity": lambda: create_form(channel, lines=[(None, -3)]),
        "zero quantity": lambda: create_form(channel, lines=[(None, 0)]),
        "past close date": lambda: create_form(channel, expected_close_date=(today() - timedelta(days=1)).isoformat()),
        # Umbrella's partnership with Globex is suspended: Globex is not one of its choices.
        "no vendor partnership": lambda: create_form(channel, vendor=channel.globex, lines=[(channel.globex_fw.pk, 1)]),
        "no products": lambda: create_form(channel, lines=[]),
        "bad website": lambda: create_form(channel, customer_website="not a website"),
    }[case]()
    user = channel.umbrella_admin if case == "no vendor partnership" else channel.initech_rep
    response = as_(client, user).post(url("create"), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in main_text(response)
    if field_id:
        # The error stands next to its field.
        block = re.search(rf'<div class="field field-error[^"]*">\s*<label for="{field_id}">.*?</div>', html, re.S)
        assert block and message in block.group(0).replace("&#x27;", "'"), case
    assert written() == before


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: pdf(size=2048), "attachments can be at most 1.0"),
        (lambda: pdf("payload.exe"), "this type of file cannot be attached"),
        (
            lambda: SimpleUploadedFile("quote.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
            "quote.pdf is not a valid PDF file.",
        ),
    ],
    ids=["oversized", "wrong type", "disguised"],
)
def test_bad_attachment_on_the_form_shows_the_error_and_writes_nothing(client, channel, settings, upload, message):
    settings.ONEPANE_DEAL_ATTACHMENT_MAX_BYTES = 1024
    before = written()
    data = create_form(channel, action="submit")
    data["attachments"] = [pdf("fine.pdf"), upload()]
    response = as_(client, channel.initech_rep).post(url("create"), data)
    assert response.status_code == 400
    assert message in main_text(response)
    block = re.search(
        r'<div class="field field-error">\s*<label for="id_attachments">.*?</div>', response.content.decode(), re.S
    )
    assert block and message in block.group(0)
    assert "choose them again" in main_text(response)
    assert written() == before


def test_registration_with_attachments_serves_them_as_downloads_to_each_side(client, channel):
    data = create_form(channel, action="submit")
    data["attachments"] = [pdf("quote.pdf"), pdf("rfp.pdf")]
    as_(client, channel.initech_rep).post(url("create"), data)
    deal = DealRegistration.objects.get()
    first = DealAttachment.objects.order_by("id").first()
    assert [a.name for a in deal.attachments.order_by("id")] == ["quote.pdf", "rfp.pdf"]
    for user in (channel.initech_rep, channel.acme_member):
        html = as_(client, user).get(url("detail", deal)).content.decode()
        assert f'href="{reverse("deals:attachment", args=[first.pk])}"' in html
        assert "/media/" not in html
        response = client.get(reverse("deals:attachment", args=[first.pk]))
        assert response.status_code == 200
        assert (
            response["Content-Disposition"].startswith("attachment;") and "quote.pdf" in response["Content-Disposition"]
        )
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    # Not the other partner's, not another vendor's (and not a distributor outside the deal).
    for user in (channel.umbrella_admin, channel.globex_admin, channel.northwind_admin):
        assert as_(client, user).get(reverse("deals:attachment", args=[first.pk])).status_code == 404


def test_partner_attaches_files_on_the_detail_page(client, channel, settings):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router)
    as_(client, channel.initech_rep)
    response = client.post(url("attach", deal), {"attachments": [pdf("quote.pdf")]})
    assert response.status_code == 302
    assert deal.attachments.get().name == "quote.pdf"
    assert "Attachment added" in main_text(client.get(url("detail", deal)))
    # A bad one among several stores none.
    settings.ONEPANE_DEAL_ATTACHMENT_MAX_BYTES = 1024
    before = written()
    response = client.post(url("attach", deal), {"attachments": [pdf("ok.pdf"), pdf("big.pdf", size=4096)]})
    assert response.status_code == 400
    assert "big.pdf is 4.0" in main_text(response)
    assert written() == before
    # The vendor does not attach.
    assert as_(client, channel.acme_manager).post(url("attach", deal), {"attachments": [pdf()]}).status_code == 404


# --- the partner keeps it current -------------------------------------------------------------------------------


def test_edit_changes_lines_and_records_history(client, channel):
    switch = f.ProductFactory(vendor=channel.acme, sku="ACM-S24", name="Switch 24", list_price="100.00")
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router, quantity=2)
    as_(client, channel.initech_rep)
    page = client.get(url("edit", deal))
    assert page.status_code == 200
    assert 'name="customer_name"' not in page.content.decode()  # with the vendor: the customer is fixed
    data = edit_form(deal, notes="Budget approved.")
    data.update(line_data([(channel.acme_router.pk, 2), (switch.pk, 5)]))
    response = client.post(url("edit", deal), data)
    assert response.status_code == 302, main_text(response)
    deal.refresh_from_db()
    assert sorted(deal.lines.values_list("product__sku", "quantity")) == [("ACM-R100", 2), ("ACM-S24", 5)]
    assert str(deal.amount) == "2169.9800"  # 2 × 909.99 + 5 × 70.00
    text = main_text(client.get(url("detail", deal)))
    assert "Products: 2 × ACM-R100 → 2 × ACM-R100, 5 × ACM-S24" in text
    assert "Notes: — → Budget approved." in text


def test_edit_errors_stay_on_the_form_and_change_nothing(client, channel):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router)
    before = written()
    as_(client, channel.initech_rep)
    for data, message in (
        (edit_form(deal, expected_close_date=(today() - timedelta(days=3)).isoformat()), "cannot be in the past"),
        (edit_form(deal, stage="lost"), "Tell the vendor why the deal was lost."),
        (edit_form(deal, amount="-5"), "greater than or equal to 0"),
        ({**edit_form(deal), **line_data([(channel.globex_fw.pk, 1)])}, "Choose a product from this vendor's catalog."),
    ):
        response = client.post(url("edit", deal), data)
        assert response.status_code == 400
        assert message in main_text(response).replace("&#x27;", "'")
    assert written() == before


def test_stage_lost_needs_a_reason(client, channel):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router)
    as_(client, channel.initech_rep)
    response = client.post(url("stage", deal), {"stage": "lost"})
    assert response.status_code == 400
    assert "Tell the vendor why the deal was lost." in main_text(response)
    response = client.post(url("stage", deal), {"stage": "lost", "lost_reason": "Went with a competitor."})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage, deal.lost_reason) == ("lost", "Went with a competitor.")
    assert "Why it was lost: Went with a competitor." in main_text(client.get(url("detail", deal)))


def test_extension_request_and_decision(client, channel):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router)
    services.deal_approve(actor=channel.acme_manager, deal=deal, protection_days=30)
    as_(client, channel.initech_rep)
    assert "Need more time?" in main_text(client.get(url("detail", deal)))
    response = client.post(url("extension_request", deal), {"days": "45", "reason": "Procurement is slow."})
    assert response.status_code == 302
    assert "You asked for 45 more days" in main_text(client.get(url("detail", deal)))
    # A member of the vendor reads it; the manager refuses without a reason (error), then grants.
    assert (
        as_(client, channel.acme_member).post(url("extension_decide", deal), {"decision": "grant"}).status_code == 403
    )
    as_(client, channel.acme_manager)
    assert "Procurement is slow." in main_text(client.get(url("detail", deal)))
    response = client.post(url("extension_decide", deal), {"decision": "refuse", "response": ""})
    assert response.status_code == 400 and "Say why the extension is refused." in main_text(response)
    response = client.post(url("extension_decide", deal), {"decision": "grant", "response": "Fine."})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.expires_on == today() + timedelta(days=75)


# --- the vendor decides ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("approve", {"protection_days": "90"}),
        ("reject", {"reason": "Not our customer profile."}),
        ("request_info", {"question": "Budget?"}),
    ],
)
def test_vendor_members_read_but_do_not_decide(client, channel, action, body):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router)
    as_(client, channel.acme_member)
    page = client.get(url("detail", deal))
    assert page.status_code == 200
    assert "admins and managers decide on it" in main_text(page)
    assert f'action="{url(action, deal)}"' not in page.content.decode()
    assert client.post(url(action, deal), body).status_code == 403
    deal.refresh_from_db()
    assert deal.status == "submitted"
    # Partners and distributors have no such page; another vendor does not see the deal.
    for user in (channel.initech_admin, channel.northwind_admin, channel.globex_admin):
        assert as_(client, user).post(url(action, deal), body).status_code == 404


def test_vendor_rejects_with_a_reason_the_partner_reads(client, channel):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router)
    as_(client, channel.acme_admin)
    response = client.post(url("reject", deal), {"reason": ""})
    assert response.status_code == 400 and "Tell the partner why" in main_text(response)
    response = client.post(url("reject", deal), {"reason": "Already registered directly."})
    assert response.status_code == 302
    text = main_text(as_(client, channel.initech_rep).get(url("detail", deal)))
    assert "Rejected" in text and "Reason given: Already registered directly." in text


def test_wrong_side_is_a_404_and_post_only_actions_refuse_get(client, channel):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router)
    as_(client, channel.acme_manager)
    for name in ("create", "products"):
        assert client.get(url(name)).status_code == 404
    assert client.get(url("edit", deal)).status_code == 404
    as_(client, channel.initech_rep)
    assert client.get(url("rules")).status_code == 404
    assert client.get(url("submit", deal)).status_code == 405
    assert client.get(url("approve", deal)).status_code == 405
    client.logout()
    response = client.get(url("list"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- the thread ---------------------------------------------------------------------------------------------------


def test_comment_in_place_with_htmx(client, channel):
    deal = f.deal(channel.initech_rep, channel.initech, channel.globex, channel.globex_fw)
    as_(client, channel.northwind_admin)  # the distributor takes part in the thread
    response = client.post(url("comment", deal), {"body": "We can ship from stock."}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<section class="card" id="deal-thread"')
    assert "We can ship from stock." in html and "Northwind Distribution" in html
    assert "Comment posted." in html
    response = client.post(url("comment", deal), {"body": "  "}, **HTMX)
    assert response.status_code == 200 and "Write something first." in response.content.decode()
    # The partner and the vendor read it.
    for user in (channel.initech_rep, channel.globex_admin):
        assert "We can ship from stock." in main_text(as_(client, user).get(url("detail", deal)))


# --- the vendor's rules ---------------------------------------------------------------------------------------------


def test_rules_page_for_vendor_admins_and_managers(client, channel):
    as_(client, channel.acme_manager)
    page = client.get(url("rules"))
    assert page.status_code == 200
    assert 'name="idle_days" value="30"' in page.content.decode()
    assert "Deal rules" in page.content.decode()  # in the navigation
    response = client.post(
        url("rules"),
        {
            "auto_approve_below": "5000",
            "auto_approve_tiers": [str(channel.gold.pk)],
            "idle_cap": "5",
            "idle_days": "45",
            "name_similarity": "0.7",
        },
    )
    assert response.status_code == 302
    rules = DealRules.objects.get(vendor=channel.acme)
    assert (str(rules.auto_approve_below), rules.idle_cap, rules.idle_days, str(rules.name_similarity)) == (
        "5000.0000",
        5,
        45,
        "0.70",
    )
    assert list(rules.auto_approve_tiers.all()) == [channel.gold]
    html = client.get(url("rules")).content.decode()
    assert 'name="auto_approve_below" value="5000"' in html
    # A tier of another vendor is not a choice; a threshold without tiers is refused by the service.
    response = client.post(url("rules"), {"auto_approve_below": "100", "idle_days": "30", "name_similarity": "0.6"})
    assert response.status_code == 400
    assert "Choose the tiers whose registrations are approved automatically." in main_text(response)
    response = client.post(
        url("rules"), {"auto_approve_tiers": [str(channel.standard.pk)], "idle_days": "30", "name_similarity": "0.6"}
    )
    assert response.status_code == 400


def test_rules_page_refuses_members_and_other_sides(client, channel):
    assert as_(client, channel.acme_member).get(url("rules")).status_code == 403
    assert client.post(url("rules"), {"idle_days": "10", "name_similarity": "0.5"}).status_code == 403
    assert "Deal rules" not in as_(client, channel.acme_member).get(url("list")).content.decode()
    for user in (channel.initech_admin, channel.northwind_admin):
        assert as_(client, user).get(url("rules")).status_code == 404
    assert not DealRules.objects.exists()
