"""Every write of the notifications app: telling people, the email outbox, read/open state, preferences.

``notify`` is the one way any app tells someone something. Call it inside the service that makes the change:
the notification, each person's receipt and their emails are written in that same transaction, and the
emails are handed to Celery only after it commits (``transaction.on_commit``). A Redis outage or a dead
worker leaves them ``pending``; ``emails_resend_pending`` (a beat job) hands them over again. Delivery
counts the attempt first, then locks the row while it sends (``SELECT … FOR UPDATE SKIP LOCKED``) and marks
it sent in the same transaction, so two deliveries of one email never both send it (docs/adr/0002).
"""

import logging
import secrets
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core import places
from notifications import kinds
from notifications.models import (
    EmailMode,
    Notification,
    NotificationPreference,
    NotificationSettings,
    OutgoingEmail,
    Receipt,
)
from vendors.models import Membership, Organization

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "onepane.notifications.unsubscribe"
DEFAULT_SETTINGS = {"time_zone": "UTC", "digest_hour": 8}

# The daily digest as a whole: what its own unsubscribe link (and List-Unsubscribe header) turns off.
DIGEST = kinds.Kind(
    "digest",
    "Daily digest",
    "One email a day with the updates you chose to get in a digest. They still appear under the bell in Onepane.",
)


class DeliveryFailed(Exception):
    """Sending an email failed; ``final`` once it has used all its attempts."""

    def __init__(self, message: str, *, final: bool, retry_in: int = 0):
        super().__init__(message)
        self.final = final
        self.retry_in = retry_in


def _max_attempts() -> int:
    return getattr(settings, "ONEPANE_EMAIL_MAX_ATTEMPTS", 5)


def absolute(path: str) -> str:
    return settings.ONEPANE_BASE_URL.rstrip("/") + path


# --- the outbox ---------------------------------------------------------------------------------------------


# Hand an email to the broker with one try: when Redis is down the publish fails at once (kombu's ``retry=False``
# path still waits out the connect timeout) and the row stays pending for the beat's re-send.
PUBLISH_ONCE = {"retry": True, "retry_policy": {"max_retries": 0}}


def _enqueue_after_commit(email_ids: list[int]) -> None:
    if not email_ids:
        return

    def hand_over():
        from notifications.tasks import deliver_email

        for pk in email_ids:
            try:
                deliver_email.apply_async((pk,), **PUBLISH_ONCE)
            except Exception:  # the broker is down: the row stays pending and the beat re-sends it
                logger.warning("Could not enqueue email %s; the re-send job will deliver it.", pk, exc_info=True)
                return

    transaction.on_commit(hand_over)


def _render(template: str, context: dict) -> tuple[str, str]:
    return (
        render_to_string(f"{template}.txt", context).strip() + "\n",
        render_to_string(f"{template}.html", context),
    )


ERASED = "[Erased after delivery: this email carried a one-time link.]"


def _outgoing(
    *, key: str, to: str, subject: str, template: str, context: dict, user=None, headers=None, sensitive=False
):
    text, html = _render(template, context)
    return OutgoingEmail(
        key=key,
        sensitive=sensitive,
        to=to,
        user=user,
        subject=subject[:255],
        text_body=text,
        html_body=html,
        headers=headers or {},
        enqueued_at=timezone.now(),
    )


@transaction.atomic
def email_send(
    *,
    key: str,
    to: str,
    subject: str,
    template: str,
    context: dict,
    user=None,
    headers=None,
    sensitive: bool = False,
) -> OutgoingEmail:
    """Put one transactional email (an invitation, a password reset) in the outbox; it leaves after commit.

    ``template`` names ``<template>.txt`` and ``<template>.html``. ``key`` names the email uniquely; sending
    the same key again returns the first email instead. ``sensitive`` erases the bodies once delivered."""
    existing = OutgoingEmail.objects.filter(key=key).first()
    if existing:
        return existing
    email = _outgoing(
        key=key,
        to=to,
        subject=subject,
        template=template,
        context=context,
        user=user,
        headers=headers,
        sensitive=sensitive,
    )
    try:
        with transaction.atomic():
            email.save()
    except IntegrityError:
        return OutgoingEmail.objects.get(key=key)
    _enqueue_after_commit([email.pk])
    return email


