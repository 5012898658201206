"""The API fuzzing harness: the served OpenAPI schema, the checks, and how one example is sent.

The schema is read from ``/api/v1/schema/`` of the WSGI application (``portal.wsgi.application``, the one
gunicorn and ``runserver`` serve), and every request goes through that application in-process: middleware,
session, CSRF and all. ``schema.parametrize()`` makes one test per operation, so a route added to the API
router is fuzzed without anyone adding it here. Each example runs in a savepoint that is rolled back, inside the
test's own savepoint (see ``conftest.py``), so a write (an approval, a new tier) never changes what the next
example sees.

Checks: no 5xx; the status code, the content type, the headers and the body are the documented ones; a request
the schema forbids is refused, and one it allows is never refused for its shape (a 400 for a rule the schema
cannot state is allowed). Every persona has its test file: a partner's admin and member, a vendor's manager, a
distributor's admin, nobody logged in, a personal API token.
Ids in paths, query strings and bodies are, as often as not, the ids of rows that exist (whether or not the
person may see them), so that the answers are not all 404s and 400s.

Environment (see README, "Fuzzing the API"):
    ONEPANE_FUZZ_EXAMPLES   examples per operation and person (default 25; fewer for some, see ``fewer_examples``)
    ONEPANE_FUZZ_COVERAGE   1: also send every boundary and invalid variant the schema defines (slow)
"""

import itertools
import os
from contextlib import contextmanager

import schemathesis
from django.apps import apps
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
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
    negative_data_rejection,
    positive_data_acceptance,
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
            "checks": {
                # A request the schema allows may still break a rule it cannot state (a vendor you have no
                # partnership with, a date already past): a 400 with field errors. What it must never meet is an
                # answer about its shape: a media type the schema declares refused (415), a method (405), ...
                "positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]},
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
# The partner's admin and the vendor's manager, who may do the most, get every example. A partner's member, a
# distributor and a token meet mostly the same answers through other roles and another way in (a member's 403,
# a distributor's 404s, a bearer token instead of a session): half of them. Nobody logged in meets one 403
# per operation, whatever is sent: a few.
fewer_examples = settings(fuzz_settings, max_examples=max(1, EXAMPLES // 2))
fewest_examples = settings(fuzz_settings, max_examples=max(1, EXAMPLES // 5))


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


def _real_ids(case):
    """Half of the id-like values of each part of ``case`` (path, query, body) become ids that exist, in turn, so
    that the answers are not all 404s and 400s. A part schemathesis made invalid on purpose (a negative example,
    say a path id that is not a number, or a ``vendor`` out of range) is sent as it was made: an id that exists
    in its place would make it valid, and the API's 200 would then read as "accepted invalid data".

    Coverage examples (each boundary and invalid variant of one parameter) keep their query and body, and are sent
    to a row that exists whenever their path is not what they vary, so that they reach the body's validation."""
    meta = case.meta
    if meta is None:
        return
    coverage = meta.phase.name == TestPhase.COVERAGE
    parts = [(ParameterLocation.PATH, case.path_parameters, lambda name: _path_ids(case.operation.path))]
    if not coverage:
        parts += [(ParameterLocation.QUERY, case.query, _field_ids), (ParameterLocation.BODY, case.body, _field_ids)]
    for location, values, ids_for in parts:
        component = meta.components.get(location)
        if not isinstance(values, dict) or component is None or component.mode.is_negative:
            continue
        if coverage and getattr(meta.phase.data, "parameter_location", None) == location:
            continue
        for key in list(values):
            ids = ids_for(key) if location != ParameterLocation.PATH or key == "id" else []
            if ids and (coverage or next(_rotation) % 2):
                real = ids[next(_rotation) % len(ids)]
                values[key] = str(real) if location == ParameterLocation.PATH else real


# --- one example: who sends it, and how -------------------------------------------------------------------


def anonymous() -> dict:
    """Nobody logged in: no cookie, no token."""
    return {"cookies": {}, "headers": {}}


def token_of(user) -> dict:
    """A personal API token of ``user`` (``Authorization: Bearer op_...``): no session, no CSRF token."""
    from identity.tokens import token_create

    _token, raw = token_create(user=user, name="Fuzzing")
    return {"cookies": {}, "headers": {"Authorization": f"Bearer {raw}"}}


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


def fuzz(case, session):
    """Send ``case`` as the person of ``session`` (rolled back) and check the answer against the schema."""
    _real_ids(case)
    with rolled_back():
        response = case.call(headers=session["headers"], cookies=session["cookies"])
    case.validate_response(response, checks=CHECKS)
    return response
