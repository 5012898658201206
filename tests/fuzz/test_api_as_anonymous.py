"""Every operation of the served API schema, fuzzed by nobody logged in: each is the API's 403, in the documented
shape, whatever is sent (the schema and docs pages are not operations). See ``tests/fuzz/harness.py``."""

import pytest

from tests.fuzz.harness import anonymous, fewest_examples, fuzz, schema


@pytest.fixture
def nobody(db, fuzz_channel):
    return anonymous()


@schema.parametrize()
@fewest_examples
def test_api_as_anonymous(case, nobody):
    # 404 for an address no route has (an id that is not a number), before anyone is asked to log in.
    assert fuzz(case, nobody).status_code in (403, 404)
