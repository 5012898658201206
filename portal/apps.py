from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = "Onepane"

    def ready(self):
        from portal.celery import install_beat_schedule

        install_beat_schedule()
