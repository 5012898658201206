"""Fixtures of the API fuzzing: the channel the requests land in, the people who send them, and the application
serving inside the test's transaction."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings

from deals import services as deals
from notifications import services as notifications
from notifications.models import Receipt
from tests import factories as f
from tests.fuzz import harness
from vendors.models import Membership, Partnership


def pytest_collection_modifyitems(items):
    """One test per API operation needs one node id per operation. schemathesis names the tests
    ``test_x[GET /api/v1/tiers/]``, but pytest 9.2 builds node ids from the bare function name, so every test
    of a file would have the same id, and pytest-xdist would run only one of them."""
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and hasattr(item, "_id") and item.nodeid.endswith(f"::{item.originalname}"):
            item._id = item._id.with_params(label)


def build_channel():
    """The ``channel`` of ``tests/conftest.py`` (same names, tiers, prices and partnerships), plus a partnership in
    every state Acme's manager can act on and a vendor Initech has not met yet, so that applying, approving,
    declining, suspending, reactivating and ending can all succeed; and how each persona sends its requests:
    sessions of Initech's admin and member, Acme's manager and Northwind's admin, a token of Acme's admin.

    The channel's events notify as they happen: Acme's manager (there from the start) is told of each application,
    Initech's admin of each approval, and has read one of them, so the notification operations meet real rows,
    read and unread, each person's own and other people's."""
    acme = f.vendor("Acme Networks")
    globex = f.vendor("Globex Security")
    hooli = f.vendor("Hooli Cloud")
    northwind = f.distributor("Northwind Distribution")
    initech = f.partner("Initech Solutions")
    umbrella = f.partner("Umbrella IT")
    acme_manager = f.member(acme, Membership.Role.MANAGER)
    gold = f.TierFactory(vendor=acme, name="Gold", rank=3, discount_percent=Decimal("30"), mdf_eligible=True)
    silver = f.TierFactory(vendor=acme, name="Silver", rank=2, discount_percent=Decimal("20"))
    standard = f.TierFactory(vendor=globex, name="Standard", rank=1, discount_percent=Decimal("10"))
    f.TierFactory(vendor=hooli, name="Registered", rank=1, discount_percent=Decimal("15"))
    f.distribution(globex, northwind, Decimal("5"))
    f.distribution(hooli, northwind, Decimal("4"))
    f.partnership(acme, initech, gold)
    f.partnership(globex, initech, standard, distributor=northwind)
    f.partnership(acme, umbrella, silver)
    f.partnership(globex, umbrella, standard, status=Partnership.Status.SUSPENDED)
    f.partnership(acme, f.partner("Vandelay Resellers"), status=Partnership.Status.APPLIED)
    f.partnership(acme, f.partner("Wonka IT"), status=Partnership.Status.DECLINED)
    f.partnership(acme, f.partner("Soylent Systems"), silver, status=Partnership.Status.SUSPENDED)
    f.partnership(acme, f.partner("Stark Resellers"), silver, status=Partnership.Status.ENDED)
    f.ProductFactory(vendor=acme, sku="ACM-R100", name="Edge Router 100", list_price=Decimal("1299.99"))
    f.ProductFactory(vendor=acme, sku="ACM-SW24", name="Switch 24", list_price=Decimal("990"), currency="JPY")
    f.ProductFactory(
        vendor=globex, sku="GLX-FW", name="Firewall Appliance", list_price=Decimal("999.95"), currency="EUR"
    )
    f.ProductFactory(vendor=hooli, sku="HOO-VM", name="Virtual Machine", list_price=Decimal("12.5"))
    f.member(acme, Membership.Role.MEMBER)
    initech_member = f.member(initech, Membership.Role.MEMBER)
    initech_admin = f.admin_of(initech)
    _deals(acme, globex, initech, umbrella, acme_manager, initech_admin)
    first = Receipt.objects.filter(user=initech_admin).order_by("pk").first()
    notifications.receipt_mark_read(user=initech_admin, receipt=first)
    return SimpleNamespace(
        acme=acme,
        gold=gold,
        acme_manager=acme_manager,
        initech_admin=initech_admin,
        partner_admin=harness.session_of(initech_admin),
        vendor_manager=harness.session_of(acme_manager),
        partner_member=harness.session_of(initech_member),
        distributor_admin=harness.session_of(f.admin_of(northwind)),
        vendor_admin_token=harness.token_of(f.admin_of(acme)),
    )


def _deals(acme, globex, initech, umbrella, acme_manager, initech_admin):
    """Registrations in every state an operation can meet: a draft, approved with an extension waiting, a
    question waiting for its answer, a conflict with another partner at Acme, and a two-tier deal at Globex."""
    router = acme.products.get(sku="ACM-R100")

    def register(actor, partner, vendor, product, customer, submit=True):
        website = f"{customer.split()[0].lower()}.com"
        return f.deal(
            actor, partner, vendor, product, quantity=2, submit=submit, customer_name=customer, customer_website=website
        )

    register(initech_admin, initech, acme, router, "Hooli Inc", submit=False)
    approved = register(initech_admin, initech, acme, router, "Pied Piper")
    deals.deal_approve(actor=acme_manager, deal=approved)
    deals.deal_request_extension(actor=initech_admin, deal=approved, days=5, reason="The customer's board meets late.")
    asked = register(initech_admin, initech, acme, router, "Aviato Ltd")
    deals.deal_request_info(actor=acme_manager, deal=asked, question="Who is the buyer?")
    register(initech_admin, initech, acme, router, "Raviga Capital")
    register(f.admin_of(umbrella), umbrella, acme, router, "Raviga Capital Inc")
    register(initech_admin, initech, globex, globex.products.get(sku="GLX-FW"), "Bachmanity")


@pytest.fixture(scope="module")
def fuzz_channel(django_db_setup, django_db_blocker):
    """``build_channel()``, once for a test module, in a transaction rolled back after it. Each test runs in a
    savepoint inside it (pytest-django's ``db``), each example in a savepoint inside that."""
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fuzz"}},
    )
    with django_db_blocker.unblock(), transaction.atomic():
        with fast:
            channel = build_channel()
        yield channel
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fresh_ids():
    harness.forget_ids()


@pytest.fixture(autouse=True)
def _served_in_the_test_transaction():
    """The WSGI application serves inside the test's transaction, as under Django's test client: Django closes
    "old" database connections when a request starts and ends, which inside a test transaction would drop it,
    so those two receivers are off while fuzzing. (A 500's traceback is in the test's captured log.)"""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
