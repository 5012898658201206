"""Accepting an invitation: a new account, or an existing person who is logged in; unusable links."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from tests.portal.helpers import client_for, main_text
from vendors import services
from vendors.middleware import SESSION_KEY
from vendors.models import Invitation, Membership

User = get_user_model()
Role = Membership.Role


@pytest.fixture
def invited(channel):
    """An open invitation to Initech for dana@initech.example as manager, and its link."""
    invitation, token = services.invitation_create(
        actor=channel.initech_admin, organization=channel.initech, email="dana@initech.example", role=Role.MANAGER
    )
    return invitation, reverse("portal:invitation_accept", args=[token])


NEW_PERSON = {
    "first_name": "Dana",
    "last_name": "Scully",
    "password": "trust-no-one-1013",
    "password_again": "trust-no-one-1013",
}


def written():
    return (
        User.objects.count(),
        Membership.objects.count(),
        Invitation.objects.filter(accepted_at__isnull=False).count(),
    )


def test_the_invitation_page_shows_the_organization_and_role(client, invited):
    _, url = invited
    response = client.get(url)
    assert response.status_code == 200
    page = main_text(response)
    assert "Join Initech Solutions" in page and "as manager" in page
    assert "dana@initech.example" in page
    html = response.content.decode()
    for name in ("first_name", "last_name", "password", "password_again"):
        assert f'name="{name}"' in html
    assert '<label for="id_first_name">' in html


def test_a_new_person_creates_their_account_joins_and_is_logged_in(client, channel, invited):
    invitation, url = invited
    response = client.post(url, NEW_PERSON)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    dana = User.objects.get(email="dana@initech.example")
    assert dana.get_full_name() == "Dana Scully" and dana.check_password("trust-no-one-1013")
    assert Membership.objects.get(user=dana, organization=channel.initech).role == Role.MANAGER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert client.session[SESSION_KEY] == channel.initech.pk
    home = client.get(reverse("portal:home"))
    assert "Welcome to Initech Solutions" in main_text(home)
    assert "Acme Networks" in main_text(home)
    # The new person logs in later with the email and password they chose.
    client.logout()
    assert client.login(username="dana@initech.example", password="trust-no-one-1013")


def test_a_logged_in_person_with_the_invited_email_joins_with_one_button(client, channel):
    consultant = f.member(channel.umbrella, Role.MEMBER, email="consultant@example.com")
    invitation, token = services.invitation_create(
        actor=channel.initech_admin, organization=channel.initech, email="consultant@example.com"
    )
    url = reverse("portal:invitation_accept", args=[token])
    client_for(client, consultant)
    page = client.get(url)
    assert "Join Initech Solutions" in main_text(page)
    assert 'name="password"' not in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert Membership.objects.filter(user=consultant, organization=channel.initech, role=Role.MEMBER).exists()
    assert client.session[SESSION_KEY] == channel.initech.pk
    # They now switch between both of their organizations.
    assert "Umbrella IT" in client.get(reverse("portal:home")).content.decode()


def test_a_person_logged_in_with_another_email_is_told_to_log_out(client, channel, invited):
    _, url = invited
    client_for(client, channel.umbrella_admin)
    page = main_text(client.get(url))
    assert "This invitation is for dana@initech.example" in page
    before = written()
    response = client.post(url)
    assert response.status_code == 400
    assert "This invitation is for dana@initech.example" in main_text(response)
    assert written() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password_again": "something-else-42"}, "The two passwords differ."),
        ({"password": "short", "password_again": "short"}, "This password is too short."),
        ({"first_name": ""}, "Tell your colleagues your name."),
    ],
)
def test_bad_account_details_show_a_field_error_and_write_nothing(client, invited, change, message):
    _, url = invited
    before = written()
    response = client.post(url, {**NEW_PERSON, **change})
    assert response.status_code == 400
    assert message in main_text(response)
    assert written() == before
    assert "_auth_user_id" not in client.session


def test_an_existing_account_must_log_in_first(client, channel):
    _, token = services.invitation_create(
        actor=channel.umbrella_admin, organization=channel.umbrella, email=channel.initech_rep.email
    )
    url = reverse("portal:invitation_accept", args=[token])
    before = written()
    response = client.post(url, NEW_PERSON)
    assert response.status_code == 400
    assert "Log in first, then open the link again." in main_text(response)
    assert written() == before
    assert f"{reverse('account_login')}?next=" in client.get(url).content.decode()


def test_a_malformed_or_unknown_link_is_a_404_and_writes_nothing(client, invited):
    before = written()
    for token in ("nonsense", "a" * 43, "x"):
        url = reverse("portal:invitation_accept", args=[token])
        for response in (client.get(url), client.post(url, NEW_PERSON)):
            assert response.status_code == 404
            assert "This invitation link is not valid." in main_text(response)
    assert written() == before


def test_an_expired_link_is_gone_and_writes_nothing(client, invited):
    invitation, url = invited
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    before = written()
    response = client.get(url)
    assert response.status_code == 410
    assert "This invitation has expired. Ask your admin to send a new one." in main_text(response)
    assert client.post(url, NEW_PERSON).status_code == 410
    assert written() == before
    assert not User.objects.filter(email="dana@initech.example").exists()


def test_a_used_link_is_gone(client, invited):
    _, url = invited
    client.post(url, NEW_PERSON)
    client.logout()
    before = written()
    response = client.get(url)
    assert response.status_code == 410
    assert "This invitation has already been used." in main_text(response)
    assert client.post(url, NEW_PERSON).status_code == 410
    assert written() == before


def test_a_revoked_link_is_a_404(client, channel, invited):
    invitation, url = invited
    services.invitation_revoke(actor=channel.initech_admin, invitation=invitation)
    response = client.get(url)
    assert response.status_code == 404
    assert "not valid" in main_text(response)
    assert not User.objects.filter(email="dana@initech.example").exists()
