"""Email domain claims: a pending claim blocks nobody; verifying one gives the domain to that organization only
and drops the others, whose admins are told. Names are compared as DNS compares them."""

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse

from identity import selectors_sso, services
from identity.models import VerifiedDomain
from notifications.models import Notification
from tests import factories as f
from tests.portal.helpers import main_text

SSO = reverse("identity:sso")


@pytest.fixture
def platform_admin(db):
    return f.UserFactory(is_superuser=True, is_staff=True)


def claim(organization, domain):
    return services.domain_add(actor=f.admin_of(organization), organization=organization, domain=domain)


def test_a_pending_claim_by_another_organization_does_not_block_the_owner(channel, client):
    """Initech claims globex.example first (pending, never verified); Globex's admin still claims its domain."""
    claim(channel.initech, "globex.example")
    client.force_login(f.admin_of(channel.globex))
    response = client.post(SSO, {"action": "domain_add", "domain": "GLOBEX.example."}, follow=True)
    assert "globex.example is added. A platform admin verifies it before it is used." in main_text(response)
    assert VerifiedDomain.objects.filter(domain="globex.example").count() == 2


@pytest.mark.parametrize(
    "spelling", ["GLOBEX.EXAMPLE", "globex.example.", " Globex.Example. ", "someone@Globex.example"]
)
def test_names_are_compared_as_dns_compares_them(channel, platform_admin, spelling):
    services.domain_verify(actor=platform_admin, domain=claim(channel.globex, "globex.example"))
    with pytest.raises(services.ValidationError, match="verified for another organization"):
        claim(channel.initech, spelling)
    with pytest.raises(services.ValidationError, match="Globex Security has already added globex.example"):
        claim(channel.globex, spelling)


def test_internationalised_names_are_stored_as_idna(channel):
    assert claim(channel.globex, "Bücher.Example.").domain == "xn--bcher-kva.example"
    with pytest.raises(services.ValidationError, match="already added"):
        claim(channel.globex, "xn--bcher-kva.example")


def test_verifying_one_claim_gives_it_the_domain_and_drops_the_others_whose_admins_are_told(channel, platform_admin):
    squatter = claim(channel.initech, "globex.example")
    other = claim(channel.umbrella, "globex.example")
    owner = claim(channel.globex, "globex.example")

    services.domain_verify(actor=platform_admin, domain=owner)

    assert list(VerifiedDomain.objects.filter(domain="globex.example")) == [owner]
    assert not VerifiedDomain.objects.filter(pk__in=[squatter.pk, other.pk]).exists()
    assert selectors_sso.domain_is_verified_for(channel.globex.pk, "globex.example")
    told = Notification.objects.filter(kind="identity.domain_claim_dropped")
    assert {n.organization for n in told} == {channel.initech, channel.umbrella}
    assert all(n.title == "Your claim of globex.example was dropped" for n in told)
    # A second verification of a dropped claim, or of a rival once one is verified, is refused.
    with pytest.raises(services.ValidationError, match="was dropped"):
        services.domain_verify(actor=platform_admin, domain=squatter)


def test_the_dropped_claim_disappears_from_the_organizations_page_and_its_admin_sees_why(
    channel, client, platform_admin
):
    claim(channel.initech, "globex.example")
    services.domain_verify(actor=platform_admin, domain=claim(channel.globex, "globex.example"))
    admin = f.admin_of(channel.initech)
    client.force_login(admin)
    assert "globex.example" not in main_text(client.get(SSO))
    centre = main_text(client.get(reverse("notifications:inbox"), follow=True))
    assert "Your claim of globex.example was dropped" in centre


def test_the_admin_action_verifies_the_one_claim_chosen_and_never_picks_among_rivals(channel, client, platform_admin):
    rival = claim(channel.initech, "globex.example")
    owner = claim(channel.globex, "globex.example")
    client.force_login(platform_admin)
    changelist = reverse("admin:identity_verifieddomain_changelist")

    both = client.post(changelist, {"action": "verify", "_selected_action": [owner.pk, rival.pk]}, follow=True)
    assert "several claims of this domain are selected" in both.content.decode()
    assert "0 domain(s) verified." in both.content.decode()
    assert VerifiedDomain.objects.filter(domain="globex.example", verified_at__isnull=True).count() == 2

    one = client.post(changelist, {"action": "verify", "_selected_action": [owner.pk]}, follow=True)
    assert "1 domain(s) verified." in one.content.decode()
    owner.refresh_from_db()
    assert owner.is_verified and not VerifiedDomain.objects.filter(pk=rival.pk).exists()


def test_the_database_holds_one_verified_claim_per_name_and_one_claim_per_organization(channel, platform_admin):
    """The constraints behind the service: whatever writes a claim, the invariants hold."""
    now = services.timezone.now()
    VerifiedDomain.objects.create(organization=channel.globex, domain="globex.example", verified_at=now)
    VerifiedDomain.objects.create(organization=channel.initech, domain="globex.example")  # pending: allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        VerifiedDomain.objects.create(organization=channel.umbrella, domain="globex.example", verified_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        VerifiedDomain.objects.create(organization=channel.initech, domain="globex.example")


def test_only_verified_claims_route_people_and_let_an_idp_speak_for_a_domain(channel, platform_admin):
    """Home-realm discovery and SSO's domain check read verified claims only, whoever else claimed the name."""
    claim(channel.initech, "globex.example")  # pending
    assert not selectors_sso.domain_is_verified_for(channel.initech.pk, "globex.example")
    assert selectors_sso.identity_provider_for_email("x@globex.example") is None
    assert get_user_model().objects.count() > 0  # the channel is there; nothing above leaned on an empty table
