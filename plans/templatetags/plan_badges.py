"""The badges and small drawings of plans and commitments, written in Python: the plans list
and the commitments board draw them in every row, and a template include each costs about a
tenth of a millisecond (a board of 50 rows drew 200 of them).

`{% plan_status plan %}`, `{% commitment_badge commitment %}`,
`{% commitment_target commitment %}` ("by 31 Dec 2026", "≥ 98 %", "≤ 4 h") and
`{% sparkline line.sparkline %}` (plans.selectors' Sparkline, or a dash without a trend).
Every value is escaped by format_html.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import date
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from kam.templatetags.kam_format import compact

register = template.Library()

NO_TREND = mark_safe('<span class="text-body-secondary" aria-label="No trend">—</span>')


def _status(kind: str, record: Any, extra: str = "") -> SafeString:
    """A record's status as a badge: `<kind>-<status>`, its label."""
    return format_html(
        '<span class="badge {}-{}"{}>{}</span>',
        kind,
        record.status,
        mark_safe(extra),
        record.get_status_display(),
    )


@register.simple_tag
def plan_status(plan: Any) -> SafeString:
    return _status("plan", plan, ' data-testid="plan-status"')


@register.simple_tag
def commitment_badge(commitment: Any) -> SafeString:
    return _status("commitment", commitment)


@register.simple_tag
def commitment_target(commitment: Any) -> SafeString:
    if commitment.comparison == "due":
        return format_html("by {}", date(commitment.due_date))
    sign = "≥" if commitment.comparison == "gte" else "≤"
    unit = f" {commitment.unit}" if commitment.unit else ""
    return format_html("{} {}{}", sign, compact(commitment.target_value), unit)


@register.simple_tag
def sparkline(line: Any) -> SafeString:
    if not line:
        return NO_TREND
    return format_html(
        '<svg class="sparkline" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
        'aria-label="{label}" focusable="false"><title>{label}</title>'
        '<line x1="0" x2="{w}" y1="{ty}" y2="{ty}" stroke="#868e96" stroke-width="1" '
        'stroke-dasharray="2 2"/><polyline fill="none" stroke="currentColor" '
        'stroke-width="1.5" stroke-linejoin="round" points="{points}"/>'
        '<circle cx="{lx}" cy="{ly}" r="2" fill="currentColor"/></svg>',
        w=line.width,
        h=line.height,
        label=line.label,
        ty=line.target_y,
        points=line.points,
        lx=line.last_x,
        ly=line.last_y,
    )
