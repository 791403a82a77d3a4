"""How KAM shows scoring values in templates."""

from __future__ import annotations

from django import template

from accounts.models import Quadrant

register = template.Library()


@register.filter
def quadrant_label(value: str | None) -> str:
    """The label of a quadrant value annotated onto a row ("star" -> "Star")."""
    return Quadrant(value).label if value else ""
