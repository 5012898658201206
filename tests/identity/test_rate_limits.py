"""Login protection: allauth's rate limits answer 429 with a clear page that never says whether an account exists.

Each test has its own empty cache (tests/conftest.py), so the counters start at zero. The limits tested are the
configured ones (portal/settings.py), not lowered copies.
"""

from allauth.account import app_settings as account_settings
from allauth.mfa import app_settings as mfa_settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.notifications.models import OutgoingEmail
from tests import factories as f
from tests.portal.helpers import main_text

LOGIN = reverse("account_login")
RESET = reverse("account_reset_password")
SIGNUP = reverse("account_signup")


def from_ip(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


def assert_the_429_page(response, *emails):
    assert response.status_code == 429
    page = main_text(response)
    assert "Too many attempts" in page and "Wait a few minutes, then try again." in page
    for email in emails:
        assert email not in response.content.decode()
    return page


def test_the_configured_limits(settings):
    rates = account_settings.RATE_LIMITS
    assert rates["login"] == "30/m/ip"
    assert rates["login_failed"] == "10/m/ip,5/5m/key"  # also counts wrong two-factor codes, per person
    assert rates["signup"] == "20/m/ip"
    assert rates["reset_password"] == "20/m/ip,5/m/key"
    assert mfa_settings.RATE_LIMITS["webauthn_login"] == "10/m/ip"


def test_five_wrong_passwords_lock_the_address_even_against_the_right_one_from_elsewhere(channel):
    rep = channel.initech_rep
    attacker = from_ip("203.0.113.5")
    for _ in range(5):
        wrong = attacker.post(LOGIN, {"login": rep.email, "password": "guess-guess-guess"})
        assert wrong.status_code == 200
        assert "The email address and/or password you specified are not correct." in main_text(wrong)
    # The sixth try is refused before the password is checked, from any address: guessing stops here.
    assert_the_429_page(attacker.post(LOGIN, {"login": rep.email, "password": f.PASSWORD}), rep.email)
    owner = from_ip("192.0.2.44")
    assert_the_429_page(owner.post(LOGIN, {"login": rep.email, "password": f.PASSWORD}), rep.email)
    assert "_auth_user_id" not in owner.session
    # Other people log in as usual.
    other = owner.post(LOGIN, {"login": channel.umbrella_admin.email, "password": f.PASSWORD})
    assert other.status_code == 302 and "_auth_user_id" in owner.session


def test_the_lockout_looks_the_same_for_an_address_without_an_account(channel):
    rep = channel.initech_rep
    pages = []
    for ip, email in (("203.0.113.5", rep.email), ("203.0.113.6", "nobody@example.com")):
        client = from_ip(ip)
        answers = [main_text(client.post(LOGIN, {"login": email, "password": "guess-guess-guess"})) for _ in range(5)]
        pages.append(
            (
                answers[0].replace(email, "EMAIL"),
                assert_the_429_page(client.post(LOGIN, {"login": email, "password": "x"}), email),
            )
        )
    assert pages[0] == pages[1]


def test_too_many_logins_from_one_ip_answer_429(channel):
    client = from_ip("203.0.113.7")
    users = [channel.initech_rep, channel.umbrella_admin, channel.acme_member]
    for i in range(30):
        response = client.post(LOGIN, {"login": users[i % 3].email, "password": f.PASSWORD})
        assert response.status_code == 302
        client.post(reverse("account_logout"))
    assert_the_429_page(client.post(LOGIN, {"login": channel.initech_rep.email, "password": f.PASSWORD}))
    # Another IP is not affected.
    assert (
        from_ip("192.0.2.1").post(LOGIN, {"login": channel.initech_rep.email, "password": f.PASSWORD}).status_code
        == 302
    )


def test_too_many_reset_requests_for_one_address_answer_429_whether_or_not_it_has_an_account(
    channel, django_capture_on_commit_callbacks
):
    rep = channel.initech_rep
    pages = []
    for ip, email in (("203.0.113.8", rep.email), ("203.0.113.9", "nobody@example.com")):
        client = from_ip(ip)
        for _ in range(5):
            with django_capture_on_commit_callbacks(execute=True):
                assert client.post(RESET, {"email": email}).status_code == 302
        pages.append(assert_the_429_page(client.post(RESET, {"email": email}), email))
    assert pages[0] == pages[1]
    # At most five emails to each address. (Requests in the same second make the same reset link, and the
    # outbox's key sends that one email once.)
    assert 1 <= len([m for m in mail.outbox if m.to == [rep.email]]) <= 5
    assert OutgoingEmail.objects.filter(to="nobody@example.com").count() == 5


def test_too_many_sign_up_attempts_answer_429(db):
    client = from_ip("203.0.113.10")
    for i in range(20):
        closed = client.post(SIGNUP, {"email": f"x{i}@example.com", "password1": "a", "password2": "a"})
        assert closed.status_code == 200 and "Accounts come by invitation" in main_text(closed)
    assert_the_429_page(client.post(SIGNUP, {"email": "x@example.com", "password1": "a", "password2": "a"}))


def test_the_429_page_speaks_to_a_logged_in_person_too(channel):
    """The page is a normal page of the layout (a logged-in person changing their password sees it too)."""
    client = from_ip("203.0.113.11")
    client.force_login(channel.initech_rep)
    change = reverse("account_change_password")
    data = {"oldpassword": "wrong-wrong-wrong", "password1": "x", "password2": "x"}
    for _ in range(5):
        assert client.post(change, data).status_code == 200
    assert_the_429_page(client.post(change, data), channel.initech_rep.email)
