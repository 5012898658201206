"""The notification inbox, declared once (``core.lists``): each notification is rendered in Python, the same
way in the list and when marking it read or unread swaps it in place."""

from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.timesince import timesince

from core.lists import ListPage, day

PAGE_SIZE = 25


def _url_template(route: str) -> str:
    return reverse(route, kwargs={"pk": 1_000_000_007}).replace("1000000007", "{}")


def receipt_html(receipt, *, csrf_token: str, next_url: str) -> str:
    """One notification of the inbox (``receipt.open_url`` and ``receipt.read_url`` set by ``with_urls``)."""
    n = receipt.notification
    unread = not receipt.read_at
    meta = format_html(
        '{}{}<time datetime="{}">{} ago</time>',
        format_html('<span class="badge badge-info">{}</span> ', "New") if unread else "",
        format_html("<span>{}</span> · ", n.vendor.name) if n.vendor_id else "",
        day(n.created_at, "c"),
        timesince(n.created_at),
    )
    body = format_html('<p class="notification-body">{}</p>', Truncator(n.body).chars(240)) if n.body else ""
    if unread:
        button = format_html(
            '<input type="hidden" name="read" value="1">'
            '<button class="btn btn-small" type="submit" aria-label="Mark read: {}">Mark read</button>',
            n.title,
        )
    else:
        button = format_html(
            '<input type="hidden" name="read" value="0">'
            '<button class="btn btn-small btn-link" type="submit" aria-label="Mark unread: {}">Mark unread</button>',
            n.title,
        )
    return format_html(
        '<li id="receipt-{pk}" class="notification{unread}">'
        '<div class="notification-main"><p class="notification-meta">{meta}</p>'
        '<a class="notification-title" href="{open}">{title}</a>{body}</div>'
        '<form class="notification-actions" method="post" action="{read}" hx-post="{read}" '
        'hx-target="#receipt-{pk}" hx-swap="outerHTML">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
        '<input type="hidden" name="next" value="{next}">{button}</form></li>',
        pk=receipt.pk,
        unread=" notification-unread" if unread else "",
        meta=meta,
        open=receipt.open_url,
        title=n.title,
        body=body,
        read=receipt.read_url,
        csrf=csrf_token,
        next=next_url,
        button=button,
    )


def with_urls(receipts) -> list:
    """Each receipt with the addresses its item links to, reversed once for the page."""
    receipts = list(receipts)
    opened, read = _url_template("notifications:open"), _url_template("notifications:read")
    for receipt in receipts:
        receipt.open_url, receipt.read_url = opened.format(receipt.pk), read.format(receipt.pk)
    return receipts


def prepare(receipts, *, csrf_token: str, next_url: str) -> None:
    """The HTML of each notification of a page (``receipt.html``, what the list shows)."""
    for receipt in with_urls(receipts):
        receipt.html = receipt_html(receipt, csrf_token=csrf_token, next_url=next_url)


INBOX = ListPage(
    id="notification-results",
    caption="Notifications",
    noun="notification",
    row=lambda receipt: receipt.html,
    page_size=PAGE_SIZE,
)