def email_cancel(*, key: str) -> bool:
    """Withdraw an email that has not left yet (an invitation revoked before delivery). True if it was pending."""
    return bool(
        OutgoingEmail.objects.filter(key=key, status=OutgoingEmail.Status.PENDING).update(
            status=OutgoingEmail.Status.CANCELLED, text_body=ERASED, html_body=""
        )
    )


def retry_delay(attempts: int) -> int:
    """Seconds to wait before trying again an email refused ``attempts`` times: 30 s, 1 min, 2 min, … (≤ 1 h)."""
    base = getattr(settings, "ONEPANE_EMAIL_RETRY_BASE", 30)
    return min(base * 2 ** max(attempts - 1, 0), 3600)


def email_deliver(*, email_id: int) -> bool:
    """Send one pending email. True if this call sent it; False if it was sent, cancelled, failed for good, or
    is being sent right now by another worker. Raises ``DeliveryFailed`` when the mail server refused it.

    Two short transactions. The first claims an attempt and commits it, so a worker that dies while sending
    still uses up one of the email's attempts (an email that kills every worker fails for good instead of
    being re-sent forever). The second locks the row (``SELECT … FOR UPDATE SKIP LOCKED``), sends, and
    records the outcome before it commits: while one worker sends, every other delivery of the same email
    skips it, and once it is marked sent nobody sends it again."""
    now = timezone.now()
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update(skip_locked=True).filter(pk=email_id).first()
        if email is None or email.status != OutgoingEmail.Status.PENDING:
            return False
        if email.attempts >= _max_attempts():
            # Its last attempt never finished: the worker stopped while sending it.
            email.status = OutgoingEmail.Status.FAILED
            email.failed_at = now
            email.last_error = email.last_error or "The worker stopped while sending it."
            email.save(update_fields=["status", "failed_at", "last_error"])
            logger.error("Email %s failed for good: %s attempts never finished.", email.pk, email.attempts)
            return False
        email.attempts += 1
        email.save(update_fields=["attempts"])
    error = None
    with transaction.atomic():
        email = (
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutgoingEmail.Status.PENDING)
            .first()
        )
        if email is None:
            return False
        email_render(email)
        if email.status != OutgoingEmail.Status.PENDING:
            return False
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.text_body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
            headers={**email.headers, "Message-ID": email.message_id},
        )
        if email.html_body:
            message.attach_alternative(email.html_body, "text/html")
        try:
            message.send()
        except Exception as exc:  # noqa: BLE001 (any failure of the mail server is recorded, then retried)
            error = f"{type(exc).__name__}: {exc}"
            email.last_error = error[:2000]
            fields = ["last_error", "status", "failed_at", "enqueued_at"]
            if email.attempts >= _max_attempts():
                email.status = OutgoingEmail.Status.FAILED
                email.failed_at = timezone.now()
            else:
                # The task retries it then; the re-send job only steps in if that retry is lost.
                email.enqueued_at = timezone.now() + timedelta(seconds=retry_delay(email.attempts))
            email.save(update_fields=fields)
        else:
            email.status = OutgoingEmail.Status.SENT
            email.sent_at = timezone.now()
            fields = ["status", "sent_at"]
            if email.sensitive:
                email.text_body, email.html_body = ERASED, ""
                fields += ["text_body", "html_body"]
            email.save(update_fields=fields)
    if error:
        final = email.status == OutgoingEmail.Status.FAILED
        if final:
            logger.error("Email %s failed for good after %s attempts: %s", email.pk, email.attempts, error)
        raise DeliveryFailed(error, final=final, retry_in=retry_delay(email.attempts))
    return True


