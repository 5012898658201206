"""Domain events: what happened, told to whoever subscribed, inside the transaction that made it happen.

An app declares its events in ``<app>/events.py``: one frozen dataclass per event, registered under its name with
``@event("deal.submitted")``. Its fields are the payload, and their types are checked when an event is made (a
model instance, a ``str``, an ``int``, ``X | None``, ``tuple[...]``; a wrong type is a ``TypeError``).

Services publish with ``publish(DealSubmitted(deal=deal, actor=actor))``, inside their ``transaction.atomic``
(outside one it is an error). Every subscriber runs at once, in the publishing transaction: what it writes
commits with the change, and an exception it raises reaches the service and rolls the change back. So a
subscriber must not talk to the outside world itself: work that leaves the process (an email, a CRM push, a
webhook) writes an outbox row there and is handed over on commit (``notifications.services.notify`` does so;
docs/adr/0002-outbox-for-events.md, docs/adr/0007-domain-events.md).

Apps subscribe in their ``AppConfig.ready()``, by importing their ``<app>/subscribers.py``, which calls
``subscribe("deal.submitted", handler)`` (or passes the event class). A name nobody declared is refused.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Any, ClassVar, TypeVar

from django.db import DEFAULT_DB_ALIAS, transaction

from core import registry


class EventError(Exception):
    """An event used wrongly: an unknown name, a payload of the wrong type, a publish outside a transaction."""


class Event:
    """The base of every event class (declared with ``@event``); ``name`` is its catalogue name."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __post_init__(self) -> None:
        hints = _hints(type(self))
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not _accepts(hints[field.name], value):
                raise TypeError(
                    f"{self.name}: {field.name} must be {hints[field.name]}, not {type(value).__name__} ({value!r})"
                )


@cache
def _hints(cls: type[Event]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


_CATALOGUE: dict[str, type[Event]] = {}
_SUBSCRIBERS: dict[str, list[Callable[[Any], None]]] = {}

E = TypeVar("E", bound=type[Event])


def event(name: str) -> Callable[[E], E]:
    """Declare an event: ``@event("deal.submitted")`` over a subclass of ``Event`` whose annotated fields are its
    payload. The class becomes a frozen, keyword-only dataclass; its docstring describes it in the catalogue. A
    name declared by two classes is an error."""
    if name.count(".") != 1 or name != name.lower() or not all(name.split(".")):
        raise EventError(f"An event is named <app>.<what_happened> in lower case, not {name!r}")

    def declare(cls: E) -> E:
        if not issubclass(cls, Event):
            raise EventError(f"{cls.__qualname__} must subclass core.events.Event")
        known = _CATALOGUE.get(name)
        if known is not None and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
            raise EventError(f"{name!r} is declared twice: {known.__module__} and {cls.__module__}")
        cls.name = name
        cls.description = " ".join((cls.__doc__ or "").split())
        made = dataclasses.dataclass(frozen=True, kw_only=True)(cls)
        _CATALOGUE[name] = made
        return made

    return declare


def _accepts(kind, value) -> bool:
    """Whether ``value`` is of the annotated type ``kind`` (the forms payloads use)."""
    if kind is Any:
        return True
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        return any(_accepts(option, value) for option in typing.get_args(kind))
    if kind is None or kind is type(None):
        return value is None
    if origin is not None:
        if not isinstance(value, origin):
            return False
        args = typing.get_args(kind)
        if origin is tuple and args:
            if len(args) == 2 and args[1] is Ellipsis:
                return all(_accepts(args[0], item) for item in value)
            return len(args) == len(value) and all(_accepts(a, item) for a, item in zip(args, value, strict=True))
        return True
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def catalogue() -> dict[str, type[Event]]:
    """Every declared event by name, once each installed app's ``events.py`` is loaded."""
    registry.plugins("events")
    return dict(sorted(_CATALOGUE.items()))


def _declared(name_or_class) -> type[Event]:
    if isinstance(name_or_class, type) and issubclass(name_or_class, Event):
        return name_or_class
    if name_or_class not in _CATALOGUE:
        registry.plugins("events")
    try:
        return _CATALOGUE[name_or_class]
    except (KeyError, TypeError):
        raise EventError(f"Unknown event {name_or_class!r}: declare it in its app's events.py") from None


def subscribe(name, handler: Callable[[Any], None]) -> Callable[[Any], None]:
    """Run ``handler(event)`` whenever the event named ``name`` (or of that class) is published. Subscribing the
    same handler twice subscribes it once. Returns the handler (so it can be a decorator's body)."""
    if not callable(handler):
        raise EventError(f"A subscriber is a callable, not {handler!r}")
    handlers = _SUBSCRIBERS.setdefault(_declared(name).name, [])
    if handler not in handlers:
        handlers.append(handler)
    return handler


def unsubscribe(name, handler: Callable[[Any], None]) -> None:
    """Stop running ``handler`` for ``name`` (tests that subscribe for a moment)."""
    handlers = _SUBSCRIBERS.get(_declared(name).name, [])
    if handler in handlers:
        handlers.remove(handler)


def subscribers(name) -> tuple[Callable[[Any], None], ...]:
    return tuple(_SUBSCRIBERS.get(_declared(name).name, ()))


def _in_transaction(using: str) -> bool:
    """Inside a ``transaction.atomic`` of the code itself: the one a test case wraps every test in does not count,
    so a service that forgot its transaction fails in the tests as it would in production."""
    connection = transaction.get_connection(using)
    return connection.in_atomic_block and any(
        not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    )


def publish(event: Event, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Tell every subscriber of ``event``, one after the other in the order they subscribed, in the caller's
    transaction. An exception a subscriber raises is not caught: the caller's transaction rolls back."""
    if not isinstance(event, Event) or _CATALOGUE.get(event.name) is not type(event):
        raise EventError(f"Only a declared event can be published, not {event!r}")
    if not _in_transaction(using):
        raise EventError(f"Publish {event.name} inside the transaction.atomic of the change it tells")
    for handler in tuple(_SUBSCRIBERS.get(event.name, ())):
        handler(event)
