from django.apps import AppConfig


class VendorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vendors"

    def ready(self):
        from vendors import notifications, subscribers  # noqa: F401 (the notification types; who hears of events)
