"""The deal registration list of each side, declared once for the page and its CSV export (``core.lists``).

The table and the CSV show the same registrations with the same words; the table puts a few values together in
one cell (the title over the reference, the customer over its domain). A partner's columns never name a
conflict, on the page or in the file.
"""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html

from core.lists import Column, ListPage, day
from deals.models import DealRegistration
from deals.templatetags.deal_tags import deal_stage, deal_status
from vendors.models import Organization
from vendors.money import quantize

Kind = Organization.Kind
Status = DealRegistration.Status


def _deal(deal):
    return format_html('<a href="{}">{}</a><div class="muted mono">{}</div>', deal.url, deal.title, deal.reference)


def _partner(deal):
    """On the vendor's side with the partner's tier and distributor (``deals.selectors.with_channel_names``)."""
    tier = f"{deal.tier_name} tier" if deal.tier_name else "No tier"
    via = f" · via {deal.distributor_name}" if deal.distributor_name else ""
    return format_html('{}<div class="muted">{}{}</div>', deal.partner.name, tier, via)


def _customer(deal):
    if not deal.customer_domain:
        return deal.customer_name
    return format_html('{}<div class="muted">{}</div>', deal.customer_name, deal.customer_domain)


def _status(deal, *, conflicts: bool):
    html = deal_status(deal)
    if conflicts and deal.has_conflict:
        html += format_html(' <span class="badge badge-danger deal-conflict">{}</span>', "Conflict")
    if deal.status == Status.APPROVED and deal.expires_on:
        html += format_html('<div class="muted deal-protected">until {}</div>', day(deal.expires_on))
    return html


def _value(deal):
    amount = intcomma(quantize(deal.amount, deal.currency))
    return format_html('{} {}<div class="muted">closes {}</div>', amount, deal.currency, day(deal.expected_close_date))


def _protected_until(deal):
    return deal.expires_on if deal.status == Status.APPROVED else None


def columns(kind) -> list[Column]:
    """The columns of the side ``kind``: the table's and the CSV's, in the CSV's order."""
    vendor_side = kind == Kind.VENDOR
    rows = [
        Column("Deal", cell=_deal, export=False),
        Column("Reference", "reference", table=False),
        Column("Vendor", "vendor.name", table=not vendor_side),
    ]
    if kind != Kind.PARTNER:
        rows.append(Column("Partner", "partner.name", cell=_partner if vendor_side else None))
    if vendor_side:
        rows += [
            Column("Tier", lambda d: d.partnership.tier.name if d.partnership.tier_id else "", table=False),
            Column("Distributor", lambda d: d.distributor.name if d.distributor_id else "", table=False),
        ]
    rows += [
        Column("Title", "title", table=False),
        Column("Customer", "customer_name", cell=_customer),
        Column("Domain", "customer_domain", table=False),
        Column("Country", "customer_country", table=False),
        Column("Status", lambda d: d.get_status_display(), cell=lambda d: _status(d, conflicts=vendor_side)),
        Column("Stage", lambda d: d.get_stage_display(), cell=deal_stage),
        Column(
            "Value",
            cell=_value,
            header=format_html('{} <span class="muted">· close date</span>', "Value"),
            css="num",
            export=False,
        ),
        Column("Amount", lambda d: quantize(d.amount, d.currency), table=False),
        Column("Currency", "currency", table=False),
        Column("Expected close date", "expected_close_date", table=False),
        Column("Protected until", _protected_until, table=False),
    ]
    if vendor_side:
        rows.append(Column("Conflict", lambda d: "yes" if d.has_conflict else "", table=False))
    return rows


LISTS = {
    kind: ListPage(
        id="deal-results",
        caption="Deal registrations",
        noun="registration",
        css="deal-table",
        columns=columns(kind),
        row_url="deals:detail",
    )
    for kind in (Kind.PARTNER, Kind.VENDOR, Kind.DISTRIBUTOR)
}
