"""Sign-in settings under /settings/: single sign-on and domains, the organization's MFA rule, API tokens."""

from django.urls import path  # noqa: F401

from identity import views_mfa, views_sso, views_tokens

app_name = "identity"
urlpatterns = [
    path("tokens/", views_tokens.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views_tokens.token_revoke, name="token_revoke"),
    path("mfa/", views_mfa.mfa_policy, name="mfa_policy"),
    path("sso/", views_sso.sso_settings, name="sso"),
    path("sso/start/", views_sso.sso_start, name="sso_start"),
]
