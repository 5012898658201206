"""Notifications' demo stories: the rep's digest preference, and what everyone has read and been emailed.

The services notify people as they do in production while the other stories are told, so every persona's bell has a
history. ``preferences`` runs before the partnerships: the rep reads email in Chicago and gets tier changes in the
08:00 digest. ``inbox``, after every other story, dates the channel's notifications with the partnership events they
tell, marks what is more than ``READ_AFTER_DAYS`` old as read, sends yesterday's digest and delivers the outbox (the
build's emails go to Django's in-memory backend; they are all in the outbox in the admin).
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, OuterRef, Subquery

from core.demo import ADMIN_URL, Story
from notifications import services as notifications
from notifications.models import EmailMode, Notification, OutgoingEmail, Receipt
from vendors.models import Partnership, PartnershipEvent

OUTBOX_URL = f"{ADMIN_URL}notifications/outgoingemail/"
# What people have read: everything told more than twenty days ago (the rest waits under the bell).
READ_AFTER_DAYS = 20
RILEY = "riley.rep@initech.example"


def tell_preferences(world):
    """The rep reads email in Chicago and wants tier changes once a day, in the 08:00 digest."""
    notifications.preferences_update(
        user=get_user_model().objects.get(email=RILEY),
        time_zone="America/Chicago",
        digest_hour=8,
        modes={"partnership.tier_changed": EmailMode.DIGEST},
    )


def tell_inbox(world):
    _date_partnership_news()
    _reading(world)
    _deliver_outbox()


def _date_partnership_news():
    """Each notification of a partnership's event (and its receipts) is dated with the event it tells."""
    about = ContentType.objects.get_for_model(Partnership)
    events = {
        (partnership_id, f"partnership.{kind}"): when
        for partnership_id, kind, when in PartnershipEvent.objects.values_list("partnership_id", "kind", "created_at")
    }
    for pk, subject_id, kind in Notification.objects.filter(subject_type=about).values_list("pk", "subject_id", "kind"):
        when = events.get((subject_id, kind))
        if when is not None:
            Notification.objects.filter(pk=pk).update(created_at=when)
            Receipt.objects.filter(notification_id=pk).update(created_at=when)


def _reading(world):
    """People have opened what they were told more than ``READ_AFTER_DAYS`` ago; the rep's digest of yesterday went
    out. The last days' news stays unread, under the bell."""
    cutoff = world.now - timedelta(days=READ_AFTER_DAYS)
    for receipt in Receipt.objects.filter(created_at__lt=cutoff).select_related("user"):
        notifications.receipt_mark_read(user=receipt.user, receipt=receipt)
    Receipt.objects.filter(created_at__lt=cutoff).update(read_at=F("created_at") + timedelta(hours=3))
    yesterday_afternoon = (world.now - timedelta(days=1)).replace(hour=20, minute=0)  # UTC: after 08:00 Chicago
    notifications.digests_send_due(now=yesterday_afternoon)


def _deliver_outbox():
    """Send the outbox now, inside the build's one transaction (one commit, not two per email; the hand-overs after
    the commit then find every email sent). Each notification email is dated when its notification was told, so the
    outbox in the admin reads like the channel's history."""
    for pk in OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING).values_list("pk", flat=True):
        notifications.email_deliver(email_id=pk)
    told_at = Subquery(Receipt.objects.filter(email=OuterRef("pk")).values("created_at")[:1])
    OutgoingEmail.objects.filter(key__startswith="notification:").update(
        created_at=told_at, enqueued_at=told_at, sent_at=told_at
    )


STORIES = [
    Story("preferences", tell_preferences, after=("channel",), before=("partnerships",)),
    Story(
        "inbox",
        tell_inbox,
        after=("channel-closing",),
        last=True,
        help=(
            f"Emails: every one the demo sent is in the outbox, {OUTBOX_URL} (as the platform admin).",
            "Emails you cause while clicking around print in the runserver terminal.",
        ),
    ),
]
