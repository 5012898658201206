"""Every operation of the served API schema, fuzzed as a vendor's channel manager (Acme: tiers, a catalog,
partnerships in every state). See ``tests/fuzz/harness.py``."""

import pytest

from tests.fuzz.harness import fuzz, fuzz_settings, schema


@pytest.fixture
def vendor_manager(db, fuzz_channel):
    return fuzz_channel.vendor_manager


@schema.parametrize()
@fuzz_settings
def test_api_as_vendor_manager(case, vendor_manager):
    fuzz(case, vendor_manager)
