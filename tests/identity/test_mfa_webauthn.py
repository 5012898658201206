"""A security key in a real browser: Chromium's virtual authenticator (DevTools' WebAuthn domain) registers a
key on the MFA pages, then confirms a login with it. The live server runs on http://localhost, which browsers
and the server accept as a secure origin for WebAuthn."""

from urllib.parse import urlparse

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests import factories as f
from vendors.models import Membership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(browser, live_server):
    assert "localhost" in live_server.url
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def virtual_security_key(page):
    """A USB security key that is always present and verifies its user (no touch needed)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": False,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def password_login(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")


def test_a_person_registers_a_security_key_and_confirms_their_login_with_it(browser_page, transactional_db):
    page = browser_page
    initech = f.partner("Initech Solutions")
    rep = f.member(initech, Membership.Role.MEMBER, email="rep@initech.example")
    cdp, authenticator_id = virtual_security_key(page)

    password_login(page, rep.email)
    page.goto("/accounts/2fa/webauthn/add/")
    # allauth asks for the password again before MFA settings change.
    page.locator("input[name=password]").fill(f.PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page.get_by_role("heading", name="Add a security key")).to_be_visible()
    page.get_by_label("Name").fill("Desk key")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    key = Authenticator.objects.get(user=rep, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Desk key"
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator_id})["credentials"]) == 1

    page.locator("form[action='/accounts/logout/'] button").first.click()
    page.wait_for_load_state("networkidle")
    password_login(page, rep.email)
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(lambda url: urlparse(url).path == "/")
    expect(page.locator(".user-name")).to_contain_text(rep.display_name)
    expect(page.get_by_role("link", name="My vendors")).to_be_visible()
    key.refresh_from_db()
    assert key.last_used_at is not None
