"""Leads' beat jobs (merged into Celery's schedule at startup, portal/apps.py): recall offers past their deadline
and route them on, and remind partners of offers nearing it, as often as the settings say."""

from django.conf import settings

BEAT = {
    "recall-overdue-leads": {
        "task": "leads.tasks.recall_overdue_leads",
        "schedule": settings.ONEPANE_LEAD_RECALL_EVERY,
    },
    "remind-due-leads": {"task": "leads.tasks.remind_due_leads", "schedule": settings.ONEPANE_LEAD_REMIND_EVERY},
}
