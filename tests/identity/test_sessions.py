"""The sessions page: where a person is logged in (device, IP address, when), and logging out the others."""

from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests import factories as f
from tests.portal.helpers import main_text, text

LOGIN = reverse("account_login")
SESSIONS = reverse("usersessions_list")
HOME = reverse("portal:home")
LAPTOP = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1"


def browser(user, agent, ip) -> Client:
    """A browser of its own that logs in through the login form."""
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    response = client.post(LOGIN, {"login": user.email, "password": f.PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session
    return client


def test_the_page_lists_each_device_with_its_ip_and_marks_this_one(channel):
    rep = channel.initech_rep
    laptop = browser(rep, LAPTOP, "192.0.2.10")
    browser(rep, PHONE, "198.51.100.7")
    browser(channel.umbrella_admin, "Someone Else/1.0", "203.0.113.9")
    page = laptop.get(SESSIONS)
    assert page.status_code == 200
    rows = main_text(page)
    assert "Where you are logged in (2)" in rows
    assert "Firefox/128.0" in rows and "192.0.2.10" in rows
    assert "iPhone" in rows and "198.51.100.7" in rows
    assert "Someone Else" not in rows and "203.0.113.9" not in rows
    assert rows.count("This session") == 1
    assert "Last seen" in rows and "Logged in" in rows
    assert "Log out all other sessions" in rows


def test_log_out_other_sessions_ends_them_and_keeps_this_one(channel):
    rep = channel.initech_rep
    laptop = browser(rep, LAPTOP, "192.0.2.10")
    phone = browser(rep, PHONE, "198.51.100.7")
    others = browser(channel.umbrella_admin, LAPTOP, "203.0.113.9")
    phone_key = phone.session.session_key
    assert phone.get(HOME).status_code == 200

    response = laptop.post(SESSIONS, follow=True)
    assert "You logged out all your other sessions." in text(response)
    assert "Where you are logged in (1)" in main_text(response) and "This is your only session." in main_text(response)

    # The phone's session is gone from the database: its next request is sent to log in.
    assert not Session.objects.filter(session_key=phone_key).exists()
    assert not UserSession.objects.filter(session_key=phone_key).exists()
    gone = phone.get(HOME)
    assert gone.status_code == 302 and gone["Location"].startswith(LOGIN)
    # This browser and other people's sessions stay.
    assert laptop.get(HOME).status_code == 200
    assert others.get(HOME).status_code == 200
    assert UserSession.objects.filter(user=rep).count() == 1


def test_a_session_that_logged_out_leaves_the_list(channel):
    rep = channel.initech_rep
    laptop = browser(rep, LAPTOP, "192.0.2.10")
    phone = browser(rep, PHONE, "198.51.100.7")
    phone.post(reverse("account_logout"))
    page = main_text(laptop.get(SESSIONS))
    assert "Where you are logged in (1)" in page and "iPhone" not in page


def test_the_sessions_page_needs_a_login(client, db):
    response = client.get(SESSIONS)
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.post(SESSIONS).status_code == 302


def test_last_seen_is_recorded_at_most_every_few_minutes_without_a_write_per_request(
    channel, settings, django_assert_num_queries
):
    rep = channel.initech_rep
    laptop = browser(rep, LAPTOP, "192.0.2.10")
    session = UserSession.objects.get(session_key=laptop.session.session_key)
    first_seen = session.last_seen_at
    # Within the interval a page costs no extra query: the same count as for a session that is never tracked.
    with django_assert_num_queries(_queries_of(laptop)):
        laptop.get(HOME)
    assert UserSession.objects.get(pk=session.pk).last_seen_at == first_seen

    # Past the interval, the next request records it (and where the person is now).
    settings.ONEPANE_SESSION_SEEN_EVERY = 0
    Client.get(laptop, HOME, REMOTE_ADDR="192.0.2.99")
    session.refresh_from_db()
    assert session.last_seen_at > first_seen and session.ip == "192.0.2.99"
    assert "192.0.2.99" in main_text(laptop.get(SESSIONS))


def _queries_of(client) -> int:
    """Queries of the home page for the same person in a session that is never tracked (force_login)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    untracked = Client()
    untracked.force_login(get_user_model().objects.get(pk=client.session["_auth_user_id"]))
    with CaptureQueriesContext(connection) as captured:
        untracked.get(HOME)
    return len(captured)
