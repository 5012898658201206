"""Factories that keep related rows inside one tenant, and build the channel, its deals and its leads through the
services, so every row carries the same grants, history and kept totals it would have in production.

One set for every test directory: a test that needs a registration or a lead to exist makes it here, and states in
the call whatever it is about (the customer, the lines, a draft); what it leaves out is plausible and the same
everywhere."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from deals import services as deal_services
from deals.models import DealRegistration
from leads import services as lead_services
from leads.models import Lead
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


# --- deals ----------------------------------------------------------------------------------------------------


def deal(actor, partner, vendor, product=None, *, quantity=1, lines=None, submit=True, **fields) -> DealRegistration:
    """A registration of ``partner`` with ``vendor`` made by ``actor`` through ``deal_create``, as the pages and the
    API make them: submitted unless ``submit=False`` (then a draft), for ``quantity`` of ``product`` (or ``lines``,
    ``[(product, quantity), ...]``; neither: one of the vendor's first product). ``fields`` are ``deal_create``'s
    (``customer_name``, ``customer_website``, ``title``, ...); left out, the customer is Hooli Inc. (hooli.com, US)
    closing in 45 days, so two registrations that leave it out are the same customer."""
    if lines is None:
        product = product or vendor.products.order_by("pk").first()
        lines = [(product, quantity)]
    values = {
        "customer_name": "Hooli Inc.",
        "customer_website": "hooli.com",
        "customer_country": "US",
        "contact_name": "Pat Buyer",
        "expected_close_date": timezone.localdate() + timedelta(days=45),
        **fields,
    }
    values.setdefault("title", f"{values['customer_name']}: rollout")
    return deal_services.deal_create(actor=actor, partner=partner, vendor=vendor, lines=lines, submit=submit, **values)


# --- leads ----------------------------------------------------------------------------------------------------


def lead_row(**fields) -> dict:
    """One lead as a vendor sends it (the API's body, an import's row): Waystar Health in the US wanting ACM-R100
    (the router of the shared channels), with ``fields`` changed or added."""
    return {"company": "Waystar Health", "contact_name": "Ana Diaz", "country": "US", "products": "ACM-R100", **fields}


def leads(actor, vendor, *rows, route=True) -> list[Lead]:
    """``vendor``'s leads sent by ``actor`` through ``leads_create`` (one ``lead_row()`` if no ``rows``), routed to
    its partners unless ``route=False``."""
    return lead_services.leads_create(actor=actor, vendor=vendor, rows=list(rows) or [lead_row()], route=route)


def own_lead(actor, partnership, **data) -> Lead:
    """A lead ``partnership``'s partner found itself, added by ``actor`` (one of its people) through
    ``lead_create_own``: the partner's, accepted and being worked. ``data`` overrides the company and contact."""
    data = {"company": "Own Prospect Ltd", "contact_name": "Sam Own", "country": "US", **data}
    return lead_services.lead_create_own(actor=actor, partner=partnership.partner, partnership=partnership, data=data)
