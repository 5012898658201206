"""Logging in (allauth, styled with the design system)."""

from django.urls import reverse

from tests import factories as f
from tests.portal.helpers import main_text

LOGIN = reverse("account_login")


def test_the_login_page_keeps_allauths_fields_and_links_the_password_reset(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="auth-card card"' in html
    for name in ('name="login"', 'name="password"', 'name="remember"'):
        assert name in html
    assert '<label for="id_login">Email</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert reverse("account_reset_password") in html
    assert "Log in" in main_text(response)


def test_a_partner_rep_logs_in_with_email_and_password_and_lands_on_their_vendors(client, channel):
    response = client.post(LOGIN, {"login": channel.initech_rep.email, "password": f.PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    page = main_text(response)
    assert "Acme Networks" in page and "Globex Security" in page


def test_a_wrong_password_is_a_clear_error(client, channel):
    response = client.post(LOGIN, {"login": channel.initech_rep.email, "password": "wrong"})
    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in main_text(response)
    assert "_auth_user_id" not in client.session


def test_the_password_reset_pages_use_the_layout(client, channel):
    response = client.get(reverse("account_reset_password"))
    assert response.status_code == 200
    assert "Reset your password" in main_text(response) and 'name="email"' in response.content.decode()
    response = client.post(reverse("account_reset_password"), {"email": channel.initech_rep.email}, follow=True)
    assert "Check your email" in main_text(response)


def test_the_logout_page_and_closed_signup(client, channel):
    client.force_login(channel.initech_rep)
    assert "Log out of Onepane on this device?" in main_text(client.get(reverse("account_logout")))
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session
    assert "Accounts come by invitation" in main_text(client.get(reverse("account_signup")))
