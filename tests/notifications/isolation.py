"""Notifications in the isolation suite: every person's own notifications in the world, who may see and change
them, and what people are sent by email (see ``tests/isolation/plugins.py`` for what each name means).

Notifications are made the way production makes them: the channel's events notify (applications, approvals,
suspensions...), and every person also gets one notification of their own through ``notify`` (a marker in its title
and body, owned by their receipt: ``people``), so each person has notifications they may see, and their colleagues'
are near misses. A person sees their own notifications in the organizations they work in, and the lists show those of
the organization they work in now (``Persona.organization``: the first by name, as the middleware chooses without a
choice in the session). ``FEEDS`` scans what each person was sent by email (notifications, digests).
"""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from notifications import kinds as notification_kinds
from notifications import services as notifications
from notifications.models import Notification, OutgoingEmail, Receipt
from tests.isolation import world as w
from tests.isolation.plugins import equals
from tests.vendors.isolation import INVITATION, Kind
from vendors.models import Membership, Organization, Partnership

RECEIPT, NOTIFICATION, EMAIL = "notifications.Receipt", "notifications.Notification", "notifications.OutgoingEmail"
SETTINGS, PREFERENCE = "notifications.NotificationSettings", "notifications.NotificationPreference"
READ_STATE = {"read_at", "opened_at", "opened_via"}

# --- the world ------------------------------------------------------------------------------------------------


def people(world):
    """One notification for each person in each of their organizations, through ``notify``, of a type their
    organization and role receive: a vendor's deciders about one of its partnerships, a partner's people
    from a vendor it works with, a distributor's deciders about a reseller through it; otherwise another
    type they receive (an admin: an invitation). Some people receive no type at all (a vendor's members)."""
    partnerships = list(Partnership.objects.order_by("pk").values("pk", "vendor_id", "partner_id", "distributor_id"))
    side = {Kind.VENDOR: "vendor_id", Kind.PARTNER: "partner_id", Kind.DISTRIBUTOR: "distributor_id"}
    natural = {
        Kind.VENDOR: "partnership.applied",
        Kind.PARTNER: "partnership.approved",
        Kind.DISTRIBUTOR: "partnership.reseller_joined",
    }
    for membership in Membership.objects.select_related("organization", "user").order_by("pk"):
        org = membership.organization
        receivable = [
            k.key
            for k in notification_kinds.REGISTRY.values()
            if notification_kinds.receives(k, org.kind, membership.role)
        ]
        if not receivable:
            continue
        kind = natural[org.kind] if natural[org.kind] in receivable else sorted(receivable)[0]
        edge = next((p for p in partnerships if p[side[org.kind]] == org.pk), None)
        vendor = subject = None
        if edge is not None and kind != "invitation.sent":
            vendor, subject = Organization.objects.get(pk=edge["vendor_id"]), Partnership.objects.get(pk=edge["pk"])
        title, body = world.markers.new("ntt"), world.markers.new("ntb")
        notification = notifications.notify(
            kind=kind,
            organization=org,
            recipient=membership.user,
            vendor=vendor,
            subject=subject,
            title=f"Note {title}",
            body=f"About {body}.",
        )
        receipt = Receipt.objects.get(notification=notification)
        for marker in (title, body):
            world.markers.own(marker, RECEIPT, receipt.pk)


# --- who may see what -----------------------------------------------------------------------------------------

VISIBLE = {RECEIPT: "receipts"}
# Rules that depend on the person, not only on their organizations: called with the Persona.
PERSONAL = {RECEIPT}
NOT_LISTED = {
    NOTIFICATION: "read through its receipts, one per person told (``receipts``)",
    EMAIL: "the outbox: what it sent each person is scanned by ``FEEDS``",
    SETTINGS: "a person's own time zone and digest hour, shown to them alone",
    PREFERENCE: "a person's own email choices, shown to them alone",
}


def load(rules) -> dict:
    rules.receipt_rows = w.rows_of(Receipt, "user_id", "organization_id", "vendor_id", "notification_id", "read_at")
    rules.notification_kinds = dict(Notification.objects.values_list("pk", "kind"))
    return {RECEIPT: rules.receipt_rows}


