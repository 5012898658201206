"""Proving a domain claim through DNS (ONEPANE_DOMAIN_TXT_VERIFICATION): the organization's admin publishes the
TXT record its single sign-on page names, "Check now" (or the beat) looks it up with dnspython, and a matching
record verifies the claim as a platform admin's action does. The lookups go to a real DNS server on loopback that
the tests start (tests/identity/dns_server.py); whatever that server does, the admin reads a sentence, never a
traceback."""

import time

import pytest
from django.urls import reverse

from identity import dnstxt, services, tasks
from identity.models import VerifiedDomain
from notifications.models import Notification, Receipt
from portal.celery import app
from tests import factories as f
from tests.identity.dns_server import LocalDNSServer
from tests.portal.helpers import main_text

SSO = reverse("identity:sso")
RECORD = "_onepane-challenge.globex.example"


@pytest.fixture
def dns_server():
    server = LocalDNSServer()
    yield server
    server.stop()


@pytest.fixture
def txt_on(settings, dns_server):
    """DNS verification on, every lookup asking the test's server."""
    settings.ONEPANE_DOMAIN_TXT_VERIFICATION = True
    settings.ONEPANE_DNS_NAMESERVERS = [dns_server.nameserver]
    settings.ONEPANE_DNS_TIMEOUT = 2.0
    return dns_server


def claim(organization, domain="globex.example"):
    return services.domain_add(actor=f.admin_of(organization), organization=organization, domain=domain)


def check_now(client, domain, user=None):
    client.force_login(user or f.admin_of(domain.organization))
    return client.post(SSO, {"action": "domain_check", "domain": domain.pk}, follow=True)


def test_the_page_names_the_record_to_publish_and_offers_check_now(channel, client, txt_on):
    globex = claim(channel.globex)
    client.force_login(f.admin_of(channel.globex))
    page = main_text(client.get(SSO))
    assert f"Name {RECORD}" in page
    assert f"Value onepane-domain-verification={globex.verification_token}" in page
    assert "Check now globex.example" in page


def test_without_the_setting_the_page_shows_no_record_and_a_check_is_refused(channel, client, settings, dns_server):
    settings.ONEPANE_DOMAIN_TXT_VERIFICATION = False
    settings.ONEPANE_DNS_NAMESERVERS = [dns_server.nameserver]
    globex = claim(channel.globex)
    dns_server.publish(RECORD, globex.txt_record_value)
    client.force_login(f.admin_of(channel.globex))
    page = main_text(client.get(SSO))
    assert "_onepane-challenge" not in page and "Check now" not in page
    refused = check_now(client, globex)
    assert "DNS verification is not turned on here: a platform admin verifies domains." in main_text(refused)
    assert tasks.check_domain_txt_records.delay().get() == {"checked": 0, "verified": 0}
    globex.refresh_from_db()
    assert not globex.is_verified and dns_server.queries == []


@pytest.mark.parametrize("published", [False, True], ids=["nxdomain", "name-without-txt"])
def test_no_record_yet_leaves_the_claim_pending_and_says_what_to_publish(channel, client, txt_on, published):
    globex = claim(channel.globex)
    if published:
        txt_on.publish(RECORD)  # the name exists (say, another record type), without a TXT record
    response = check_now(client, globex)
    assert response.status_code == 200
    page = main_text(response)
    assert f"No TXT record at {RECORD} yet. Publish one with the value {globex.txt_record_value}" in page
    assert "Last checked" in page and "No TXT record yet." in page
    globex.refresh_from_db()
    assert not globex.is_verified and globex.dns_check == VerifiedDomain.TxtCheck.NOT_FOUND
    assert (RECORD, "TXT") in txt_on.queries


def test_a_record_with_another_token_is_named_as_such(channel, client, txt_on):
    globex = claim(channel.globex)
    initech = claim(channel.initech)
    txt_on.publish(RECORD, "v=spf1 -all", initech.txt_record_value)  # the squatter's token is not Globex's
    page = main_text(check_now(client, globex))
    assert f"{RECORD} has a TXT record, but not the value of this claim." in page
    globex.refresh_from_db()
    assert not globex.is_verified and globex.dns_check == VerifiedDomain.TxtCheck.WRONG_VALUE


