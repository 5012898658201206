"""Single sign-on pages.

- ``sso_settings`` (/settings/sso/): the current organization's admins set up its identity provider (OpenID
  Connect or SAML 2.0), enable or disable it, and claim email domains (pending until a platform admin verifies
  them in the admin or, where DNS verification is on, until the TXT record the page names is published and
  checked). The page shows what to give the IdP: the redirect URI (OIDC) or the SP metadata (SAML).
- ``sso_start`` (/settings/sso/start/): home-realm discovery. The login form posts here: an email of a verified
  domain of an organization with an enabled IdP goes straight to that IdP (the login starts from this POST, so
  no GET ever starts one); any other email goes on to the password login, with the email filled in.
- ``oidc_login`` (/accounts/oidc/<slug>/login/): allauth's, with the same clear page when the IdP cannot be
  fetched (``core.outbound`` refused its address, or it is down).
"""

from __future__ import annotations

import logging

import requests
from allauth.account.views import login as password_login
from allauth.socialaccount.providers.base import AuthProcess
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods

from core import outbound
from core.views import organization_required
from identity import selectors_sso, services
from identity.forms_sso import DomainForm, IdentityProviderForm
from identity.models import IdentityProvider
from vendors.models import Membership
from vendors.services import require_role

logger = logging.getLogger(__name__)


def redirect_uri(request, idp: IdentityProvider) -> str:
    """What the organization's admin registers at the IdP."""
    if idp.protocol == IdentityProvider.Protocol.OIDC:
        path = reverse("openid_connect_callback", kwargs={"provider_id": idp.slug})
    else:
        try:
            path = reverse("saml_acs", kwargs={"organization_slug": idp.slug})
        except NoReverseMatch:
            return ""
    return request.build_absolute_uri(path)


def _saml_metadata_url(request, idp: IdentityProvider) -> str:
    if idp.protocol != IdentityProvider.Protocol.SAML:
        return ""
    try:
        return request.build_absolute_uri(reverse("saml_metadata", kwargs={"organization_slug": idp.slug}))
    except NoReverseMatch:
        return ""


def _provider_initial(idp: IdentityProvider | None, organization) -> dict:
    if idp is None:
        return {
            "protocol": IdentityProvider.Protocol.OIDC,
            "name": f"{organization.name} sign-on"[:100],
            "default_role": Membership.Role.MEMBER,
            "enabled": True,
        }
    fields = ("protocol", "name", "default_role", "enabled", "issuer_url", "client_id", "metadata_url")
    return {name: getattr(idp, name) for name in fields} | {
        "metadata_xml": idp.metadata_xml,
        "idp_entity_id": idp.idp_entity_id,
    }


@organization_required
def sso_settings(request):
    organization = request.organization
    require_role(request.user, organization, (Membership.Role.ADMIN,))
    idp = selectors_sso.identity_providers_of(organization).first()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    provider_form = IdentityProviderForm(
        request.POST if action == "provider" else None, initial=_provider_initial(idp, organization)
    )
    domain_form = DomainForm(
        request.POST if action == "domain_add" else None, txt_verification=services.txt_verification_enabled()
    )
    status = 200

    if action == "provider" and provider_form.is_valid():
        try:
            idp = services.identity_provider_save(
                actor=request.user, organization=organization, idp=idp, **provider_form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(provider_form, exc)
            status = 400
        else:
            messages.success(request, f"{idp.name} is saved{' and enabled' if idp.enabled else ' (disabled)'}.")
            return redirect("identity:sso")
    elif action == "provider":
        status = 400
    elif action == "domain_add" and domain_form.is_valid():
        try:
            domain = services.domain_add(
                actor=request.user, organization=organization, domain=domain_form.cleaned_data["domain"]
            )
        except ValidationError as exc:
            _add_errors(domain_form, exc)
            status = 400
        else:
            if services.txt_verification_enabled():
                messages.success(request, f"{domain.domain} is added. Publish its TXT record below to verify it.")
            else:
                messages.success(request, f"{domain.domain} is added. A platform admin verifies it before it is used.")
            return redirect("identity:sso")
    elif action == "domain_add":
        status = 400
    elif action == "domain_remove":
        domain = selectors_sso.domains_of(organization).filter(pk=_int(request.POST.get("domain"))).first()
        if domain is None:
            raise Http404
        services.domain_remove(actor=request.user, domain=domain)
        messages.success(request, f"{domain.domain} is removed.")
        return redirect("identity:sso")
    elif action == "domain_check":
        domain = selectors_sso.domains_of(organization).filter(pk=_int(request.POST.get("domain"))).first()
        if domain is None:
            raise Http404
        try:
            result = services.domain_check_txt(actor=request.user, domain=domain)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            (messages.success if result.verified else messages.error)(request, result.message)
        return redirect("identity:sso")
    elif request.method == "POST":
        status = 400

    return render(
        request,
        "identity/sso.html",
        {
            "organization": organization,
            "idp": idp,
            "provider_form": provider_form,
            "domain_form": domain_form,
            "domains": list(selectors_sso.domains_of(organization)),
            "txt_verification": services.txt_verification_enabled(),
            "redirect_uri": redirect_uri(request, idp) if idp else "",
            "saml_metadata_url": _saml_metadata_url(request, idp) if idp else "",
        },
        status=status,
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _unreachable(request, idp: IdentityProvider | None, exc: Exception):
    logger.warning("Identity provider %s not fetched: %s", idp.slug if idp else "?", exc)
    name = f"{idp.name}, your organization's identity provider" if idp else "your organization's identity provider"
    if isinstance(exc, outbound.OutboundError):
        message = f"Onepane could not use {name}: {exc} Ask your administrator to check the single sign-on settings."
    else:
        message = f"Onepane could not reach {name}. Try again in a moment, or ask your administrator."
    return render(
        request, "identity/sso_error.html", {"title": "Single sign-on failed", "message": message}, status=502
    )


def oidc_login(request, provider_id: str):
    """allauth's OpenID Connect login (/accounts/oidc/<slug>/login/), with a clear page when the IdP's discovery
    document cannot be fetched (allauth lets that exception through): refused by ``core.outbound`` or down."""
    from allauth.socialaccount.providers.openid_connect.views import login

    try:
        return login(request, provider_id)
    except (requests.RequestException, ValueError, KeyError) as exc:
        idp = IdentityProvider.objects.filter(slug=provider_id).first()
        return _unreachable(request, idp, exc)


@require_http_methods(["GET", "POST"])
def sso_start(request):
    """The login form's first step: the email decides between the organization's IdP and a password."""
    if request.method == "GET":
        return redirect("account_login")
    email = (request.POST.get("login") or "").strip()
    idp = selectors_sso.identity_provider_for_email(email)
    if idp is not None:
        provider = idp.social_app.get_provider(request)
        try:
            return provider.redirect(request, AuthProcess.LOGIN, next_url=_next_url(request) or None)
        except (requests.RequestException, ValueError, KeyError) as exc:
            return _unreachable(request, idp, exc)
    if email and not request.POST.get("password"):
        query = {"email": email}
        if next_url := _next_url(request):
            query["next"] = next_url
        return redirect(f"{reverse('account_login')}?{urlencode(query)}")
    # A password was typed (or no email): allauth's own login, with its rate limits and messages.
    return password_login(request)
