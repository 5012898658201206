"""Login protection: allauth's rate limits answer 429 with a clear page that never says whether an account exists.

Each test has its own empty cache (tests/conftest.py), so the counters start at zero. The limits tested are the
configured ones (portal/settings.py), not lowered copies.
"""

from allauth.account import app_settings as account_settings
from allauth.mfa import app_settings as mfa_settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from notifications.models import OutgoingEmail
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
    assert rates["login"] == "120/m/ip"
    assert rates["login_failed"] == "100/m/ip,5/5m/key"  # also counts wrong two-factor codes, per person
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
    for i in range(120):  # an office behind one address, all arriving in the same minute
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


# --- an office behind one address -------------------------------------------------------------------------------

OFFICE = "198.51.100.20"  # everyone at the partner's office, behind one NAT


def wrong(client, email):
    response = client.post(LOGIN, {"login": email, "password": "guess-guess-guess"})
    assert response.status_code == 200, response.status_code
    assert "The email address and/or password you specified are not correct." in main_text(response)


def test_wrong_passwords_for_some_accounts_do_not_lock_out_the_others_behind_the_same_address(channel):
    office = from_ip(OFFICE)
    rep, admin = channel.initech_rep, channel.initech_admin
    # Someone at the office (or a script on its network) fails 6 times at the rep's account, then at others.
    for _ in range(5):
        wrong(office, rep.email)
    assert_the_429_page(office.post(LOGIN, {"login": rep.email, "password": "guess-guess-guess"}), rep.email)
    for i in range(15):
        wrong(office, f"colleague{i % 3}@initech.example")
    # The admin, at the same address, logs in.
    response = office.post(LOGIN, {"login": admin.email, "password": f.PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in office.session


def test_an_account_past_its_limit_gets_the_429_page_even_with_its_right_password(channel):
    rep = channel.initech_rep
    office = from_ip(OFFICE)
    for _ in range(5):
        wrong(office, rep.email)
    page = assert_the_429_page(office.post(LOGIN, {"login": rep.email, "password": f.PASSWORD}), rep.email)
    assert "Too many attempts" in page
    assert "_auth_user_id" not in office.session


def test_failed_logins_count_against_the_account_whichever_of_its_addresses_is_typed(channel):
    from allauth.account.models import EmailAddress

    rep = channel.initech_rep
    EmailAddress.objects.create(user=rep, email=rep.email, verified=True, primary=True)
    EmailAddress.objects.create(user=rep, email="rep.second@initech.example", verified=True)
    client = from_ip("203.0.113.30")
    for email in (rep.email, rep.email.upper(), "rep.second@initech.example", rep.email, "Rep.Second@initech.example"):
        wrong(client, email)
    assert_the_429_page(client.post(LOGIN, {"login": "rep.second@initech.example", "password": f.PASSWORD}))


def test_a_flood_of_failed_logins_from_one_address_meets_the_loose_per_ip_limit(channel):
    flood = from_ip("203.0.113.40")
    for i in range(100):
        wrong(flood, f"nobody{i}@example.com")
    # From there on that address is refused, right passwords included; everyone else logs in.
    assert_the_429_page(flood.post(LOGIN, {"login": channel.initech_admin.email, "password": f.PASSWORD}))
    elsewhere = from_ip(OFFICE)
    assert elsewhere.post(LOGIN, {"login": channel.initech_admin.email, "password": f.PASSWORD}).status_code == 302


def test_no_login_limit_counts_per_ip_alone_below_an_offices_size():
    """Every limit on a login step: a per-IP part lets at least an office's worth through a minute, and failed
    attempts are counted per account as well. (The next login limit added is checked here too.)"""
    from allauth.core.internal.ratelimit import parse_rates

    office_per_minute = 100
    login_steps = {
        (name, rate)
        for name, rate in account_settings.RATE_LIMITS.items()
        if name.startswith("login") or name == "request_login_code"
    } | {(name, rate) for name, rate in mfa_settings.RATE_LIMITS.items() if name.endswith("_login")}
    assert "login_failed" in {name for name, rates in login_steps if rates}
    for name, rates in login_steps:
        unused = (name == "webauthn_login" and not mfa_settings.PASSKEY_LOGIN_ENABLED) or (
            name == "request_login_code" and not account_settings.LOGIN_BY_CODE_ENABLED
        )
        if not rates or unused:
            continue
        for rate in parse_rates(rates):
            if rate.per == "ip":
                assert rate.amount * 60 / rate.duration >= office_per_minute, (name, str(rate))
        if name == "login_failed":
            assert any(rate.per == "key" for rate in parse_rates(rates)), name
