"""Every URL pattern the project serves, read from the URL resolver, each with its declaration.

``endpoints()`` walks ``get_resolver().url_patterns`` recursively (includes, namespaces, the DRF router's
routes) and pairs each pattern with its declaration, from the apps' ``routes.py`` joined by
``core.routes.declared()``. A pattern without one raises ``Undeclared``, naming it and saying where to
declare it (the ``routes.py`` of the app its view belongs to); the attack tests call ``endpoints()`` too, so
they fail the same way.
"""

from dataclasses import dataclass
from functools import cached_property

from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from core import routes

DECLARE_HINT = (
    "Declare each in the routes.py of its app (<app>/routes.py): ROUTES[name] = public(reason) | authenticated() | "
    'scoped("app.Model", kwarg=..., field=...) (add writes=True if POST changes rows).'
)


READS = ("GET", "HEAD")


class Undeclared(AssertionError):
    pass


@dataclass(frozen=True)
class Endpoint:
    name: str | None  # with its namespace, e.g. "console:partner_detail"
    route: str  # the whole pattern as text, e.g. "console/partners/<int:pk>/"
    kwargs: tuple[str, ...]
    callback: object
    declaration: routes.Route | None

    def __str__(self):
        return f"{self.name or '(unnamed)'} [{self.route}]"

    @property
    def label(self) -> str:
        return self.name or self.route

    @cached_property
    def view_class(self):
        return getattr(self.callback, "cls", None)

    @property
    def is_api(self) -> bool:
        return self.view_class is not None and issubclass(self.view_class, APIView)

    @property
    def actions(self) -> dict:
        """A DRF viewset route's methods and actions, e.g. {"get": "retrieve", "put": "update"}."""
        return dict(getattr(self.callback, "actions", None) or {})

    @property
    def methods(self) -> tuple[str, ...]:
        """The HTTP methods the suite sends: DRF's from the viewset, HTML views' from the declaration."""
        if self.actions:
            return tuple(method.upper() for method in self.actions)
        if self.is_api:
            return ("GET",)
        return ("GET", "POST") if self.declaration and self.declaration.writes else ("GET",)

    @property
    def write_methods(self) -> tuple[str, ...]:
        return tuple(m for m in self.methods if m not in READS)

    @property
    def list_model(self):
        """The model a DRF list route returns (None for anything else)."""
        if self.actions.get("get") != "list":
            return None
        return self.view_class.queryset.model

    @property
    def filters(self) -> tuple[str, ...]:
        """The query parameters the route reads: a DRF list's ``filters_class``, else the declaration's."""
        filters_class = getattr(self.view_class, "filters_class", None) if self.list_model is not None else None
        if filters_class is not None:
            return tuple(filters_class().fields)
        return self.declaration.filters if self.declaration else ()

    @property
    def access(self) -> str:
        return self.declaration.access


def _kwargs_of(pattern) -> tuple[str, ...]:
    converters = getattr(pattern, "converters", None)
    if converters:
        return tuple(converters)
    regex = pattern.regex
    return tuple(regex.groupindex)


def walk(patterns, prefix: str = "", namespace: str | None = None, kwargs: tuple = ()):
    """(name, route, kwargs, callback) of every URLPattern under ``patterns``."""
    for entry in patterns:
        text = prefix + str(entry.pattern)
        found = kwargs + _kwargs_of(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry.url_patterns, text, inner, found)
        elif isinstance(entry, URLPattern):
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield name, text, found, entry.callback


def _plain(route: str) -> str:
    """The path of a pattern with regex anchors removed, to compare with a prefix."""
    return route.replace("^", "").replace("$", "")


def declaration_for(name, route, table=None, prefixes=None) -> routes.Route | None:
    table = routes.declared().routes if table is None else table
    prefixes = routes.declared().prefixes if prefixes is None else prefixes
    if name and name in table:
        return table[name]
    for prefix, declaration in prefixes.items():
        if _plain(route).startswith(prefix):
            return declaration
    return None


def _where(endpoint) -> str:
    """Where to declare a route: the ``routes.py`` of the app its view belongs to (if it is one of ours)."""
    view = getattr(endpoint.callback, "cls", None) or endpoint.callback
    config = apps.get_containing_app_config(getattr(view, "__module__", ""))
    if config is None or not str(config.path).startswith(str(settings.BASE_DIR)) or ".venv" in str(config.path):
        return ""
    return f": declare it in {config.name}/routes.py"


def endpoints(patterns=None, table=None, prefixes=None) -> list[Endpoint]:
    """Every pattern with its declaration; ``Undeclared`` names the ones without."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    found, missing = [], []
    for name, route, kwargs, callback in walk(patterns):
        declaration = declaration_for(name, route, table, prefixes)
        endpoint = Endpoint(name, route, kwargs, callback, declaration)
        (found if declaration else missing).append(endpoint)
    if missing:
        lines = []
        for endpoint in missing:
            if endpoint.name:
                lines.append(f"  - {endpoint.name!r} (/{endpoint.route}) is not declared{_where(endpoint)}.")
            else:
                lines.append(f"  - /{endpoint.route} has no name: give it one (path(..., name=...)), then declare it.")
        raise Undeclared(
            "The isolation suite cannot classify these routes, so it cannot attack them:\n"
            + "\n".join(lines)
            + f"\n{DECLARE_HINT}"
        )
    return found


def by_access(access: str) -> list[Endpoint]:
    return [e for e in endpoints() if e.access == access]
