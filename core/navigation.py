"""The main navigation: each app declares its entries in ``<app>/navigation.py``; the layout shows them.

An app's module holds ``ENTRIES``, a list of :class:`Entry`. The ``{% navigation_links %}`` tag
(``core/templatetags/navigation.py``) picks the entries for the side the person works on (the kind of the current
organization) and their role in it, in ``order``, and marks the one whose pages are open with ``aria-current``.
``templates/includes/nav.html`` names no app.
"""

from dataclasses import dataclass
from functools import cache

from django.urls import reverse

from core.registry import collect

PARTNER, VENDOR, DISTRIBUTOR = "partner", "vendor", "distributor"
EVERY_SIDE = (PARTNER, VENDOR, DISTRIBUTOR)


@dataclass(frozen=True)
class Entry:
    """One link of the main navigation.

    - ``label``: what the link reads; ``url``: the name of the URL it opens (``"deals:list"``).
    - ``sides``: the kinds of organization whose people see it (``PARTNER``, ``VENDOR``, ``DISTRIBUTOR``);
      ``None``: everyone logged in, whether or not they work in an organization.
    - ``roles``: the roles in the current organization that see it (``"admin"``, ``"manager"``, ``"member"``);
      empty: every role.
    - ``staff``: only platform admins see it.
    - ``active``: the URL names of the pages that mark it as the current one; a name ending in ``*`` is a prefix
      (``"deals:*"``: every deal page). ``None``: its own page only; ``()``: never (a page outside the layout).
      ``inactive``: names that do not, though ``active`` matches them (``"deals:rules"`` has an entry of its own).
    - ``order``: where it sits; lower first. Each side's own pages are below 200, the workspace's shared pages
      (notifications, team, sign-in settings) 200–299, and the platform's links 300 and above.
    """

    label: str
    url: str
    sides: tuple[str, ...] | None = EVERY_SIDE
    roles: tuple[str, ...] = ()
    staff: bool = False
    active: tuple[str, ...] | None = None
    inactive: tuple[str, ...] = ()
    order: int = 100

    def shown_to(self, *, kind: str | None, role: str | None, is_staff: bool) -> bool:
        if self.staff and not is_staff:
            return False
        if self.sides is not None and kind not in self.sides:
            return False
        return not self.roles or role in self.roles

    def is_current(self, view_name: str | None) -> bool:
        if not view_name:
            return False
        patterns = (self.url,) if self.active is None else self.active
        return _matches(patterns, view_name) and not _matches(self.inactive, view_name)


def _matches(patterns: tuple[str, ...], view_name: str) -> bool:
    return any(
        view_name.startswith(pattern[:-1]) if pattern.endswith("*") else view_name == pattern for pattern in patterns
    )


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    current: bool


@cache
def entries() -> tuple[Entry, ...]:
    """Every app's entries, in order (apps' ``INSTALLED_APPS`` order among equal ``order``)."""
    return tuple(sorted(collect("navigation", "ENTRIES"), key=lambda entry: entry.order))


def links_for(*, kind: str | None, role: str | None, is_staff: bool, view_name: str | None) -> list[Link]:
    """The links a person sees on the side ``kind`` with ``role``, the one for the page ``view_name`` current."""
    return [
        Link(entry.label, reverse(entry.url), entry.is_current(view_name))
        for entry in entries()
        if entry.shown_to(kind=kind, role=role, is_staff=is_staff)
    ]
