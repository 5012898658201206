"""Single sign-on with OpenID Connect, against a real provider (npm ``oidc-provider``) on loopback.

Each test drives the whole authorization-code flow with PKCE as a browser would, with a ``requests`` session
against Django's live server and the provider: login page → home-realm discovery → the provider's login →
the callback → the workspace.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.contrib.auth import get_user_model
from django.urls import reverse

from identity import services
from identity.models import IdentityProvider
from tests import factories as f
from vendors.models import Membership

pytestmark = [pytest.mark.idp, pytest.mark.django_db(transaction=True)]

User = get_user_model()


def _text(html: str) -> str:
    main = re.search(r"<main[^>]*>(.*)</main>", html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main.group(1) if main else html)).strip()


class Visitor:
    """A browser: one cookie jar for Onepane and the identity provider."""

    def __init__(self, live_server):
        self.live = live_server.url
        self.http = requests.Session()
        self.authorize_url = ""

    def csrf(self, path="/accounts/login/") -> str:
        page = self.http.get(self.live + path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    def start(self, email: str, password: str = "") -> requests.Response:
        """Type the email on the login page and press Log in (no redirects followed)."""
        return self.http.post(
            self.live + reverse("identity:sso_start"),
            data={"login": email, "password": password, "csrfmiddlewaretoken": self.csrf()},
            allow_redirects=False,
        )

    def sign_in(self, email, *, given="", family="", sub="", verified=True, state=None) -> requests.Response:
        """The whole journey; ``state`` replaces the state the provider sends back to Onepane."""
        started = self.start(email)
        assert started.status_code == 302, started.text
        self.authorize_url = started.headers["Location"]
        login_page = self.http.get(self.authorize_url)
        assert login_page.status_code == 200, login_page.text
        action = re.search(r'action="([^"]+/login)"', login_page.text).group(1)
        form = {"email": email, "given_name": given, "family_name": family, "sub": sub}
        if verified:
            form["email_verified"] = "1"
        response = self.http.post(urljoin(login_page.url, action), data=form, allow_redirects=False)
        while response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(self.live) and "/callback/" in location and state is not None:
                parts = urlsplit(location)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()} | {"state": state}
                location = urlunsplit(parts._replace(query=urlencode(query)))
            if location.startswith(self.live):
                return self.http.get(location)  # Onepane from here on, redirects followed
            response = self.http.get(location, allow_redirects=False)
        return response


@pytest.fixture
def visitors(live_server):
    """``visitors()``: a new browser. Each one's connections close before the live server stops."""
    made = []

    def visitor():
        made.append(Visitor(live_server))
        return made[-1]

    yield visitor
    for v in made:
        v.http.close()


@pytest.fixture
def visitor(visitors):
    return visitors()


@pytest.fixture
def initech_sso(channel, oidc_sso):
    return oidc_sso(channel.initech, "initech.example")


def test_first_login_provisions_the_person_into_the_idps_organization_with_its_default_role(
    channel, initech_sso, visitor
):
    response = visitor.sign_in("dana@initech.example", given="Dana", family="Scully", sub="u-dana")

    assert response.status_code == 200
    assert response.url == visitor.live + reverse("portal:home")
    page = _text(response.text)
    # Every vendor of the partner, through the one login.
    assert "Acme Networks" in page and "Globex Security" in page
    # Authorization-code flow with PKCE.
    query = parse_qs(urlsplit(visitor.authorize_url).query)
    assert query["response_type"] == ["code"] and query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0] and query["state"][0]

    dana = User.objects.get(email="dana@initech.example")
    assert (dana.first_name, dana.last_name, dana.has_usable_password()) == ("Dana", "Scully", False)
    assert [(m.organization, m.role) for m in Membership.objects.filter(user=dana)] == [
        (channel.initech, Membership.Role.MEMBER)
    ]
    assert EmailAddress.objects.filter(user=dana, email="dana@initech.example", verified=True, primary=True).exists()
    assert SocialAccount.objects.get(user=dana).provider == initech_sso.idp.slug


def test_the_default_role_is_the_idps(channel, oidc_sso, visitor):
    oidc_sso(channel.initech, "initech.example", default_role=Membership.Role.MANAGER)
    visitor.sign_in("mgr@initech.example", given="Mo", sub="u-mo")
    assert Membership.objects.get(user__email="mgr@initech.example").role == Membership.Role.MANAGER


