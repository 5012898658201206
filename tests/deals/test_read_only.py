"""A registration whose partnership the vendor suspended or ended is read-only for the partner (docs/adr/0001).

The partner still reads it (its page, thread, history and files), but every write of the partner's side is
refused by the services, whoever calls them: the pages answer 403 with the registration's page, whose banner says
why, and offer no form; the API answers 403 with the same message. Nothing is written. The vendor and the
distributor keep their actions on it (comment, decide, answer an extension request).
"""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from rest_framework.test import APIClient

from deals import services
from deals.models import DealComment, DealExtensionRequest, DealRegistration
from tests import factories as f
from tests.deals.helpers import edit_form, line_data, pdf, today, url, written
from tests.portal.helpers import client_for, main_text
from vendors import access
from vendors import services as vendor_services

pytestmark = pytest.mark.django_db
Status = DealRegistration.Status
API = "/api/v1/deals"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(params=["suspended", "ended"])
def closed(request, channel):
    """Initech's registrations with Acme in every state the partner acts on, made while the partnership was active;
    then Acme suspended (or ended) it."""
    c = channel
    rep = c.initech_rep

    def deal(customer, **fields):
        return f.deal(
            rep, c.initech, c.acme, c.acme_router, customer_name=customer, customer_website=f"{customer}.com", **fields
        )

    ns = SimpleNamespace(status=request.param)
    ns.draft = deal("hooli", submit=False)
    ns.pending = deal("aviato")
    ns.asked = deal("piedpiper")
    services.deal_request_info(actor=c.acme_manager, deal=ns.asked, question="Which sites?")
    ns.approved = services.deal_approve(actor=c.acme_manager, deal=deal("raviga"))
    ns.extended = services.deal_approve(actor=c.acme_manager, deal=deal("endframe"))
    services.deal_request_extension(actor=rep, deal=ns.extended, days=30, reason="The board meets in June.")
    close = vendor_services.partnership_suspend if request.param == "suspended" else vendor_services.partnership_end
    close(actor=c.acme_admin, partnership=c.initech_acme, reason="Audit.")
    ns.message = f"Acme Networks has {request.param} your partnership: this registration is read-only."
    return ns


def fresh(deal) -> DealRegistration:
    return DealRegistration.objects.get(pk=deal.pk)


def state(deal) -> dict:
    """What the partner could change on a registration."""
    row = DealRegistration.objects.filter(pk=deal.pk).values().get()
    row["lines"] = sorted(fresh(deal).lines.values_list("product_id", "quantity"))
    return row


# The partner's writes, through the services: (name, the deal of ``closed`` it acts on, the call).
PARTNER_WRITES = {
    "comment": ("approved", lambda c, d: services.deal_comment(actor=c.initech_rep, deal=d, body="Still on?")),
    "stage": ("approved", lambda c, d: services.deal_update(actor=c.initech_rep, deal=d, changes={"stage": "won"})),
    "lost": (
        "pending",
        lambda c, d: services.deal_update(
            actor=c.initech_rep, deal=d, changes={"stage": "lost", "lost_reason": "Budget cut."}
        ),
    ),
    "amount": ("approved", lambda c, d: services.deal_update(actor=c.initech_rep, deal=d, changes={"amount": "9"})),
    "close date": (
        "approved",
        lambda c, d: services.deal_update(
            actor=c.initech_rep, deal=d, changes={"expected_close_date": today() + timedelta(days=90)}
        ),
    ),
    "lines": (
        "approved",
        lambda c, d: services.deal_update(actor=c.initech_rep, deal=d, changes={"lines": [(c.acme_router.pk, 7)]}),
    ),
    "customer of a draft": (
        "draft",
        lambda c, d: services.deal_update(actor=c.initech_rep, deal=d, changes={"customer_name": "Hooli Ltd"}),
    ),
    "attach": ("approved", lambda c, d: services.deal_attach(actor=c.initech_rep, deal=d, upload=pdf())),
    "submit": ("draft", lambda c, d: services.deal_submit(actor=c.initech_rep, deal=d)),
    "answer in the thread": (
        "asked",
        lambda c, d: services.deal_comment(actor=c.initech_admin, deal=d, body="Berlin and Paris."),
    ),
    "resubmit": ("asked", lambda c, d: services.deal_submit(actor=c.initech_admin, deal=d)),
    "extension": (
        "approved",
        lambda c, d: services.deal_request_extension(actor=c.initech_rep, deal=d, days=30, reason="More time."),
    ),
}


@pytest.mark.parametrize("write", list(PARTNER_WRITES))
def test_the_partner_cannot_change_a_registration_of_a_closed_partnership(channel, closed, write):
    which, call = PARTNER_WRITES[write]
    deal = getattr(closed, which)
    before, counted = state(deal), written()
    with pytest.raises(PermissionDenied) as refused:
        call(channel, fresh(deal))
    assert isinstance(refused.value, access.ReadOnlyPartnership)
    assert str(refused.value) == closed.message
    assert (state(deal), written()) == (before, counted)


