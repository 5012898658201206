"""Template filters of the lead pages."""

from datetime import timedelta

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def timedelta_hours(value) -> str:
    """A duration as people say it: "45 min", "3 h 20 min", "2 days 4 h"."""
    if not isinstance(value, timedelta):
        return ""
    minutes = max(int(value.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{minutes} min"


STATUS_TONE = {"offered": "badge-warning", "converted": "badge-success", "disqualified": "badge-muted"}
STATUS_TONE["unassigned"] = "badge-muted"


@register.simple_tag
def lead_status(lead):
    """Where a lead stands, the same words for every side (a tag: a list shows fifty)."""
    tone = STATUS_TONE.get(lead.status, "badge-info")
    return format_html(
        '<span class="badge lead-status lead-status-{} {}">{}</span>', lead.status, tone, lead.get_status_display()
    )
