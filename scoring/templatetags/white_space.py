"""The white-space map's grid, written in Python (`{% white_space_grid space can_add %}`).

A group's map is 50 members by 40 categories, about 2,000 cells of up to six figures, badges
and links each: through an `{% include %}` per cell the template engine took seconds for it,
so the table is written here, every text escaped, in the same markup the template had
(tests/whitespace check the figures and links in the HTML)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kam.templatetags.kam_format import NOT_AVAILABLE, grouped

register = template.Library()


EXPONENTS = {places: Decimal(1).scaleb(-places) for places in (0, 1, 2)}
Format = Callable[[Any, int], str]


def number_formatter() -> Format:
    """`kam_format.grouped` (rounded half up, grouped by thousands in the active locale's
    separators) for the grid's thousands of figures: Python's own grouping with the locale's
    separators read once, where the locale groups by three (Django's `number_format` per
    figure was most of a 50 x 40 map's time); `grouped` itself elsewhere."""
    if get_format("NUMBER_GROUPING") != 3:
        return grouped
    thousands, point = get_format("THOUSAND_SEPARATOR"), get_format("DECIMAL_SEPARATOR")
    table = str.maketrans({",": thousands, ".": point})
    translate = (thousands, point) != (",", ".")

    def fmt(value: Any, places: int) -> str:
        if value is None or value == "":
            return NOT_AVAILABLE
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        text = f"{value.quantize(EXPONENTS[places], rounding=ROUND_HALF_UP):,.{places}f}"
        return text.translate(table) if translate else text

    return fmt


def _figures(
    fmt: Format,
    revenue: Decimal,
    spend: Decimal | None,
    share: Decimal | None,
    headroom: Decimal | None,
    *,
    shown: bool,
    over: bool,
    white: bool = False,
    estimate: Any = None,
) -> str:
    """A cell's or a total's figures: our revenue, then (when `shown`) the estimate, the share
    and the headroom, or the data-quality badge; "no estimate" otherwise."""
    out = [f'<span class="d-block">{fmt(revenue, 0)}</span>']
    if not shown:
        out.append('<span class="d-block small text-body-secondary">no estimate</span>')
        return "".join(out)
    out.append(f'<span class="d-block small">of {fmt(spend, 0)}</span>')
    if over:
        out.append('<span class="badge text-bg-warning">estimate below our revenue</span>')
    elif share is not None:
        out.append(f'<span class="d-block small">{fmt(share, 1)}% · room {fmt(headroom, 0)}</span>')
    if white:
        out.append('<span class="badge text-bg-info">White space</span>')
    if estimate is not None and estimate.competitor:
        competitor = escape(estimate.competitor)
        if estimate.competitor_share_pct is not None:
            competitor += f" ({fmt(estimate.competitor_share_pct, 0)}%)"
        out.append(f'<span class="d-block small text-body-secondary">vs {competitor}</span>')
    return "".join(out)


def _totals(fmt: Format, totals: Any) -> str:
    return _figures(
        fmt,
        totals.revenue,
        totals.spend,
        totals.share_pct,
        totals.headroom,
        shown=totals.estimated,
        over=totals.over_estimate,
    )


@register.simple_tag
def white_space_grid(space: Any, can_add_opportunity: bool) -> SafeString:
    """The map's table: a row per account of the subtree (indented by depth, with its ERP code),
    a column per category, the row totals and, for a group, the column and group totals."""
    create = (
        reverse("plans:opportunity_create", args=[space.plan.pk])
        if can_add_opportunity and space.plan is not None
        else None
    )
    columns = [(escape(column.name), column.category_id) for column in space.columns]
    fmt = number_formatter()
    out = [
        '<table class="table table-sm align-top white-space-map" data-testid="white-space-map">',
        '<caption class="visually-hidden">Our revenue, the estimated spend, our share and the '
        "headroom per account and product category</caption>",
        '<thead><tr><th scope="col">Account</th>',
        *(f'<th scope="col" class="num">{name}</th>' for name, _ in columns),
        '<th scope="col" class="num">Total</th></tr></thead><tbody>',
    ]
    for row in space.rows:
        account = row.account
        name = escape(account.name)
        indent = f' style="padding-left: {row.depth}rem"' if row.depth else ""
        out.append(
            f'<tr><th scope="row" class="fw-normal ws-member"{indent} data-depth="{row.depth}">'
            f'<a href="{reverse("accounts:detail", args=[account.pk])}">{name}</a> '
            f'<span class="small text-body-secondary text-nowrap">{escape(account.erp_code)}'
            "</span>"
        )
        if space.is_group and not row.depth:
            out.append('<span class="d-block small text-body-secondary">own figures</span>')
        if row.entered_spend is not None:
            out.append(
                '<span class="d-block small text-body-secondary" data-testid="entered-spend">'
                "no category estimate: scored with the entered spend "
                f"{fmt(row.entered_spend, 0)}</span>"
            )
        out.append("</th>")
        for cell, (column_name, category_id) in zip(row.cells, columns, strict=True):
            white = cell.white_space
            out.append(
                f'<td class="num ws-{cell.share_class}{" ws-white" if white else ""}">'
                + _figures(
                    fmt,
                    cell.revenue,
                    cell.spend,
                    cell.share_pct,
                    cell.headroom,
                    shown=cell.spend is not None,
                    over=cell.over_estimate,
                    white=white,
                    estimate=cell.estimate,
                )
            )
            if cell.won_not_invoiced:
                out.append(
                    '<span class="d-block small" data-testid="won-not-invoiced">won, not yet '
                    f"invoiced: {fmt(cell.won_not_invoiced, 0)}</span>"
                )
            if create is not None and category_id:
                out.append(
                    f'<a class="d-block small" href="{create}?category={category_id}&amp;'
                    f'member={account.pk}">Add opportunity<span class="visually-hidden"> for '
                    f"{column_name} at {name}</span></a>"
                )
            out.append("</td>")
        out.append(f'<td class="num fw-semibold">{_totals(fmt, row.totals)}</td></tr>')
    out.append("</tbody>")
    if len(space.rows) > 1:
        label = "Group total" if space.is_group else "Total"
        out.append(f'<tfoot><tr><th scope="row">{label}</th>')
        out.extend(
            f'<td class="num fw-semibold">{_totals(fmt, totals)}</td>'
            for totals in space.column_totals
        )
        out.append(f'<td class="num fw-semibold">{_totals(fmt, space.total)}</td></tr></tfoot>')
    out.append("</table>")
    return mark_safe("".join(out))  # every text above is escaped
