"""Who sees which rows of the channel graph, through the selectors (the only way views and API read them).

Every test reads as a fresh request would: ``fresh(user)`` reloads the person, so nothing cached on the
user object from an earlier read hides a change.
"""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from tests import factories as f
from vendors import access, selectors, services
from vendors.models import Partnership, PartnershipEvent

User = get_user_model()


def fresh(user):
    """The person as the next request loads them (nothing cached from earlier reads)."""
    return User.objects.get(pk=user.pk)


def pks(queryset):
    return set(queryset.values_list("pk", flat=True))


@pytest.fixture
def outsider(db):
    """Someone with an account and no organization."""
    return f.UserFactory()


@pytest.fixture
def hooli(channel):
    """A vendor that has stopped taking applications (so not in the public directory), Initech's third vendor."""
    hooli = f.vendor("Hooli Cloud")
    tier = f.TierFactory(vendor=hooli, name="Registered", discount_percent=Decimal("15"))
    channel.initech_hooli = f.partnership(hooli, channel.initech, tier)
    channel.hooli_product = f.ProductFactory(vendor=hooli, sku="HOO-1", name="Hooli Box")
    services.program_update(actor=f.admin_of(hooli), vendor=hooli, accepts_applications=False, program_criteria="")
    channel.hooli = hooli
    channel.hooli_admin = f.admin_of(hooli)
    return hooli


# --- partnerships ---------------------------------------------------------------------------------------


def test_vendor_people_see_only_their_vendors_partnerships(channel, hooli):
    c = channel
    for person in (c.acme_admin, c.acme_manager, c.acme_member):
        assert pks(selectors.partnerships_visible_to(fresh(person))) == {c.initech_acme.pk, c.umbrella_acme.pk}
    # Globex sees its own two, never Acme's, never Initech's Hooli partnership.
    assert pks(selectors.partnerships_visible_to(fresh(c.globex_admin))) == {
        c.initech_globex.pk,
        c.umbrella_globex.pk,
    }
    assert pks(selectors.partnerships_visible_to(fresh(c.hooli_admin))) == {c.initech_hooli.pk}


def test_partner_sees_its_own_partnerships_only(channel, hooli):
    c = channel
    for person in (c.initech_admin, c.initech_rep):
        assert pks(selectors.partnerships_visible_to(fresh(person))) == {
            c.initech_acme.pk,
            c.initech_globex.pk,
            c.initech_hooli.pk,
        }
    # Umbrella sees its suspended Globex partnership too (records stay visible), never Initech's.
    assert pks(selectors.partnerships_visible_to(fresh(c.umbrella_admin))) == {
        c.umbrella_acme.pk,
        c.umbrella_globex.pk,
    }


def test_distributor_sees_only_the_partnerships_through_it(channel, hooli):
    c = channel
    # Umbrella's Globex partnership is direct, so Northwind does not see it.
    assert pks(selectors.partnerships_visible_to(fresh(c.northwind_admin))) == {c.initech_globex.pk}


def test_person_in_no_organization_sees_nothing(channel, outsider):
    person = fresh(outsider)
    assert not selectors.partnerships_visible_to(person).exists()
    assert not selectors.organizations_visible_to(person).exists()
    assert not selectors.products_visible_to(person).exists()
    assert not selectors.tiers_visible_to(person).exists()
    assert not selectors.distributions_visible_to(person).exists()
    assert not selectors.memberships_visible_to(person).exists()
    assert not selectors.invitations_visible_to(person).exists()
    assert not selectors.events_visible_to(person).exists()


def test_inactive_person_sees_nothing(channel):
    person = fresh(channel.initech_rep)
    person.is_active = False
    person.save(update_fields=["is_active"])
    person = fresh(person)
    assert not selectors.partnerships_visible_to(person).exists()
    assert not selectors.products_visible_to(person).exists()
    assert not selectors.organizations_visible_to(person).exists()


def test_anonymous_sees_nothing(channel):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not selectors.partnerships_visible_to(anonymous).exists()
    assert not selectors.products_visible_to(anonymous).exists()
    assert not selectors.organizations_visible_to(anonymous).exists()


