"""The suite covers every route because it reads them from the resolver; these tests make sure it can.

A new route must be declared in its app's ``routes.py``; a scoped one must name a model the rules know, a
keyword its URL has, and a field the model has; every project app has an isolation module
(``tests/<app_label>/isolation.py``), where a route that writes has a body (``BODIES``), a filter attack values (and,
on an API list, a meaning) and every model rules. Each failure says what to add, and where.
"""

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.http import HttpResponse
from django.urls import get_resolver, include, path
from rest_framework import mixins, viewsets
from rest_framework.routers import DefaultRouter

from core import routes
from portal.urls_api import router
from tests.isolation import attack, plugins
from tests.isolation import world as w
from tests.isolation.endpoints import Undeclared, endpoints, walk


def _view(request, **kwargs):
    return HttpResponse()


class _WidgetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = apps.get_model("vendors", "Tier").objects.none()


def test_every_route_is_declared():
    found = endpoints()  # raises Undeclared, naming each route without a declaration
    assert len(found) == len(list(walk(get_resolver().url_patterns)))


def test_a_new_route_without_a_declaration_fails_the_suite_naming_it():
    widgets = DefaultRouter()
    widgets.register("widgets", _WidgetViewSet, basename="widget")
    patterns = [
        *get_resolver().url_patterns,
        path("new-page/<int:pk>/", _view, name="brand_new_page"),
        path("workspace/", include(([path("reports/", _view, name="reports")], "portal"))),
        path("api/v2/", include(widgets.urls)),
        path("nameless/", _view),
    ]
    with pytest.raises(Undeclared) as raised:
        endpoints(patterns)
    message = str(raised.value)
    for name in ("'brand_new_page'", "'portal:reports'", "'widget-list'", "'widget-detail'", "/nameless/"):
        assert name in message
    assert "<app>/routes.py" in message
    assert "portal:home" not in message  # only the undeclared ones

    table = {**routes.declared().routes, "brand_new_page": routes.scoped("vendors.Tier")}
    with pytest.raises(Undeclared) as raised:
        endpoints(patterns, table=table)
    assert "brand_new_page" not in str(raised.value)


def test_every_declaration_names_a_route_that_exists():
    names = {name for name, *_ in walk(get_resolver().url_patterns) if name}
    declared = routes.declared()
    stale = sorted(f"{name} (in {declared.owners[name]}/routes.py)" for name in set(declared.routes) - names)
    assert not stale, f"These declarations name routes that no longer exist: {stale}. Remove them."


def test_each_app_declares_its_own_routes_and_they_are_joined():
    declared = routes.declared()
    expected = {
        "portal:home": "portal",
        "console:partners": "vendors",
        "organization-list": "vendors",
        "notification-list": "notifications",
        "identity:sso": "identity",
        "deal-list": "deals",
        "lead-list": "leads",
    }
    assert {name: declared.owners[name] for name in expected} == expected
    assert set(declared.prefixes) == {"admin/", "accounts/", "media/"}


def test_a_route_two_apps_declare_is_an_error(monkeypatch):
    from deals import routes as deal_routes

    monkeypatch.setitem(deal_routes.ROUTES, "lead-list", routes.authenticated())
    routes.declared.cache_clear()
    try:
        with pytest.raises(ImproperlyConfigured, match="'lead-list'"):
            routes.declared()
    finally:
        monkeypatch.undo()
        routes.declared.cache_clear()


def test_an_undeclared_route_of_an_app_says_which_routes_py_to_declare_it_in():
    from deals import views as deal_views

    patterns = [*get_resolver().url_patterns, path("deals/new/", deal_views.deal_list, name="deal_new_page")]
    with pytest.raises(Undeclared) as raised:
        endpoints(patterns)
    assert "'deal_new_page' (/deals/new/) is not declared: declare it in deals/routes.py" in str(raised.value)


def test_the_router_is_walked():
    names = {e.name for e in endpoints()}
    assert router.registry
    for prefix, _viewset, basename in router.registry:
        assert f"{basename}-list" in names or f"{basename}-detail" in names, prefix


