from django.apps import AppConfig


class DealsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "deals"
    verbose_name = "Deal registration"

    def ready(self):
        from deals import matching, notifications  # noqa: F401  (similarity() on SQLite; notification types)
