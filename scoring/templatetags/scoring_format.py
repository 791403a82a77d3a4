"""How KAM shows scoring values in templates."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from accounts.models import Quadrant
from kam.templatetags.kam_format import NOT_COMPUTED

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
