"""SAML 2.0 identity providers, run by allauth's SAML provider.

- ``app_settings(idp)``: the ``SocialApp.settings`` allauth needs for an ``IdentityProvider`` of protocol SAML.
  The SocialApp itself is ``provider="saml"``, ``provider_id=idp.slug`` and ``client_id=idp.slug``: allauth finds
  the app by ``client_id`` (the ``<organization_slug>`` in ``/accounts/saml/<slug>/…``) and stores social accounts
  under ``provider_id``, so two IdPs that issue the same subject never share an account.
- ``acs``: allauth's assertion consumer service, with replay protection in front of it. python3-saml checks the
  signature, audience, destination and validity window of an assertion but keeps no memory of the assertions it
  has accepted. allauth refuses a response to an SP-initiated login whose state was already used, but an
  IdP-initiated response carries no state, and a captured response could be posted again until it expires. So
  the ID of every valid assertion is remembered until its ``NotOnOrAfter`` (plus the allowed clock drift), and an
  assertion seen before is refused. It is remembered in the database (``SamlAssertion``), not the cache: the
  check holds across web processes and through a Redis outage, where a cache would degrade to remembering nothing.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import timedelta

from allauth.socialaccount.helpers import render_authentication_error
from allauth.socialaccount.providers.saml import views as allauth_saml_views
from allauth.socialaccount.providers.saml.utils import build_auth, get_app_or_404
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

from core import outbound
from identity.services import saml_assertion_remember

logger = logging.getLogger(__name__)

# Attribute names as IdPs send them: the OIDs of eduPerson/inetOrgPerson (SimpleSAMLphp, Shibboleth, Keycloak),
# the WS-Federation claim URIs (Entra ID, ADFS, Okta) and the plain LDAP names. allauth takes the first present.
ATTRIBUTE_MAPPING = {
    "uid": [
        "urn:oasis:names:tc:SAML:attribute:subject-id",
        "urn:oid:0.9.2342.19200300.100.1.1",
        "http://schemas.microsoft.com/identity/claims/objectidentifier",
        "uid",
    ],
    "email": [
        "urn:oid:0.9.2342.19200300.100.1.3",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "mail",
        "email",
    ],
    "first_name": [
        "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "givenName",
        "first_name",
    ],
    "last_name": [
        "urn:oid:2.5.4.4",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "sn",
        "last_name",
    ],
}

# When an assertion carries no NotOnOrAfter (strict mode requires one on the bearer confirmation, so this is a
# fallback only), remember it this long.
REPLAY_FALLBACK_SECONDS = 60 * 60


REPLAY_MESSAGE = "This sign-in response was already used. Start again from the login page."


class SamlReplayError(Exception):
    """An assertion Onepane accepted before was posted again."""


class SamlMetadataError(ValueError):
    """The IdP metadata cannot be used: not SAML metadata, no such entity, no SSO URL or no signing key."""


def sp_entity_id(idp) -> str:
    """Onepane's entity id towards this IdP: the absolute URL of its SP metadata, as the IdP admin sees it."""
    path = reverse("saml_metadata", kwargs={"organization_slug": idp.slug})
    return settings.ONEPANE_BASE_URL.rstrip("/") + path


def idp_settings_from_xml(metadata_xml: str, entity_id: str = "") -> dict:
    """The allauth ``idp`` block (entity_id, sso_url, slo_url, x509cert) from IdP metadata XML."""
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(metadata_xml, entity_id=entity_id or None)
    except Exception as exc:  # lxml and the parser raise several kinds for bad input
        raise SamlMetadataError(f"The IdP metadata is not valid SAML metadata: {exc}") from exc
    idp = parsed.get("idp") or {}
    if not idp.get("entityId"):
        raise SamlMetadataError(
            f"The metadata has no IdP entity {entity_id!r}." if entity_id else "The metadata has no IdP entity."
        )
    sso_url = (idp.get("singleSignOnService") or {}).get("url")
    if not sso_url:
        raise SamlMetadataError("The IdP metadata has no single sign-on URL for the HTTP-Redirect binding.")
    cert = idp.get("x509cert")
    if not cert:
        # Several keys (a rollover in progress): allauth takes one, the first signing key.
        signing = (idp.get("x509certMulti") or {}).get("signing") or []
        cert = signing[0] if signing else ""
    if not cert:
        raise SamlMetadataError("The IdP metadata has no signing certificate.")
    result = {"entity_id": idp["entityId"], "sso_url": sso_url, "x509cert": cert}
    slo_url = (idp.get("singleLogoutService") or {}).get("url")
    if slo_url:
        result["slo_url"] = slo_url
    return result


