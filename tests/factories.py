"""Factories that keep related rows inside one tenant, and build the channel through the services,
so every row carries the same guardian grants it would have in production."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from vendors import services
from vendors.models import Membership, Organization, Partnership, Product, Tier

PASSWORD = "correct-horse-battery-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    username = factory.SelfAttribute("email")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def organization(kind=Organization.Kind.PARTNER, name=None, **fields) -> Organization:
    organization.counter += 1
    return services.organization_create(name=name or f"{kind.title()} {organization.counter}", kind=kind, **fields)


organization.counter = 0


def vendor(name=None, accepts_applications=True, **fields) -> Organization:
    return organization(Organization.Kind.VENDOR, name, accepts_applications=accepts_applications, **fields)


def partner(name=None, **fields) -> Organization:
    return organization(Organization.Kind.PARTNER, name, **fields)


def distributor(name=None, **fields) -> Organization:
    return organization(Organization.Kind.DISTRIBUTOR, name, **fields)


def member(org: Organization, role=Membership.Role.MEMBER, **user_fields):
    """A new person in ``org`` with ``role``; returns the user."""
    user = UserFactory(**user_fields)
    services.membership_add(organization=org, user=user, role=role)
    return user


def admin_of(org: Organization):
    """An admin of ``org`` (the first one found, or a new one)."""
    membership = Membership.objects.filter(organization=org, role=Membership.Role.ADMIN).select_related("user").first()
    return membership.user if membership else member(org, Membership.Role.ADMIN)


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier

    vendor = factory.LazyFunction(vendor)
    name = factory.Sequence(lambda n: f"Tier {n}")
    rank = factory.Sequence(lambda n: n)
    discount_percent = Decimal("20.00")
    mdf_eligible = False


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    vendor = factory.LazyFunction(vendor)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    list_price = Decimal("1000.00")
    currency = "USD"


def distribution(vendor_org, distributor_org, uplift_percent=Decimal("5")):
    return services.distribution_create(
        actor=admin_of(vendor_org), vendor=vendor_org, distributor=distributor_org, uplift_percent=uplift_percent
    )


def partnership(vendor_org, partner_org, tier=None, status=Partnership.Status.ACTIVE, distributor=None) -> Partnership:
    """A partnership in ``status``, made the way it happens: applied, then acted on by the vendor."""
    if distributor is not None and not vendor_org.distributions.filter(distributor=distributor).exists():
        globals()["distribution"](vendor_org, distributor)
    p = services.partnership_apply(
        actor=admin_of(partner_org),
        partner=partner_org,
        vendor=vendor_org,
        message="We sell to mid-market customers in our region.",
        distributor=distributor,
    )
    if status == Partnership.Status.APPLIED:
        return p
    vendor_admin = admin_of(vendor_org)
    if status == Partnership.Status.DECLINED:
        return services.partnership_decline(actor=vendor_admin, partnership=p, reason="Not a fit right now.")
    tier = tier or TierFactory(vendor=vendor_org)
    p = services.partnership_approve(actor=vendor_admin, partnership=p, tier=tier)
    if status == Partnership.Status.SUSPENDED:
        p = services.partnership_suspend(actor=vendor_admin, partnership=p, reason="Overdue certification.")
    elif status == Partnership.Status.ENDED:
        p = services.partnership_end(actor=vendor_admin, partnership=p, reason="Program closed.")
    return p
