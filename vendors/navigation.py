"""The vendor console's entries in the main navigation (core/navigation.py)."""

from core.navigation import VENDOR, Entry

ENTRIES = [
    Entry(
        "Partners", "console:partners", sides=(VENDOR,), active=("console:partners", "console:partner_detail"), order=10
    ),
    Entry("Applications", "console:applications", sides=(VENDOR,), order=20),
    Entry("Tiers", "console:tiers", sides=(VENDOR,), active=("console:tier*",), order=50),
    Entry("Catalog", "console:catalog", sides=(VENDOR,), active=("console:catalog", "console:product*"), order=60),
    Entry("Program", "console:program", sides=(VENDOR,), order=70),
]
