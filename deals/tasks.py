"""Thin Celery wrappers around the deal services: safe to run twice, acked late."""

from celery import shared_task

from deals import services


@shared_task(acks_late=True)
def expire_registrations() -> dict:
    """Beat, hourly: warn 14 and 3 days before approved registrations expire, then expire them."""
    return services.deals_expire_due()
