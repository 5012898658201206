"""The cache on Redis, built so that a Redis outage costs caching and nothing else.

``ResilientRedisCache`` is Django's ``RedisCache`` (settings use it when ``REDIS_URL`` is set) with three changes:

- short socket timeouts, so a Redis that is down or does not answer costs a fraction of a second, not five;
- a breaker: after a failure, every call in this process skips Redis for ``SKIP_FOR`` seconds (then one call
  tries again), so a page that touches the cache ten times does not wait for ten timeouts;
- a call that fails or is skipped behaves as Django's dummy cache does: a read misses, a write does nothing,
  ``add`` answers True ("stored"). allauth's rate limits (ACCOUNT_RATE_LIMITS, counted in the cache) therefore
  let every request through while Redis is down, and its rate-limit lock never blocks.

What that costs is logged, once per ``LOG_EVERY`` seconds per kind rather than once per call: that Redis is
unreachable (and when it is back), that rate limits are not enforced, that an authenticator code could be used
twice within its 90-second window (allauth remembers used codes in the cache). Sessions are kept in the
database, and the SAML assertion replay memory too (``identity.saml``), so neither depends on Redis.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis import exceptions as redis_errors
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# A Redis that is down, unreachable, restarting, failed over to a read-only replica or out of memory.
UNAVAILABLE = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
    redis_errors.OutOfMemoryError,
)

# Connect and read timeouts (seconds) and no retry inside redis-py: the breaker decides when to try again.
DEFAULT_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5, "retry": Retry(NoBackoff(), 0)}
DEFAULT_SKIP_FOR = 5.0
DEFAULT_LOG_EVERY = 60.0

# What stops working while the cache is unavailable, by the start of the keys it reads and writes.
DEGRADED = {
    "allauth:rl:": "Rate limits not enforced: cache unavailable.",
    "allauth.mfa.totp.used": ("Reuse of an authenticator code within its time window not detected: cache unavailable."),
}


class Breaker:
    """Whether Redis is worth trying now, shared by every thread of the process, and the log of its outages.

    ``attempts`` counts the calls that went to Redis, ``skipped`` those that did not (tests read both)."""

    def __init__(self, location: str, *, skip_for: float, log_every: float):
        self.location = location
        self.skip_for = skip_for
        self.log_every = log_every
        self.attempts = 0
        self.failures = 0
        self.skipped = 0
        self.down = False
        self._open_until = 0.0
        self._lock = threading.Lock()
        self._last_logged: dict[str, float] = {}
        self._unlogged: dict[str, int] = {}

    def allow(self) -> bool:
        with self._lock:
            if time.monotonic() < self._open_until:
                self.skipped += 1
                return False
            self.attempts += 1
            return True

    def failed(self, exc: Exception) -> None:
        with self._lock:
            self.failures += 1
            self.down = True
            self._open_until = time.monotonic() + self.skip_for
        self.notice(
            "unavailable",
            f"Redis cache at {self.location} unavailable ({type(exc).__name__}: {exc}); pages run without the "
            f"cache, Redis is tried again every {self.skip_for:g} s.",
        )

    def succeeded(self) -> None:
        if self.down:
            with self._lock:
                was_down, self.down = self.down, False
                self._last_logged.pop("unavailable", None)
            if was_down:
                logger.warning("Redis cache at %s reachable again.", self.location)

    def notice(self, kind: str, message: str) -> None:
        """Log ``message`` unless a notice of this kind was logged less than ``log_every`` seconds ago."""
        now = time.monotonic()
        with self._lock:
            last = self._last_logged.get(kind)
            if last is not None and now - last < self.log_every:
                self._unlogged[kind] = self._unlogged.get(kind, 0) + 1
                return
            self._last_logged[kind] = now
            unlogged = self._unlogged.pop(kind, 0)
        if unlogged:
            message += f" ({unlogged} more since the last such message)"
        logger.warning(message)

    def reset(self) -> None:
        with self._lock:
            self.attempts = self.failures = self.skipped = 0
            self.down = False
            self._open_until = 0.0
            self._last_logged.clear()
            self._unlogged.clear()


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(location: str, **options) -> Breaker:
    """The process's one breaker for a Redis location (Django makes a cache object per thread)."""
    with _breakers_lock:
        if location not in _breakers:
            _breakers[location] = Breaker(location, **options)
        return _breakers[location]


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that degrades to no caching while Redis is unavailable (see the module's docstring).

    Settings beyond Django's: ``SKIP_FOR`` (seconds Redis is skipped after a failure) and ``LOG_EVERY``
    (seconds between two log lines of one kind). ``OPTIONS`` are redis-py's, over ``DEFAULT_OPTIONS``."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**DEFAULT_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self.breaker = breaker_for(
            ",".join(self._servers),
            skip_for=float(params.get("SKIP_FOR", DEFAULT_SKIP_FOR)),
            log_every=float(params.get("LOG_EVERY", DEFAULT_LOG_EVERY)),
        )

    def _run(self, call, fallback, key=None):
        if self.breaker.allow():
            try:
                result = call()
            except UNAVAILABLE as exc:
                self.breaker.failed(exc)
            else:
                self.breaker.succeeded()
                return result
        if isinstance(key, str):
            for prefix, message in DEGRADED.items():
                if key.startswith(prefix):
                    self.breaker.notice(prefix, message)
        return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), True, key)

    def get(self, key, default=None, version=None):
        return self._run(lambda: super(ResilientRedisCache, self).get(key, default, version), default, key)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None, key)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._run(lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False, key)

    def delete(self, key, version=None):
        return self._run(lambda: super(ResilientRedisCache, self).delete(key, version), False, key)

    def get_many(self, keys, version=None):
        return self._run(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._run(lambda: super(ResilientRedisCache, self).has_key(key, version), False, key)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._run(lambda: super(ResilientRedisCache, self).incr(key, delta, version), missing, key)
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's contract: the keys that were not stored.
        return self._run(lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), list(data))

    def delete_many(self, keys, version=None):
        return self._run(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)

    def clear(self):
        return self._run(lambda: super(ResilientRedisCache, self).clear(), False)
