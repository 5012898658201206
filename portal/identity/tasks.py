"""Thin Celery wrappers around the sign-in services: safe to run twice, acked late."""

from celery import shared_task

from portal.identity import services


@shared_task(acks_late=True)
def check_domain_txt_records() -> dict:
    """Beat: pending domain claims whose DNS TXT record is published are verified (where DNS verification is on)."""
    return services.domains_check_txt_pending()
