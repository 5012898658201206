"""``manage.py demo``: the personas it prints exist, can log in, and each sees the right world.

The demo is built once for the class (inside a transaction rolled back at the end); the world is read
back through the same selectors the pages use.
"""

import io
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from core import demo
from core.demo import PASSWORD
from deals import selectors as deal_selectors
from deals import services as deal_services
from deals.demo import ACME_RULES, DEALS_URL
from deals.models import DealComment, DealEvent, DealExtensionRequest, DealRegistration, DealRules
from leads.demo import LEADS_URL
from leads.models import Lead, LeadImport, LeadOffer
from notifications.demo import OUTBOX_URL, READ_AFTER_DAYS
from notifications.models import OutgoingEmail, Receipt
from tests import factories as f
from vendors import selectors
from vendors.models import Organization, Partnership, Product, Tier

User = get_user_model()
PERSONAS = demo.personas()
Status = Partnership.Status
Deal = DealRegistration
PERSONA_EMAILS = {label: email for label, email, _ in PERSONAS}


def person(label):
    return User.objects.get(email=PERSONA_EMAILS[label])


def organization_of(user):
    """The organization the person lands in after logging in."""
    memberships = selectors.memberships_of_user(user)
    assert memberships, f"{user} works nowhere"
    return memberships[0].organization


@pytest.fixture(scope="class")
def demo_run(django_db_setup, django_db_blocker):
    """The demo, built once for the class: what the command printed, and anything else that reached the
    terminal while it ran (an email backend printing to the console would)."""
    with django_db_blocker.unblock(), transaction.atomic():
        out, stray = io.StringIO(), io.StringIO()
        with redirect_stdout(stray), redirect_stderr(stray):
            call_command("demo", stdout=out)
        yield SimpleNamespace(output=out.getvalue(), stray=stray.getvalue())
        transaction.set_rollback(True)


@pytest.fixture(scope="class")
def demo_output(demo_run):
    return demo_run.output