def emails_resend_pending(*, now: datetime | None = None, limit: int = 500) -> int:
    """Hand over again every email still pending a while after it was last handed over (the beat job)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=getattr(settings, "ONEPANE_EMAIL_RESEND_AFTER", 120))
    ids = list(
        OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING, enqueued_at__lt=cutoff)
        .order_by("enqueued_at")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        OutgoingEmail.objects.filter(pk__in=ids).update(enqueued_at=now)
        from notifications.tasks import deliver_email

        for pk in ids:
            try:
                deliver_email.apply_async((pk,), **PUBLISH_ONCE)
            except Exception:
                logger.warning("The broker is still unreachable; %s emails wait for the next run.", len(ids))
                OutgoingEmail.objects.filter(pk__in=ids, status=OutgoingEmail.Status.PENDING).update(enqueued_at=cutoff)
                return 0
    return len(ids)


@transaction.atomic
def email_retry(*, actor, email: OutgoingEmail) -> OutgoingEmail:
    """A platform admin sends a failed email again."""
    if not actor.is_staff:
        raise ValidationError("Only platform admins retry failed emails.")
    updated = OutgoingEmail.objects.filter(pk=email.pk, status=OutgoingEmail.Status.FAILED).update(
        status=OutgoingEmail.Status.PENDING, attempts=0, failed_at=None, enqueued_at=timezone.now()
    )
    if updated:
        _enqueue_after_commit([email.pk])
    email.refresh_from_db()
    return email


# --- telling people -----------------------------------------------------------------------------------------


def settings_for(user_ids) -> dict[int, dict]:
    rows = NotificationSettings.objects.filter(user_id__in=list(user_ids)).values("user_id", "time_zone", "digest_hour")
    found = {row["user_id"]: row for row in rows}
    return {uid: found.get(uid, DEFAULT_SETTINGS) for uid in user_ids}


def email_modes(user_ids, kind: kinds.Kind) -> dict[int, str]:
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=list(user_ids), kind=kind.key).values_list("user_id", "email")
    )
    return {uid: chosen.get(uid, kind.email) for uid in user_ids}


def unsubscribe_token(user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def _notification_email(receipt: Receipt) -> OutgoingEmail:
    """The outbox row of a receipt's email: addressed now, written when it is delivered (``email_render``)."""
    return OutgoingEmail(
        key=f"notification:{receipt.notification.pk}:{receipt.user.pk}",
        to=receipt.user.email,
        user=receipt.user,
        subject=receipt.notification.title[:255],
        text_body="",
        render_at_delivery=True,
        enqueued_at=timezone.now(),
    )


def _written_email(email: OutgoingEmail, receipt: Receipt | None) -> None:
    """Write a notification email's subject, bodies and headers from its receipt (in place, not saved)."""
    if receipt is None:  # the notification is gone (its organization was deleted): nothing to say any more
        email.status = OutgoingEmail.Status.CANCELLED
        email.text_body, email.html_body = "", ""
        email.render_at_delivery = False
        return
    notification, user = receipt.notification, receipt.user
    kind = kinds.REGISTRY.get(notification.kind) or kinds.Kind(notification.kind, notification.kind, "")
    unsubscribe = absolute(reverse("notifications:unsubscribe", kwargs={"token": unsubscribe_token(user.pk, kind.key)}))
    context = {
        "notification": notification,
        "kind": kind,
        "person": user,
        "organization": notification.organization,
        "open_url": absolute(reverse("notifications:click", kwargs={"token": receipt.open_token})),
        "pixel_url": absolute(reverse("notifications:pixel", kwargs={"token": receipt.open_token})),
        "unsubscribe_url": unsubscribe,
        "preferences_url": absolute(reverse("notifications:preferences")),
    }
    email.text_body, email.html_body = _render("notifications/email/notification", context)
    email.subject = notification.title[:255]
    email.headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    email.render_at_delivery = False


def email_render(email: OutgoingEmail) -> OutgoingEmail:
    """The email as it is sent: a notification's email not written yet is written now (and saved)."""
    if email.render_at_delivery:
        receipt = (
            Receipt.objects.filter(email=email)
            .select_related("notification", "notification__organization", "notification__vendor", "user")
            .first()
        )
        _written_email(email, receipt)
        email.save(update_fields=["subject", "text_body", "html_body", "headers", "render_at_delivery", "status"])
    return email


@dataclass(frozen=True)
class Notice:
    """One organization to tell, for ``notify_many``: what to say, the row it is about, optionally one person."""

    organization: Organization
    title: str
    body: str = ""
    subject: object = None
    recipient: object = None
    key: str | None = None


