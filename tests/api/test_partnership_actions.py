"""Applying to a program and the vendor's answers, through the API: the same services and rules as the HTML."""

from decimal import Decimal

import pytest

from tests import factories as f
from tests.api.helpers import API, errors
from vendors.models import Membership, Partnership, PartnershipEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def hooli(channel):
    """A third vendor that accepts applications, sells through Northwind, and has not met our partners yet."""
    vendor = f.vendor("Hooli Cloud")
    f.distribution(vendor, channel.northwind, Decimal("4"))
    return vendor


@pytest.fixture
def hooli_tier(hooli):
    return f.TierFactory(vendor=hooli, name="Registered", rank=1, discount_percent=Decimal("15"))


def apply(client, vendor, **body):
    return client.post(
        f"{API}/partnerships/", {"vendor": vendor.pk, "message": "We resell cloud in Ohio.", **body}, format="json"
    )


def post(client, partnership, action, body=None):
    return client.post(f"{API}/partnerships/{partnership.pk}/{action}/", body or {}, format="json")


# --- apply ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("revenue", ["-5", "5M", "1e9", 12])
def test_annual_revenue_is_one_of_the_bands(api, channel, hooli, revenue):
    """A number or free text is not a revenue band: a 400 on the field, and no application."""
    before = Partnership.objects.count()
    body = errors(apply(api(channel.initech_admin), hooli, annual_revenue=revenue))
    assert list(body) == ["annual_revenue"]
    assert Partnership.objects.count() == before


def test_partner_admin_applies(api, channel, hooli):
    response = apply(api(channel.initech_admin), hooli, region="Midwest", annual_revenue="1m-10m")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "applied"
    assert body["vendor"]["id"] == hooli.pk
    assert body["partner"]["id"] == channel.initech.pk
    assert body["tier"] is None
    assert body["application_message"] == "We resell cloud in Ohio."
    assert body["application_region"] == "Midwest"
    assert body["application_annual_revenue"] == "$1M – $10M"
    # The vendor sees the application; the other partner does not.
    assert api(f.admin_of(hooli)).get(f"{API}/partnerships/{body['id']}/").json()["status"] == "applied"
    assert api(channel.umbrella_admin).get(f"{API}/partnerships/{body['id']}/").status_code == 404


def test_apply_through_a_distributor(api, channel, hooli):
    response = apply(api(channel.umbrella_admin), hooli, distributor=channel.northwind.pk)
    assert response.status_code == 201, response.content
    assert response.json()["distributor"]["id"] == channel.northwind.pk
    partnership = Partnership.objects.get(pk=response.json()["id"])
    assert partnership.distributor_id == channel.northwind.pk
    # The distributor sees the application it is named in.
    assert api(channel.northwind_admin).get(f"{API}/partnerships/{partnership.pk}/").status_code == 200


def test_apply_through_a_distributor_the_vendor_does_not_use(api, channel, hooli):
    other = f.distributor("Southwind")
    for distributor_id in (other.pk, channel.acme.pk, 999999):
        body = errors(apply(api(channel.umbrella_admin), hooli, distributor=distributor_id))
        assert "does not sell through" in body["distributor"][0]
    assert not Partnership.objects.filter(vendor=hooli).exists()


def test_duplicate_application_is_a_400_and_writes_nothing(api, channel, hooli):
    client = api(channel.initech_admin)
    assert apply(client, hooli).status_code == 201
    body = errors(apply(client, hooli))
    assert "already applied" in body["non_field_errors"][0]
    assert Partnership.objects.filter(vendor=hooli, partner=channel.initech).count() == 1


def test_applying_to_a_current_vendor_is_a_400(api, channel):
    body = errors(apply(api(channel.initech_admin), channel.acme))
    assert "already have a partnership" in body["non_field_errors"][0]


def test_member_cannot_apply(api, channel, hooli):
    response = apply(api(channel.initech_rep), hooli)
    assert response.status_code == 403
    assert not Partnership.objects.filter(vendor=hooli).exists()


def test_application_needs_a_message(api, channel, hooli):
    body = errors(apply(api(channel.initech_admin), hooli, message="  "))
    assert body["message"] == ["Tell the vendor why you want to partner with them."]
    body = errors(api(channel.initech_admin).post(f"{API}/partnerships/", {"vendor": hooli.pk}, format="json"))
    assert "message" in body


def test_vendor_not_accepting_applications(api, channel):
    closed = f.vendor("Closed Corp", accepts_applications=False)
    body = errors(apply(api(channel.initech_admin), closed))
    assert body == {"vendor": ["Choose a vendor from the directory."]}
    assert not Partnership.objects.filter(vendor=closed).exists()
    # A vendor the partner knows (it declined an earlier application) that stopped accepting applications.
    vandelay = f.vendor("Vandelay Industries")
    f.partnership(vandelay, channel.umbrella, status=Partnership.Status.DECLINED)
    f.services.program_update(
        actor=f.admin_of(vandelay), vendor=vandelay, accepts_applications=False, program_criteria=""
    )
    body = errors(apply(api(channel.umbrella_admin), vandelay))
    assert body == {"non_field_errors": ["This vendor is not accepting partner applications."]}
    assert Partnership.objects.filter(vendor=vandelay).count() == 1


