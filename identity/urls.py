"""Sign-in settings under /settings/: single sign-on and domains, the organization's MFA rule, API tokens."""

from django.urls import path

from identity import saml, views_mfa, views_sso, views_tokens

app_name = "identity"
MOUNT = "settings/"
urlpatterns = [
    path("tokens/", views_tokens.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views_tokens.token_revoke, name="token_revoke"),
    path("mfa/", views_mfa.mfa_policy, name="mfa_policy"),
    path("sso/", views_sso.sso_settings, name="sso"),
    path("sso/start/", views_sso.sso_start, name="sso_start"),
]

# In front of allauth's own URLs under /accounts/ (the shell mounts allauth after every app's root paths):
# the SAML assertion consumer service behind replay protection (identity/saml.py), and the OpenID Connect
# login with a clear page when the identity provider cannot be fetched (identity/views_sso.py).
ROOT = [
    path("accounts/saml/<str:organization_slug>/acs/", saml.acs),
    path("accounts/oidc/<str:provider_id>/login/", views_sso.oidc_login),
]