def notify(
    *,
    kind: str,
    organization: Organization,
    title: str,
    body: str = "",
    vendor: Organization | None = None,
    subject=None,
    actor=None,
    recipient=None,
    key: str | None = None,
    now: datetime | None = None,
) -> Notification | None:
    """Tell ``organization``'s people in the type's roles that something happened; ``recipient`` narrows that
    to one of them (someone outside the organization or the type's roles is not told).

    The acting person is never told about their own action. Returns ``None`` when nobody is left to tell, or
    the existing notification when ``key`` was used before (a job that runs twice tells people once). ``now``: when
    it happened (the present by default)."""
    notice = Notice(organization=organization, title=title, body=body, subject=subject, recipient=recipient, key=key)
    return notify_many(kind=kind, notices=[notice], vendor=vendor, actor=actor, now=now)[0]


@transaction.atomic
def notify_many(
    *, kind: str, notices: list[Notice], vendor: Organization | None = None, actor=None, now: datetime | None = None
) -> list[Notification | None]:
    """``notify`` for many organizations at once (a vendor's import offers leads to a thousand partners): the
    notifications, receipts and emails of all of them in a fixed number of queries, whatever their number.

    Returns, for each notice in order, its notification (the existing one for a key used before) or ``None``
    when nobody was left to tell. The emails are written when they are delivered, not here."""
    declared = kinds.get(kind)
    for notice in notices:
        if declared.audience is not None and notice.organization.kind not in declared.audience:
            raise ValueError(
                f"{kind} is told to {', '.join(declared.audience)} organizations, not to {notice.organization.kind}s."
            )
    keys = [n.key for n in notices if n.key]
    existing = {n.key: n for n in Notification.objects.filter(key__in=keys)} if keys else {}
    todo = [(i, n) for i, n in enumerate(notices) if not (n.key and n.key in existing)]
    people = Membership.objects.filter(organization_id__in={n.organization.pk for _, n in todo}).select_related("user")
    if declared.roles is not None:
        people = people.filter(role__in=declared.roles)
    actor_id = getattr(actor, "pk", None)
    members = defaultdict(list)
    for m in people.order_by("organization_id", "pk") if todo else ():
        if m.user.is_active and m.user_id != actor_id:
            members[m.organization_id].append(m.user)
    told = []  # (index, notification, users)
    now = now or timezone.now()
    for i, notice in todo:
        users = members.get(notice.organization.pk, [])
        if notice.recipient is not None:
            users = [u for u in users if u.pk == notice.recipient.pk]
        if not users:
            continue
        subject = notice.subject
        notification = Notification(
            organization=notice.organization,
            kind=declared.key,
            vendor=vendor,
            actor=actor if actor is not None and actor.is_authenticated else None,
            title=notice.title[:200],
            body=notice.body,
            subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
            subject_id=subject.pk if subject is not None else None,
            key=notice.key,
            created_at=now,
        )
        told.append((i, notification, users))
    found: list[Notification | None] = [existing.get(n.key) if n.key else None for n in notices]
    if not told:
        return found
    try:
        with transaction.atomic():
            Notification.objects.bulk_create([notification for _, notification, _ in told])
    except IntegrityError:
        # A key was taken meanwhile (the same job running twice at once): one by one, keeping the first.
        if len(notices) == 1:
            return [Notification.objects.get(key=notices[0].key)]
        return [
            notify(
                kind=kind,
                vendor=vendor,
                actor=actor,
                now=now,
                **{f: getattr(n, f) for f in Notice.__dataclass_fields__},
            )
            for n in notices
        ]
    modes = email_modes({u.pk for _, _, users in told for u in users}, declared)
    receipts, emails = [], []
    for i, notification, users in told:
        found[i] = notification
        for user in users:
            mode = modes[user.pk] if user.email else EmailMode.OFF
            receipt = Receipt(
                notification=notification,
                user=user,
                organization=notification.organization,
                vendor=vendor,
                created_at=notification.created_at,
                open_token=secrets.token_urlsafe(18),
                email_state={
                    EmailMode.IMMEDIATE: Receipt.Email.QUEUED,
                    EmailMode.DIGEST: Receipt.Email.DIGEST,
                }.get(mode, Receipt.Email.OFF),
            )
            if mode == EmailMode.IMMEDIATE:
                receipt.email = _notification_email(receipt)
                emails.append(receipt.email)
            receipts.append(receipt)
    OutgoingEmail.objects.bulk_create(emails)
    for receipt in receipts:
        if receipt.email is not None:
            receipt.email_id = receipt.email.pk
    Receipt.objects.bulk_create(receipts)
    _enqueue_after_commit([e.pk for e in emails])
    return found


