"""API routes whose URL names a row, and their actions: 404 for a row the caller may not see."""

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
def test_scoped_api_routes_hide_other_tenants_rows(spec, rnd):
    selected = [e for e in endpoints() if e.access == routes.SCOPED and e.is_api]
    with transaction.atomic():
        sweep = attack.run(w.World(spec), rnd, selected)
        transaction.set_rollback(True)
    sweep.assert_clean()