# --- products and tiers -----------------------------------------------------------------------------------


def test_products_follow_program_access(channel, hooli):
    c = channel
    retired = f.ProductFactory(vendor=c.acme, sku="ACM-OLD", name="Retired Router", active=False)
    # The vendor's own people see their whole catalog, retired products included.
    assert pks(selectors.products_visible_to(fresh(c.acme_member))) == {c.acme_router.pk, retired.pk}
    assert pks(selectors.products_visible_to(fresh(c.globex_admin))) == {c.globex_fw.pk}
    # Initech: every vendor it is active with, active products only.
    assert pks(selectors.products_visible_to(fresh(c.initech_rep))) == {
        c.acme_router.pk,
        c.globex_fw.pk,
        c.hooli_product.pk,
    }
    # Umbrella is suspended at Globex: Acme's catalog only.
    assert pks(selectors.products_visible_to(fresh(c.umbrella_admin))) == {c.acme_router.pk}
    # Northwind distributes Globex only.
    assert pks(selectors.products_visible_to(fresh(c.northwind_admin))) == {c.globex_fw.pk}


def test_tiers_follow_program_access(channel):
    c = channel
    assert pks(selectors.tiers_visible_to(fresh(c.acme_member))) == {c.gold.pk, c.silver.pk}
    assert pks(selectors.tiers_visible_to(fresh(c.globex_admin))) == {c.standard.pk}
    assert pks(selectors.tiers_visible_to(fresh(c.initech_rep))) == {c.gold.pk, c.silver.pk, c.standard.pk}
    assert pks(selectors.tiers_visible_to(fresh(c.umbrella_admin))) == {c.gold.pk, c.silver.pk}
    assert pks(selectors.tiers_visible_to(fresh(c.northwind_admin))) == {c.standard.pk}


def test_applied_partner_does_not_see_the_catalog_yet(channel):
    c = channel
    newcomer = f.partner("Newcomer IT")
    f.partnership(c.acme, newcomer, status=Partnership.Status.APPLIED)
    person = fresh(f.admin_of(newcomer))
    assert not selectors.products_visible_to(person).exists()
    assert not selectors.tiers_visible_to(person).exists()
    assert selectors.partnerships_visible_to(person).get().status == Partnership.Status.APPLIED


# --- organizations ----------------------------------------------------------------------------------------


def org_names(user):
    return set(selectors.organizations_visible_to(fresh(user)).values_list("name", flat=True))


def test_organizations_visible_to_each_side(channel, hooli):
    c = channel
    # Acme and Globex are in the public directory (they accept applications); Hooli is not.
    directory = {"Acme Networks", "Globex Security"}
    assert org_names(c.acme_member) == directory | {"Initech Solutions", "Umbrella IT"}
    assert org_names(c.globex_admin) == directory | {"Initech Solutions", "Umbrella IT", "Northwind Distribution"}
    assert org_names(c.hooli_admin) == directory | {"Hooli Cloud", "Initech Solutions"}
    assert org_names(c.northwind_admin) == directory | {"Northwind Distribution", "Initech Solutions"}
    assert org_names(c.initech_rep) == directory | {"Initech Solutions", "Hooli Cloud", "Northwind Distribution"}
    assert org_names(c.umbrella_admin) == directory | {"Umbrella IT"}


def test_vendor_never_sees_a_partners_other_vendor(channel, hooli):
    c = channel
    for person in (c.acme_admin, c.globex_admin, c.umbrella_admin, c.northwind_admin):
        assert not selectors.organizations_visible_to(fresh(person)).filter(pk=c.hooli.pk).exists()


# --- memberships, invitations, distributions, events ---------------------------------------------------


def test_memberships_of_own_organizations_only(channel):
    c = channel
    assert set(selectors.memberships_visible_to(fresh(c.acme_member)).values_list("user_id", flat=True)) == {
        c.acme_admin.pk,
        c.acme_manager.pk,
        c.acme_member.pk,
    }
    assert set(selectors.memberships_visible_to(fresh(c.initech_rep)).values_list("user_id", flat=True)) == {
        c.initech_admin.pk,
        c.initech_rep.pk,
    }
    # A vendor does not see its partners' people.
    assert not selectors.memberships_visible_to(fresh(c.acme_admin)).filter(organization=c.initech).exists()


