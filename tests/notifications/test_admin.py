"""Platform admins see the outbox: what failed for good and why, and they send it again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import services as notifications
from notifications.models import OutgoingEmail
from tests import factories as f
from tests.notifications import SMTPPeer, body_of, use_smtp_peer
from tests.portal.helpers import main_text

pytestmark = pytest.mark.django_db

Status = OutgoingEmail.Status
CHANGELIST = reverse("admin:notifications_outgoingemail_changelist")


@pytest.fixture
def platform_admin(client):
    user = f.UserFactory(email="root@onepane.example", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def welcome(n=1) -> OutgoingEmail:
    return notifications.email_send(
        key=f"welcome:{n}",
        to=f"person{n}@initech.example",
        subject=f"Welcome to Onepane, person {n}",
        template="notifications/email/digest",
        context={"items": [], "count": 0, "local_date": "2024-06-03", "preferences_url": "http://x/"},
    )


def refuse_until_failed(email, settings, peer) -> None:
    """Deliver ``email`` to a mail server that refuses it until its attempts are used up."""
    use_smtp_peer(settings, peer)
    for _ in range(settings.ONEPANE_EMAIL_MAX_ATTEMPTS):
        with pytest.raises(notifications.DeliveryFailed):
            notifications.email_deliver(email_id=email.pk)
    email.refresh_from_db()
    assert email.status == Status.FAILED


def test_a_failed_email_is_listed_with_its_error_and_the_retry_action_sends_it(
    settings, client, platform_admin, django_capture_on_commit_callbacks
):
    settings.ONEPANE_EMAIL_MAX_ATTEMPTS = 2
    failed, pending = welcome(1), welcome(2)
    with SMTPPeer() as peer:
        refuse_until_failed(failed, settings, peer)

        page = client.get(CHANGELIST, {"status__exact": "failed"})
        listed = main_text(page)
        assert page.status_code == 200
        assert "Welcome to Onepane, person 1" in listed and "Welcome to Onepane, person 2" not in listed
        detail = main_text(client.get(reverse("admin:notifications_outgoingemail_change", args=[failed.pk])))
        assert "SMTPRecipientsRefused" in detail and "550" in detail

        peer.accept = True  # the mailbox exists again
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                CHANGELIST + "?status__exact=failed",
                {"action": "retry", "_selected_action": [failed.pk, pending.pk]},
                follow=True,
            )

        assert "1 email queued again." in main_text(response)
        (received,) = peer.received
    assert received["To"] == "person1@initech.example"
    assert received["Message-ID"] == f"<onepane-{failed.pk}@onepane.local>"
    assert "2024-06-03" in body_of(received)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.failed_at) == (Status.SENT, 1, None)
    pending.refresh_from_db()
    assert pending.status == Status.PENDING  # only failed emails are retried


def test_the_failed_list_costs_the_same_queries_for_one_and_for_many(client, platform_admin):
    def queries():
        client.get(CHANGELIST, {"status__exact": "failed"})
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(CHANGELIST, {"status__exact": "failed"}).status_code == 200
        return len(ctx.captured_queries)

    OutgoingEmail.objects.filter(pk=welcome(0).pk).update(status=Status.FAILED, attempts=5)
    one = queries()
    emails = [welcome(n) for n in range(1, 40)]
    OutgoingEmail.objects.filter(pk__in=[e.pk for e in emails]).update(status=Status.FAILED, attempts=5)
    assert queries() == one


def test_people_who_are_not_platform_admins_do_not_see_the_outbox(client):
    client.force_login(f.member(f.partner(), "admin"))
    response = client.get(CHANGELIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
