"""SAML 2.0 single sign-on against a real IdP (SimpleSAMLphp on loopback), driven as a browser would.

The flow: Onepane's login URL for the organization's IdP → the IdP's login form → the IdP's auto-submitting form
that POSTs the signed SAMLResponse to Onepane's assertion consumer service → back in the workspace.
"""

from __future__ import annotations

import base64
import logging
from html.parser import HTMLParser
from importlib import import_module
from urllib.parse import urljoin

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from identity import saml
from identity.models import IdentityProvider, VerifiedDomain
from identity.services import identity_provider_save
from tests import factories as f
from tests.identity.conftest_saml import USERS, saml_idp  # noqa: F401  (the IdP fixture)
from tests.identity.saml_idp import ServiceProvider
from tests.local_http import LocalServer, answer, certificate_base64, saml_idp_metadata, self_signed

pytestmark = [pytest.mark.idp, pytest.mark.django_db(transaction=True)]

ALICE = USERS[0]


# --- a browser, with requests ---------------------------------------------------------------------------------


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "fields": {}})
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value") or ""


def form_of(response: requests.Response, field: str) -> tuple[str, dict]:
    """The action URL and fields of the first form on the page that has ``field``."""
    parser = _Forms()
    parser.feed(response.text)
    for form in parser.forms:
        if field in form["fields"]:
            return urljoin(response.url, form["action"]), dict(form["fields"])
    raise AssertionError(f"no form with {field!r} on {response.url}:\n{response.text[:2000]}")


class Browser:
    def __init__(self, base_url: str):
        self.base = base_url
        self.session = requests.Session()

    def sp_login(self, idp: IdentityProvider) -> requests.Response:
        """Start at Onepane's login URL for the IdP; ends on the IdP's login form."""
        url = self.base + reverse("saml_login", kwargs={"organization_slug": idp.slug})
        action, fields = form_of(self.session.get(url), "csrfmiddlewaretoken")
        response = self.session.post(action, data=fields, headers={"Referer": url})
        assert response.status_code == 200 and "/module.php/core/loginuserpass.php" in response.url, response.text
        return response

    def idp_initiated(self, saml_idp, idp: IdentityProvider) -> requests.Response:  # noqa: F811
        response = self.session.get(saml_idp.idp_initiated_url(sp_entity_id_for(self.base, idp)))
        assert "/module.php/core/loginuserpass.php" in response.url, response.text
        return response

    def idp_authenticate(self, login_form: requests.Response, user=ALICE) -> tuple[str, dict]:
        """Log in at the IdP; returns the ACS URL and the fields (SAMLResponse, RelayState) it would POST."""
        action, fields = form_of(login_form, "password")
        fields.update(username=user.username, password=user.password)
        response = self.session.post(action, data=fields)
        return form_of(response, "SAMLResponse")

    def post_response(self, acs_url: str, fields: dict) -> requests.Response:
        return self.session.post(acs_url, data=fields)

    def user_id(self):
        key = self.session.cookies.get(django_settings.SESSION_COOKIE_NAME)
        if not key:
            return None
        store = import_module(django_settings.SESSION_ENGINE).SessionStore(session_key=key)
        return store.get("_auth_user_id")


def sp_entity_id_for(base: str, idp: IdentityProvider) -> str:
    return base + reverse("saml_metadata", kwargs={"organization_slug": idp.slug})


# --- fixtures -------------------------------------------------------------------------------------------------


@pytest.fixture
def base_url(live_server, settings, local_idps_allowed):
    settings.ONEPANE_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture
def initech(db):
    """Initech, whose verified domain initech.example its IdP may sign people in with."""
    org = f.partner("Initech Solutions")
    VerifiedDomain.objects.create(
        organization=org, domain="initech.example", verification_token="token", verified_at=timezone.now()
    )
    return org


