"""The demo's mechanism: a world the apps' stories build together, told in the order they depend on each other.

``manage.py demo`` (core/management/commands/demo.py) tells every app's stories, in one transaction, through the
same services people use. An app's ``<app>/demo.py`` declares:

- ``STORIES``: a list of :class:`Story`. Each tells part of the world (``tell(world)``) and names the stories it
  needs told first (``after``) or that need it (``before``). Stories marked ``last`` are told after every other one
  (the channel's last touches, the inbox that reads and delivers what everyone was told).
- ``PERSONAS``: ``(label, email, what they see)`` for the people the command prints at the end.

A story reads what earlier ones built from the :class:`DemoWorld` (``world.vendors["acme"]``: each story adds the
handles later ones use) and writes its own. The world is the same on every run: one random source with a fixed
seed, one clock (``world.now``), told in a fixed order.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from core.registry import app_label_of, plugins

PASSWORD = "onepane-demo"  # noqa: S105 (the demo's published password)
SEED = 20240611
BASE_URL = "http://127.0.0.1:8000"
LOGIN_URL = f"{BASE_URL}/accounts/login/"
ADMIN_URL = f"{BASE_URL}/admin/"
# The platform admin: the first person of the world (no organization; the Django admin).
PLATFORM_ADMIN = ("admin@onepane.example", "Pat", "Platform")
PLATFORM_PERSONA = ("Platform admin", PLATFORM_ADMIN[0], f"Django admin at {ADMIN_URL}")


@dataclass(frozen=True)
class Story:
    """One part of the demo world. ``tell(world)`` builds it through the app's services.

    ``after`` / ``before``: names of stories told before / after this one. ``last``: told after every story that is
    not. ``summary(world)``: ``(what, how many)`` pairs for the line the command prints (``("deal registrations",
    33)``). ``help``: lines printed under the logins (where to look, what to try)."""

    name: str
    tell: Callable
    after: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    last: bool = False
    summary: Callable | None = None
    help: tuple[str, ...] = ()
    app: str = field(default="", compare=False)


class DemoWorld:
    """What the stories built so far, with the clock and the random source they share.

    Stories add their own handles as attributes (``world.vendors``, ``world.partner_admins``) for later stories."""

    def __init__(self, *, seed: int = SEED, now: datetime | None = None):
        self.rng = random.Random(seed)
        self.now = (now or timezone.now()).replace(microsecond=0)
        self.password_hash = make_password(PASSWORD)
        self.emails: set[str] = set()
        self.platform_admin = None

    def days_ago(self, days, hours=None) -> datetime:
        """A moment ``days`` before now, in office hours (at ``hours`` if given), on a quarter hour."""
        hours = self.rng.randint(8, 17) if hours is None else hours
        return (self.now - timedelta(days=days)).replace(hour=hours, minute=self.rng.choice([0, 15, 30, 45]))

    def person(self, first, last, email, **extra):
        """A new person who logs in with the demo password, their email address verified."""
        from allauth.account.models import EmailAddress

        user = get_user_model().objects.create(
            username=email, email=email, first_name=first, last_name=last, password=self.password_hash, **extra
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        self.emails.add(email)
        return user


def _modules():
    return plugins("demo")


@cache
def stories() -> tuple[Story, ...]:
    """Every app's stories in the order they are told: ``after`` and ``before`` respected, the ``last`` ones after
    the others; otherwise in ``INSTALLED_APPS`` order and the order each app lists them."""
    declared = []
    for module in _modules():
        for story in getattr(module, "STORIES", ()):
            declared.append(Story(**{**story.__dict__, "app": app_label_of(module)}))
    return tuple(order(declared))


def order(declared: list[Story]) -> list[Story]:
    names = [story.name for story in declared]
    repeated = {name for name in names if names.count(name) > 1}
    if repeated:
        raise ImproperlyConfigured(f"Two demo stories are named {sorted(repeated)}")
    by_name = {story.name: story for story in declared}
    needs: dict[str, set[str]] = {story.name: set() for story in declared}
    for story in declared:
        for other in story.after:
            _known(by_name, other, story)
            needs[story.name].add(other)
        for other in story.before:
            _known(by_name, other, story)
            needs[other].add(story.name)
        if not story.last:
            for other in declared:
                if other.last:
                    needs[other.name].add(story.name)
    told: list[Story] = []
    waiting = list(declared)
    while waiting:
        ready = next((s for s in waiting if needs[s.name] <= {t.name for t in told}), None)
        if ready is None:
            raise ImproperlyConfigured(f"Demo stories wait for each other: {sorted(s.name for s in waiting)}")
        told.append(ready)
        waiting.remove(ready)
    return told


def _known(by_name, name, story):
    if name not in by_name:
        raise ImproperlyConfigured(f"Demo story {story.name!r} names {name!r}, which no app tells")


def personas() -> list[tuple[str, str, str]]:
    """The people the command prints, the apps' first (in app order), the platform admin last."""
    found = [persona for module in _modules() for persona in getattr(module, "PERSONAS", ())]
    return [*found, PLATFORM_PERSONA]


def build() -> DemoWorld:
    """Tell every story (the caller holds the transaction); returns the world they built."""
    world = DemoWorld()
    world.platform_admin = world.person(*PLATFORM_ADMIN[1:], PLATFORM_ADMIN[0], is_staff=True, is_superuser=True)
    for story in stories():
        story.tell(world)
    return world


def summary(world: DemoWorld) -> list[tuple[str, int]]:
    return [pair for story in stories() if story.summary for pair in story.summary(world)]


def help_lines() -> list[str]:
    return [line for story in stories() for line in story.help]


def story_apps() -> list[str]:
    """The labels of the apps that tell a story, in app order."""
    return list(dict.fromkeys(story.app for story in stories()))
