"""The inbox, the bell and the console's alerts page run a fixed number of queries, whatever the number of
notifications (measured with one and with thirty, which is more than a page of the inbox)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import services as notifications
from tests import factories as f
from tests.portal.helpers import client_for
from vendors import services
from vendors.models import Membership

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}

# Five queries come before a page's own reads: the session, the user, and the person's groups, organizations
# and memberships (middleware and access helper). Then, per page:
# inbox (whole, filtered or the htmx results): the vendors of the filter, the count, the unread count, the page
#   of rows with their notification, vendor and actor;
# bell: the unread count; alerts: the rows by type.
MAX_QUERIES = {"inbox": 9, "inbox_filtered": 9, "inbox_htmx": 9, "bell": 6, "alerts": 6}


def count_queries(client, url, **headers) -> int:
    client.get(url, **headers)  # the first request of a process reads permission ids once; measure the next
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


@pytest.fixture
def world(db):
    """One vendor, a partner it approved (one notification for the partner's admin, one alert sent)."""
    vendor = f.vendor("Acme Networks")
    manager = f.member(vendor, Membership.Role.MANAGER)
    partner = f.partner("Initech Solutions")
    admin = f.admin_of(partner)
    partnership = f.partnership(vendor, partner, f.TierFactory(vendor=vendor, name="Gold"))
    return {"vendor": vendor, "manager": manager, "partner": partner, "admin": admin, "partnership": partnership}


def grow(world, n: int) -> None:
    """``n`` more notifications for the partner's admin, from several vendors and of several types, some read."""
    vendors = [world["vendor"], f.vendor(), f.vendor()]
    for i in range(n):
        vendor = vendors[i % 3]
        notification = notifications.notify(
            kind=("partnership.tier_changed", "partnership.suspended")[i % 2],
            organization=world["partner"],
            vendor=vendor,
            actor=f.admin_of(vendor),
            title=f"{vendor.name} update {i}",
        )
        if i % 4 == 0:
            receipt = notification.receipts.get(user=world["admin"])
            notifications.receipt_mark_read(user=world["admin"], receipt=receipt)
    # Other partners of the vendor, so the alerts page has more recipients and opens to count.
    for _ in range(3):
        other = f.partner()
        f.partnership(world["vendor"], other)
        services.partnership_suspend(
            actor=world["manager"], partnership=world["vendor"].partnerships_as_vendor.get(partner=other)
        )


def urls(world) -> dict[str, tuple[str, dict]]:
    inbox = reverse("notifications:inbox")
    return {
        "inbox": (inbox, {}),
        "inbox_filtered": (f"{inbox}?vendor={world['vendor'].pk}&unread=on&page=1", {}),
        "inbox_htmx": (f"{inbox}?page=1", HTMX),
        "bell": (reverse("notifications:bell"), HTMX),
        "alerts": (reverse("console:alerts"), {}),
    }


@pytest.mark.parametrize("name", list(MAX_QUERIES))
def test_pages_run_the_same_queries_with_one_or_thirty_notifications(
    client, world, django_assert_max_num_queries, name
):
    person = world["manager"] if name == "alerts" else world["admin"]
    client_for(client, person)
    url, headers = urls(world)[name]
    one = count_queries(client, url, **headers)
    with django_assert_max_num_queries(MAX_QUERIES[name]):
        client.get(url, **headers)

    grow(world, 29)
    thirty = count_queries(client, url, **headers)
    with django_assert_max_num_queries(MAX_QUERIES[name]):
        client.get(url, **headers)
    assert thirty == one


def test_the_bell_with_nothing_unread_runs_no_more_queries(client, world, django_assert_max_num_queries):
    client_for(client, world["admin"])
    notifications.receipts_mark_all_read(user=world["admin"], organization=world["partner"])
    with django_assert_max_num_queries(MAX_QUERIES["bell"]):
        client.get(reverse("notifications:bell"), **HTMX)
