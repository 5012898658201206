"""Whose an email address is (docs/adr/0004-sso-account-linking.md, "Email addresses").

Only an address proven to be an account's (verified, or the account's own address as a platform admin set it)
logs in, receives a reset link, or is matched by an invitation or single sign-on; an address someone added and
never confirmed is a claim that gives nothing and blocks nobody, and is dropped once its owner proves it.
Single sign-on's half of the pre-hijacking case is in test_oidc.py.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from core import addresses
from identity.forms_accounts import TAKEN
from notifications.models import OutgoingEmail
from tests import factories as f
from tests.portal.helpers import main_text, text
from vendors import services
from vendors.models import Membership

LOGIN = reverse("account_login")
EMAIL = reverse("account_email")
RESET = reverse("account_reset_password")
WRONG = "The email address and/or password you specified are not correct."
VICTIM = "victim@globex.example"
NEW_PASSWORD = "quiet-otter-harbour-42"

User = get_user_model()


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def logs_in(email: str, password: str = f.PASSWORD) -> tuple[bool, object]:
    client = Client()
    response = client.post(LOGIN, {"login": email, "password": password})
    return "_auth_user_id" in client.session, response


def logged_in_as(email: str, password: str = f.PASSWORD):
    client = Client()
    client.post(LOGIN, {"login": email, "password": password})
    pk = client.session.get("_auth_user_id")
    return User.objects.get(pk=pk) if pk else None


def add_address(client, email, send):
    return send(client.post, EMAIL, {"action_add": "", "email": email}, follow=True)


def confirmation_link(to: str) -> str:
    message = next(m for m in reversed(mail.outbox) if m.to == [to])
    return re.search(re.escape(settings.ONEPANE_BASE_URL) + r"(\S+)", message.body).group(1)


# --- logging in -----------------------------------------------------------------------------------------------


def test_an_address_added_but_never_confirmed_does_not_log_in_until_it_is_confirmed(channel, client, send):
    rep = verified(channel.initech_rep)
    client.force_login(rep)
    add_address(client, "rep.home@example.org", send)
    assert EmailAddress.objects.get(email="rep.home@example.org").verified is False

    ok, response = logs_in("rep.home@example.org")
    assert not ok and WRONG in main_text(response)

    send(client.post, confirmation_link("rep.home@example.org"))
    assert EmailAddress.objects.get(email="rep.home@example.org").verified
    assert logged_in_as("rep.home@example.org") == rep


def test_the_address_a_platform_admin_gave_an_account_logs_in_and_is_recorded_as_confirmed(channel):
    admin = channel.initech_admin  # made with an address, no address record
    assert logged_in_as(admin.email) == admin
    assert EmailAddress.objects.filter(user=admin, email=admin.email, verified=True, primary=True).exists()
    assert logged_in_as(admin.email) == admin


def test_an_address_made_primary_without_being_confirmed_does_not_log_in(channel):
    rep = channel.initech_rep
    EmailAddress.objects.create(user=rep, email=rep.email, verified=False, primary=True)
    ok, response = logs_in(rep.email)
    assert not ok and WRONG in main_text(response)


def test_someone_elses_address_sitting_unconfirmed_on_an_attackers_account_logs_the_attacker_in_nowhere(channel):
    attacker = verified(channel.umbrella_admin)
    EmailAddress.objects.create(user=attacker, email=VICTIM, verified=False)
    ok, _ = logs_in(VICTIM)
    assert not ok


# --- adding an address ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["verified", "own address", "primary"])
def test_another_accounts_address_cannot_be_added(channel, client, send, how):
    owner = channel.globex_admin
    if how == "verified":  # a confirmed address besides its own
        verified(owner)
        EmailAddress.objects.create(user=owner, email="owner.second@globex.example", verified=True)
        taken = "owner.second@globex.example"
    elif how == "own address":  # as a platform admin set it, no record
        taken = owner.email
    else:  # their primary address, even not confirmed
        EmailAddress.objects.create(user=owner, email=owner.email, verified=False, primary=True)
        taken = owner.email
    attacker = verified(channel.umbrella_admin)
    client.force_login(attacker)

    page = add_address(client, taken.upper(), send)

    assert page.status_code == 200
    assert TAKEN in main_text(page)
    assert owner.get_full_name() not in main_text(page) and "Globex" not in main_text(page)
    assert not EmailAddress.objects.filter(user=attacker, email__iexact=taken).exists()
    assert not OutgoingEmail.objects.filter(to__iexact=taken, key__startswith="account:").exists()


def test_an_address_unconfirmed_on_another_account_blocks_nobody_and_its_confirmation_drops_that_copy(
    channel, client, send
):
    attacker = verified(channel.umbrella_admin)
    EmailAddress.objects.create(user=attacker, email=VICTIM, verified=False)
    owner = verified(channel.globex_admin)
    client.force_login(owner)

    page = add_address(client, VICTIM, send)
    assert f"We sent a confirmation link to {VICTIM}." in text(page)
    send(client.post, confirmation_link(VICTIM))

    assert EmailAddress.objects.get(email=VICTIM).user == owner
    assert not EmailAddress.objects.filter(user=attacker, email=VICTIM).exists()
    assert logged_in_as(VICTIM) == owner


# --- invitations: the pre-hijacking case ------------------------------------------------------------------------


@pytest.fixture
def squatted(channel, client, send):
    """An attacker (Umbrella's admin) adds victim@globex.example to their account before Globex invites the
    victim; the confirmation goes to the victim's mailbox and nobody follows it."""
    attacker = verified(channel.umbrella_admin)
    client.force_login(attacker)
    add_address(client, VICTIM, send)
    client.logout()
    assert EmailAddress.objects.filter(user=attacker, email=VICTIM, verified=False).exists()
    return attacker


def test_an_invitation_to_an_address_squatted_beforehand_makes_the_victims_own_account(channel, squatted, send):
    _, token = services.invitation_create(actor=channel.globex_admin, organization=channel.globex, email=VICTIM)
    page = send(
        Client().post,
        reverse("portal:invitation_accept", kwargs={"token": token}),
        {"first_name": "Vic", "last_name": "Tim", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        follow=True,
    )
    assert "Welcome to Globex Security on Onepane." in text(page)

    victim = User.objects.get(email=VICTIM)
    assert victim != squatted
    assert Membership.objects.filter(user=victim, organization=channel.globex).exists()
    assert not Membership.objects.filter(user=squatted, organization=channel.globex).exists()
    # The attacker's copy is gone; the address logs in to the victim's account only, and resets only it.
    assert list(EmailAddress.objects.filter(email=VICTIM).values_list("user", flat=True)) == [victim.pk]
    assert logged_in_as(VICTIM, NEW_PASSWORD) == victim
    assert logged_in_as(VICTIM) is None  # the attacker's password
    mail.outbox.clear()
    send(Client().post, RESET, {"email": VICTIM})
    assert [m.to for m in mail.outbox] == [[VICTIM]]
    assert logged_in_as(squatted.email) == squatted  # the attacker's own account works as before


def test_the_squatters_account_cannot_accept_the_victims_invitation(channel, squatted):
    _, token = services.invitation_create(actor=channel.globex_admin, organization=channel.globex, email=VICTIM)
    client = Client()
    client.force_login(squatted)
    page = client.post(reverse("portal:invitation_accept", kwargs={"token": token}))
    assert page.status_code in (200, 400)
    assert f"This invitation is for {VICTIM}" in main_text(page)
    assert not Membership.objects.filter(user=squatted, organization=channel.globex).exists()
    # The link still works for the victim.
    assert services.invitation_for_token(token)


def test_an_account_whose_own_address_is_unconfirmed_cannot_accept_an_invitation_with_it(channel):
    rep = channel.initech_rep
    EmailAddress.objects.create(user=rep, email=rep.email, verified=False, primary=True)
    _, token = services.invitation_create(actor=channel.globex_admin, organization=channel.globex, email=rep.email)
    with pytest.raises(services.ValidationError, match="has not confirmed"):
        services.invitation_accept(token=token, user=rep)
    assert not Membership.objects.filter(user=rep, organization=channel.globex).exists()


# --- the class: every door uses the one rule ----------------------------------------------------------------------

STATES = {
    # how an account holds the address → whether it is proven to be the account's
    "verified": True,
    "own address, no record": True,
    "own address, filed unconfirmed by allauth": True,
    "own address, made primary unconfirmed": False,
    "added, unconfirmed": False,
}


def holder(state: str):
    user = f.UserFactory(email="holder@example.com", username="holder")
    if state == "verified":
        user.email = "holder.main@example.com"
        user.save(update_fields=["email"])
        EmailAddress.objects.create(user=user, email="holder@example.com", verified=True)
    elif state == "own address, filed unconfirmed by allauth":
        EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=False)
    elif state == "own address, made primary unconfirmed":
        EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    elif state == "added, unconfirmed":
        user.email = "holder.main@example.com"
        user.save(update_fields=["email"])
        EmailAddress.objects.create(user=user, email="holder@example.com", verified=False)
    return user


@pytest.mark.parametrize("state", STATES)
def test_every_door_to_an_account_by_its_address_agrees_on_whose_it_is(db, send, state):
    """Password login, the reset link and the rule itself answer the same for each way of holding an address."""
    user = holder(state)
    proven = STATES[state]
    assert addresses.is_proven(user, "HOLDER@example.com") is proven
    assert (logged_in_as("holder@example.com") == user) is proven
    mail.outbox.clear()
    send(Client().post, RESET, {"email": "holder@example.com"})
    assert any("/accounts/password/reset/key/" in m.body for m in mail.outbox) is proven


def test_only_our_backend_logs_in_by_email():
    """allauth's stock backend (which takes any address) is not installed beside ours."""
    assert "allauth.account.auth_backends.AuthenticationBackend" not in settings.AUTHENTICATION_BACKENDS
    assert "identity.auth_backends.AuthenticationBackend" in settings.AUTHENTICATION_BACKENDS
