"""The harness catches what it is for: each test plants one bug (with monkeypatch, for this test only) and
checks that the sweep reports it. If one of these passes without a failure, the suite has gone blind."""

import random

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse

from core import routes
from deals import api as deals_api
from deals import selectors as deal_selectors
from deals import services as deal_services
from deals.models import DealRegistration, DealRules
from notifications import selectors as notification_selectors
from notifications import services as notifications
from notifications.models import Receipt
from tests.isolation import attack, plugins
from tests.isolation import world as w
from tests.isolation.endpoints import endpoints
from vendors import access, selectors, services
from vendors.access import get_or_404
from vendors.api import PartnershipViewSet
from vendors.models import Membership, Organization, Partnership, Tier

pytestmark = pytest.mark.django_db


def sweep(*names, deals=None):
    selected = [e for e in endpoints() if e.name in names]
    assert {e.name for e in selected} == set(names)
    if deals is None:  # a quicker world without registrations for the other routes
        deals = any(plugins.owner(e) == "deals" for e in selected)
    without = () if deals else {"deals"}
    with transaction.atomic():
        result = attack.run(w.World(w.small_spec(), without=without), random.Random(0), selected)
        transaction.set_rollback(True)
    return "\n".join(result.failures)


def test_it_passes_the_app_as_it_is():
    assert sweep("console:partner_detail", "tier-detail", "console:partners", "product-list") == ""


def test_a_403_for_a_row_the_person_may_not_see(monkeypatch):
    def get_or_403(queryset, **lookup):
        try:
            return queryset.get(**lookup)
        except queryset.model.DoesNotExist:
            raise PermissionDenied from None

    monkeypatch.setattr("vendors.views.get_or_404", get_or_403)
    assert "403 (not 404)" in sweep("console:tier_edit")


def test_a_list_that_shows_other_tenants_rows(monkeypatch):
    monkeypatch.setattr(
        selectors,
        "distributor_resellers",
        lambda user, distributor, **filters: Partnership.objects.select_related("vendor", "partner", "tier"),
    )
    failures = sweep("portal:distribution")
    assert "as distributor_admin: 200 shows rows it may not" in failures


def test_a_filter_that_reaches_another_vendors_partnerships(monkeypatch):
    honest = PartnershipViewSet.filter_list

    def filter_list(self, queryset, filters):
        if "vendor" in filters:
            return Partnership.objects.filter(vendor=filters["vendor"]).select_related("vendor", "partner", "tier")
        return honest(self, queryset, filters)

    monkeypatch.setattr(PartnershipViewSet, "filter_list", filter_list)
    failures = sweep("partnership-list")
    assert "?vendor=" in failures and "extra [" in failures and "shows rows it may not" in failures


def test_an_api_list_that_counts_rows_the_caller_may_not_see(monkeypatch):
    monkeypatch.setattr(selectors, "organizations_visible_to", lambda user: Organization.objects.all())
    failures = sweep("organization-list")
    assert "extra [" in failures


def test_a_write_on_another_tenants_row(monkeypatch):
    monkeypatch.setattr(selectors, "tiers_visible_to", lambda user: Tier.objects.all())
    monkeypatch.setattr("vendors.services.require_role", lambda *args, **kwargs: None)
    failures = sweep("tier-detail")
    assert "changed rows, acting on a row it may not see: vendors.Tier" in failures


def test_a_write_that_puts_another_vendors_tier_on_a_partnership(monkeypatch):
    monkeypatch.setattr("vendors.api._tier", lambda user, tier_id: Tier.objects.get(pk=tier_id))
    monkeypatch.setattr("vendors.services._tier_of", lambda vendor, tier: tier)
    failures = sweep("partnership-change-tier")
    assert "changed rows it may not change: vendors.Partnership" in failures


def test_a_route_declared_with_the_wrong_model(monkeypatch):
    wrong = routes.scoped("vendors.Product", kwarg="slug", field="sku")  # SKUs are slugs, but not vendors'
    monkeypatch.setitem(routes.declared().routes, "portal:vendor_detail", wrong)
    assert "declaration in its app's routes.py (model, kwarg, field) is probably wrong" in sweep("portal:vendor_detail")


def test_a_notification_list_that_shows_a_colleagues_notifications(monkeypatch):
    def whole_organization(user, organization):
        return Receipt.objects.filter(organization=organization) if organization else Receipt.objects.none()

    monkeypatch.setattr(notification_selectors, "receipts_visible_to", whole_organization)
    failures = sweep("notification-list")
    assert "extra [" in failures and "shows rows it may not" in failures


def test_a_notification_that_links_to_a_row_its_reader_may_not_see(monkeypatch):
    def everyone_to_the_outsider(receipts, user):
        hidden = Partnership.objects.order_by("-pk").first()  # the outsider's: nobody in the channel sees it
        return {r.pk: reverse("console:partner_detail", kwargs={"pk": hidden.pk}) for r in receipts}

    monkeypatch.setattr(notification_selectors, "links_for", everyone_to_the_outsider)
    assert "links to vendors.Partnership #" in sweep("notification-list")


def test_opening_someone_elses_notification(monkeypatch):
    def anyones(request, pk):
        return get_or_404(Receipt.objects.select_related("notification", "notification__organization"), pk=pk)

    monkeypatch.setattr("notifications.views._own_receipt", anyones)
    failures = sweep("notifications:open")
    assert "notifications.Receipt #" in failures and "(not 404)" in failures
    assert "changed rows, acting on a row it may not see: notifications.Receipt" in failures


