"""``manage.py demo``: the personas it prints exist, can log in, and each sees the right world.

The demo is built once for the class (inside a transaction rolled back at the end); the world is read
back through the same selectors the pages use.
"""

import io
from contextlib import redirect_stderr, redirect_stdout
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from portal.notifications.models import OutgoingEmail, Receipt
from vendors import selectors
from vendors.management.commands.demo import OUTBOX_URL, PASSWORD, PERSONAS, READ_AFTER_DAYS
from vendors.models import Organization, Partnership, Product, Tier

User = get_user_model()
Status = Partnership.Status
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
        for org in Organization.objects.prefetch_related("memberships__user__groups"):
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
        # Dated with the events they tell: the rep's newest news is the Acme tier change, twelve days ago.
        newest = Receipt.objects.filter(user=person("Partner rep")).select_related("notification").first()
        assert newest.notification.title == "Acme Networks moved you to the Gold tier"
        assert 11 <= (timezone.now() - newest.created_at).days <= 12
        assert newest.email_state == Receipt.Email.DIGESTED  # the rep gets tier changes in the daily digest
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
