"""Domain events (core/events.py): declared by name with typed payloads, published inside the change's transaction,
and their subscribers' failures roll the change back."""

import pytest
from django.db import transaction

from core import events
from core.events import Event, EventError, event, publish, subscribe, unsubscribe
from deals import services as deal_services
from deals.events import DealStatusChanged, DealSubmitted
from deals.models import DealEvent, DealRegistration
from notifications.models import Notification
from tests import factories as f


@event("probe.happened")
class ProbeHappened(Event):
    """Something the tests publish."""

    count: int
    label: str
    note: str | None = None
    items: tuple[int, ...] = ()


@pytest.fixture
def subscribed():
    """Subscribe handlers for one test: ``subscribed(name, handler)``; each is unsubscribed afterwards."""
    added = []

    def add(name, handler):
        subscribe(name, handler)
        added.append((name, handler))
        return handler

    yield add
    for name, handler in added:
        unsubscribe(name, handler)


def test_publishing_outside_a_transaction_is_refused():
    with pytest.raises(EventError, match="inside the transaction.atomic"):
        publish(ProbeHappened(count=1, label="one"))


@pytest.mark.django_db
def test_the_transaction_a_test_wraps_around_everything_does_not_count_as_the_services(subscribed):
    """A service that forgot its ``transaction.atomic`` fails in the tests too, though each test runs in one."""
    seen = []
    subscribed("probe.happened", seen.append)
    with pytest.raises(EventError):
        publish(ProbeHappened(count=1, label="one"))
    assert seen == []
    with transaction.atomic():
        publish(ProbeHappened(count=2, label="two"))
    assert seen == [ProbeHappened(count=2, label="two")]


def test_an_unknown_event_name_is_rejected():
    with pytest.raises(EventError, match="Unknown event 'deal.teleported'"):
        subscribe("deal.teleported", print)
    with pytest.raises(EventError, match="lower case"):
        event("Deal Submitted")


def test_an_event_nobody_declared_cannot_be_published():
    class Undeclared(Event):
        pass

    with pytest.raises(EventError, match="declared event"):
        publish(Undeclared())


def test_a_name_declared_by_two_classes_is_an_error():
    with pytest.raises(EventError, match="declared twice"):

        @event("deal.submitted")
        class AnotherSubmitted(Event):
            pass


def test_payloads_are_typed_and_frozen():
    with pytest.raises(TypeError, match="count must be <class 'int'>, not str"):
        ProbeHappened(count="1", label="one")
    with pytest.raises(TypeError, match="note"):
        ProbeHappened(count=1, label="one", note=3)
    with pytest.raises(TypeError, match="items"):
        ProbeHappened(count=1, label="one", items=(1, "2"))
    with pytest.raises(TypeError):
        ProbeHappened(1, "one")  # keyword-only
    with pytest.raises(TypeError):
        DealStatusChanged(deal=object(), actor=None, old="draft", new="submitted")
    probe = ProbeHappened(count=1, label="one", note=None, items=(1, 2))
    with pytest.raises(AttributeError):
        probe.count = 2


def test_the_catalogue_lists_every_apps_events_with_their_descriptions():
    catalogue = events.catalogue()
    for name in ("deal.submitted", "deal.status_changed", "lead.routed", "lead.accepted", "lead.converted"):
        assert catalogue[name].name == name
        assert catalogue[name].description
    assert catalogue["deal.submitted"] is DealSubmitted


@pytest.mark.django_db
def test_subscribing_twice_runs_the_handler_once(subscribed):
    seen = []
    subscribed("probe.happened", seen.append)
    subscribed(ProbeHappened, seen.append)
    with transaction.atomic():
        publish(ProbeHappened(count=1, label="one"))
    assert seen == [ProbeHappened(count=1, label="one")]


def test_a_subscriber_runs_in_the_publishing_transaction_and_sees_its_writes(channel, subscribed):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router, quantity=2, submit=False)
    seen = []

    def look(event):
        seen.append((event.deal.pk, event.actor, event.resubmitted, events._in_transaction("default")))
        # The submission is written and not yet committed: the subscriber reads it in the same transaction.
        assert DealRegistration.objects.get(pk=event.deal.pk).status == DealRegistration.Status.SUBMITTED

    subscribed("deal.submitted", look)
    deal_services.deal_submit(actor=channel.initech_rep, deal=deal)
    assert seen == [(deal.pk, channel.initech_rep, False, True)]


def test_a_failing_subscriber_rolls_the_services_write_back(channel, subscribed):
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router, quantity=2, submit=False)
    notifications_before = Notification.objects.count()

    def refuse(event):
        raise RuntimeError("the subscriber failed")

    subscribed("deal.status_changed", refuse)
    with pytest.raises(RuntimeError, match="the subscriber failed"):
        deal_services.deal_submit(actor=channel.initech_rep, deal=deal)
    deal.refresh_from_db()
    assert deal.status == DealRegistration.Status.DRAFT
    assert deal.submitted_at is None
    assert not DealEvent.objects.filter(deal=deal, kind=DealEvent.Kind.SUBMITTED).exists()
    assert Notification.objects.count() == notifications_before


def test_deal_status_changes_are_published_with_old_and_new(channel, subscribed):
    seen = []
    subscribed("deal.status_changed", lambda e: seen.append((e.old, e.new, e.actor)))
    deal = f.deal(channel.initech_rep, channel.initech, channel.acme, channel.acme_router, quantity=2)
    deal_services.deal_request_info(actor=channel.acme_manager, deal=deal, question="Which sites?")
    deal_services.deal_submit(actor=channel.initech_rep, deal=deal)
    deal_services.deal_reject(actor=channel.acme_manager, deal=deal, reason="Not a new customer.")
    assert seen == [
        ("draft", "submitted", channel.initech_rep),
        ("submitted", "info_requested", channel.acme_manager),
        ("info_requested", "submitted", channel.initech_rep),
        ("submitted", "rejected", channel.acme_manager),
    ]
