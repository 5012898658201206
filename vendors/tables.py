"""The channel's lists, declared once (``core.lists``): the vendor console's partners and a distributor's
resellers."""

from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from core.lists import Column, ListPage, day, substitute
from vendors import forms

DASH = "—"


def partnership_status(partnership):
    """The status badge of a partnership (``includes/status_badge.html``, without a template per row)."""
    return format_html('<span class="badge badge-{}">{}</span>', partnership.status, partnership.get_status_display())


def _muted(text):
    return format_html('<span class="muted">{}</span>', text)


def _partner(partnership):
    return format_html('<a href="{}">{}</a>', partnership.url, partnership.partner.name)


def _distributor(partnership):
    return partnership.distributor.name if partnership.distributor_id else _muted("Direct")


def _since(partnership):
    if partnership.started_at:
        return day(partnership.started_at)
    return _muted(f"Applied {day(partnership.applied_at)}")


PARTNERS = ListPage(
    id="partner-results",
    caption="Partners",
    noun="partner",
    columns=[
        Column("Partner", "partner.name", cell=_partner),
        Column("Country", lambda p: p.partner.country or DASH),
        Column("Tier", lambda p: p.tier.name if p.tier_id else DASH),
        Column("Status", lambda p: p.get_status_display(), cell=partnership_status),
        Column("Distributor", lambda p: p.distributor.name if p.distributor_id else "", cell=_distributor),
        Column("Since", lambda p: p.started_at or p.applied_at, cell=_since),
    ],
    row_url="console:partner_detail",
)


RESELLERS = ListPage(
    id="reseller-results",
    caption="Resellers",
    noun="reseller",
    columns=[
        Column("Reseller", "partner.name"),
        Column("Country", lambda p: p.partner.country or DASH),
        Column(
            "Tier",
            lambda p: p.tier.name if p.tier_id else "",
            cell=lambda p: p.tier.name if p.tier_id else _muted(DASH),
        ),
        Column("Status", lambda p: p.get_status_display(), cell=partnership_status),
        Column("Since", lambda p: p.started_at or p.applied_at),
    ],
)


# --- applications: cards with the forms to approve or decline ----------------------------------------------------

SENTINEL = "1000000007"  # the pk in the forms rendered once a page, replaced by each application's


def application_forms(*, tiers, distributors, next_url: str, csrf_token: str) -> dict:
    """The approve and decline forms of an application, rendered once for the page with ``SENTINEL`` as the
    partnership's id (fifty applications, three fields each, were 150 field templates)."""
    approve = forms.ApproveForm(tiers=tiers, distributors=distributors, auto_id=f"id_approve_%s_{SENTINEL}")
    decline = forms.DeclineForm(auto_id=f"id_decline_%s_{SENTINEL}")

    def field(bound):
        return render_to_string("includes/field.html", {"field": bound})

    return {
        "hidden": format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}"><input type="hidden" name="next" value="{}">',
            csrf_token,
            next_url,
        ),
        "tier": field(approve["tier"]),
        "distributor": field(approve["distributor"]) if len(distributors) else "",
        "reason": field(decline["reason"]),
        "approve": reverse("console:partnership_approve", kwargs={"pk": int(SENTINEL)}),
        "decline": reverse("console:partnership_decline", kwargs={"pk": int(SENTINEL)}),
    }


def _application(p):
    """One application as a card; ``p.forms`` is ``application_forms`` (``None``: the person may not decide)."""
    facts = format_html(
        "Applied {}{}{}",
        day(p.applied_at),
        f" · {p.partner.country}" if p.partner.country else "",
        f" · through {p.distributor.name}" if p.distributor_id else "",
    )
    card = format_html(
        '<li class="card" aria-labelledby="application-{pk}"><div class="card-header">'
        '<span class="vendor-logo" aria-hidden="true">{initials}</span><div>'
        '<h2 id="application-{pk}"><a href="{url}">{name}</a></h2><p class="muted">{facts}</p></div></div>'
        '<dl class="console-facts"><div><dt>Region</dt><dd>{region}</dd></div>'
        "<div><dt>Annual revenue</dt><dd>{revenue}</dd></div></dl>"
        '<blockquote class="console-message">{message}</blockquote>',
        pk=p.pk,
        initials=p.partner.initials,
        url=p.url,
        name=p.partner.name,
        facts=facts,
        region=p.application_region or DASH,
        revenue=p.application_annual_revenue or DASH,
        message=linebreaksbr(p.application_message, autoescape=True),
    )
    if p.forms is None:
        actions = format_html(
            '<p class="muted">{}</p>', "Only your organization's admins and managers approve or decline applications."
        )
        return format_html("{}{}</li>", card, actions)
    distributor = p.forms["distributor"]
    if distributor and p.distributor_id:  # the distributor the partner applied through, chosen already
        option = f'<option value="{p.distributor_id}">'
        distributor = substitute(distributor, option, format_html('<option value="{}" selected>', p.distributor_id))
    actions = format_html(
        '<div class="console-actions">'
        '<form method="post" action="{approve}" class="console-inline-form" aria-label="Approve {name}">'
        '{hidden}{tier}{distributor}<button class="btn btn-primary" type="submit">Approve</button></form>'
        '<form method="post" action="{decline}" class="console-inline-form" aria-label="Decline {name}">'
        '{hidden}{reason}<button class="btn btn-danger" type="submit">Decline</button></form></div>',
        approve=substitute(p.forms["approve"], SENTINEL, str(p.pk)),
        decline=substitute(p.forms["decline"], SENTINEL, str(p.pk)),
        name=p.partner.name,
        hidden=p.forms["hidden"],
        tier=substitute(p.forms["tier"], SENTINEL, str(p.pk)),
        distributor=substitute(distributor, SENTINEL, str(p.pk)),
        reason=substitute(p.forms["reason"], SENTINEL, str(p.pk)),
    )
    return format_html("{}{}</li>", card, actions)


APPLICATIONS = ListPage(
    id="application-results",
    caption="Applications",
    noun="application",
    columns=[
        Column("Partner", "partner.name"),
        Column("Applied", "applied_at"),
        Column("Country", "partner.country"),
        Column("Distributor", lambda p: p.distributor.name if p.distributor_id else ""),
        Column("Region", "application_region"),
        Column("Annual revenue", "application_annual_revenue"),
        Column("Message", "application_message"),
    ],
    row=_application,
    row_url="console:partner_detail",
)
