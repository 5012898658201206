import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("onepane")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def beat_schedule() -> dict:
    """The beat's jobs: ``CELERY_BEAT_SCHEDULE`` (jobs no app owns) and every app's ``BEAT`` in ``<app>/schedule.py``,
    in ``INSTALLED_APPS`` order; a job name two apps both use is an error."""
    from django.conf import settings

    from core.registry import merged

    apps_jobs = merged("schedule", "BEAT")
    repeated = set(apps_jobs) & set(settings.CELERY_BEAT_SCHEDULE)
    if repeated:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"CELERY_BEAT_SCHEDULE and an app's schedule.py both declare {sorted(repeated)}")
    return {**settings.CELERY_BEAT_SCHEDULE, **apps_jobs}


def install_beat_schedule() -> None:
    """Called once the apps are loaded (``PortalConfig.ready``), in every process: web, worker and beat."""
    app.conf.beat_schedule = beat_schedule()
