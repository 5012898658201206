"""Every operation of the served API schema, fuzzed as a partner's admin (Initech: two vendors, one through a
distributor; may apply to programs). See ``tests/fuzz/harness.py``."""

import pytest

from tests.fuzz.harness import fuzz, fuzz_settings, schema


@pytest.fixture
def partner_admin(db, fuzz_channel):
    return fuzz_channel.partner_admin


@schema.parametrize()
@fuzz_settings
def test_api_as_partner_admin(case, partner_admin):
    fuzz(case, partner_admin)
