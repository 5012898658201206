"""What people are told, and the outbox that tells them.

- ``Notification``: one event for one organization (who, what, which vendor, which row it is about).
- ``Receipt``: that notification for one person: read, first opened, and how it is emailed.
- ``OutgoingEmail``: the email outbox. A row is written in the transaction that causes it and delivered
  by a Celery task after commit; a beat task re-sends what is still pending, so nothing is lost.
- ``NotificationSettings`` / ``NotificationPreference``: a person's time zone, digest hour and, per
  notification type, immediately / daily digest / off.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core import numbers
from vendors.models import Organization


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately"
    DIGEST = "digest", "Daily digest"
    OFF = "off", "Off"


class OutgoingEmail(models.Model):
    """One email to one address, kept until it is delivered (or has failed for good)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"  # what it carried was withdrawn before it left (a revoked invitation)

    # What the email is, unique: a second write of the same email (a retried service) is refused.
    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=255)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # Carries a one-time secret (an invitation link, a password reset): the bodies are erased once delivered.
    sensitive = models.BooleanField(default=False)
    # A notification's email: its subject, bodies and headers are written when it is delivered, from its receipt,
    # so that telling a thousand organizations at once (a lead import) renders no email in the request.
    render_at_delivery = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Attempts started, counted before sending: one a worker died in counts too.
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When it was last handed to Celery, or when the task's retry of a refused email is due: the re-send
    # job hands a pending email over again once this is ONEPANE_EMAIL_RESEND_AFTER seconds in the past.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The beat's re-send scan: only pending rows are indexed.
            models.Index(fields=["enqueued_at"], condition=Q(status="pending"), name="outgoingemail_pending"),
            models.Index(fields=["status", "-created_at"], name="outgoingemail_status"),
        ]

    def __str__(self):
        return f"{self.subject} → {self.to} ({self.status})"

    @property
    def message_id(self) -> str:
        # The same Message-ID on every attempt: a mail system that sees it twice knows it is one email.
        domain = getattr(settings, "ONEPANE_EMAIL_DOMAIN", "onepane.local")
        return f"<onepane-{self.pk}@{domain}>"


class Notification(models.Model):
    """Something that happened, told to one organization (or to one person in it)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    vendor = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications_sent"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    subject_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Set by services that may run twice for one event (beat jobs): the second notify() is a no-op.
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["vendor", "kind", "-created_at"], name="notification_vendor_kind"),
        ]

    def __str__(self):
        return self.title


class Receipt(models.Model):
    """A notification for one person: their inbox row, read and open state, and how it reaches their email."""

    class Email(models.TextChoices):
        QUEUED = "queued", "Emailed"  # an OutgoingEmail carries it (pending or sent)
        DIGEST = "digest", "Waiting for the daily digest"
        DIGESTED = "digested", "Sent in a digest"
        OFF = "off", "Not emailed"

    class Via(models.TextChoices):
        APP = "app", "In the app"
        EMAIL = "email", "Email"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_receipts")
    # Copied from the notification so the inbox, its filter and the bell are one index each.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    vendor = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    opened_via = models.CharField(max_length=5, choices=Via.choices, blank=True)
    # An unguessable token for the email's link and open pixel: it names the receipt, never the person.
    open_token = models.CharField(max_length=32, unique=True)
    email_state = models.CharField(max_length=10, choices=Email.choices, default=Email.OFF)
    email = models.ForeignKey(OutgoingEmail, null=True, blank=True, on_delete=models.SET_NULL, related_name="receipts")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "user"], name="receipt_one_per_person"),
        ]
        indexes = [
            models.Index(fields=["user", "organization", "-created_at", "-id"], name="receipt_inbox"),
            models.Index(fields=["user", "organization", "vendor", "-created_at"], name="receipt_inbox_vendor"),
            models.Index(fields=["user", "organization"], condition=Q(read_at__isnull=True), name="receipt_unread"),
            models.Index(fields=["user", "created_at"], condition=Q(email_state="digest"), name="receipt_digest"),
        ]

    def __str__(self):
        return f"{self.notification} → {self.user}"


class NotificationSettings(models.Model):
    """A person's time zone and the hour their daily digest arrives (defaults apply without a row)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    digest_hour = models.PositiveSmallIntegerField(default=8, validators=numbers.HOUR_OF_DAY.validators())

    class Meta:
        verbose_name_plural = "notification settings"
        constraints = [
            models.CheckConstraint(condition=Q(digest_hour__lte=23), name="notificationsettings_hour"),
        ]

    def __str__(self):
        return f"{self.user}: digest at {self.digest_hour}:00 {self.time_zone}"


class NotificationPreference(models.Model):
    """How one person wants one notification type emailed. No row means the type's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=64)
    email = models.CharField(max_length=10, choices=EmailMode.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notificationpreference_unique"),
        ]

    def __str__(self):
        return f"{self.user}: {self.kind} {self.email}"