def saml_provider(org, saml_idp, base_url, *, sign_assertion=True, allow_idp_initiated=False, xml=False):  # noqa: F811
    """The organization's SAML IdP, saved through the service, and registered at the IdP as a service provider."""
    admin = f.admin_of(org)
    if xml:
        source = {"metadata_xml": requests.get(saml_idp.metadata_url, timeout=10).text}
    else:
        source = {"metadata_url": saml_idp.metadata_url, "idp_entity_id": saml_idp.entity_id}
    idp = identity_provider_save(actor=admin, organization=org, protocol="saml", name="Initech SSO", **source)
    if allow_idp_initiated:
        app = idp.social_app
        app.settings = saml.app_settings(idp, allow_idp_initiated=True)
        app.save()
    acs_url = base_url + reverse("saml_acs", kwargs={"organization_slug": idp.slug})
    saml_idp.add_service_provider(
        ServiceProvider(entity_id=sp_entity_id_for(base_url, idp), acs_url=acs_url, sign_assertion=sign_assertion)
    )
    return idp


def alice_linked(org, idp):
    """Alice already has an account linked to the IdP (a later login)."""
    user = f.member(org, email=ALICE.email, first_name="Old", last_name="Name")
    SocialAccount.objects.create(user=user, provider=idp.slug, uid=ALICE.username)
    return user


def assert_refused(response: requests.Response, browser: Browser):
    # The single sign-on error page (400), or 403 when the login state allauth expected is missing.
    assert response.status_code in (400, 403), (response.status_code, response.text[:2000])
    assert browser.user_id() is None


# --- app_settings ---------------------------------------------------------------------------------------------


def test_app_settings_from_the_metadata_url(initech, settings, tmp_path):
    """The metadata URL is fetched by Onepane's guarded client and what it says is stored: allauth never gets a
    ``metadata_url`` (it would fetch it itself, unguarded)."""
    settings.ONEPANE_BASE_URL = "https://portal.onepane.example"
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = True
    cert = certificate_base64(self_signed(tmp_path, ["idp.initech.example"])[0])
    xml = saml_idp_metadata(cert, entity_id="https://idp.initech.example/entity")
    server = LocalServer(routes={"/metadata": lambda h: answer(h, 200, xml)}).start()
    try:
        idp = IdentityProvider(
            organization=initech,
            protocol="saml",
            slug="initech",
            metadata_url=server.url("/metadata"),
            idp_entity_id="https://idp.initech.example/entity",
        )
        result = saml.app_settings(idp)
    finally:
        server.stop()
    assert result["idp"] == {
        "entity_id": "https://idp.initech.example/entity",
        "sso_url": "https://idp.initech.example/sso",
        "x509cert": cert,
    }
    assert result["sp"] == {"entity_id": "https://portal.onepane.example/accounts/saml/initech/metadata/"}
    assert set(result["attribute_mapping"]) == {"uid", "email", "first_name", "last_name"}
    advanced = result["advanced"]
    assert advanced["strict"] and advanced["want_assertion_signed"] and advanced["reject_idp_initiated_sso"]
    idp.metadata_url, idp.metadata_xml = "", xml.decode()
    assert saml.app_settings(idp, allow_idp_initiated=True)["advanced"]["reject_idp_initiated_sso"] is False


def test_app_settings_from_metadata_xml(initech, saml_idp):  # noqa: F811
    xml = requests.get(saml_idp.metadata_url, timeout=10).text
    idp = IdentityProvider(organization=initech, protocol="saml", slug="initech", metadata_xml=xml)
    block = saml.app_settings(idp)["idp"]
    assert block["entity_id"] == saml_idp.entity_id
    assert block["sso_url"] == saml_idp.base_url + "saml2/idp/SSOService.php"
    assert block["slo_url"] == saml_idp.base_url + "saml2/idp/SingleLogoutService.php"
    assert block["x509cert"].replace("\n", "") in saml_idp.certificate.replace("\n", "")


def test_unusable_metadata_is_a_clear_error(initech, saml_idp):  # noqa: F811
    idp = IdentityProvider(organization=initech, protocol="saml", slug="initech", metadata_xml="<html>nope</html>")
    with pytest.raises(saml.SamlMetadataError, match="no IdP entity|not valid SAML metadata"):
        saml.app_settings(idp)
    idp.metadata_xml = requests.get(saml_idp.metadata_url, timeout=10).text
    idp.idp_entity_id = "https://someone-else.example/idp"
    with pytest.raises(saml.SamlMetadataError, match="someone-else"):
        saml.app_settings(idp)
    idp.metadata_xml = ""
    with pytest.raises(saml.SamlMetadataError, match="metadata URL or its metadata XML"):
        saml.app_settings(idp)