def test_vendor_id_must_be_a_vendor(api, channel):
    for bad in (channel.umbrella.pk, channel.northwind.pk, "abc", None):
        response = api(channel.initech_admin).post(
            f"{API}/partnerships/", {"vendor": bad, "message": "Hello"}, format="json"
        )
        assert response.status_code == 400
        assert "vendor" in response.json()


def test_vendor_cannot_apply(api, channel, hooli):
    response = apply(api(channel.acme_admin), hooli)
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Only partner organizations apply to vendor programs."]}


# --- approve and decline --------------------------------------------------------------------------------------


@pytest.fixture
def application(channel, hooli):
    return f.partnership(hooli, channel.initech, status=Partnership.Status.APPLIED)


def test_vendor_manager_approves_into_a_tier(api, channel, hooli, hooli_tier, application):
    manager = f.member(hooli, Membership.Role.MANAGER)
    response = post(api(manager), application, "approve", {"tier": hooli_tier.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "active"
    assert body["tier"] == {"id": hooli_tier.pk, "name": "Registered", "discount_percent": "15.00"}
    assert body["started_at"]
    # The partner now has the program: Hooli's tiers show up for it.
    assert api(channel.initech_rep).get(f"{API}/tiers/{hooli_tier.pk}/").status_code == 200


def test_approve_with_a_distributor(api, channel, hooli, hooli_tier, application):
    response = post(
        api(f.admin_of(hooli)), application, "approve", {"tier": hooli_tier.pk, "distributor": channel.northwind.pk}
    )
    assert response.status_code == 200, response.content
    assert response.json()["distributor"]["id"] == channel.northwind.pk
    body = errors(post(api(f.admin_of(hooli)), application, "approve", {"tier": hooli_tier.pk}))
    assert body["non_field_errors"] == ["Only a pending application can be approved."]


def test_approve_with_a_distributor_the_vendor_does_not_use(api, channel, hooli, hooli_tier, application):
    other = f.distributor("Southwind")
    body = errors(
        post(api(f.admin_of(hooli)), application, "approve", {"tier": hooli_tier.pk, "distributor": other.pk})
    )
    assert "does not sell through" in body["distributor"][0]
    application.refresh_from_db()
    assert application.status == "applied"


def test_tier_of_another_vendor_is_a_field_error_not_a_leak(api, channel, hooli, application):
    client = api(f.admin_of(hooli))
    foreign = errors(post(client, application, "approve", {"tier": channel.gold.pk}))
    missing = errors(post(client, application, "approve", {"tier": 999999}))
    # The same answer for another vendor's tier and for a tier that does not exist.
    assert foreign == missing == {"tier": ["Choose one of your own tiers."]}
    application.refresh_from_db()
    assert application.status == "applied"
    assert application.tier_id is None
    assert errors(post(client, application, "approve", {"tier": "gold"}))["tier"]
    assert errors(post(client, application, "approve", {}))["tier"]


def test_a_vendor_admin_of_two_vendors_cannot_use_the_other_vendors_tier(api, channel, hooli, application):
    """Someone who can see both ladders still gets the service's refusal, as a field error."""
    person = f.admin_of(hooli)
    f.services.membership_add(organization=channel.acme, user=person, role=Membership.Role.ADMIN)
    body = errors(post(api(person), application, "approve", {"tier": channel.gold.pk}))
    assert body == {"tier": ["Choose one of your own tiers."]}
    application.refresh_from_db()
    assert application.status == "applied"


def test_partner_cannot_approve_its_own_application(api, channel, hooli, hooli_tier, application):
    client = api(channel.initech_admin)
    assert client.get(f"{API}/partnerships/{application.pk}/").status_code == 200
    for body in ({"tier": hooli_tier.pk}, {"tier": channel.gold.pk}, {}):
        assert post(client, application, "approve", body).status_code == 403
    assert post(client, application, "decline", {"reason": "Changed our mind"}).status_code == 403
    application.refresh_from_db()
    assert application.status == "applied"


def test_vendor_member_cannot_approve(api, channel, hooli, hooli_tier, application):
    member = f.member(hooli, Membership.Role.MEMBER)
    assert post(api(member), application, "approve", {"tier": hooli_tier.pk}).status_code == 403
    assert post(api(member), application, "decline", {"reason": "No."}).status_code == 403
    application.refresh_from_db()
    assert application.status == "applied"


def test_distributor_cannot_approve(api, channel, hooli, hooli_tier):
    application = f.partnership(
        hooli, channel.umbrella, status=Partnership.Status.APPLIED, distributor=channel.northwind
    )
    client = api(channel.northwind_admin)
    assert client.get(f"{API}/partnerships/{application.pk}/").status_code == 200
    assert post(client, application, "approve", {"tier": hooli_tier.pk}).status_code == 403


def test_decline_with_a_reason_the_partner_sees(api, channel, hooli, application):
    client = api(f.admin_of(hooli))
    assert errors(post(client, application, "decline", {"reason": ""})) == {
        "reason": ["Tell the partner why; they will see this reason."]
    }
    assert "reason" in errors(post(client, application, "decline", {}))
    response = post(client, application, "decline", {"reason": "We only work with partners in Europe."})
    assert response.status_code == 200
    assert response.json()["status"] == "declined"
    seen = api(channel.initech_rep).get(f"{API}/partnerships/{application.pk}/").json()
    assert seen["status"] == "declined"
    assert seen["decline_reason"] == "We only work with partners in Europe."


def test_declined_partner_may_apply_again(api, channel, hooli, application):
    post(api(f.admin_of(hooli)), application, "decline", {"reason": "Not now."})
    assert apply(api(channel.initech_admin), hooli).status_code == 201


# --- change tier, suspend, reactivate, end --------------------------------------------------------------------


def test_change_tier(api, channel):
    client = api(channel.acme_manager)
    response = post(client, channel.initech_acme, "change-tier", {"tier": channel.silver.pk})
    assert response.status_code == 200
    assert response.json()["tier"]["name"] == "Silver"
    assert errors(post(client, channel.initech_acme, "change-tier", {"tier": channel.silver.pk})) == {
        "tier": ["The partner is already in this tier."]
    }
    assert errors(post(client, channel.initech_acme, "change-tier", {"tier": channel.standard.pk})) == {
        "tier": ["Choose one of your own tiers."]
    }
    assert (
        PartnershipEvent.objects.filter(
            partnership=channel.initech_acme, kind=PartnershipEvent.Kind.TIER_CHANGED
        ).count()
        == 1
    )


def test_change_tier_refused_to_partners_and_members(api, channel):
    for person in (channel.initech_admin, channel.acme_member):
        response = post(api(person), channel.initech_acme, "change-tier", {"tier": channel.silver.pk})
        assert response.status_code == 403
    channel.initech_acme.refresh_from_db()
    assert channel.initech_acme.tier_id == channel.gold.pk


def test_suspend_reactivate_end(api, channel):
    client = api(channel.acme_manager)
    partner = api(channel.umbrella_admin)
    assert "reason" in errors(post(client, channel.umbrella_acme, "suspend", {"reason": ""}))
    response = post(client, channel.umbrella_acme, "suspend", {"reason": "Certification lapsed."})
    assert response.status_code == 200
    assert response.json()["status"] == "suspended"
    assert response.json()["status_reason"] == "Certification lapsed."
    assert partner.get(f"{API}/products/").json()["results"] == []
    assert errors(post(client, channel.umbrella_acme, "suspend", {"reason": "Again."})) == {
        "non_field_errors": ["Only an active partnership can be suspended."]
    }

    response = post(client, channel.umbrella_acme, "reactivate")
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert [row["sku"] for row in partner.get(f"{API}/products/").json()["results"]] == ["ACM-R100"]
    assert errors(post(client, channel.umbrella_acme, "reactivate"))["non_field_errors"]

    assert "reason" in errors(post(client, channel.umbrella_acme, "end", {}))
    response = post(client, channel.umbrella_acme, "end", {"reason": "Program closed in your region."})
    assert response.status_code == 200
    assert response.json()["status"] == "ended"
    assert response.json()["ended_at"]
    assert partner.get(f"{API}/products/").json()["results"] == []
    # The records stay visible to the partner.
    assert partner.get(f"{API}/partnerships/{channel.umbrella_acme.pk}/").json()["status"] == "ended"


@pytest.mark.parametrize("action, body", [("suspend", {"reason": "x"}), ("end", {"reason": "x"}), ("reactivate", {})])
def test_lifecycle_actions_refused_to_partners_members_and_distributors(api, channel, action, body):
    """Everyone here can see the partnership; none of them may act on it as its vendor."""
    globex_member = f.member(channel.globex, Membership.Role.MEMBER)
    if action == "reactivate":
        target, people = channel.umbrella_globex, (channel.umbrella_admin, globex_member)
    else:
        target, people = channel.initech_globex, (channel.initech_admin, channel.northwind_admin, globex_member)
    before = target.status
    for person in people:
        assert api(person).get(f"{API}/partnerships/{target.pk}/").status_code == 200
        assert post(api(person), target, action, body).status_code == 403
    target.refresh_from_db()
    assert target.status == before
