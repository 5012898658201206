"""Notifications' beat jobs (merged into Celery's schedule at startup, portal/apps.py): the outbox's re-send of
emails still pending, every minute, and the daily digests that are due, every quarter of an hour."""

BEAT = {
    "resend-pending-emails": {"task": "notifications.tasks.resend_pending_emails", "schedule": 60.0},
    "send-due-digests": {"task": "notifications.tasks.send_due_digests", "schedule": 900.0},
}
