"""Roles, the partnership state machine, and atomicity of the channel graph's services."""

import contextlib
import threading
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from tests import factories as f
from vendors import access, services
from vendors.models import (
    Membership,
    Organization,
    Partnership,
    PartnershipEvent,
    PartnershipGroupObjectPermission,
    Product,
    Tier,
)

Role = Membership.Role
Status = Partnership.Status
Kind = PartnershipEvent.Kind
User = get_user_model()

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL row locks and concurrent connections"
)


def fresh(user):
    return User.objects.get(pk=user.pk)


def messages(exc_info) -> str:
    return " ".join(exc_info.value.messages)


def membership(org, user) -> Membership:
    return Membership.objects.get(organization=org, user=user)


@pytest.fixture
def applicant(channel):
    """A partner that has just applied to Acme's program."""
    org = f.partner("Newcomer IT")
    channel.newcomer = org
    channel.newcomer_admin = f.admin_of(org)
    channel.application = f.partnership(channel.acme, org, status=Status.APPLIED)
    return channel.application


def apply(channel, vendor=None, **kwargs):
    fields = {"message": "We resell in the Midwest.", "region": "US-Midwest", "annual_revenue": "1m-10m"}
    fields.update(kwargs)
    return services.partnership_apply(
        actor=channel.newcomer_admin, partner=channel.newcomer, vendor=vendor or channel.acme, **fields
    )


@pytest.fixture
def newcomer(channel):
    channel.newcomer = f.partner("Newcomer IT")
    channel.newcomer_admin = f.admin_of(channel.newcomer)
    return channel.newcomer


# --- organization roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["acme_member", "acme_manager"])
def test_only_admins_manage_people(channel, who):
    c = channel
    actor = getattr(c, who)
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=actor, organization=c.acme, email="new@acme.test")
    with pytest.raises(PermissionDenied):
        services.membership_change_role(actor=actor, membership=membership(c.acme, c.acme_member), role=Role.ADMIN)
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=actor, membership=membership(c.acme, c.acme_member))
    with pytest.raises(PermissionDenied):
        services.distribution_create(actor=actor, vendor=c.acme, distributor=c.northwind, uplift_percent="5")
    assert membership(c.acme, c.acme_member).role == Role.MEMBER
    assert not c.acme.invitations.exists()


@pytest.mark.parametrize("role", [Role.MEMBER, Role.MANAGER])
def test_only_partner_admins_apply_to_programs(channel, newcomer, role):
    c = channel
    person = f.member(newcomer, role)
    with pytest.raises(PermissionDenied):
        services.partnership_apply(actor=person, partner=newcomer, vendor=c.acme, message="Please.")
    assert not Partnership.objects.filter(partner=newcomer).exists()


def test_admin_cannot_manage_another_organizations_people(channel):
    c = channel
    with pytest.raises(PermissionDenied):
        services.membership_change_role(
            actor=c.acme_admin, membership=membership(c.initech, c.initech_rep), role=Role.ADMIN
        )
    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=c.acme_admin, membership=membership(c.initech, c.initech_rep))
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=c.acme_admin, organization=c.initech, email="x@initech.test")


def test_admin_changes_roles_and_removes_people(channel):
    c = channel
    m = services.membership_change_role(
        actor=c.acme_admin, membership=membership(c.acme, c.acme_member), role=Role.MANAGER
    )
    assert m.role == Role.MANAGER
    services.membership_remove(actor=c.acme_admin, membership=membership(c.acme, c.acme_member))
    person = fresh(c.acme_member)
    assert not Membership.objects.filter(organization=c.acme, user=person).exists()
    assert not person.groups.filter(pk=c.acme.group_id).exists()
    assert not access.partnerships_for(person).exists()


def test_role_must_be_known(channel):
    c = channel
    with pytest.raises(ValidationError) as exc:
        services.membership_change_role(actor=c.acme_admin, membership=membership(c.acme, c.acme_member), role="owner")
    assert "role" in exc.value.error_dict