def test_invitations_of_own_organizations_only(channel, django_capture_on_commit_callbacks):
    c = channel
    with django_capture_on_commit_callbacks(execute=False):
        acme_invite, _ = services.invitation_create(actor=c.acme_admin, organization=c.acme, email="new@acme.test")
        initech_invite, _ = services.invitation_create(
            actor=c.initech_admin, organization=c.initech, email="new@initech.test"
        )
    assert pks(selectors.invitations_visible_to(fresh(c.acme_member))) == {acme_invite.pk}
    assert pks(selectors.invitations_visible_to(fresh(c.initech_rep))) == {initech_invite.pk}
    assert not selectors.invitations_visible_to(fresh(c.umbrella_admin)).exists()
    assert not selectors.invitations_visible_to(fresh(c.globex_admin)).exists()


def test_distributions_visible_to_their_two_sides(channel):
    c = channel
    globex_northwind = c.globex.distributions.get(distributor=c.northwind)
    assert pks(selectors.distributions_visible_to(fresh(c.globex_admin))) == {globex_northwind.pk}
    assert pks(selectors.distributions_visible_to(fresh(c.northwind_admin))) == {globex_northwind.pk}
    for person in (c.acme_admin, c.initech_admin, c.umbrella_admin):
        assert not selectors.distributions_visible_to(fresh(person)).exists()


def event_partnerships(user):
    return set(selectors.events_visible_to(fresh(user)).values_list("partnership_id", flat=True))


def test_events_follow_the_partnership_records(channel):
    c = channel
    assert event_partnerships(c.acme_member) == {c.initech_acme.pk, c.umbrella_acme.pk}
    assert event_partnerships(c.globex_admin) == {c.initech_globex.pk, c.umbrella_globex.pk}
    assert event_partnerships(c.initech_rep) == {c.initech_acme.pk, c.initech_globex.pk}
    assert event_partnerships(c.umbrella_admin) == {c.umbrella_acme.pk, c.umbrella_globex.pk}
    assert event_partnerships(c.northwind_admin) == {c.initech_globex.pk}


# --- suspension, ending, reactivation ----------------------------------------------------------------------


def test_suspension_cuts_program_access_at_once_and_keeps_the_records(channel):
    c = channel
    p = c.initech_globex
    services.partnership_suspend(actor=c.globex_admin, partnership=p, reason="Certification lapsed.")

    initech = fresh(c.initech_rep)
    assert c.globex_fw.pk not in pks(selectors.products_visible_to(initech))
    assert c.standard.pk not in pks(selectors.tiers_visible_to(initech))
    assert c.acme_router.pk in pks(selectors.products_visible_to(initech))
    # The distributor's program access through this partnership goes too ...
    northwind = fresh(c.northwind_admin)
    assert not access.has_partnership_perm(northwind, p, access.ACCESS_PROGRAM)
    assert not access.has_partnership_perm(initech, p, access.ACCESS_PROGRAM)
    # ... while both sides (and the vendor) still see the partnership and its history.
    for person in (initech, northwind, fresh(c.globex_admin)):
        visible = selectors.partnerships_visible_to(person).get(pk=p.pk)
        assert visible.status == Partnership.Status.SUSPENDED
        assert visible.status_reason == "Certification lapsed."
        assert selectors.events_visible_to(person).filter(partnership=p, kind=PartnershipEvent.Kind.SUSPENDED).exists()
    # Northwind still distributes Globex, so it still sees Globex's catalog through the distribution.
    assert c.globex_fw.pk in pks(selectors.products_visible_to(northwind))
    # No price for a vendor the partner has no active program with.
    _, price_for = selectors.catalog(initech, c.initech)
    assert price_for(c.globex_fw) is None

    services.partnership_reactivate(actor=c.globex_admin, partnership=p)
    initech = fresh(c.initech_rep)
    assert c.globex_fw.pk in pks(selectors.products_visible_to(initech))
    assert c.standard.pk in pks(selectors.tiers_visible_to(initech))
    assert access.has_partnership_perm(fresh(c.northwind_admin), p, access.ACCESS_PROGRAM)
    assert access.has_partnership_perm(initech, p, access.ACCESS_PROGRAM)


