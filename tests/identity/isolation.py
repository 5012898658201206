"""Sign-in in the isolation suite: every person's API tokens in the world, an organization's identity provider and
domains, and who may see and change them (see ``tests/isolation/plugins.py`` for what each name means)."""

from itertools import count

from identity import tokens as identity_tokens
from identity.models import ApiToken
from tests.isolation import world as w
from tests.vendors.isolation import Role, nothing
from vendors.models import Membership

API_TOKEN = "identity.ApiToken"
IDP, DOMAIN = "identity.IdentityProvider", "identity.VerifiedDomain"
EMAIL_ADDRESS = "account.EmailAddress"  # allauth's: a person's own addresses
SNAPSHOT_ALSO = (EMAIL_ADDRESS,)

# --- the world ------------------------------------------------------------------------------------------------


def people(world):
    """One API token for every person (a marker in its name, owned by the token), and a revoked one for the
    admins: a person's tokens are theirs alone, their colleagues' are near misses."""
    admins = set(Membership.objects.filter(role=Role.ADMIN).values_list("user_id", flat=True))
    for user in w.User.objects.filter(is_superuser=False).order_by("pk"):
        for revoked in (False, True) if user.pk in admins else (False,):
            marker = world.markers.new("tok")
            token, _raw = identity_tokens.token_create(user=user, name=f"Token {marker}")
            if revoked:
                identity_tokens.token_revoke(actor=user, token=token)
            world.markers.own(marker, API_TOKEN, token.pk)


# --- who may see what -----------------------------------------------------------------------------------------

VISIBLE = {API_TOKEN: "api_tokens"}
PERSONAL = {API_TOKEN}
NOT_LISTED = {
    IDP: "an organization's identity provider, shown to its own admins alone on /settings/sso/",
    DOMAIN: "an organization's email domains, shown to its own admins alone on /settings/sso/",
    "identity.SamlAssertion": "the SAML replay memory: digests of accepted assertions, shown to nobody",
}


def load(rules) -> dict:
    rules.api_token_rows = w.rows_of(ApiToken, "user_id", "revoked_at")
    return {API_TOKEN: rules.api_token_rows}


class Rules:
    def api_tokens(self, persona: w.Persona) -> set:
        """A person's own API tokens, whatever organization they work in (or none)."""
        if persona.user is None:
            return set()
        return {pk for pk, t in self.api_token_rows.items() if t["user_id"] == persona.user.pk}


# --- who may change what --------------------------------------------------------------------------------------


class Changes:
    """A person's own API tokens (a new one, or one revoked: nothing else changes, nothing is deleted); an
    organization's admins add or remove its identity provider and domains (only platform admins verify one); allauth
    records a person's own email address when it shows their account (a read may do that)."""

    LABELS = {API_TOKEN, IDP, DOMAIN}
    READS = {EMAIL_ADDRESS}

    def __init__(self, rules, persona, before, after, changes):
        self.persona, self.before, self.after = persona, before, after
        self.admins = {o for o, r in persona.roles.items() if r == Role.ADMIN}

    def ok(self, label, pk) -> bool:
        old, new = self.before.row(label, pk), self.after.row(label, pk)
        both = [r for r in (old, new) if r]
        user = self.persona.user
        if label == API_TOKEN:
            return (
                user is not None
                and new is not None
                and all(r["user_id"] == user.pk for r in both)
                and (old is None or {k for k in old if old[k] != new[k]} == {"revoked_at"})
            )
        if label == IDP:
            return all(r["organization_id"] in self.admins for r in both)
        # DOMAIN: an admin adds or removes their organization's domains; only platform admins verify one.
        return all(r["organization_id"] in self.admins for r in both) and (
            new is None or new["verified_at"] == (old or {}).get("verified_at")
        )

    def read_ok(self, label, pk) -> bool:
        old, new, user = self.before.row(label, pk), self.after.row(label, pk), self.persona.user
        return old is None and user is not None and new["user_id"] == user.pk


# --- the attack -----------------------------------------------------------------------------------------------

_serial = count(1)

BODIES = {
    "identity:mfa_policy": lambda world, row: [{"require_mfa": "on"}],
    "identity:sso": lambda world, row: [{"action": "domain_add", "domain": f"isolation-{next(_serial)}.example"}],
    "identity:tokens": lambda world, row: [{"name": f"Script {next(_serial)}", "expires": "30"}],
    "identity:token_revoke": nothing,
}
