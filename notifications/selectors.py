"""Reads of the notifications app. A person sees only their own receipts, in the organization they work in."""

from django.db.models import Count, Q, QuerySet

from notifications import kinds
from notifications.models import Notification, OutgoingEmail, Receipt
from vendors.models import Organization

BELL_CAP = 99


def receipts_visible_to(user, organization: Organization | None) -> QuerySet[Receipt]:
    """The person's notifications in ``organization`` (which the middleware only sets to one of theirs)."""
    if not user.is_authenticated or organization is None:
        return Receipt.objects.none()
    return Receipt.objects.filter(user=user, organization=organization)


def receipts_of_person(user, memberships) -> QuerySet[Receipt]:
    """The person's notifications in every organization they are a member of (opening one from an email may
    switch them to its organization)."""
    if not user.is_authenticated:
        return Receipt.objects.none()
    organization_ids = [m.organization_id for m in memberships]
    return Receipt.objects.filter(user=user, organization_id__in=organization_ids).select_related(
        "notification", "notification__vendor", "notification__organization"
    )


def inbox(user, organization, *, vendor_id: int | None = None, unread: bool = False) -> QuerySet[Receipt]:
    receipts = receipts_visible_to(user, organization)
    if vendor_id:
        receipts = receipts.filter(vendor_id=vendor_id)
    if unread:
        receipts = receipts.filter(read_at__isnull=True)
    return receipts.select_related("notification", "notification__vendor", "notification__actor").order_by(
        "-created_at", "-id"
    )


def inbox_vendors(user, organization) -> QuerySet[Organization]:
    """The vendors the person's notifications came from (the inbox's vendor filter)."""
    vendor_ids = receipts_visible_to(user, organization).exclude(vendor=None).values("vendor_id")
    return Organization.objects.filter(pk__in=vendor_ids).only("pk", "name", "slug").order_by("name")


def unread_count(user, organization) -> int:
    """Unread notifications, counted up to ``BELL_CAP + 1`` (the bell shows "99+")."""
    unread = receipts_visible_to(user, organization).filter(read_at__isnull=True)
    return len(unread.values_list("pk", flat=True)[: BELL_CAP + 1])  # one query, at most 100 ids (the partial index)


def link_for(receipt: Receipt, user) -> str | None:
    """The page of the row the notification is about, if the reader may see it now; else ``None``."""
    kind = kinds.REGISTRY.get(receipt.notification.kind)
    if kind is None or kind.link is None:
        return None
    return kind.link(receipt.notification, user)


def links_for(receipts, user) -> dict[int, str | None]:
    """``link_for`` of many receipts (a page), by receipt id: one call per link resolver on the page, whatever
    the number of rows, for the types that resolve their links in bulk (``Kind.links``)."""
    batches: dict = {}  # resolver → notifications
    single = []
    for receipt in receipts:
        kind = kinds.REGISTRY.get(receipt.notification.kind)
        if kind is not None and kind.links is not None:
            batches.setdefault(kind.links, []).append(receipt.notification)
        else:
            single.append(receipt)
    found = {}
    for resolve, notifications in batches.items():
        found.update(resolve(notifications, user))
    links = {receipt.pk: link_for(receipt, user) for receipt in single}
    for receipt in receipts:
        if receipt.pk not in links:
            links[receipt.pk] = found.get(receipt.notification_id)
    return links


def alert_open_rates(vendor: Organization) -> list[dict]:
    """For a vendor: per notification type it sent to other organizations, how many people got it and how
    many opened it (in the app or by email). Counts only; the people are not named."""
    rows = (
        Receipt.objects.filter(vendor=vendor)
        .exclude(organization=vendor)
        .values("notification__kind")
        .annotate(recipients=Count("pk"), opened=Count("pk", filter=Q(opened_at__isnull=False)))
        .order_by("notification__kind")
    )
    out = []
    for row in rows:
        kind = kinds.REGISTRY.get(row["notification__kind"])
        recipients, opened = row["recipients"], row["opened"]
        out.append(
            {
                "kind": row["notification__kind"],
                "label": kind.label if kind else row["notification__kind"],
                "recipients": recipients,
                "opened": opened,
                "rate": round(100 * opened / recipients, 1) if recipients else 0.0,
            }
        )
    return out


def notifications_sent_by(vendor: Organization) -> QuerySet[Notification]:
    return Notification.objects.filter(vendor=vendor).exclude(organization=vendor)


def failed_emails() -> QuerySet[OutgoingEmail]:
    return OutgoingEmail.objects.filter(status=OutgoingEmail.Status.FAILED)