class Rules:
    def receipts(self, persona: w.Persona) -> set:
        """A person's own notifications, in the organizations they work in (never a colleague's)."""
        if persona.user is None:
            return set()
        return {
            pk
            for pk, r in self.receipt_rows.items()
            if r["user_id"] == persona.user.pk and r["organization_id"] in persona.orgs
        }


def _listed(rules, persona) -> set:
    """The lists show the notifications of the organization one works in now."""
    return {pk for pk in rules.receipts(persona) if rules.receipt_rows[pk]["organization_id"] == persona.organization}


LISTED = {RECEIPT: _listed}


# --- who may change what --------------------------------------------------------------------------------------


def _label_of(content_type_id) -> str:
    return ContentType.objects.get_for_id(content_type_id).model_class()._meta.label


class Changes:
    """Notifications follow what caused them: a new notification is about a row the same request changed and is told
    to an organization on a side of it (each app's ``Changes.told`` says who), its receipts go to that organization's
    people and its emails to them; an invitation's email is written and withdrawn with its invitation. A person marks
    their own notifications read, unread and opened (in the organizations they work in), and changes their own
    notification settings (turning a type off takes what waits for their digest out of it). Opening one's own
    notification is the one thing a read may change."""

    LABELS = {NOTIFICATION, RECEIPT, EMAIL, SETTINGS, PREFERENCE}
    READS = {RECEIPT}

    def __init__(self, rules, persona, before, after, changes):
        self.rules, self.persona, self.before, self.after = rules, persona, before, after
        self.changed_rows = set(changes)
        self.members = {(m["organization_id"], m["user_id"]) for m in rules.membership_rows.values()}
        new_receipts = [after.row(RECEIPT, pk) for pk in after.pks(RECEIPT) - before.pks(RECEIPT)]
        self.emailed = {r["email_id"]: r for r in new_receipts if r["email_id"]}
        self.judges = ()  # every app's Changes for this request (set by Rules.changes)

    def notification_ok(self, pk) -> bool:
        """New, about a row this request changed, and told to an organization on a side of that row."""
        notification = self.after.row(NOTIFICATION, pk)
        if self.before.row(NOTIFICATION, pk) is not None or notification is None:
            return False
        if not notification["subject_id"]:  # about several rows at once (leads): told to a side of one of them
            return any(j.told_of_several(notification) for j in self.judges if hasattr(j, "told_of_several"))
        subject = (_label_of(notification["subject_type_id"]), notification["subject_id"])
        if subject not in self.changed_rows:
            return False
        told = set()
        for judge in self.judges:
            found = judge.told(*subject) if hasattr(judge, "told") else None
            if found is not None:
                told = found
                break
        return notification["organization_id"] in told

    def receipt_ok(self, old, new) -> bool:
        persona = self.persona
        if old is None:
            notification = self.after.row(NOTIFICATION, new["notification_id"])
            return (
                self.notification_ok(new["notification_id"])
                and new["organization_id"] == notification["organization_id"]
                and (new["organization_id"], new["user_id"]) in self.members
            )
        if persona.user is None or old["user_id"] != persona.user.pk or new is None:
            return False
        fields = {k for k in old if old[k] != new[k]}
        if "email_state" in fields:  # they turned the type off: it leaves their next digest
            fields.discard("email_state")
            if (old["email_state"], new["email_state"]) != (Receipt.Email.DIGEST, Receipt.Email.OFF):
                return False
        # Read and opened: their own notifications in the organizations they work in.
        return fields <= READ_STATE and (not fields or old["organization_id"] in persona.orgs)

    def email_ok(self, pk, old, new) -> bool:
        row = new or old
        if row["key"].startswith("invitation:"):
            return (INVITATION, int(row["key"].split(":", 1)[1])) in self.changed_rows
        receipt = self.emailed.get(pk)
        return old is None and receipt is not None and receipt["user_id"] == row["user_id"]

    def ok(self, label, pk) -> bool:
        old, new = self.before.row(label, pk), self.after.row(label, pk)
        if label == NOTIFICATION:
            return self.notification_ok(pk)
        if label == RECEIPT:
            return self.receipt_ok(old, new)
        if label == EMAIL:
            return self.email_ok(pk, old, new)
        # SETTINGS, PREFERENCE: their own.
        user = self.persona.user
        return user is not None and all(r["user_id"] == user.pk for r in (old, new) if r)

    def read_ok(self, label, pk) -> bool:
        """Opening one's own notification (in the organizations one works in)."""
        old, new, persona = self.before.row(label, pk), self.after.row(label, pk), self.persona
        return (
            old is not None
            and new is not None
            and persona.user is not None
            and old["user_id"] == persona.user.pk
            and old["organization_id"] in persona.orgs
            and {k for k in old if old[k] != new[k]} <= READ_STATE
        )


