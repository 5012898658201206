"""Every deal test ends with the vendors' and distributors' kept totals equal to their registrations' sum: a
service that changes a status or an amount without keeping them fails the test that exercised it."""

import pytest

from tests.after_each import after_each
from tests.deals.service_helpers import tallies_counted, tallies_kept


def _kept():
    assert tallies_kept() == tallies_counted()


@pytest.fixture(autouse=True)
def deal_tallies_kept(request):
    yield from after_each(request, _kept)
