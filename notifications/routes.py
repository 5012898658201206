"""The notification routes: the pages (notifications/urls.py) and the API (notifications/api.py).

Who may call each route, and which row its URL names: see ``core/routes.py``. A route no app declares fails the
isolation suite (``tests/isolation/``), naming it."""

from core.routes import authenticated, public, scoped

RECEIPT = "notifications.Receipt"

ROUTES = {
    # --- notifications (notifications/urls.py): the person's own, in the organization they work in ------
    "notifications:inbox": authenticated(filters=("vendor", "unread")),
    "notifications:bell": authenticated(),
    "notifications:read_all": authenticated(writes=True),
    "notifications:preferences": authenticated(writes=True),
    "notifications:open": scoped(RECEIPT),
    "notifications:read": scoped(RECEIPT, writes=True),
    "notifications:unsubscribe": public(
        "The signed token in the email is the credential (person and type); a forged one is refused.", writes=True
    ),
    "notifications:click": public("An email's link: an unguessable token records the first open, then login."),
    "notifications:pixel": public("An email's open pixel: an unguessable token, the same image for any token."),
    # The vendor console's alerts page (notifications/urls.py ``EXTEND``): counts only, the vendor's own.
    "console:alerts": authenticated(),
    # The API (notifications/api.py): the person's own, in the organization they work in.
    "notification-list": authenticated(),
    "notification-detail": scoped(RECEIPT),
    "notification-read": scoped(RECEIPT),
    "notification-unread": scoped(RECEIPT),
    "notification-read-all": authenticated(),
    "notification-unread-count": authenticated(),
    "notification-preferences": authenticated(),
}
