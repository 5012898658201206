"""Local accounts: closed sign-up, password reset through the outbox, adding and confirming an address, password
rules, login by email, "keep me logged in", logout, and the security notices.

Emails are followed the way a person follows them: the request writes the outbox row, the commit hands it to
Celery (in process here), the message lands in ``mail.outbox``, and the test opens the link it carries.
"""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from notifications.models import OutgoingEmail
from notifications.services import ERASED
from tests import factories as f
from tests.portal.helpers import main_text, text

LOGIN = reverse("account_login")
LOGOUT = reverse("account_logout")
RESET = reverse("account_reset_password")
EMAIL = reverse("account_email")
CHANGE_PASSWORD = reverse("account_change_password")
HOME = reverse("portal:home")
NEW_PASSWORD = "quiet-otter-harbour-42"


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run a request and deliver what it put in the outbox (as the worker does after the commit)."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def rep(channel):
    """A partner rep whose account came from an invitation: one verified, primary address."""
    user = channel.initech_rep
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def link_in(message, start=settings.ONEPANE_BASE_URL) -> str:
    match = re.search(re.escape(start) + r"\S+", message.body)
    assert match, message.body
    return match.group(0)


def path_of(url: str) -> str:
    return urlsplit(url).path


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- sign-up -----------------------------------------------------------------------------------------------


