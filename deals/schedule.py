"""Deal registration's beat job (merged into Celery's schedule at startup, portal/apps.py): expire registrations
whose protection ended and warn 14 and 3 days before, every ``ONEPANE_DEAL_EXPIRY_EVERY`` seconds."""

from django.conf import settings

BEAT = {
    "expire-deal-registrations": {
        "task": "deals.tasks.expire_registrations",
        "schedule": settings.ONEPANE_DEAL_EXPIRY_EVERY,
    },
}
