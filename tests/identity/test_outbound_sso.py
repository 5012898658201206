"""Single sign-on fetches only what the guarded client allows (``core.outbound``): an organization admin cannot
make Onepane fetch an address on this machine or a private network, neither when saving its IdP nor when anyone
logs in through it (DNS can change after the save).

The IdP here is a local HTTP server the test starts, which counts the requests it receives; DNS for the IdP's
name is stood in for by ``core.outbound.resolve``.
"""

from __future__ import annotations

import html as html_lib
import json
import logging
import re
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.socialaccount.models import SocialApp
from django.urls import reverse
from django.utils import timezone

from core import outbound
from identity import services
from identity.forms_sso import IdentityProviderForm
from identity.models import IdentityProvider, VerifiedDomain
from tests import factories as f
from tests.local_http import LocalServer, answer, certificate_base64, saml_idp_metadata, self_signed

pytestmark = pytest.mark.django_db

PRIVATE = ["10.0.0.5", "169.254.169.254", "::1", "::ffff:127.0.0.1", "100.64.0.1", "fd00::1"]


def _text(html: str) -> str:
    main = re.search(r"<main[^>]*>(.*)</main>", html, re.S)
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main.group(1) if main else html)).strip())


@pytest.fixture
def idp_server():
    """A local OpenID provider's discovery document (and nothing else: no test gets further)."""
    server = LocalServer().start()

    def discovery(handler):
        base = server.url("").rstrip("/")
        document = {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": server.token_endpoint,
            "userinfo_endpoint": f"{base}/userinfo",
            "jwks_uri": f"{base}/jwks",
        }
        answer(handler, 200, json.dumps(document).encode(), {"Content-Type": "application/json"})

    server.token_endpoint = server.url("/token")
    server.routes["/.well-known/openid-configuration"] = discovery
    yield server
    server.stop()


@pytest.fixture
def dns(monkeypatch):
    table = {}

    def resolve(host, port):
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(table[host])

    monkeypatch.setattr(outbound, "resolve", resolve)
    return table


@pytest.fixture
def initech(db):
    org = f.partner("Initech Solutions")
    VerifiedDomain.objects.create(
        organization=org, domain="initech.example", verification_token="t", verified_at=timezone.now()
    )
    return org


def oidc_idp(org, issuer_url: str) -> IdentityProvider:
    return services.identity_provider_save(
        actor=f.admin_of(org),
        organization=org,
        protocol="oidc",
        name="Initech Okta",
        issuer_url=issuer_url,
        client_id="onepane",
        client_secret="s3cret",
    )


def login_url(idp) -> str:
    return reverse("openid_connect_login", kwargs={"provider_id": idp.slug})


# --- at login: the anonymous POST that starts the flow ----------------------------------------------------------


def test_an_issuer_on_this_machine_is_refused_at_login_in_production(initech, idp_server, client, settings):
    """Saved where loopback was allowed (as in development), used where it is not (production): the anonymous
    login POST ends on a clear page, and the local IdP never hears from Onepane."""
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = True
    idp = oidc_idp(initech, idp_server.url(""))
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = False

    response = client.post(login_url(idp))
    page = _text(response.content.decode())
    assert response.status_code == 502
    assert "Single sign-on failed" in page
    assert "Onepane could not use Initech Okta, your organization's identity provider" in page
    assert "Only https:// addresses can be used." in page
    assert "Traceback" not in response.content.decode()
    assert idp_server.received == []


@pytest.mark.parametrize("address", PRIVATE)
def test_an_issuer_whose_name_now_resolves_to_a_private_address_is_refused_at_login(
    initech, idp_server, client, dns, settings, address
):
    """DNS said nothing (or something public) when the IdP was saved; at login it says a private address."""
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = False
    idp = oidc_idp(initech, f"https://login.initech.example:{idp_server.port}")
    dns["login.initech.example"] = [address]

    response = client.post(login_url(idp))
    assert response.status_code == 502
    assert "login.initech.example is on a private or local network" in _text(response.content.decode())
    assert idp_server.received == []
    # Home-realm discovery starts the same login: the same page.
    response = client.post(reverse("identity:sso_start"), {"login": "alice@initech.example"})
    assert response.status_code == 502
    assert "login.initech.example is on a private or local network" in _text(response.content.decode())
    assert idp_server.received == []


def test_an_issuer_that_cannot_be_reached_is_a_clear_page(initech, client, settings):
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = True
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    idp = oidc_idp(initech, f"http://127.0.0.1:{closed}")
    response = client.post(login_url(idp))
    assert response.status_code == 502
    assert "127.0.0.1 could not be reached" in _text(response.content.decode())


def test_the_token_endpoint_is_checked_too(initech, idp_server, client, dns, settings):
    """The discovery document may name other addresses (token, userinfo, keys): each fetch is checked. Here the
    token endpoint is on a private network: the callback ends on the single sign-on error page."""
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = True
    dns["tokens.initech.example"] = ["10.0.0.5"]
    dns["idp.initech.test"] = ["127.0.0.1"]
    idp_server.token_endpoint = "https://tokens.initech.example/token"
    idp = oidc_idp(initech, idp_server.url("", host="idp.initech.test"))

    started = client.post(login_url(idp))
    assert started.status_code == 302
    authorize = urlsplit(started["Location"])
    assert authorize.path == "/authorize"
    state = parse_qs(authorize.query)["state"][0]
    callback = reverse("openid_connect_callback", kwargs={"provider_id": idp.slug})
    response = client.get(callback, {"code": "abc", "state": state})
    page = _text(response.content.decode())
    assert response.status_code == 400
    assert (
        "Onepane could not use your organization's identity provider: tokens.initech.example is on a private or "
        "local network" in page
    )
    assert {r.path for r in idp_server.received} == {"/.well-known/openid-configuration"}  # no token request


