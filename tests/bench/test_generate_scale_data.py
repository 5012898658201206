"""``manage.py generate_scale_data`` at a small size: the channel it writes in bulk is the one the services
would have built: each person sees exactly their own side through the selectors, and every partnership
carries the same guardian grants as one made through ``vendors.services`` in the same status.

Runs on SQLite (``bulk_create``) and on PostgreSQL (``COPY``). The world is built once for the class, inside a
transaction rolled back at the end.
"""

import io
from collections import defaultdict

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction

from tests import factories as f
from vendors import selectors
from vendors.management.commands.generate_scale_data import PASSWORD
from vendors.models import (
    Distribution,
    Membership,
    Organization,
    OrganizationGroupObjectPermission,
    Partnership,
    PartnershipGroupObjectPermission,
    Product,
)

User = get_user_model()
Kind = Organization.Kind
Status = Partnership.Status
SIZE = {"vendors": 4, "partners": 40, "people": 120, "distributors": 2, "products_per_vendor": 6, "seed": 7}


@pytest.fixture(scope="class")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("generate_scale_data", stdout=out, **SIZE)
        yield out.getvalue()
        transaction.set_rollback(True)


def person(org, roles=("admin",)):
    membership = (
        Membership.objects.filter(organization=org, role__in=roles).select_related("user").order_by("user_id").first()
    )
    assert membership is not None, f"nobody with {roles} in {org}"
    return membership.user


def ids(queryset):
    return set(queryset.values_list("id", flat=True))


def grant_shape(partnership) -> frozenset:
    """Which side of the partnership holds which permission on it: {("vendor", "view_records"), ...}."""
    side_of = {partnership.vendor.group_id: "vendor", partnership.partner.group_id: "partner"}
    if partnership.distributor_id:
        side_of[partnership.distributor.group_id] = "distributor"
    grants = PartnershipGroupObjectPermission.objects.filter(content_object=partnership).values_list(
        "group_id", "permission__codename"
    )
    return frozenset((side_of.get(group_id, f"stranger {group_id}"), codename) for group_id, codename in grants)


