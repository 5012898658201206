"""The workspace's entries in the main navigation (core/navigation.py): the partner's home, catalog and vendor
directory, the distributor's resellers, the team page, and the platform's links."""

from core.navigation import DISTRIBUTOR, PARTNER, Entry

ENTRIES = [
    Entry("My vendors", "portal:home", sides=(PARTNER,), order=10),
    Entry("Catalog & prices", "portal:catalog", sides=(PARTNER,), order=20),
    Entry("Find vendors", "portal:directory", sides=(PARTNER,), active=("portal:directory", "portal:apply"), order=50),
    Entry("Resellers", "portal:distribution", sides=(DISTRIBUTOR,), order=10),
    Entry("Catalog", "portal:catalog", sides=(DISTRIBUTOR,), order=50),
    Entry("Team", "portal:team", order=210),
    # Neither page is in the layout (the admin and Swagger UI have their own), so neither is ever the current one.
    Entry("Platform admin", "admin:index", sides=None, staff=True, active=(), order=300),
    Entry("API", "api-docs", sides=None, active=(), order=310),
]