# --- at save: the IdP form and the service ---------------------------------------------------------------------

# Every URL field of the IdP form is an address Onepane fetches, with the protocol that fetches it. A new URL
# field fails ``test_every_url_field_of_the_idp_form_is_checked`` until it is listed (and checked) here.
FETCHED_FIELDS = {"issuer_url": "oidc", "metadata_url": "saml"}


def provider_form(protocol: str, **fields) -> dict:
    return {
        "action": "provider",
        "protocol": protocol,
        "name": "Initech Okta",
        "default_role": "member",
        "enabled": "on",
        "client_id": "onepane",
        "client_secret": "s3cret",
    } | fields


def test_every_url_field_of_the_idp_form_is_checked():
    urls = {name for name, field in IdentityProviderForm().fields.items() if name.endswith("_url")}
    assert urls == set(FETCHED_FIELDS)


@pytest.mark.parametrize("field", sorted(FETCHED_FIELDS))
@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:8080/idp", "must be an https:// address"),
        ("http://login.initech.example/idp", "must be an https:// address"),
        ("https://127.0.0.1:8443/idp", "127.0.0.1 is on a private or local network"),
        ("https://10.0.0.5/idp", "10.0.0.5 is on a private or local network"),
        ("https://[::ffff:169.254.169.254]/idp", "is on a private or local network"),
        ("https://localhost/idp", "localhost is on a private or local network"),
        ("https://intranet.initech.example/idp", "intranet.initech.example is on a private or local network"),
    ],
)
def test_the_idp_form_refuses_an_address_it_will_not_fetch(initech, client, dns, settings, field, url, message):
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = False
    dns["intranet.initech.example"] = ["192.168.10.20"]
    dns["login.initech.example"] = ["8.8.8.8"]
    dns["localhost"] = ["127.0.0.1"]
    client.force_login(f.admin_of(initech))
    response = client.post(reverse("identity:sso"), provider_form(FETCHED_FIELDS[field], **{field: url}))
    assert response.status_code == 400
    form = response.context["provider_form"]
    assert any(message in error for error in form.errors.get(field, [])), form.errors
    assert form.data[field] == url  # what was typed stays in the form
    assert not IdentityProvider.objects.exists() and not SocialApp.objects.exists()


def test_the_service_allows_this_machine_only_where_the_setting_does(initech, idp_server, settings):
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = False
    with pytest.raises(services.ValidationError, match="must be an https:// address"):
        oidc_idp(initech, idp_server.url(""))
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = True
    assert oidc_idp(initech, idp_server.url("")).issuer_url == idp_server.url("").rstrip("/")
    with pytest.raises(services.ValidationError, match="10.0.0.5 is on a private or local network"):
        oidc_idp(initech, "https://10.0.0.5")


# --- SAML metadata URLs ----------------------------------------------------------------------------------------


@pytest.fixture
def metadata_server(tmp_path):
    server = LocalServer().start()
    server.xml = saml_idp_metadata(certificate_base64(self_signed(tmp_path, ["first.initech.example"])[0]))
    server.routes["/metadata"] = lambda h: answer(h, 200, server.xml, {"Content-Type": "application/xml"})
    yield server
    server.stop()


def saml_idp(org, metadata_url: str) -> IdentityProvider:
    return services.identity_provider_save(
        actor=f.admin_of(org), organization=org, protocol="saml", name="Initech SSO", metadata_url=metadata_url
    )


def test_saml_metadata_is_fetched_through_the_guarded_client_and_allauth_never_gets_the_url(
    initech, metadata_server, settings, tmp_path, caplog
):
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = True
    idp = saml_idp(initech, metadata_server.url("/metadata"))
    block = idp.social_app.settings["idp"]
    assert "metadata_url" not in block  # allauth would fetch it itself, unguarded
    assert block["entity_id"] == "https://idp.initech.example/entity"
    assert block["sso_url"] == "https://idp.initech.example/sso"
    first_cert = block["x509cert"]
    assert [r.path for r in metadata_server.received] == ["/metadata"]

    # The beat fetches it again: a new signing key is picked up.
    metadata_server.xml = saml_idp_metadata(certificate_base64(self_signed(tmp_path, ["second.initech.example"])[0]))
    assert services.identity_providers_refresh_metadata() == 1
    idp.social_app.refresh_from_db()
    assert idp.social_app.settings["idp"]["x509cert"] not in ("", first_cert)

    # Where this machine is no longer allowed, the refresh is refused, logged, and the stored settings stay.
    kept = idp.social_app.settings
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = False
    with caplog.at_level(logging.WARNING, logger="identity.services"):
        assert services.identity_providers_refresh_metadata() == 0
    assert "Only https:// addresses can be used." in caplog.text
    idp.social_app.refresh_from_db()
    assert idp.social_app.settings == kept
    assert len(metadata_server.received) == 2


def test_saml_metadata_that_cannot_be_fetched_is_a_field_error(initech, metadata_server, settings):
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = True
    settings.ONEPANE_OUTBOUND_MAX_BYTES = 100
    with pytest.raises(services.ValidationError) as exc:
        saml_idp(initech, metadata_server.url("/metadata"))
    assert exc.value.message_dict == {
        "metadata_url": ["The IdP metadata could not be fetched: 127.0.0.1 sent a response larger than 100 bytes."]
    }
    settings.ONEPANE_OUTBOUND_MAX_BYTES = 1_000_000
    with pytest.raises(services.ValidationError, match="answered with an error"):
        saml_idp(initech, metadata_server.url("/nothing-here"))
    assert not IdentityProvider.objects.exists()