def test_ending_cuts_program_access_and_keeps_the_records(channel):
    c = channel
    p = c.umbrella_acme
    services.partnership_end(actor=c.acme_manager, partnership=p, reason="Program closed in region.")
    umbrella = fresh(c.umbrella_admin)
    assert not selectors.products_visible_to(umbrella).exists()
    assert not selectors.tiers_visible_to(umbrella).exists()
    assert not access.has_partnership_perm(umbrella, p, access.ACCESS_PROGRAM)
    assert selectors.partnerships_visible_to(umbrella).get(pk=p.pk).status == Partnership.Status.ENDED
    assert selectors.partnerships_visible_to(fresh(c.acme_member)).get(pk=p.pk).status == Partnership.Status.ENDED
    # The rest of Acme's channel is untouched.
    assert c.acme_router.pk in pks(selectors.products_visible_to(fresh(c.initech_rep)))


def test_ending_a_two_tier_partnership_cuts_the_distributor_side_too(channel):
    c = channel
    p = c.initech_globex
    services.partnership_end(actor=c.globex_admin, partnership=p)
    northwind = fresh(c.northwind_admin)
    assert not access.has_partnership_perm(northwind, p, access.ACCESS_PROGRAM)
    assert access.has_partnership_perm(northwind, p, access.VIEW_RECORDS)
    assert pks(selectors.partnerships_visible_to(northwind)) == {p.pk}
    assert c.globex_fw.pk not in pks(selectors.products_visible_to(fresh(c.initech_rep)))


def test_declined_application_stays_visible_to_the_partner_with_its_reason(channel):
    c = channel
    newcomer = f.partner("Newcomer IT")
    p = f.partnership(c.acme, newcomer, status=Partnership.Status.APPLIED)
    services.partnership_decline(actor=c.acme_manager, partnership=p, reason="We have enough partners in Ohio.")
    person = fresh(f.admin_of(newcomer))
    seen = selectors.partnerships_visible_to(person).get(pk=p.pk)
    assert seen.status == Partnership.Status.DECLINED
    assert seen.decline_reason == "We have enough partners in Ohio."
    rows = selectors.partner_home(person, newcomer)
    assert [(r["partnership"].pk, r["partnership"].decline_reason) for r in rows] == [
        (p.pk, "We have enough partners in Ohio.")
    ]
    assert not selectors.products_visible_to(person).exists()


# --- detail lookups ------------------------------------------------------------------------------------------


def test_get_or_404_treats_invisible_like_nonexistent(channel):
    c = channel
    qs = selectors.partnerships_visible_to(fresh(c.acme_admin))
    assert access.get_or_404(qs, pk=c.initech_acme.pk) == c.initech_acme
    missing_id = Partnership.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    with pytest.raises(Http404) as invisible:
        access.get_or_404(qs, pk=c.initech_globex.pk)
    with pytest.raises(Http404) as nonexistent:
        access.get_or_404(qs, pk=missing_id)
    assert str(invisible.value) == str(nonexistent.value)
    with pytest.raises(Http404):
        access.get_or_404(qs, pk="not-a-number")
    with pytest.raises(Http404):
        access.get_or_404(selectors.products_visible_to(fresh(c.umbrella_admin)), pk=c.globex_fw.pk)
    with pytest.raises(Http404):
        access.get_or_404(selectors.organizations_visible_to(fresh(c.umbrella_admin)), pk=c.initech.pk)


# --- no model-level permission leaks, and guardian agrees -----------------------------------------------------


