"""Reads for single sign-on: which identity provider an email or a login belongs to, an organization's setup."""

from __future__ import annotations

from django.db.models import QuerySet

from identity.models import IdentityProvider, VerifiedDomain
from vendors.models import Organization


def email_domain(email: str) -> str:
    return (email or "").strip().rpartition("@")[2].lower().rstrip(".")


def identity_provider_for_email(email: str) -> IdentityProvider | None:
    """Home-realm discovery: the enabled IdP of the active organization that has verified the email's domain."""
    domain = email_domain(email)
    if "@" not in (email or "") or not domain:
        return None
    return (
        IdentityProvider.objects.filter(
            enabled=True,
            social_app__isnull=False,
            organization__status=Organization.Status.ACTIVE,
            organization__domains__domain=domain,
            organization__domains__verified_at__isnull=False,
        )
        .select_related("social_app", "organization")
        .first()
    )


def identity_provider_for_app(app) -> IdentityProvider | None:
    """The IdP an allauth SocialApp runs (None for an app not made by ``services.identity_provider_save``)."""
    if app is None or app.pk is None:
        return None
    return IdentityProvider.objects.select_related("organization").filter(social_app_id=app.pk).first()


def domain_is_verified_for(organization_id: int, domain: str) -> bool:
    return VerifiedDomain.objects.filter(
        organization_id=organization_id, domain=domain, verified_at__isnull=False
    ).exists()


def identity_providers_of(organization: Organization) -> QuerySet[IdentityProvider]:
    return IdentityProvider.objects.filter(organization=organization).order_by("-enabled", "name")


def domains_of(organization: Organization) -> QuerySet[VerifiedDomain]:
    return VerifiedDomain.objects.filter(organization=organization).order_by("domain")


def disabled_social_app_ids() -> set[int]:
    return set(
        IdentityProvider.objects.filter(enabled=False, social_app__isnull=False).values_list("social_app_id", flat=True)
    )
