"""API routes without a row in the URL: lists with exact counts whatever the filter, and creates."""

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from core import routes
from tests.isolation import attack
from tests.isolation import world as w
from tests.isolation.endpoints import endpoints


@pytest.mark.django_db
@w.ISOLATION
@given(spec=w.channels(), rnd=st.randoms(use_true_random=False))
def test_api_lists_count_only_what_the_caller_may_see(spec, rnd):
    selected = [e for e in endpoints() if e.access in (routes.PUBLIC, routes.AUTHENTICATED) and e.is_api]
    with transaction.atomic():
        sweep = attack.run(w.World(spec), rnd, selected)
        transaction.set_rollback(True)
    sweep.assert_clean()
