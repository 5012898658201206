"""allauth's login by email, limited to addresses proven to be the account's (``addresses.accounts_proving``).

allauth on its own also logs a person in with an address they added to their account and never confirmed.
That address proves nothing: it may be a typo, or someone else's address added to pre-empt its owner.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend

from core.addresses import accounts_proving


class AuthenticationBackend(AllauthBackend):
    def _authenticate_by_email(self, email: str, password: str):
        if not email:
            return None
        for user in accounts_proving(email):
            if self._check_password(user, password):
                return user
        return None
