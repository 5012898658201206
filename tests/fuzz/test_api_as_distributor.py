"""Every operation of the served API schema, fuzzed as a distributor's admin (Northwind: Globex sells through it
to Initech; it sees those deals and decides nothing). See ``tests/fuzz/harness.py``."""

import pytest

from tests.fuzz.harness import fewer_examples, fuzz, schema


@pytest.fixture
def distributor_admin(db, fuzz_channel):
    return fuzz_channel.distributor_admin


@schema.parametrize()
@fewer_examples
def test_api_as_distributor_admin(case, distributor_admin):
    fuzz(case, distributor_admin)
