"""Sign-in settings under /settings/: single sign-on and domains, the organization's MFA rule, API tokens."""

from django.urls import path  # noqa: F401

app_name = "identity"
urlpatterns = []
