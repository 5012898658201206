"""The apps' parts of the isolation suite: the module ``tests/<app_label>/isolation.py`` of every project app.

The harness (``world.py``: tenants, people, personas, snapshots and the generic rules; ``attack.py``: the sweep) names
no app. What each app adds, it says in its own module, with any of these names (each optional; an app with none of
them still has the module, saying so, and ``test_declarations`` fails, naming the app, while it has none):

Building the world (``World(spec, without={...})`` leaves out the rows of the apps it names), in this order, each
``callable(world, ...)``:
- ``program(world)``: what partnerships and records name: tiers, products, distributions, an app's own rules.
- ``partnerships(world)``: the channel's edges (vendors), calling ``world.build("before_closing", p, status)`` on
  V0's first partnership suspended and first ended, before it closes.
- ``before_closing(world, partnership, status)``: records made while that partnership was active (read-only after).
- ``records(world)``: the app's rows on the partnerships (registrations, leads).
- ``closing(world)``: what closes afterwards (programs, tenants the platform suspends, revoked invitations).
- ``people(world)``: rows of each person, once every person exists (their notifications, their API tokens).

The rules (read off the base tables, never through the selectors under test):
- ``VISIBLE``: {model label: name of a method of ``Rules`` saying who may see its rows}; ``PERSONAL``: the labels
  whose rule takes the Persona rather than the organizations; ``NOT_LISTED``: {label: why nobody reads it directly}.
- ``Rules``: a mixin of those methods (the world's rules are every app's mixins together, so one app's rule may call
  another's: ``self.partnerships_of(orgs)``); ``load(rules) -> {label: {pk: row}}`` reads the app's rows.
- ``LISTED``: {label: callable(rules, persona)} where a list shows less than all one may see (the organization one
  works in); ``mentionable(rules, persona)``: rows the app's pages name on purpose beyond what one may see.
- ``Changes``: who may change which rows: ``Changes(rules, persona, before, after, changes)`` with ``LABELS`` and
  ``ok(label, pk)``; optionally ``told(label, pk)`` (the organizations a notification about that changed row may go
  to, None if not the app's), ``told_of_several(notification)``, and ``READS`` with ``read_ok(label, pk)`` (what a
  GET may change). A changed row no app's ``Changes`` claims is reported.
- ``SNAPSHOT_ALSO``: labels of others' tables the app's pages write (``account.EmailAddress``);
  ``SNAPSHOT_EXCLUDE``: {label: columns a request may change anyway}.

The attack:
- ``BODIES``: {route name: callable(world, row) -> bodies}, the first a plausible valid one, the others naming other
  tenants' rows; ``PREFERRED``: {route name: callable(world, row)}: the rows a route acts on (a draft to submit).
- ``FILTERS``: {query parameter: callable(world, persona, rnd, *, missing, endpoint) -> values}; a route's own app's
  come first (``?status=`` means something else to each). ``SEARCHES``: predicates (marker, owner) picking the
  markers a ``?q=`` is sent (one of each, of rows the persona may not see). ``API_FILTERS``: {(label, parameter):
  predicate(row, value)} what an API list's filter means; ``SIDE_ONLY``: {parameter: kinds of organization that
  have it}.
- ``SECRETS``: ``Secret``s: what only some sides may ever be told of, in any form (conflicts between registrations).
- ``READ_ONLY``: {label: what a row is called}: rows read-only for the partner once its partnership closed.
- ``FEEDS``: callable(world, persona) -> (where, text): what a person is sent besides responses (emails).
- ``SNAPSHOT_READS``: True if reads of the app's routes are snapshotted where the database cannot count writes.
"""

import re
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.routes import declared

MODULE = "isolation"


def project_apps() -> list:
    """Our own installed apps (not Django's or third parties'), in ``INSTALLED_APPS`` order."""
    base = str(settings.BASE_DIR)
    return [c for c in apps.get_app_configs() if str(c.path).startswith(base) and ".venv" not in str(c.path)]


def _name(label: str) -> str:
    return f"tests.{label}.{MODULE}"


def _exists(name: str) -> bool:
    try:
        return find_spec(name) is not None
    except ModuleNotFoundError:
        return False


@cache
def modules() -> dict[str, ModuleType]:
    """App label → its ``tests/<app_label>/isolation.py``, in ``INSTALLED_APPS`` order (apps without one left out)."""
    return {c.label: import_module(_name(c.label)) for c in project_apps() if _exists(_name(c.label))}


def missing() -> list[str]:
    """The project apps that have no isolation module."""
    return [c.label for c in project_apps() if c.label not in modules()]


def collect(attribute: str) -> list:
    """The items of every app's ``attribute`` (a list, tuple or set), joined in app order."""
    items = []
    for module in modules().values():
        items.extend(getattr(module, attribute, ()))
    return items


@cache
def merged(attribute: str) -> dict:
    """Every app's dict ``attribute``, merged; a key two apps both use is an error."""
    result, by = {}, {}
    for label, module in modules().items():
        for key, value in getattr(module, attribute, {}).items():
            if key in result:
                raise ImproperlyConfigured(f"tests/{label}/{MODULE}.py {attribute} repeats {key!r} of {by[key]}'s")
            result[key], by[key] = value, label
    return result


def having(attribute: str) -> list[tuple[str, object]]:
    """(app label, value) of every app that defines ``attribute``."""
    return [(label, getattr(m, attribute)) for label, m in modules().items() if hasattr(m, attribute)]


def owner(endpoint) -> str | None:
    """The app that declares a route (its ``routes.py``), or None for areas classified by prefix."""
    return declared().owners.get(endpoint.name) if endpoint is not None and endpoint.name else None


def of(endpoint) -> ModuleType | None:
    """The isolation module of the app that declares ``endpoint``."""
    return modules().get(owner(endpoint))


# --- what app modules use -------------------------------------------------------------------------------------


def contains(fields):
    return lambda row, value: any(str(value).lower() in str(row[f]).lower() for f in fields)


def equals(field):
    return lambda row, value: str(row[field]) == str(value)


class Sided:
    """A filter some sides have (kind of the organization one works in → predicate); the others ignore it."""

    def __init__(self, **by_kind):
        self.by_kind = by_kind

    def __call__(self, row, value, kind=None) -> bool:
        keep = self.by_kind.get(kind)
        return True if keep is None else keep(row, value)


@dataclass(frozen=True)
class Secret:
    """What only the people of some kinds of organization may be told of, in any form (``pattern``), anywhere but in
    the request's own query (``echo``): ``what`` says what it is, in the failure."""

    known_to: frozenset
    pattern: re.Pattern
    echo: re.Pattern
    what: str
