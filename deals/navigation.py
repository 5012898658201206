"""Deal registration's entries in the main navigation (core/navigation.py)."""

from core.navigation import VENDOR, Entry
from vendors.models import Membership

Role = Membership.Role

ENTRIES = [
    Entry("Deals", "deals:list", active=("deals:*",), inactive=("deals:rules",), order=30),
    Entry("Deal rules", "deals:rules", sides=(VENDOR,), roles=(Role.ADMIN, Role.MANAGER), order=90),
]
