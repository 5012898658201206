"""Every operation of the served API schema, fuzzed with a personal API token (``Authorization: Bearer op_...``)
of Acme's admin: no session and no CSRF token, the same answers. See ``tests/fuzz/harness.py``."""

import pytest

from tests.fuzz.harness import fewer_examples, fuzz, schema


@pytest.fixture
def vendor_admin_token(db, fuzz_channel):
    return fuzz_channel.vendor_admin_token


@schema.parametrize()
@fewer_examples
def test_api_with_a_token(case, vendor_admin_token):
    fuzz(case, vendor_admin_token)
