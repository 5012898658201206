"""Lead services on the database: creating and routing (with the reason kept), all-or-nothing bad input,
accepting and rejecting, the SLA recall, who sees which lead, and a fixed number of queries per batch."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads import selectors, services
from leads.models import Lead, LeadEvent, LeadOffer, LeadRules
from tests import factories as f
from vendors.models import Partnership

pytestmark = pytest.mark.django_db
Status = Lead.Status
Outcome = LeadOffer.Outcome


# --- creating and routing ------------------------------------------------------------------------------------


def test_a_lead_is_offered_with_its_deadline_and_the_reason_is_kept(world):
    w = world
    (lead,) = f.leads(w.manager, w.acme, f.lead_row(region="TX", products="ACM-R100"))
    assert (lead.status, lead.partner, lead.partnership) == (Status.OFFERED, w.lonestar, w.lonestar_acme)
    assert lead.routing_reason.startswith("covers TX, US;")
    assert lead.accept_by == lead.created_at + timedelta(hours=48)  # the vendor's default SLA
    (offer,) = LeadOffer.objects.filter(lead=lead)
    assert (offer.outcome, offer.explanation, offer.accept_by) == (Outcome.PENDING, lead.routing_reason, lead.accept_by)
    kinds = list(LeadEvent.objects.filter(lead=lead).values_list("kind", flat=True))
    assert kinds == [LeadEvent.Kind.CREATED, LeadEvent.Kind.OFFERED]


def test_specialists_and_tiers_from_the_vendors_rules(world):
    w = world
    rules = LeadRules.objects.create(vendor=w.acme, sla_hours=24)
    rules.tiers.set([w.gold])
    switch_lead, router_lead = f.leads(
        w.manager, w.acme, f.lead_row(products="ACM-S48", region="CA"), f.lead_row(products="ACM-R100", region="CA")
    )
    assert switch_lead.partner == w.initech and "specialises in ACM-S48" in switch_lead.routing_reason
    assert router_lead.partner == w.initech  # Gold and covers California; Umbrella is Silver
    assert "Gold tier" in router_lead.routing_reason
    assert switch_lead.accept_by - switch_lead.created_at == timedelta(hours=24)


def test_a_lead_nobody_covers_waits_with_the_reason(world):
    (lead,) = f.leads(world.manager, world.acme, f.lead_row(country="FR"))
    assert (lead.status, lead.partner, lead.routing_reason) == (Status.UNASSIGNED, None, "no partner covers FR")
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.UNROUTED).exists()


def test_round_robin_over_a_batch_shares_equally_between_equals(world):
    w = world
    LeadRules.objects.create(vendor=w.acme, weigh_by_performance=False, match_products=False)
    leads = f.leads(w.manager, w.acme, *[f.lead_row(region="CA", products="") for _ in range(30)])
    assert Counter(lead.partner.name for lead in leads) == {"Initech Solutions": 15, "Umbrella IT": 15}


def test_a_suspended_partnership_gets_no_leads(world):
    w = world
    from vendors import services as vendor_services

    vendor_services.partnership_suspend(actor=f.admin_of(w.acme), partnership=w.umbrella_acme, reason="Audit.")
    LeadRules.objects.create(vendor=w.acme, match_products=False)
    leads = f.leads(w.manager, w.acme, *[f.lead_row(region="CA") for _ in range(4)])
    assert {lead.partner for lead in leads} == {w.initech}


def test_bad_rows_are_reported_by_row_and_nothing_is_written(world):
    w = world
    with pytest.raises(ValidationError) as caught:
        f.leads(
            w.manager,
            w.acme,
            f.lead_row(),
            f.lead_row(company="", country="USA"),
            f.lead_row(products="GLX-FW; NOPE-1"),  # another vendor's product, and an unknown one
            f.lead_row(contact_email="not-an-email", size="huge"),
        )
    report = caught.value.rows
    assert set(report) == {2, 3, 4}
    assert set(report[2]) == {"company", "country"}
    assert set(report[3]) == {"products"} and "GLX-FW" in report[3]["products"] and "NOPE-1" in report[3]["products"]
    assert set(report[4]) == {"contact_email", "size"}
    assert "Row 2, company: This field is required." in caught.value.messages
    assert not Lead.objects.exists() and not LeadOffer.objects.exists() and not LeadEvent.objects.exists()


@pytest.mark.parametrize("who", ["acme_member", "initech_rep", "globex_manager"])
def test_only_the_vendors_managers_send_its_leads(world, who):
    with pytest.raises(PermissionDenied):
        f.leads(getattr(world, who), world.acme, f.lead_row())
    assert not Lead.objects.exists()


def test_routing_a_batch_takes_the_same_queries_for_1_or_40_leads(world):
    """Texas leads all go to Lone Star: the queries do not grow with the leads (only with the partners told)."""
    w = world
    one = f.leads(w.manager, w.acme, f.lead_row(region="TX"), route=False)
    many = f.leads(w.manager, w.acme, *[f.lead_row(region="TX") for _ in range(40)], route=False)
    with CaptureQueriesContext(connection) as small:
        services.leads_route(vendor=w.acme, lead_ids=[one[0].pk])
    with CaptureQueriesContext(connection) as large:
        services.leads_route(vendor=w.acme, lead_ids=[lead.pk for lead in many])
    assert Lead.objects.filter(status=Status.OFFERED, partner=w.lonestar).count() == 41
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]


# --- the partner's answer ------------------------------------------------------------------------------------


def test_accepting_before_the_deadline(world):
    w = world
    (lead,) = f.leads(w.manager, w.acme, f.lead_row(region="TX"))
    lead = services.lead_accept(actor=w.lonestar_rep, lead=lead)
    assert (lead.status, lead.accept_by) == (Status.ACCEPTED, None)
    assert LeadOffer.objects.get(lead=lead).outcome == Outcome.ACCEPTED
    with pytest.raises(ValidationError, match="not waiting for your answer"):
        services.lead_accept(actor=w.lonestar_rep, lead=lead)


def test_accepting_after_the_deadline_is_refused(world):
    w = world
    (lead,) = f.leads(w.manager, w.acme, f.lead_row(region="TX"))
    with pytest.raises(ValidationError, match="deadline"):
        services.lead_accept(actor=w.lonestar_rep, lead=lead, now=lead.accept_by + timedelta(seconds=1))
    assert Lead.objects.get(pk=lead.pk).status == Status.OFFERED


def test_another_partner_cannot_answer_for_the_holder(world):
    w = world
    (lead,) = f.leads(w.manager, w.acme, f.lead_row(region="TX"))
    for rep in (w.initech_rep, w.umbrella_rep):
        with pytest.raises(PermissionDenied):
            services.lead_accept(actor=rep, lead=lead)
        with pytest.raises(PermissionDenied):
            services.lead_reject(actor=rep, lead=lead, reason="Not ours.")
    assert LeadOffer.objects.get(lead=lead).outcome == Outcome.PENDING


def test_rejecting_needs_a_reason_and_the_lead_moves_on_never_back(world):
    w = world
    LeadRules.objects.create(vendor=w.acme, match_products=False)
    (lead,) = f.leads(w.manager, w.acme, f.lead_row(region="CA"))
    first = lead.partner
    with pytest.raises(ValidationError):
        services.lead_reject(actor=getattr(w, f"{_key(w, first)}_rep"), lead=lead, reason="  ")
    lead = services.lead_reject(actor=getattr(w, f"{_key(w, first)}_rep"), lead=lead, reason="Outside our focus.")
    second = lead.partner
    assert second not in (None, first) and lead.status == Status.OFFERED
    assert not selectors.leads_visible_to(getattr(w, f"{_key(w, first)}_rep")).filter(pk=lead.pk).exists()
    lead = services.lead_reject(actor=getattr(w, f"{_key(w, second)}_rep"), lead=lead, reason="No capacity.")
    assert (lead.status, lead.partner) == (Status.UNASSIGNED, None)  # nobody left who has not said no
    outcomes = list(LeadOffer.objects.filter(lead=lead).values_list("partner", "outcome", "reason"))
    assert outcomes == [
        (first.pk, Outcome.REJECTED, "Outside our focus."),
        (second.pk, Outcome.REJECTED, "No capacity."),
    ]


def _key(w, org):
    return next(key for key in ("lonestar", "initech", "umbrella", "hooli") if getattr(w, key) == org)


# --- SLA -----------------------------------------------------------------------------------------------------


def test_the_beat_recalls_missed_leads_and_routes_them_to_another_partner(world):
    w = world
    LeadRules.objects.create(vendor=w.acme, match_products=False, weigh_by_performance=False)
    leads = f.leads(w.manager, w.acme, f.lead_row(region="CA"), f.lead_row(region="CA"))
    holders = {lead.pk: lead.partner for lead in leads}
    accepted = services.lead_accept(actor=getattr(w, f"{_key(w, leads[0].partner)}_rep"), lead=leads[0])

    assert services.leads_recall_overdue(now=timezone.now() + timedelta(hours=47)) == {"missed": 0}
    result = services.leads_recall_overdue(now=timezone.now() + timedelta(hours=49))
    assert result == {"missed": 1}
    moved = Lead.objects.get(pk=leads[1].pk)
    assert moved.status == Status.OFFERED and moved.partner not in (None, holders[leads[1].pk])
    assert LeadOffer.objects.get(lead=moved, partner=holders[leads[1].pk]).outcome == Outcome.MISSED
    assert Lead.objects.get(pk=accepted.pk).status == Status.ACCEPTED  # an accepted lead stays
    # Run again at the same moment: nothing more happens.
    assert services.leads_recall_overdue(now=timezone.now() + timedelta(hours=49)) == {"missed": 0}
    assert LeadOffer.objects.filter(lead=moved).count() == 2


# --- who sees what -------------------------------------------------------------------------------------------


def test_a_partner_sees_only_the_leads_it_holds_and_a_vendor_only_its_own(world):
    w = world
    texas, germany = f.leads(w.manager, w.acme, f.lead_row(region="TX"), f.lead_row(country="DE"))
    assert list(selectors.leads_visible_to(w.lonestar_rep)) == [texas]
    assert list(selectors.leads_visible_to(w.hooli_rep)) == [germany]
    assert not selectors.leads_visible_to(w.initech_rep).exists()
    assert set(selectors.leads_visible_to(w.manager)) == {texas, germany}
    assert not selectors.leads_visible_to(w.globex_manager).exists()
    # Offers and history: a partner sees its own offer, never who else was offered the lead.
    assert set(selectors.offers_visible_to(w.lonestar_rep)) == set(LeadOffer.objects.filter(lead=texas))
    assert not selectors.offers_visible_to(w.initech_rep).exists()


def test_a_vendor_does_not_see_a_partners_own_leads(world):
    w = world
    own = f.own_lead(w.initech_rep, w.initech_acme, company="Initech's own prospect", contact_name="Bill")
    assert list(selectors.leads_visible_to(w.initech_rep)) == [own]
    assert not selectors.leads_visible_to(w.manager).filter(pk=own.pk).exists()


@pytest.mark.parametrize("close", ["suspended", "ended"])
def test_a_lead_offered_through_a_partnership_that_closed_cannot_be_accepted(world, close):
    """The offer was made while the partnership was active; the vendor suspended or ended it since."""
    w = world
    from vendors import services as vendor_services

    (lead,) = f.leads(w.manager, w.acme, f.lead_row(region="TX"))
    assert Partnership.objects.get(pk=w.lonestar_acme.pk).status == Partnership.Status.ACTIVE
    act = vendor_services.partnership_suspend if close == "suspended" else vendor_services.partnership_end
    act(actor=f.admin_of(w.acme), partnership=w.lonestar_acme, reason="Program closed.")
    with pytest.raises(PermissionDenied) as refused:
        services.lead_accept(actor=w.lonestar_rep, lead=Lead.objects.get(pk=lead.pk))
    assert str(refused.value) == f"Acme Networks has {close} your partnership: this lead is read-only."
    assert Lead.objects.get(pk=lead.pk).status == Status.OFFERED
    assert LeadOffer.objects.get(lead=lead).outcome == Outcome.PENDING
