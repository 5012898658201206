"""The daily digest: everything a person chose to get in a digest, in one email at their hour, in their zone."""

import base64
import json
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import services as notifications
from notifications.models import EmailMode, Notification, NotificationPreference, OutgoingEmail, Receipt
from tests import factories as f
from vendors.models import Membership

pytestmark = pytest.mark.django_db

BASE = "http://127.0.0.1:8000"
DIGEST_KINDS = {"partnership.approved": EmailMode.DIGEST, "partnership.tier_changed": EmailMode.DIGEST}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def people(db):
    """Initech's admin reads Onepane in Tokyo, its rep in New York; both want approvals and tier changes in a
    digest at 08:00 their time."""
    initech = f.partner("Initech Solutions")
    acme = f.vendor("Acme Networks")
    tokyo = f.member(initech, Membership.Role.ADMIN, first_name="Kenji", last_name="Sato")
    new_york = f.member(initech, Membership.Role.MEMBER, first_name="Riley", last_name="Chen")
    notifications.preferences_update(user=tokyo, time_zone="Asia/Tokyo", digest_hour=8, modes=DIGEST_KINDS)
    notifications.preferences_update(user=new_york, time_zone="America/New_York", digest_hour=8, modes=DIGEST_KINDS)

    class People:
        pass

    p = People()
    p.initech, p.acme, p.tokyo, p.new_york = initech, acme, tokyo, new_york
    return p


def happened(people, at: datetime, title: str, *, to=None, kind="partnership.approved") -> Notification:
    """A notification for Initech (or only ``to``), as it was told at ``at``."""
    notification = notifications.notify(
        kind=kind, organization=people.initech, vendor=people.acme, title=title, recipient=to
    )
    Notification.objects.filter(pk=notification.pk).update(created_at=at)
    Receipt.objects.filter(notification=notification).update(created_at=at)
    return notification


@pytest.fixture
def send_due(django_capture_on_commit_callbacks):
    """Run the beat job at ``now``; the digests it writes are delivered after its commit, as in production."""

    def run(now):
        with django_capture_on_commit_callbacks(execute=True):
            return notifications.digests_send_due(now=now)

    return run


def digests_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_several_notifications_become_one_email_at_the_persons_hour(people, send_due):
    happened(people, utc(2024, 6, 3, 1, 0), "Acme Networks approved your application: Gold tier", to=people.tokyo)
    happened(people, utc(2024, 6, 3, 5, 0), "Acme Networks moved you to the Platinum tier", to=people.tokyo)
    happened(people, utc(2024, 6, 3, 14, 0), "Globex Security approved your application", to=people.tokyo)

    assert send_due(utc(2024, 6, 3, 22, 59)) == 0  # 07:59 on 4 June in Tokyo
    assert mail.outbox == []

    assert send_due(utc(2024, 6, 3, 23, 0)) == 1  # 08:00 in Tokyo
    (digest,) = digests_to(people.tokyo)
    assert digest.subject == "Your Onepane digest: 3 updates"
    assert "Your Onepane digest for 2024-06-04: 3 updates." in digest.body
    for title in ("Gold tier", "Platinum tier", "Globex Security approved"):
        assert title in digest.body
    for receipt in Receipt.objects.filter(user=people.tokyo):
        assert receipt.email_state == Receipt.Email.DIGESTED
        assert f"{BASE}/notifications/r/{receipt.open_token}/" in digest.body

    assert send_due(utc(2024, 6, 3, 23, 15)) == 0  # the next beat run, the same day
    assert send_due(utc(2024, 6, 4, 23, 0)) == 0  # and the next day: nothing new
    assert len(mail.outbox) == 1


def test_each_zone_gets_its_digest_at_its_own_hour(people, send_due):
    # 22:00 on 3 June in Tokyo, 09:00 in New York: after both people's digests of 3 June.
    happened(people, utc(2024, 6, 3, 13, 0), "Acme Networks approved your application: Gold tier")

    assert send_due(utc(2024, 6, 3, 23, 0)) == 1  # 08:00 on 4 June in Tokyo, still 3 June in New York
    assert [m.to for m in mail.outbox] == [[people.tokyo.email]]

    assert send_due(utc(2024, 6, 4, 11, 59)) == 0  # 07:59 EDT
    assert send_due(utc(2024, 6, 4, 12, 0)) == 1  # 08:00 EDT
    assert [m.to for m in mail.outbox] == [[people.tokyo.email], [people.new_york.email]]


