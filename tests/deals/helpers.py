"""Shared helpers of the deal registration page tests."""

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from deals.models import DealAttachment, DealComment, DealEvent, DealLine, DealRegistration

HTMX = {"HTTP_HX_REQUEST": "true"}


def today():
    return timezone.localdate()


def written() -> dict:
    """Counts of the deal tables: a refused request leaves them as they were."""
    return {
        model.__name__: model.objects.count()
        for model in (DealRegistration, DealLine, DealEvent, DealComment, DealAttachment)
    }


def pdf(name="quote.pdf", size=100):
    content = b"%PDF-1.4\n% a quote\n" + b"0" * max(size - 19, 0)
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def create_form(channel, *, vendor=None, lines=((None, 10),), action="draft", **changes) -> dict:
    """A filled registration form for Initech with Acme (ten routers), as a browser posts it."""
    vendor = vendor or channel.acme
    data = {
        "vendor": str(vendor.pk),
        "title": "Hooli: 200 seats, EU rollout",
        "customer_name": "Hooli Inc.",
        "customer_website": "https://www.hooli.com/about",
        "customer_country": "us",
        "contact_name": "Gavin Belson",
        "contact_email": "gavin@hooli.com",
        "contact_phone": "+1 555 0100",
        "expected_close_date": (today() + timedelta(days=60)).isoformat(),
        "notes": "They compare three vendors.",
        "action": action,
    }
    data.update(line_data([(channel.acme_router.pk if p is None else p, q) for p, q in lines], blank=2))
    data.update(changes)
    return data


def line_data(lines, *, blank=0) -> dict:
    """The management form and lines of the product formset (``lines`` = [(product id, quantity)])."""
    data = {"lines-TOTAL_FORMS": str(len(lines) + blank), "lines-INITIAL_FORMS": "0"}
    for index, (product, quantity) in enumerate(lines):
        data[f"lines-{index}-product"] = "" if product is None else str(product)
        data[f"lines-{index}-quantity"] = "" if quantity is None else str(quantity)
    for index in range(len(lines), len(lines) + blank):
        data[f"lines-{index}-product"] = ""
        data[f"lines-{index}-quantity"] = ""
    return data


def edit_form(deal, **changes) -> dict:
    """The edit form of ``deal`` as the page shows it, with ``changes``."""
    deal.refresh_from_db()
    data = {
        "title": deal.title,
        "stage": deal.stage,
        "lost_reason": deal.lost_reason,
        "amount": str(deal.amount.quantize(Decimal("0.01"))),
        "expected_close_date": deal.expected_close_date.isoformat(),
        "contact_name": deal.contact_name,
        "contact_email": deal.contact_email,
        "contact_phone": deal.contact_phone,
        "notes": deal.notes,
    }
    if deal.status in ("draft", "info_requested"):
        data.update(
            customer_name=deal.customer_name,
            customer_website=deal.customer_website,
            customer_country=deal.customer_country,
        )
    data.update(line_data([(line.product_id, line.quantity) for line in deal.lines.all()]))
    data.update(changes)
    return data


def url(name, deal=None) -> str:
    return reverse(f"deals:{name}", args=[deal.pk] if deal is not None else [])
