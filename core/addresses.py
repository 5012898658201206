"""Whose an email address is: the one rule that login, password reset, adding an address, invitations and single
sign-on share (docs/adr/0004-sso-account-linking.md, "Email addresses").

An address is **proven** to be an account's when the account holds it as a verified allauth ``EmailAddress``
(confirmed by the link sent to it, or given by an invitation or by the organization's identity provider), or
when it is the account's own address (``user.email``, as a platform admin set it; allauth files such an address
as an unverified, non-primary record when it first meets it), unless the person made it their primary address
without confirming it. Anything else, above all an address someone added and never confirmed, is only a claim: it
logs nobody in, receives nothing for the account, blocks nobody, and is dropped from every other account the
moment one account proves the address (``claims_release``).

It lives in core, below the channel graph, because ``vendors.services`` (invitations) applies it as well as sign-in
(``identity/``); it imports nothing but allauth's address model.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet


def _unconfirmed_primary(email: str):
    return EmailAddress.objects.filter(user=OuterRef("pk"), email__iexact=email, primary=True, verified=False)


def accounts_proving(email: str) -> QuerySet:
    """The accounts ``email`` is proven to belong to (usually one; none for an address nobody proved)."""
    email = (email or "").strip()
    if not email:
        return get_user_model().objects.none()
    verified = EmailAddress.objects.filter(email__iexact=email, verified=True).values("user_id")
    return (
        get_user_model()
        .objects.alias(unconfirmed_primary=Exists(_unconfirmed_primary(email)))
        .filter(Q(pk__in=verified) | Q(email__iexact=email, unconfirmed_primary=False))
    )


def is_proven(user, email: str) -> bool:
    """Whether ``email`` is proven to be ``user``'s."""
    return bool(email) and accounts_proving(email).filter(pk=user.pk).exists()


def belongs_to_another(user, email: str) -> bool:
    """Whether another account has ``email``: proven to be theirs, or their own (primary) address even if not
    verified. An address that sits unconfirmed on another account does not count: a claim blocks nobody."""
    User = get_user_model()
    others = accounts_proving(email).exclude(pk=user.pk)
    return others.exists() or User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()


def claims_release(*, owner, email: str) -> int:
    """``email`` is now proven to be ``owner``'s (``None``: a person whose account is about to be made): drop
    the unconfirmed copies other accounts hold of it (one may have been added to pre-empt its owner). Returns
    how many were dropped. Runs in the caller's transaction."""
    # Another account's own address is not a mere claim: it stays.
    stale = (
        EmailAddress.objects.filter(email__iexact=email, verified=False, primary=False)
        .exclude(user=owner)
        .exclude(user__email__iexact=email)
    )
    count, _ = stale.delete()
    return count
