"""Form widgets shared by the apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


class QuickSelect(forms.Select):
    """A single `<select>` written in Python instead of one template include per option.

    The same markup as `forms.Select` (attributes, `selected`, option groups, escaping), for
    filter dropdowns that can list hundreds of accounts or people: Django's per-option template
    rendering costs about a tenth of a millisecond per option, this a few microseconds.
    """

    def render(
        self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            html = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    ("" if option["value"] is None else option["value"],
                     mark_safe(" selected" if option["selected"] else ""),
                     option["label"])
                    for option in options
                ),
            )  # fmt: skip
            if group_name is not None:
                html = format_html('<optgroup label="{}">{}</optgroup>', group_name, html)
            groups.append(html)
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            mark_safe("".join(groups)),
        )
