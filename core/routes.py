"""Every URL Onepane serves, declared: who may call it, and which row its URL names.

The isolation suite (``tests/isolation/``) walks the URL resolver (every include, namespace and the DRF
router) and attacks every route it finds as every kind of person, with ids of rows they may and may not
see. It does not need a list of routes to test; it needs to know what each route is. Each app says so for
its own routes, in its own ``<app>/routes.py`` (``ROUTES``, and ``PREFIXES`` for whole areas); ``declared()``
joins them. **A route that no app declares fails the suite**, with a message that names it. When you add a
page or an API route, add one line to your app's ``routes.py``.

- ``public(reason)``: anyone, logged in or not (login, an invitation link, the API schema and docs).
- ``authenticated()``: a logged-in person; the URL names no tenant row (home, a list, a "new" form). The
  suite checks that an anonymous caller is turned away and that the page shows only rows the person may see.
- ``scoped(model, kwarg="pk", field="pk")``: the URL names one row of ``model`` (``"app.Model"``) by its
  ``field`` in the URL keyword ``kwarg``. The suite calls it with rows the person may see and rows they may
  not; the latter must be a 404, the same answer as a row that does not exist.
- ``writes=True`` (HTML views): POST changes rows. The suite POSTs a plausible valid body (the app keeps one
  per route in ``tests/<app>/isolation.py`` ``BODIES``) and checks that nothing changed that the person may
  not change. DRF routes need not say so: their methods come from the viewset.
- ``filters=(...)`` (HTML lists): the query parameters the page reads. The suite sends each with other
  tenants' ids and names and checks that none of their rows appears. DRF lists declare theirs in the
  viewset's ``filters_class``, which the suite reads.

``PREFIXES`` classifies whole areas at once (the Django admin, allauth's account pages), with the reason.
"""

from dataclasses import dataclass
from functools import cache

from django.core.exceptions import ImproperlyConfigured

from core import registry

PUBLIC = "public"
AUTHENTICATED = "authenticated"
SCOPED = "scoped"
STAFF = "staff"


@dataclass(frozen=True)
class Route:
    access: str
    reason: str = ""
    model: str = ""  # "app.Model", for scoped routes
    kwarg: str = ""  # the URL keyword that names the row
    field: str = ""  # the model field it is matched against
    writes: bool = False
    filters: tuple[str, ...] = ()


def public(reason: str, *, writes: bool = False) -> Route:
    return Route(PUBLIC, reason=reason, writes=writes)


def authenticated(*, writes: bool = False, filters: tuple[str, ...] = ()) -> Route:
    return Route(AUTHENTICATED, writes=writes, filters=filters)


def scoped(model: str, kwarg: str = "pk", field: str = "pk", *, writes: bool = False) -> Route:
    return Route(SCOPED, model=model, kwarg=kwarg, field=field, writes=writes)


def staff(reason: str) -> Route:
    return Route(STAFF, reason=reason)


@dataclass(frozen=True)
class Declarations:
    """Every app's declarations, joined: route name → Route, path prefix → Route, route name → declaring app."""

    routes: dict
    prefixes: dict
    owners: dict


@cache
def declared() -> Declarations:
    """The ``ROUTES`` and ``PREFIXES`` of every installed app's ``routes.py``, joined (a name two apps declare is an
    error). The result is one object for the process: tests may patch its dicts (``monkeypatch.setitem``)."""
    routes, owners = {}, {}
    for module in registry.plugins("routes"):
        app = registry.app_label_of(module)
        for name, route in getattr(module, "ROUTES", {}).items():
            if name in routes:
                raise ImproperlyConfigured(f"{module.__name__} declares {name!r}, declared by {owners[name]} too")
            routes[name] = route
            owners[name] = app
    return Declarations(routes=routes, prefixes=registry.merged("routes", "PREFIXES"), owners=owners)
