"""Two-factor authentication: an authenticator app with recovery codes, security keys, the organization's rule.

Codes are computed here per RFC 6238 (HMAC-SHA1 over the 30-second counter), independently of allauth, from
the secret the set-up page shows. Logins go through the real login form, so allauth records how the person
authenticated (its MFA pages ask for a recent login).
"""

import base64
import hashlib
import hmac
import json
import re
import struct
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from identity import mfa
from tests import factories as f
from tests.portal.helpers import main_text
from vendors.middleware import SESSION_KEY
from vendors.models import Membership, Organization

LOGIN = reverse("account_login")
HOME = reverse("portal:home")
MFA_INDEX = reverse("mfa_index")
MFA_AUTHENTICATE = reverse("mfa_authenticate")
ACTIVATE_TOTP = reverse("mfa_activate_totp")
RECOVERY_CODES = reverse("mfa_view_recovery_codes")
POLICY = reverse("identity:mfa_policy")


def totp_code(secret: str, offset: int = 0) -> str:
    """RFC 6238: HOTP (RFC 4226) of the number of 30-second steps since the epoch, 6 digits."""
    counter = int(time.time()) // 30 + offset
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    start = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[start : start + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def log_in(client, user):
    """The password step of the real login form; returns the response (a redirect)."""
    return client.post(LOGIN, {"login": user.email, "password": f.PASSWORD})


def confirm_password(client, user):
    """allauth asks for the password again (once every few minutes) before MFA settings change."""
    response = client.post(reverse("account_reauthenticate"), {"password": f.PASSWORD})
    assert response.status_code == 302, response


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def enrol(user) -> tuple[str, list[str]]:
    """An authenticator app and recovery codes for ``user``, as allauth creates them; (secret, codes)."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).generate_codes()
    return secret, codes


def work_in(client, organization):
    session = client.session
    session[SESSION_KEY] = organization.pk
    session.save()


def require_mfa(organization):
    Organization.objects.filter(pk=organization.pk).update(require_mfa=True)


# --- enrolment and login ----------------------------------------------------------------------------------


def test_a_person_sets_up_an_authenticator_app_and_then_logs_in_with_a_code(client, channel):
    rep = channel.initech_rep
    assert log_in(client, rep).url == HOME
    assert client.get(ACTIVATE_TOTP).url.startswith(reverse("account_reauthenticate"))
    confirm_password(client, rep)

    page = client.get(ACTIVATE_TOTP)
    assert page.status_code == 200
    assert "Set up an authenticator app" in main_text(page)
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html  # the QR code
    secret = re.search(r'id="authenticator_secret" value="([A-Z2-7]+)"', html).group(1)

    wrong = client.post(ACTIVATE_TOTP, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "Incorrect code." in main_text(wrong)
    assert not Authenticator.objects.filter(user=rep).exists()

    done = client.post(ACTIVATE_TOTP, {"code": totp_code(secret)})
    assert done.status_code == 302 and done.url == RECOVERY_CODES
    assert Authenticator.objects.filter(user=rep, type=Authenticator.Type.TOTP).exists()
    codes_page = client.get(RECOVERY_CODES)
    codes = re.search(r'<textarea id="recovery_codes"[^>]*>(.*?)</textarea>', codes_page.content.decode(), re.S)
    assert len(codes.group(1).split()) == 10
    assert "Authenticator app Active" in main_text(client.get(MFA_INDEX))

    client.post(reverse("account_logout"))
    second_step = log_in(client, rep)
    assert second_step.url == MFA_AUTHENTICATE
    assert not logged_in(client)
    page = client.get(MFA_AUTHENTICATE)
    assert "Two-factor authentication" in main_text(page) and 'autocomplete="one-time-code"' in page.content.decode()
    refused = client.post(MFA_AUTHENTICATE, {"code": "12345"})
    assert "Incorrect code." in main_text(refused) and not logged_in(client)

    response = client.post(MFA_AUTHENTICATE, {"code": totp_code(secret, offset=1)}, follow=True)
    assert response.redirect_chain[-1][0] == HOME
    assert logged_in(client)
    assert "Acme Networks" in main_text(response)


def test_a_used_code_is_refused_the_second_time(client, channel):
    rep = channel.initech_rep
    secret, _codes = enrol(rep)
    code = totp_code(secret)
    log_in(client, rep)
    assert client.post(MFA_AUTHENTICATE, {"code": code}).url == HOME
    client.post(reverse("account_logout"))
    log_in(client, rep)
    again = client.post(MFA_AUTHENTICATE, {"code": code})
    assert again.status_code == 200 and "Incorrect code." in main_text(again)
    assert not logged_in(client)


def test_a_recovery_code_logs_in_once_and_is_then_refused(client, channel):
    rep = channel.initech_rep
    _secret, codes = enrol(rep)
    log_in(client, rep)
    assert client.post(MFA_AUTHENTICATE, {"code": codes[3]}).url == HOME
    assert logged_in(client)
    confirm_password(client, rep)
    page = main_text(client.get(RECOVERY_CODES))
    assert "9 of 10 codes unused" in page
    assert codes[3] not in page and codes[4] in page

    client.post(reverse("account_logout"))
    log_in(client, rep)
    used = client.post(MFA_AUTHENTICATE, {"code": codes[3]})
    assert used.status_code == 200 and "Incorrect code." in main_text(used)
    assert not logged_in(client)
    assert client.post(MFA_AUTHENTICATE, {"code": codes[4]}).url == HOME


def test_after_five_wrong_codes_the_second_step_answers_429_even_to_the_right_code(client, channel):
    rep = channel.initech_rep
    secret, _codes = enrol(rep)
    log_in(client, rep)
    for _ in range(5):
        response = client.post(MFA_AUTHENTICATE, {"code": "999999" if totp_code(secret) != "999999" else "888888"})
        assert response.status_code == 200 and "Incorrect code." in main_text(response)
    locked = client.post(MFA_AUTHENTICATE, {"code": totp_code(secret)})
    assert locked.status_code == 429
    assert not logged_in(client)
    assert rep.email not in locked.content.decode()


def test_confirming_it_is_you_with_a_code_is_rate_limited_too(client, channel):
    rep = channel.initech_rep
    secret, _codes = enrol(rep)
    log_in(client, rep)
    client.post(MFA_AUTHENTICATE, {"code": totp_code(secret)})
    page = client.get(reverse("mfa_reauthenticate"))
    assert page.status_code == 200 and "Confirm it is you" in main_text(page)
    for _ in range(5):
        response = client.post(reverse("mfa_reauthenticate"), {"code": "not-a-code"})
        assert response.status_code == 200 and "Incorrect code." in main_text(response)
    assert client.post(reverse("mfa_reauthenticate"), {"code": totp_code(secret, offset=1)}).status_code == 429


def test_the_mfa_pages_use_the_layout_and_offer_security_keys(client, channel, settings):
    assert "webauthn" in settings.MFA_SUPPORTED_TYPES
    log_in(client, channel.initech_rep)
    confirm_password(client, channel.initech_rep)
    index = client.get(MFA_INDEX)
    assert index.status_code == 200
    html = index.content.decode()
    assert 'class="sidenav"' in html  # base.html
    text = main_text(index)
    assert "Authenticator app" in text and "Security keys" in text and "Recovery codes" in text
    add_key = client.get(reverse("mfa_add_webauthn"))
    assert add_key.status_code == 200
    html = add_key.content.decode()
    assert 'id="mfa_webauthn_add"' in html and "mfa/js/webauthn.js" in html
    creation = json.loads(re.search(r'<script id="js_data" type="application/json">(.*?)</script>', html).group(1))
    assert creation["creation_options"]["publicKey"]["rp"]["id"] == "testserver"


# --- the organization's rule ------------------------------------------------------------------------------


def test_a_member_without_mfa_is_sent_to_set_it_up_on_every_page(client, channel):
    require_mfa(channel.initech)
    rep = channel.initech_rep
    log_in(client, rep)
    for url in (HOME, reverse("portal:catalog"), reverse("portal:team"), reverse("notifications:inbox"), POLICY):
        response = client.get(url)
        assert response.status_code == 302 and response.url == MFA_INDEX, url
    page = client.get(MFA_INDEX)
    assert page.status_code == 200
    assert "Initech Solutions requires two-factor authentication." in main_text(page)
    confirm_password(client, rep)
    assert client.get(ACTIVATE_TOTP).status_code == 200
    assert client.get(reverse("account_logout")).status_code == 200
    assert client.get("/static/css/onepane.css").status_code == 200
    # The bell (htmx) gets a bare refusal, not the MFA page swapped into the top bar.
    bell = client.get(reverse("notifications:bell"), HTTP_HX_REQUEST="true")
    assert bell.status_code == 403


def test_the_api_answers_403_json_to_a_session_without_mfa(client, channel):
    require_mfa(channel.initech)
    log_in(client, channel.initech_rep)
    response = client.get("/api/v1/organizations/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "mfa_required"
    assert "requires two-factor authentication" in body["detail"]


def test_a_member_with_mfa_passes(client, channel):
    require_mfa(channel.initech)
    rep = channel.initech_rep
    secret, _codes = enrol(rep)
    log_in(client, rep)
    client.post(MFA_AUTHENTICATE, {"code": totp_code(secret)})
    response = client.get(HOME)
    assert response.status_code == 200 and "Acme Networks" in main_text(response)
    assert client.get("/api/v1/organizations/").status_code == 200


def test_a_person_in_two_organizations_is_held_only_in_the_one_that_requires_mfa(client, channel):
    person = channel.umbrella_admin
    f.services.membership_add(organization=channel.initech, user=person, role=Membership.Role.MEMBER)
    require_mfa(channel.initech)
    log_in(client, person)
    work_in(client, channel.umbrella)
    assert client.get(HOME).status_code == 200

    switch = client.post(reverse("portal:switch_organization"), {"organization": channel.initech.pk})
    assert switch.status_code == 302
    assert client.get(HOME).url == MFA_INDEX
    # The switcher stays open: back to the organization that does not require MFA.
    client.post(reverse("portal:switch_organization"), {"organization": channel.umbrella.pk})
    assert client.get(HOME).status_code == 200


def test_deactivating_the_app_in_an_organization_that_requires_mfa_holds_the_person_again(client, channel):
    require_mfa(channel.initech)
    rep = channel.initech_rep
    secret, _codes = enrol(rep)
    log_in(client, rep)
    client.post(MFA_AUTHENTICATE, {"code": totp_code(secret)})
    confirm_password(client, rep)
    page = client.get(reverse("mfa_deactivate_totp"))
    assert "Initech Solutions requires two-factor authentication" in main_text(page)
    assert client.post(reverse("mfa_deactivate_totp")).status_code == 302
    assert client.get(HOME).url == MFA_INDEX


# --- the policy page --------------------------------------------------------------------------------------


def test_an_admin_must_have_mfa_before_requiring_it(client, channel):
    admin = channel.initech_admin
    log_in(client, admin)
    page = client.get(POLICY)
    assert page.status_code == 200
    assert "Not required for everyone in Initech Solutions" in main_text(page)
    refused = client.post(POLICY, {"require_mfa": "on"})
    assert refused.status_code == 400
    assert "Set up two-factor authentication for yourself first" in main_text(refused)
    channel.initech.refresh_from_db()
    assert channel.initech.require_mfa is False


def test_an_admin_with_mfa_turns_the_rule_on_and_off(client, channel):
    admin = channel.initech_admin
    secret, _codes = enrol(admin)
    log_in(client, admin)
    client.post(MFA_AUTHENTICATE, {"code": totp_code(secret)})
    response = client.post(POLICY, {"require_mfa": "on"}, follow=True)
    assert "Everyone in Initech Solutions now needs two-factor authentication." in main_text(response)
    assert "Required for everyone in Initech Solutions" in main_text(response)
    channel.initech.refresh_from_db()
    assert channel.initech.require_mfa is True
    assert channel.acme.require_mfa is False and Organization.objects.filter(require_mfa=True).count() == 1

    response = client.post(POLICY, {}, follow=True)
    assert "Initech Solutions no longer requires two-factor authentication." in main_text(response)
    channel.initech.refresh_from_db()
    assert channel.initech.require_mfa is False


def test_only_admins_see_the_policy_and_its_nav_link(client, channel):
    log_in(client, channel.initech_rep)
    assert client.get(POLICY).status_code == 403
    assert client.post(POLICY, {"require_mfa": "on"}).status_code == 403
    assert POLICY not in client.get(HOME).content.decode()
    client.post(reverse("account_logout"))
    log_in(client, channel.initech_admin)
    assert POLICY in client.get(HOME).content.decode()


def test_the_policy_page_acts_only_on_an_organization_the_admin_belongs_to(client, channel):
    admin = channel.umbrella_admin
    enrol(admin)
    client.force_login(admin)
    work_in(client, channel.initech)  # not theirs: the workspace falls back to their own organization
    page = client.get(POLICY)
    assert "Umbrella IT" in main_text(page) and "Initech" not in main_text(page)
    client.post(POLICY, {"require_mfa": "on"})
    assert Organization.objects.get(pk=channel.umbrella.pk).require_mfa is True
    assert Organization.objects.get(pk=channel.initech.pk).require_mfa is False


def test_a_person_without_an_organization_gets_no_policy(client, db):
    loner = f.UserFactory()
    client.force_login(loner)
    response = client.get(POLICY)
    assert response.status_code == 200
    assert "Initech" not in main_text(response) and "Require two-factor" not in main_text(response)
    assert client.post(POLICY, {"require_mfa": "on"}).status_code == 200
    assert not Organization.objects.filter(require_mfa=True).exists()


def test_the_policy_page_and_the_middleware_cost_the_same_with_one_member_or_many(
    client, channel, django_assert_num_queries
):
    admin = channel.initech_admin
    enrol(admin)
    require_mfa(channel.initech)
    client.force_login(admin)

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(POLICY).status_code == 200
        return len(queries)

    few = count()
    for _ in range(15):
        enrol(f.member(channel.initech))
    many = count()
    assert few == many
    page = main_text(client.get(POLICY))
    assert "People without two-factor authentication 1" in page  # the channel's rep


# --- the service ------------------------------------------------------------------------------------------


def test_the_service_is_for_admins_only(channel):
    enrol(channel.initech_rep)
    with pytest.raises(PermissionDenied):
        mfa.organization_require_mfa_set(actor=channel.initech_rep, organization=channel.initech, required=True)
    with pytest.raises(PermissionDenied):
        mfa.organization_require_mfa_set(actor=channel.acme_admin, organization=channel.initech, required=True)
    with pytest.raises(ValidationError):
        mfa.organization_require_mfa_set(actor=channel.initech_admin, organization=channel.initech, required=True)
    assert not Organization.objects.filter(require_mfa=True).exists()
