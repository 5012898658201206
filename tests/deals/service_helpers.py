"""Shared by the deal service tests: files to attach, row counts, who was told, kept totals."""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core import tallies
from deals.models import (
    DealAttachment,
    DealComment,
    DealConflict,
    DealEvent,
    DealExtensionRequest,
    DealLine,
    DealRegistration,
)
from deals.tallies import DEAL_TOTALS
from notifications.models import Notification, Receipt
from tests import factories as f

COUNTED = (
    DealRegistration,
    DealLine,
    DealAttachment,
    DealEvent,
    DealComment,
    DealConflict,
    DealExtensionRequest,
    Notification,
    Receipt,
)


def today() -> date:
    return timezone.localdate()


def later(days: int = 30) -> date:
    return today() + timedelta(days=days)


def counts() -> dict[str, int]:
    """How many rows of everything a deal service may write."""
    return {model.__name__: model.objects.count() for model in COUNTED}


def told(kind: str, subject=None) -> set:
    """The people who got a notification of ``kind`` (about ``subject``)."""
    receipts = Receipt.objects.filter(notification__kind=kind)
    if subject is not None:
        receipts = receipts.filter(notification__subject_id=subject.pk)
    return {r.user for r in receipts.select_related("user")}


def fresh(deal: DealRegistration) -> DealRegistration:
    return DealRegistration.objects.get(pk=deal.pk)


def pdf(name: str = "quote.pdf", size: int = 64) -> SimpleUploadedFile:
    head = b"%PDF-1.4\n"
    return SimpleUploadedFile(name, head + b"x" * max(size - len(head), 0), content_type="application/pdf")


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def second_acme_partner(channel, name="Hooli Resellers"):
    """A third partner at Acme (Silver), with an admin: ``(organization, admin)``."""
    org = f.partner(name)
    admin = f.admin_of(org)
    f.partnership(channel.acme, org, channel.silver)
    return org, admin


def files_under(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def tallies_kept() -> dict:
    """``{(organization, status, currency): (count, amount)}`` as the services keep them (empty rows left out)."""
    return tallies.kept(DEAL_TOTALS)


def tallies_counted() -> dict:
    """The same, added up from the registrations themselves: what every vendor and distributor sees."""
    return tallies.counted(DEAL_TOTALS)