# --- the daily digest ---------------------------------------------------------------------------------------


def _zone(name: str):
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def digest_cutoff(now: datetime, time_zone: str, hour: int) -> tuple[datetime, str] | None:
    """Today's digest moment in the person's zone, if it has passed: (that moment, the local date)."""
    local_now = now.astimezone(_zone(time_zone))
    moment = datetime.combine(local_now.date(), time(hour=hour), tzinfo=local_now.tzinfo)
    if local_now < moment:
        return None
    return moment, local_now.date().isoformat()


def digests_send_due(*, now: datetime | None = None) -> int:
    """Send each person whose digest hour has passed today one email with everything waiting from before it.

    Run by beat every 15 minutes; a run that missed the hour catches up later the same day. Notifications
    that arrive after today's digest hour wait for tomorrow's. Returns how many digests were written."""
    now = now or timezone.now()
    waiting = set(
        Receipt.objects.filter(email_state=Receipt.Email.DIGEST).order_by().values_list("user_id", flat=True).distinct()
    )
    written = 0
    for user_id, prefs in settings_for(waiting).items():
        due = digest_cutoff(now, prefs["time_zone"], prefs["digest_hour"])
        if due and _digest_write(user_id=user_id, before=due[0], local_date=due[1]):
            written += 1
    return written