def test_scoped_declarations_fit_their_routes_and_models():
    problems = []
    for endpoint in endpoints():
        d = endpoint.declaration
        if d.access != routes.SCOPED:
            continue
        if d.kwarg not in endpoint.kwargs:
            problems.append(f"{endpoint}: no URL keyword {d.kwarg!r} (it has {endpoint.kwargs})")
        if set(endpoint.kwargs) - {d.kwarg, "format"}:
            problems.append(f"{endpoint}: the suite only fills {d.kwarg!r}; other keywords: {endpoint.kwargs}")
        try:
            model = apps.get_model(d.model)
            if d.field != "pk":
                model._meta.get_field(d.field)
        except (LookupError, FieldDoesNotExist, ValueError) as exc:
            problems.append(f"{endpoint}: {d.model}.{d.field}: {exc}")
            continue
        if d.model not in w.visible_rules():
            problems.append(f"{endpoint}: {_module_of(d.model)} VISIBLE has no rule for {d.model}")
    assert not problems, "\n".join(problems)


def _module_of(label_or_app: str) -> str:
    return f"tests/{label_or_app.split('.')[0]}/isolation.py"


def test_every_project_app_has_an_isolation_module():
    missing = plugins.missing()
    assert not missing, (
        f"These apps have no isolation module: {', '.join(_module_of(app) for app in missing)}. Write one (what it "
        "may declare: tests/isolation/plugins.py); an app with no models and no routes yet says so in its docstring."
    )


def test_an_app_without_an_isolation_module_is_named(monkeypatch):
    modules = dict(plugins.modules())
    del modules["leads"]
    monkeypatch.setattr(plugins, "modules", lambda: modules)
    assert plugins.missing() == ["leads"]


def test_routes_that_write_have_a_body_to_send():
    declared = routes.declared()
    bodies = plugins.merged("BODIES")
    missing = [
        f"{e} (in {_module_of(declared.owners[e.name])} BODIES)"
        for e in endpoints()
        if e.write_methods and e.access != routes.PUBLIC and e.name not in bodies
    ]
    assert not missing, f"Add a plausible valid body for these: {missing}"
    unknown = sorted(set(bodies) - {e.name for e in endpoints()})
    assert not unknown, f"There are bodies for routes that do not exist: {unknown}"
    elsewhere = sorted(
        f"{name} (declared by {declared.owners[name]})"
        for app, found in plugins.having("BODIES")
        for name in found
        if declared.owners.get(name) != app
    )
    assert not elsewhere, f"A route's bodies belong in the isolation module of the app that declares it: {elsewhere}"


def test_every_filter_can_be_attacked_and_understood():
    problems = []
    for endpoint in endpoints():
        for name in endpoint.filters:
            if name not in attack.known_filters():
                where = _module_of(plugins.owner(endpoint) or "portal")
                problems.append(f"{endpoint}: teach {where} FILTERS the values of the filter {name!r}")
            label = endpoint.list_model._meta.label if endpoint.list_model is not None else None
            if label is not None and (label, name) not in attack.api_filters():
                problems.append(f"{endpoint}: say what ?{name}= means in {_module_of(label)} API_FILTERS")
        if endpoint.list_model is not None and endpoint.list_model._meta.label not in w.visible_rules():
            problems.append(f"{endpoint}: {_module_of(endpoint.list_model._meta.label)} VISIBLE has no rule for it")
    assert not problems, "\n".join(problems)


def test_every_model_of_ours_has_rules():
    unknown = [
        model._meta.label
        for model in w.local_models()
        if model._meta.label not in w.visible_rules() and model._meta.label not in w.not_listed()
    ]
    assert not unknown, (
        f"No rule for {unknown}: in {', '.join(sorted({_module_of(label) for label in unknown}))}, add who may see it "
        "(VISIBLE and a Rules method, or NOT_LISTED and why), who may change it (Changes), and make rows of it."
    )


def test_html_views_that_write_say_so_and_drf_routes_do_not():
    drf_routes = [endpoint for endpoint in endpoints() if endpoint.is_api]
    assert drf_routes
    for endpoint in drf_routes:
        assert not endpoint.declaration.writes, f"{endpoint}: DRF routes' methods come from the viewset"
