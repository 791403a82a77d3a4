"""How KAM shows scoring values in templates."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.models import Quadrant
from kam.templatetags.kam_format import NOT_COMPUTED, grouped

register = template.Library()


@register.filter
def quadrant_label(value: str | None) -> str:
    """The label of a quadrant value annotated onto a row ("star" -> "Star")."""
    return Quadrant(value).label if value else ""


@register.simple_tag
def quadrant_badge(quadrant: str | None) -> str:
    """`{% quadrant_badge row.quadrant %}`: the quadrant's badge, or not computed (written in
    Python: every row of the account and scores lists draws one)."""
    if not quadrant:
        return NOT_COMPUTED
    return format_html(
        '<span class="badge quadrant-{}">{}</span>', quadrant, quadrant_label(quadrant)
    )


@register.simple_tag
def preview_rows(rows: list, limit: int) -> str:
    """The what-if's rows (scoring.workbench.PreviewRow, the first `limit`): account, rank
    now, new rank, new score and why, written in Python (two lists of 100 rows took 40 ms
    through the template engine)."""
    listed = rows[:limit]
    if not listed:
        return mark_safe('<tr><td colspan="5">None.</td></tr>')
    return mark_safe(
        "".join(
            format_html(
                '<tr><th scope="row" class="fw-normal wrap-narrow"><a href="{}">{}</a></th>'
                '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
                '<td class="small wrap-narrow" data-testid="why">{}</td></tr>',
                reverse("portfolio:designate", args=[row.account_id]),
                row.name,
                row.old_rank,
                row.new_rank,
                grouped(row.new_score),
                "; ".join(driver.text for driver in row.drivers),
            )
            for row in listed
        )
    )


@register.simple_tag
def kam_load_rows(loads: list) -> str:
    """The dashboard's accounts per KAM (scoring.portfolio.tiles.KamLoad): a row each, an
    overloaded KAM marked, written in Python (hundreds of KAMs at 50,000 accounts)."""
    if not loads:
        return mark_safe('<tr><td colspan="3">No account has a KAM.</td></tr>')
    return mark_safe(
        "".join(
            format_html(
                '<tr{}><th scope="row" class="fw-normal">{}</th><td class="num">{}</td>'
                '<td class="num">{}</td></tr>',
                mark_safe(' class="table-warning"') if load.overloaded else "",
                load.name,
                load.key_accounts,
                grouped(load.accounts, 0),
            )
            for load in loads
        )
    )


@register.simple_tag
def warning_items(warnings: list) -> str:
    """A warning group's listed warnings as <li>s, each linking to its account if it has one
    (the dashboard lists up to a hundred)."""
    return mark_safe(
        "".join(
            format_html(
                '<li><a href="{}">{}</a></li>',
                reverse("accounts:detail", args=[warning.account_id]),
                warning.message,
            )
            if warning.account_id
            else format_html("<li>{}</li>", warning.message)
            for warning in warnings
        )
    )
