"""The platform admin: tenants and people are changed through the services, and the lists stay fast."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from tests import factories as f
from vendors import access, selectors
from vendors.middleware import CurrentOrganizationMiddleware
from vendors.models import Membership, Organization, OrganizationGroupObjectPermission, Product, Tier

pytestmark = pytest.mark.django_db

User = get_user_model()
Role = Membership.Role


@pytest.fixture
def platform_admin(client):
    user = f.UserFactory(email="root@onepane.example", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def fresh(user):
    """The person as the next request sees them (nothing cached on the object)."""
    return User.objects.get(pk=user.pk)


def current_organization(user):
    request = RequestFactory().get("/")
    request.user = fresh(user)
    request.session = {}
    CurrentOrganizationMiddleware(lambda r: r)(request)
    return request.organization


def inline_management(response):
    """The management-form fields of the page's inline formsets (without their blank extra forms), and each
    inline's prefix by inline class name."""
    data, prefixes = {}, {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        prefixes[type(inline.opts).__name__] = formset.prefix
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        data[f"{formset.prefix}-TOTAL_FORMS"] = formset.initial_form_count()
    return data, prefixes


def org_form(**overrides):
    data = {
        "name": "",
        "kind": "partner",
        "slug": "",
        "country": "",
        "website": "",
        "description": "",
        "program_criteria": "",
    }
    data.update(overrides)
    return data


# --- tenants ------------------------------------------------------------------------------------------------


def test_a_platform_admin_creates_a_tenant_with_its_first_admin(client, platform_admin):
    person = f.UserFactory(email="gavin@hooli.example")
    url = reverse("admin:vendors_organization_add")
    page = client.get(url)
    assert page.status_code == 200
    management, prefixes = inline_management(page)
    new_people = prefixes["NewMembershipInline"]
    management[f"{new_people}-TOTAL_FORMS"] = 1

    response = client.post(
        url,
        {
            **org_form(name="Hooli Resellers", kind="partner", country="US"),
            **management,
            f"{new_people}-0-user": person.pk,
            f"{new_people}-0-role": Role.ADMIN,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    org = Organization.objects.get(name="Hooli Resellers")
    assert org.slug == "hooli-resellers"
    assert org.kind == Organization.Kind.PARTNER
    # The group and its grant on the organization row came with it (organization_create), and the first
    # admin is in the group (membership_add).
    assert OrganizationGroupObjectPermission.objects.filter(group=org.group, content_object=org).exists()
    assert Membership.objects.get(organization=org, user=person).role == Role.ADMIN
    assert fresh(person).groups.filter(pk=org.group_id).exists()
    assert current_organization(person) == org


def test_a_tenant_needs_a_name_and_a_known_kind(client, platform_admin):
    url = reverse("admin:vendors_organization_add")
    management, _ = inline_management(client.get(url))

    response = client.post(url, {**org_form(name="", kind="reseller"), **management})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "name" in errors and "kind" in errors
    assert not Organization.objects.exists()


def test_suspending_a_tenant_takes_its_people_out_and_reactivating_brings_them_back(client, platform_admin):
    org = f.partner("Initech Solutions")
    rep = f.member(org, Role.MEMBER)
    other = f.partner("Umbrella IT")
    assert current_organization(rep) == org

    changelist = reverse("admin:vendors_organization_changelist")
    response = client.post(changelist, {"action": "suspend_tenants", "_selected_action": [org.pk]}, follow=True)

    assert "Suspended 1 tenant." in response.text
    org.refresh_from_db()
    other.refresh_from_db()
    assert org.status == Organization.Status.SUSPENDED
    assert other.status == Organization.Status.ACTIVE
    assert current_organization(rep) is None
    assert selectors.memberships_of_user(fresh(rep)) == []

    client.post(changelist, {"action": "reactivate_tenants", "_selected_action": [org.pk]})

    org.refresh_from_db()
    assert org.status == Organization.Status.ACTIVE
    assert current_organization(rep) == org


def test_editing_a_tenant_keeps_its_kind_and_slug(client, platform_admin):
    org = f.vendor("Acme Networks", program_criteria="Two engineers.")
    url = reverse("admin:vendors_organization_change", args=[org.pk])
    page = client.get(url)
    management, _ = inline_management(page)

    response = client.post(
        url,
        {
            **org_form(name="Acme Networks Inc.", kind="partner", slug="hijacked", program_criteria="Three."),
            "accepts_applications": "on",
            **management,
        },
    )

    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.kind, org.slug, org.program_criteria) == (
        "Acme Networks Inc.",
        Organization.Kind.VENDOR,
        "acme-networks",
        "Three.",
    )


def test_only_platform_admins_and_the_organizations_admins_edit_its_profile():
    from django.core.exceptions import PermissionDenied, ValidationError

    from vendors import services

    org = f.partner("Initech Solutions")
    admin_user, rep = f.member(org, Role.ADMIN), f.member(org, Role.MEMBER)

    with pytest.raises(PermissionDenied):
        services.organization_update(actor=rep, organization=org, name="Initrode")
    with pytest.raises(ValidationError):
        services.organization_update(actor=admin_user, organization=org, name="  ")
    org.refresh_from_db()
    services.organization_update(actor=admin_user, organization=org, website="https://initech.example", kind="vendor")

    org.refresh_from_db()
    assert (org.name, org.website, org.kind) == ("Initech Solutions", "https://initech.example", "partner")


def test_tenants_are_suspended_not_deleted(client, platform_admin):
    org = f.partner("Initech Solutions")
    response = client.get(reverse("admin:vendors_organization_delete", args=[org.pk]))
    assert response.status_code == 403
    assert Organization.objects.filter(pk=org.pk).exists()


# --- people -------------------------------------------------------------------------------------------------


def test_adding_a_membership_puts_the_person_in_the_organization_group(client, platform_admin):
    org = f.partner("Initech Solutions")
    person = f.UserFactory(email="peter@initech.example")

    response = client.post(
        reverse("admin:vendors_membership_add"),
        {"user": person.pk, "organization": org.pk, "role": Role.MEMBER},
    )

    assert response.status_code == 302
    assert Membership.objects.get(organization=org, user=person).role == Role.MEMBER
    assert fresh(person).groups.filter(pk=org.group_id).exists()
    assert access.organization_ids(fresh(person)) == (org.pk,)


def test_a_membership_is_not_added_twice(client, platform_admin):
    org = f.partner("Initech Solutions")
    person = f.member(org, Role.MEMBER)

    response = client.post(
        reverse("admin:vendors_membership_add"),
        {"user": person.pk, "organization": org.pk, "role": Role.ADMIN},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert Membership.objects.get(organization=org, user=person).role == Role.MEMBER


def test_changing_a_role_and_removing_a_member_go_through_the_services(client, platform_admin):
    org = f.partner("Initech Solutions")
    admin_user = f.member(org, Role.ADMIN)
    rep = f.member(org, Role.MEMBER)
    membership = Membership.objects.get(organization=org, user=rep)

    response = client.post(reverse("admin:vendors_membership_change", args=[membership.pk]), {"role": Role.MANAGER})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER

    response = client.post(reverse("admin:vendors_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert not fresh(rep).groups.filter(pk=org.group_id).exists()
    assert current_organization(rep) is None
    assert current_organization(admin_user) == org


def test_the_last_admin_can_be_neither_demoted_nor_removed(client, platform_admin):
    org = f.partner("Initech Solutions")
    only_admin = Membership.objects.get(user=f.member(org, Role.ADMIN))

    demote = client.post(reverse("admin:vendors_membership_change", args=[only_admin.pk]), {"role": Role.MEMBER})
    remove = client.get(reverse("admin:vendors_membership_delete", args=[only_admin.pk]))

    assert demote.status_code == 200
    assert "keeps at least one admin" in str(demote.context["adminform"].form.errors)
    assert remove.status_code == 403
    only_admin.refresh_from_db()
    assert only_admin.role == Role.ADMIN


def test_people_are_managed_from_the_organization_page(client, platform_admin):
    org = f.partner("Initech Solutions")
    first_admin = f.member(org, Role.ADMIN)
    rep = f.member(org, Role.MEMBER)
    newcomer = f.UserFactory(email="milton@initech.example")
    url = reverse("admin:vendors_organization_change", args=[org.pk])
    page = client.get(url)
    management, prefixes = inline_management(page)
    people, new_people = prefixes["MembershipInline"], prefixes["NewMembershipInline"]
    rows = {
        form.instance.user_id: (i, form.instance.pk)
        for i, form in enumerate(page.context["inline_admin_formsets"][0].formset)
    }
    management[f"{new_people}-TOTAL_FORMS"] = 1
    data = {
        **org_form(name=org.name),
        **management,
        f"{new_people}-0-user": newcomer.pk,
        f"{new_people}-0-role": "admin",
    }
    for user_id, (i, pk) in rows.items():
        data[f"{people}-{i}-id"] = pk
        data[f"{people}-{i}-organization"] = org.pk
        data[f"{people}-{i}-role"] = Role.ADMIN if user_id == first_admin.pk else Role.MANAGER
    i, _ = rows[rep.pk]
    data[f"{people}-{i}-DELETE"] = "on"

    response = client.post(url, data)

    assert response.status_code == 302
    roles = dict(Membership.objects.filter(organization=org).values_list("user__email", "role"))
    assert roles == {first_admin.email: Role.ADMIN, newcomer.email: Role.ADMIN}
    assert current_organization(newcomer) == org
    assert current_organization(rep) is None


def test_a_platform_admin_creates_a_person_whose_email_is_the_login(client, platform_admin):
    response = client.post(
        reverse("admin:portal_user_add"),
        {
            "email": "Bill.Lumbergh@Initech.example",
            "first_name": "Bill",
            "last_name": "Lumbergh",
            "usable_password": "true",
            "password1": "yeah-if-you-could-9",
            "password2": "yeah-if-you-could-9",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    person = User.objects.get(email="bill.lumbergh@initech.example")
    assert person.username == person.email
    assert person.check_password("yeah-if-you-could-9")
    found = client.get(reverse("admin:portal_user_changelist"), {"q": "bill.lum"})
    assert list(found.context["cl"].result_list) == [person]


def test_groups_are_not_edited_by_hand(client, platform_admin):
    assert client.get("/admin/auth/group/").status_code == 404


# --- the channel: tiers, products, invitations --------------------------------------------------------------


def test_tiers_and_products_are_created_through_the_services(client, platform_admin):
    acme = f.vendor("Acme Networks")

    tier = client.post(
        reverse("admin:vendors_tier_add"),
        {"vendor": acme.pk, "name": "Gold", "rank": 3, "discount_percent": "30", "deal_protection_days": 90},
    )
    duplicate = client.post(
        reverse("admin:vendors_tier_add"),
        {"vendor": acme.pk, "name": "gold", "rank": 4, "discount_percent": "35", "deal_protection_days": 90},
    )
    product = client.post(
        reverse("admin:vendors_product_add"),
        {"vendor": acme.pk, "sku": "ACM-R100", "name": "Edge Router", "list_price": "1299.99", "currency": "USD",
         "active": "on"},
    )  # fmt: skip
    negative = client.post(
        reverse("admin:vendors_product_add"),
        {"vendor": acme.pk, "sku": "ACM-R200", "name": "Router", "list_price": "-1", "currency": "USD"},
    )

    assert tier.status_code == 302 and product.status_code == 302
    assert Tier.objects.get(vendor=acme).discount_percent == Decimal("30")
    assert "name" in duplicate.context["adminform"].form.errors
    assert Product.objects.get(vendor=acme).list_price == Decimal("1299.99")
    assert "list_price" in negative.context["adminform"].form.errors
    assert Product.objects.count() == 1


def test_tiers_and_products_belong_to_vendors(client, platform_admin):
    partner = f.partner("Initech Solutions")
    response = client.post(
        reverse("admin:vendors_tier_add"),
        {"vendor": partner.pk, "name": "Gold", "rank": 3, "discount_percent": "30", "deal_protection_days": 90},
    )
    assert "vendor" in response.context["adminform"].form.errors
    assert not Tier.objects.exists()


def test_invitations_are_read_only_and_can_be_revoked(client, platform_admin):
    from vendors import services

    org = f.partner("Initech Solutions")
    invitation, _ = services.invitation_create(actor=f.admin_of(org), organization=org, email="joanna@initech.example")

    assert client.get(reverse("admin:vendors_invitation_add")).status_code == 403
    assert client.get(reverse("admin:vendors_invitation_change", args=[invitation.pk])).status_code == 200
    client.post(
        reverse("admin:vendors_invitation_changelist"), {"action": "revoke", "_selected_action": [invitation.pk]}
    )
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_only_staff_get_in(client):
    client.force_login(f.admin_of(f.partner("Initech Solutions")))
    response = client.get(reverse("admin:vendors_organization_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- lists that stay fast -----------------------------------------------------------------------------------


def _organizations(count, start=0):
    for i in range(start, start + count):
        kind = (Organization.Kind.PARTNER, Organization.Kind.VENDOR, Organization.Kind.DISTRIBUTOR)[i % 3]
        f.organization(kind, name=f"Reseller {i:04d}")


CHANGELISTS = [
    "admin:vendors_organization_changelist",
    "admin:vendors_membership_changelist",
    "admin:vendors_partnership_changelist",
    "admin:vendors_tier_changelist",
    "admin:vendors_product_changelist",
    "admin:vendors_invitation_changelist",
    "admin:portal_user_changelist",
]


def _grow_channel(count):
    """``count`` more of each row the change lists show: organizations, people, partnerships, tiers, ..."""
    from vendors import services

    acme = Organization.objects.filter(name="Acme Networks").first() or f.vendor("Acme Networks")
    acme_admin = f.admin_of(acme)
    start = Organization.objects.filter(kind=Organization.Kind.PARTNER).count()
    for i in range(start, start + count):
        partner = f.partner(f"Reseller {i:04d}")
        f.partnership(acme, partner, f.TierFactory(vendor=acme))
        f.ProductFactory(vendor=acme)
        services.invitation_create(actor=acme_admin, organization=acme, email=f"new{i}@acme.example")


@pytest.mark.parametrize("url_name", CHANGELISTS)
def test_change_lists_take_the_same_queries_whatever_the_rows(
    client, platform_admin, url_name, django_assert_max_num_queries
):
    url = reverse(url_name)
    _grow_channel(5)
    with django_assert_max_num_queries(10) as small:
        assert client.get(url).status_code == 200
    _grow_channel(50)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 50  # A full page, no count of everything.


def test_the_organization_list_at_20_and_200_tenants(client, platform_admin, django_assert_max_num_queries):
    url = reverse("admin:vendors_organization_changelist")
    _organizations(20)
    with django_assert_max_num_queries(10) as twenty:
        client.get(url)
    _organizations(180, start=20)
    with django_assert_max_num_queries(len(twenty.captured_queries)):
        response = client.get(url)
    assert response.context["cl"].show_full_result_count is False
    assert len(response.context["cl"].result_list) == 50


def test_organizations_are_found_by_name_prefix_slug_and_filters(client, platform_admin):
    f.vendor("Acme Networks")
    f.vendor("Acme Printing")
    f.partner("Initech Solutions")
    f.partner("Not Acme Reseller")
    url = reverse("admin:vendors_organization_changelist")

    def names(**params):
        return sorted(o.name for o in client.get(url, params).context["cl"].result_list)

    assert names(q="acme") == ["Acme Networks", "Acme Printing"]
    assert names(q="Acme Net") == ["Acme Networks"]
    assert names(q="initech-solutions") == ["Initech Solutions"]
    assert names(q="acme", kind__exact="vendor") == ["Acme Networks", "Acme Printing"]
    assert names(kind__exact="partner") == ["Initech Solutions", "Not Acme Reseller"]
    assert names(q="zzz") == []
