"""The public addresses an email's links call: the open pixel, the link into the app, one-click unsubscribe.

No login: an unguessable or signed token is the credential. Each touches only what its token names (one
receipt's first open, one person's choice for one type), a wrong token changes nothing, and the link into the
app opens the notification for its own reader alone. The sweep calls them with placeholder tokens only; these
tests use real ones, from a world built through the services.
"""

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from notifications import services
from notifications.models import NotificationPreference, Receipt
from tests.isolation import world as w
from tests.notifications.isolation import PREFERENCE, RECEIPT

pytestmark = pytest.mark.django_db
Role = w.Role


@pytest.fixture
def world():
    return w.World(w.small_spec(), without={"deals"})


def _person(world, org, role):
    return world.people[org.pk, role]


def _receipt(world, person) -> Receipt:
    """The person's own note (the world gives everyone one)."""
    owned = {pk for label, pk in world.markers.owner.values() if label == RECEIPT}
    return Receipt.objects.get(user=person, pk__in=owned)


def _changes(before):
    return w.changed(before, w.State())


def _client(user=None):
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


def test_the_pixel_records_the_first_open_of_its_own_receipt_and_nothing_else(world):
    receipt = _receipt(world, _person(world, world.partners[0], Role.ADMIN))
    pixel = reverse("notifications:pixel", kwargs={"token": receipt.open_token})
    before = w.State()
    response = Client().get(pixel)
    assert (response.status_code, response["Content-Type"]) == (200, "image/gif")
    assert _changes(before) == [(RECEIPT, receipt.pk)]
    receipt.refresh_from_db()
    assert receipt.opened_via == Receipt.Via.EMAIL and receipt.opened_at is not None and receipt.read_at is None

    again = w.State()
    assert Client().get(pixel).content == response.content
    assert _changes(again) == []  # the first open is kept

    for token in ("x" * 24, receipt.open_token[:-1], "9" * 65):
        unknown = w.State()
        answer = Client().get(reverse("notifications:pixel", kwargs={"token": token}))
        assert (answer.status_code, answer.content) == (200, response.content)  # the same image for any token
        assert _changes(unknown) == []


def test_an_emails_link_opens_the_notification_for_its_own_reader_only(world):
    p0 = world.partners[0]
    reader = _person(world, p0, Role.ADMIN)
    receipt = _receipt(world, reader)
    before = w.State()
    response = Client().get(reverse("notifications:click", kwargs={"token": receipt.open_token}))
    opened = reverse("notifications:open", kwargs={"pk": receipt.pk})
    assert (response.status_code, response["Location"]) == (302, opened)
    assert _changes(before) == [(RECEIPT, receipt.pk)]

    anonymous = Client().get(opened)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("account_login"))
    assert _client(reader).get(opened).status_code in (200, 302)
    for other in (_person(world, p0, Role.MEMBER), _person(world, world.vendors[0], Role.ADMIN), world.outsider_person):
        refused = w.State()
        assert _client(other).get(opened).status_code == 404, other
        assert _changes(refused) == []

    unknown = w.State()
    assert Client().get(reverse("notifications:click", kwargs={"token": "x" * 24})).status_code == 404
    assert _changes(unknown) == []


def test_one_click_unsubscribe_turns_off_one_type_for_the_person_the_link_names(world):
    person = _person(world, world.partners[0], Role.MEMBER)
    token = services.unsubscribe_token(person.pk, "partnership.approved")
    url = reverse("notifications:unsubscribe", kwargs={"token": token})

    before = w.State()
    assert Client().get(url).status_code == 200
    assert _changes(before) == []  # showing the button changes nothing

    response = _client().post(url, {"List-Unsubscribe": "One-Click"})  # a mail client: no session, no CSRF token
    assert response.status_code == 200
    changes = _changes(before)
    assert changes and {label for label, _ in changes} <= {PREFERENCE, RECEIPT}
    assert NotificationPreference.objects.get(user=person, kind="partnership.approved").email == "off"
    after = w.State()
    for label, pk in changes:  # the person's own rows only
        assert after.row(label, pk)["user_id"] == person.pk, (label, pk)
    persona = next(p for p in world.personas if p.user == person)
    assert world.rules.changes(persona, before, after) == []  # what the person could have done themselves


@pytest.mark.parametrize("tamper", ["drop the last character", "signed by someone else", "garbage"])
def test_a_forged_unsubscribe_link_changes_nothing(world, tamper):
    person = _person(world, world.partners[0], Role.MEMBER)
    victim = _person(world, world.partners[0], Role.ADMIN)
    token = services.unsubscribe_token(person.pk, "partnership.approved")
    forged = {
        "drop the last character": token[:-1],
        "signed by someone else": signing.dumps(
            {"u": victim.pk, "k": "partnership.approved"}, key="not-our-secret", salt=services.UNSUBSCRIBE_SALT
        ),
        "garbage": "not-a-token",
    }[tamper]
    url = reverse("notifications:unsubscribe", kwargs={"token": forged})
    before = w.State()
    assert Client().get(url).status_code == 404
    assert _client().post(url).status_code == 404
    assert _changes(before) == []