def metadata_fetch(url: str) -> str:
    """The IdP metadata XML at ``url``, fetched through the guarded client."""
    try:
        return outbound.fetch(url, headers={"Accept": "application/samlmetadata+xml, application/xml"}).text
    except outbound.OutboundError as exc:
        raise SamlMetadataError(f"The IdP metadata could not be fetched: {exc}") from None


def app_settings(idp, *, allow_idp_initiated: bool = False) -> dict:
    """``SocialApp.settings`` for a SAML ``IdentityProvider``.

    The IdP comes from its metadata URL or, without one, from the pasted metadata XML. The URL is fetched here,
    through the guarded client (``core.outbound``), and what it says is stored: allauth is never handed a
    ``metadata_url``, which it would fetch itself, unguarded. ``identity_provider_refresh_metadata`` fetches it
    again. Assertions must be signed and are checked strictly; IdP-initiated logins are refused unless allowed.
    """
    if idp.metadata_url:
        idp_block = idp_settings_from_xml(metadata_fetch(idp.metadata_url), idp.idp_entity_id)
    elif idp.metadata_xml:
        idp_block = idp_settings_from_xml(idp.metadata_xml, idp.idp_entity_id)
    else:
        raise SamlMetadataError("A SAML identity provider needs its metadata URL or its metadata XML.")
    return {
        "idp": idp_block,
        "sp": {"entity_id": sp_entity_id(idp)},
        "attribute_mapping": ATTRIBUTE_MAPPING,
        "advanced": {
            "strict": True,
            "want_assertion_signed": True,
            "want_message_signed": False,
            "reject_deprecated_algorithm": True,
            "reject_idp_initiated_sso": not allow_idp_initiated,
            "digest_algorithm": OneLogin_Saml2_Constants.SHA256,
            "signature_algorithm": OneLogin_Saml2_Constants.RSA_SHA256,
        },
    }


def assertion_remember(*, idp_entity_id: str, assertion_id: str, not_on_or_after: int | None) -> bool:
    """Remember an accepted assertion until it expires. False if it was already remembered (a replay)."""
    digest = hashlib.sha256(f"{idp_entity_id}\n{assertion_id}".encode()).hexdigest()
    if not_on_or_after:
        timeout = int(not_on_or_after - time.time()) + OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT
    else:
        timeout = REPLAY_FALLBACK_SECONDS
    return saml_assertion_remember(digest=digest, expires_at=timezone.now() + timedelta(seconds=max(timeout, 1)))


@csrf_exempt
def acs(request: HttpRequest, organization_slug: str) -> HttpResponse:
    """allauth's ACS, refusing an assertion that was accepted before.

    The response is validated here as allauth will validate it; only a valid assertion is remembered (an invalid
    one is left for allauth to refuse with its own message), so nobody can block an assertion in advance.
    """
    if request.method == "POST" and request.POST.get("SAMLResponse"):
        provider = get_app_or_404(request, organization_slug).get_provider(request)
        auth = build_auth(request, provider)
        try:
            auth.process_response(request_id=None)
        except Exception:  # allauth reports the same failure to the person
            valid = False
        else:
            valid = not auth.get_errors() and auth.is_authenticated()
        if valid and not assertion_remember(
            idp_entity_id=auth.get_settings().get_idp_data()["entityId"],
            assertion_id=auth.get_last_assertion_id(),
            not_on_or_after=auth.get_last_assertion_not_on_or_after(),
        ):
            logger.warning("SAML assertion %s from %s replayed", auth.get_last_assertion_id(), organization_slug)
            return render_authentication_error(
                request,
                provider,
                exception=SamlReplayError(REPLAY_MESSAGE),
                extra_context={"saml_errors": ["replayed_assertion"], "saml_last_error_reason": REPLAY_MESSAGE},
            )
    return allauth_saml_views.acs(request, organization_slug=organization_slug)
