"""Every deal test ends with the vendors' and distributors' kept totals equal to their registrations' sum: a
service that changes a status or an amount without keeping them fails the test that exercised it."""

import pytest

from tests.deals.service_helpers import tallies_counted, tallies_kept


@pytest.fixture(autouse=True)
def deal_tallies_kept(request):
    uses_db = request.node.get_closest_marker("django_db") is not None or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if not uses_db:
        yield
        return
    request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames else "db")
    yield  # checked before the database is rolled back
    assert tallies_kept() == tallies_counted()
