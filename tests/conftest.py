import os
import shutil

import pytest

from tests.after_each import after_each

# Files whose tests take the longest (a minute or more each, on 2 cores): the isolation suite's generated worlds,
# the demo, the browser journeys and the real worker. pytest-xdist hands files out in collection order
# (``--dist loadfile``), so starting these first keeps both processes busy to the end instead of one of them
# finishing alone with a long file.
LONGEST_FIRST = (
    "tests/isolation/test_scoped_api.py",
    "tests/isolation/test_lists.py",
    "tests/isolation/test_scoped_pages.py",
    "tests/test_demo.py",
    "tests/isolation/test_api_lists.py",
    "tests/e2e/",
    "tests/vendors/test_hypothesis_visibility.py",
    "tests/integration/",
    "tests/isolation/",
)


def _start_rank(item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return next((rank for rank, prefix in enumerate(LONGEST_FIRST) if path.startswith(prefix)), len(LONGEST_FIRST))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    items.sort(key=_start_rank)  # stable: the order within a file, and of the other files, is kept


def _tallies_kept():
    from core import tallies

    wrong = tallies.differences()
    assert not wrong, f"kept tallies that differ from a fresh count, {{key: (kept, counted)}}: {wrong}"


@pytest.fixture(autouse=True)
def tallies_kept(request):
    """Every test that uses the database ends with every app's kept tallies (core.tallies) equal to a fresh count
    of their records: a service that changes what a tally counts without moving it fails the test that ran it."""
    yield from after_each(request, _tallies_kept)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_cache(settings, request):
    """Each test gets an empty in-process cache, so rate limits and cached values never leak between tests
    or parallel test processes sharing one Redis. Tests marked ``services`` keep the configured cache."""
    if not request.node.get_closest_marker("services"):
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": request.node.nodeid}
        }


@pytest.fixture(autouse=True)
def _celery_in_process(request):
    """Unit tests run Celery tasks in the request, as the demo does; tests marked ``services`` keep the
    configured broker (Redis in CI) and a real worker."""
    from portal.celery import app

    if request.node.get_closest_marker("services"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def channel(db):
    """A small channel: two vendors (one sells through a distributor), two partners, people of every role.

    - Acme (vendor): Gold 30 %, Silver 20 %; products in USD.
    - Globex (vendor): Standard 10 %; sells through Northwind (distributor, 5 % uplift); products in EUR.
    - Initech (partner): Acme Gold (active), Globex Standard via Northwind (active).
    - Umbrella (partner): Acme Silver (active), Globex (suspended).
    """
    from decimal import Decimal
    from types import SimpleNamespace

    from tests import factories as f
    from vendors.models import Membership

    acme = f.vendor("Acme Networks")
    globex = f.vendor("Globex Security")
    northwind = f.distributor("Northwind Distribution")
    initech = f.partner("Initech Solutions")
    umbrella = f.partner("Umbrella IT")
    gold = f.TierFactory(vendor=acme, name="Gold", rank=3, discount_percent=Decimal("30"), mdf_eligible=True)
    silver = f.TierFactory(vendor=acme, name="Silver", rank=2, discount_percent=Decimal("20"))
    standard = f.TierFactory(vendor=globex, name="Standard", rank=1, discount_percent=Decimal("10"))
    f.distribution(globex, northwind, Decimal("5"))
    ns = SimpleNamespace(
        acme=acme,
        globex=globex,
        northwind=northwind,
        initech=initech,
        umbrella=umbrella,
        gold=gold,
        silver=silver,
        standard=standard,
        acme_admin=f.admin_of(acme),
        acme_manager=f.member(acme, Membership.Role.MANAGER),
        acme_member=f.member(acme, Membership.Role.MEMBER),
        globex_admin=f.admin_of(globex),
        northwind_admin=f.admin_of(northwind),
        initech_admin=f.admin_of(initech),
        initech_rep=f.member(initech, Membership.Role.MEMBER),
        umbrella_admin=f.admin_of(umbrella),
    )
    ns.initech_acme = f.partnership(acme, initech, gold)
    ns.initech_globex = f.partnership(globex, initech, standard, distributor=northwind)
    ns.umbrella_acme = f.partnership(acme, umbrella, silver)
    ns.umbrella_globex = f.partnership(globex, umbrella, standard, status="suspended")
    ns.acme_router = f.ProductFactory(
        vendor=acme, sku="ACM-R100", name="Edge Router 100", list_price=Decimal("1299.99")
    )
    ns.globex_fw = f.ProductFactory(
        vendor=globex, sku="GLX-FW", name="Firewall Appliance", list_price=Decimal("999.95"), currency="EUR"
    )
    return ns


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    """One headless Debian chromium per test process, shared by every browser test (tests/e2e, tests/identity).
    Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make beside it are
    ordinary synchronous calls, hence DJANGO_ALLOW_ASYNC_UNSAFE."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (make test does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
