"""Every operation of the served API schema, fuzzed as a partner's member (Initech: may register deals and
comment, not manage the organization's programs). See ``tests/fuzz/harness.py``."""

import pytest

from tests.fuzz.harness import fewer_examples, fuzz, schema


@pytest.fixture
def partner_member(db, fuzz_channel):
    return fuzz_channel.partner_member


@schema.parametrize()
@fewer_examples
def test_api_as_partner_member(case, partner_member):
    fuzz(case, partner_member)
