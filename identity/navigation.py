"""The sign-in settings' entries in the main navigation (core/navigation.py): the current organization's, for its
admins."""

from core.navigation import Entry
from vendors.models import Membership

ADMINS = (Membership.Role.ADMIN,)

ENTRIES = [
    Entry("Two-factor policy", "identity:mfa_policy", roles=ADMINS, order=220),
    Entry("Single sign-on", "identity:sso", roles=ADMINS, order=230),
]
