from django.apps import AppConfig


class IdentityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "identity"
    label = "identity"
    verbose_name = "Identity and sign-in"

    def ready(self):
        from identity import notifications, subscribers  # noqa: F401 (the notification types; who hears of events)
