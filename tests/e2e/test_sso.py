"""Single sign-on in a browser: the partner's admin sets up OpenID Connect against a real provider on loopback,
logs out, and logs back in through it with no password, landing among every vendor of the partner."""

from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from identity import services
from identity.models import VerifiedDomain
from tests import factories as f
from tests.e2e.conftest import log_in
from tests.identity.conftest import CLIENT_ID, CLIENT_SECRET, free_port, start_oidc_server
from vendors.models import Membership

pytestmark = [pytest.mark.e2e, pytest.mark.idp, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def partner(transactional_db):
    acme = f.vendor("Acme Networks")
    globex = f.vendor("Globex Security")
    hooli = f.vendor("Hooli Cloud")
    initech = f.partner("Initech Solutions")
    umbrella = f.partner("Umbrella IT")
    f.partnership(acme, initech, f.TierFactory(vendor=acme, name="Gold", discount_percent=Decimal("30")))
    f.partnership(globex, initech, f.TierFactory(vendor=globex, name="Standard", discount_percent=Decimal("10")))
    f.partnership(hooli, umbrella)
    admin = f.member(initech, Membership.Role.ADMIN, email="admin@initech.example", first_name="Ada")
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    return initech


@pytest.fixture
def provider(live_server, partner, settings):
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = True  # the provider runs on this machine, over plain http
    port = free_port()
    callback = live_server.url + reverse("openid_connect_callback", kwargs={"provider_id": partner.slug})
    server = start_oidc_server(port=port, redirect_uris=[callback])
    yield server, callback
    server.stop()


def test_the_admin_sets_up_oidc_then_logs_back_in_through_it_without_a_password(page, partner, provider):
    server, callback = provider
    log_in(page, "admin@initech.example", f.PASSWORD)

    page.goto(reverse("identity:sso"))
    page.get_by_label("Name").fill("Initech test IdP")
    page.get_by_label("Issuer URL").fill(server.issuer)
    page.get_by_label("Client ID").fill(CLIENT_ID)
    page.get_by_label("Client secret").fill(CLIENT_SECRET)
    page.get_by_label("Enabled").check()
    page.get_by_role("button", name="Save identity provider").click()
    assert page.get_by_text("Initech test IdP is saved and enabled.").is_visible()
    assert page.locator("#redirect-uri").inner_text() == callback

    page.get_by_role("textbox", name="Email domain").fill("initech.example")
    page.get_by_role("button", name="Add domain").click()
    assert page.get_by_text("Pending verification").is_visible()
    # A platform admin verifies the domain (the admin's "Verify" action).
    services.domain_verify(actor=f.UserFactory(is_superuser=True, is_staff=True), domain=VerifiedDomain.objects.get())

    page.goto(reverse("account_logout"))
    page.locator("main").get_by_role("button", name="Log out").click()
    page.wait_for_url("**/accounts/login/")

    # Email first: the domain has single sign-on, so no password is asked; the provider's login opens.
    page.get_by_label("Email").fill("admin@initech.example")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.issuer}/interaction/**")
    page.get_by_label("Email", exact=True).fill("admin@initech.example")
    page.get_by_label("Given name").fill("Ada")
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url("**" + reverse("portal:home"))
    main = page.locator("main")
    assert main.get_by_text("Acme Networks").first.is_visible()
    assert main.get_by_text("Globex Security").first.is_visible()
    assert main.get_by_text("Hooli Cloud").count() == 0
