"""Records of a partnership the vendor suspended or ended are read-only for the partner (docs/adr/0001).

Its people still read their registrations and leads with that vendor, but every write route on them, pages and API
(every scoped route of those models that writes, read off the apps' ``routes.py``: a new one is attacked as soon as it
is declared), is refused with a 403 that says why (or the 404 the route gives any partner), and nothing changes.
(Found by the hardening review: a suspended partner could still comment on, change the stage of and attach files to
its registrations.)
"""

import random

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from tests.isolation import attack
from tests.isolation import world as w
from tests.isolation.endpoints import endpoints


def test_the_routes_are_read_off_the_declarations():
    names = {e.name for e in attack.read_only_routes(endpoints())}
    # The partner's writes on both models, pages and API, and the other sides' (refused for the partner too).
    for name in ("deals:comment", "deals:stage", "deals:attach", "deals:edit", "deals:submit", "deal-detail"):
        assert name in names
    for name in ("deal-comments", "deal-attachments", "deal-extension-request", "deals:approve", "deal-approve"):
        assert name in names
    for name in ("leads:accept", "leads:reject", "leads:status", "leads:note", "leads:convert", "lead-convert"):
        assert name in names
    assert "deals:detail" not in names and "deal-history" not in names  # reads


@pytest.mark.django_db
@w.ISOLATION
@given(spec=w.channels(), rnd=st.randoms(use_true_random=False))
def test_a_suspended_or_ended_partnership_is_read_only_for_the_partner(spec, rnd):
    with transaction.atomic():
        sweep = attack.run_read_only(w.World(spec), rnd, endpoints())
        transaction.set_rollback(True)
    sweep.assert_clean()


def _closing_spec() -> w.Spec:
    """The small channel, plus a partner V0 suspended and one whose partnership with V0 ended."""
    spec = w.small_spec()
    spec.partners = 5
    spec.edges = [
        *spec.edges[:2],
        w.Edge(0, 2, [w.Status.SUSPENDED], None, 0),
        w.Edge(0, 3, [w.Status.ENDED], 0, 0),
        w.Edge(2, 4, [w.Status.ACTIVE], 1, 0),  # the outsider keeps the last partner
    ]
    spec.revoked_invitation = [False] * (spec.vendors + spec.partners + spec.distributors)
    return spec


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bug, reported",
    [
        (lambda *args, **kwargs: None, "changed rows, acting on a read-only"),  # the check is gone
        (lambda user, partnership, *args, **kwargs: _refuse(partnership), "403 without saying why"),
    ],
    ids=["no check", "no reason"],
)
def test_it_reports_a_write_the_partnership_no_longer_allows(monkeypatch, bug, reported):
    """The harness is not blind: with the services' check gone, the partner's comment, submission and acceptance
    of an offer are reported; a refusal that does not say why is reported too."""
    selected = [e for e in endpoints() if e.name in ("deals:comment", "deal-submit", "lead-accept")]
    with transaction.atomic():
        world = w.World(_closing_spec())
        monkeypatch.setattr("vendors.access.require_program_access", bug)
        monkeypatch.setattr("deals.views.read_only", lambda request, deal: None)  # the page's own check, before it
        sweep = attack.run_read_only(world, random.Random(0), selected)
        transaction.set_rollback(True)
    failures = "\n".join(sweep.failures)
    for route in ("deals:comment: POST", "deal-submit: POST", "lead-accept: POST"):
        assert route in failures
    assert reported in failures


def _refuse(partnership):
    if partnership.status != w.Status.ACTIVE:
        raise PermissionDenied("No.")
