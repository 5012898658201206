from django.apps import AppConfig


class IdentityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "identity"
    label = "identity"
    verbose_name = "Identity and sign-in"

    def ready(self):
        from identity import notifications  # noqa: F401 (registers sign-in's notification types)
