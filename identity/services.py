"""Writes for single sign-on: an organization's identity provider and its verified email domains.

- ``identity_provider_save``: create or change an organization's IdP (OpenID Connect or SAML 2.0) and keep the
  allauth ``SocialApp`` that runs the protocol in step with it, in one transaction. allauth only ever reads the
  SocialApp; this module is the only place that writes it.
- ``identity_provider_refresh_metadata``: fetch a SAML IdP's metadata URL again (the beat, every few hours).
- ``identity_provider_set_enabled``: switch an IdP on or off (at most one enabled per organization).
- ``domain_add`` / ``domain_remove``: an organization's admin claims an email domain (pending) or drops one.
  A pending claim blocks nobody: several organizations may claim the same domain while none has proven it.
- ``saml_assertion_remember``: remember an accepted SAML assertion until it expires (replay protection).
- ``domain_verify``: a platform admin verifies a pending claim, after checking out of band that the
  organization owns the domain (the admin's "verify" action). The domain is then that organization's only: the
  other organizations' pending claims of it are dropped and their admins told. Only verified domains route
  people to an IdP and let an IdP provision or link accounts.
- ``domain_check_txt``: where ``ONEPANE_DOMAIN_TXT_VERIFICATION`` is on, the organization's admin proves a claim
  itself: Onepane looks up the TXT record ``_onepane-challenge.<domain>`` and, if it holds the claim's
  ``onepane-domain-verification=<token>``, verifies the claim as ``domain_verify`` does. The beat does the same
  for pending claims (``domains_check_txt_pending``).
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from core import outbound
from core.events import publish
from identity import dnstxt
from identity.events import DomainVerified
from identity.models import IdentityProvider, SamlAssertion, VerifiedDomain
from vendors.models import Membership, Organization
from vendors.services import require_role

logger = logging.getLogger(__name__)
Protocol = IdentityProvider.Protocol
ADMIN_ONLY = (Membership.Role.ADMIN,)

# allauth's SocialApp columns are shorter than ours.
SOCIAL_APP_NAME_MAX = 40
SOCIAL_APP_SECRET_MAX = 191

# Mailbox providers anyone can get an address at: claiming one would route strangers to one company's IdP.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.com",
        "yandex.ru",
        "qq.com",
    }
)
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")


# --- identity providers ---------------------------------------------------------------------------------------


def _check_fetchable(url: str, field: str, label: str) -> None:
    """Refuse, as a field error, a URL Onepane will not fetch: not https, or on a private or local network.

    Checked again at every fetch (``core.outbound``): DNS can change after the save. A name that does not
    resolve yet is accepted here, for an IdP whose DNS is set up after it is configured.
    """
    try:
        outbound.check_url(url)
    except outbound.HostNotFound:
        pass
    except outbound.SchemeRefused:
        raise ValidationError({field: f"{label} must be an https:// address."}) from None
    except outbound.OutboundRefused as exc:
        raise ValidationError({field: str(exc)}) from None


def _clean_issuer(issuer_url: str) -> str:
    issuer_url = (issuer_url or "").strip().rstrip("/")
    if not issuer_url:
        raise ValidationError(
            {"issuer_url": "Enter the issuer URL your identity provider shows, e.g. https://login.example.com."}
        )
    parts = urlsplit(issuer_url)
    _check_fetchable(issuer_url, "issuer_url", "The issuer URL")
    if parts.query or parts.fragment:
        raise ValidationError({"issuer_url": "The issuer URL has no query string or fragment."})
    suffix = "/.well-known/openid-configuration"
    if issuer_url.endswith(suffix):
        issuer_url = issuer_url[: -len(suffix)]
    return issuer_url


def _unique_slug(organization: Organization) -> str:
    base = slugify(organization.slug or organization.name)[:70] or "idp"
    slug, n = base, 1
    while IdentityProvider.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _social_app_fields(idp: IdentityProvider) -> dict:
    if idp.protocol == Protocol.OIDC:
        return {
            "provider": "openid_connect",
            "provider_id": idp.slug,
            "name": idp.name[:SOCIAL_APP_NAME_MAX],
            "client_id": idp.client_id,
            "secret": idp.client_secret,
            "settings": {"server_url": idp.issuer_url, "oauth_pkce_enabled": True},
        }
    try:
        from identity import saml
    except ImportError:
        saml = None
    if saml is None or not hasattr(saml, "app_settings"):
        raise ValidationError("SAML 2.0 is not available on this installation yet: use OpenID Connect.")
    try:
        app_settings = saml.app_settings(idp)
    except ValueError as exc:  # the metadata cannot be fetched or used (saml.SamlMetadataError)
        raise ValidationError({"metadata_url" if idp.metadata_url else "metadata_xml": str(exc)}) from None
    # allauth finds a SAML app by client_id (the slug in /accounts/saml/<slug>/...).
    return {
        "provider": "saml",
        "provider_id": idp.slug,
        "name": idp.name[:SOCIAL_APP_NAME_MAX],
        "client_id": idp.slug,
        "secret": "",
        "settings": app_settings,
    }


def _sync_social_app(idp: IdentityProvider) -> None:
    from allauth.socialaccount.models import SocialApp

    fields = _social_app_fields(idp)
    app = idp.social_app or SocialApp()
    for name, value in fields.items():
        setattr(app, name, value)
    app.save()
    if idp.social_app_id != app.pk:
        idp.social_app = app
        idp.save(update_fields=["social_app"])


def _other_enabled(idp: IdentityProvider) -> IdentityProvider | None:
    return IdentityProvider.objects.filter(organization_id=idp.organization_id, enabled=True).exclude(pk=idp.pk).first()


@transaction.atomic
def identity_provider_save(
    *,
    actor,
    organization: Organization,
    protocol: str,
    name: str,
    default_role: str = Membership.Role.MEMBER,
    enabled: bool = True,
    issuer_url: str = "",
    client_id: str = "",
    client_secret: str = "",
    metadata_url: str = "",
    metadata_xml: str = "",
    idp_entity_id: str = "",
    idp: IdentityProvider | None = None,
) -> IdentityProvider:
    """Create (``idp=None``) or change an organization's identity provider, and its allauth SocialApp.

    An organization admin (or a platform admin) only. A blank ``client_secret`` when changing an OpenID
    Connect provider keeps the stored one. Only one provider of an organization can be enabled at a time.
    """
    require_role(actor, organization, ADMIN_ONLY)
    if idp is not None and idp.organization_id != organization.pk:
        raise PermissionDenied("This identity provider belongs to another organization.")
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Name the identity provider, e.g. “Initech Okta”: people see it when they log in."
    if protocol not in Protocol.values:
        errors["protocol"] = "Choose OpenID Connect or SAML 2.0."
    if default_role not in Membership.Role.values:
        errors["default_role"] = "Choose admin, manager or member."
    if errors:
        raise ValidationError(errors)

    if idp is None:
        idp = IdentityProvider(organization=organization, created_by=actor, slug=_unique_slug(organization))
    idp.protocol = protocol
    idp.name = name
    idp.default_role = default_role
    idp.enabled = bool(enabled)
    idp.updated_at = timezone.now()

    if protocol == Protocol.OIDC:
        idp.issuer_url = _clean_issuer(issuer_url)
        client_id = (client_id or "").strip()
        if not client_id:
            raise ValidationError({"client_id": "Enter the client ID your identity provider gave Onepane."})
        if len(client_id) > SOCIAL_APP_SECRET_MAX:
            raise ValidationError({"client_id": f"A client ID has at most {SOCIAL_APP_SECRET_MAX} characters."})
        idp.client_id = client_id
        client_secret = (client_secret or "").strip()
        if client_secret:
            if len(client_secret) > SOCIAL_APP_SECRET_MAX:
                raise ValidationError(
                    {"client_secret": f"A client secret has at most {SOCIAL_APP_SECRET_MAX} characters."}
                )
            idp.client_secret = client_secret
        elif not idp.client_secret:
            raise ValidationError({"client_secret": "Enter the client secret your identity provider gave Onepane."})
        idp.metadata_url = idp.metadata_xml = idp.idp_entity_id = ""
    else:
        idp.metadata_url = (metadata_url or "").strip()
        idp.metadata_xml = (metadata_xml or "").strip()
        idp.idp_entity_id = (idp_entity_id or "").strip()
        if not (idp.metadata_url or idp.metadata_xml):
            raise ValidationError({"metadata_url": "Enter the IdP metadata URL, or paste its metadata XML."})
        if idp.metadata_url:
            _check_fetchable(idp.metadata_url, "metadata_url", "The metadata URL")
        idp.issuer_url = idp.client_id = idp.client_secret = ""

    if idp.enabled:
        other = _other_enabled(idp)
        if other is not None:
            raise ValidationError(
                {"enabled": f"{other.name} is enabled. Only one identity provider can be enabled: disable it first."}
            )
    idp.save()
    _sync_social_app(idp)
    return idp


def identity_provider_refresh_metadata(*, idp: IdentityProvider) -> bool:
    """Fetch a SAML IdP's metadata URL again (a signing key rollover) and store what it says in allauth's app.

    For the beat, so no actor: it changes nothing the organization's admin chose. When the metadata cannot be
    fetched or used (the address now resolves to a private network, the IdP is down), the stored settings stay
    and the failure is logged; returns whether they were refreshed.
    """
    if idp.protocol != Protocol.SAML or not idp.metadata_url or idp.social_app_id is None:
        return False
    from identity import saml

    try:
        app_settings = saml.app_settings(idp)
    except saml.SamlMetadataError as exc:
        logger.warning("SAML metadata of %s not refreshed: %s", idp.slug, exc)
        return False
    with transaction.atomic():
        app = type(idp.social_app).objects.select_for_update().get(pk=idp.social_app_id)
        # Keep what was set on the app beyond the metadata (e.g. IdP-initiated logins allowed).
        app.settings = {**app.settings, "idp": app_settings["idp"]}
        app.save(update_fields=["settings"])
    return True


def identity_providers_refresh_metadata() -> int:
    """Refresh the metadata of every enabled SAML IdP configured by URL; the number refreshed."""
    idps = IdentityProvider.objects.filter(protocol=Protocol.SAML, enabled=True).exclude(metadata_url="")
    return sum(identity_provider_refresh_metadata(idp=idp) for idp in idps.select_related("social_app"))


@transaction.atomic
def identity_provider_set_enabled(*, actor, idp: IdentityProvider, enabled: bool) -> IdentityProvider:
    require_role(actor, idp.organization, ADMIN_ONLY)
    idp = IdentityProvider.objects.select_for_update().get(pk=idp.pk)
    if enabled and not idp.enabled:
        other = _other_enabled(idp)
        if other is not None:
            raise ValidationError(
                f"{other.name} is enabled. Only one identity provider can be enabled: disable it first."
            )
    idp.enabled = bool(enabled)
    idp.updated_at = timezone.now()
    idp.save(update_fields=["enabled", "updated_at"])
    return idp


def saml_assertion_remember(*, digest: str, expires_at: datetime) -> bool:
    """Remember an accepted SAML assertion until ``expires_at``. False if it is remembered already (a replay).

    Assertions past their expiry are forgotten first (python3-saml refuses them anyway); the unique digest
    decides between two requests racing with the same assertion: one wins."""
    SamlAssertion.objects.filter(expires_at__lte=timezone.now()).delete()
    try:
        with transaction.atomic():
            SamlAssertion.objects.create(digest=digest, expires_at=expires_at)
    except IntegrityError:
        return False
    return True


# --- verified domains -----------------------------------------------------------------------------------------


def clean_domain(domain: str) -> str:
    domain = (domain or "").strip().lower().rstrip(".")
    if "@" in domain:
        domain = domain.rpartition("@")[2]
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError({"domain": "Enter a domain name, e.g. initech.example."}) from None
    if not DOMAIN_RE.match(domain):
        raise ValidationError({"domain": "Enter a domain name, e.g. initech.example."})
    return domain


VERIFIED_ELSEWHERE = "{domain} is verified for another organization on Onepane."


@transaction.atomic
def domain_add(*, actor, organization: Organization, domain: str) -> VerifiedDomain:
    """Claim an email domain for the organization. It stays pending until a platform admin verifies it; other
    organizations' pending claims of it do not stand in the way, a verified one does."""
    require_role(actor, organization, ADMIN_ONLY)
    domain = clean_domain(domain)
    if domain in PUBLIC_MAIL_DOMAINS:
        raise ValidationError({"domain": f"{domain} is a public mailbox provider: anyone can have an address there."})
    claims = VerifiedDomain.objects.filter(domain=domain)
    if claims.filter(organization=organization).exists():
        raise ValidationError({"domain": f"{organization.name} has already added {domain}."})
    if claims.filter(verified_at__isnull=False).exists():
        # Whose it is stays private; a platform admin can move it if the claim is wrong.
        raise ValidationError({"domain": VERIFIED_ELSEWHERE.format(domain=domain)})
    try:
        with transaction.atomic():
            return VerifiedDomain.objects.create(
                organization=organization, domain=domain, verification_token=secrets.token_urlsafe(24)
            )
    except IntegrityError:  # added at the same moment by another admin of the organization
        raise ValidationError({"domain": f"{organization.name} has already added {domain}."}) from None