def test_the_service_refuses_bad_metadata_xml_with_the_message(initech):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        identity_provider_save(
            actor=f.admin_of(initech), organization=initech, protocol="saml", name="X", metadata_xml="<x/>"
        )
    assert "metadata_xml" in exc.value.message_dict


# --- the flow against the IdP ---------------------------------------------------------------------------------


def test_sp_metadata_names_the_entity_id_and_acs(initech, saml_idp, base_url):  # noqa: F811
    idp = saml_provider(initech, saml_idp, base_url)
    response = requests.get(sp_entity_id_for(base_url, idp), timeout=10)
    assert response.status_code == 200
    assert f'entityID="{sp_entity_id_for(base_url, idp)}"' in response.text
    assert base_url + f"/accounts/saml/{idp.slug}/acs/" in response.text
    assert 'WantAssertionsSigned="true"' in response.text


def test_a_signed_assertion_logs_a_linked_person_in(initech, saml_idp, base_url):  # noqa: F811
    idp = saml_provider(initech, saml_idp, base_url)
    user = alice_linked(initech, idp)
    browser = Browser(base_url)
    acs_url, fields = browser.idp_authenticate(browser.sp_login(idp))
    assert acs_url == base_url + f"/accounts/saml/{idp.slug}/acs/"
    assert b"<ds:Signature" in base64.b64decode(fields["SAMLResponse"])
    response = browser.post_response(acs_url, fields)
    assert response.status_code == 200
    assert response.url == base_url + reverse("portal:home")
    assert browser.user_id() == str(user.pk)


def test_a_provider_configured_from_metadata_xml_logs_in_too(initech, saml_idp, base_url):  # noqa: F811
    idp = saml_provider(initech, saml_idp, base_url, xml=True)
    assert "metadata_url" not in idp.social_app.settings["idp"]
    user = alice_linked(initech, idp)
    browser = Browser(base_url)
    response = browser.post_response(*browser.idp_authenticate(browser.sp_login(idp)))
    assert response.url == base_url + reverse("portal:home")
    assert browser.user_id() == str(user.pk)


def test_first_login_provisions_the_person_into_the_idps_organization(initech, saml_idp, base_url):  # noqa: F811
    """Just-in-time provisioning through the protocol-agnostic social adapter (the same path as OIDC)."""
    adapter = getattr(django_settings, "SOCIALACCOUNT_ADAPTER", "")
    if not adapter.startswith("identity."):
        pytest.skip("the SSO social adapter (identity.adapters) is not configured yet")
    idp = saml_provider(initech, saml_idp, base_url)
    browser = Browser(base_url)
    response = browser.post_response(*browser.idp_authenticate(browser.sp_login(idp)))
    assert response.url == base_url + reverse("portal:home"), response.text[:2000]
    user = get_user_model().objects.get(email=ALICE.email)
    assert browser.user_id() == str(user.pk)
    assert (user.first_name, user.last_name) == (ALICE.first_name, ALICE.last_name)
    assert user.memberships.get().organization == initech
    assert SocialAccount.objects.get(user=user).provider == idp.slug


def test_an_unsigned_assertion_is_refused(initech, saml_idp, base_url, caplog):  # noqa: F811
    idp = saml_provider(initech, saml_idp, base_url, sign_assertion=False)
    alice_linked(initech, idp)
    browser = Browser(base_url)
    acs_url, fields = browser.idp_authenticate(browser.sp_login(idp))
    assert b"Signature" not in base64.b64decode(fields["SAMLResponse"])
    with caplog.at_level(logging.ERROR):
        response = browser.post_response(acs_url, fields)
    assert_refused(response, browser)
    assert "The Assertion of the Response is not signed and the SP require it" in caplog.text


