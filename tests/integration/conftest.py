"""A real Celery worker on the machine's Redis, reading the test database, for tests marked ``services``."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _require_real_services():
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (the CI run sets it; see README)")
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL pointing at PostgreSQL (the CI run sets it; see README)")


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """Start ``celery worker`` in a subprocess on a queue of its own; yields the folder its emails land in."""
    _require_real_services()
    from portal.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    db = connection.settings_dict
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    log = tmp_path / "worker.log"
    proc = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "-c",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    previous = app.conf.task_default_queue, app.conf.task_always_eager
    app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 30
        while "ready" not in log.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Celery worker did not start:\n{log.read_text()}")
            time.sleep(0.2)
        yield mail_dir
    finally:
        app.conf.task_default_queue, app.conf.task_always_eager = previous
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False
