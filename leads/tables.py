"""The lead list of each side, declared once (``core.lists``): a partner's inbox, a vendor's sent leads, a
distributor's view of its resellers' leads."""

from django.utils.html import format_html
from django.utils.timesince import timeuntil

from core.lists import Column, ListPage, day
from leads.models import Lead
from leads.templatetags.lead_tags import lead_status
from vendors.models import Organization

Kind = Organization.Kind
Status = Lead.Status


def _lead(lead):
    return format_html(
        '<a href="{}">{}</a><div class="muted"><span class="mono">{}</span> · {}</div>',
        lead.url,
        lead.company,
        lead.reference,
        lead.contact_name,
    )


def _vendor(lead):
    if lead.source == Lead.Source.PARTNER:
        return format_html('{}<div class="muted">{}</div>', lead.vendor.name, "your own lead")
    return lead.vendor.name


def _partner(lead):
    return lead.partner.name if lead.partner else format_html('<span class="muted">{}</span>', "nobody yet")


def _where(lead):
    return format_html(
        "{}{}{}",
        lead.country,
        f" · {lead.region}" if lead.region else "",
        format_html(' <span class="muted">{}</span>', lead.postcode) if lead.postcode else "",
    )


def _status(lead):
    """The badge and, for a lead on offer, its deadline (``lead.overdue`` and ``lead.now`` come from the view)."""
    html = lead_status(lead)
    if lead.status != Status.OFFERED or not lead.accept_by:
        return html
    if lead.overdue:
        return html + format_html('<div class="muted lead-deadline">{}</div>', "deadline passed")
    return html + format_html(
        '<div class="muted lead-deadline">accept by <time datetime="{}">{}</time> ({})</div>',
        day(lead.accept_by, "c"),
        day(lead.accept_by, "j M, H:i"),
        timeuntil(lead.accept_by, lead.now),
    )


def _rep(lead):
    return lead.assigned_to.display_name if lead.assigned_to and lead.assigned_to.display_name else "—"


def _received(lead):
    return format_html('<time datetime="{}">{}</time>', day(lead.created_at, "c"), day(lead.created_at))


def columns(kind) -> list[Column]:
    rows = [Column("Lead", "company", cell=_lead)]
    if kind != Kind.VENDOR:
        rows.append(Column("Vendor", "vendor.name", cell=_vendor))
    if kind != Kind.PARTNER:
        rows.append(Column("Partner", lambda lead: lead.partner.name if lead.partner else "", cell=_partner))
    rows += [
        Column("Where", "country", cell=_where),
        Column("Status", lambda lead: lead.get_status_display(), cell=_status),
    ]
    if kind == Kind.PARTNER:
        rows.append(Column("Rep", _rep))
    else:
        rows.append(Column("Received", "created_at", cell=_received))
    return rows


LISTS = {
    kind: ListPage(
        id="lead-results",
        caption="Leads",
        noun="lead",
        css="lead-table",
        columns=columns(kind),
        row_url="leads:detail",
        row_class=lambda lead: "lead-overdue" if lead.overdue else "",
    )
    for kind in (Kind.PARTNER, Kind.VENDOR, Kind.DISTRIBUTOR)
}