@pytest.mark.usefixtures("db")
class TestTheDemoWorld:
    def test_it_prints_how_to_log_in_as_each_persona(self, demo_output):
        assert "http://127.0.0.1:8000/accounts/login/" in demo_output
        assert PASSWORD in demo_output
        for label, email, _ in PERSONAS:
            assert label in demo_output and email in demo_output

    def test_every_persona_logs_in_with_the_demo_password(self, demo_output, settings):
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
        for _, email, _ in PERSONAS:
            assert authenticate(username=email, password=PASSWORD) is not None, email
        admin = person("Platform admin")
        assert admin.is_staff and admin.is_superuser

    def test_the_channel_is_the_size_the_readme_promises(self, demo_output):
        kinds = Organization.Kind
        vendors = Organization.objects.filter(kind=kinds.VENDOR)
        assert vendors.count() >= 6
        assert Organization.objects.filter(kind=kinds.DISTRIBUTOR).count() == 3
        assert Organization.objects.filter(kind=kinds.PARTNER).count() == 40
        for vendor in vendors:
            assert 2 <= Tier.objects.filter(vendor=vendor).count() <= 4, vendor
            assert 8 <= Product.objects.filter(vendor=vendor).count() <= 15, vendor
        assert {"USD", "EUR", "GBP", "JPY"} <= set(Product.objects.values_list("currency", flat=True))
        statuses = list(Partnership.objects.values_list("status", flat=True))
        assert statuses.count(Status.APPLIED) >= 5
        assert statuses.count(Status.ENDED) == 1
        assert statuses.count(Status.SUSPENDED) >= 3
        assert statuses.count(Status.DECLINED) >= 2
        assert statuses.count(Status.ACTIVE) > len(statuses) / 2
        assert Partnership.objects.exclude(distributor=None).exists()
        month_ago = timezone.now() - timedelta(days=30)
        assert Product.objects.filter(created_at__gte=month_ago).exists()
        assert Product.objects.filter(created_at__lt=month_ago).exists()

    def test_every_organization_has_an_admin_and_people_are_in_its_group(self, demo_output):
        organizations = list(Organization.objects.prefetch_related("memberships__user__groups"))
        assert {org.kind for org in organizations} == set(Organization.Kind)
        for org in organizations:
            memberships = list(org.memberships.all())
            assert any(m.role == "admin" for m in memberships), org
            for m in memberships:
                assert org.group in m.user.groups.all()

    def test_the_partner_rep_sees_four_vendors_one_through_a_distributor(self, demo_output):
        rep = person("Partner rep")
        partner = organization_of(rep)

        rows = selectors.partner_home(rep, partner)

        active = [row for row in rows if row["partnership"].status == Status.ACTIVE]
        assert len(active) >= 4
        assert any(row["partnership"].distributor_id for row in active)
        # Something new from at least one vendor this month (products or the partnership's own events).
        assert any(row["new_products"] or row["events"] for row in active)
        assert {row["vendor"].kind for row in rows} == {Organization.Kind.VENDOR}

    def test_the_partner_rep_sees_buy_prices_of_active_vendors_only(self, demo_output):
        rep = person("Partner rep")
        partner = organization_of(rep)
        active_vendors = set(
            Partnership.objects.filter(partner=partner, status=Status.ACTIVE).values_list("vendor_id", flat=True)
        )

        products, price_for = selectors.catalog(rep, partner)

        products = list(products)
        assert products
        assert {p.vendor_id for p in products} == active_vendors
        for product in products:
            price = price_for(product)
            assert price is not None and price.buy_price < price.list_price
            assert isinstance(price.buy_price, Decimal)

    def test_the_partner_admin_runs_the_same_partner(self, demo_output):
        admin = person("Partner admin")
        partner = organization_of(admin)
        assert partner == organization_of(person("Partner rep"))
        assert admin.memberships.get(organization=partner).role == "admin"
        assert selectors.invitations_visible_to(admin).filter(accepted_at=None, revoked_at=None).exists()

    def test_the_vendor_channel_manager_sees_all_and_only_their_vendors_partnerships(self, demo_output):
        manager = person("Vendor channel manager")
        vendor = organization_of(manager)
        assert vendor.kind == Organization.Kind.VENDOR
        assert manager.memberships.get(organization=vendor).role == "manager"

        partnerships = list(selectors.vendor_partners(manager, vendor))
        counts = selectors.vendor_counts(manager, vendor)

        assert len(partnerships) == Partnership.objects.filter(vendor=vendor).count() >= 10
        assert {p.vendor_id for p in partnerships} == {vendor.pk}
        assert selectors.partnerships_visible_to(manager).exclude(vendor=vendor).count() == 0
        assert counts[Status.APPLIED] >= 3  # applications waiting for review
        assert counts[Status.ACTIVE] >= 5

    def test_the_distributor_sees_its_resellers_for_the_vendors_it_serves(self, demo_output):
        dana = person("Distributor")
        distributor = organization_of(dana)
        assert distributor.kind == Organization.Kind.DISTRIBUTOR

        resellers = list(selectors.distributor_resellers(dana, distributor))

        assert len(resellers) >= 3
        assert {p.distributor_id for p in resellers} == {distributor.pk}
        assert len({p.vendor_id for p in resellers}) >= 2
        rep_partner = organization_of(person("Partner rep"))
        assert any(p.partner_id == rep_partner.pk for p in resellers)

    def test_a_suspended_tenant_is_out_of_its_peoples_reach(self, demo_output):
        suspended = Organization.objects.get(status=Organization.Status.SUSPENDED)
        member = suspended.memberships.first().user
        assert selectors.memberships_of_user(member) == []

    def test_each_personas_bell_has_the_last_weeks_news_unread_and_older_news_read(self, demo_output):
        cutoff = timezone.now() - timedelta(days=READ_AFTER_DAYS)
        for label in ("Partner admin", "Partner rep", "Vendor channel manager"):
            user = person(label)
            inbox = Receipt.objects.filter(user=user, organization=organization_of(user))
            unread = inbox.filter(read_at=None)
            assert unread.exists(), f"{label}: the bell is empty"
            assert not unread.filter(created_at__lt=cutoff).exists()
            assert inbox.filter(created_at__lt=cutoff).exists(), f"{label}: no history"
        # Dated with the events they tell: the Acme tier change reached the rep twelve days ago.
        promoted = Receipt.objects.get(
            user=person("Partner rep"), notification__title="Acme Networks moved you to the Gold tier"
        )
        assert 11 <= (timezone.now() - promoted.created_at).days <= 12
        assert promoted.email_state == Receipt.Email.DIGESTED  # the rep gets tier changes in the daily digest
        # Newer news under the rep's bell: the registrations' questions, comments and expiry warnings.
        newest = Receipt.objects.filter(user=person("Partner rep")).select_related("notification").first()
        assert newest.notification.kind.startswith(("deal.", "lead."))
        assert newest.created_at > promoted.created_at
        assert OutgoingEmail.objects.filter(to=person("Partner rep").email, key__startswith="digest:").exists()

    def test_every_email_is_in_the_outbox_and_none_reached_the_terminal(self, demo_run):
        emails = OutgoingEmail.objects.all()
        assert emails.count() > 100
        assert set(emails.values_list("status", flat=True)) == {OutgoingEmail.Status.SENT}
        invitation = emails.get(to="jamie.lee@initech.example")
        assert invitation.sensitive and "/invitations/" not in invitation.text_body
        assert demo_run.stray == ""
        assert OUTBOX_URL in demo_run.output and "runserver" in demo_run.output
        assert len(demo_run.output.splitlines()) < 20

    # --- leads ------------------------------------------------------------------------------------------------

    def test_acme_imported_200_leads_routed_by_territory_and_tier_with_reasons(self, demo_output):
        acme = Organization.objects.get(name="Acme Networks")
        staged = LeadImport.objects.get(vendor=acme)
        assert (staged.status, staged.total_rows, staged.imported_count) == ("imported", 200, 200)
        assert "Lead source" in staged.ignored_columns
        routed = LeadOffer.objects.filter(vendor=acme, lead_id__in=staged.lead_ids).values_list(
            "explanation", flat=True
        )
        assert len(set(LeadOffer.objects.filter(lead_id__in=staged.lead_ids).values_list("partner_id"))) >= 6
        assert any("covers IL, US" in why and "Gold tier" in why for why in routed)
        unrouted = Lead.objects.filter(vendor=acme, status=Lead.Status.UNASSIGNED).values_list("routing_reason")
        assert any("tier covers it" in why for (why,) in unrouted)  # Acme's Registered partners get no leads
        assert "/leads/" in LEADS_URL and LEADS_URL in demo_output

    def test_riley_converted_one_lead_missed_another_that_moved_on_and_has_fresh_ones_waiting(self, demo_output):
        initech = Organization.objects.get(name="Initech Solutions")
        converted = Lead.objects.get(partner=initech, status=Lead.Status.CONVERTED)
        assert converted.deal.customer_name == converted.company and converted.deal.partner == initech
        missed = LeadOffer.objects.filter(partner=initech, outcome=LeadOffer.Outcome.MISSED).select_related("lead")
        moved = [o.lead for o in missed if o.lead.partner_id not in (None, initech.pk)]
        assert moved and moved[0].status == Lead.Status.OFFERED and moved[0].accept_by > timezone.now()
        waiting = Lead.objects.filter(partner=initech, status=Lead.Status.OFFERED, accept_by__gt=timezone.now())
        assert waiting.count() >= 3
        assert Receipt.objects.filter(user=person("Partner rep"), notification__kind="lead.recalled").exists()

    # --- deal registration ---------------------------------------------------------------------------------

    def test_deal_registrations_in_every_status_and_stage(self, demo_output):
        statuses = Counter(Deal.objects.values_list("status", flat=True))
        stages = Counter(Deal.objects.values_list("stage", flat=True))

        assert statuses == {
            Deal.Status.DRAFT: 2,
            Deal.Status.SUBMITTED: 8,  # one of them registered from an Acme lead
            Deal.Status.INFO_REQUESTED: 2,
            Deal.Status.APPROVED: 15,
            Deal.Status.REJECTED: 4,
            Deal.Status.EXPIRED: 2,
        }
        assert 25 <= Deal.objects.count() <= 40
        assert len({deal.vendor_id for deal in Deal.objects.all()}) >= 6
        assert set(stages) == set(Deal.Stage.values) and stages[Deal.Stage.WON] >= 2 and stages[Deal.Stage.LOST] >= 2
        assert not Deal.objects.filter(stage=Deal.Stage.LOST, lost_reason="").exists()
        assert not Deal.objects.filter(status=Deal.Status.REJECTED, decision_reason="").exists()
        assert {"USD", "EUR", "GBP", "JPY", "CAD"} <= set(Deal.objects.values_list("currency", flat=True))
        assert "/deals/" in DEALS_URL and DEALS_URL in demo_output

    def test_the_deal_history_is_spread_over_past_weeks(self, demo_output):
        now = timezone.now()
        events = DealEvent.objects.all()
        comments = DealComment.objects.all()

        assert not events.filter(created_at__gt=now).exists() and not comments.filter(created_at__gt=now).exists()
        assert events.filter(created_at__lt=now - timedelta(weeks=12)).exists()
        assert len({when.date() for when in events.values_list("created_at", flat=True)}) >= 30
        assert len({when.date() for when in comments.values_list("created_at", flat=True)}) >= 10
        # Comments from every side of a registration: partners, vendors and a distributor.
        kinds = set(comments.values_list("organization__kind", flat=True))
        assert kinds == {Organization.Kind.PARTNER, Organization.Kind.VENDOR, Organization.Kind.DISTRIBUTOR}
        for deal in Deal.objects.select_related("partnership"):
            assert deal.partnership.started_at < deal.created_at <= deal.updated_at <= now, deal
            dates = list(deal.events.order_by("id").values_list("created_at", flat=True))
            assert dates[0] == min(dates) == deal.created_at, deal  # registered first, then the rest
            if deal.approved_at and not deal.extension_requests.filter(status="granted").exists():
                assert deal.expires_on == deal.approved_at.date() + timedelta(days=deal.protection_days), deal
        # The expiry job ran on its days: warnings, then expiries, and some protections end within two weeks.
        today = timezone.localdate()
        assert events.filter(kind=DealEvent.Kind.EXPIRY_WARNING).count() >= 4
        assert events.filter(kind=DealEvent.Kind.EXPIRED).count() == 2
        ending = Deal.objects.filter(status=Deal.Status.APPROVED, expires_on__range=(today, today + timedelta(14)))
        assert ending.exclude(stage__in=Deal.CLOSED_STAGES).count() >= 2

    def test_the_vendor_sees_a_conflict_side_by_side_and_can_approve_one(self, demo_output):
        morgan = person("Vendor channel manager")
        acme = organization_of(morgan)
        initech = organization_of(person("Partner rep"))

        pending = list(deal_selectors.conflicts_visible_to(morgan).filter(resolved_at=None))

        assert len(pending) == 1
        conflict = pending[0]
        initechs, other = conflict.deal, conflict.other
        assert initechs.partner == initech and other.partner != initech
        assert initechs.customer_domain == other.customer_domain and conflict.products
        assert 2 <= (initechs.submitted_at - other.submitted_at).days <= 5  # the other partner came first
        queue = list(deal_selectors.vendor_deals(morgan, acme)[:2])
        assert set(queue) == {initechs, other} and {d.queue for d in queue} == {Deal.Queue.CONFLICT}
        assert {c.pk for c in deal_selectors.conflicts_of(morgan, initechs)} == {conflict.pk}
        # A settled conflict is in the history: the later registration was rejected.
        assert deal_selectors.conflicts_visible_to(morgan).exclude(resolved_at=None).exists()
        # Morgan also has an extension to decide.
        extensions = deal_selectors.extension_requests_visible_to(morgan)
        assert extensions.filter(status=DealExtensionRequest.Status.PENDING, deal__vendor=acme).exists()
        with transaction.atomic():
            deal_services.deal_approve(actor=morgan, deal=initechs)
            with pytest.raises(ValidationError):
                deal_services.deal_approve(actor=morgan, deal=other)
            transaction.set_rollback(True)

    def test_the_partner_rep_sees_initechs_deals_only_and_no_conflict(self, demo_output):
        riley = person("Partner rep")
        initech = organization_of(riley)

        visible = deal_selectors.deals_visible_to(riley)

        assert set(visible.values_list("partner_id", flat=True)) == {initech.pk}
        assert len(set(visible.values_list("vendor_id", flat=True))) >= 4
        assert not deal_selectors.conflicts_visible_to(riley).exists()
        assert visible.filter(has_conflict=True, status=Deal.Status.SUBMITTED).exists()  # "Under review" for Riley
        assert visible.filter(status=Deal.Status.DRAFT, created_by=riley).exists()
        assert not deal_selectors.deals_visible_to(person("Vendor channel manager")).filter(status="draft").exists()
        # The vendor's question waits in the thread of a registration Riley has to answer.
        asked = visible.get(status=Deal.Status.INFO_REQUESTED)
        question = deal_selectors.history(riley, asked).get(kind=DealEvent.Kind.INFO_REQUESTED).detail
        thread = list(deal_selectors.thread(riley, asked))
        assert [c.body for c in thread] == [question] and thread[0].organization == asked.vendor
        # A protection ending within two weeks, and the expiry warning under the bell.
        today = timezone.localdate()
        assert visible.filter(status=Deal.Status.APPROVED, expires_on__lte=today + timedelta(14)).exists()
        assert Receipt.objects.filter(user=riley, notification__kind="deal.expiring", read_at=None).exists()

    def test_the_partner_rep_can_register_with_two_vendors_in_the_same_minute(self, demo_output):
        riley = person("Partner rep")
        initech = organization_of(riley)

        registrable = list(deal_selectors.registrable_partnerships(riley, initech))

        assert len(registrable) >= 2
        with transaction.atomic():
            for partnership in registrable[:2]:
                product = Product.objects.filter(vendor=partnership.vendor, active=True).first()
                deal = f.deal(
                    riley,
                    initech,
                    partnership.vendor,
                    product,
                    quantity=5,
                    title="Dunmore Bank: branch refresh",
                    customer_name="Dunmore Savings Bank",
                    customer_website="dunmorebank.com",
                    contact_name="Alice Dunmore",
                )
                assert deal.status in (Deal.Status.SUBMITTED, Deal.Status.APPROVED)
            transaction.set_rollback(True)

    def test_acme_approves_its_top_tiers_small_deals_and_caps_idle_ones(self, demo_output):
        acme = organization_of(person("Vendor channel manager"))
        top = Tier.objects.filter(vendor=acme).order_by("-rank").first()

        rules = DealRules.objects.get(vendor=acme)

        assert rules.auto_approve_below == ACME_RULES["auto_approve_below"]
        assert list(rules.auto_approve_tiers.all()) == [top]
        assert rules.idle_cap == ACME_RULES["idle_cap"]
        auto = Deal.objects.get(vendor=acme, events__kind=DealEvent.Kind.AUTO_APPROVED)
        assert auto.partnership.tier == top and auto.amount < rules.auto_approve_below

    def test_the_distributor_sees_its_resellers_two_tier_deals(self, demo_output):
        dana = person("Distributor")
        northwind = organization_of(dana)
        initech = organization_of(person("Partner rep"))

        visible = deal_selectors.deals_visible_to(dana)

        assert visible.filter(partner=initech).exists()
        assert set(visible.values_list("distributor_id", flat=True)) == {northwind.pk}
        assert len(set(visible.values_list("vendor_id", flat=True))) >= 2
        assert DealComment.objects.filter(organization=northwind, deal__partner=initech).exists()
        assert not deal_selectors.conflicts_visible_to(dana).exists()

    def test_running_it_again_is_refused_politely_and_changes_nothing(self, demo_output):
        before = Organization.objects.count(), User.objects.count(), Partnership.objects.count()
        out = io.StringIO()

        call_command("demo", stdout=out)

        assert "already loaded" in out.getvalue()
        assert "--reset" in out.getvalue()
        assert (Organization.objects.count(), User.objects.count(), Partnership.objects.count()) == before


