"""Personal API tokens: made, listed and revoked on Settings → API tokens; stored hashed; a token sees exactly what
its owner sees, in the organization the owner would work in; a revoked, expired or unknown token is a 401."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from identity import tokens
from identity.models import ApiToken
from notifications import services as notifications
from tests import factories as f
from vendors import services as vendor_services
from vendors.models import Membership

pytestmark = pytest.mark.django_db

API = "/api/v1"
RAW = re.compile(r"op_[A-Za-z0-9_-]{43}")
PAGE = reverse("identity:tokens")


def bearer(raw, **headers) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}", **headers)
    return client


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def row_of(html, name) -> list[str]:
    """The cells (as text) of the tokens table's row of the token called ``name``."""
    row = re.search(rf"<tr>\s*<td>{re.escape(name)}</td>.*?</tr>", html, re.DOTALL).group()
    cells = re.findall(r"<td>(.*?)</td>", row, re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def make(user, name="CRM sync", **kwargs):
    return tokens.token_create(user=user, name=name, **kwargs)


# --- the page ---------------------------------------------------------------------------------------------------


def test_create_list_and_revoke_through_the_page(client, channel):
    person = channel.initech_admin
    client.force_login(person)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "You have no API tokens yet." in page.content.decode()

    created = client.post(PAGE, {"name": "CRM sync", "expires": "30"})
    assert created.status_code == 200
    html = created.content.decode()
    raw = RAW.search(html).group()
    assert "shown only this once" in html
    assert ">Copy</button>" in html
    assert "no-store" in created["Cache-Control"]
    token = ApiToken.objects.get(user=person)
    assert token.name == "CRM sync"
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:10]
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)

    # Shown once: the list afterwards names it by its prefix only.
    listed = client.get(PAGE).content.decode()
    assert raw not in listed and not RAW.search(listed)
    cells = row_of(listed, "CRM sync")
    assert cells[:2] == ["CRM sync", f"{token.prefix}…"]
    assert cells[3] == "Never"  # not used yet
    assert cells[4] == f"{token.expires_at:%-d %b %Y}"
    assert "Revoke" in cells[5]
    assert bearer(raw).get(f"{API}/partnerships/").status_code == 200
    assert row_of(client.get(PAGE).content.decode(), "CRM sync")[3] != "Never"  # last used: now

    response = client.post(reverse("identity:token_revoke", args=[token.pk]), follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    html = response.content.decode()
    assert "Revoked “CRM sync”. Anything still using it is refused from now on." in html
    assert row_of(html, "CRM sync")[5].startswith("Revoked ")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(raw).get(f"{API}/partnerships/").status_code == 401


def test_the_raw_token_is_stored_nowhere(client, channel):
    client.force_login(channel.initech_admin)
    raw = RAW.search(client.post(PAGE, {"name": "Exports", "expires": "never"}).content.decode()).group()
    row = ApiToken.objects.values().get()
    assert raw not in repr(row)
    assert row["expires_at"] is None
    assert all(raw not in s.get_decoded().__repr__() and raw not in s.session_data for s in Session.objects.all())


def test_a_name_is_required_and_short(client, channel):
    client.force_login(channel.initech_rep)
    response = client.post(PAGE, {"name": "  ", "expires": "90"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = client.post(PAGE, {"name": "x" * 101, "expires": "90"})
    assert response.status_code == 400
    assert "at most 100 characters" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_at_most_25_active_tokens(client, channel):
    person = channel.initech_rep
    for i in range(tokens.MAX_ACTIVE_TOKENS):
        make(person, name=f"Script {i}")
    client.force_login(person)
    response = client.post(PAGE, {"name": "One too many", "expires": "90"})
    assert response.status_code == 400
    assert "already have 25 active tokens" in response.content.decode()
    # Revoked and expired ones do not count.
    first = ApiToken.objects.filter(user=person).last()
    tokens.token_revoke(actor=person, token=first)
    ApiToken.objects.filter(pk=ApiToken.objects.filter(user=person, revoked_at=None).first().pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    assert client.post(PAGE, {"name": "Now it fits", "expires": "90"}).status_code == 200
    assert client.post(PAGE, {"name": "And this one", "expires": "90"}).status_code == 200
    assert client.post(PAGE, {"name": "Not this one", "expires": "90"}).status_code == 400
    assert tokens.active_tokens_of(person).count() == 25


def test_the_page_lists_only_ones_own_tokens(client, channel):
    make(channel.initech_admin, name="Admin's script")
    make(channel.initech_rep, name="Rep's script")
    client.force_login(channel.initech_rep)
    html = client.get(PAGE).content.decode()
    assert "Rep's script" in html.replace("&#x27;", "'")
    assert "Admin" not in html.replace("&#x27;", "'").split("Your tokens", 1)[1]


def test_someone_elses_token_cannot_be_revoked(client, channel):
    theirs, raw = make(channel.initech_admin)
    client.force_login(channel.initech_rep)  # a colleague
    assert client.post(reverse("identity:token_revoke", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("identity:token_revoke", args=[987654])).status_code == 404
    assert client.get(reverse("identity:token_revoke", args=[theirs.pk])).status_code == 405
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert bearer(raw).get(f"{API}/partnerships/").status_code == 200
    with pytest.raises(PermissionDenied):
        tokens.token_revoke(actor=channel.initech_rep, token=theirs)


def test_the_anonymous_are_sent_to_log_in(client, channel):
    response = client.get(PAGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert client.post(PAGE, {"name": "x", "expires": "90"}).status_code == 302
    assert not ApiToken.objects.exists()


def test_the_user_menu_links_to_the_page(client, channel):
    client.force_login(channel.initech_rep)
    html = client.get(reverse("portal:home")).content.decode()
    assert re.search(rf'<a [^>]*href="{PAGE}">API tokens</a>', html)


# --- the API ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["initech_admin", "initech_rep", "acme_admin", "acme_member", "northwind_admin"])
@pytest.mark.parametrize(
    "path", ["partnerships/", "notifications/", "products/", "organizations/", "tiers/", "notifications/unread-count/"]
)
def test_a_token_sees_exactly_what_its_owner_sees(channel, persona, path):
    person = getattr(channel, persona)
    _token, raw = make(person)
    by_session = session(person).get(f"{API}/{path}", {"page_size": 200})
    by_token = bearer(raw).get(f"{API}/{path}", {"page_size": 200})
    assert by_session.status_code == by_token.status_code == 200
    assert by_token.json() == by_session.json()
    if "count" in by_token.json() and path != "notifications/":
        assert by_token.json()["count"] > 0


def test_a_token_works_in_the_organization_the_header_names(channel):
    person = f.member(channel.initech, Membership.Role.MEMBER)
    vendor_services.membership_add(organization=channel.umbrella, user=person, role=Membership.Role.ADMIN)
    for organization, vendor in ((channel.initech, channel.acme), (channel.umbrella, channel.globex)):
        notifications.notify(
            kind="partnership.approved",
            organization=organization,
            vendor=vendor,
            recipient=person,
            title=f"{organization.name} news",
        )
    _token, raw = make(person)
    browser = session(person)

    # Without the header: the first organization, as the session chooses it.
    first = bearer(raw).get(f"{API}/notifications/")
    assert first.json() == browser.get(f"{API}/notifications/").json()
    assert [row["title"] for row in first.json()["results"]] == ["Initech Solutions news"]

    # The header: another of theirs, the same as the session after switching.
    browser.post(reverse("portal:switch_organization"), {"organization": channel.umbrella.pk}, format="multipart")
    umbrella = bearer(raw, HTTP_X_ONEPANE_ORGANIZATION=str(channel.umbrella.pk)).get(f"{API}/notifications/")
    assert umbrella.status_code == 200
    assert umbrella.json() == browser.get(f"{API}/notifications/").json()
    assert [row["title"] for row in umbrella.json()["results"]] == ["Umbrella IT news"]

    # Not theirs, not there, not a number: the same clear 403.
    for value in (channel.acme.pk, 987654, "initech"):
        response = bearer(raw, HTTP_X_ONEPANE_ORGANIZATION=str(value)).get(f"{API}/notifications/")
        assert response.status_code == 403
        assert "X-Onepane-Organization names an organization you do not work in" in response.json()["detail"]


def test_a_token_acts_as_its_owner_and_needs_no_csrf_token(channel):
    _token, raw = make(channel.acme_manager)
    client = bearer(raw)
    client.enforce_csrf_checks = True
    url = f"{API}/partnerships/{channel.umbrella_acme.pk}/suspend/"
    response = client.post(url, {"reason": "Unpaid invoices"}, format="json")
    assert response.status_code == 200, response.content
    channel.umbrella_acme.refresh_from_db()
    assert channel.umbrella_acme.status == "suspended"
    assert channel.umbrella_acme.events.filter(actor=channel.acme_manager).exists()
    # A member's token may do what a member may do: not this.
    _token, member_raw = make(channel.acme_member)
    url = f"{API}/partnerships/{channel.initech_acme.pk}/suspend/"
    assert bearer(member_raw).post(url, {"reason": "x"}, format="json").status_code == 403


def test_an_organization_that_requires_mfa_refuses_the_token_of_a_person_without_it(channel):
    from allauth.mfa.models import Authenticator

    _token, raw = make(channel.initech_rep)
    channel.initech.require_mfa = True
    channel.initech.save(update_fields=["require_mfa"])
    response = bearer(raw).get(f"{API}/partnerships/")
    assert response.status_code == 403
    assert response.json()["detail"] == "Initech Solutions requires two-factor authentication. Set it up to continue."
    by_session = session(channel.initech_rep).get(f"{API}/partnerships/")  # the same answer as the person's session
    assert (by_session.status_code, by_session.json()["detail"]) == (403, response.json()["detail"])

    Authenticator.objects.create(user=channel.initech_rep, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert bearer(raw).get(f"{API}/partnerships/").status_code == 200


def _refused(response, message):
    assert response.status_code == 401, response.content
    assert response.json() == {"detail": message}
    assert response["WWW-Authenticate"] == f'Bearer realm="api", error="invalid_token", error_description="{message}"'


def test_revoked_expired_and_unknown_tokens_are_401(channel):
    token, raw = make(channel.initech_admin)
    assert bearer(raw).get(f"{API}/partnerships/").status_code == 200
    tokens.token_revoke(actor=channel.initech_admin, token=token)
    _refused(
        bearer(raw).get(f"{API}/partnerships/"),
        "This API token has been revoked. Create a new one on the API tokens page (/settings/tokens/).",
    )

    token, raw = make(channel.initech_admin, expires_at=timezone.now() + timedelta(days=1))
    assert bearer(raw).get(f"{API}/partnerships/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _refused(
        bearer(raw).get(f"{API}/partnerships/"),
        "This API token has expired. Create a new one on the API tokens page (/settings/tokens/).",
    )

    _refused(bearer("op_" + "A" * 43).get(f"{API}/partnerships/"), "Invalid API token.")
    _refused(bearer("not-one-of-ours").get(f"{API}/partnerships/"), "Invalid API token.")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer")
    assert client.get(f"{API}/partnerships/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw} extra")
    assert client.get(f"{API}/partnerships/").status_code == 401


def test_a_disabled_persons_token_is_refused(channel):
    _token, raw = make(channel.initech_rep)
    channel.initech_rep.is_active = False
    channel.initech_rep.save(update_fields=["is_active"])
    _refused(bearer(raw).get(f"{API}/partnerships/"), "Invalid API token.")
    assert tokens.token_authenticate(raw) is None


def test_a_refused_token_is_401_even_with_a_session(channel):
    """The token a request presents decides; a browser's session does not rescue a revoked one."""
    token, raw = make(channel.initech_admin)
    tokens.token_revoke(actor=channel.initech_admin, token=token)
    client = session(channel.initech_admin)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(f"{API}/partnerships/").status_code == 401


def test_the_anonymous_get_what_drf_gives_them(channel):
    response = APIClient().get(f"{API}/partnerships/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    # Other schemes are not ours: left to the session, so still anonymous.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert client.get(f"{API}/partnerships/").status_code == 403


def test_token_authenticate():
    person = f.UserFactory()
    token, raw = make(person)
    assert tokens.token_authenticate(raw) == person
    assert tokens.token_authenticate(raw + "x") is None
    assert tokens.token_authenticate("") is None
    tokens.token_revoke(actor=person, token=token)
    tokens.token_revoke(actor=person, token=token)  # twice: nothing more happens
    assert tokens.token_authenticate(raw) is None
    with pytest.raises(ValidationError):
        make(person, expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError):
        make(person, name="")


def test_last_used_is_written_at_most_once_a_minute(channel, django_assert_num_queries):
    token, raw = make(channel.initech_rep)
    client = bearer(raw)
    client.get(f"{API}/tiers/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get(f"{API}/tiers/")
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(f"{API}/tiers/")
    token.refresh_from_db()
    assert token.last_used_at > first


# --- cost ---------------------------------------------------------------------------------------------------------


def _queries(client, url) -> tuple[int, int]:
    client.get(url)  # warm the per-process caches; also records the use, so the measured one writes nothing
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.json()["count"]


@pytest.mark.parametrize("persona,resource", [("initech_admin", "products"), ("acme_manager", "partnerships")])
def test_a_token_request_costs_the_same_queries_with_few_or_many_rows(
    channel, django_assert_num_queries, persona, resource
):
    person = getattr(channel, persona)
    _token, raw = make(person)
    for i in range(5):
        make(person, name=f"Other {i}")
    client = bearer(raw)
    url = f"{API}/{resource}/"
    small, count = _queries(client, url)
    by_session, _ = _queries(session(person), url)
    assert small <= by_session  # no session to read; the token and its owner instead
    for _ in range(8):
        vendor = f.vendor()
        f.ProductFactory(vendor=vendor)
        f.partnership(vendor, channel.initech, f.TierFactory(vendor=vendor))
        f.ProductFactory(vendor=channel.acme)
        f.partnership(channel.acme, f.partner(), channel.silver)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.json()["count"] > count


# --- the schema ---------------------------------------------------------------------------------------------------


def test_the_schema_documents_bearer_tokens(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    assert "tokenAuth:\n      type: http\n      scheme: bearer" in schema
    assert "- tokenAuth: []" in schema