@transaction.atomic
def domain_verify(*, actor, domain: VerifiedDomain) -> VerifiedDomain:
    """A platform admin confirms the organization owns the domain (checked out of band). The domain becomes
    that organization's: the other pending claims of it are dropped, and their organizations' admins told."""
    if not (actor is not None and actor.is_authenticated and actor.is_superuser):
        raise PermissionDenied("Only platform admins verify domains.")
    return _give_domain(domain=domain, verified_by=actor, teller=actor)


def _give_domain(*, domain: VerifiedDomain, verified_by, teller, dns_check: str = "") -> VerifiedDomain:
    """Verify one claim, in the caller's transaction: the one path of the admin's action and of DNS proof."""
    # Every claim of the name, locked in one order: two admins verifying rival claims wait for each other.
    claims = list(VerifiedDomain.objects.select_for_update().filter(domain=domain.domain).order_by("pk"))
    domain = next((c for c in claims if c.pk == domain.pk), None)
    if domain is None:
        raise ValidationError("This claim was dropped: another organization's claim of the domain was verified.")
    if domain.verified_at is not None:
        return domain
    if any(c.verified_at is not None for c in claims):
        raise ValidationError(
            f"{domain.domain} is already verified for another organization. Remove that claim first if it is wrong."
        )
    domain.verified_at = timezone.now()
    domain.verified_by = verified_by
    fields = ["verified_at", "verified_by"]
    if dns_check:
        domain.dns_checked_at, domain.dns_check = domain.verified_at, dns_check
        fields += ["dns_checked_at", "dns_check"]
    domain.save(update_fields=fields)
    dropped = [c for c in claims if c.pk != domain.pk]
    if dropped:
        VerifiedDomain.objects.filter(pk__in=[c.pk for c in dropped]).delete()
    # The admins of the organizations whose claims were dropped are told (identity/subscribers.py).
    publish(DomainVerified(domain=domain, actor=teller, dropped=tuple(c.organization for c in dropped)))
    return domain


