"""Who may sign in how.

- ``IdentityProvider``: an organization's own IdP (OpenID Connect or SAML 2.0). Saving one (through
  ``services``) keeps an allauth ``SocialApp`` in step with it, so allauth runs the protocol.
- ``VerifiedDomain``: an email domain an organization has proven it owns. Home-realm discovery sends people of
  that domain to the organization's IdP; just-in-time provisioning and account linking accept only emails of
  the IdP's own organization's verified domains. Where DNS verification is on, the organization proves a claim
  itself with a TXT record (``txt_record_name`` = ``txt_record_value``); the last lookup's outcome is kept.
- ``ApiToken``: a personal token for the REST API. Only a hash of it is stored; it sees what its owner sees.
- ``SamlAssertion``: a SAML assertion Onepane accepted, remembered until it expires so it is never accepted again.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from vendors.models import Membership, Organization


class IdentityProvider(models.Model):
    class Protocol(models.TextChoices):
        OIDC = "oidc", "OpenID Connect"
        SAML = "saml", "SAML 2.0"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="identity_providers")
    protocol = models.CharField(max_length=4, choices=Protocol.choices)
    name = models.CharField(max_length=100, help_text="Shown on the login button, e.g. “Initech Okta”.")
    # allauth's provider id: the URL names it (/accounts/oidc/<slug>/…, /accounts/saml/<slug>/…).
    slug = models.SlugField(max_length=80, unique=True)
    enabled = models.BooleanField(default=True)
    default_role = models.CharField(max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    # OpenID Connect
    issuer_url = models.URLField(blank=True, max_length=500)
    client_id = models.CharField(max_length=255, blank=True)
    client_secret = models.CharField(max_length=500, blank=True)
    # SAML 2.0
    metadata_url = models.URLField(blank=True, max_length=500)
    metadata_xml = models.TextField(blank=True)
    idp_entity_id = models.CharField(max_length=500, blank=True)
    social_app = models.OneToOneField(
        "socialaccount.SocialApp", null=True, blank=True, on_delete=models.SET_NULL, related_name="identity_provider"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organization__name", "name"]
        constraints = [
            # Home-realm discovery needs one answer: at most one enabled IdP per organization.
            models.UniqueConstraint(
                fields=["organization"], condition=Q(enabled=True), name="identityprovider_one_enabled"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_protocol_display()}) for {self.organization}"


# Where an organization publishes the proof of a claim: a TXT record on a name of its own under the domain, so
# it sits apart from the domain's own TXT records (SPF and the like) and can be delegated with a CNAME.
TXT_RECORD_PREFIX = "_onepane-challenge."
TXT_VALUE_PREFIX = "onepane-domain-verification="


class VerifiedDomain(models.Model):
    """An organization's claim of an email domain: pending until verified. Several organizations may claim a
    domain while it is pending; verifying one claim gives the domain to that organization and drops the others
    (``services.domain_verify``, or ``services.domain_check_txt`` by DNS), so a verified domain belongs to one
    organization."""

    class TxtCheck(models.TextChoices):
        """The outcome of the last DNS lookup of the claim's TXT record."""

        VERIFIED = "verified", "TXT record found: verified"
        NOT_FOUND = "not_found", "No TXT record yet"
        WRONG_VALUE = "wrong_value", "TXT record with another value"
        TIMEOUT = "timeout", "DNS did not answer in time"
        FAILED = "failed", "DNS lookup failed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, help_text="Lower case, no trailing dot, IDNA, e.g. initech.example.")
    verification_token = models.CharField(max_length=64)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    dns_checked_at = models.DateTimeField(null=True, blank=True)
    dns_check = models.CharField(max_length=20, choices=TxtCheck.choices, blank=True)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=Q(verified_at__isnull=False), name="verifieddomain_one_verified"
            ),
            models.UniqueConstraint(fields=["organization", "domain"], name="verifieddomain_once_per_organization"),
        ]
        indexes = [models.Index(fields=["domain"], name="verifieddomain_domain")]

    def __str__(self):
        return self.domain

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def txt_record_name(self) -> str:
        return f"{TXT_RECORD_PREFIX}{self.domain}"

    @property
    def txt_record_value(self) -> str:
        return f"{TXT_VALUE_PREFIX}{self.verification_token}"


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters of the token, shown in the list so a person can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="apitoken_user")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class SamlAssertion(models.Model):
    """A SAML assertion Onepane accepted, kept until it expires so that a replay of it is refused
    (``identity.saml``). In the database rather than the cache, so the check holds in every web process
    and through a Redis outage: a replay check that lets assertions through when the cache is down is no check."""

    # sha256 of the IdP's entity id and the assertion's ID.
    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.digest