def test_the_vendor_and_the_distributor_keep_their_actions(channel, closed):
    """Acme still writes in the thread, decides what waits and answers the extension request; Northwind, between
    Globex and Initech, still comments after Globex suspends Initech."""
    c = channel
    services.deal_comment(actor=c.acme_manager, deal=fresh(closed.approved), body="We will talk about it.")
    assert services.deal_reject(actor=c.acme_manager, deal=fresh(closed.pending), reason="Closed.").status == "rejected"
    assert services.deal_approve(actor=c.acme_manager, deal=fresh(closed.asked)).status == "approved"
    extension = services.deal_decide_extension(
        actor=c.acme_manager, deal=fresh(closed.extended), grant=False, response="No."
    )
    assert extension.status == DealExtensionRequest.Status.REFUSED

    globex_deal = f.deal(
        c.initech_rep, c.initech, c.globex, c.globex_fw, customer_name="Vandelay", customer_website="vandelay.com"
    )
    vendor_services.partnership_suspend(actor=c.globex_admin, partnership=c.initech_globex, reason="Audit.")
    services.deal_comment(actor=c.northwind_admin, deal=fresh(globex_deal), body="We can still help.")
    assert set(DealComment.objects.filter(deal=globex_deal).values_list("organization", flat=True)) == {c.northwind.pk}


def test_the_partner_reads_it_with_the_reason_and_no_form(client, channel, closed):
    page = client_for(client, channel.initech_rep).get(url("detail", closed.approved))
    assert page.status_code == 200
    text = main_text(page)
    assert closed.message in text
    html = page.content.decode()
    for action in ("comment", "stage", "attach", "extension_request", "edit"):
        assert url(action, closed.approved) not in html, action
    assert 'name="body"' not in html  # no comment form
    draft = client.get(url("detail", closed.draft)).content.decode()
    assert closed.message in draft and url("submit", closed.draft) not in draft
    # The edit page is not offered either: back to the registration, whose banner says why.
    assert client.get(url("edit", closed.approved))["Location"] == url("detail", closed.approved)


def test_the_vendor_page_keeps_its_forms(client, channel, closed):
    page = client_for(client, channel.acme_manager).get(url("detail", closed.pending)).content.decode()
    assert "read-only" not in page
    assert url("comment", closed.pending) in page and url("reject", closed.pending) in page


# The partner's writes through the pages: (route, the deal of ``closed``, the form posted).
PAGE_WRITES = {
    "comment": ("comment", "approved", lambda c, d: {"body": "Still on?"}),
    "stage": ("stage", "approved", lambda c, d: {"stage": "won", "lost_reason": ""}),
    "attach": ("attach", "approved", lambda c, d: {"attachments": pdf()}),
    "edit": ("edit", "approved", lambda c, d: edit_form(d, amount="9.00", **line_data([(c.acme_router.pk, 7)]))),
    "submit": ("submit", "draft", lambda c, d: {}),
    "resubmit": ("submit", "asked", lambda c, d: {}),
    "extension": ("extension_request", "approved", lambda c, d: {"days": "30", "reason": "More time."}),
}


@pytest.mark.parametrize("write", list(PAGE_WRITES))
def test_the_pages_refuse_the_partner_with_the_reason(client, channel, closed, write):
    route, which, form = PAGE_WRITES[write]
    deal = getattr(closed, which)
    before, counted = state(deal), written()
    response = client_for(client, channel.initech_rep).post(url(route, deal), form(channel, deal))
    assert response.status_code == 403
    assert closed.message in main_text(response)
    assert (state(deal), written()) == (before, counted)


# The partner's writes through the API: (action path, the deal of ``closed``, the body, its format).
API_WRITES = {
    "update": ("", "approved", {"stage": "won", "amount": "9.00"}, "json"),
    "comment": ("comments/", "approved", {"body": "Still on?"}, "json"),
    "attach": ("attachments/", "approved", None, "multipart"),
    "submit": ("submit/", "draft", {}, "json"),
    "resubmit": ("submit/", "asked", {}, "json"),
    "extension": ("extension-request/", "approved", {"days": 30, "reason": "More time."}, "json"),
}


@pytest.mark.parametrize("write", list(API_WRITES))
def test_the_api_refuses_the_partner_with_a_403_saying_why(channel, closed, write):
    path, which, body, format_ = API_WRITES[write]
    deal = getattr(closed, which)
    before, counted = state(deal), written()
    client = APIClient()
    client.force_login(channel.initech_rep)
    address = f"{API}/{deal.pk}/{path}"
    if path == "":
        response = client.patch(address, body, format=format_)
    else:
        response = client.post(address, body if body is not None else {"file": pdf()}, format=format_)
    assert response.status_code == 403, response.content
    assert response.json() == {"detail": closed.message}
    assert (state(deal), written()) == (before, counted)
    assert client.get(f"{API}/{deal.pk}/").status_code == 200  # reading stays


def test_an_empty_body_is_refused_for_the_partnership_first(channel, closed):
    """The refusal does not depend on what the request holds: no field errors to correct, the 403 says why."""
    client = APIClient()
    client.force_login(channel.initech_rep)
    response = client.post(f"{API}/{closed.approved.pk}/comments/", {}, format="json")
    assert (response.status_code, response.json()) == (403, {"detail": closed.message})