def test_a_tampered_assertion_is_refused(initech, saml_idp, base_url, caplog):  # noqa: F811
    idp = saml_provider(initech, saml_idp, base_url)
    alice_linked(initech, idp)
    mallory = f.member(initech, email="mallory@initech.example")
    SocialAccount.objects.create(user=mallory, provider=idp.slug, uid="mallory")
    browser = Browser(base_url)
    acs_url, fields = browser.idp_authenticate(browser.sp_login(idp))
    xml = base64.b64decode(fields["SAMLResponse"])
    assert b">alice<" in xml and ALICE.email.encode() in xml
    tampered = xml.replace(b">alice<", b">mallory<").replace(ALICE.email.encode(), b"mallory@initech.example")
    fields["SAMLResponse"] = base64.b64encode(tampered).decode()
    with caplog.at_level(logging.ERROR):
        response = browser.post_response(acs_url, fields)
    assert_refused(response, browser)
    assert "Signature validation failed" in caplog.text


def test_a_replayed_assertion_is_refused(initech, saml_idp, base_url, caplog):  # noqa: F811
    idp = saml_provider(initech, saml_idp, base_url)
    user = alice_linked(initech, idp)
    browser = Browser(base_url)
    acs_url, fields = browser.idp_authenticate(browser.sp_login(idp))
    assert browser.post_response(acs_url, fields).url == base_url + reverse("portal:home")
    assert browser.user_id() == str(user.pk)

    # Someone who captured the response posts it again, from their own browser.
    attacker = Browser(base_url)
    with caplog.at_level(logging.WARNING):
        response = attacker.post_response(acs_url, fields)
    assert_refused(response, attacker)
    assert saml.REPLAY_MESSAGE in response.text
    assert "replayed" in caplog.text

    # And the same browser cannot use it for a second session either.
    browser.session.cookies.clear()
    assert_refused(browser.post_response(acs_url, fields), browser)


def test_idp_initiated_login_is_refused_unless_allowed(initech, saml_idp, base_url, caplog):  # noqa: F811
    idp = saml_provider(initech, saml_idp, base_url)
    alice_linked(initech, idp)
    browser = Browser(base_url)
    acs_url, fields = browser.idp_authenticate(browser.idp_initiated(saml_idp, idp))
    with caplog.at_level(logging.ERROR):
        response = browser.post_response(acs_url, fields)
    assert_refused(response, browser)
    assert "IdP initiated SSO rejected" in caplog.text


def test_an_allowed_idp_initiated_login_works_once(initech, saml_idp, base_url):  # noqa: F811
    """Without a stashed state, only the assertion memory stops a replay."""
    idp = saml_provider(initech, saml_idp, base_url, allow_idp_initiated=True)
    user = alice_linked(initech, idp)
    browser = Browser(base_url)
    acs_url, fields = browser.idp_authenticate(browser.idp_initiated(saml_idp, idp))
    assert browser.post_response(acs_url, fields).url == base_url + reverse("portal:home")
    assert browser.user_id() == str(user.pk)

    attacker = Browser(base_url)
    response = attacker.post_response(acs_url, fields)
    assert_refused(response, attacker)
    assert saml.REPLAY_MESSAGE in response.text


def test_allauth_alone_refuses_a_replayed_sp_initiated_response(initech, saml_idp, base_url, monkeypatch):  # noqa: F811
    """Without the assertion memory, allauth still refuses a replay of an SP-initiated login: the login state the
    response answers (InResponseTo) was used up by the first post. An IdP-initiated response has no such state,
    which is why the memory exists (test_an_allowed_idp_initiated_login_works_once)."""
    monkeypatch.setattr(saml, "assertion_remember", lambda **kwargs: True)
    idp = saml_provider(initech, saml_idp, base_url)
    user = alice_linked(initech, idp)
    browser = Browser(base_url)
    acs_url, fields = browser.idp_authenticate(browser.sp_login(idp))
    assert browser.post_response(acs_url, fields).url == base_url + reverse("portal:home")
    assert browser.user_id() == str(user.pk)
    attacker = Browser(base_url)
    assert attacker.post_response(acs_url, fields).status_code == 403
    assert attacker.user_id() is None
