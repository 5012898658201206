"""Thin Celery wrappers around the services: they take ids, are safe to run twice, and ack late."""

from celery import shared_task

from notifications import services


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_email(self, email_id: int) -> bool:
    """Send one outbox email. A refusal is recorded on the row and retried with exponential backoff until the
    row's attempts run out; then it stays ``failed`` for platform admins to see and retry. (The row counts
    the attempts, so Celery's own retry limit is off.)"""
    try:
        return services.email_deliver(email_id=email_id)
    except services.DeliveryFailed as exc:
        if exc.final or self.request.is_eager:
            # Without a worker (tasks run in the request) the row waits, pending, for the re-send job.
            return False
        raise self.retry(exc=exc, countdown=exc.retry_in) from None


@shared_task(acks_late=True)
def resend_pending_emails() -> int:
    """Beat, every minute: hand over again what a Redis outage, a lost retry or a dead worker left pending."""
    return services.emails_resend_pending()


@shared_task(acks_late=True)
def send_due_digests() -> int:
    """Beat, every 15 minutes: write (and enqueue) the daily digests whose hour has come."""
    return services.digests_send_due()
