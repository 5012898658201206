"""Thin Celery wrappers around the services: they take ids, are safe to run twice, and ack late."""

from celery import shared_task
from django.conf import settings

from portal.notifications import services


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_email(self, email_id: int) -> bool:
    """Send one outbox email. A refusal is recorded on the row and retried with exponential backoff until the
    row's attempts run out; then it stays ``failed`` for platform admins to see and retry."""
    try:
        return services.email_deliver(email_id=email_id)
    except services.DeliveryFailed as exc:
        if exc.final:
            return False
        base = getattr(settings, "ONEPANE_EMAIL_RETRY_BASE", 30)
        raise self.retry(exc=exc, countdown=min(base * 2**self.request.retries, 3600)) from None


@shared_task(acks_late=True)
def resend_pending_emails() -> int:
    return services.emails_resend_pending()


@shared_task(acks_late=True)
def send_due_digests() -> int:
    return services.digests_send_due()
