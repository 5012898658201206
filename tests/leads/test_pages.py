"""Leads through the pages: the vendor sends a lead (by hand or routed), the partner answers it from one inbox
across vendors, works it and registers the deal; the vendor follows what became of it."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from deals import services as deal_services
from deals.models import DealRegistration
from leads import services
from leads.models import Lead, LeadCoverage, LeadImport, LeadNote, LeadOffer, LeadRules
from tests import factories as f
from tests.portal.helpers import client_for, main_text, text
from vendors.models import Membership

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"leads:{name}", args=[a.pk if hasattr(a, "pk") else a for a in args])


def as_(client, user):
    return client_for(client, user)


# --- the vendor sends a lead ----------------------------------------------------------------------------------


def test_vendor_creates_a_lead_and_sees_where_it_went_and_why(client, world):
    as_(client, world.manager)
    form = as_(client, world.manager).get(url("create"))
    assert form.status_code == 200 and "ACM-R100" in form.content.decode()

    response = client.post(
        url("create"),
        {"company": "Tejas Freight", "contact_name": "Rosa Vega", "country": "us", "region": "TX", "products": []},
    )
    lead = Lead.objects.get()
    assert response.status_code == 302 and response["Location"] == url("detail", lead)
    assert lead.partner == world.lonestar and lead.status == "offered" and lead.country == "US"
    page = main_text(client.get(url("detail", lead)))
    assert "Why Lone Star IT:" in page and "TX" in page
    assert "Waiting for an answer" in page  # the offer's outcome, in the vendor's table of offers

    listing = client.get(url("list"))
    assert "Tejas Freight" in main_text(listing) and "Lone Star IT" in main_text(listing)
    # What became of the leads of the last 90 days arrives after the list (htmx), or on a page of its own.
    assert f'hx-get="{url("summary")}"' in listing.content.decode()
    summary = client.get(url("summary"), HTTP_HX_REQUEST="true")
    assert "<html" not in summary.content.decode() and "Leads sent 1" in text(summary)
    assert "Offers accepted 0" in main_text(client.get(url("summary")))


def test_the_summary_is_the_vendors_own_page(client, world):
    assert as_(client, world.initech_rep).get(url("summary")).status_code == 404
    assert as_(client, world.acme_member).get(url("summary")).status_code == 200


def test_bad_lead_shows_field_errors_and_writes_nothing(client, world):
    as_(client, world.manager)
    response = client.post(url("create"), {"company": "", "contact_name": "Rosa", "country": "U1"})
    assert response.status_code == 400
    text = main_text(response)
    assert "This field is required." in text
    assert "Choose a country from the list" in text
    assert not Lead.objects.exists()


def test_members_of_the_vendor_read_but_do_not_send(client, world):
    as_(client, world.acme_member)
    assert client.get(url("create")).status_code == 403
    assert client.get(url("list")).status_code == 200


# --- the partner's inbox ------------------------------------------------------------------------------------------


def test_one_inbox_across_vendors_waiting_first_with_the_deadline(client, world):
    globex_edge = world.initech.partnerships_as_partner.get(vendor=world.globex)
    LeadCoverage.objects.create(partnership=globex_edge, vendor=world.globex, countries=["US"])
    globex_lead = f.leads(world.globex_manager, world.globex, f.lead_row(company="Globex Prospect", products="GLX-FW"))[
        0
    ]
    acme_lead = f.leads(world.manager, world.acme, f.lead_row(company="Acme Prospect", products="ACM-S48"))[0]
    assert acme_lead.partner == world.initech and globex_lead.partner == world.initech
    services.lead_accept(actor=world.initech_rep, lead=globex_lead)

    page = as_(client, world.initech_rep).get(url("list"))
    text = main_text(page)
    assert text.index("Acme Prospect") < text.index("Globex Prospect")  # waiting for an answer comes first
    assert "accept by" in text and "Acme Networks" in text and "Globex Security" in text

    only_globex = main_text(client.get(url("list"), {"vendor": world.globex.pk}))
    assert "Globex Prospect" in only_globex and "Acme Prospect" not in only_globex
    waiting = main_text(client.get(url("list"), {"status": "offered"}))
    assert "Acme Prospect" in waiting and "Globex Prospect" not in waiting
    older = main_text(client.get(url("list"), {"age": "older"}))
    assert "No leads match these filters" in older


def test_accept_assign_progress_notes_and_convert(client, world):
    lead = f.leads(
        world.manager,
        world.acme,
        f.lead_row(company="Switch Buyer", products="ACM-S48", contact_email="ops@switchbuyer.com"),
    )[0]
    rep = world.initech_rep
    colleague = f.member(world.initech, Membership.Role.MEMBER, first_name="Sam", last_name="Reed")
    as_(client, rep)
    assert "Accept it by" in main_text(client.get(url("detail", lead)))

    assert client.post(url("accept", lead)).status_code == 302
    lead.refresh_from_db()
    assert lead.status == "accepted"

    assert client.post(url("assign", lead), {"rep": colleague.pk}).status_code == 302
    lead.refresh_from_db()
    assert lead.assigned_to == colleague

    # Disqualifying needs a reason: the page says so and nothing changes.
    response = client.post(url("status", lead), {"status": "disqualified", "reason": ""})
    assert response.status_code == 400 and "Say why the lead is disqualified." in main_text(response)
    lead.refresh_from_db()
    assert lead.status == "accepted"
    assert client.post(url("status", lead), {"status": "contacted"}).status_code == 302

    assert client.post(url("note", lead), {"body": "Budget approved for Q3, call back Monday."}).status_code == 302
    assert "Budget approved for Q3" in main_text(client.get(url("detail", lead)))
    # The partner's notes stay the partner's.
    assert "Budget approved" not in main_text(as_(client, world.manager).get(url("detail", lead)))

    as_(client, rep)
    form = client.get(url("convert", lead))
    assert form.status_code == 200 and "Switch Buyer" in main_text(form)
    response = client.post(
        url("convert", lead),
        {
            "title": "Switch Buyer core refresh",
            "expected_close_date": (timezone.localdate() + timedelta(days=45)).isoformat(),
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": str(world.switch.pk),
            "lines-0-quantity": "4",
            "action": "submit",
        },
    )
    deal = DealRegistration.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("deals:detail", args=[deal.pk])
    assert (deal.customer_name, deal.contact_email, deal.status) == ("Switch Buyer", "ops@switchbuyer.com", "submitted")
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.deal == deal

    vendor_view = main_text(as_(client, world.manager).get(url("detail", lead)))
    assert deal.reference in vendor_view and "Converted to a deal" in vendor_view


def test_reject_needs_a_reason_then_moves_on_and_out_of_sight(client, world):
    lead = f.leads(world.manager, world.acme, f.lead_row(company="Anywhere Corp"))[0]
    first = lead.partner
    rep = {world.initech: world.initech_rep, world.umbrella: world.umbrella_rep, world.lonestar: world.lonestar_rep}
    as_(client, rep[first])
    response = client.post(url("reject", lead), {"reason": ""})
    assert response.status_code == 400 and "This field is required." in main_text(response)
    assert client.post(url("reject", lead), {"reason": "No coverage in that city."}).status_code == 302
    lead.refresh_from_db()
    assert lead.partner not in (None, first)
    assert client.get(url("detail", lead)).status_code == 404
    assert "Anywhere Corp" not in main_text(client.get(url("list")))
    vendor_view = main_text(as_(client, world.manager).get(url("detail", lead)))
    assert "No coverage in that city." in vendor_view and "Rejected" in vendor_view


def test_a_partner_never_sees_another_partners_lead_nor_who_else_had_it(client, world):
    lead = f.leads(world.manager, world.acme, f.lead_row(company="Tejas Freight", region="TX"))[0]
    assert lead.partner == world.lonestar
    for path in (url("detail", lead), url("convert", lead)):
        assert as_(client, world.umbrella_rep).get(path).status_code == 404
    assert as_(client, world.umbrella_rep).post(url("accept", lead)).status_code == 404
    lead.refresh_from_db()
    assert lead.status == "offered"

    services.lead_reject(actor=world.lonestar_rep, lead=lead, reason="Too far")
    lead.refresh_from_db()
    holder = {world.initech: world.initech_rep, world.umbrella: world.umbrella_rep}[lead.partner]
    text = main_text(as_(client, holder).get(url("detail", lead)))
    assert "Lone Star" not in text and "Too far" not in text


def test_partner_own_lead_is_the_partners_until_it_becomes_a_deal(client, world):
    as_(client, world.umbrella_rep)
    form = main_text(client.get(url("create")))
    assert "Acme Networks" in form and "→" not in form
    response = client.post(
        url("create"),
        {"vendor": world.umbrella_acme.pk, "company": "Own Find Ltd", "contact_name": "Kim", "country": "US"},
    )
    lead = Lead.objects.get()
    assert response.status_code == 302 and lead.source == "partner" and lead.status == "accepted"
    assert "Own Find Ltd" in main_text(client.get(url("list")))
    assert as_(client, world.manager).get(url("detail", lead)).status_code == 404
    assert "Own Find Ltd" not in main_text(client.get(url("list")))

    services.lead_convert(
        actor=world.umbrella_rep,
        lead=lead,
        title="Own Find routers",
        expected_close_date=timezone.localdate() + timedelta(days=30),
        lines=[(world.router, 2)],
        submit=True,
    )
    assert as_(client, world.manager).get(url("detail", lead)).status_code == 200


def test_partner_own_lead_kept_as_a_draft_registration_stays_the_partners(client, world):
    """A draft registration is the partner's alone: the own lead it was made from stays out of the vendor's sight
    (its company is the draft's customer) until the partner submits it."""
    lead = f.own_lead(world.umbrella_rep, world.umbrella_acme, company="Quiet Prospect Ltd", contact_name="Kim")
    deal = services.lead_convert(
        actor=world.umbrella_rep,
        lead=lead,
        title="Quiet Prospect routers",
        expected_close_date=timezone.localdate() + timedelta(days=30),
        lines=[(world.router, 2)],
        submit=False,
    )
    assert deal.status == "draft"
    f.leads(world.manager, world.acme, f.lead_row(company="Tejas Freight", region="TX"))
    as_(client, world.manager)
    assert client.get(url("detail", lead)).status_code == 404
    assert "Quiet Prospect" not in main_text(client.get(url("list")))
    # The list's count (kept by the services, docs/adr/0006) is what it shows: the vendor's own lead only.
    assert "1 lead " in main_text(client.get(url("list")))
    assert client.get("/api/v1/leads/").json()["count"] == 1
    assert "Quiet Prospect" not in main_text(client.get(url("list") + "?q=Quiet"))
    assert "Quiet Prospect" in main_text(as_(client, world.umbrella_rep).get(url("list")))

    deal_services.deal_submit(actor=world.umbrella_rep, deal=deal)
    as_(client, world.manager)
    assert client.get(url("detail", lead)).status_code == 200
    listing = main_text(client.get(url("list")))
    assert "Quiet Prospect" in listing and "2 leads " in listing
    assert "1 lead " in main_text(client.get(url("list") + "?status=converted"))
    api = client.get("/api/v1/leads/").json()
    assert api["count"] == len(api["results"]) == 2


# --- by hand, rules and coverage ------------------------------------------------------------------------------


def test_vendor_offers_by_hand_and_moves_a_waiting_lead(client, world):
    lead = f.leads(world.manager, world.acme, f.lead_row(company="Tejas Freight", region="TX"))[0]
    as_(client, world.manager)
    page = main_text(client.get(url("detail", lead)))
    assert "Move to another partner" in page
    assert client.post(url("offer", lead), {"partnership": world.hooli_acme.pk}).status_code == 302
    lead.refresh_from_db()
    assert lead.partner == world.hooli
    assert LeadOffer.objects.get(lead=lead, partner=world.lonestar).outcome == "recalled"
    # Another vendor's partnership is not a choice.
    other = f.partnership(world.globex, f.partner("Globex Only"))
    response = client.post(url("offer", lead), {"partnership": other.pk})
    assert response.status_code == 400
    lead.refresh_from_db()
    assert lead.partner == world.hooli


def test_rules_and_coverage_pages_save_and_report_errors(client, world):
    as_(client, world.manager)
    page = main_text(client.get(url("rules")))
    assert "Lone Star IT" in page and "TX" in page
    response = client.post(
        url("rules"),
        {"sla_hours": "24", "reminder_hours": "30", "match_territory": "on", "tiers": [world.gold.pk]},
    )
    assert response.status_code == 400 and "The reminder comes before the deadline" in main_text(response)
    assert not LeadRules.objects.exists()
    response = client.post(
        url("rules"),
        {"sla_hours": "24", "reminder_hours": "6", "match_territory": "on", "tiers": [world.gold.pk]},
    )
    assert response.status_code == 302
    rules = LeadRules.objects.get(vendor=world.acme)
    assert (rules.sla_hours, list(rules.tiers.all()), rules.match_products) == (24, [world.gold], False)

    response = client.post(url("coverage", world.hooli_acme), {"countries": "DE, XYZ", "accepts_leads": "on"})
    assert response.status_code == 400
    assert "Not countries (use their ISO 3166-1 codes, e.g. DE or US): XYZ." in main_text(response)
    assert LeadCoverage.objects.get(partnership=world.hooli_acme).countries == ["DE", "AT"]
    response = client.post(
        url("coverage", world.hooli_acme),
        {
            "countries": "de, ch",
            "regions": "80, 81",
            "capacity": "5",
            "accepts_leads": "on",
            "products": [world.router.pk],
        },
    )
    assert response.status_code == 302
    coverage = LeadCoverage.objects.get(partnership=world.hooli_acme)
    assert (coverage.countries, coverage.regions, coverage.capacity) == (["DE", "CH"], ["80", "81"], 5)
    assert list(coverage.products.all()) == [world.router]
    # Another vendor's partnership is not Acme's to edit.
    globex_edge = f.partnership(world.globex, world.hooli)
    assert client.get(url("coverage", globex_edge)).status_code == 404


def test_partner_cannot_open_vendor_pages(client, world):
    as_(client, world.initech_rep)
    for name in ("import", "rules"):
        assert client.get(url(name)).status_code == 404
    assert client.get(url("coverage", world.initech_acme)).status_code == 404


def test_the_vendor_is_not_told_who_works_a_lead_at_the_partner(client, world):
    """The rep and the people who answered and assigned the lead are the partner's to see, as in the API."""
    lead = f.leads(world.manager, world.acme, f.lead_row(company="Tejas Freight", region="TX"))[0]
    rep = f.member(world.lonestar, Membership.Role.MANAGER, first_name="Quinn", last_name="Hidden")
    services.lead_accept(actor=rep, lead=lead)
    services.lead_assign_rep(actor=rep, lead=lead, rep=rep)
    assert "Quinn Hidden" in main_text(as_(client, world.lonestar_rep).get(url("detail", lead)))
    page = main_text(as_(client, world.manager).get(url("detail", lead)))
    assert "Tejas Freight" in page and "Assigned to a rep" in page and "Quinn" not in page


def test_the_vendor_is_not_shown_the_draft_a_lead_became(client, world):
    lead = f.leads(world.manager, world.acme, f.lead_row(company="Tejas Freight", region="TX"))[0]
    services.lead_accept(actor=world.lonestar_rep, lead=lead)
    deal = services.lead_convert(
        actor=world.lonestar_rep,
        lead=lead,
        title="Tejas routers",
        expected_close_date=timezone.localdate() + timedelta(days=30),
        lines=[(world.router, 1)],
        submit=False,
    )
    link = reverse("deals:detail", args=[deal.pk])
    assert link in as_(client, world.lonestar_rep).get(url("detail", lead)).content.decode()
    response = as_(client, world.manager).get(url("detail", lead))
    assert "Converted to a deal" in main_text(response) and "Draft" not in main_text(response)
    assert link not in response.content.decode()
    deal_services.deal_submit(actor=world.lonestar_rep, deal=deal)
    assert link in as_(client, world.manager).get(url("detail", lead)).content.decode()


def test_notes_are_never_shown_to_another_partner_after_the_lead_moves(client, world):
    lead = f.leads(world.manager, world.acme, f.lead_row(company="Tejas Freight", region="TX"))[0]
    services.lead_accept(actor=world.lonestar_rep, lead=lead)
    services.lead_note_add(actor=world.lonestar_rep, lead=lead, body="Our secret pricing idea")
    assert LeadNote.objects.count() == 1
    for user in (world.manager, world.umbrella_rep, world.initech_rep):
        response = as_(client, user).get(url("detail", lead))
        assert response.status_code == 404 or "secret pricing" not in main_text(response)


# --- importing through the pages --------------------------------------------------------------------------------


def _csv(*lines) -> SimpleUploadedFile:
    body = "\n".join(["Company name,Contact,Country,State,Products,Lead source", *lines]) + "\n"
    return SimpleUploadedFile("leads.csv", body.encode(), content_type="text/csv")


def test_import_report_then_confirm_imports_the_valid_rows_routed(client, world):
    as_(client, world.manager)
    upload = _csv(
        "Tejas Freight,Rosa Vega,US,TX,ACM-R100,Website",
        "Bavaria Motors,Jonas Weber,DE,,ACM-S48,Trade show",
        "Broken Row,Nobody,Narnia,,ACM-R100,Website",
        'Formula Inc,=HYPERLINK("http://evil.example"),US,,,Website',
    )
    response = client.post(url("import"), {"file": upload})
    staged = LeadImport.objects.get()
    assert response.status_code == 302 and response["Location"] == url("import_detail", staged)
    assert not Lead.objects.exists()  # nothing until the person confirms

    report = main_text(client.get(url("import_detail", staged)))
    assert "Rows read 4" in report and "Valid 2" in report and "With problems 2" in report
    assert "Columns ignored: Lead source" in report
    assert "“Narnia” is not a country" in report and "Formulas are not imported" in report
    assert "Import 2 leads" in report

    response = client.post(url("import_confirm", staged))
    assert response.status_code == 302
    leads = {lead.company: lead for lead in Lead.objects.select_related("partner")}
    assert set(leads) == {"Tejas Freight", "Bavaria Motors"}
    assert leads["Tejas Freight"].partner == world.lonestar and leads["Bavaria Motors"].partner == world.hooli
    page = main_text(client.get(url("import_detail", staged)))
    assert "Imported leads" in page and "covers TX, US" in page and "Lone Star IT" in page

    # Confirming again imports nothing twice.
    again = client.post(url("import_confirm", staged))
    assert again.status_code == 400 and "not imported twice" in main_text(again)
    assert Lead.objects.count() == 2


def test_a_file_that_cannot_be_read_is_refused_with_the_reason(client, world):
    as_(client, world.manager)
    junk = SimpleUploadedFile("leads.csv", bytes(range(256)) * 400, content_type="text/csv")
    response = client.post(url("import"), {"file": junk})
    assert response.status_code == 400
    assert "leads.csv" in main_text(response)
    assert not LeadImport.objects.exists() and not Lead.objects.exists()
    wrong = SimpleUploadedFile("leads.csv", b"Name,Phone\nAda,123\n", content_type="text/csv")
    response = client.post(url("import"), {"file": wrong})
    assert response.status_code == 400 and "company" in main_text(response).lower()


def test_discard_imports_nothing_and_another_vendor_cannot_see_the_report(client, world):
    as_(client, world.manager)
    client.post(url("import"), {"file": _csv("Tejas Freight,Rosa Vega,US,TX,ACM-R100,Website")})
    staged = LeadImport.objects.get()
    assert as_(client, world.globex_manager).get(url("import_detail", staged)).status_code == 404
    assert client.post(url("import_confirm", staged)).status_code == 404
    assert as_(client, world.acme_member).post(url("import_confirm", staged)).status_code == 403
    assert as_(client, world.manager).post(url("import_discard", staged)).status_code == 302
    staged.refresh_from_db()
    assert staged.status == "discarded" and not Lead.objects.exists()


def test_a_vendor_member_is_told_no_such_import_for_another_vendors_file(client, world):
    """A file another vendor staged is a 404 to Acme's member, as one that does not exist; Acme's own is a 403 (a
    member reads the report, the admins and managers decide)."""
    theirs = services.lead_import_stage(
        actor=world.globex_manager, vendor=world.globex, upload=_csv("Tejas Freight,Rosa Vega,US,TX,GLX-FW,Website")
    )
    ours = services.lead_import_stage(
        actor=world.manager, vendor=world.acme, upload=_csv("Tejas Freight,Rosa Vega,US,TX,ACM-R100,Website")
    )
    as_(client, world.acme_member)
    for name in ("import_confirm", "import_discard"):
        assert client.post(url(name, theirs)).status_code == 404
        assert client.post(url(name, 987654321)).status_code == 404
        assert client.post(url(name, ours)).status_code == 403
    assert set(LeadImport.objects.values_list("status", flat=True)) == {"pending"} and not Lead.objects.exists()


# --- query counts -------------------------------------------------------------------------------------------------


def _more_leads(world, n):
    f.leads(
        world.manager,
        world.acme,
        *[f.lead_row(company=f"Prospect {i}", region="TX" if i % 2 else "", products="ACM-S48") for i in range(n)],
    )


def test_lead_lists_run_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    """Each side's list (plain, filtered, htmx) measured with two leads, then held to that with forty more."""
    cases = [
        (world.initech_rep, "/leads/"),
        (world.initech_rep, f"/leads/?vendor={world.acme.pk}&status=offered&age=week&q=Prospect"),
        (world.manager, "/leads/"),
        (world.manager, f"/leads/?partner={world.lonestar.pk}&status=offered&q=Pro"),
        (world.manager, url("rules")),
        (world.manager, url("import")),
    ]
    _more_leads(world, 2)
    measured = []
    for user, path in cases:
        as_(client, user)
        client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        measured.append(len(ctx.captured_queries))
    _more_leads(world, 40)
    for (user, path), count in zip(cases, measured, strict=True):
        as_(client, user)
        with django_assert_max_num_queries(count):
            response = client.get(path)
        assert response.status_code == 200
    partial = as_(client, world.initech_rep).get("/leads/", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and b"<html" not in partial.content