def test_nobody_signs_up_on_their_own(client, db):
    page = client.get(reverse("account_signup"))
    assert "Accounts come by invitation" in main_text(page)
    response = client.post(
        reverse("account_signup"), {"email": "new@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert "Accounts come by invitation" in main_text(response)
    assert not get_user_model().objects.filter(email="new@example.com").exists()
    assert not EmailAddress.objects.filter(email="new@example.com").exists()


# --- password reset, end to end ----------------------------------------------------------------------------


def test_password_reset_from_the_email_to_the_new_password_and_the_link_works_once(client, rep, send):
    page = send(client.post, RESET, {"email": rep.email.upper()}, follow=True)
    assert "Check your email" in main_text(page)

    outgoing = OutgoingEmail.objects.get(key__startswith="account:password_reset_key:")
    assert outgoing.to == rep.email and outgoing.user == rep and outgoing.sensitive
    # Delivered, then erased: the one-time link no longer sits in the database.
    assert outgoing.status == OutgoingEmail.Status.SENT
    assert outgoing.text_body == ERASED and outgoing.html_body == ""
    assert mail.outbox[-1].to == [rep.email]
    message = mail.outbox[-1]
    assert message.subject == "Reset your Onepane password"
    link = link_in(message)
    assert link in message.alternatives[0][0]  # the HTML part carries the same link

    form = client.get(path_of(link), follow=True)
    assert "Choose a new password" in main_text(form)
    set_password_url = form.redirect_chain[-1][0]
    done = send(client.post, set_password_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True)
    assert "Your password is changed" in main_text(done)

    # A security notice tells the person (not sensitive: it carries no link to act on).
    notice = OutgoingEmail.objects.get(key__startswith="account:password_reset:")
    assert notice.subject == "Your Onepane password was reset" and not notice.sensitive
    assert "Your password was reset" in notice.text_body and "IP address: 127.0.0.1" in notice.text_body

    client.post(LOGIN, {"login": rep.email, "password": NEW_PASSWORD})
    assert logged_in(client)
    client.post(LOGOUT)
    again = client.get(path_of(link), follow=True)
    assert "This link no longer works" in main_text(again)


def test_a_new_password_must_meet_the_rules_and_the_page_says_which(client, rep, send):
    send(client.post, RESET, {"email": rep.email})
    form = client.get(path_of(link_in(mail.outbox[-1])), follow=True)
    page = main_text(form)
    assert "Your password must contain at least 10 characters." in page
    assert "Your password can’t be entirely numeric." in page
    url = form.redirect_chain[-1][0]
    weak = client.post(url, {"password1": "password12", "password2": "password12"})
    assert weak.status_code == 200
    assert "This password is too common." in main_text(weak)
    short = client.post(url, {"password1": "8271", "password2": "8271"})
    assert "This password is too short. It must contain at least 10 characters." in main_text(short)
    assert "This password is entirely numeric." in main_text(short)
    rep.refresh_from_db()
    assert rep.check_password(f.PASSWORD)


def test_an_unknown_address_gets_the_same_page_and_an_email_that_says_no_account_uses_it(client, rep, send):
    known = main_text(send(client.post, RESET, {"email": rep.email}, follow=True))
    unknown = main_text(send(client.post, RESET, {"email": "nobody@example.com"}, follow=True))
    assert known == unknown
    outgoing = OutgoingEmail.objects.get(to="nobody@example.com")
    assert outgoing.subject == "Your Onepane password reset" and not outgoing.sensitive
    assert "no Onepane account uses it" in mail.outbox[-1].body
    assert "/accounts/password/reset/key/" not in mail.outbox[-1].body


def test_the_reset_link_ignores_a_forged_host_header(client, rep, send):
    send(client.post, RESET, {"email": rep.email}, HTTP_HOST="attacker.example")
    link = link_in(mail.outbox[-1])
    assert link.startswith(settings.ONEPANE_BASE_URL + "/accounts/password/reset/key/")
    assert "attacker.example" not in mail.outbox[-1].body
    assert "attacker.example" not in mail.outbox[-1].alternatives[0][0]


def test_an_address_someone_added_but_never_confirmed_never_gets_a_reset_link(client, rep, send):
    EmailAddress.objects.create(user=rep, email="typo@example.org", verified=False, primary=False)
    page = send(client.post, RESET, {"email": "typo@example.org"}, follow=True)
    assert "Check your email" in main_text(page)
    assert not OutgoingEmail.objects.filter(to="typo@example.org").exists()
    assert mail.outbox == []


def test_an_account_made_by_a_platform_admin_before_any_login_can_reset_its_password(client, channel, send):
    user = channel.initech_admin  # no address records yet
    assert not EmailAddress.objects.filter(user=user).exists()
    send(client.post, RESET, {"email": user.email})
    assert mail.outbox[-1].to == [user.email] and "/accounts/password/reset/key/" in mail.outbox[-1].body


# --- adding and confirming an address ----------------------------------------------------------------------


def test_an_added_address_is_confirmed_by_the_link_sent_to_it(client, rep, send):
    client.force_login(rep)
    page = send(client.post, EMAIL, {"action_add": "", "email": "rep.home@example.org"}, follow=True)
    assert "We sent a confirmation link to rep.home@example.org." in text(page)
    assert "rep.home@example.org Not confirmed" in main_text(page)
    address = EmailAddress.objects.get(email="rep.home@example.org")
    assert address.user == rep and not address.verified

    outgoing = OutgoingEmail.objects.get(key__startswith="account:email_confirmation:")
    assert outgoing.to == "rep.home@example.org" and outgoing.sensitive
    assert outgoing.status == OutgoingEmail.Status.SENT and outgoing.text_body == ERASED
    message = mail.outbox[-1]
    assert message.to == ["rep.home@example.org"] and message.subject == "Confirm your email address for Onepane"
    assert f"{rep.email} added this address to their Onepane account." in message.body

    # Not confirmed: it cannot become the primary address.
    refused = client.post(EMAIL, {"action_primary": "", "email": "rep.home@example.org"}, follow=True)
    assert "your primary email address must be confirmed" in text(refused)
    assert EmailAddress.objects.get(user=rep, primary=True).email == rep.email

    link = path_of(link_in(message))
    assert "Confirm that rep.home@example.org is yours" in main_text(client.get(link))
    confirmed = send(client.post, link, follow=True)
    assert "rep.home@example.org is confirmed." in text(confirmed)
    address.refresh_from_db()
    assert address.verified
    primary = client.post(EMAIL, {"action_primary": "", "email": "rep.home@example.org"}, follow=True)
    assert "Your primary email address is changed." in text(primary)
    rep.refresh_from_db()
    assert rep.email == "rep.home@example.org"
    # The old address is told about the change.
    assert OutgoingEmail.objects.filter(subject="Your Onepane email address was changed").exists()


def test_a_broken_confirmation_link_says_so(client, rep):
    client.force_login(rep)
    page = client.get(reverse("account_confirm_email", args=["not-a-key"]))
    assert "This link no longer works" in main_text(page)


def test_the_email_page_lists_only_the_persons_own_addresses(client, rep, channel, django_assert_max_num_queries):
    EmailAddress.objects.create(user=channel.umbrella_admin, email=channel.umbrella_admin.email, verified=True)
    client.force_login(rep)
    with django_assert_max_num_queries(12):
        page = main_text(client.get(EMAIL))
    assert rep.email in page and channel.umbrella_admin.email not in page


# --- login ---------------------------------------------------------------------------------------------------


def test_an_invited_person_logs_in_by_email_without_any_verification_step(client, channel, send):
    from vendors import services

    invitation, token = services.invitation_create(
        actor=channel.initech_admin, organization=channel.initech, email="new.rep@initech.example"
    )
    services.invitation_accept(token=token, password=NEW_PASSWORD, first_name="Nia")
    mail.outbox.clear()
    response = send(client.post, LOGIN, {"login": "New.Rep@Initech.example", "password": NEW_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == HOME and logged_in(client)
    assert mail.outbox == []  # no verification email: the invitation link already proved the address


def test_keep_me_logged_in_unchecked_ends_the_session_with_the_browser(client, rep):
    response = client.post(LOGIN, {"login": rep.email, "password": f.PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value and cookie["expires"] == "" and cookie["max-age"] == ""
    assert client.session.get_expire_at_browser_close()


def test_keep_me_logged_in_checked_keeps_the_session_for_two_weeks(client, rep):
    response = client.post(LOGIN, {"login": rep.email, "password": f.PASSWORD, "remember": "on"})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE == 14 * 24 * 3600
    assert cookie["expires"]
    assert not client.session.get_expire_at_browser_close()


def test_logout_ends_the_session_and_needs_a_post(client, rep):
    client.post(LOGIN, {"login": rep.email, "password": f.PASSWORD})
    session_key = client.session.session_key
    page = client.get(LOGOUT)
    assert "Log out of Onepane on this device?" in main_text(page) and logged_in(client)
    response = client.post(LOGOUT, follow=True)
    assert response.redirect_chain[-1][0] == LOGIN
    assert not logged_in(client)
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get(HOME).status_code == 302


def test_the_user_menu_links_security_and_sessions(client, rep):
    client.force_login(rep)
    html = client.get(HOME).content.decode()
    menu = re.search(r'<nav class="user-menu".*?</nav>', html, flags=re.S).group(0)
    assert f'href="{CHANGE_PASSWORD}">Security</a>' in menu
    assert f'href="{reverse("usersessions_list")}">Sessions</a>' in menu


# --- the security pages --------------------------------------------------------------------------------------


def test_changing_the_password_shows_the_rules_then_tells_the_person_by_email(client, rep, send):
    client.force_login(rep)
    page = client.get(CHANGE_PASSWORD)
    assert "Security" in main_text(page) and "Your password must contain at least 10 characters." in main_text(page)
    weak = client.post(
        CHANGE_PASSWORD, {"oldpassword": f.PASSWORD, "password1": "password123", "password2": "password123"}
    )
    assert weak.status_code == 200 and "This password is too common." in main_text(weak)
    done = send(
        client.post,
        CHANGE_PASSWORD,
        {"oldpassword": f.PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        HTTP_USER_AGENT="Firefox/128.0",
        follow=True,
    )
    assert "Your password is changed." in text(done)
    notice = mail.outbox[-1]
    assert notice.to == [rep.email] and notice.subject == "Your Onepane password was changed"
    assert "Browser: Firefox/128.0" in notice.body
    assert "Firefox/128.0" in notice.alternatives[0][0]
    outgoing = OutgoingEmail.objects.get(subject="Your Onepane password was changed")
    assert outgoing.user == rep and not outgoing.sensitive


def test_a_notice_escapes_what_the_browser_sent_in_its_html_part(client, rep, send):
    client.force_login(rep)
    send(
        client.post,
        CHANGE_PASSWORD,
        {"oldpassword": f.PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        HTTP_USER_AGENT='<a href="https://evil.example">Click</a>',
    )
    html = mail.outbox[-1].alternatives[0][0]
    assert '<a href="https://evil.example">' not in html and "&lt;a href=" in html


def test_an_email_without_a_layout_of_its_own_is_wrapped_in_ours_and_escaped(rep, rf, send):
    """Emails of allauth parts without their own HTML template (two-factor notices, say) still leave through the
    outbox, as text plus an escaped HTML part."""
    from allauth.account.adapter import get_adapter
    from allauth.core import context

    request = rf.get("/", HTTP_USER_AGENT="<b>bold</b>")
    request.user = rep
    with context.request_context(request):
        send(get_adapter(request).send_notification_mail, "mfa/email/totp_activated", rep)
    outgoing = OutgoingEmail.objects.get(key__startswith="account:totp_activated:")
    assert outgoing.to == rep.email and outgoing.user == rep and outgoing.status == OutgoingEmail.Status.SENT
    message = mail.outbox[-1]
    assert "Authenticator app activated." in message.body and "Browser: <b>bold</b>" in message.body
    assert "&lt;b&gt;bold&lt;/b&gt;" in message.alternatives[0][0]


def test_security_pages_need_a_login(client, db):
    for url in (CHANGE_PASSWORD, EMAIL, reverse("usersessions_list")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
