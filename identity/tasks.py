"""Thin Celery wrappers around the identity services: safe to run twice, acked late."""

from celery import shared_task

from identity import services


@shared_task(acks_late=True)
def refresh_saml_metadata() -> int:
    """Beat, every few hours: fetch the metadata URL of each enabled SAML IdP again (signing key rollovers)."""
    return services.identity_providers_refresh_metadata()


@shared_task(acks_late=True)
def check_domain_txt_records() -> dict:
    """Beat: pending domain claims whose DNS TXT record is published are verified (where DNS verification is on)."""
    return services.domains_check_txt_pending()