def test_the_right_token_verifies_the_claim_and_drops_the_rival_whose_admin_is_told(channel, client, txt_on):
    squatter = claim(channel.initech)
    globex = claim(channel.globex)
    txt_on.publish(RECORD, "v=spf1 -all", globex.txt_record_value)  # among the name's other records
    admin = f.admin_of(channel.globex)

    page = main_text(check_now(client, globex, admin))

    assert f"globex.example is verified: the TXT record at {RECORD} matches." in page
    globex.refresh_from_db()
    assert globex.is_verified and globex.verified_by == admin
    assert globex.dns_check == VerifiedDomain.TxtCheck.VERIFIED
    assert not VerifiedDomain.objects.filter(pk=squatter.pk).exists()
    told = Notification.objects.get(kind="identity.domain_claim_dropped")
    assert told.organization == channel.initech and told.title == "Your claim of globex.example was dropped"
    assert told.actor is None  # who proved the domain stays private
    assert Receipt.objects.filter(notification=told, user=f.admin_of(channel.initech)).exists()
    # Checking again once verified asks DNS nothing more.
    asked = len(txt_on.queries)
    assert "globex.example is verified." in main_text(check_now(client, globex, admin))
    assert len(txt_on.queries) == asked


@pytest.mark.parametrize("spelling", ["split", "quoted"])
def test_a_record_in_several_strings_or_with_its_quotes_kept_is_read_as_its_value(channel, txt_on, spelling):
    globex = claim(channel.globex)
    value = globex.txt_record_value
    txt_on.publish(RECORD, (value[:20], value[20:]) if spelling == "split" else f'"{value}"')
    assert services.domain_check_txt(actor=f.admin_of(channel.globex), domain=globex).verified


def test_another_organizations_admin_cannot_check_the_claim(channel, client, txt_on):
    globex = claim(channel.globex)
    txt_on.publish(RECORD, globex.txt_record_value)
    response = check_now(client, globex, f.admin_of(channel.initech))
    assert response.status_code == 404
    globex.refresh_from_db()
    assert not globex.is_verified and globex.dns_checked_at is None
    assert txt_on.queries == []
    # Nor can the organization's own members who are not its admins.
    client.force_login(f.member(channel.globex))
    assert client.post(SSO, {"action": "domain_check", "domain": globex.pk}).status_code == 403
    assert txt_on.queries == []


def test_a_dns_server_that_never_answers_gives_a_timeout_message_quickly(channel, client, txt_on, settings):
    settings.ONEPANE_DNS_TIMEOUT = 0.5
    txt_on.behaviour = "silent"
    globex = claim(channel.globex)
    started = time.monotonic()
    page = main_text(check_now(client, globex))
    assert time.monotonic() - started < 5
    assert f"The DNS servers did not answer in time when looking up {RECORD}. Try again in a few minutes." in page
    globex.refresh_from_db()
    assert not globex.is_verified and globex.dns_check == VerifiedDomain.TxtCheck.TIMEOUT
    assert txt_on.queries  # it was asked


@pytest.mark.parametrize(
    ("behaviour", "outcome"),
    [
        ("answer", "not_found"),
        ("silent", "timeout"),
        ("servfail", "failed"),
        ("refused", "failed"),
        ("garbage", "timeout"),
        ("truncated", "failed"),
        ("closed-port", "timeout"),
        ("misconfigured", "failed"),
    ],
)
def test_whatever_dns_does_the_admin_reads_a_sentence_and_the_claim_stays_pending(
    channel, client, txt_on, settings, behaviour, outcome
):
    """The class: every way a lookup can go wrong is a message on the page (never a 500) and a kept outcome."""
    settings.ONEPANE_DNS_TIMEOUT = 0.5
    if behaviour == "closed-port":
        settings.ONEPANE_DNS_NAMESERVERS = [f"127.0.0.1:{_closed_udp_port()}"]
    elif behaviour == "misconfigured":
        settings.ONEPANE_DNS_NAMESERVERS = ["dns.example:53"]
    else:
        txt_on.behaviour = behaviour
    globex = claim(channel.globex)
    response = check_now(client, globex)
    assert response.status_code == 200
    assert services.txt_check_message(globex, outcome) in main_text(response)
    globex.refresh_from_db()
    assert not globex.is_verified and globex.dns_check == outcome


