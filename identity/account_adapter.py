"""How allauth's local accounts behave in Onepane.

- **No open sign-up.** People join an organization by an invitation link, or are provisioned by their
  organization's single sign-on (that path goes through the social account adapter, which decides it for
  itself); the plain sign-up form is closed for everyone.
- **Every account email leaves through the outbox** (``notifications.services.email_send``): the
  password reset link, the link that verifies an address a person adds, and the security notices (password
  changed, address added or removed, two-factor changes). An email that carries a one-time link or code is
  ``sensitive``: its body is erased once it is delivered. Links are built on ``ONEPANE_BASE_URL``, never on the
  request's Host header, so a forged Host cannot point a reset link at someone else's server.
- **Only an address proven to be the person's logs in and receives a reset link** (``addresses``): a verified
  one, or the account's own address as a platform admin set it. An address someone added but never verified
  (a typo, someone else's mailbox) never logs in and never receives a link to their account; once an account
  confirms an address, the unconfirmed copies other accounts hold of it are dropped.
- **Failed logins past the limit answer 429** with the same page whether the account exists or not. They are
  counted per account (all its addresses together), and only loosely per IP: people behind one office address
  are not locked out by someone else's wrong passwords (``ACCOUNT_RATE_LIMITS["login_failed"]``).
"""

import hashlib
import uuid

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.account.utils import user_email
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.urls import reverse

from core import addresses
from identity import sessions
from notifications import services as notifications

# Context values that make an email a one-time credential: whoever reads it can act as the person.
ONE_TIME_VALUES = ("password_reset_url", "activate_url", "code", "key")
# An email with no dedicated template of its own is wrapped in this one (its text body is allauth's).
FALLBACK_TEMPLATE = "account/email/fallback"


def _has_template(name: str) -> bool:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return False
    return True


def email_key(template_prefix: str, email: str, context: dict) -> str:
    """The outbox key of one account email: the same request sent twice is one email.

    It names the email by what makes it unique (its one-time link or code, else the moment of the event it
    reports) without storing that value: a one-time link is hashed, never kept in the key."""
    unique = next((str(context[k]) for k in ONE_TIME_VALUES if context.get(k)), "")
    if not unique and context.get("timestamp"):
        unique = context["timestamp"].isoformat()
    if not unique:
        unique = uuid.uuid4().hex
    digest = hashlib.sha256(f"{email.lower()}\n{unique}".encode()).hexdigest()[:32]
    name = template_prefix.rsplit("/", 1)[-1]
    return f"account:{name}:{digest}"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Invitations create accounts in vendors.services.invitation_accept; SSO provisioning is decided by
        # the social account adapter. Nobody creates an account through the sign-up form.
        return False

    def login(self, request, user) -> None:
        super().login(request, user)
        sessions.stamp(request)
        keep_own_address(user)

    def confirm_email(self, request, email_address) -> bool:
        with transaction.atomic():
            confirmed = super().confirm_email(request, email_address)
            if confirmed:
                addresses.claims_release(owner=email_address.user, email=email_address.email)
        return confirmed

    # --- links -----------------------------------------------------------------------------------------------

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return notifications.absolute(path.replace("UID-KEY", key))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return notifications.absolute(reverse("account_confirm_email", args=[emailconfirmation.key]))

    # --- email -----------------------------------------------------------------------------------------------

    def format_email_subject(self, subject: str) -> str:
        return subject

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Put one allauth email in the outbox (rendered now, delivered by Celery after the commit)."""
        ctx = {
            "email": email,
            "base_url": settings.ONEPANE_BASE_URL,
            "reset_url": notifications.absolute(reverse("account_reset_password")),
            "sessions_url": notifications.absolute(reverse("usersessions_list")),
        }
        ctx.update(context)
        ctx.pop("request", None)  # rendered for the outbox, outside the request: nothing may depend on it
        subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", ctx).splitlines()).strip()
        template = f"{template_prefix}_message"
        if not (_has_template(f"{template}.html") and _has_template(f"{template}.txt")):
            # An email of an allauth part we give no layout of its own (social accounts, say): its text, in
            # our layout; the HTML part escapes it (it can carry a browser's user agent).
            ctx["subject"] = subject
            ctx["message_text"] = render_to_string(f"{template}.txt", ctx).strip()
            template = FALLBACK_TEMPLATE
        user = ctx.get("user")
        notifications.email_send(
            key=email_key(template_prefix, email, ctx),
            to=email,
            subject=self.format_email_subject(subject),
            template=template,
            context=ctx,
            user=user if isinstance(user, get_user_model()) else None,
            sensitive=any(ctx.get(k) for k in ONE_TIME_VALUES),
        )

    def send_notification_mail(self, template_prefix: str, user, context=None, email=None) -> None:
        # The security notices name the person (allauth leaves them out of the context) and are theirs.
        super().send_notification_mail(template_prefix, user, {"user": user, **(context or {})}, email=email)

    def send_password_reset_mail(self, user, email: str, context: dict) -> None:
        if may_receive_password_reset(user, email):
            super().send_password_reset_mail(user, email, context)

    # --- login protection ------------------------------------------------------------------------------------

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """What failed logins are counted against: the account the login names (whichever of its addresses is
        typed), else the login as typed. Never the IP alone: that would lock out everyone behind it."""
        login = (credentials.get("email") or credentials.get("username") or "").strip().lower()
        account = addresses.accounts_proving(login).values_list("pk", flat=True).first() if login else None
        return f"account:{account}" if account is not None else f"login:{login}"

    def pre_authenticate(self, request, **credentials) -> None:
        """Past allauth's limit on failed logins (per address and per IP) answer 429, the same page for an
        address with an account and one without."""
        cache_key = self._get_login_attempts_cache_key(request, **credentials)
        self._login_failed_rl_usage = ratelimit.consume(
            request, app="allauth.account", action="login_failed", key=cache_key
        )
        if not self._login_failed_rl_usage:
            raise ImmediateHttpResponse(ratelimit.respond_429(request or allauth_context.request))


def may_receive_password_reset(user, email: str) -> bool:
    """Whether ``email`` is proven to be ``user``'s (``addresses.is_proven``): a verified address of theirs, or
    the account's own address as a platform admin set it."""
    return addresses.is_proven(user, email)


def keep_own_address(user) -> None:
    """At login, record the account's own address, as a platform admin set it, as its verified primary address.

    allauth files such an address as an unconfirmed one when it first meets it. Recorded as verified, it stays
    the person's login, and allauth then lets no unconfirmed address become primary in its place."""
    email = user_email(user)
    if not email or EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists():
        return
    if EmailAddress.objects.filter(email__iexact=email, verified=True).exists():
        return  # another account has confirmed it: this one keeps no claim to it
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is not None and address.primary:
        return  # made primary without being confirmed: only its confirmation link proves it
    has_primary = EmailAddress.objects.filter(user=user, primary=True).exists()
    if address is None:
        EmailAddress.objects.create(user=user, email=email.lower(), verified=True, primary=not has_primary)
    else:
        address.verified, address.primary = True, not has_primary
        address.save(update_fields=["verified", "primary"])
