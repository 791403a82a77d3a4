"""The white-space map's grid, written in Python (`{% white_space_grid space can_add %}`).

A group's map is 50 members by 40 categories, about 2,000 cells of up to six figures, badges
and links each: through an `{% include %}` per cell the template engine took seconds for it,
so the table is written here, every text escaped, in the same markup the template had
(tests/whitespace check the figures and links in the HTML)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, getcontext
from typing import Any

from django import template
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kam.templatetags.kam_format import NOT_AVAILABLE, grouped, urls_by_pk

register = template.Library()


EXPONENTS = {places: Decimal(1).scaleb(-places) for places in (0, 1, 2)}
SPECS = {places: f",.{places}f" for places in (0, 1, 2)}
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
    # The current context (its precision and traps), rounding half up.
    context = getcontext().copy()
    context.rounding = ROUND_HALF_UP
    quantize = context.quantize

    def fmt(value: Any, places: int) -> str:
        # The class first: comparing a Decimal with "" goes through the numbers ABCs.
        if value.__class__ is not Decimal:
            if value is None or value == "":
                return NOT_AVAILABLE
            value = Decimal(str(value))
        text = format(quantize(value, EXPONENTS[places]), SPECS[places])
        return text.translate(table) if translate else text

    return fmt


NO_ESTIMATE = '<span class="d-block small text-body-secondary">no estimate</span>'
BELOW_REVENUE = '<span class="badge text-bg-warning">estimate below our revenue</span>'
WHITE_SPACE = '<span class="badge text-bg-info">White space</span>'


def _figures(
    fmt: Format,
    revenue: Decimal,
    spend: Decimal | None,
    share: Decimal | None,
    headroom: Decimal | None,
    over: bool,
    white: bool = False,
    estimate: Any = None,
) -> str:
    """A cell's or a total's figures: our revenue, then (with a `spend`) the estimate, the
    share and the headroom, or the data-quality badge; "no estimate" otherwise. Positional
    and concatenated: it runs once per cell."""
    out = f'<span class="d-block">{fmt(revenue, 0)}</span>'
    if spend is None:
        return out + NO_ESTIMATE
    out += f'<span class="d-block small">of {fmt(spend, 0)}</span>'
    if over:
        out += BELOW_REVENUE
    elif share is not None:
        out += f'<span class="d-block small">{fmt(share, 1)}% · room {fmt(headroom, 0)}</span>'
    if white:
        out += WHITE_SPACE
    if estimate is not None and estimate.competitor:
        competitor = escape(estimate.competitor)
        if estimate.competitor_share_pct is not None:
            competitor += f" ({fmt(estimate.competitor_share_pct, 0)}%)"
        out += f'<span class="d-block small text-body-secondary">vs {competitor}</span>'
    return out


def _totals(fmt: Format, totals: Any) -> str:
    return _figures(
        fmt,
        totals.revenue,
        totals.spend if totals.estimated else None,
        totals.share_pct,
        totals.headroom,
        totals.over_estimate,
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
    detail = urls_by_pk("accounts:detail")
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
            f'<a href="{detail(account.pk)}">{name}</a> '
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
                    cell.over_estimate,
                    white,
                    cell.estimate,
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
