"""allauth's social login, decided by the identity provider's organization (``SOCIALACCOUNT_ADAPTER``).

Every login through an organization's IdP (OpenID Connect or SAML 2.0; this module does not care which) is
checked in ``pre_social_login`` before anyone is logged in:

1. The IdP must be one of ours, enabled, of an active organization. A login that only *connects* an IdP to an
   account already logged in is refused: accounts are linked at login, by the rule below, never by hand.
2. The IdP must send an email address it has verified, of a **verified domain of the IdP's own organization**.
   A verified domain belongs to one organization, so an IdP of organization A can never sign anyone in with an
   address of a domain organization B verified, and never makes anyone a member of B.
3. Who it is:
   - an account already linked to this IdP (same subject): that account; its name and email follow the IdP;
   - otherwise an account the address is **proven** to be (``addresses``: verified, or its own address as a
     platform admin set it): linked to this IdP (the second IdP or the password account of the same person:
     docs/adr/0004-sso-account-linking.md); an account whose own address it is, unverified, is refused, with
     what to do; an address someone merely added to their account unconfirmed names nobody (and is dropped);
   - otherwise a new account, provisioned just in time (``save_user``) with the verified address.
   In each case the person is made a member of the IdP's organization with the IdP's default role if they are
   not one yet (an existing member keeps their role), and that organization is the one they work in.

Every fetch allauth makes of the IdP goes through ``core.outbound`` (``get_requests_session``).

Authentication errors (a state that does not match, an ID token for another audience or already expired, an
IdP that cannot be reached or that Onepane refuses to fetch) end on one page that says what went wrong
(``on_authentication_error``).
"""

from __future__ import annotations

import logging

from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.providers.base.constants import AuthError
from django.contrib.auth import get_user_model
from django.db import transaction
from django.shortcuts import render

from core import addresses, outbound
from identity.models import IdentityProvider
from identity.selectors_sso import (
    disabled_social_app_ids,
    domain_is_verified_for,
    email_domain,
    identity_provider_for_app,
)
from vendors.middleware import SESSION_KEY
from vendors.models import Membership, Organization
from vendors.services import membership_add

logger = logging.getLogger(__name__)

# What the IdP said about the person, kept by ``populate_user`` before allauth swaps in the stored account.
PROFILE_ATTR = "onepane_idp_profile"


def refuse(request, message: str, *, status: int = 403, title: str = "Single sign-on refused"):
    logger.warning("Single sign-on refused: %s", message)
    raise ImmediateHttpResponse(
        render(request, "identity/sso_error.html", {"title": title, "message": message}, status=status)
    )


