"""After routing: who is told, the vendor's choice by hand, reminders, and the partner working the lead up to
a deal registration that carries the lead's data."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from deals.models import DealRegistration
from leads import services
from leads.models import Lead, LeadEvent, LeadOffer, LeadRules
from notifications.models import Notification, Receipt
from tests import factories as f
from vendors.models import Membership

pytestmark = pytest.mark.django_db
Status = Lead.Status


def told(user, kind):
    return list(
        Receipt.objects.filter(user=user, notification__kind=kind).values_list("notification__title", flat=True)
    )


# --- notifications -------------------------------------------------------------------------------------------


def test_a_partner_hears_once_per_batch_with_the_deadline(world):
    w = world
    leads = f.leads(w.manager, w.acme, *[f.lead_row(region="TX", company=f"Clinic {n}") for n in range(3)])
    (title,) = told(w.lonestar_rep, "lead.offered")
    assert title.startswith("Acme Networks sent you 3 new leads. Accept by ")
    notification = Notification.objects.get(kind="lead.offered")
    assert all(lead.reference in notification.body for lead in leads)
    assert not told(w.initech_rep, "lead.offered")  # nothing about leads that went elsewhere


def test_the_vendor_hears_of_each_answer(world):
    w = world
    first, second = f.leads(
        w.manager,
        w.acme,
        f.lead_row(region="TX", company="Alamo Clinic"),
        f.lead_row(country="DE", company="Berlin AG"),
    )
    services.lead_accept(actor=w.lonestar_rep, lead=first)
    services.lead_reject(actor=w.hooli_rep, lead=second, reason="We only sell to public sector.")
    titles = told(w.manager, "lead.answered")
    assert f"Lone Star IT accepted {first.reference} Alamo Clinic" in titles
    assert f"Hooli GmbH rejected {second.reference} Berlin AG: We only sell to public sector." in titles
    assert not told(w.acme_member, "lead.answered")  # the deciders only


def test_reminders_before_the_deadline_once_and_then_the_recall(world):
    w = world
    LeadRules.objects.create(vendor=w.acme, sla_hours=24, reminder_hours=6)
    (lead,) = f.leads(w.manager, w.acme, f.lead_row(region="TX"))
    assert services.leads_remind_due(now=timezone.now() + timedelta(hours=17)) == 0
    assert services.leads_remind_due(now=timezone.now() + timedelta(hours=19)) == 1
    assert services.leads_remind_due(now=timezone.now() + timedelta(hours=20)) == 0
    (title,) = told(w.lonestar_rep, "lead.reminder")
    assert title.startswith(f"Accept {lead.reference} Waystar Health from Acme Networks by ")
    services.leads_recall_overdue(now=timezone.now() + timedelta(hours=25))
    (recalled,) = told(w.lonestar_rep, "lead.recalled")
    assert recalled == f"Acme Networks recalled {lead.reference} Waystar Health: not accepted before the deadline"


# --- by hand -------------------------------------------------------------------------------------------------


def test_the_vendor_moves_an_offer_to_a_partner_of_its_choice(world):
    w = world
    (lead,) = f.leads(w.manager, w.acme, f.lead_row(region="TX"))
    moved = services.lead_offer_to(actor=w.manager, lead=lead, partnership=w.umbrella_acme)
    assert (moved.status, moved.partner) == (Status.OFFERED, w.umbrella)
    assert moved.routing_reason.startswith("chosen by ")
    outcomes = list(LeadOffer.objects.filter(lead=lead).values_list("partner", "outcome", "by_rules"))
    assert outcomes == [(w.lonestar.pk, "recalled", True), (w.umbrella.pk, "pending", False)]
    assert told(w.lonestar_rep, "lead.recalled") and told(w.umbrella_rep, "lead.offered")


def test_by_hand_only_to_the_vendors_own_active_partners(world):
    w = world
    (lead,) = f.leads(w.manager, w.acme, f.lead_row(region="TX"))
    globex_partnership = w.initech.partnerships_as_partner.get(vendor=w.globex)
    with pytest.raises(ValidationError):
        services.lead_offer_to(actor=w.manager, lead=lead, partnership=globex_partnership)
    with pytest.raises(PermissionDenied):
        services.lead_offer_to(actor=w.globex_manager, lead=lead, partnership=w.umbrella_acme)
    assert Lead.objects.get(pk=lead.pk).partner == w.lonestar


# --- working the lead ----------------------------------------------------------------------------------------


def test_assign_a_rep_of_the_partner_then_contacted_qualified(world):
    w = world
    (lead,) = f.leads(w.manager, w.acme, f.lead_row(region="TX"))
    with pytest.raises(ValidationError, match="Accept"):
        services.lead_assign_rep(actor=w.lonestar_rep, lead=lead, rep=w.lonestar_rep)
    lead = services.lead_accept(actor=w.lonestar_rep, lead=lead)
    colleague = f.member(w.lonestar, Membership.Role.MEMBER, first_name="Sam", last_name="Sales")
    with pytest.raises(ValidationError):
        services.lead_assign_rep(actor=w.lonestar_rep, lead=lead, rep=w.initech_rep)  # not Lone Star's
    lead = services.lead_assign_rep(actor=w.lonestar_rep, lead=lead, rep=colleague)
    assert lead.assigned_to == colleague
    lead = services.lead_update_status(actor=colleague, lead=lead, status=Status.CONTACTED)
    lead = services.lead_update_status(actor=colleague, lead=lead, status=Status.QUALIFIED)
    assert lead.status == Status.QUALIFIED
    history = list(LeadEvent.objects.filter(lead=lead).values_list("kind", "old_value", "new_value"))
    assert history[-2:] == [("status_changed", "accepted", "contacted"), ("status_changed", "contacted", "qualified")]


def test_disqualifying_needs_a_reason_and_converted_comes_only_from_a_deal(world):
    w = world
    (lead,) = f.leads(w.manager, w.acme, f.lead_row(region="TX"))
    lead = services.lead_accept(actor=w.lonestar_rep, lead=lead)
    with pytest.raises(ValidationError) as caught:
        services.lead_update_status(actor=w.lonestar_rep, lead=lead, status=Status.DISQUALIFIED)
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.lead_update_status(actor=w.lonestar_rep, lead=lead, status=Status.CONVERTED)
    lead = services.lead_update_status(
        actor=w.lonestar_rep, lead=lead, status=Status.DISQUALIFIED, reason="No budget until 2028."
    )
    assert (lead.status, lead.status_reason) == (Status.DISQUALIFIED, "No budget until 2028.")


def test_converting_carries_the_lead_into_a_deal_registration_and_keeps_the_link(world):
    w = world
    (lead,) = f.leads(
        w.manager,
        w.acme,
        f.lead_row(
            region="TX",
            company="Alamo Dental Group",
            contact_name="Rosa Vega",
            contact_email="rosa@alamodental.example",
            contact_phone="+1 210 555 0100",
            notes="Asked for a quote for 12 sites.",
        ),
    )
    with pytest.raises(ValidationError, match="cannot be converted"):
        services.lead_convert(
            actor=w.lonestar_rep, lead=lead, title="x", expected_close_date=_later(), lines=[(w.router, 1)]
        )
    lead = services.lead_accept(actor=w.lonestar_rep, lead=lead)
    deal = services.lead_convert(
        actor=w.lonestar_rep,
        lead=lead,
        title="Alamo Dental: 12 sites",
        expected_close_date=_later(),
        lines=[(w.router, 12)],
        submit=True,
    )
    assert (deal.customer_name, deal.customer_country, deal.contact_name) == ("Alamo Dental Group", "US", "Rosa Vega")
    assert (deal.contact_email, deal.contact_phone) == ("rosa@alamodental.example", "+1 210 555 0100")
    assert deal.notes == "Asked for a quote for 12 sites."
    assert (deal.partner, deal.vendor, deal.status) == (w.lonestar, w.acme, DealRegistration.Status.SUBMITTED)
    lead.refresh_from_db()
    assert (lead.status, lead.deal) == (Status.CONVERTED, deal)
    assert LeadEvent.objects.filter(lead=lead, kind="converted", detail=f"Registered as {deal.reference}").exists()


def test_a_lead_converted_to_a_draft_does_not_tell_the_drafts_reference(world):
    (lead,) = f.leads(world.manager, world.acme, f.lead_row(region="TX"))
    lead = services.lead_accept(actor=world.lonestar_rep, lead=lead)
    deal = services.lead_convert(
        actor=world.lonestar_rep,
        lead=lead,
        title="Draft first",
        expected_close_date=_later(),
        lines=[(world.router, 1)],
    )
    assert deal.status == DealRegistration.Status.DRAFT
    event = LeadEvent.objects.get(lead=lead, kind="converted")
    assert event.detail == "Registered as a draft deal" and deal.reference not in event.detail


def test_a_bad_deal_converts_nothing(world):
    w = world
    (lead,) = f.leads(w.manager, w.acme, f.lead_row(region="TX"))
    lead = services.lead_accept(actor=w.lonestar_rep, lead=lead)
    with pytest.raises(ValidationError):
        services.lead_convert(
            actor=w.lonestar_rep, lead=lead, title="", expected_close_date=_later(), lines=[(w.globex_fw, 1)]
        )
    lead.refresh_from_db()
    assert (lead.status, lead.deal) == (Status.ACCEPTED, None)
    assert not DealRegistration.objects.exists()


def _later():
    return timezone.localdate() + timedelta(days=45)
