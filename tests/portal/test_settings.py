"""Production settings: ``check --deploy`` is clean, and the app will not start without a secret key.

Each case runs ``manage.py`` in a fresh process, because settings are read once, at start-up.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Only what a process needs to run: no configuration (nor test-only switches) leaks in from this one.
PASSTHROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def manage(*args, **env):
    clean = {key: os.environ[key] for key in PASSTHROUGH if key in os.environ}
    clean["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    return subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_ENV": "production",
    "ALLOWED_HOSTS": "example.com",
    "DATABASE_URL": "postgres://onepane:secret@db.internal:5432/onepane",
    "REDIS_URL": "redis://redis.internal:6379/0",
}


def test_production_settings_pass_the_deployment_checks_without_a_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=secrets.token_urlsafe(50), **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stderr


def test_the_app_refuses_to_start_in_production_without_a_secret_key():
    for key in (None, ""):
        env = dict(PRODUCTION) if key is None else {**PRODUCTION, "SECRET_KEY": key}
        result = manage("check", "--deploy", **env)

        assert result.returncode != 0
        assert "SECRET_KEY must be set when DJANGO_ENV=production" in result.stderr


def test_the_deployment_checks_do_catch_a_weak_secret_key():
    """The clean run above means something: the same check flags a guessable key."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY="changeme", **PRODUCTION)

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_production_is_not_in_debug_even_if_asked():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, "
        "settings.CELERY_TASK_ALWAYS_EAGER, settings.DATABASES['default']['ENGINE'])",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="true",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == ["False", "True", "False", "django.db.backends.postgresql"]


def test_without_any_configuration_the_demo_runs_on_sqlite_with_eager_celery():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG, settings.CELERY_TASK_ALWAYS_EAGER, "
        "settings.DATABASES['default']['ENGINE'], settings.CACHES['default']['BACKEND'])",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-4:] == [
        "True",
        "True",
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
    ]
