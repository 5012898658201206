"""Notifications' entries in the main navigation (core/navigation.py): the vendor console's alerts page and
everyone's inbox."""

from core.navigation import VENDOR, Entry

ENTRIES = [
    Entry("Alerts", "console:alerts", sides=(VENDOR,), order=80),
    Entry("Notifications", "notifications:inbox", active=("notifications:*",), order=200),
]
