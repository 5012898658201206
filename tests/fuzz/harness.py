"""The API fuzzing harness: the served OpenAPI schema, the checks, and how one example is sent.

The schema is read from ``/api/v1/schema/`` of the WSGI application (``portal.wsgi.application``, the one
gunicorn and ``runserver`` serve), and every request goes through that application in-process: middleware,
session, CSRF and all. ``schema.parametrize()`` makes one test per operation, so a route added to the API
router is fuzzed without anyone adding it here. Each example runs in a savepoint that is rolled back, inside the
test's own savepoint (see ``conftest.py``), so a write (an approval, a new tier) never changes what the next
example sees.

Checks: no 5xx; the status code, the content type, the headers and the body are the documented ones.
Ids in paths, query strings and bodies are, as often as not, the ids of rows that exist (whether or not the
person may see them), so that the answers are not all 404s and 400s.

Environment (see README, "Fuzzing the API"):
    ONEPANE_FUZZ_EXAMPLES   examples per operation and person (default 25)
    ONEPANE_FUZZ_COVERAGE   1: also send every boundary and invalid variant the schema defines (slow)
"""

import itertools
import os
from contextlib import contextmanager
from urllib.parse import unquote, urlsplit

import schemathesis
from django.apps import apps
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.wsgi import application
from vendors.models import Organization

EXAMPLES = int(os.environ.get("ONEPANE_FUZZ_EXAMPLES", "25"))
COVERAGE = os.environ.get("ONEPANE_FUZZ_COVERAGE", "") not in ("", "0")
SCHEMA_URL = "/api/v1/schema/?format=json"
# Any 32 letters: Django takes an unmasked secret as both the CSRF cookie and the X-CSRFToken header.
CSRF_TOKEN = "onepanefuzzonepanefuzzonepanefuz"

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi(
    SCHEMA_URL,
    application,
    config=schemathesis.Config.from_dict(
        {
            "generation": {
                "max-examples": EXAMPLES,
                "deterministic": True,
                # The session cookie is a real one (see ``session_of``), not generated.
                "with-security-parameters": False,
            },
            "phases": {
                # Every boundary and invalid variant of every parameter: hundreds of requests for an operation
                # with a body, so on demand only.
                "coverage": {"enabled": COVERAGE},
                # Each operation on its own; sequences are the lifecycle tests' business.
                "stateful": {"enabled": False},
            },
        }
    ),
)

# Hypothesis: a bounded, repeatable run (the same examples on every machine), no per-example deadline.
fuzz_settings = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


# --- ids that exist -----------------------------------------------------------------------------------------

# Body and query fields holding the id of an organization of one kind; any other ``<name>`` field holds the id
# of the model of that name (``tier``: a Tier). ``page`` is 1 as often as not (otherwise mostly "no such page").
ORGANIZATION_FIELDS = {"vendor", "partner", "distributor"}
_ids_cache: dict[object, list[int]] = {}
_rotation = itertools.count()


def forget_ids():
    """Called before each test: its ids are those of its own data."""
    global _rotation
    _ids_cache.clear()
    _rotation = itertools.count()


def _ids(model, **lookup) -> list[int]:
    """Every row's id, whoever may see it."""
    key = (model, tuple(sorted(lookup.items())))
    if key not in _ids_cache:
        _ids_cache[key] = list(model._default_manager.filter(**lookup).order_by("pk").values_list("pk", flat=True))
    return _ids_cache[key]


def _field_ids(name) -> list[int]:
    if name == "page":
        return [1]
    if name in ORGANIZATION_FIELDS:
        return _ids(Organization, kind=name)
    model = next((model for model in apps.get_models() if model._meta.model_name == name), None)
    return _ids(model) if model is not None else []


def _path_ids(path) -> list[int]:
    """The ids of the model behind ``/api/v1/<resource>/{id}/...``: the queryset model of the view."""
    try:
        match = resolve(path.replace("{id}", "1"))
    except Resolver404:
        return []
    queryset = getattr(getattr(match.func, "cls", None), "queryset", None)
    return _ids(queryset.model) if queryset is not None else []


def _with_real_ids(values, ids_for):
    """Each id-like value as generated, or one of the ids that exist."""
    if not isinstance(values, dict):
        return st.just(values)
    real = {
        key: st.one_of(st.just(value), st.sampled_from(ids)) for key, value in values.items() if (ids := ids_for(key))
    }
    if not real:
        return st.just(values)
    return st.fixed_dictionaries(real).map(lambda drawn: {**values, **drawn})


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    return _with_real_ids(path_parameters, lambda name: _path_ids(context.operation.path) if name == "id" else [])


@schema.hook
def flatmap_query(context, query):
    return _with_real_ids(query, _field_ids)


@schema.hook
def flatmap_body(context, body):
    return _with_real_ids(body, _field_ids)


def _real_path_for_coverage(case):
    """Coverage cases are built without the hooks above: one that varies the query or the body is sent to a row
    that exists (each in turn), so that its variants reach the validation of the body instead of a 404."""
    meta = case.meta
    if meta is None or meta.phase.name != TestPhase.COVERAGE or "id" not in (case.path_parameters or {}):
        return
    if getattr(meta.phase.data, "parameter_location", None) == ParameterLocation.PATH:
        return
    ids = _path_ids(case.operation.path)
    if ids:
        case.path_parameters["id"] = str(ids[next(_rotation) % len(ids)])


# --- one example: who sends it, and how -------------------------------------------------------------------


def session_of(user) -> dict:
    """The cookies and headers of ``user`` logged in: a real session, and a CSRF token for the writes."""
    client = Client()
    client.force_login(user)
    return {
        "cookies": {
            django_settings.SESSION_COOKIE_NAME: client.cookies[django_settings.SESSION_COOKIE_NAME].value,
            django_settings.CSRF_COOKIE_NAME: CSRF_TOKEN,
        },
        "headers": {"X-CSRFToken": CSRF_TOKEN},
    }


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def reaches_the_api(response) -> bool:
    """Whether the request reached an API view. A path the URL patterns refuse (an id that is not a number) gets
    Django's HTML page for an unknown address, which no operation documents: only "no 5xx" holds for it."""
    try:
        resolve(unquote(urlsplit(response.request.url).path))
    except Resolver404:
        return False
    return True


def fuzz(case, session):
    """Send ``case`` as the person of ``session`` (rolled back) and check the answer against the schema."""
    _real_path_for_coverage(case)
    with rolled_back():
        response = case.call(headers=session["headers"], cookies=session["cookies"])
    case.validate_response(response, checks=CHECKS if reaches_the_api(response) else [not_a_server_error])
    return response
