"""The beat's schedule: each app declares its jobs in ``<app>/schedule.py``; they are merged at startup."""

from importlib import import_module

import pytest
from django.core.exceptions import ImproperlyConfigured

from core import registry
from portal import celery
from portal.celery import app

# The jobs the beat ran before each app declared its own: the same names, tasks and default intervals.
EXPECTED = {
    "resend-pending-emails": {"task": "notifications.tasks.resend_pending_emails", "schedule": 60.0},
    "send-due-digests": {"task": "notifications.tasks.send_due_digests", "schedule": 900.0},
    "check-domain-txt-records": {"task": "identity.tasks.check_domain_txt_records", "schedule": 600.0},
    "refresh-saml-metadata": {"task": "identity.tasks.refresh_saml_metadata", "schedule": 4 * 3600.0},
    "expire-deal-registrations": {"task": "deals.tasks.expire_registrations", "schedule": 3600.0},
    "recall-overdue-leads": {"task": "leads.tasks.recall_overdue_leads", "schedule": 300.0},
    "remind-due-leads": {"task": "leads.tasks.remind_due_leads", "schedule": 900.0},
}


def test_the_merged_schedule_is_every_apps_jobs():
    assert app.conf.beat_schedule == EXPECTED
    assert list(app.conf.beat_schedule) == list(EXPECTED)  # in INSTALLED_APPS order
    for entry in EXPECTED.values():  # each a task its app defines
        module, _, name = entry["task"].rpartition(".")
        assert getattr(import_module(module), name).name == entry["task"]


def test_the_settings_hold_no_apps_jobs(settings):
    assert settings.CELERY_BEAT_SCHEDULE == {}
    owners = {module.__name__ for module in registry.plugins("schedule")}
    assert owners == {"notifications.schedule", "identity.schedule", "deals.schedule", "leads.schedule"}


def test_a_job_in_the_settings_is_kept_and_a_repeated_name_refused(settings):
    settings.CELERY_BEAT_SCHEDULE = {"platform-job": {"task": "x", "schedule": 5.0}}
    assert celery.beat_schedule() == {"platform-job": {"task": "x", "schedule": 5.0}, **EXPECTED}

    settings.CELERY_BEAT_SCHEDULE = {"send-due-digests": {"task": "x", "schedule": 5.0}}
    with pytest.raises(ImproperlyConfigured, match="send-due-digests"):
        celery.beat_schedule()