@transaction.atomic
def domain_remove(*, actor, domain: VerifiedDomain) -> None:
    require_role(actor, domain.organization, ADMIN_ONLY)
    domain.delete()


# --- DNS proof of a claim -------------------------------------------------------------------------------------

TxtCheck = VerifiedDomain.TxtCheck


def txt_verification_enabled() -> bool:
    """Whether organizations may prove their claims with a DNS TXT record (``ONEPANE_DOMAIN_TXT_VERIFICATION``)."""
    return bool(settings.ONEPANE_DOMAIN_TXT_VERIFICATION)


@dataclass(frozen=True)
class TxtCheckResult:
    """The outcome of one check of a claim's TXT record, with the sentence its organization's admin reads."""

    domain: VerifiedDomain
    outcome: str  # a VerifiedDomain.TxtCheck value
    message: str

    @property
    def verified(self) -> bool:
        return self.outcome == TxtCheck.VERIFIED


def txt_check_message(domain: VerifiedDomain, outcome: str) -> str:
    name, value = domain.txt_record_name, domain.txt_record_value
    if outcome == TxtCheck.VERIFIED:
        return (
            f"{domain.domain} is verified: the TXT record at {name} matches. Addresses of {domain.domain} now log "
            "in through your identity provider."
        )
    if outcome == TxtCheck.NOT_FOUND:
        return (
            f"No TXT record at {name} yet. Publish one with the value {value} at your DNS provider; a new record "
            "can take a while to be seen. Onepane checks again regularly, or check now once it is published."
        )
    if outcome == TxtCheck.WRONG_VALUE:
        return (
            f"{name} has a TXT record, but not the value of this claim. Publish a TXT record with the value {value} "
            "(exactly, in one record) and check again."
        )
    if outcome == TxtCheck.TIMEOUT:
        return f"The DNS servers did not answer in time when looking up {name}. Try again in a few minutes."
    return f"The DNS lookup of {name} failed (the DNS servers answered with an error). Try again in a few minutes."