# --- the attack -----------------------------------------------------------------------------------------------


def _nothing(world, row):
    return [{}]


def _mark_read(world, row):
    return [{"read": "1"}, {"read": "0"}]


def _read_all(world, row):
    """Everything, then one vendor's: one the persona's notifications may come from, and the outsider."""
    return [{}, {"vendor": world.vendors[0].pk}, {"vendor": world.vendors[-1].pk}]


def _preferences_form(world, row):
    # A choice for every type: the form reads those of the person's role and ignores the rest.
    modes = {"email__" + key.replace(".", "__"): "digest" for key in notification_kinds.REGISTRY}
    return [{"time_zone": "Europe/Berlin", "digest_hour": 7, **modes}]


def _api_preferences(world, row):
    # Every role receives approvals; then every type, which a member may not choose (a 400, nothing saved).
    return [
        {"time_zone": "Europe/Berlin", "digest_hour": 7, "email": {"partnership.approved": "digest"}},
        {"time_zone": "Asia/Tokyo", "digest_hour": 21, "email": dict.fromkeys(notification_kinds.REGISTRY, "off")},
    ]


BODIES = {
    "notifications:read": _mark_read,
    "notifications:read_all": _read_all,
    "notifications:preferences": _preferences_form,
    "notification-read": _nothing,
    "notification-unread": _nothing,
    "notification-read-all": _read_all,
    "notification-preferences": _api_preferences,
}
FILTERS = {"unread": lambda world, persona, rnd, *, missing, endpoint: ["true", "false"]}
API_FILTERS = {
    (RECEIPT, "vendor"): equals("vendor_id"),
    (RECEIPT, "unread"): lambda row, value: value != "true" or row["read_at"] is None,
}


def emails_sent(world, persona):
    """The emails a person was sent as a member of the organizations they work in (notifications, digests)."""
    if persona.user is None:
        return ()
    emails = OutgoingEmail.objects.filter(user=persona.user, receipts__organization_id__in=persona.orgs).distinct()
    with transaction.atomic():  # written as delivery would write them, then rolled back
        found = [
            (f"email {e.key}", "\n".join((e.subject, e.text_body, e.html_body)))
            for e in map(notifications.email_render, emails.order_by("pk"))
        ]
        transaction.set_rollback(True)
    return found


def digest_due(world, persona):
    """The daily digest the person would be sent now (what waits for it: comments on deals, say), written in a
    savepoint that is rolled back. Only for people whose waiting notifications are all of organizations they work
    in (``emails_sent`` scans those)."""
    if persona.user is None or not persona.orgs:
        return []
    waiting = Receipt.objects.filter(user=persona.user, email_state=Receipt.Email.DIGEST)
    if not waiting.exists() or waiting.exclude(organization_id__in=persona.orgs).exists():
        return []
    with transaction.atomic():
        before = timezone.now() + timedelta(days=1)
        notifications._digest_write(user_id=persona.user.pk, before=before, local_date="isolation")
        digests = OutgoingEmail.objects.filter(user=persona.user, key__startswith="digest:").order_by("pk")
        found = [(f"digest {e.key}", "\n".join((e.subject, e.text_body, e.html_body))) for e in digests]
        transaction.set_rollback(True)
    return found


# Per-person outputs that are not HTTP responses, scanned like responses: each is
# ``callable(world, persona) -> iterable of (where, text)``. The deal registration CSV export is a route
# (``deals:export``, with the list's filters), so the sweep scans it as a response.
FEEDS = (emails_sent, digest_due)
