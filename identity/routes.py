"""The sign-in settings' routes (identity/urls.py).

Who may call each route, and which row its URL names: see ``core/routes.py``. A route no app declares fails the
isolation suite (``tests/isolation/``), naming it."""

from core.routes import authenticated, public, scoped

ROUTES = {
    # --- sign-in settings (identity/urls.py): the current organization's, for its admins -------------
    "identity:mfa_policy": authenticated(writes=True),
    "identity:sso": authenticated(writes=True),  # the current organization's IdP and domains; a domain id in the body
    "identity:sso_start": public(
        "Home-realm discovery on the login page: the typed email picks an identity provider or the password step.",
        writes=True,
    ),
    # API tokens: the person's own, whatever organization they work in (another's token is a 404).
    "identity:tokens": authenticated(writes=True),
    "identity:token_revoke": scoped("identity.ApiToken", writes=True),
}