GLOBAL_PERMS = [
    ("vendors", "view_partnership"),
    ("vendors", "view_records"),
    ("vendors", "access_program"),
    ("vendors", "manage_partnership"),
    ("vendors", "view_product"),
    ("vendors", "view_tier"),
    ("vendors", "view_organization"),
    ("vendors", "view_membership"),
    ("vendors", "view_invitation"),
    ("vendors", "view_distribution"),
    ("vendors", "view_partnershipevent"),
]


def grant_global_perms(user):
    for app_label, codename in GLOBAL_PERMS:
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def snapshot(user):
    user = fresh(user)
    return {
        "partnerships": pks(selectors.partnerships_visible_to(user)),
        "organizations": pks(selectors.organizations_visible_to(user)),
        "products": pks(selectors.products_visible_to(user)),
        "tiers": pks(selectors.tiers_visible_to(user)),
        "distributions": pks(selectors.distributions_visible_to(user)),
        "memberships": pks(selectors.memberships_visible_to(user)),
        "invitations": pks(selectors.invitations_visible_to(user)),
        "events": pks(selectors.events_visible_to(user)),
    }


def test_model_level_permissions_never_widen_what_selectors_show(channel, outsider):
    c = channel
    before = snapshot(c.initech_rep)
    grant_global_perms(c.initech_rep)
    grant_global_perms(outsider)
    rep = fresh(c.initech_rep)
    assert rep.has_perm("vendors.view_records")  # the model-level permission is really there
    assert snapshot(rep) == before
    assert all(not rows for rows in snapshot(outsider).values())
    # Object checks through Django's backends ignore the model-level grant, too.
    assert not rep.has_perm("vendors.view_records", c.umbrella_acme)
    assert not rep.has_perm("vendors.manage_partnership", c.initech_acme)
    assert not fresh(outsider).has_perm("vendors.view_records", c.initech_acme)
    # And a model-level manage permission does not let a partner act as its vendor.
    rep_admin = fresh(c.initech_admin)
    grant_global_perms(rep_admin)
    with pytest.raises(PermissionDenied):
        services.partnership_suspend(actor=fresh(rep_admin), partnership=c.initech_acme)


def test_guardian_checker_agrees_with_the_selectors(channel):
    c = channel
    everyone = (c.acme_admin, c.acme_member, c.globex_admin, c.northwind_admin, c.initech_rep, c.umbrella_admin)
    partnerships = (c.initech_acme, c.initech_globex, c.umbrella_acme, c.umbrella_globex)
    for person in everyone:
        person = fresh(person)
        visible = pks(selectors.partnerships_visible_to(person))
        for p in partnerships:
            checker = ObjectPermissionChecker(person)
            assert checker.has_perm("view_records", p) == (p.pk in visible), (person, p)
            assert person.has_perm("vendors.view_records", p) == (p.pk in visible), (person, p)
        via_guardian = get_objects_for_user(
            person, "vendors.view_records", klass=Partnership, accept_global_perms=False
        )
        assert pks(via_guardian) == visible


def test_guardian_checker_sees_program_access_revoked(channel):
    c = channel
    p = c.umbrella_acme
    assert ObjectPermissionChecker(fresh(c.umbrella_admin)).has_perm("access_program", p)
    services.partnership_suspend(actor=c.acme_admin, partnership=p)
    assert not ObjectPermissionChecker(fresh(c.umbrella_admin)).has_perm("access_program", p)
    assert ObjectPermissionChecker(fresh(c.umbrella_admin)).has_perm("view_records", p)


def test_partner_home_lists_each_vendor_with_its_standing(channel):
    c = channel
    rows = selectors.partner_home(fresh(c.initech_rep), c.initech)
    assert [(r["vendor"].name, r["partnership"].tier.name, r["has_program"]) for r in rows] == [
        ("Acme Networks", "Gold", True),
        ("Globex Security", "Standard", True),
    ]
    rows = selectors.partner_home(fresh(c.umbrella_admin), c.umbrella)
    assert [(r["vendor"].name, r["partnership"].status, r["has_program"]) for r in rows] == [
        ("Acme Networks", Partnership.Status.ACTIVE, True),
        ("Globex Security", Partnership.Status.SUSPENDED, False),
    ]