def _token_error_message(exception) -> str | None:
    """A clear sentence for an ID token PyJWT refused (allauth wraps it in ``OAuth2Error("Invalid id_token")``)."""
    from jwt import exceptions as jwt_errors

    cause = exception.__cause__ if exception is not None else None
    if isinstance(cause, jwt_errors.InvalidAudienceError):
        return (
            "The identity provider's ID token was issued for another application (wrong audience), so Onepane "
            "cannot accept it. Ask your administrator to check the client ID in the single sign-on settings."
        )
    if isinstance(cause, jwt_errors.ExpiredSignatureError):
        return (
            "The identity provider's ID token had already expired when Onepane received it. Check the identity "
            "provider's clock, then try again."
        )
    if isinstance(cause, jwt_errors.InvalidIssuerError):
        return "The ID token was issued by another identity provider than the one configured (wrong issuer)."
    if isinstance(cause, jwt_errors.PyJWTError):
        return "The identity provider's ID token could not be verified, so Onepane cannot accept it."
    return None


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    # --- fetches ----------------------------------------------------------------------------------------------

    def get_requests_session(self):
        """Every fetch allauth makes (OpenID discovery, token, userinfo and key URLs of an organization's IdP)
        goes through the guarded client: https, public addresses only, short timeouts, a size limit."""
        return outbound.session()

    # --- which apps exist -------------------------------------------------------------------------------------

    def list_apps(self, request, provider=None, client_id=None):
        """allauth's apps, less those of a disabled identity provider (their URLs are then a 404)."""
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        disabled = disabled_social_app_ids()
        return [app for app in apps if app.pk is None or app.pk not in disabled]

    # --- what the IdP said ------------------------------------------------------------------------------------

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        # Accounts are named by their email, as invitations name them.
        if user.email:
            user.username = user.email
        setattr(
            sociallogin,
            PROFILE_ATTR,
            {"first_name": user.first_name or "", "last_name": user.last_name or "", "email": user.email or ""},
        )
        return user

    @staticmethod
    def _idp_email(idp: IdentityProvider, sociallogin) -> tuple[str, bool]:
        addresses = list(sociallogin.email_addresses)
        address = next((a for a in addresses if a.primary), addresses[0] if addresses else None)
        if address is None:
            return getattr(sociallogin, PROFILE_ATTR, {}).get("email", ""), False
        # OpenID Connect says so in the email_verified claim. SAML has no standard attribute for it: the address
        # in a signed assertion of the organization's own IdP is that IdP's statement.
        verified = bool(address.verified) or idp.protocol == IdentityProvider.Protocol.SAML
        return address.email, verified

    # --- the decision -----------------------------------------------------------------------------------------

    def pre_social_login(self, request, sociallogin):
        idp = identity_provider_for_app(sociallogin.provider.app)
        if idp is None or not idp.enabled:
            refuse(request, "This single sign-on is not enabled on Onepane. Log in with your email and password.")
        organization = idp.organization
        if organization.status != Organization.Status.ACTIVE:
            refuse(request, f"{organization.name} is suspended on Onepane: nobody can log in to it for now.")
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            refuse(
                request,
                "Onepane links single sign-on to an account when you log in through your organization's identity "
                "provider, not from the account page. Log out, then log in with your work email.",
            )
        email, verified = self._idp_email(idp, sociallogin)
        if not email:
            refuse(
                request,
                f"{idp.name} did not send your email address, so Onepane cannot tell who you are. Ask your "
                "administrator to release the email claim to Onepane.",
            )
        if not verified:
            refuse(
                request,
                f"{idp.name} has not verified your email address {email}, so Onepane cannot use it to sign you in. "
                "Ask your administrator.",
            )
        if not domain_is_verified_for(organization.pk, email_domain(email)):
            refuse(
                request,
                f"{email} is not an address of a verified domain of {organization.name}, so {idp.name} cannot "
                "sign you in to Onepane. Log in with your email and password, or ask your administrator.",
            )
        for address in sociallogin.email_addresses:
            if address.email.lower() == email.lower():
                address.verified = True
        profile = getattr(sociallogin, PROFILE_ATTR, {})

        with transaction.atomic():
            if sociallogin.is_existing:
                user = sociallogin.user
                self._follow_idp(request, user, email, profile)
                self._join(idp, user)
            else:
                existing = self._account_with_email(email)
                if existing is not None:
                    if not addresses.is_proven(existing, email):
                        refuse(
                            request,
                            f"An Onepane account with {email} exists, but that address has not been verified, so "
                            f"it cannot be linked to {idp.name}. Log in with your password, confirm your email "
                            "address from your account page, then log in through single sign-on again.",
                        )
                    logger.info("Linking %s to identity provider %s", email, idp.slug)
                    sociallogin.connect(request, existing)
                    self._follow_idp(request, existing, email, profile)
                    self._join(idp, existing)
                else:
                    # Otherwise allauth signs the person up (``save_user``), just in time. The IdP has proven the
                    # address: an unconfirmed copy on another account goes first (allauth would take it for an
                    # account that has the address, and send the person to a sign-up form).
                    addresses.claims_release(owner=None, email=email)
        request.session[SESSION_KEY] = organization.pk

    @staticmethod
    def _account_with_email(email: str):
        """The account the address is proven to be, else one whose own address it is (not verified: refused).
        An address that only sits unconfirmed on some account names nobody: the person gets their own account,
        and that copy is dropped."""
        proven = addresses.accounts_proving(email).order_by("pk").first()
        if proven is not None:
            return proven
        return get_user_model().objects.filter(email__iexact=email).order_by("pk").first()

    def _follow_idp(self, request, user, email: str, profile: dict) -> None:
        """Later logins: the IdP's name and email win."""
        User = get_user_model()
        changed = []
        for field in ("first_name", "last_name"):
            value = (profile.get(field) or "").strip()
            if value and getattr(user, field) != value:
                setattr(user, field, value)
                changed.append(field)
        if user.email.lower() != email.lower():
            if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists() or (
                EmailAddress.objects.filter(email__iexact=email, verified=True).exclude(user=user).exists()
            ):
                refuse(
                    request,
                    f"Your identity provider now gives your email as {email}, but another Onepane account uses "
                    "that address. Ask your administrator to merge the two.",
                )
            if user.username == user.email and not User.objects.filter(username=email).exclude(pk=user.pk).exists():
                user.username = email
                changed.append("username")
            user.email = email
            changed.append("email")
        elif user.email != email:  # same address, other case: keep what the person has
            email = user.email
        if changed:
            user.save(update_fields=changed)
        address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
        if address is None or not (address.primary and address.verified):
            EmailAddress.objects.filter(user=user, primary=True).exclude(pk=getattr(address, "pk", None)).update(
                primary=False
            )
            if address is None:
                EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            else:
                address.verified = address.primary = True
                address.save(update_fields=["verified", "primary"])
        addresses.claims_release(owner=user, email=email)

    @staticmethod
    def _join(idp: IdentityProvider, user) -> None:
        if not Membership.objects.filter(organization_id=idp.organization_id, user=user).exists():
            membership_add(organization=idp.organization, user=user, role=idp.default_role)

    # --- just-in-time provisioning ----------------------------------------------------------------------------

    def is_open_for_signup(self, request, sociallogin):
        # Only reached after ``pre_social_login`` accepted the IdP, its organization and the verified address.
        idp = identity_provider_for_app(sociallogin.provider.app)
        return idp is not None and idp.enabled

    def is_auto_signup_allowed(self, request, sociallogin):
        return True

    def save_user(self, request, sociallogin, form=None):
        idp = identity_provider_for_app(sociallogin.provider.app)
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form)
            addresses.claims_release(owner=user, email=user.email)
            logger.info("Provisioned %s just in time through identity provider %s", user.email, idp.slug)
            self._join(idp, user)
        return user

    # --- errors -----------------------------------------------------------------------------------------------

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        if error == AuthError.CANCELLED:
            return  # allauth's "login cancelled" page
        extra_context = extra_context or {}
        title = "Single sign-on failed"
        if exception is None and "state_id" in extra_context and extra_context.get("state") is None:
            message = (
                "This sign-in could not be completed: its state did not match the one Onepane started in this "
                "browser. It happens when a sign-in link is used twice, is too old, or was started in another "
                "browser. Start again from the login page."
            )
        elif exception is not None and (token_message := _token_error_message(exception)):
            message = token_message
        elif isinstance(exception, outbound.OutboundError):
            message = f"Onepane could not use your organization's identity provider: {exception}"
        elif exception is not None and exception.__class__.__module__.startswith("requests"):
            message = "Onepane could not reach your organization's identity provider. Try again in a moment."
        elif exception is not None:
            message = f"Your organization's identity provider did not complete the sign-in: {exception}"
        elif reason := (request.GET.get("error_description") or request.GET.get("error")):
            message = f"Your organization's identity provider refused the sign-in: {reason[:200]}"
        else:
            message = "Your organization's identity provider did not complete the sign-in. Try again."
        refuse(request, message, status=400, title=title)
