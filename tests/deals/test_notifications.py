"""Who is told what about a registration, and that a partner is never told about another partner's."""

from datetime import timedelta

import pytest

from deals import services
from notifications import kinds
from notifications import selectors as inbox
from notifications.models import Notification, Receipt
from tests import factories as f
from tests.deals.service_helpers import fresh, told
from vendors import services as vendor_services
from vendors.models import Membership, Organization

Role = Membership.Role


@pytest.fixture
def deal(channel):
    """Initech's registration with Acme, made and submitted by Initech's rep (a member, not an admin)."""
    return f.deal(channel.initech_rep, channel.initech, channel.acme, lines=[(channel.acme_router, 2)], submit=True)


@pytest.fixture
def two_tier(channel):
    """Initech's registration with Globex through Northwind, made by Initech's rep."""
    channel.northwind_member = f.member(channel.northwind, Role.MEMBER)
    return f.deal(channel.initech_rep, channel.initech, channel.globex, lines=[(channel.globex_fw, 1)], submit=True)


def only(kind, subject):
    return Notification.objects.get(kind=kind, subject_id=subject.pk)


# --- the vendor's side ------------------------------------------------------------------------------------------


def test_submitted_tells_the_vendors_admins_and_managers_not_its_members(channel, deal):
    c = channel
    assert told("deal.submitted", deal) == {c.acme_admin, c.acme_manager}
    notification = only("deal.submitted", deal)
    assert (notification.organization, notification.vendor, notification.actor) == (c.acme, c.acme, c.initech_rep)
    assert notification.title == f"Initech Solutions registered a deal: {deal.title}"
    assert notification.body == f"Hooli Inc., 1,819.98 USD, closing {deal.expected_close_date}."
    # Nobody on the partner's side is told of their own submission.
    assert not Receipt.objects.filter(organization=c.initech, notification__kind__startswith="deal.").exists()


def test_a_resubmission_tells_the_vendor_again(channel, deal):
    c = channel
    services.deal_request_info(actor=c.acme_admin, deal=deal, question="How many sites?")
    services.deal_submit(actor=c.initech_rep, deal=deal)
    titles = Notification.objects.filter(kind="deal.submitted").order_by("id").values_list("title", flat=True)
    assert list(titles) == [
        f"Initech Solutions registered a deal: {deal.title}",
        f"Initech Solutions resubmitted a deal: {deal.title}",
    ]


def test_submitted_in_two_tier_also_tells_the_distributors_admins(channel, two_tier):
    c = channel
    assert told("deal.submitted", two_tier) == {c.globex_admin, c.northwind_admin}
    assert {n.organization for n in Notification.objects.filter(kind="deal.submitted")} == {c.globex, c.northwind}


def test_an_extension_request_tells_the_vendor_only(channel, two_tier):
    c = channel
    services.deal_approve(actor=c.globex_admin, deal=two_tier)
    services.deal_request_extension(actor=c.initech_rep, deal=two_tier, days=30, reason="Budget moved to Q3.")
    assert told("deal.extension_requested", two_tier) == {c.globex_admin}
    notification = only("deal.extension_requested", two_tier)
    assert notification.title == f"Initech Solutions asks to extend {two_tier.title} by 30 days"
    assert notification.body.endswith("Budget moved to Q3.")


def test_a_partners_comment_tells_the_vendor_and_the_distributor(channel, deal, two_tier):
    c = channel
    services.deal_comment(actor=c.initech_rep, deal=deal, body="The customer signed the NDA.")
    assert told("deal.comment_channel", deal) == {c.acme_admin, c.acme_manager}
    services.deal_comment(actor=c.initech_rep, deal=two_tier, body="Please reserve stock.")
    assert told("deal.comment_channel", two_tier) == {c.globex_admin, c.northwind_admin}
    notification = only("deal.comment_channel", deal)
    assert notification.body == "The customer signed the NDA."
    assert notification.title.endswith(f"(Initech Solutions) commented on {deal.reference} {deal.title}")
    # The partner is not told of its own comment.
    assert not Notification.objects.filter(kind="deal.comment").exists()


def test_a_vendors_comment_tells_the_partner_and_the_distributor_not_the_author(channel, two_tier):
    c = channel
    services.deal_comment(actor=c.globex_admin, deal=two_tier, body="Which firmware?")
    assert told("deal.comment", two_tier) == {c.initech_rep}
    assert told("deal.comment_channel", two_tier) == {c.northwind_admin}
    services.deal_comment(actor=c.northwind_admin, deal=two_tier, body="Stock reserved.")
    assert Receipt.objects.filter(notification__kind="deal.comment", user=c.initech_rep).count() == 2
    assert told("deal.comment_channel", two_tier) == {c.northwind_admin, c.globex_admin}


def test_a_comment_on_a_draft_tells_no_one(channel):
    c = channel
    draft = f.deal(c.initech_rep, c.initech, c.acme, lines=[(c.acme_router, 1)], submit=False)
    services.deal_comment(actor=c.initech_admin, deal=draft, body="Let's wait for the RFP.")
    assert not Notification.objects.filter(kind__startswith="deal.").exists()


