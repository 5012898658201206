"""Personal API tokens: a person creates, lists and revokes them; the REST API accepts them as ``Bearer`` tokens.

A token is ``op_`` followed by 43 random URL-safe characters. It is shown once, when it is made; the database
keeps only its SHA-256 (``key_hash``) and its first characters (``prefix``, so a person can tell their tokens
apart). A token acts as its owner: the same selectors, the same visibility, the same organization choice as the
person's own session (see ``ApiTokenAuthentication``).
"""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from identity.models import ApiToken

TOKEN_PREFIX = "op_"  # noqa: S105 -- the public start of every token, not a secret
PREFIX_LENGTH = 10  # "op_" and seven characters of the secret: enough to tell tokens apart, useless to guess
MAX_ACTIVE_TOKENS = 25
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length
# ``last_used_at`` is written at most this often per token, so a busy script does not write on every request.
LAST_USED_EVERY = timedelta(minutes=1)
ORGANIZATION_HEADER = "X-Onepane-Organization"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


# --- reads ------------------------------------------------------------------------------------------------------


def tokens_of(user) -> QuerySet:
    """A person's own tokens, newest first (revoked and expired ones too). Nobody else's, ever."""
    if user is None or not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user)


def active_tokens_of(user) -> QuerySet:
    now = timezone.now()
    return tokens_of(user).filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


# --- writes -----------------------------------------------------------------------------------------------------


def token_create(*, user, name: str, expires_at=None) -> tuple[ApiToken, str]:
    """A new token for ``user``. Returns the row and the raw token: the only time the raw token exists."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "Name the token after what uses it, e.g. “CRM sync”."
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = f"A token's name has at most {NAME_MAX_LENGTH} characters."
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "The expiry date must be in the future."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # One person's tokens are created one at a time, so two requests cannot both pass the limit.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if active_tokens_of(user).count() >= MAX_ACTIVE_TOKENS:
            raise ValidationError(
                f"You already have {MAX_ACTIVE_TOKENS} active tokens, the most a person may have. "
                "Revoke one you no longer use first."
            )
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken.objects.create(
            user=user, name=name, prefix=raw[:PREFIX_LENGTH], key_hash=_hash(raw), expires_at=expires_at
        )
    return token, raw


def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke one of ``actor``'s own tokens: refused from the next request on. Revoking twice changes nothing."""
    if actor is None or token.user_id != actor.pk:
        raise PermissionDenied("You can only revoke your own tokens.")
    if token.revoked_at is None:
        now = timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
        token.revoked_at = now
    return token


_NEW_ONE = "Create a new one on the API tokens page (/settings/tokens/)."


class TokenRefused(Exception):
    """Why a presented token does not authenticate (the message is shown to the API client)."""


def token_check(raw: str) -> ApiToken:
    """The active token ``raw`` names, with its owner loaded; ``TokenRefused`` otherwise. Records the use."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        raise TokenRefused("Invalid API token.")
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw)).first()
    if token is None or not token.user.is_active:
        raise TokenRefused("Invalid API token.")
    if token.revoked_at is not None:
        raise TokenRefused(f"This API token has been revoked. {_NEW_ONE}")
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        raise TokenRefused(f"This API token has expired. {_NEW_ONE}")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_authenticate(raw: str):
    """The owner of the active token ``raw``, or ``None`` (unknown, revoked, expired, or the owner is inactive)."""
    try:
        return token_check(raw).user
    except TokenRefused:
        return None


# --- the REST API -----------------------------------------------------------------------------------------------


class InvalidToken(exceptions.APIException):
    """A presented token was refused: 401 with ``WWW-Authenticate: Bearer``.

    Not an ``AuthenticationFailed``: DRF would turn that into a 403 without the header, because the first
    authentication class (this one) answers the anonymous without a challenge (see ``authenticate_header``).
    """

    status_code = 401
    default_detail = "Invalid API token."
    default_code = "invalid_token"

    def __init__(self, detail=None):
        super().__init__(detail)
        # Header values are ASCII: the message, minus what is not.
        description = str(self.detail).replace('"', "'").encode("ascii", "ignore").decode()
        self.auth_header = f'Bearer realm="api", error="invalid_token", error_description="{description}"'


class ApiTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer op_…``: the token's owner, working in the organization the session would choose.

    The ``CurrentOrganizationMiddleware`` runs before DRF authenticates and sees an anonymous caller, so this
    sets ``request.organization``, ``request.membership`` and ``request.memberships`` itself: the first of the
    person's active organizations (as the middleware chooses without a choice in the session), or the one whose
    id the ``X-Onepane-Organization`` header names (a 403 when it is not one of theirs). An organization that
    requires MFA refuses the token of a person without it (403), as ``MFARequiredMiddleware`` holds their session.

    A request without a Bearer header is left to the session; the anonymous keep the API's 403.
    """

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise InvalidToken("Invalid Authorization header: send “Authorization: Bearer op_…” with one token.")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise InvalidToken() from None
        try:
            token = token_check(raw)
        except TokenRefused as exc:
            raise InvalidToken(str(exc)) from None
        _choose_organization(request, token.user)
        return token.user, token

    def authenticate_header(self, request):
        # None: the anonymous get a 403, as they always have (and as the session answers them); a token that is
        # presented and refused raises ``InvalidToken``, a 401 with its own challenge.
        return None


def _choose_organization(request, user) -> None:
    from vendors.selectors import memberships_of_user

    memberships = memberships_of_user(user)
    wanted = request.META.get("HTTP_X_ONEPANE_ORGANIZATION", "").strip()
    if wanted:
        chosen = next((m for m in memberships if str(m.organization_id) == wanted), None)
        if chosen is None:
            raise exceptions.PermissionDenied(
                f"{ORGANIZATION_HEADER} names an organization you do not work in: send the id of one of yours, "
                "or leave the header out to work in your first one."
            )
    else:
        chosen = memberships[0] if memberships else None
    organization = chosen.organization if chosen else None
    if organization is not None and organization.require_mfa:
        from identity.mfa import has_mfa

        if not has_mfa(user):  # as MFARequiredMiddleware holds the person's session
            raise exceptions.PermissionDenied(
                f"{organization.name} requires two-factor authentication. Set it up to continue."
            )
    django_request = request._request
    django_request.memberships = memberships
    django_request.membership = chosen
    django_request.organization = organization


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "op_...",
            "description": (
                "A personal API token (Settings → API tokens): `Authorization: Bearer op_...`. It sees what its "
                "owner sees. The request works in the owner's first organization, or in the one whose id the "
                f"`{ORGANIZATION_HEADER}` header names (403 if it is not theirs). A wrong, revoked or expired "
                "token is a 401."
            ),
        }
