"""What the browser's filterable, sortable lists share (accounts, scores, actions): a filter form
styled for Bootstrap, a FilterSet base with a whitelist of orderings, and the sortable column
headers.

A list declares its orderings as {key: (label, expressions for ascending order)}; the "Sort by"
field offers each key ascending and descending ("-key"), anything else is a form error and the
default ordering applies. Rows without a value sort last either way, and the list's tie-breakers
(a name, then the primary key) follow, so pages never overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import django_filters
from django import forms
from django.db.models import Case, Choices, OrderBy, Q, QuerySet, Value, When

Orderings = dict[str, tuple[str, tuple[Any, ...]]]


def bootstrap(form: forms.Form) -> None:
    """Bootstrap classes on every widget, so templates render fields as they are."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select form-select-sm"
        else:
            css = "form-control form-control-sm"
        widget.attrs.setdefault("class", css)


class FilterForm(forms.Form):
    """A list's filter form, styled for Bootstrap."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)


def contains_any(queryset: QuerySet, value: str, fields: Sequence[str]) -> QuerySet:
    """A search box: rows where any of `fields` contains `value` (trimmed, any case); every row
    when it is blank."""
    value = value.strip()
    if not value:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": value})
    return queryset.filter(condition)


class AnyYesNoSelect(forms.NullBooleanSelect):
    """A yes/no filter that can also be left alone: "Any" instead of Django's "Unknown"."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("unknown", "Any"), ("true", "Yes"), ("false", "No")]


def declared_order(field: str, choices: type[Choices]) -> Case:
    """Sort a choice field in the order its choices are declared (a ladder), not A-Z."""
    return Case(
        *[When(**{field: choice.value}, then=Value(index)) for index, choice in enumerate(choices)]
    )


def ordering_choices(orderings: Orderings) -> list[tuple[str, str]]:
    return [
        (f"{prefix}{key}", f"{label}, {direction}")
        for key, (label, _) in orderings.items()
        for prefix, direction in (("", "ascending"), ("-", "descending"))
    ]


class SortableFilterSet(django_filters.FilterSet):
    """A FilterSet whose "ordering" field sorts by one of `orderings`, else by
    `default_ordering`; `tiebreak` (ascending expressions) ends every ORDER BY."""

    orderings: ClassVar[Orderings] = {}
    default_ordering: ClassVar[str] = ""
    tiebreak: ClassVar[tuple[OrderBy, ...]] = ()

    ordering = django_filters.ChoiceFilter(label="Sort by", method="order", empty_label=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["ordering"].extra["choices"] = ordering_choices(self.orderings)

    def order_expressions(self, ordering: str) -> list[OrderBy]:
        descending = ordering.startswith("-")
        _, expressions = self.orderings[ordering.removeprefix("-")]
        order = [
            expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
            for expression in expressions
        ]
        return [*order, *self.tiebreak]

    def order(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*self.order_expressions(value))

    @property
    def current_ordering(self) -> str:
        """The ordering the list is in: the valid submitted one, else the default."""
        cleaned = getattr(self.form, "cleaned_data", None) or {}
        return cleaned.get("ordering") or self.default_ordering

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = self.order(queryset, "ordering", self.default_ordering)
        return queryset


@dataclass(frozen=True)
class ColumnHeader:
    label: str
    key: str | None
    numeric: bool
    aria_sort: str | None  # "ascending" / "descending" on the sorted column only
    next_ordering: str | None  # the ordering a click on the header asks for


def column_headers(
    columns: Sequence[tuple[str, str | None]], current: str, *, numeric: set[str]
) -> list[ColumnHeader]:
    """Headers ((label, ordering key or None) pairs) with their sort state: a click on the
    sorted column reverses it; numeric columns first sort descending, because the biggest
    figures are what people look for."""
    headers = []
    for label, key in columns:
        is_numeric = key in numeric
        aria_sort = next_ordering = None
        if key is not None:
            if current == key:
                aria_sort, next_ordering = "ascending", f"-{key}"
            elif current == f"-{key}":
                aria_sort, next_ordering = "descending", key
            else:
                next_ordering = f"-{key}" if is_numeric else key
        headers.append(ColumnHeader(label, key, is_numeric, aria_sort, next_ordering))
    return headers
