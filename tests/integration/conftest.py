"""A real Celery worker on the machine's Redis, reading the test database, for tests marked ``services``."""

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


def _require_real_services():
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL (the CI run sets it; see README)")
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL pointing at PostgreSQL (the CI run sets it; see README)")


class Worker:
    """``celery worker`` in a subprocess, consuming a queue of its own; its emails land in ``mail_dir``."""

    def __init__(self, tmp_path: Path, queue: str, email_backend: str = FILE_BACKEND):
        db = connection.settings_dict
        self.queue = queue
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.log = tmp_path / "worker.log"
        self.proc = None
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_QUEUE": queue,
            "EMAIL_BACKEND": email_backend,
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "DJANGO_SETTINGS_MODULE": "portal.settings",
        }

    def start(self) -> "Worker":
        with self.log.open("a") as log:
            start = log.tell()
            self.proc = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "portal",
                    "worker",
                    "-Q",
                    self.queue,
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
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 90  # a busy machine takes its time to import Django and Celery
        while "ready" not in self.log.read_text()[start:]:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Celery worker did not start:\n{self.log.read_text()}")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def wait_until_dead(self, timeout=15.0) -> int:
        return self.proc.wait(timeout=timeout)

    def emails(self) -> list[Message]:
        """The emails the worker delivered (the file backend writes one file per connection), oldest first."""
        separator = b"\n" + b"-" * 79 + b"\n"
        return [
            message_from_bytes(chunk, policy=policy.default)
            for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime_ns)
            for chunk in path.read_bytes().split(separator)
            if chunk.strip()
        ]

    def sent(self) -> str:
        return "".join(message.as_string() for message in self.emails())


@pytest.fixture
def worker_factory(transactional_db, tmp_path):
    """Make (and finally stop) workers on one fresh queue; this process sends its tasks to that queue."""
    _require_real_services()
    from portal.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    workers = []

    def make(email_backend: str = FILE_BACKEND) -> Worker:
        worker = Worker(tmp_path, queue, email_backend)
        workers.append(worker)
        return worker

    previous = app.conf.task_default_queue, app.conf.task_always_eager
    app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    try:
        yield make
    finally:
        app.conf.task_default_queue, app.conf.task_always_eager = previous
        for worker in workers:
            worker.stop()
        _forget_queue(queue)


def _forget_queue(queue: str) -> None:
    """Remove what a test left in Redis for its queue: the queue, its bindings, and the messages a killed worker
    never acknowledged (Redis would otherwise put them back on the queue after the visibility timeout)."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    for tag, payload in client.hscan_iter("unacked"):
        if f'"{queue}"'.encode() in payload:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


@pytest.fixture
def worker(worker_factory) -> Worker:
    """A started worker with Django's file email backend."""
    return worker_factory().start()


@pytest.fixture
def celery_worker(worker):
    """The folder the started worker's emails land in."""
    return worker.mail_dir


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@contextmanager
def broker_at(url: str):
    """Point this process's Celery app at another broker (a closed port: Redis is down) for the block.

    Setting ``broker_url`` alone is not enough: the app keeps a connection pool and a producer pool built for
    the old URL (kombu also keeps them in its global registry). Drop them, as Celery itself does after a fork
    (``Celery._after_fork``), so the next task is published through a connection to ``url``."""
    from kombu import pools

    from portal.celery import app

    def drop_pools():
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_url
    app.conf.broker_url = url
    drop_pools()
    try:
        yield
    finally:
        app.conf.broker_url = previous
        drop_pools()


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
