"""Notification types. Each app declares its own in ``<app>/notifications.py`` (imported when the app is
ready) with ``register(Kind(...))``; ``services.notify`` refuses a type nobody declared.

A type says who in the receiving organization is told (``roles``; ``None`` means everyone), how it is
emailed unless the person chose otherwise, and how to find the row it is about: ``link(notification, user)``
returns the page's path **only if that person may see the row now** (through the app's selectors), else
``None``. The notification centre never links to a row its reader cannot see. ``links(notifications, user)``,
optional, gives the same answers for many notifications at once (``{notification id: path or None}``) in a
fixed number of queries: lists (the API's) use it, so a page of 50 does not check 50 rows one by one.
"""

from collections.abc import Callable
from dataclasses import dataclass

from notifications.models import EmailMode


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    description: str
    roles: tuple[str, ...] | None = None
    # The kinds of organization it is sent to ("vendor", "partner", "distributor"); None means any.
    audience: tuple[str, ...] | None = None
    email: str = EmailMode.IMMEDIATE
    link: Callable | None = None
    links: Callable | None = None


REGISTRY: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    if kind.email not in EmailMode.values:
        raise ValueError(f"{kind.key}: unknown email mode {kind.email!r}")
    REGISTRY[kind.key] = kind
    return kind


def get(key: str) -> Kind:
    try:
        return REGISTRY[key]
    except KeyError:
        raise LookupError(f"Unknown notification type {key!r}: register it in its app's notifications.py") from None


def receives(kind: Kind, organization_kind: str, role: str) -> bool:
    return (kind.audience is None or organization_kind in kind.audience) and (kind.roles is None or role in kind.roles)


def available_to(memberships) -> list[Kind]:
    """The types a person can receive in any organization they are in, in a stable order (their settings are
    per person, not per organization)."""
    pairs = {(m.organization.kind, m.role) for m in memberships}
    return sorted((k for k in REGISTRY.values() if any(receives(k, *pair) for pair in pairs)), key=lambda k: k.key)


def for_roles(role: str | None) -> list[Kind]:
    """The types a person with ``role`` can receive, whatever the kind of organization."""
    return sorted((k for k in REGISTRY.values() if k.roles is None or role in k.roles), key=lambda k: k.key)