@transaction.atomic
def _digest_write(*, user_id: int, before: datetime, local_date: str) -> bool:
    key = f"digest:{user_id}:{local_date}"
    if OutgoingEmail.objects.filter(key=key).exists():
        return False
    receipts = list(
        Receipt.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(user_id=user_id, email_state=Receipt.Email.DIGEST, created_at__lt=before)
        .select_related("notification", "notification__organization", "notification__vendor", "user")
        .order_by("organization_id", "-created_at")
    )
    if not receipts:
        return False
    user = receipts[0].user
    if not user.email or not user.is_active:
        Receipt.objects.filter(pk__in=[r.pk for r in receipts]).update(email_state=Receipt.Email.OFF)
        return False
    items = [
        {
            "notification": r.notification,
            "kind": kinds.REGISTRY.get(r.notification.kind),
            "open_url": absolute(reverse("notifications:click", kwargs={"token": r.open_token})),
        }
        for r in receipts
    ]
    count = len(items)
    unsubscribe_url = absolute(
        reverse("notifications:unsubscribe", kwargs={"token": unsubscribe_token(user.pk, DIGEST.key)})
    )
    email = _outgoing(
        key=key,
        to=user.email,
        user=user,
        subject=f"Your Onepane digest: {count} update{'s' if count != 1 else ''}",
        template="notifications/email/digest",
        context={
            "person": user,
            "items": items,
            "count": count,
            "local_date": local_date,
            "preferences_url": absolute(reverse("notifications:preferences")),
            "unsubscribe_url": unsubscribe_url,
        },
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    email.save()
    Receipt.objects.filter(pk__in=[r.pk for r in receipts]).update(email_state=Receipt.Email.DIGESTED, email=email)
    _enqueue_after_commit([email.pk])
    return True


# --- reading ------------------------------------------------------------------------------------------------


def receipt_open(*, receipt: Receipt, via: str) -> Receipt:
    """The person opened the notification (clicked it in the app or in an email): read, and first open kept."""
    now = timezone.now()
    Receipt.objects.filter(pk=receipt.pk, opened_at__isnull=True).update(opened_at=now, opened_via=via)
    Receipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(read_at=now)
    receipt.refresh_from_db(fields=["opened_at", "opened_via", "read_at"])
    return receipt


def receipt_for_token(token: str) -> Receipt | None:
    if not token or len(token) > 64:
        return None
    return Receipt.objects.filter(open_token=token).first()


def email_opened(*, token: str) -> bool:
    """An email's tracking pixel or link was fetched: record the first open. Unknown tokens are ignored."""
    receipt = receipt_for_token(token)
    if receipt is None:
        return False
    Receipt.objects.filter(pk=receipt.pk, opened_at__isnull=True).update(
        opened_at=timezone.now(), opened_via=Receipt.Via.EMAIL
    )
    return True


def receipt_mark_read(*, user, receipt: Receipt, read: bool = True) -> Receipt:
    if receipt.user_id != user.pk:  # defensive: views already fetch through the selector
        raise ValidationError("This is not your notification.")
    Receipt.objects.filter(pk=receipt.pk).update(read_at=timezone.now() if read else None)
    receipt.refresh_from_db(fields=["read_at"])
    return receipt


def receipts_mark_all_read(*, user, organization: Organization, vendor_id: int | None = None) -> int:
    unread = Receipt.objects.filter(user=user, organization=organization, read_at__isnull=True)
    if vendor_id:
        unread = unread.filter(vendor_id=vendor_id)
    return unread.update(read_at=timezone.now())


# --- preferences --------------------------------------------------------------------------------------------


@transaction.atomic
def preferences_update(*, user, time_zone: str, digest_hour: int, modes: dict[str, str]) -> None:
    """Save a person's time zone, digest hour and per-type email choice (types they cannot receive are ignored)."""
    errors = {}
    if not places.is_time_zone(time_zone):
        errors["time_zone"] = places.TIME_ZONE_ERROR
    if not isinstance(digest_hour, int) or not 0 <= digest_hour <= 23:
        errors["digest_hour"] = "Choose an hour between 0 and 23."
    for key, mode in modes.items():
        if key not in kinds.REGISTRY:
            errors[key] = "Unknown notification type."
        elif mode not in EmailMode.values:
            errors[key] = "Choose immediately, daily digest or off."
    if errors:
        raise ValidationError(errors)
    NotificationSettings.objects.update_or_create(
        user=user, defaults={"time_zone": time_zone, "digest_hour": digest_hour}
    )
    for key, mode in modes.items():
        NotificationPreference.objects.update_or_create(user=user, kind=key, defaults={"email": mode})
    _drop_waiting(user.pk, [key for key, mode in modes.items() if mode == EmailMode.OFF])


def _drop_waiting(user_id: int, kind_keys: list[str]) -> None:
    """Types just turned off: what was waiting for the person's next digest is not emailed either."""
    if kind_keys:
        Receipt.objects.filter(
            user_id=user_id, email_state=Receipt.Email.DIGEST, notification__kind__in=kind_keys
        ).update(email_state=Receipt.Email.OFF)


def unsubscribe_read(token: str) -> tuple[int, kinds.Kind]:
    """The person and type an unsubscribe link names (``DIGEST`` for the digest's own link), or
    ``ValidationError`` for a forged or broken link, or one whose person no longer exists."""
    invalid = ValidationError("This unsubscribe link is not valid.")
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user_id, key = int(data["u"]), str(data["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    kind = DIGEST if key == DIGEST.key else kinds.REGISTRY.get(key)
    if kind is None or not get_user_model().objects.filter(pk=user_id).exists():
        raise invalid
    return user_id, kind


@transaction.atomic
def unsubscribe(*, token: str) -> tuple[int, kinds.Kind]:
    """Turn off emails of one type (or the whole daily digest: every type the person gets in it) for the
    person the signed link was made for. No login needed; what was waiting for their digest is dropped too."""
    user_id, kind = unsubscribe_read(token)
    if kind is DIGEST:
        chosen = dict(NotificationPreference.objects.filter(user_id=user_id).values_list("kind", "email"))
        keys = [k.key for k in kinds.REGISTRY.values() if chosen.get(k.key, k.email) == EmailMode.DIGEST]
    else:
        keys = [kind.key]
    for key in keys:
        NotificationPreference.objects.update_or_create(user_id=user_id, kind=key, defaults={"email": EmailMode.OFF})
    _drop_waiting(user_id, keys)
    return user_id, kind