def domain_check_txt(*, actor, domain: VerifiedDomain) -> TxtCheckResult:
    """The organization's admin asks Onepane to look up the claim's TXT record now; a matching record verifies
    the claim as a platform admin's ``domain_verify`` does (the rivals dropped and told). The outcome is kept on
    the claim for its page. The lookup runs outside any transaction: nothing stays locked while DNS is asked."""
    require_role(actor, domain.organization, ADMIN_ONLY)
    if not txt_verification_enabled():
        raise ValidationError("DNS verification is not turned on here: a platform admin verifies domains.")
    if domain.is_verified:
        return TxtCheckResult(domain, TxtCheck.VERIFIED, f"{domain.domain} is verified.")
    return _check_txt(domain=domain, lookup=dnstxt.txt_lookup(domain.txt_record_name), verified_by=actor)


def _check_txt(*, domain: VerifiedDomain, lookup: dnstxt.Lookup, verified_by) -> TxtCheckResult:
    if lookup.outcome == dnstxt.FOUND:
        outcome = TxtCheck.VERIFIED if domain.txt_record_value in lookup.values else TxtCheck.WRONG_VALUE
    else:
        outcome = {dnstxt.NOT_FOUND: TxtCheck.NOT_FOUND, dnstxt.TIMEOUT: TxtCheck.TIMEOUT}.get(
            lookup.outcome, TxtCheck.FAILED
        )
    if outcome == TxtCheck.VERIFIED:
        try:
            with transaction.atomic():
                # The rivals are told without a name: who proved the domain stays private, as in domain_add.
                domain = _give_domain(domain=domain, verified_by=verified_by, teller=None, dns_check=outcome)
        except ValidationError as exc:  # a rival's claim was verified meanwhile
            return TxtCheckResult(domain, TxtCheck.FAILED, exc.messages[0])
    else:
        now = timezone.now()
        VerifiedDomain.objects.filter(pk=domain.pk, verified_at__isnull=True).update(
            dns_checked_at=now, dns_check=outcome
        )
        domain.dns_checked_at, domain.dns_check = now, outcome
    return TxtCheckResult(domain, outcome, txt_check_message(domain, outcome))


def domains_check_txt_pending(*, limit: int | None = None) -> dict:
    """Beat: look up the TXT records of the pending claims checked longest ago (never checked first), at most
    ``limit`` (``ONEPANE_DOMAIN_TXT_CHECK_BATCH``) a run, and verify those whose record is published. Safe to run
    twice: a verified claim is no longer pending, and rival claims of one name share one lookup."""
    if not txt_verification_enabled():
        return {"checked": 0, "verified": 0}
    limit = settings.ONEPANE_DOMAIN_TXT_CHECK_BATCH if limit is None else limit
    pending = list(
        VerifiedDomain.objects.filter(verified_at__isnull=True)
        .select_related("organization")
        .order_by(F("dns_checked_at").asc(nulls_first=True), "pk")[:limit]
    )
    lookups: dict[str, dnstxt.Lookup] = {}
    verified = 0
    for domain in pending:
        if domain.domain not in lookups:
            lookups[domain.domain] = dnstxt.txt_lookup(domain.txt_record_name)
        verified += _check_txt(domain=domain, lookup=lookups[domain.domain], verified_by=None).verified
    return {"checked": len(pending), "verified": verified}