# --- the partner's side -----------------------------------------------------------------------------------------


def test_decisions_and_questions_tell_the_person_who_registered(channel, deal):
    c = channel
    services.deal_request_info(actor=c.acme_manager, deal=deal, question="Who signs?")
    assert told("deal.info_requested", deal) == {c.initech_rep}
    assert only("deal.info_requested", deal).title == f"Acme Networks needs more about {deal.title}"
    assert only("deal.info_requested", deal).body == "Who signs?"
    services.deal_submit(actor=c.initech_rep, deal=deal)

    approved = services.deal_approve(actor=c.acme_manager, deal=deal, note="Good luck.")
    assert told("deal.approved", deal) == {c.initech_rep}
    notification = only("deal.approved", deal)
    assert notification.title == f"Acme Networks approved {deal.title}"
    assert notification.body == f"Protected until {approved.expires_on:%Y-%m-%d}. Good luck."

    services.deal_comment(actor=c.acme_admin, deal=deal, body="Send us the PO when you have it.")
    assert told("deal.comment", deal) == {c.initech_rep}

    services.deals_expire_due(today=approved.expires_on - timedelta(days=14))
    assert told("deal.expiring", deal) == {c.initech_rep}
    services.deals_expire_due(today=approved.expires_on + timedelta(days=1))
    assert told("deal.expired", deal) == {c.initech_rep}

    assert not Receipt.objects.filter(user=c.initech_admin, notification__kind__startswith="deal.").exists()


def test_rejection_tells_the_partner_with_the_reason(channel, deal):
    c = channel
    services.deal_reject(actor=c.acme_admin, deal=deal, reason="The customer buys direct.")
    assert told("deal.rejected", deal) == {c.initech_rep}
    assert (only("deal.rejected", deal).title, only("deal.rejected", deal).body) == (
        f"Acme Networks rejected {deal.title}",
        "The customer buys direct.",
    )


def test_an_extension_decision_tells_the_partner(channel, deal):
    c = channel
    deal = services.deal_approve(actor=c.acme_admin, deal=deal)
    services.deal_request_extension(actor=c.initech_rep, deal=deal, days=15, reason="Legal review.")
    services.deal_decide_extension(actor=c.acme_admin, deal=deal, grant=True)
    assert told("deal.extension_decided", deal) == {c.initech_rep}
    assert only("deal.extension_decided", deal).title == (
        f"Acme Networks extended {deal.title} until {fresh(deal).expires_on:%Y-%m-%d}"
    )


def test_when_the_registrant_has_left_the_whole_partner_is_told(channel, deal):
    c = channel
    vendor_services.membership_remove(
        actor=c.initech_admin, membership=Membership.objects.get(organization=c.initech, user=c.initech_rep)
    )
    colleague = f.member(c.initech, Role.MEMBER)
    services.deal_approve(actor=c.acme_admin, deal=deal)
    assert told("deal.approved", deal) == {c.initech_admin, colleague}


# --- nothing about another partner ------------------------------------------------------------------------------


def partner_side_receipts(*organizations):
    return Receipt.objects.filter(
        organization__in=organizations, notification__kind__startswith="deal."
    ).select_related("notification")


