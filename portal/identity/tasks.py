"""Thin Celery wrappers around the identity services: safe to run twice, acked late."""

from celery import shared_task

from portal.identity import services


@shared_task(acks_late=True)
def refresh_saml_metadata() -> int:
    """Beat, every few hours: fetch the metadata URL of each enabled SAML IdP again (signing key rollovers)."""
    return services.identity_providers_refresh_metadata()
