"""Redis down for the web process (cache and broker both on a closed port): a person logs in with a password and
approves an application; the notification's email is written and stays pending; once Redis is back, the beat's
re-send job hands it to a real worker, which delivers it (issue 14, finding 9; the pages are
tests/portal/test_redis_outage.py)."""

import logging
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutgoingEmail
from notifications.tasks import resend_pending_emails
from tests import factories as f
from tests.integration.conftest import broker_at, closed_port, wait_for
from vendors.models import Membership, Partnership

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

Status = OutgoingEmail.Status


def resilient_cache_at(url: str) -> dict:
    return {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": url, "SKIP_FOR": 60}}


def test_with_redis_down_the_email_waits_in_the_outbox_and_is_delivered_once_redis_is_back(
    worker, client, settings, caplog
):
    caplog.set_level(logging.WARNING)
    vendor = f.vendor("Acme Networks")
    manager = f.member(vendor, Membership.Role.MANAGER, email="morgan@acme.example")
    gold = f.TierFactory(vendor=vendor, name="Gold")
    initech = f.partner("Initech Solutions")
    f.member(initech, Membership.Role.ADMIN, email="dana@initech.example")
    application = f.partnership(vendor, initech, status=Partnership.Status.APPLIED)
    assert wait_for(lambda: not OutgoingEmail.objects.filter(status=Status.PENDING).exists())  # the application's

    down = f"redis://127.0.0.1:{closed_port()}/7"
    settings.CACHES = resilient_cache_at(down)
    caches["default"].breaker.reset()
    with broker_at(down):
        login = client.post(reverse("account_login"), {"login": manager.email, "password": f.PASSWORD})
        assert login.status_code == 302, login.content.decode()[:500]
        started = time.monotonic()
        response = client.post(reverse("console:partnership_approve", args=[application.pk]), {"tier": gold.pk})
        took = time.monotonic() - started

    assert response.status_code == 302, response.content.decode()[:500]
    assert took < 5  # one failed publish, not Celery's retries (the broker's connect timeout is 2 s)
    assert Partnership.objects.get(pk=application.pk).status == Partnership.Status.ACTIVE
    email = OutgoingEmail.objects.get(to="dana@initech.example")
    assert email.status == Status.PENDING
    assert "the re-send job will deliver it" in caplog.text

    # Redis is back: the beat's re-send job hands the email over and the worker delivers it, once.
    settings.CACHES = resilient_cache_at(django_settings.REDIS_URL)
    OutgoingEmail.objects.filter(pk=email.pk).update(
        enqueued_at=timezone.now() - timedelta(seconds=settings.ONEPANE_EMAIL_RESEND_AFTER + 1)
    )
    assert resend_pending_emails() == 1  # what the beat runs, here in the test's process
    assert wait_for(lambda: OutgoingEmail.objects.get(pk=email.pk).status == Status.SENT), worker.log.read_text()
    assert [m["To"] for m in worker.emails()].count("dana@initech.example") == 1
