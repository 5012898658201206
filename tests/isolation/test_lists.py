"""Pages without a row in the URL: home, lists and searches, "new" forms, public pages.

Lists show only rows the person may see, whatever filter names another tenant's rows; writes change only
what the person may change; the anonymous are turned away from all but the public pages.
"""

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
def test_pages_and_lists_show_only_what_the_person_may_see(spec, rnd):
    selected = [e for e in endpoints() if e.access in (routes.PUBLIC, routes.AUTHENTICATED) and not e.is_api]
    with transaction.atomic():
        sweep = attack.run(w.World(spec), rnd, selected)
        transaction.set_rollback(True)
    sweep.assert_clean()