def _fingerprint():
    return (
        list(Organization.objects.order_by("slug").values_list("slug", "kind", "status")),
        list(User.objects.order_by("email").values_list("email", "is_superuser")),
        list(
            Partnership.objects.order_by("vendor__slug", "partner__slug").values_list(
                "vendor__slug", "partner__slug", "distributor__slug", "tier__name", "status"
            )
        ),
        list(Product.objects.order_by("vendor__slug", "sku").values_list("sku", "list_price", "currency", "active")),
        list(
            DealRegistration.objects.order_by("vendor__slug", "title").values_list(
                "vendor__slug", "partner__slug", "title", "status", "stage", "amount", "has_conflict"
            )
        ),
    )


@pytest.mark.django_db(transaction=True)
def test_reset_rebuilds_the_same_world():
    call_command("demo", stdout=io.StringIO())
    first = _fingerprint()

    out = io.StringIO()
    call_command("demo", "--reset", stdout=out)

    assert "Demo loaded" in out.getvalue()
    assert _fingerprint() == first


@pytest.mark.django_db
def test_it_does_not_mix_into_a_database_that_has_other_data():
    User.objects.create(username="someone@example.com", email="someone@example.com")
    out = io.StringIO()

    call_command("demo", stdout=out)

    assert "not loaded" in out.getvalue()
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_reset_is_refused_in_production(settings):
    settings.PRODUCTION = True
    User.objects.create(username="someone@example.com", email="someone@example.com")

    with pytest.raises(CommandError, match="production"):
        call_command("demo", "--reset", stdout=io.StringIO())

    assert User.objects.filter(email="someone@example.com").exists()
