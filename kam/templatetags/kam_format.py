"""How KAM shows numbers: money with two decimals, grouping and the reporting currency."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

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
