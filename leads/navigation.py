"""Leads' entry in the main navigation (core/navigation.py)."""

from core.navigation import Entry

ENTRIES = [
    Entry("Leads", "leads:list", active=("leads:*",), order=40),
]
