"""A lead held through a partnership the vendor suspended or ended is read-only for the partner (docs/adr/0001).

The partner still reads it, but cannot accept or reject the offer, give it to a rep, record progress, write notes
or convert it: the services refuse, whoever calls them; the pages answer 403 with the lead's page, whose banner
says why, and offer no form; the API answers 403 with the same message. Nothing is written.
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from deals.models import DealRegistration
from leads import services
from leads.models import Lead, LeadEvent, LeadNote, LeadOffer
from tests import factories as f
from tests.portal.helpers import client_for, main_text
from vendors import access
from vendors import services as vendor_services

pytestmark = pytest.mark.django_db
API = "/api/v1/leads"


@pytest.fixture(params=["suspended", "ended"])
def closed(request, world):
    """Initech holds an offered lead, one it works (with a note) and one of its own at Acme; then Acme suspended
    (or ended) the partnership."""
    w = world
    rep = w.initech_rep
    offered, working = f.leads(
        w.manager,
        w.acme,
        f.lead_row(company="Offered Co", products="ACM-S48"),
        f.lead_row(company="Working Co", products="ACM-S48"),
    )
    assert offered.partner == working.partner == w.initech
    services.lead_accept(actor=rep, lead=working)
    services.lead_note_add(actor=rep, lead=working, body="Called them.")
    own = f.own_lead(rep, w.initech_acme, company="Own Co", contact_name="Sam")
    close = vendor_services.partnership_suspend if request.param == "suspended" else vendor_services.partnership_end
    close(actor=f.admin_of(w.acme), partnership=w.initech_acme, reason="Audit.")
    message = f"Acme Networks has {request.param} your partnership: this lead is read-only."
    return SimpleNamespace(offered=offered, working=working, own=own, message=message)


def fresh(lead) -> Lead:
    return Lead.objects.select_related("vendor", "partner", "partnership").get(pk=lead.pk)


def written() -> dict:
    """What the partner's writes on a lead change: the leads, their offers, history and notes, and deals."""
    return {
        "leads": sorted(Lead.objects.values_list("pk", "status", "partner_id", "assigned_to_id", "deal_id")),
        "offers": sorted(LeadOffer.objects.values_list("pk", "outcome")),
        "events": LeadEvent.objects.count(),
        "notes": LeadNote.objects.count(),
        "deals": DealRegistration.objects.count(),
    }


def _convert(w, lead):
    return services.lead_convert(
        actor=w.initech_rep,
        lead=lead,
        title="Working Co refresh",
        expected_close_date=timezone.localdate() + timedelta(days=45),
        lines=[(w.switch.pk, 2)],
        submit=True,
    )


# The partner's writes, through the services: (the lead of ``closed`` it acts on, the call).
PARTNER_WRITES = {
    "accept": ("offered", lambda w, lead: services.lead_accept(actor=w.initech_rep, lead=lead)),
    "reject": ("offered", lambda w, lead: services.lead_reject(actor=w.initech_rep, lead=lead, reason="Too far.")),
    "assign": ("working", lambda w, lead: services.lead_assign_rep(actor=w.initech_rep, lead=lead, rep=None)),
    "status": (
        "working",
        lambda w, lead: services.lead_update_status(actor=w.initech_rep, lead=lead, status="contacted"),
    ),
    "note": ("working", lambda w, lead: services.lead_note_add(actor=w.initech_rep, lead=lead, body="Again.")),
    "convert": ("working", _convert),
    "own lead's status": (
        "own",
        lambda w, lead: services.lead_update_status(actor=w.initech_rep, lead=lead, status="qualified"),
    ),
    "convert own lead": ("own", _convert),
}


@pytest.mark.parametrize("write", list(PARTNER_WRITES))
def test_the_partner_cannot_change_a_lead_of_a_closed_partnership(world, closed, write):
    which, call = PARTNER_WRITES[write]
    before = written()
    with pytest.raises(PermissionDenied) as refused:
        call(world, fresh(getattr(closed, which)))
    assert isinstance(refused.value, access.ReadOnlyPartnership)
    assert str(refused.value) == closed.message
    assert written() == before


def url(name, lead) -> str:
    return reverse(f"leads:{name}", args=[lead.pk])


def test_the_partner_reads_it_with_the_reason_and_no_form(client, world, closed):
    client_for(client, world.initech_rep)
    for lead, actions in ((closed.offered, ("accept", "reject")), (closed.working, ("note", "status", "assign"))):
        page = client.get(url("detail", lead))
        assert page.status_code == 200
        assert closed.message in main_text(page)
        html = page.content.decode()
        for action in (*actions, "convert"):
            assert url(action, lead) not in html, action
    assert "Called them." in main_text(client.get(url("detail", closed.working)))  # its notes stay readable
    assert client.get(url("convert", closed.working))["Location"] == url("detail", closed.working)


def test_the_vendor_page_does_not_say_read_only(client, world, closed):
    page = client_for(client, world.manager).get(url("detail", closed.working))
    assert page.status_code == 200 and "read-only" not in page.content.decode()


def _convert_form(w):
    return {
        "title": "Working Co refresh",
        "expected_close_date": (timezone.localdate() + timedelta(days=45)).isoformat(),
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-product": str(w.switch.pk),
        "lines-0-quantity": "2",
        "action": "submit",
    }


# Through the pages: (route, the lead of ``closed``, the form posted).
PAGE_WRITES = {
    "accept": ("accept", "offered", lambda w: {}),
    "reject": ("reject", "offered", lambda w: {"reason": "Too far."}),
    "assign": ("assign", "working", lambda w: {"rep": w.initech_rep.pk}),
    "status": ("status", "working", lambda w: {"status": "contacted"}),
    "note": ("note", "working", lambda w: {"body": "Again."}),
    "convert": ("convert", "working", _convert_form),
}


@pytest.mark.parametrize("write", list(PAGE_WRITES))
def test_the_pages_refuse_the_partner_with_the_reason(client, world, closed, write):
    route, which, form = PAGE_WRITES[write]
    before = written()
    response = client_for(client, world.initech_rep).post(url(route, getattr(closed, which)), form(world))
    assert response.status_code == 403
    assert closed.message in main_text(response)
    assert written() == before


# Through the API: (action, the lead of ``closed``, the body).
API_WRITES = {
    "accept": ("accept", "offered", {}),
    "reject": ("reject", "offered", {"reason": "Too far."}),
    "assign": ("assign", "working", {"rep": None}),
    "status": ("status", "working", {"status": "contacted"}),
    "convert": (
        "convert",
        "working",
        {
            "title": "Working Co refresh",
            "expected_close_date": (timezone.localdate() + timedelta(days=45)).isoformat(),
            "lines": [{"product": None, "quantity": 2}],
        },
    ),
}


@pytest.mark.parametrize("write", list(API_WRITES))
def test_the_api_refuses_the_partner_with_a_403_saying_why(world, closed, write):
    action, which, body = API_WRITES[write]
    lead = getattr(closed, which)
    if action == "convert":
        body = {**body, "lines": [{"product": world.switch.pk, "quantity": 2}]}
    before = written()
    client = APIClient()
    client.force_login(world.initech_rep)
    response = client.post(f"{API}/{lead.pk}/{action}/", body, format="json")
    assert response.status_code == 403, response.content
    assert response.json() == {"detail": closed.message}
    assert written() == before
    assert client.get(f"{API}/{lead.pk}/").status_code == 200  # reading stays