@pytest.mark.usefixtures("db")
class TestTheGeneratedChannel:
    def test_it_builds_the_sizes_asked_for_and_says_how_to_log_in(self, world):
        assert Organization.objects.filter(kind=Kind.VENDOR).count() == SIZE["vendors"]
        assert Organization.objects.filter(kind=Kind.PARTNER).count() == SIZE["partners"]
        assert Organization.objects.filter(kind=Kind.DISTRIBUTOR).count() == SIZE["distributors"]
        assert User.objects.count() == SIZE["people"]
        assert Product.objects.count() == SIZE["vendors"] * SIZE["products_per_vendor"]
        # Every partner works with several vendors (all four here, at most), so there are partnerships to see.
        assert Partnership.objects.count() >= SIZE["partners"] * 2
        assert PASSWORD in world

    def test_every_person_works_in_one_organization_and_is_in_its_group(self, world):
        memberships = Membership.objects.select_related("organization", "user")
        assert memberships.count() == User.objects.count()
        for m in memberships:
            assert list(m.user.groups.values_list("id", flat=True)) == [m.organization.group_id]
            assert selectors.memberships_of_user(m.user) == [m] or m.organization.status != "active"
        for org in Organization.objects.all():
            assert Membership.objects.filter(organization=org, role="admin").exists(), org
            assert set(
                OrganizationGroupObjectPermission.objects.filter(group=org.group).values_list(
                    "content_object_id", "permission__codename"
                )
            ) == {(org.pk, "view_organization")}

    def test_a_partner_sees_exactly_its_own_partnerships_and_the_catalogs_of_its_active_vendors(self, world):
        partners = list(Organization.objects.filter(kind=Kind.PARTNER))
        assert partners
        for partner in partners:
            user = person(partner)
            assert ids(selectors.partnerships_visible_to(user)) == ids(Partnership.objects.filter(partner=partner))
            active_vendors = Partnership.objects.filter(partner=partner, status=Status.ACTIVE).values("vendor_id")
            assert ids(selectors.products_visible_to(user)) == ids(
                Product.objects.filter(vendor__in=active_vendors, active=True)
            )
            home_vendors = {row["vendor"].pk for row in selectors.partner_home(user, partner)}
            open_vendors = set(
                Partnership.objects.filter(partner=partner, status__in=Partnership.OPEN_STATUSES).values_list(
                    "vendor_id", flat=True
                )
            )
            assert open_vendors <= home_vendors

    def test_a_vendor_sees_exactly_its_partnerships_and_a_distributor_exactly_its_resellers(self, world):
        vendors = list(Organization.objects.filter(kind=Kind.VENDOR))
        distributors = list(Organization.objects.filter(kind=Kind.DISTRIBUTOR))
        assert vendors and distributors
        for vendor in vendors:
            manager = person(vendor, ("manager",))
            assert ids(selectors.vendor_partners(manager, vendor)) == ids(Partnership.objects.filter(vendor=vendor))
            assert ids(selectors.partnerships_visible_to(manager)) == ids(Partnership.objects.filter(vendor=vendor))
            assert ids(selectors.products_visible_to(manager)) == ids(Product.objects.filter(vendor=vendor))
        for distributor in distributors:
            user = person(distributor)
            through_it = Partnership.objects.filter(distributor=distributor)
            assert ids(selectors.partnerships_visible_to(user)) == ids(through_it)
            assert ids(selectors.distributor_resellers(user, distributor)) == ids(through_it)

    def test_guardians_own_checker_agrees(self, world):
        partner = Organization.objects.filter(kind=Kind.PARTNER, partnerships_as_partner__isnull=False).first()
        user = person(partner)
        mine = Partnership.objects.filter(partner=partner).first()
        theirs = Partnership.objects.exclude(partner=partner).first()
        assert user.has_perm("vendors.view_records", mine)
        assert not user.has_perm("vendors.view_records", theirs)
        assert user.has_perm("vendors.access_program", mine) == (mine.status == Status.ACTIVE)

    def test_partnerships_carry_the_grants_the_services_make_in_each_status(self, world):
        generated = defaultdict(set)
        for p in Partnership.objects.select_related("vendor", "partner", "distributor"):
            generated[(p.status, p.distributor_id is not None)].add(grant_shape(p))
        # The same statuses, made through the services (tests.factories applies, approves, suspends...).
        vendor, partner, distributor = f.vendor(), f.partner(), f.distributor()
        tier = f.TierFactory(vendor=vendor)
        expected = {}
        for status in Status.values:
            for two_tier in (False, True):
                other = f.partner()
                made = f.partnership(vendor, other, tier, status=status, distributor=distributor if two_tier else None)
                expected[(status, two_tier)] = grant_shape(made)
        del partner
        assert ("active", True) in generated and ("ended", False) in generated
        for key, shapes in generated.items():
            assert shapes == {expected[key]}, key

    def test_the_rows_keep_the_models_rules(self, world):
        for p in Partnership.objects.filter(tier__isnull=False).select_related("tier"):
            assert p.tier.vendor_id == p.vendor_id
        assert not Partnership.objects.filter(status=Status.ACTIVE, tier__isnull=True).exists()
        for p in Partnership.objects.filter(distributor__isnull=False):
            assert Distribution.objects.filter(vendor=p.vendor_id, distributor=p.distributor_id, active=True).exists()
        for p in Partnership.objects.all():
            events = list(p.events.order_by("created_at", "id").values_list("kind", flat=True))
            assert events[0] == "applied", p
            assert p.updated_at >= p.applied_at

    def test_people_log_in_with_the_printed_password(self, world, settings):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # the world's, hashed once
        user = person(Organization.objects.filter(kind=Kind.PARTNER).first())
        assert authenticate(username=user.email, password=PASSWORD) == user


def test_too_few_people_for_the_organizations_is_refused(db):
    with pytest.raises(CommandError, match="--people"):
        call_command("generate_scale_data", vendors=2, partners=10, people=5, stdout=io.StringIO())


def test_scale_sets_every_count_from_the_full_target(db):
    call_command("generate_scale_data", scale=0.0002, stdout=io.StringIO())
    assert Organization.objects.filter(kind=Kind.VENDOR).count() == 1  # 500 × 0.0002 = 0.1, at least one
    assert Organization.objects.filter(kind=Kind.PARTNER).count() == 10
    assert User.objects.count() == 20
