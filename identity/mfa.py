"""Two-factor authentication: the organization's rule that everyone has it, and how it is enforced.

allauth.mfa does the factors themselves (an authenticator app with recovery codes, security keys). This
module adds what is Onepane's own:

- ``organization_require_mfa_set``: an organization admin requires MFA of everyone in the organization (or
  stops requiring it). Only someone who has MFA themselves may turn it on, so an admin never locks the
  organization into a rule they cannot meet.
- ``MFARequiredMiddleware``: a person working in an organization that requires MFA and who has no
  authenticator yet is sent to the MFA page until they set one up. The rule follows the organization they
  work in now: a person in two organizations is held only while working in the one that requires it.
- ``AuthenticateForm`` / ``ReauthenticateForm``: allauth's code forms, answering 429 once allauth's own
  limit on failed codes is reached (allauth alone would show the same form again with an error).
"""

from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal import ratelimit
from allauth.mfa.base import forms as allauth_forms
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from vendors.models import Membership, Organization
from vendors.services import require_role

# The factors that count as MFA: recovery codes alone are a way back in, not a second factor.
FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def has_mfa(user) -> bool:
    """Whether ``user`` has an authenticator app or a security key."""
    return is_mfa_enabled(user, types=list(FACTORS))


def people_without_mfa(organization: Organization) -> int:
    """How many people of ``organization`` have neither an authenticator app nor a security key (one query)."""
    with_mfa = Authenticator.objects.filter(type__in=FACTORS).values("user_id")
    return Membership.objects.filter(organization=organization).exclude(user_id__in=with_mfa).count()


# --- the organization's rule ----------------------------------------------------------------------------


def organization_require_mfa_set(*, actor, organization: Organization, required: bool) -> Organization:
    """Require MFA of everyone in ``organization`` (``required=True``) or stop requiring it. Admins only.

    Turning it on needs the admin to have MFA themselves; people without it are sent to set it up the next
    time they open a page in this organization.
    """
    with transaction.atomic():
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        require_role(actor, organization, (Membership.Role.ADMIN,))
        if required and not has_mfa(actor):
            raise ValidationError(
                "Set up two-factor authentication for yourself first: everyone in the organization, "
                "you included, will need it."
            )
        if organization.require_mfa != required:
            organization.require_mfa = required
            organization.save(update_fields=["require_mfa"])
    return organization


# --- enforcement ----------------------------------------------------------------------------------------


def _exempt(request) -> bool:
    """The pages a person held by the rule may still open: their account and MFA pages (allauth's, under
    ``/accounts/``, logout included), static files, and the organization switcher (to work in another
    organization that does not require MFA)."""
    from django.conf import settings

    path = request.path_info
    allowed = (
        "/accounts/",
        "/" + settings.STATIC_URL.lstrip("/"),
        "/" + settings.MEDIA_URL.lstrip("/"),
        reverse("portal:switch_organization"),
    )
    return path.startswith(allowed)


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


class MFARequiredMiddleware:
    """Holds a person without MFA at the MFA page while they work in an organization that requires it.

    Runs after ``CurrentOrganizationMiddleware`` (it reads ``request.organization``). Sets
    ``request.mfa_required`` (the MFA pages say why the person is there). The API answers 403 with a JSON
    error instead of a redirect; an htmx request (the bell) gets a bare 403 rather than a page to swap in.
    One query, only for people whose current organization requires MFA.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.mfa_required = False
        organization = getattr(request, "organization", None)
        if organization is not None and organization.require_mfa and not has_mfa(request.user):
            request.mfa_required = True
            if not _exempt(request):
                return self._refuse(request, organization)
        return self.get_response(request)

    def _refuse(self, request, organization):
        message = f"{organization.name} requires two-factor authentication. Set it up to continue."
        if _is_api(request):
            return JsonResponse({"detail": message, "code": "mfa_required"}, status=403)
        if getattr(request, "htmx", False):
            return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")
        return redirect("mfa_index")


# --- the code forms: allauth's limit on failed codes answers 429 -------------------------------------------


def _refuse_when_locked_out(user) -> None:
    """allauth counts failed codes per person (``login_failed``, the key its own check uses); once the limit
    is reached, answer 429 (without counting this attempt) instead of checking the code."""
    request = context.request
    key = f"mfa-auth-user-{user.pk}"
    if not ratelimit.consume(request, app="allauth.account", action="login_failed", key=key, dry_run=True):
        raise ImmediateHttpResponse(ratelimit.respond_429(request))


class AuthenticateForm(allauth_forms.AuthenticateForm):
    def clean_code(self) -> str:
        _refuse_when_locked_out(self.user)
        return super().clean_code()


class ReauthenticateForm(allauth_forms.ReauthenticateForm):
    def clean_code(self) -> str:
        _refuse_when_locked_out(self.user)
        return super().clean_code()
