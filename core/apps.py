from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Mechanisms no capability owns: API and form bases, list pages, history, tallies, events, the app registry."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Onepane core"
