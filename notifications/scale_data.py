"""Notifications for ``manage.py generate_scale_data``: what the channel's history would have told people.

For every generated partnership the vendor's deciders (its first people, up to five) were told of the
application, and the partner's people of the approval (and, for some, a tier change, a suspension or the end);
most of it read long ago. About 2.5 million receipts at full scale; the largest vendor's managers hold ~9,000
each, a typical partner admin ~20.
"""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType

from notifications.models import Notification, Receipt
from vendors.models import Partnership

DECIDERS = 5
STATUSES = Partnership.Status.values


def generate(ctx) -> None:
    partnership_type = ContentType.objects.get_for_model(Partnership).pk
    rng, now = ctx.rng, ctx.now
    notifications, receipts = [], []
    n_id = ctx.ids.take(Notification, 0)
    r_id = ctx.ids.take(Receipt, 0)

    def tell(organization_id, people, kind, vendor_id, subject_id, title, days_ago):
        nonlocal n_id, r_id
        created = now - timedelta(days=days_ago, seconds=rng.randrange(86_400))
        notifications.append((n_id, organization_id, kind, vendor_id, title, "", partnership_type, subject_id, created))
        for user_id in people:
            read = days_ago > 3 or rng.random() < 0.3
            opened = read and rng.random() < 0.6
            receipts.append(
                (
                    r_id,
                    n_id,
                    user_id,
                    organization_id,
                    vendor_id,
                    created,
                    created + timedelta(hours=2) if read else None,
                    created + timedelta(hours=1) if opened else None,
                    "app" if opened else "",
                    "off",
                    f"scale-{r_id}",
                )
            )
            r_id += 1
        n_id += 1

    for i, partnership_id in enumerate(ctx.partnership_ids):
        vendor_id, partner_id = ctx.vendor_of[i], ctx.partner_of[i]
        status = STATUSES[ctx.statuses[i]]
        applied_days = rng.uniform(1, 900)
        vendor_people = ctx.people.get(vendor_id, [])[:DECIDERS]
        partner_people = ctx.people.get(partner_id, [])
        tell(
            vendor_id,
            vendor_people,
            "partnership.applied",
            vendor_id,
            partnership_id,
            "A partner applied to your partner program",
            applied_days,
        )
        if status == "declined":
            tell(
                partner_id,
                partner_people[:1],
                "partnership.declined",
                vendor_id,
                partnership_id,
                "Your application was declined",
                applied_days * 0.9,
            )
        elif status != "applied":
            tell(
                partner_id,
                partner_people,
                "partnership.approved",
                vendor_id,
                partnership_id,
                "Your application was approved",
                applied_days * 0.9,
            )
            if rng.random() < 0.25:
                tell(
                    partner_id,
                    partner_people,
                    "partnership.tier_changed",
                    vendor_id,
                    partnership_id,
                    "You moved to another tier",
                    applied_days * 0.5,
                )
            if status in ("suspended", "ended"):
                tell(
                    partner_id,
                    partner_people,
                    f"partnership.{status}",
                    vendor_id,
                    partnership_id,
                    f"Your partnership was {status}",
                    applied_days * 0.2,
                )

    ctx.ids.take(Notification, len(notifications))
    ctx.ids.take(Receipt, len(receipts))
    ctx.writer.write(
        Notification,
        ("id", "organization_id", "kind", "vendor_id", "title", "body", "subject_type_id", "subject_id", "created_at"),
        notifications,
    )
    ctx.writer.write(
        Receipt,
        (
            "id",
            "notification_id",
            "user_id",
            "organization_id",
            "vendor_id",
            "created_at",
            "read_at",
            "opened_at",
            "opened_via",
            "email_state",
            "open_token",
        ),
        receipts,
    )