def _closed_udp_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_every_outcome_has_its_own_message(channel):
    globex = claim(channel.globex)
    messages = {services.txt_check_message(globex, outcome) for outcome in VerifiedDomain.TxtCheck.values}
    assert len(messages) == len(VerifiedDomain.TxtCheck.values)
    assert all(RECORD in message for message in messages)


@pytest.mark.parametrize(
    ("text", "address", "port"),
    [
        ("192.0.2.53", "192.0.2.53", 53),
        ("192.0.2.53:5353", "192.0.2.53", 5353),
        ("2001:db8::53", "2001:db8::53", 53),
        ("[2001:db8::53]:5353", "2001:db8::53", 5353),
    ],
)
def test_nameservers_are_addresses_with_an_optional_port(text, address, port):
    nameserver = dnstxt.parse_nameserver(text)
    assert (nameserver.address, nameserver.port) == (address, port)


@pytest.mark.parametrize("text", ["dns.example", "192.0.2.53:0", "192.0.2.53:dns", "[2001:db8::53]:99999"])
def test_a_nameserver_that_is_not_an_address_is_a_configuration_error(text):
    with pytest.raises(dnstxt.ImproperlyConfigured, match="ONEPANE_DNS_NAMESERVERS"):
        dnstxt.parse_nameserver(text)


# --- the beat ---------------------------------------------------------------------------------------------------


def test_the_beat_schedule_runs_the_dns_check():
    scheduled = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert scheduled["identity.tasks.check_domain_txt_records"] > 0
    assert "identity.tasks.check_domain_txt_records" in app.tasks


def test_the_beat_verifies_a_claim_once_its_record_appears(channel, txt_on):
    squatter = claim(channel.initech)
    globex = claim(channel.globex)
    assert tasks.check_domain_txt_records.delay().get() == {"checked": 2, "verified": 0}
    assert txt_on.queries == [(RECORD, "TXT")]  # rival claims of one name share one lookup

    txt_on.publish(RECORD, globex.txt_record_value)
    assert tasks.check_domain_txt_records.delay().get() == {"checked": 2, "verified": 1}

    globex.refresh_from_db()
    assert globex.is_verified and globex.verified_by is None
    assert not VerifiedDomain.objects.filter(pk=squatter.pk).exists()
    assert Notification.objects.filter(kind="identity.domain_claim_dropped", organization=channel.initech).exists()
    # Safe to run twice: nothing is pending any more.
    assert tasks.check_domain_txt_records.delay().get() == {"checked": 0, "verified": 0}


def test_each_beat_run_is_bounded_and_checks_the_claims_checked_longest_ago_first(channel, txt_on, settings):
    settings.ONEPANE_DOMAIN_TXT_CHECK_BATCH = 2
    names = ["a.example", "b.example", "c.example"]
    claims = [claim(channel.globex, name) for name in names]
    assert tasks.check_domain_txt_records.delay().get() == {"checked": 2, "verified": 0}
    assert [q for q, _ in txt_on.queries] == ["_onepane-challenge.a.example", "_onepane-challenge.b.example"]
    txt_on.queries.clear()
    txt_on.publish("_onepane-challenge.c.example", claims[2].txt_record_value)
    assert tasks.check_domain_txt_records.delay().get() == {"checked": 2, "verified": 1}
    assert [q for q, _ in txt_on.queries] == ["_onepane-challenge.c.example", "_onepane-challenge.a.example"]
    claims[2].refresh_from_db()
    assert claims[2].is_verified