def test_an_email_that_names_a_row_its_reader_may_not_see():
    with transaction.atomic():
        world = w.World(w.small_spec(), without={"deals"})
        partner = world.partners[0]
        outsider = world.vendors[-1].pk
        hidden = next(m for m, owner in world.markers.owner.items() if owner == (w.ORG, outsider))
        notifications.notify(
            kind="partnership.approved",
            organization=partner,
            recipient=world.people[partner.pk, Membership.Role.ADMIN],
            title=f"News from {hidden}",
        )
        result = attack.run(world, random.Random(0), [])
        transaction.set_rollback(True)
    assert f"for partner_admin names rows it may not: ['{hidden}']" in "\n".join(result.failures)


# --- deal registration ------------------------------------------------------------------------------------------


def test_a_draft_shown_to_the_vendor(monkeypatch):
    def without_the_draft_rule(user):
        if not access.group_ids(user):
            return DealRegistration.objects.none()
        return DealRegistration.objects.filter(partnership_id__in=access.partnership_ids(user, access.VIEW_RECORDS))

    monkeypatch.setattr(deal_selectors, "deals_visible_to", without_the_draft_rule)
    failures = sweep("deal-detail")
    assert "as vendor_admin: 200 shows rows it may not: xctc" in failures
    assert "deals.DealRegistration #" in failures and "200 (not 404)" in failures


def test_a_partner_told_its_registration_conflicts(monkeypatch):
    fields = [*deals_api.PartnerDealSerializer.Meta.fields, "has_conflict"]
    monkeypatch.setattr(deals_api.PartnerDealSerializer.Meta, "fields", fields)
    failures = sweep("deal-detail")
    assert "as partner_admin: 200 tells of conflicts between partners' registrations" in failures
    assert '"has_conflict":true' in failures


def test_a_conflicts_filter_a_partner_can_use(monkeypatch):
    honest = deal_selectors.deals_for

    def deals_for(user, organization, **filters):
        rows = honest(user, organization, **filters)
        return rows.filter(has_conflict=True) if filters.get("conflicts_only") else rows

    monkeypatch.setattr(deal_selectors, "deals_for", deals_for)
    failures = sweep("deal-list")
    assert "?conflicts= is not a partner's filter, yet it changed what the list shows" in failures
    assert "conflicts=true&page_size=200 as partner_admin: count" in failures


def test_a_distributor_told_of_a_conflict(monkeypatch):
    honest = deal_services._tell_channel

    def tell_everyone(kind, deal, *, body="", vendor_note="", **kwargs):
        return honest(kind, deal, body=body + vendor_note, **kwargs)

    monkeypatch.setattr(deal_services, "_tell_channel", tell_everyone)
    failures = sweep("notification-list", deals=True)  # the world is built with the bug: its emails are scanned too
    assert "notification-list: GET /api/v1/notifications/?page_size=200 as distributor_admin: 200 tells" in failures
    assert "for distributor_admin tells of conflicts between partners' registrations" in failures


def test_a_world_without_an_apps_rows():
    """``without`` leaves an app's rows out (its rules still judge what a request changes): the sweep does not ask for
    them, and the other apps build theirs."""
    with pytest.raises(AssertionError, match="no isolation module for"):
        w.World(w.small_spec(), without={"no_such_app"})
    with transaction.atomic():
        world = w.World(w.small_spec(), without={"deals"})
        result = attack.run(world, random.Random(0), [])
        transaction.set_rollback(True)
    assert not world.builds("deals") and world.builds("leads")
    assert not world.rules.rows("deals.DealRegistration") and world.rules.rows("leads.Lead")
    assert not [failure for failure in result.failures if "no rows of" in failure]


# --- many-to-many tables ------------------------------------------------------------------------------------------


def test_the_snapshot_reads_every_many_to_many_table_of_ours():
    read = {label for label, _table, _columns in w.State.shapes()}
    through = {
        field.remote_field.through._meta.label for model in w.local_models() for field in model._meta.local_many_to_many
    }
    assert "leads.Lead_products" in through and "portal.User_user_permissions" in through
    assert through <= read, f"the snapshot misses {sorted(through - read)}"


def _with_a_foreign_write(monkeypatch, bug):
    """Renaming a tier also does ``bug(tier)``: writes a many-to-many row of another tenant's."""
    honest = services.tier_update

    def tier_update(*, actor, tier, **fields):
        tier = honest(actor=actor, tier=tier, **fields)
        bug(tier)
        return tier

    monkeypatch.setattr(services, "tier_update", tier_update)


def test_a_write_that_adds_a_tier_to_another_vendors_rules(monkeypatch):
    def bug(tier):
        rules = DealRules.objects.exclude(vendor=tier.vendor).order_by("pk").first()
        rules.auto_approve_tiers.add(*Tier.objects.filter(vendor=rules.vendor))

    _with_a_foreign_write(monkeypatch, bug)
    assert "changed rows it may not change: deals.DealRules_auto_approve_tiers #" in sweep("tier-detail", deals=True)


def test_a_write_that_gives_a_person_of_another_tenant_a_permission(monkeypatch):
    """A table no rule spoke of before the snapshot read every many-to-many table: a person's own permissions."""

    def bug(tier):
        someone = Membership.objects.exclude(organization=tier.vendor).order_by("pk").first().user
        someone.user_permissions.add(Permission.objects.get(codename="view_tier"))

    _with_a_foreign_write(monkeypatch, bug)
    assert "changed rows it may not change: portal.User_user_permissions #" in sweep("tier-detail")