def test_a_later_login_updates_name_and_email_from_the_idp(channel, initech_sso, visitors):
    visitors().sign_in("dana@initech.example", given="Dana", family="Scully", sub="u-dana")
    response = visitors().sign_in("dana.mulder@initech.example", given="Dana", family="Mulder", sub="u-dana")
    assert response.url.endswith(reverse("portal:home"))
    dana = User.objects.get(socialaccount__uid="u-dana")
    assert (dana.email, dana.first_name, dana.last_name) == ("dana.mulder@initech.example", "Dana", "Mulder")
    assert EmailAddress.objects.get(user=dana, primary=True).email == "dana.mulder@initech.example"
    assert User.objects.filter(email__endswith="@initech.example").count() == 1


def test_an_existing_account_with_that_verified_email_of_the_same_organization_is_linked(channel, initech_sso, visitor):
    rep = f.member(channel.initech, Membership.Role.MEMBER, email="rep@initech.example", username="rep@initech.example")
    EmailAddress.objects.create(user=rep, email=rep.email, verified=True, primary=True)

    response = visitor.sign_in("rep@initech.example", given="Rita", family="Rep", sub="u-rita")

    assert response.url.endswith(reverse("portal:home"))
    assert SocialAccount.objects.get(uid="u-rita").user == rep
    assert User.objects.filter(email="rep@initech.example").count() == 1
    # An existing member keeps their role.
    assert Membership.objects.get(user=rep, organization=channel.initech).role == Membership.Role.MEMBER


def test_an_existing_account_whose_email_is_not_verified_is_not_linked(channel, initech_sso, visitor):
    rep = f.member(channel.initech, email="rep@initech.example", username="rep@initech.example")
    EmailAddress.objects.create(user=rep, email=rep.email, verified=False, primary=True)

    response = visitor.sign_in("rep@initech.example", sub="u-rita")

    assert response.status_code == 403
    assert "that address has not been verified, so it cannot be linked" in _text(response.text)
    assert not SocialAccount.objects.exists()
    assert "_auth_user_id" not in visitor.http.cookies.get_dict()


def test_an_address_squatted_unconfirmed_on_another_account_beforehand_gets_the_person_their_own_account(
    channel, initech_sso, visitor
):
    """The pre-hijacking case: someone adds dana@initech.example to their own account (never confirmed) before
    Dana first logs in through Initech's IdP. Dana gets her own account; the other account gains nothing."""
    attacker = channel.umbrella_admin
    EmailAddress.objects.create(user=attacker, email=attacker.email, verified=True, primary=True)
    EmailAddress.objects.create(user=attacker, email="dana@initech.example", verified=False)

    response = visitor.sign_in("dana@initech.example", given="Dana", sub="u-dana")

    assert response.url.endswith(reverse("portal:home")), _text(response.text)
    dana = User.objects.get(email="dana@initech.example")
    assert dana != attacker and SocialAccount.objects.get(uid="u-dana").user == dana
    assert Membership.objects.filter(user=dana, organization=channel.initech).exists()
    assert not Membership.objects.filter(user=attacker, organization=channel.initech).exists()
    assert list(EmailAddress.objects.filter(email="dana@initech.example").values_list("user", flat=True)) == [dana.pk]


def test_an_idp_cannot_sign_in_an_address_of_another_organizations_domain(channel, oidc_sso, visitors):
    """Organization A's IdP asserting an address of B's verified domain: refused, and nobody joins B."""
    oidc_sso(channel.initech, "initech.example")
    umbrella_admin = f.admin_of(channel.umbrella)
    claimed = services.domain_add(actor=umbrella_admin, organization=channel.umbrella, domain="umbrella.example")
    services.domain_verify(actor=f.UserFactory(is_superuser=True), domain=claimed)
    # An Umbrella person with a verified address already exists: still no link through Initech's IdP.
    victim = f.member(channel.umbrella, email="boss@umbrella.example", username="boss@umbrella.example")
    EmailAddress.objects.create(user=victim, email=victim.email, verified=True, primary=True)
    members_before = set(Membership.objects.values_list("organization_id", "user_id"))

    visitor = visitors()
    # Home-realm discovery sends umbrella.example nowhere (Umbrella has no IdP), so go to Initech's IdP directly.
    started = visitor.start("someone@initech.example")

    response = _sign_in_at_idp(visitor, started.headers["Location"], "boss@umbrella.example", sub="evil")

    assert response.status_code == 403
    assert "boss@umbrella.example is not an address of a verified domain of Initech Solutions" in _text(response.text)
    assert not SocialAccount.objects.exists()
    assert set(Membership.objects.values_list("organization_id", "user_id")) == members_before
    assert visitor.http.get(visitor.live + reverse("portal:home"), allow_redirects=False).status_code == 302


