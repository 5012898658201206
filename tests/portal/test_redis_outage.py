"""A Redis outage does not stop people working (issue 14, finding 9).

The settings are the ones production runs with ``REDIS_URL`` set (``portal/settings.py`` read again with the
variable pointing at a local port nothing listens on, or one that accepts connections and never answers), and
the pages are driven through the real test client. Pages, logging in and the API keep working without the
cache; the outage is logged once, not once per call; after the first failure the cache skips Redis instead of
paying a timeout per call (counted by the backend's breaker, not timed). With the real Redis (``REDIS_URL``, db 7
in development) the same cache stores, reads and counts rate limits as usual. The outbox through an outage, with
a real worker, is tests/integration/test_redis_outage.py.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import runpy
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from allauth.account import app_settings as account_settings
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.urls import reverse
from onelogin.saml2.constants import OneLogin_Saml2_Constants

from core.cache import ResilientRedisCache
from identity import saml
from identity.models import SamlAssertion
from portal import settings as portal_settings
from tests import factories as f
from tests.isolation.endpoints import endpoints
from tests.portal.helpers import client_for, main_text

LOGIN = reverse("account_login")
UNAVAILABLE = "Redis cache at"
RATE_LIMITS_OFF = "Rate limits not enforced: cache unavailable."


def closed_port() -> int:
    """A local port nothing listens on: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def hung_port():
    """A local port that accepts connections (the kernel's backlog) and never answers: a Redis that hangs."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        yield s.getsockname()[1]


def production_settings(monkeypatch, redis_url: str) -> dict:
    """portal/settings.py as it reads with ``REDIS_URL`` set to ``redis_url``."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("CACHE_SKIP_FOR", "60")  # a slow machine must not see the breaker close mid-test
    return runpy.run_path(portal_settings.__file__)


def use_redis_at(settings, monkeypatch, redis_url: str, key_prefix: str = ""):
    """Point this process's cache (and sessions) where production would with ``redis_url``; the cache object."""
    configured = production_settings(monkeypatch, redis_url)
    settings.CACHES = {"default": {**configured["CACHES"]["default"], "KEY_PREFIX": key_prefix}}
    settings.SESSION_ENGINE = configured.get("SESSION_ENGINE", "django.contrib.sessions.backends.db")
    cache = caches["default"]
    breaker = getattr(cache, "breaker", None)
    if breaker is not None:
        breaker.reset()
    return cache


@pytest.fixture
def redis_down(settings, monkeypatch):
    return use_redis_at(settings, monkeypatch, f"redis://127.0.0.1:{closed_port()}/7")