def test_no_notification_a_partner_gets_names_another_partner_or_a_conflict(channel):
    c = channel
    vandelay = f.partner("Vandelay Resellers")
    vandelay_admin = f.admin_of(vandelay)
    f.partnership(c.globex, vandelay, c.standard, distributor=c.northwind)
    direct = f.partner("Direct Dynamics")
    direct_admin = f.admin_of(direct)
    f.partnership(c.globex, direct, c.standard)

    mine = f.deal(c.initech_rep, c.initech, c.acme, lines=[(c.acme_router, 1)], submit=True)
    theirs = f.deal(c.umbrella_admin, c.umbrella, c.acme, lines=[(c.acme_router, 2)], submit=True)
    mine_glx = f.deal(c.initech_rep, c.initech, c.globex, lines=[(c.globex_fw, 1)], submit=True)
    theirs_glx = f.deal(vandelay_admin, vandelay, c.globex, lines=[(c.globex_fw, 2)], submit=True)
    direct_glx = f.deal(direct_admin, direct, c.globex, lines=[(c.globex_fw, 3)], submit=True)
    assert fresh(mine).has_conflict and fresh(mine_glx).has_conflict and fresh(direct_glx).has_conflict

    for vendor_admin, first, second in ((c.acme_admin, mine, theirs), (c.globex_admin, mine_glx, theirs_glx)):
        services.deal_request_info(actor=vendor_admin, deal=first, question="Who decides at the customer?")
        services.deal_comment(actor=vendor_admin, deal=second, body="Thanks, we are reviewing.")
        services.deal_submit(actor=first.created_by, deal=first)
        approved = services.deal_approve(actor=vendor_admin, deal=first)
        services.deal_reject(actor=vendor_admin, deal=second, reason="The customer is already protected.")
        services.deal_request_extension(actor=first.created_by, deal=approved, days=10, reason="Late PO.")
        services.deal_decide_extension(actor=vendor_admin, deal=approved, grant=False, response="Not this time.")
        services.deals_expire_due(today=approved.expires_on - timedelta(days=3))
        services.deals_expire_due(today=approved.expires_on + timedelta(days=1))
    services.deal_comment(actor=c.northwind_admin, deal=mine_glx, body="Stock is reserved.")

    mine_side = list(partner_side_receipts(c.initech))
    assert {r.notification.kind for r in mine_side} >= {
        "deal.info_requested",
        "deal.approved",
        "deal.extension_decided",
        "deal.expiring",
        "deal.expired",
        "deal.comment",
    }
    their_side = list(partner_side_receipts(c.umbrella, vandelay, direct))
    assert {r.notification.kind for r in their_side} >= {"deal.rejected", "deal.comment"}
    names = {c.initech: "initech", c.umbrella: "umbrella", vandelay: "vandelay", direct: "direct dynamics"}
    for receipt in mine_side + their_side:
        text = f"{receipt.notification.title}\n{receipt.notification.body}".lower()
        for organization, name in names.items():
            if organization != receipt.organization:
                assert name not in text, (receipt.organization, text)
        assert "conflict" not in text

    # The distributor sees its resellers' registrations, but is told nothing of conflicts either.
    distributor_side = list(partner_side_receipts(c.northwind))
    assert distributor_side
    for receipt in distributor_side:
        text = f"{receipt.notification.title}\n{receipt.notification.body}".lower()
        assert "conflict" not in text and "direct dynamics" not in text
    # The vendor is told, on each submission that found the other (Acme: Umbrella's, Initech's resubmission).
    assert Notification.objects.filter(organization=c.acme, body__contains="Possible conflict").count() == 2
    assert Notification.objects.filter(organization=c.globex, body__contains="Possible conflict").count() == 3


# --- links --------------------------------------------------------------------------------------------------


def test_links_resolve_only_for_people_who_may_see_the_registration(channel, deal, django_assert_max_num_queries):
    c = channel
    services.deal_approve(actor=c.acme_admin, deal=deal)
    services.deal_comment(actor=c.initech_rep, deal=deal, body="Thanks!")
    path = f"/deals/{deal.pk}/"

    partners = Receipt.objects.get(user=c.initech_rep, notification__kind="deal.approved")
    vendors = Receipt.objects.get(user=c.acme_manager, notification__kind="deal.submitted")
    for receipt in (partners, vendors):
        assert inbox.link_for(receipt, receipt.user) == path
    for outsider in (c.umbrella_admin, c.globex_admin, c.northwind_admin):
        assert inbox.link_for(partners, outsider) is None
        assert inbox.links_for([partners, vendors], outsider) == {partners.pk: None, vendors.pk: None}
    # Every type the deals app declares resolves its links the same way, one by one and in bulk.
    deal_kinds = [k for k in kinds.REGISTRY.values() if k.key.startswith("deal.")]
    assert len(deal_kinds) == 10
    for kind in deal_kinds:
        assert kind.link(partners.notification, c.initech_admin) == path
        assert kind.link(partners.notification, c.umbrella_admin) is None
        assert kind.links([partners.notification], c.acme_member) == {partners.notification.pk: path}

    receipts = list(
        Receipt.objects.filter(user=c.acme_manager, notification__kind__startswith="deal.").select_related(
            "notification"
        )
    )
    assert len(receipts) == 2
    with django_assert_max_num_queries(3):
        assert set(inbox.links_for(receipts, c.acme_manager).values()) == {path}


def test_a_draft_links_only_for_the_partner(channel):
    c = channel
    draft = f.deal(c.initech_rep, c.initech, c.acme, lines=[(c.acme_router, 1)], submit=False)
    notification = Notification(kind="deal.comment", subject_id=draft.pk, organization=c.initech)
    link = kinds.get("deal.comment").link
    assert link(notification, c.initech_admin) == f"/deals/{draft.pk}/"
    assert link(notification, c.acme_admin) is None
    assert link(Notification(kind="deal.comment", subject_id=None, organization=c.initech), c.initech_admin) is None


def test_deal_types_reach_the_right_kinds_of_organization(channel):
    vendor_side = {"deal.submitted", "deal.extension_requested", "deal.comment_channel"}
    deal_kinds = [k for k in kinds.REGISTRY.values() if k.key.startswith("deal.")]
    assert vendor_side < {kind.key for kind in deal_kinds}
    for kind in deal_kinds:
        if kind.key in vendor_side:
            assert kind.roles == (Role.ADMIN, Role.MANAGER)
            assert Organization.Kind.PARTNER not in kind.audience
        else:
            assert kind.audience == (Organization.Kind.PARTNER,)
            assert kind.roles is None
