"""Deal submissions and approvals racing each other on PostgreSQL, each thread on its own connection.

Submissions and approvals at one vendor are serialised on the vendor's ``DealRules`` row: two partners who
register the same customer at the same moment are both recorded and flagged against each other, and of two
conflicting registrations approved at the same moment exactly one is approved.
"""

import contextlib
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.db.models import Q

from deals import services
from deals.models import DealConflict, DealRegistration, DealRules
from tests import factories as f

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL row locks and concurrent connections"
    ),
]

User = get_user_model()
Status = DealRegistration.Status


def race(monkeypatch, *calls):
    """Run each call in its own thread (and connection); all of them reach the vendor's lock together.

    Returns each call's result or the exception it raised, in the order given."""
    barrier = threading.Barrier(len(calls), timeout=5)
    original = services._lock_rules

    def lock_rules_together(vendor):
        # Every transaction is open and has passed its checks before any of them takes the lock.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return original(vendor)

    monkeypatch.setattr(services, "_lock_rules", lock_rules_together)
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            outcomes[index] = call()
        except Exception as exc:  # reported to the test, which says which ones it expects
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def as_fresh(user):
    """The person as a request would load them (nothing cached from the test's thread)."""
    return User.objects.get(pk=user.pk)


@pytest.mark.parametrize("rules_exist", [False, True], ids=["first-submissions-at-vendor", "rules-row-exists"])
def test_two_partners_submit_the_same_customer_at_the_same_moment(channel, monkeypatch, rules_exist):
    c = channel
    if rules_exist:
        DealRules.objects.create(vendor=c.acme)
    mine = f.deal(c.initech_admin, c.initech, c.acme, lines=[(c.acme_router, 2)], submit=False)
    theirs = f.deal(
        c.umbrella_admin, c.umbrella, c.acme, lines=[(c.acme_router, 3)], customer_website="eu.hooli.com", submit=False
    )

    outcomes = race(
        monkeypatch,
        lambda: services.deal_submit(actor=as_fresh(c.initech_admin), deal=DealRegistration.objects.get(pk=mine.pk)),
        lambda: services.deal_submit(actor=as_fresh(c.umbrella_admin), deal=DealRegistration.objects.get(pk=theirs.pk)),
    )

    assert [type(o) for o in outcomes] == [DealRegistration, DealRegistration], outcomes
    both = DealRegistration.objects.filter(pk__in=[mine.pk, theirs.pk])
    assert {d.status for d in both} == {Status.SUBMITTED}
    assert {(d.has_conflict, d.queue) for d in both} == {(True, DealRegistration.Queue.CONFLICT)}
    linking = DealConflict.objects.filter(Q(deal=mine, other=theirs) | Q(deal=theirs, other=mine))
    assert linking.count() >= 1
    assert DealRules.objects.filter(vendor=c.acme).count() == 1


def test_two_conflicting_registrations_approved_at_the_same_moment(channel, monkeypatch):
    c = channel
    mine = f.deal(c.initech_admin, c.initech, c.acme, lines=[(c.acme_router, 2)], submit=True)
    theirs = f.deal(c.umbrella_admin, c.umbrella, c.acme, lines=[(c.acme_router, 3)], submit=True)
    assert DealConflict.objects.count() == 1

    outcomes = race(
        monkeypatch,
        lambda: services.deal_approve(actor=as_fresh(c.acme_admin), deal=DealRegistration.objects.get(pk=mine.pk)),
        lambda: services.deal_approve(actor=as_fresh(c.acme_manager), deal=DealRegistration.objects.get(pk=theirs.pk)),
    )

    approved = [o for o in outcomes if isinstance(o, DealRegistration)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert (len(approved), len(refused)) == (1, 1), outcomes
    assert "Only one registration per customer and product can be approved" in refused[0].messages[0]
    statuses = dict(DealRegistration.objects.filter(pk__in=[mine.pk, theirs.pk]).values_list("pk", "status"))
    assert sorted(statuses.values()) == [Status.APPROVED, Status.SUBMITTED]
    assert statuses[approved[0].pk] == Status.APPROVED
    assert not any(isinstance(o, PermissionDenied) for o in outcomes)
