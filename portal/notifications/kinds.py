"""Notification types. Each app declares its own in ``<app>/notifications.py`` (imported when the app is
ready) with ``register(Kind(...))``; ``services.notify`` refuses a type nobody declared.

A type says who in the receiving organization is told (``roles``; ``None`` means everyone), how it is
emailed unless the person chose otherwise, and how to find the row it is about: ``link(notification, user)``
returns the page's path **only if that person may see the row now** (through the app's selectors), else
``None``. The notification centre never links to a row its reader cannot see.
"""

from collections.abc import Callable
from dataclasses import dataclass

from portal.notifications.models import EmailMode


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    description: str
    roles: tuple[str, ...] | None = None
    email: str = EmailMode.IMMEDIATE
    link: Callable | None = None


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


def for_roles(role: str | None) -> list[Kind]:
    """The types a person with ``role`` can receive, in a stable order (the preferences page)."""
    return sorted(
        (k for k in REGISTRY.values() if k.roles is None or role in k.roles),
        key=lambda k: k.key,
    )
