"""The lead beat jobs: both on the beat schedule, each a Celery task that is safe to run twice."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leads import tasks
from leads.models import Lead, LeadOffer, LeadRules
from notifications.models import Receipt
from portal.celery import app
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_beat_schedule_runs_both_lead_jobs():
    scheduled = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert scheduled["leads.tasks.recall_overdue_leads"] > 0
    assert scheduled["leads.tasks.remind_due_leads"] > 0
    assert {"leads.tasks.recall_overdue_leads", "leads.tasks.remind_due_leads"} <= set(app.tasks)


def test_the_reminder_task_reminds_a_due_offer_once(world):
    w = world
    # A six-hour deadline inside a twelve-hour reminder window: due as soon as it is offered.
    LeadRules.objects.create(vendor=w.acme, sla_hours=6, reminder_hours=12)
    (lead,) = f.leads(w.manager, w.acme, f.lead_row(region="TX"))
    assert tasks.remind_due_leads.delay().get() == 1
    assert tasks.remind_due_leads.delay().get() == 0
    offer = LeadOffer.objects.get(lead=lead)
    assert offer.outcome == LeadOffer.Outcome.PENDING and offer.reminded_at is not None
    reminders = Receipt.objects.filter(user=w.lonestar_rep, notification__kind="lead.reminder")
    assert reminders.count() == 1


def test_the_reminder_task_leaves_an_offer_far_from_its_deadline(world):
    w = world
    LeadRules.objects.create(vendor=w.acme, sla_hours=48, reminder_hours=12)
    (lead,) = f.leads(w.manager, w.acme, f.lead_row(region="TX"))
    assert tasks.remind_due_leads.delay().get() == 0
    assert LeadOffer.objects.get(lead=lead).reminded_at is None


def test_the_recall_task_recalls_an_overdue_offer_once(world):
    w = world
    (lead,) = f.leads(w.manager, w.acme, f.lead_row(region="TX"))
    past = timezone.now() - timedelta(minutes=1)
    Lead.objects.filter(pk=lead.pk).update(accept_by=past)
    LeadOffer.objects.filter(lead=lead).update(accept_by=past)
    assert tasks.recall_overdue_leads.delay().get() == {"missed": 1}
    assert tasks.recall_overdue_leads.delay().get() == {"missed": 0}
    outcomes = dict(LeadOffer.objects.filter(lead=lead).values_list("partner_id", "outcome"))
    assert outcomes[w.lonestar.pk] == LeadOffer.Outcome.MISSED
    assert Lead.objects.get(pk=lead.pk).partner != w.lonestar
