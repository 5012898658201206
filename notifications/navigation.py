"""The notification inbox's entry in the main navigation (core/navigation.py)."""

from core.navigation import Entry

ENTRIES = [
    Entry("Notifications", "notifications:inbox", active=("notifications:*",), order=200),
]