def test_last_admin_cannot_be_demoted_or_removed(channel):
    c = channel
    admin = membership(c.acme, c.acme_admin)
    with pytest.raises(ValidationError) as exc:
        services.membership_change_role(actor=c.acme_admin, membership=admin, role=Role.MEMBER)
    assert "role" in exc.value.error_dict
    assert "at least one admin" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.membership_remove(actor=c.acme_admin, membership=admin)
    assert "at least one admin" in messages(exc)
    admin.refresh_from_db()
    assert admin.role == Role.ADMIN

    # With a second admin, the first may step down.
    services.membership_change_role(actor=c.acme_admin, membership=membership(c.acme, c.acme_manager), role="admin")
    services.membership_change_role(actor=c.acme_admin, membership=admin, role=Role.MEMBER)
    assert membership(c.acme, c.acme_admin).role == Role.MEMBER


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["demote", "remove"])
def test_two_admins_demoting_or_removing_each_other_at_once_leave_one_admin(monkeypatch, action):
    """Write skew: each admin's check sees the other still admin; the service must serialize them."""
    org = f.partner("Twin Admins")
    first = f.member(org, Role.ADMIN)
    second = f.member(org, Role.ADMIN)
    barrier = threading.Barrier(2, timeout=3)
    original = services._other_admins

    def other_admins_then_wait(m):
        answer = original(m)
        # Both transactions have checked before either writes (unless the service makes one wait).
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return answer

    monkeypatch.setattr(services, "_other_admins", other_admins_then_wait)
    outcomes = []

    def demote(actor, target):
        try:
            if action == "demote":
                services.membership_change_role(actor=fresh(actor), membership=membership(org, target), role="member")
            else:
                services.membership_remove(actor=fresh(actor), membership=membership(org, target))
            outcomes.append("ok")
        except (ValidationError, PermissionDenied):  # the last admin, or no longer an admin once the first commits
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=demote, args=(first, second)),
        threading.Thread(target=demote, args=(second, first)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert sorted(outcomes) == ["ok", "refused"]
    assert Membership.objects.filter(organization=org, role=Role.ADMIN).count() == 1


# --- vendor side acting on partnerships ---------------------------------------------------------------------


def test_vendor_manager_runs_its_own_partnerships_through_every_state(channel, applicant):
    c = channel
    p = services.partnership_approve(actor=c.acme_manager, partnership=applicant, tier=c.silver)
    assert (p.status, p.tier) == (Status.ACTIVE, c.silver)
    assert p.started_at is not None
    p = services.partnership_change_tier(actor=c.acme_manager, partnership=p, tier=c.gold)
    assert p.tier == c.gold
    p = services.partnership_suspend(actor=c.acme_manager, partnership=p, reason="Late on certifications.")
    assert (p.status, p.status_reason) == (Status.SUSPENDED, "Late on certifications.")
    assert p.suspended_at is not None
    p = services.partnership_change_tier(actor=c.acme_manager, partnership=p, tier=c.silver)
    p = services.partnership_reactivate(actor=c.acme_manager, partnership=p)
    assert (p.status, p.suspended_at, p.status_reason) == (Status.ACTIVE, None, "")
    p = services.partnership_end(actor=c.acme_manager, partnership=p, reason="Left the market.")
    assert (p.status, p.status_reason) == (Status.ENDED, "Left the market.")
    assert p.ended_at is not None

    kinds = list(p.events.order_by("created_at", "id").values_list("kind", "detail", "actor_id"))
    assert kinds == [
        (Kind.APPLIED, "", c.newcomer_admin.pk),
        (Kind.APPROVED, "Approved into Silver.", c.acme_manager.pk),
        (Kind.TIER_CHANGED, "Silver → Gold", c.acme_manager.pk),
        (Kind.SUSPENDED, "Late on certifications.", c.acme_manager.pk),
        (Kind.TIER_CHANGED, "Gold → Silver", c.acme_manager.pk),
        (Kind.REACTIVATED, "", c.acme_manager.pk),
        (Kind.ENDED, "Left the market.", c.acme_manager.pk),
    ]


def test_decline_records_the_reason_and_an_event(channel, applicant):
    c = channel
    p = services.partnership_decline(actor=c.acme_manager, partnership=applicant, reason="Not in our regions.")
    assert (p.status, p.decline_reason) == (Status.DECLINED, "Not in our regions.")
    assert p.declined_at is not None
    event = p.events.get(kind=Kind.DECLINED)
    assert (event.detail, event.actor_id) == ("Not in our regions.", c.acme_manager.pk)


def test_decline_needs_a_reason(channel, applicant):
    with pytest.raises(ValidationError) as exc:
        services.partnership_decline(actor=channel.acme_manager, partnership=applicant, reason="  ")
    assert "reason" in exc.value.error_dict
    applicant.refresh_from_db()
    assert applicant.status == Status.APPLIED


ACTIONS = {
    "approve": lambda c, p: services.partnership_approve(actor=c.actor, partnership=p, tier=c.gold),
    "decline": lambda c, p: services.partnership_decline(actor=c.actor, partnership=p, reason="No."),
    "change_tier": lambda c, p: services.partnership_change_tier(actor=c.actor, partnership=p, tier=c.silver),
    "suspend": lambda c, p: services.partnership_suspend(actor=c.actor, partnership=p),
    "reactivate": lambda c, p: services.partnership_reactivate(actor=c.actor, partnership=p),
    "end": lambda c, p: services.partnership_end(actor=c.actor, partnership=p),
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", ["globex_admin", "initech_admin", "northwind_admin", "acme_member"])
def test_others_cannot_act_on_a_vendors_partnership(channel, action, who):
    """Another vendor, the partner itself, the distributor and a plain member of the vendor are all refused."""
    c = channel
    c.actor = getattr(c, who)
    p = c.initech_acme
    before = Partnership.objects.values().get(pk=p.pk)
    events = p.events.count()
    with pytest.raises(PermissionDenied):
        ACTIONS[action](c, p)
    assert Partnership.objects.values().get(pk=p.pk) == before
    assert p.events.count() == events


def test_partner_admin_cannot_approve_its_own_application(channel, applicant):
    with pytest.raises(PermissionDenied):
        services.partnership_approve(actor=channel.newcomer_admin, partnership=applicant, tier=channel.gold)
    applicant.refresh_from_db()
    assert applicant.status == Status.APPLIED


def test_vendor_manager_cannot_act_on_another_vendors_partnership(channel):
    c = channel
    with pytest.raises(PermissionDenied):
        services.partnership_suspend(actor=c.acme_manager, partnership=c.initech_globex)
    with pytest.raises(PermissionDenied):
        services.partnership_change_tier(actor=c.acme_manager, partnership=c.initech_globex, tier=c.gold)
    with pytest.raises(PermissionDenied):
        services.partnership_reactivate(actor=c.acme_admin, partnership=c.umbrella_globex)
    c.umbrella_globex.refresh_from_db()
    assert c.umbrella_globex.status == Status.SUSPENDED


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [
        (Status.ACTIVE, "approve", "Only a pending application can be approved."),
        (Status.DECLINED, "approve", "Only a pending application can be approved."),
        (Status.ACTIVE, "decline", "Only a pending application can be declined."),
        (Status.APPLIED, "suspend", "Only an active partnership can be suspended."),
        (Status.SUSPENDED, "suspend", "Only an active partnership can be suspended."),
        (Status.ACTIVE, "reactivate", "Only a suspended partnership can be reactivated."),
        (Status.ENDED, "reactivate", "Only a suspended partnership can be reactivated."),
        (Status.DECLINED, "end", "Only a current partnership can be ended."),
        (Status.ENDED, "end", "Only a current partnership can be ended."),
        (Status.APPLIED, "end", "Only a current partnership can be ended."),
        (Status.APPLIED, "change_tier", "Only a current partnership has a tier to change."),
        (Status.ENDED, "change_tier", "Only a current partnership has a tier to change."),
    ],
)
def test_state_machine_refuses_with_a_clear_message(channel, newcomer, status, action, message):
    c = channel
    p = f.partnership(c.acme, newcomer, c.gold, status=status)
    c.actor = c.acme_manager
    before = Partnership.objects.values().get(pk=p.pk)
    events = p.events.count()
    with pytest.raises(ValidationError) as exc:
        ACTIONS[action](c, p)
    assert messages(exc) == message
    assert Partnership.objects.values().get(pk=p.pk) == before
    assert p.events.count() == events


def test_tier_must_be_the_vendors_own(channel, applicant):
    c = channel
    with pytest.raises(ValidationError) as exc:
        services.partnership_approve(actor=c.acme_manager, partnership=applicant, tier=c.standard)
    assert exc.value.message_dict == {"tier": ["Choose one of your own tiers."]}
    with pytest.raises(ValidationError) as exc:
        services.partnership_approve(actor=c.acme_manager, partnership=applicant, tier=None)
    assert "tier" in exc.value.error_dict
    applicant.refresh_from_db()
    assert (applicant.status, applicant.tier_id) == (Status.APPLIED, None)

    with pytest.raises(ValidationError) as exc:
        services.partnership_change_tier(actor=c.acme_manager, partnership=c.initech_acme, tier=c.standard)
    assert exc.value.message_dict == {"tier": ["Choose one of your own tiers."]}
    with pytest.raises(ValidationError) as exc:
        services.partnership_change_tier(actor=c.acme_manager, partnership=c.initech_acme, tier=c.gold)
    assert exc.value.message_dict == {"tier": ["The partner is already in this tier."]}
    c.initech_acme.refresh_from_db()
    assert c.initech_acme.tier == c.gold


# --- applications -------------------------------------------------------------------------------------------


def test_application_grants_view_to_both_sides_and_manage_to_the_vendor(channel, newcomer):
    c = channel
    p = apply(c)
    assert (p.status, p.application_region) == (Status.APPLIED, "US-Midwest")
    assert p.application_annual_revenue == "$1M – $10M"  # the band's label, as the vendor reads it
    assert access.has_partnership_perm(fresh(c.acme_member), p, access.VIEW_RECORDS)
    assert access.has_partnership_perm(fresh(c.acme_member), p, access.MANAGE_PARTNERSHIP)
    assert access.has_partnership_perm(fresh(c.newcomer_admin), p, access.VIEW_RECORDS)
    assert not access.has_partnership_perm(fresh(c.newcomer_admin), p, access.ACCESS_PROGRAM)
    assert not access.has_partnership_perm(fresh(c.newcomer_admin), p, access.MANAGE_PARTNERSHIP)
    assert list(p.events.values_list("kind", flat=True)) == [Kind.APPLIED]


def test_two_tier_application_and_approval_grant_the_distributor(channel, newcomer):
    c = channel
    p = apply(c, vendor=c.globex, distributor=c.northwind)
    northwind = fresh(c.northwind_admin)
    assert access.has_partnership_perm(northwind, p, access.VIEW_RECORDS)
    assert not access.has_partnership_perm(northwind, p, access.ACCESS_PROGRAM)
    services.partnership_approve(actor=c.globex_admin, partnership=p, tier=c.standard)
    assert access.has_partnership_perm(fresh(c.northwind_admin), p, access.ACCESS_PROGRAM)
    assert access.has_partnership_perm(fresh(c.newcomer_admin), p, access.ACCESS_PROGRAM)


def test_approval_may_route_through_another_distributor(channel, newcomer):
    c = channel
    eastwind = f.distributor("Eastwind Supply")
    f.distribution(c.globex, eastwind, Decimal("3"))
    p = apply(c, vendor=c.globex, distributor=c.northwind)
    p = services.partnership_approve(actor=c.globex_admin, partnership=p, tier=c.standard, distributor=eastwind)
    assert p.distributor == eastwind
    assert not access.has_partnership_perm(fresh(c.northwind_admin), p, access.VIEW_RECORDS)
    assert access.has_partnership_perm(fresh(f.admin_of(eastwind)), p, access.ACCESS_PROGRAM)


def test_distributor_must_distribute_the_vendor(channel, newcomer):
    c = channel
    with pytest.raises(ValidationError) as exc:
        apply(c, vendor=c.acme, distributor=c.northwind)
    assert exc.value.message_dict == {"distributor": ["Acme Networks does not sell through Northwind Distribution."]}

    p = apply(c, vendor=c.acme)
    with pytest.raises(ValidationError) as exc:
        services.partnership_approve(actor=c.acme_admin, partnership=p, tier=c.gold, distributor=c.northwind)
    assert "distributor" in exc.value.error_dict
    p.refresh_from_db()
    assert (p.status, p.distributor_id) == (Status.APPLIED, None)
    assert not access.has_partnership_perm(fresh(c.northwind_admin), p, access.VIEW_RECORDS)


def test_duplicate_application_is_refused(channel, applicant):
    c = channel
    with pytest.raises(ValidationError) as exc:
        apply(c)
    assert "already applied" in messages(exc)
    services.partnership_approve(actor=c.acme_admin, partnership=applicant, tier=c.silver)
    with pytest.raises(ValidationError) as exc:
        apply(c)
    assert "already have a partnership" in messages(exc)
    assert Partnership.objects.filter(partner=c.newcomer).count() == 1


def test_duplicate_application_that_slips_past_the_check_hits_the_constraint(channel, applicant, monkeypatch):
    """As when two requests check at once: the database's one-open-per-pair constraint refuses the second."""
    c = channel
    monkeypatch.setattr(Partnership, "OPEN_STATUSES", ())  # the check now finds nothing
    grants = PartnershipGroupObjectPermission.objects.count()
    with pytest.raises(ValidationError) as exc:
        apply(c)
    assert "already applied" in messages(exc)
    assert Partnership.objects.filter(partner=c.newcomer).count() == 1
    assert PartnershipGroupObjectPermission.objects.count() == grants
    # The transaction is still usable afterwards.
    assert Partnership.objects.filter(partner=c.newcomer).get() == applicant


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_applications_one_wins():
    vendor = f.vendor("Race Vendor")
    partner = f.partner("Race Partner")
    admin = f.admin_of(partner)
    barrier = threading.Barrier(2, timeout=5)
    outcomes = []

    def go():
        try:
            barrier.wait()
            services.partnership_apply(actor=fresh(admin), partner=partner, vendor=vendor, message="Hello.")
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(15)
    assert sorted(outcomes)[1] == "ok"
    assert "already applied" in sorted(outcomes)[0]
    assert Partnership.objects.filter(vendor=vendor, partner=partner).count() == 1


def test_application_to_a_vendor_not_accepting_is_refused(channel, newcomer):
    c = channel
    services.program_update(actor=c.acme_manager, vendor=c.acme, accepts_applications=False, program_criteria="")
    with pytest.raises(ValidationError) as exc:
        apply(c)
    assert messages(exc) == "This vendor is not accepting partner applications."
    assert not Partnership.objects.filter(partner=newcomer).exists()


def test_application_to_a_suspended_vendor_is_refused(channel, newcomer):
    c = channel
    root = f.UserFactory(is_superuser=True, is_staff=True)
    services.organization_set_status(actor=root, organization=c.acme, status=Organization.Status.SUSPENDED)
    with pytest.raises(ValidationError) as exc:
        apply(c)
    assert messages(exc) == "This vendor is not accepting partner applications."
    assert not Partnership.objects.filter(partner=newcomer).exists()


def test_only_platform_admins_suspend_tenants(channel):
    with pytest.raises(PermissionDenied):
        services.organization_set_status(actor=channel.acme_admin, organization=channel.acme, status="suspended")
    channel.acme.refresh_from_db()
    assert channel.acme.status == Organization.Status.ACTIVE


def test_application_to_a_non_vendor_or_from_a_non_partner_is_refused(channel, newcomer):
    c = channel
    with pytest.raises(ValidationError) as exc:
        apply(c, vendor=c.initech)
    assert "not accepting" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.partnership_apply(actor=c.northwind_admin, partner=c.northwind, vendor=c.acme, message="Hi.")
    assert messages(exc) == "Only partner organizations apply to vendor programs."
    assert not Partnership.objects.filter(partner__in=[newcomer, c.northwind]).exists()


def test_application_needs_a_message(channel, newcomer):
    with pytest.raises(ValidationError) as exc:
        apply(channel, message="   ")
    assert "message" in exc.value.error_dict
    assert not Partnership.objects.filter(partner=newcomer).exists()


def test_reapplying_after_a_decline_is_allowed(channel, applicant):
    c = channel
    services.partnership_decline(actor=c.acme_admin, partnership=applicant, reason="Come back next year.")
    again = apply(c, message="We have grown since.")
    assert again.pk != applicant.pk
    assert again.status == Status.APPLIED
    applicant.refresh_from_db()
    assert (applicant.status, applicant.decline_reason) == (Status.DECLINED, "Come back next year.")
    # Both are in the partner's and the vendor's records.
    for person in (c.newcomer_admin, c.acme_member):
        assert {applicant.pk, again.pk} <= set(access.partnerships_for(fresh(person)).values_list("pk", flat=True))


# --- program, tiers, catalog --------------------------------------------------------------------------------


def test_managers_run_the_program_members_do_not(channel):
    c = channel
    tier = services.tier_create(actor=c.acme_manager, vendor=c.acme, name="Platinum", rank=4, discount_percent="35")
    assert tier.discount_percent == Decimal("35")
    product = services.product_create(
        actor=c.acme_manager, vendor=c.acme, sku="ACM-S1", name="Switch", list_price="499.00", currency="USD"
    )
    assert product.list_price == Decimal("499.00")
    with pytest.raises(PermissionDenied):
        services.tier_create(actor=c.acme_member, vendor=c.acme, name="Bronze", discount_percent="5")
    with pytest.raises(PermissionDenied):
        services.product_update(actor=c.acme_member, product=product, list_price="1.00")
    with pytest.raises(PermissionDenied):
        services.program_update(actor=c.acme_member, vendor=c.acme, accepts_applications=False, program_criteria="")
    with pytest.raises(PermissionDenied):
        services.tier_update(actor=c.globex_admin, tier=tier, discount_percent="90")
    with pytest.raises(PermissionDenied):
        services.product_create(actor=c.globex_admin, vendor=c.acme, sku="X-1", name="X", list_price="1")
    with pytest.raises(PermissionDenied):
        services.tier_delete(actor=c.initech_admin, tier=tier)
    tier.refresh_from_db()
    product.refresh_from_db()
    assert (tier.discount_percent, product.list_price) == (Decimal("35"), Decimal("499.00"))
    assert not Tier.objects.filter(name="Bronze").exists()


def test_only_vendors_run_programs(channel):
    c = channel
    with pytest.raises(ValidationError):
        services.tier_create(actor=c.initech_admin, vendor=c.initech, name="Gold", discount_percent="10")
    with pytest.raises(ValidationError):
        services.product_create(actor=c.initech_admin, vendor=c.initech, sku="P-1", name="P", list_price="1")
    assert not Tier.objects.filter(vendor=c.initech).exists()
    assert not Product.objects.filter(vendor=c.initech).exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-0.01", "A price cannot be negative."),
        ("abc", "Enter a price as a number, e.g. 1299.00."),
        ("", "Enter a price as a number, e.g. 1299.00."),
        (None, "Enter a price as a number, e.g. 1299.00."),
        ("NaN", "Enter a price as a number, e.g. 1299.00."),
        ("Infinity", "Enter a price as a number, e.g. 1299.00."),
        ("10000000000", "That price is too large: at most 1,000,000,000."),
    ],
)
def test_bad_price_is_a_field_error_and_nothing_is_written(channel, value, message):
    c = channel
    count = Product.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.product_create(actor=c.acme_admin, vendor=c.acme, sku="NEW-1", name="New", list_price=value)
    assert exc.value.message_dict == {"list_price": [message]}
    with pytest.raises(ValidationError) as exc:
        services.product_update(actor=c.acme_admin, product=c.acme_router, list_price=value)
    assert exc.value.message_dict == {"list_price": [message]}
    assert Product.objects.count() == count
    c.acme_router.refresh_from_db()
    assert c.acme_router.list_price == Decimal("1299.99")