def _sign_in_at_idp(visitor, authorize_url, email, *, sub):
    login_page = visitor.http.get(authorize_url)
    action = re.search(r'action="([^"]+/login)"', login_page.text).group(1)
    return visitor.http.post(urljoin(login_page.url, action), data={"email": email, "sub": sub, "email_verified": "1"})


def test_an_unverified_domain_or_unverified_email_is_refused(channel, initech_sso, visitors):
    admin = f.admin_of(channel.initech)
    services.domain_add(actor=admin, organization=channel.initech, domain="pending.example")  # never verified

    visitor = visitors()
    started = visitor.start("x@initech.example")
    response = _sign_in_at_idp(visitor, started.headers["Location"], "x@pending.example", sub="x1")
    assert response.status_code == 403
    assert "is not an address of a verified domain of Initech Solutions" in _text(response.text)

    response = visitors().sign_in("y@initech.example", sub="y1", verified=False)
    assert response.status_code == 403
    assert "has not verified your email address y@initech.example" in _text(response.text)
    assert not User.objects.filter(email__in=["x@pending.example", "y@initech.example"]).exists()


def test_an_invalid_state_is_refused_with_a_clear_message(channel, initech_sso, visitor):
    response = visitor.sign_in("dana@initech.example", sub="u-dana", state="forged-state")
    assert response.status_code == 400
    assert "its state did not match the one Onepane started in this browser" in _text(response.text)
    assert not User.objects.filter(email="dana@initech.example").exists()


def test_an_id_token_for_another_audience_is_refused(channel, oidc_sso, visitor):
    oidc_sso(channel.initech, "initech.example", id_token_audience="some-other-app")
    response = visitor.sign_in("dana@initech.example", sub="u-dana")
    assert response.status_code == 400
    assert "issued for another application (wrong audience)" in _text(response.text)
    assert not User.objects.filter(email="dana@initech.example").exists()


def test_an_expired_id_token_is_refused(channel, oidc_sso, visitor):
    oidc_sso(channel.initech, "initech.example", id_token_expired="1")
    response = visitor.sign_in("dana@initech.example", sub="u-dana")
    assert response.status_code == 400
    assert "ID token had already expired" in _text(response.text)
    assert not User.objects.filter(email="dana@initech.example").exists()


def test_home_realm_discovery_routes_a_domain_to_its_idp_and_others_to_the_password_step(channel, initech_sso, visitor):
    started = visitor.start("Someone@Initech.Example")
    assert started.status_code == 302
    assert started.headers["Location"].startswith(initech_sso.server.issuer + "/auth?")

    other = visitor.start("rep@elsewhere.example")
    assert other.status_code == 302
    assert other.headers["Location"] == reverse("account_login") + "?email=rep%40elsewhere.example"
    page = visitor.http.get(visitor.live + other.headers["Location"])
    assert 'value="rep@elsewhere.example"' in page.text
    assert "Enter your password for rep@elsewhere.example" in _text(page.text)

    # A password typed with an email of no SSO domain logs in as before.
    rep = channel.initech_rep
    response = visitor.http.post(
        visitor.live + reverse("identity:sso_start"),
        data={"login": rep.email, "password": f.PASSWORD, "csrfmiddlewaretoken": visitor.csrf()},
    )
    assert response.url == visitor.live + reverse("portal:home")


def test_a_disabled_idp_routes_nobody_and_its_callback_is_gone(channel, initech_sso, visitor):
    services.identity_provider_set_enabled(actor=f.admin_of(channel.initech), idp=initech_sso.idp, enabled=False)
    started = visitor.start("dana@initech.example")
    assert started.headers["Location"].startswith(reverse("account_login"))
    login = reverse("openid_connect_login", kwargs={"provider_id": initech_sso.idp.slug})
    assert visitor.http.get(visitor.live + login).status_code == 404