@pytest.fixture
def redis_up(settings, monkeypatch):
    if not django_settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (e.g. redis://127.0.0.1:6379/7)")
    # A prefix of its own: nothing shared with other tests or runs on the same Redis database.
    return use_redis_at(settings, monkeypatch, django_settings.REDIS_URL, key_prefix=f"test-{uuid.uuid4().hex}")


def records(caplog, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "core.cache" and text in r.getMessage()]


def login_failed_limit() -> int:
    """The smallest number of failed logins allauth allows (whatever ACCOUNT_RATE_LIMITS says today)."""
    return min(rate.amount for rate in parse_rates(account_settings.RATE_LIMITS["login_failed"]))


# --- with Redis down ------------------------------------------------------------------------------------------


def test_with_redis_down_a_person_logs_in_with_a_password_and_every_page_they_use_answers(
    client, channel, redis_down, caplog
):
    caplog.set_level(logging.WARNING, logger="core.cache")
    rep = channel.initech_rep

    response = client.post(LOGIN, {"login": rep.email, "password": f.PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    assert "Acme Networks" in main_text(response)

    for url in (
        reverse("portal:home"),
        reverse("deals:list"),
        reverse("leads:list"),
        reverse("notifications:inbox"),
        reverse("notifications:bell"),
        "/api/v1/deals/",
        "/api/v1/leads/",
        "/api/v1/notifications/",
    ):
        assert client.get(url).status_code == 200, url

    # Redis was tried once; every later cache call of the login and the pages skipped it.
    assert redis_down.breaker.attempts == 1
    assert redis_down.breaker.skipped > 1
    # One line says Redis is unavailable, one that rate limits are off: not one per call.
    assert len(records(caplog, UNAVAILABLE)) == 1
    assert len(records(caplog, RATE_LIMITS_OFF)) == 1


def test_with_redis_down_rate_limits_let_people_through_and_say_so(client, channel, redis_down, caplog):
    caplog.set_level(logging.WARNING, logger="core.cache")
    rep = channel.initech_rep
    for _ in range(login_failed_limit() + 1):
        wrong = client.post(LOGIN, {"login": rep.email, "password": "guess-guess-guess"})
        assert wrong.status_code == 200
        assert "The email address and/or password you specified are not correct." in main_text(wrong)
    right = client.post(LOGIN, {"login": rep.email, "password": f.PASSWORD})
    assert right.status_code == 302 and "_auth_user_id" in client.session
    assert len(records(caplog, RATE_LIMITS_OFF)) == 1


def test_with_redis_hanging_pages_answer_and_the_cache_waits_for_it_once(
    client, channel, settings, monkeypatch, hung_port
):
    cache = use_redis_at(settings, monkeypatch, f"redis://127.0.0.1:{hung_port}/7")
    response = client.post(LOGIN, {"login": channel.initech_admin.email, "password": f.PASSWORD}, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == reverse("portal:home")
    assert client.get(reverse("deals:list")).status_code == 200
    assert cache.breaker.attempts == 1 and cache.breaker.failures == 1


@pytest.mark.parametrize("who", ["initech_admin", "initech_rep", "acme_manager", "northwind_admin"])
def test_with_redis_down_no_page_or_api_list_fails(client, channel, redis_down, who):
    """Every route that takes no argument, for people of each kind of organization, answers without a server
    error: the next page that reads the cache is covered without being listed here."""
    client_for(client, getattr(channel, who))
    routes = [e for e in endpoints() if not e.kwargs and "GET" in e.methods and not e.route.startswith("admin/")]
    assert len(routes) > 20
    failures = {}
    for endpoint in routes:
        url = "/" + endpoint.route.replace("^", "").replace("$", "")
        status = client.get(url).status_code
        if status >= 500:
            failures[url] = status
    assert not failures
    assert redis_down.breaker.attempts <= 1


def _in_own_loop(method):
    """An async cache method called from a thread of its own: an earlier test may leave an event loop running in
    this one (async_to_sync refuses to run there)."""

    def call(**kwargs):
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, method(**kwargs)).result()

    return call


def test_every_cache_operation_degrades_to_no_caching(redis_down):
    """Each public operation of Django's cache API (sync and async), called with Redis down, answers as the dummy
    cache would instead of raising: a miss, nothing stored, ``add`` "stored". A new operation is checked too."""
    values = {"key": "k", "keys": ["k"], "value": 1, "data": {"k": 1}, "default": "fallback", "delta": 1}
    skip = {"make_key", "validate_key", "make_and_validate_key", "get_backend_timeout", "close", "aclose"}
    names = [n for n in dir(BaseCache) if not n.startswith("_") and callable(getattr(BaseCache, n)) and n not in skip]
    assert {"get", "set", "add", "delete", "get_many", "set_many", "incr", "aget", "aset"} <= set(names)
    answers = {}
    for name in names:
        method = getattr(redis_down, name)
        params = inspect.signature(method).parameters.values()
        # Every required argument, and a default wherever one can be given.
        kwargs = {p.name: values[p.name] for p in params if p.default is p.empty or p.name == "default"}
        call = _in_own_loop(method) if inspect.iscoroutinefunction(method) else method
        try:
            answers[name] = call(**kwargs)
        except ValueError:  # incr/decr of a key that is not there, as Django's dummy cache answers
            assert name.removeprefix("a") in {"incr", "decr", "incr_version", "decr_version"}, name
    assert answers["get"] == answers["aget"] == "fallback"
    assert answers["add"] is True and answers["get_many"] == {} and answers["has_key"] is False
    assert answers["get_or_set"] == "fallback"
    assert redis_down.breaker.attempts == 1 and redis_down.breaker.failures == 1


def test_after_the_skip_interval_redis_is_tried_again_and_the_log_is_not_repeated(settings, caplog):
    caplog.set_level(logging.WARNING, logger="core.cache")
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/7",
            "SKIP_FOR": 0.05,
        }
    }
    cache = caches["default"]
    cache.breaker.reset()
    for _ in range(3):
        assert cache.get("k", "missing") == "missing"
        time.sleep(0.1)
    assert cache.breaker.attempts == 3 and cache.breaker.failures == 3
    assert len(records(caplog, UNAVAILABLE)) == 1


def test_sessions_are_kept_in_the_database_not_the_cache(monkeypatch):
    configured = production_settings(monkeypatch, "redis://127.0.0.1:6379/7")
    assert configured["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert configured["CACHES"]["default"]["BACKEND"] == "core.cache.ResilientRedisCache"
    options = configured["CACHES"]["default"]["OPTIONS"]
    assert options["socket_connect_timeout"] <= 0.5 and options["socket_timeout"] <= 0.5
    # Publishing a task never holds a request for Celery's three retries; a hung broker is given up.
    assert configured["CELERY_TASK_PUBLISH_RETRY_POLICY"]["max_retries"] <= 1
    assert configured["CELERY_BROKER_TRANSPORT_OPTIONS"]["socket_timeout"] <= 5


# --- with Redis up --------------------------------------------------------------------------------------------


def test_with_redis_up_the_cache_stores_and_reads_back(redis_up):
    assert isinstance(redis_up, ResilientRedisCache)
    redis_up.set("greeting", {"hello": "world"}, 30)
    assert redis_up.get("greeting") == {"hello": "world"}
    assert redis_up.add("greeting", "other") is False
    assert redis_up.add("counter", 1) is True
    assert redis_up.incr("counter") == 2 and redis_up.get("counter") == 2
    redis_up.delete_many(["greeting", "counter"])
    assert redis_up.get("greeting") is None
    assert redis_up.breaker.failures == 0 and redis_up.breaker.skipped == 0


def test_with_redis_up_rate_limits_are_enforced(client, channel, redis_up):
    rep = channel.initech_rep
    for _ in range(login_failed_limit()):
        assert client.post(LOGIN, {"login": rep.email, "password": "guess-guess-guess"}).status_code == 200
    assert client.post(LOGIN, {"login": rep.email, "password": f.PASSWORD}).status_code == 429
    assert redis_up.breaker.failures == 0


def test_with_redis_down_a_saml_assertion_is_still_accepted_once_only(redis_down, db):
    """The SAML replay memory is in the database: an outage neither lets a replay through nor blocks logins.
    (The whole flow against a real IdP: tests/identity/test_saml.py::test_a_replayed_assertion_is_refused.)"""
    soon = int(time.time()) + 300
    first = saml.assertion_remember(idp_entity_id="https://idp.example/", assertion_id="_a1", not_on_or_after=soon)
    again = saml.assertion_remember(idp_entity_id="https://idp.example/", assertion_id="_a1", not_on_or_after=soon)
    other_idp = saml.assertion_remember(
        idp_entity_id="https://other.example/", assertion_id="_a1", not_on_or_after=soon
    )
    assert (first, again, other_idp) == (True, False, True)
    assert redis_down.breaker.attempts == 0  # the cache is not asked at all


def test_saml_assertions_are_forgotten_once_expired(db):
    past = int(time.time()) - OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT - 10
    assert saml.assertion_remember(idp_entity_id="https://idp.example/", assertion_id="_old", not_on_or_after=past)
    time.sleep(1.1)  # the shortest memory is one second
    assert saml.assertion_remember(idp_entity_id="https://idp.example/", assertion_id="_new", not_on_or_after=None)
    assert SamlAssertion.objects.count() == 1  # the expired one went when the next was remembered
