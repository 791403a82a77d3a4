"""How KAM shows numbers: money with two decimals, grouping and the reporting currency."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from kam.widgets import options_markup

register = template.Library()

NOT_AVAILABLE = "\u2014"  # an em dash for "no value"
CENTS = Decimal("0.01")


def grouped(value: Any, places: int = 2) -> str:
    """A number rounded half up (Django's formatting would truncate) and grouped by thousands."""
    if value is None or value == "":
        return NOT_AVAILABLE
    exponent = Decimal(1).scaleb(-places)
    rounded = Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP)
    return number_format(rounded, decimal_pos=places, force_grouping=True)


@register.simple_tag
def options(objects: Any, selected_pk: Any) -> str:
    """`{% options kams kam_id %}`: an <option> per instance, the selected one marked."""
    return options_markup(objects, selected_pk)


@register.simple_tag(takes_context=True)
def money(context: template.Context, value: Any) -> str:
    """`{% money amount %}` -> "1,234,567.89 EUR", in the currency of the page's context."""
    if value is None or value == "":
        return NOT_AVAILABLE
    return f"{grouped(value)} {context.get('KAM_CURRENCY', '')}".strip()


@register.filter
def decimal(value: Any, places: int = 2) -> str:
    """`{{ score|decimal }}` -> "72.50"; `{{ pct|decimal:1 }}` -> "12.3"."""
    return grouped(value, int(places))


@register.filter
def compact(value: Any) -> str:
    """A measured quantity without trailing zeros: Decimal("98.000") -> "98", 98.500 -> "98.5"."""
    if value is None or value == "":
        return NOT_AVAILABLE
    return f"{Decimal(str(value)).normalize():f}"


# Badges drawn in every row of the long lists: written in Python, not one template include
# each (an include costs about a tenth of a millisecond; a list of 50 rows draws 150 of them).

NOT_COMPUTED = mark_safe('<span class="text-body-secondary">not yet computed</span>')
HEALTH_CLASSES = {"red": "text-bg-danger", "amber": "text-bg-warning"}


@register.simple_tag
def status_badge(status: str, label: str) -> str:
    """`{% status_badge account.status account.get_status_display %}`."""
    return format_html('<span class="badge status-{}">{}</span>', status, label)


@register.simple_tag
def health_badge(score: Any, band: str | None) -> str:
    """`{% health_badge score band %}`: "72.50 amber" coloured by its band, or not computed."""
    if not band:
        return NOT_COMPUTED
    return format_html(
        '<span class="badge health-{} {}">{} {}</span>',
        band,
        HEALTH_CLASSES.get(band, "text-bg-success"),
        grouped(score),
        band,
    )


@register.simple_tag
def share_of_wallet(score: Any) -> str:
    """`{% share_of_wallet score %}`: the run's share of wallet, a data-quality flag when the
    category spend is below our revenue, or "not known"."""
    if _field(score, "spend_below_revenue"):
        return mark_safe(
            '<span class="badge text-bg-warning text-wrap" data-testid="spend-below-revenue">'
            "Category spend below our revenue: update it</span>"
        )
    pct = _field(score, "share_of_wallet_pct")
    return f"{grouped(pct)} %" if pct is not None else "not known"


def _field(row: Any, name: str) -> Any:
    """A row's value as a template reads it: a dictionary's key or an object's attribute."""
    return row.get(name) if isinstance(row, dict) else getattr(row, name, None)


# json_script's escapes, applied with str.replace: Django's json_script maps every character
# of the document through str.translate, 10-15 ms for the dashboard's charts payload.
JSON_SCRIPT_ESCAPES = (("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"))


@register.filter
def json_data(value: Any, element_id: str) -> str:
    """Django's `json_script` (the same markup and escapes) for a large payload."""
    text = json.dumps(value, cls=DjangoJSONEncoder)
    for character, escaped in JSON_SCRIPT_ESCAPES:
        text = text.replace(character, escaped)
    return format_html(
        '<script id="{}" type="application/json">{}</script>', element_id, mark_safe(text)
    )


# A primary key no row has, reversed in its place (urls_by_pk).
PK_MARKER = "2147483647"


def urls_by_pk(name: str) -> Callable[[int], str]:
    """`reverse(name, args=[pk])` for the many rows of a list or grid: the pattern is reversed
    once with a marker in the pk's place (a reverse per row cost as much as the rest of the
    row)."""
    prefix, suffix = reverse(name, args=[int(PK_MARKER)]).split(PK_MARKER)
    return lambda pk: f"{prefix}{pk}{suffix}"