def test_product_field_errors(channel):
    c = channel
    with pytest.raises(ValidationError) as exc:
        services.product_create(actor=c.acme_admin, vendor=c.acme, sku="acm-r100", name="Dup", list_price="1")
    assert "sku" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.product_create(actor=c.acme_admin, vendor=c.acme, sku="N-1", name="N", list_price="1", currency="XXX")
    assert "currency" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        services.product_create(actor=c.acme_admin, vendor=c.acme, sku="N-1", name="", list_price="1")
    assert "name" in exc.value.error_dict
    assert not Product.objects.filter(sku="N-1").exists()
    # The same SKU at another vendor is fine.
    assert services.product_create(actor=c.globex_admin, vendor=c.globex, sku="ACM-R100", name="Ok", list_price="1")


@pytest.mark.parametrize("value", ["-1", "100.01", "abc", None, "NaN"])
def test_bad_discount_is_a_field_error(channel, value):
    c = channel
    with pytest.raises(ValidationError) as exc:
        services.tier_create(actor=c.acme_admin, vendor=c.acme, name="Odd", discount_percent=value)
    assert "discount_percent" in exc.value.error_dict
    assert not Tier.objects.filter(name="Odd").exists()


def test_tier_names_are_unique_per_vendor_and_used_tiers_stay(channel):
    c = channel
    with pytest.raises(ValidationError) as exc:
        services.tier_create(actor=c.acme_admin, vendor=c.acme, name="gold", discount_percent="10")
    assert "name" in exc.value.error_dict
    with pytest.raises(ValidationError):
        services.tier_delete(actor=c.acme_admin, tier=c.gold)
    assert Tier.objects.filter(pk=c.gold.pk).exists()
    unused = services.tier_create(actor=c.acme_admin, vendor=c.acme, name="Bronze", discount_percent="5")
    services.tier_delete(actor=c.acme_admin, tier=unused)
    assert not Tier.objects.filter(pk=unused.pk).exists()


