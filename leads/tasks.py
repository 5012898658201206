"""Thin Celery wrappers around the lead services: safe to run twice, acked late."""

from celery import shared_task

from leads import services


@shared_task(acks_late=True)
def recall_overdue_leads() -> dict:
    """Beat: leads not accepted by their deadline are recalled (a miss) and offered to the next partner."""
    return services.leads_recall_overdue()


@shared_task(acks_late=True)
def remind_due_leads() -> int:
    """Beat: partners are reminded, once per offer, of leads whose deadline is within the vendor's reminder hours."""
    return services.leads_remind_due()
