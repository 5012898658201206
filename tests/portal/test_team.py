"""The team page: members and invitations; admins invite, change roles and remove people."""

import pytest
from django.core import mail
from django.urls import reverse

from tests import factories as f
from tests.portal.helpers import client_for, main_text, queries_for
from vendors import services
from vendors.models import Invitation, Membership

TEAM = reverse("portal:team")
INVITE = reverse("portal:invite")
Role = Membership.Role


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """The invitation email is a Celery task; unit tests run it in the process (CI sets REDIS_URL)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


def membership(user, org):
    return Membership.objects.get(user=user, organization=org)


def role_url(m):
    return reverse("portal:member_role", args=[m.pk])


def remove_url(m):
    return reverse("portal:member_remove", args=[m.pk])


def test_members_see_the_team_read_only(client, channel):
    response = client_for(client, channel.initech_rep).get(TEAM)
    assert response.status_code == 200
    page = main_text(response)
    assert channel.initech_admin.email in page and channel.initech_rep.email in page
    assert channel.umbrella_admin.email not in page
    html = response.content.decode()
    assert INVITE not in html
    assert role_url(membership(channel.initech_rep, channel.initech)) not in html
    assert "Only admins invite people" in page


def test_admins_see_the_invite_form_role_selects_and_remove_buttons(client, channel):
    response = client_for(client, channel.initech_admin).get(TEAM)
    html = response.content.decode()
    rep = membership(channel.initech_rep, channel.initech)
    assert f'action="{INVITE}"' in html
    assert f'action="{role_url(rep)}"' in html and f'action="{remove_url(rep)}"' in html
    assert f'<label class="visually-hidden" for="role-{rep.pk}">' in html
    assert "Yes, remove" in main_text(response)


def test_every_kind_of_organization_has_a_team_page(client, channel):
    for person in (channel.acme_member, channel.northwind_admin):
        response = client_for(client, person).get(TEAM)
        assert response.status_code == 200
        assert person.email in main_text(response)


def test_an_admin_invites_a_colleague_by_email(client, channel, django_capture_on_commit_callbacks):
    client_for(client, channel.initech_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(INVITE, {"invite-email": "Dana@Initech.example", "invite-role": Role.MANAGER})
    assert response.status_code == 302 and response["Location"] == TEAM
    invitation = Invitation.objects.get(organization=channel.initech)
    assert invitation.email == "dana@initech.example" and invitation.role == Role.MANAGER
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dana@initech.example"]
    assert "Join Initech Solutions" in message.subject
    assert "/invitations/" in message.body

    page = main_text(client.get(TEAM))
    assert "Invitation sent to dana@initech.example" in page
    assert "Open invitations (1)" in page and "Manager" in page
    assert invitation.expires_at.strftime("%-d %b %Y") in page


def test_a_bad_invitation_shows_the_field_error_and_writes_nothing(client, channel):
    client_for(client, channel.initech_admin)
    response = client.post(INVITE, {"invite-email": "not an email", "invite-role": Role.MEMBER})
    assert response.status_code == 400
    assert "Enter a valid email address." in main_text(response)
    response = client.post(INVITE, {"invite-email": channel.initech_rep.email, "invite-role": Role.MEMBER})
    assert "This person is already in your organization." in main_text(response)
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_admin_changes_a_role(client, channel):
    rep = membership(channel.initech_rep, channel.initech)
    response = client_for(client, channel.initech_admin).post(role_url(rep), {"role": Role.MANAGER})
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.role == Role.MANAGER
    assert "is now manager" in main_text(client.get(TEAM))


def test_an_admin_removes_a_person(client, channel):
    rep = membership(channel.initech_rep, channel.initech)
    response = client_for(client, channel.initech_admin).post(remove_url(rep))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=rep.pk).exists()
    assert not channel.initech_rep.groups.filter(pk=channel.initech.group_id).exists()
    assert "was removed from Initech Solutions" in main_text(client.get(TEAM))
    # The removed person no longer sees Initech's vendors.
    assert "not in an organization yet" in main_text(client_for(client, channel.initech_rep).get("/"))


def test_the_last_admin_cannot_be_demoted_or_removed(client, channel):
    me = membership(channel.initech_admin, channel.initech)
    client_for(client, channel.initech_admin)
    response = client.post(role_url(me), {"role": Role.MEMBER}, follow=True)
    assert "An organization keeps at least one admin" in main_text(response)
    response = client.post(remove_url(me), follow=True)
    assert "An organization keeps at least one admin" in main_text(response)
    me.refresh_from_db()
    assert me.role == Role.ADMIN


def test_an_admin_revokes_an_invitation(client, channel):
    invitation, _ = services.invitation_create(
        actor=channel.initech_admin, organization=channel.initech, email="late@initech.example"
    )
    client_for(client, channel.initech_admin)
    response = client.post(reverse("portal:invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    page = main_text(client.get(TEAM))
    assert "late@initech.example no longer works" in page and "Open invitations (0)" in page


def test_members_get_403_on_every_team_action_and_nothing_changes(client, channel):
    admin = membership(channel.initech_admin, channel.initech)
    invitation, _ = services.invitation_create(
        actor=channel.initech_admin, organization=channel.initech, email="x@initech.example"
    )
    client_for(client, channel.initech_rep)
    assert client.post(INVITE, {"invite-email": "y@initech.example", "invite-role": "admin"}).status_code == 403
    assert client.post(role_url(admin), {"role": Role.MEMBER}).status_code == 403
    assert client.post(remove_url(admin)).status_code == 403
    assert client.post(reverse("portal:invitation_revoke", args=[invitation.pk])).status_code == 403
    admin.refresh_from_db()
    invitation.refresh_from_db()
    assert admin.role == Role.ADMIN and invitation.revoked_at is None
    assert Invitation.objects.count() == 1


def test_another_organizations_membership_or_invitation_is_a_404(client, channel):
    theirs = membership(channel.umbrella_admin, channel.umbrella)
    invitation, _ = services.invitation_create(
        actor=channel.umbrella_admin, organization=channel.umbrella, email="x@umbrella.example"
    )
    client_for(client, channel.initech_admin)
    assert client.post(role_url(theirs), {"role": Role.MEMBER}).status_code == 404
    assert client.post(remove_url(theirs)).status_code == 404
    assert client.post(reverse("portal:invitation_revoke", args=[invitation.pk])).status_code == 404
    assert client.post(reverse("portal:member_role", args=[999999]), {"role": Role.MEMBER}).status_code == 404
    # A member of the other organization gets the same 404, not a 403.
    client_for(client, channel.initech_rep)
    assert client.post(remove_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    invitation.refresh_from_db()
    assert theirs.role == Role.ADMIN and invitation.revoked_at is None


def test_team_actions_need_a_post(client, channel):
    rep = membership(channel.initech_rep, channel.initech)
    client_for(client, channel.initech_admin)
    assert client.get(remove_url(rep)).status_code == 405
    assert client.get(INVITE).status_code == 405


def test_the_team_page_runs_a_fixed_number_of_queries(client, channel):
    client_for(client, channel.initech_admin)
    small = queries_for(client, TEAM)
    for n in range(12):
        f.member(channel.initech, Role.MEMBER)
        services.invitation_create(
            actor=channel.initech_admin, organization=channel.initech, email=f"new{n}@initech.example"
        )
    assert queries_for(client, TEAM) <= small