@pytest.mark.parametrize(
    ("told_at", "before_the_hour", "at_the_hour"),
    [
        # Spring forward (10 March 2024): 08:00 is EDT, 12:00 UTC (it was 13:00 UTC the day before).
        (utc(2024, 3, 9, 20, 0), utc(2024, 3, 10, 11, 59), utc(2024, 3, 10, 12, 0)),
        # Fall back (3 November 2024): 08:00 is EST, 13:00 UTC (it was 12:00 UTC the day before).
        (utc(2024, 11, 2, 20, 0), utc(2024, 11, 3, 12, 59), utc(2024, 11, 3, 13, 0)),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_the_hour_follows_daylight_saving_time(people, send_due, told_at, before_the_hour, at_the_hour):
    happened(people, told_at, "Acme Networks approved your application: Gold tier", to=people.new_york)

    assert send_due(before_the_hour) == 0
    assert send_due(at_the_hour) == 1
    assert len(digests_to(people.new_york)) == 1


def test_what_arrives_after_todays_hour_waits_for_tomorrows_digest(people, send_due):
    early = happened(people, utc(2024, 6, 3, 22, 30), "Early: approved", to=people.tokyo)  # 07:30 in Tokyo
    late = happened(people, utc(2024, 6, 3, 23, 30), "Late: tier changed", to=people.tokyo)  # 08:30 in Tokyo

    assert send_due(utc(2024, 6, 4, 0, 0)) == 1  # 09:00 in Tokyo
    (first,) = digests_to(people.tokyo)
    assert "Early: approved" in first.body and "Late: tier changed" not in first.body
    assert Receipt.objects.get(notification=late).email_state == Receipt.Email.DIGEST

    assert send_due(utc(2024, 6, 4, 14, 30)) == 0  # 23:30 in Tokyo, the same day
    assert send_due(utc(2024, 6, 4, 23, 0)) == 1  # 08:00 the next day
    first, second = digests_to(people.tokyo)
    assert "Late: tier changed" in second.body and "Early: approved" not in second.body
    assert second.subject == "Your Onepane digest: 1 update"
    assert Receipt.objects.get(notification=early).email != Receipt.objects.get(notification=late).email


def test_off_sends_nothing_not_even_what_was_already_waiting(people, send_due):
    happened(people, utc(2024, 6, 3, 1, 0), "Waiting when they turned it off", to=people.tokyo)
    notifications.preferences_update(
        user=people.tokyo,
        time_zone="Asia/Tokyo",
        digest_hour=8,
        modes={"partnership.approved": EmailMode.OFF, "partnership.tier_changed": EmailMode.OFF},
    )
    later = happened(people, utc(2024, 6, 3, 2, 0), "Told after", to=people.tokyo)

    assert Receipt.objects.get(notification=later).email_state == Receipt.Email.OFF
    assert send_due(utc(2024, 6, 4, 23, 0)) == 0
    assert mail.outbox == [] and not OutgoingEmail.objects.filter(to=people.tokyo.email).exists()
    # Still in the notification centre.
    assert Receipt.objects.filter(user=people.tokyo).count() == 2


def test_each_digest_carries_only_its_persons_notifications(people, send_due):
    happened(people, utc(2024, 6, 3, 1, 0), "Acme Networks approved your application: Gold tier")
    send_due(utc(2024, 6, 4, 12, 0))  # both hours have passed

    for reader, other in ((people.tokyo, people.new_york), (people.new_york, people.tokyo)):
        (digest,) = digests_to(reader)
        everything = digest.message().as_string()
        other_receipt = Receipt.objects.get(user=other)
        assert other_receipt.open_token not in everything
        assert other.email not in everything and other.last_name not in everything


def test_the_digests_unsubscribe_link_works_without_login(people, send_due, client):
    happened(people, utc(2024, 6, 3, 1, 0), "Acme Networks approved your application: Gold tier", to=people.tokyo)
    send_due(utc(2024, 6, 3, 23, 0))
    (digest,) = digests_to(people.tokyo)
    message = digest.message()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message["List-Unsubscribe"].strip("<>").removeprefix(BASE)

    page = client.get(url)
    assert page.status_code == 200 and "Daily digest" in page.content.decode()
    done = client.post(url)  # what a mail client's one-click unsubscribe sends

    assert done.status_code == 200 and "You are unsubscribed" in done.content.decode()
    chosen = dict(NotificationPreference.objects.filter(user=people.tokyo).values_list("kind", "email"))
    assert chosen["partnership.approved"] == chosen["partnership.tier_changed"] == EmailMode.OFF
    assert chosen["invitation.sent"] == EmailMode.OFF  # digest by default
    assert not NotificationPreference.objects.filter(user=people.new_york, email=EmailMode.OFF).exists()
    happened(people, utc(2024, 6, 4, 1, 0), "After unsubscribing", to=people.tokyo)
    assert send_due(utc(2024, 6, 4, 23, 0)) == 0


def test_a_link_edited_to_name_another_person_is_refused(people, client):
    token = notifications.unsubscribe_token(people.tokyo.pk, notifications.DIGEST.key)
    payload, rest = token.split(":", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["u"] = people.new_york.pk
    edited = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    url = f"/notifications/unsubscribe/{edited}:{rest}/"

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not NotificationPreference.objects.filter(user=people.new_york, email=EmailMode.OFF).exists()


def test_a_digest_of_one_and_of_many_notifications_costs_the_same_queries(people, send_due):
    happened(people, utc(2024, 6, 3, 1, 0), "Only one", to=people.tokyo)
    with CaptureQueriesContext(connection) as one:
        assert notifications.digests_send_due(now=utc(2024, 6, 3, 23, 0)) == 1  # Tokyo

    for n in range(15):
        happened(people, utc(2024, 6, 3, 13, n), f"One of many {n}", to=people.new_york)
    with CaptureQueriesContext(connection) as many:
        assert notifications.digests_send_due(now=utc(2024, 6, 4, 12, 0)) == 1  # New York

    assert len(many.captured_queries) == len(one.captured_queries) <= 14