def test_saving_an_idp_keeps_allauths_app_in_step(channel, db):
    admin = f.admin_of(channel.initech)
    idp = services.identity_provider_save(
        actor=admin,
        organization=channel.initech,
        protocol="oidc",
        name="Initech Okta",
        issuer_url="https://login.initech.example/.well-known/openid-configuration",
        client_id="abc",
        client_secret="s3cret",
    )
    app = SocialApp.objects.get(pk=idp.social_app_id)
    assert (app.provider, app.provider_id, app.client_id, app.secret) == ("openid_connect", idp.slug, "abc", "s3cret")
    assert app.settings == {"server_url": "https://login.initech.example", "oauth_pkce_enabled": True}
    # A blank secret keeps the stored one.
    services.identity_provider_save(
        actor=admin,
        organization=channel.initech,
        idp=idp,
        protocol="oidc",
        name="Initech Entra",
        issuer_url="https://login.initech.example",
        client_id="xyz",
    )
    app.refresh_from_db()
    assert (app.name, app.client_id, app.secret) == ("Initech Entra", "xyz", "s3cret")
    assert SocialApp.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"issuer_url": "http://login.initech.example"}, "must be an https:// address"),
        ({"issuer_url": ""}, "Enter the issuer URL"),
        ({"client_id": ""}, "Enter the client ID"),
        ({"client_secret": ""}, "Enter the client secret"),
        ({"name": " "}, "Name the identity provider"),
    ],
)
def test_an_idp_is_validated(channel, db, fields, message):
    data = {
        "protocol": "oidc",
        "name": "Okta",
        "issuer_url": "https://login.initech.example",
        "client_id": "abc",
        "client_secret": "s",
    } | fields
    with pytest.raises(services.ValidationError) as exc:
        services.identity_provider_save(actor=f.admin_of(channel.initech), organization=channel.initech, **data)
    assert message in str(exc.value)
    assert not IdentityProvider.objects.exists() and not SocialApp.objects.exists()


def test_only_admins_configure_and_only_platform_admins_verify(channel, db):
    with pytest.raises(services.PermissionDenied):
        services.identity_provider_save(
            actor=channel.initech_rep,
            organization=channel.initech,
            protocol="oidc",
            name="X",
            issuer_url="https://x.example",
            client_id="a",
            client_secret="b",
        )
    domain = services.domain_add(
        actor=f.admin_of(channel.initech), organization=channel.initech, domain="Initech.Example"
    )
    assert domain.domain == "initech.example" and not domain.is_verified
    with pytest.raises(services.PermissionDenied):
        services.domain_verify(actor=f.admin_of(channel.initech), domain=domain)


def test_a_verified_domain_belongs_to_one_organization_only(channel, db):
    claim = services.domain_add(
        actor=f.admin_of(channel.initech), organization=channel.initech, domain="initech.example"
    )
    services.domain_verify(actor=f.UserFactory(is_superuser=True), domain=claim)
    with pytest.raises(services.ValidationError, match="verified for another organization"):
        services.domain_add(actor=f.admin_of(channel.umbrella), organization=channel.umbrella, domain="INITECH.example")
    with pytest.raises(services.ValidationError, match="public mailbox provider"):
        services.domain_add(actor=f.admin_of(channel.umbrella), organization=channel.umbrella, domain="gmail.com")


def test_the_sso_page_for_the_organizations_admins(channel, client):
    admin = f.admin_of(channel.initech)
    client.force_login(channel.initech_rep)
    assert client.get(reverse("identity:sso")).status_code == 403
    client.force_login(admin)
    response = client.post(
        reverse("identity:sso"),
        {
            "action": "provider",
            "protocol": "oidc",
            "name": "Initech Okta",
            "default_role": "member",
            "enabled": "on",
            "issuer_url": "https://login.initech.example",
            "client_id": "abc",
            "client_secret": "s3cret",
        },
        follow=True,
    )
    page = _text(response.content.decode())
    idp = IdentityProvider.objects.get(organization=channel.initech)
    assert "Initech Okta is saved and enabled." in page
    assert f"http://testserver/accounts/oidc/{idp.slug}/login/callback/" in page
    assert "s3cret" not in response.content.decode()

    response = client.post(reverse("identity:sso"), {"action": "domain_add", "domain": "initech.example"}, follow=True)
    assert "initech.example is added. A platform admin verifies it before it is used." in _text(
        response.content.decode()
    )
    assert "Pending verification" in _text(response.content.decode())
    response = client.post(reverse("identity:sso"), {"action": "domain_add", "domain": "initech.example"})
    assert response.status_code == 400 and "Initech Solutions has already added initech.example." in _text(
        response.content.decode()
    )
