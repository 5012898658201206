"""The badges of a registration: the vendor's answer (status) and the partner's pipeline stage, the same words on
every side (a conflict is never a status). Tags rather than included templates: a list shows fifty of each."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def deal_status(deal):
    return format_html(
        '<span class="badge deal-status deal-status-{}">{}</span>', deal.status, deal.get_status_display()
    )


@register.simple_tag
def deal_stage(deal):
    return format_html('<span class="badge deal-stage deal-stage-{}">{}</span>', deal.stage, deal.get_stage_display())
