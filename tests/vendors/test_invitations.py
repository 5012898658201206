"""Invitations: an emailed link that lets one person join one organization, once, until it expires."""

import hashlib
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests import factories as f
from vendors import access, selectors, services
from vendors.models import Invitation, Membership

User = get_user_model()
Role = Membership.Role
GOOD_PASSWORD = "plum-orchard-harbour-42"


@pytest.fixture(autouse=True)
def _celery_eager(settings):
    """The invitation email is a Celery task. Run it in-process even when REDIS_URL is set in the environment
    (then settings make Celery non-eager); tests/conftest.py does the same on the Celery app."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def fresh(user):
    return User.objects.get(pk=user.pk)


def messages(exc_info) -> str:
    return " ".join(exc_info.value.messages)


@pytest.fixture
def invite(channel, django_capture_on_commit_callbacks):
    """Invite someone to Initech as a member; returns (invitation, raw token)."""

    def make(email="dana@initech.test", role=Role.MEMBER, actor=None, organization=None):
        with django_capture_on_commit_callbacks(execute=True):
            return services.invitation_create(
                actor=actor or channel.initech_admin,
                organization=organization or channel.initech,
                email=email,
                role=role,
            )

    return make


def accept_new(token, **kwargs):
    fields = {"password": GOOD_PASSWORD, "first_name": "Dana", "last_name": "Scully"}
    fields.update(kwargs)
    return services.invitation_accept(token=token, **fields)


def nothing_written(email="dana@initech.test"):
    return (
        not User.objects.filter(email__iexact=email).exists()
        and not EmailAddress.objects.filter(email__iexact=email).exists()
    )


# --- creating ------------------------------------------------------------------------------------------------


def test_create_returns_a_token_that_is_not_stored(invite):
    invitation, token = invite(email="  Dana@Initech.TEST ", role=Role.MANAGER)
    assert invitation.email == "dana@initech.test"
    assert invitation.role == Role.MANAGER
    assert len(token) >= 40
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert timezone.now() + timedelta(days=6) < invitation.expires_at <= timezone.now() + timedelta(days=7)
    assert invitation.is_open


def test_the_link_is_emailed_after_commit(invite, channel):
    invitation, token = invite()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dana@initech.test"]
    assert "Initech Solutions" in message.subject
    assert reverse("portal:invitation_accept", kwargs={"token": token}) in message.body
    assert channel.initech_admin.display_name in message.body


def test_nothing_is_emailed_before_commit(channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.invitation_create(actor=channel.initech_admin, organization=channel.initech, email="a@b.test")
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_a_revoked_invitation_is_not_emailed(channel, django_capture_on_commit_callbacks):
    """The task checks the invitation is still open when it runs (it may run late, or twice)."""
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _ = services.invitation_create(
            actor=channel.initech_admin, organization=channel.initech, email="late@initech.test"
        )
        services.invitation_revoke(actor=channel.initech_admin, invitation=invitation)
    assert mail.outbox == []


@pytest.mark.parametrize("who", ["initech_rep", "acme_manager", "acme_member", "umbrella_admin"])
def test_only_the_organizations_admins_invite(channel, who):
    org = channel.acme if who.startswith("acme") else channel.initech
    with pytest.raises(PermissionDenied):
        services.invitation_create(actor=getattr(channel, who), organization=org, email="x@example.test")
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("email", ["", "not-an-email", "dana@", "@initech.test", None])
def test_bad_email_is_a_field_error(channel, email):
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(actor=channel.initech_admin, organization=channel.initech, email=email)
    assert exc.value.message_dict == {"email": ["Enter a valid email address."]}
    assert not Invitation.objects.exists()


def test_unknown_role_is_a_field_error(channel):
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(
            actor=channel.initech_admin, organization=channel.initech, email="a@b.test", role="owner"
        )
    assert "role" in exc.value.error_dict
    assert not Invitation.objects.exists()


def test_inviting_an_existing_member_is_refused(channel):
    email = channel.initech_rep.email.upper()
    with pytest.raises(ValidationError) as exc:
        services.invitation_create(actor=channel.initech_admin, organization=channel.initech, email=email)
    assert exc.value.message_dict == {"email": ["This person is already in your organization."]}
    assert not Invitation.objects.exists()


def test_a_person_from_another_organization_may_be_invited(invite, channel):
    invitation, _ = invite(email=channel.acme_member.email)
    assert invitation.is_open


def test_a_new_invitation_to_the_same_email_revokes_the_older_one(invite):
    older, old_token = invite(role=Role.MEMBER)
    newer, new_token = invite(email="DANA@initech.test", role=Role.ADMIN)
    older.refresh_from_db()
    assert older.revoked_at is not None
    assert Invitation.objects.filter(email="dana@initech.test", revoked_at__isnull=True).get() == newer
    with pytest.raises(ValidationError) as exc:
        accept_new(old_token)
    assert "not valid" in messages(exc)
    assert accept_new(new_token).role == Role.ADMIN


def test_the_same_email_may_be_invited_by_two_organizations(invite, channel):
    first, _ = invite()
    second, _ = invite(actor=channel.acme_admin, organization=channel.acme)
    first.refresh_from_db()
    assert first.is_open and second.is_open


# --- accepting -------------------------------------------------------------------------------------------------


def test_new_account_joins_with_the_invited_role(invite, channel):
    invitation, token = invite(role=Role.MANAGER)
    membership = accept_new(token)
    person = fresh(membership.user)
    assert (membership.organization, membership.role) == (channel.initech, Role.MANAGER)
    assert (person.email, person.first_name, person.last_name) == ("dana@initech.test", "Dana", "Scully")
    assert person.check_password(GOOD_PASSWORD)
    assert person.groups.filter(pk=channel.initech.group_id).exists()
    assert EmailAddress.objects.get(user=person).verified
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # The new colleague sees what Initech sees.
    assert set(selectors.partnerships_visible_to(person).values_list("pk", flat=True)) == {
        channel.initech_acme.pk,
        channel.initech_globex.pk,
    }


def test_the_link_works_once(invite):
    _, token = invite()
    accept_new(token)
    with pytest.raises(ValidationError) as exc:
        accept_new(token, first_name="Someone", password="another-long-pass-77")
    assert "already been used" in messages(exc)
    assert User.objects.filter(email="dana@initech.test").count() == 1
    with pytest.raises(ValidationError):
        services.invitation_for_token(token)


def test_an_expired_link_is_refused_and_nothing_is_written(invite, channel):
    invitation, token = invite()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ValidationError) as exc:
        services.invitation_for_token(token)
    assert messages(exc) == "This invitation has expired. Ask your admin to send a new one."
    with pytest.raises(ValidationError) as exc:
        accept_new(token)
    assert messages(exc) == "This invitation has expired. Ask your admin to send a new one."
    assert nothing_written()
    assert channel.initech.memberships.count() == 2
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 500, "../../etc/passwd", None])
def test_a_malformed_link_is_refused(invite, token):
    invite()
    with pytest.raises(ValidationError) as exc:
        services.invitation_for_token(token)
    assert messages(exc) == "This invitation link is not valid. Ask your admin to send a new one."
    with pytest.raises(ValidationError):
        accept_new(token)
    assert nothing_written()


def test_a_revoked_link_is_refused(invite, channel):
    invitation, token = invite()
    services.invitation_revoke(actor=channel.initech_admin, invitation=invitation)
    with pytest.raises(ValidationError) as exc:
        accept_new(token)
    assert "not valid" in messages(exc)
    assert nothing_written()


def test_only_the_organizations_admins_revoke(invite, channel):
    invitation, _ = invite()
    for person in (channel.initech_rep, channel.acme_admin):
        with pytest.raises(PermissionDenied):
            services.invitation_revoke(actor=person, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.is_open


def test_a_used_invitation_cannot_be_revoked_afterwards(invite, channel):
    invitation, token = invite()
    accept_new(token)
    services.invitation_revoke(actor=channel.initech_admin, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
    assert invitation.accepted_at is not None


def test_logged_in_person_with_the_invited_email_joins_without_a_password(invite, channel):
    person = channel.acme_member
    _, token = invite(email=person.email.upper(), role=Role.MEMBER)
    membership = services.invitation_accept(token=token, user=fresh(person))
    assert membership.organization == channel.initech
    assert set(access.organization_ids(fresh(person))) == {channel.acme.pk, channel.initech.pk}


def test_logged_in_person_with_another_email_is_refused(invite, channel):
    invitation, token = invite()
    with pytest.raises(ValidationError) as exc:
        services.invitation_accept(token=token, user=fresh(channel.acme_member))
    assert "This invitation is for dana@initech.test" in messages(exc)
    assert not Membership.objects.filter(organization=channel.initech, user=channel.acme_member).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert nothing_written()


def test_existing_account_must_log_in_first(invite, channel):
    _, token = invite(email=channel.acme_member.email)
    with pytest.raises(ValidationError) as exc:
        accept_new(token)
    assert "Log in first" in messages(exc)
    assert not Membership.objects.filter(organization=channel.initech, user=channel.acme_member).exists()


@pytest.mark.parametrize(
    "password",
    ["short", "1234567890123", "password123", "dana@initech.test", ""],
)
def test_weak_password_is_a_field_error_and_nothing_is_written(invite, channel, password):
    invitation, token = invite()
    with pytest.raises(ValidationError) as exc:
        accept_new(token, password=password)
    assert list(exc.value.message_dict) == ["password"]
    assert exc.value.message_dict["password"]
    assert nothing_written()
    assert channel.initech.memberships.count() == 2
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    # The link still works once the person picks a good password.
    assert accept_new(token).role == Role.MEMBER


def test_a_name_is_required_for_a_new_account(invite):
    _, token = invite()
    with pytest.raises(ValidationError) as exc:
        accept_new(token, first_name="  ")
    assert list(exc.value.message_dict) == ["first_name"]
    assert nothing_written()


def test_a_link_revoked_while_being_accepted_is_refused(invite, channel, monkeypatch):
    """The admin's revoke lands between the link check and the accept's row lock (two requests at once)."""
    invitation, token = invite()
    check = services.invitation_for_token

    def check_then_revoked_elsewhere(raw):
        found = check(raw)
        services.invitation_revoke(actor=channel.initech_admin, invitation=found)
        return found

    monkeypatch.setattr(services, "invitation_for_token", check_then_revoked_elsewhere)
    with pytest.raises(ValidationError) as exc:
        accept_new(token)
    assert "not valid" in messages(exc)
    assert nothing_written()


def test_accepting_never_changes_the_role_of_someone_already_in(invite, channel):
    """An old member invitation must not demote a person who has become admin since (maybe the last one)."""
    person = f.UserFactory(email="dana@initech.test")
    _, token = invite(role=Role.MEMBER)
    services.membership_add(organization=channel.initech, user=person, role=Role.ADMIN)
    with pytest.raises(ValidationError) as exc:
        services.invitation_accept(token=token, user=fresh(person))
    assert "already in Initech Solutions" in messages(exc)
    assert Membership.objects.get(organization=channel.initech, user=person).role == Role.ADMIN