# --- atomicity: a service that fails halfway writes nothing --------------------------------------------------


def table_sizes():
    return (
        Partnership.objects.count(),
        PartnershipGroupObjectPermission.objects.count(),
        PartnershipEvent.objects.count(),
    )


def test_failed_application_writes_nothing(channel, newcomer):
    c = channel
    before = table_sizes()
    with pytest.raises(ValidationError):
        apply(c, vendor=c.acme, distributor=c.northwind)
    assert table_sizes() == before


def test_application_failing_after_its_first_writes_rolls_back(channel, newcomer, monkeypatch):
    """The event is the last write; if it fails, the partnership and its grants go too."""
    c = channel

    def broken_event(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_event", broken_event)
    before = table_sizes()
    with pytest.raises(RuntimeError):
        apply(c)
    assert table_sizes() == before


def test_approval_failing_halfway_keeps_the_application_as_it_was(channel, applicant, monkeypatch):
    c = channel

    def broken_event(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_event", broken_event)
    before = table_sizes()
    with pytest.raises(RuntimeError):
        services.partnership_approve(actor=c.acme_admin, partnership=applicant, tier=c.gold)
    assert table_sizes() == before
    applicant.refresh_from_db()
    assert (applicant.status, applicant.tier_id) == (Status.APPLIED, None)
    assert not access.has_partnership_perm(fresh(c.newcomer_admin), applicant, access.ACCESS_PROGRAM)


def test_suspension_failing_halfway_keeps_access(channel, monkeypatch):
    c = channel

    def broken_event(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_event", broken_event)
    with pytest.raises(RuntimeError):
        services.partnership_suspend(actor=c.acme_admin, partnership=c.initech_acme)
    c.initech_acme.refresh_from_db()
    assert c.initech_acme.status == Status.ACTIVE
    assert access.has_partnership_perm(fresh(c.initech_rep), c.initech_acme, access.ACCESS_PROGRAM)


def test_product_with_negative_price_leaves_no_row(channel):
    c = channel
    with pytest.raises(ValidationError):
        services.product_create(actor=c.acme_admin, vendor=c.acme, sku="NEG-1", name="Neg", list_price=Decimal("-5"))
    assert not Product.objects.filter(sku="NEG-1").exists()
