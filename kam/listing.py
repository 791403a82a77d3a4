"""What the browser's lists share (accounts, scores, actions, the audit log, the commitments
board): a filter form styled for Bootstrap, a FilterSet base with a whitelist of orderings,
and `Table`, the one description of a list.

A `Table` is a sequence of `Column`s. Each column says once what the list does with it: its
header, its cell on the page (a template fragment drawn with `row` and the page's context), the
ordering key and expressions that sort by it, its value and header in the download, the field
the API's `ordering` sorts it by, and who may see it. From that one description come the page's
sortable headers and rows, the orderings the "Sort by" field accepts, the CSV/XLSX download and
the API's ordering fields; adding a column to a list is one `Column(...)`.

A long list chooses its columns: a column `shown_by_default=False` is on the page only when the
person asks for it with the list's "Columns" control (`includes/column_control.html`), and an
`always_shown` column (the row's name) cannot be hidden. The choice travels in the query string
(`columns=<slug>` for each column shown, with `columns_chosen=1`), so a link or a bookmark shows
what the person saw, and is kept in the session per list, so the list keeps it on the next
visit; `columns_reset` goes back to the defaults. The download always has every column.

A sortable column's key is offered ascending and descending ("-key"); anything else is a form
error and the default ordering applies. Rows without a value sort last either way, then the
table's tie-breakers and always the primary key, so every ordering is unique and pages never
overlap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import django_filters
from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Page
from django.db.models import Case, Choices, F, OrderBy, Q, QuerySet, Value, When
from django.http import HttpResponseBase
from django.template import engines
from django.template.base import Template
from django.utils.text import slugify

from kam.exports import Accessor, cell, export_response
from kam.exports import Columns as ExportColumns
from kam.widgets import QuickSelect

Orderings = dict[str, tuple[str, tuple[Any, ...]]]


def bootstrap(form: forms.Form) -> None:
    """Bootstrap classes on every widget, so templates render fields as they are; a plain
    `<select>` becomes a QuickSelect (the same markup, its options written without a template
    each: a filter of hundreds of KAMs, industries or regions)."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            quick = QuickSelect(attrs=widget.attrs, choices=widget.choices)
            quick.is_required = widget.is_required
            field.widget = widget = quick
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


@dataclass(frozen=True)
class Column:
    """One column of a list; a column may be on the page only (`cell`), in the download only
    (`export`), or both, in the order the table lists them.

    `cell` is the page's `<td>` (or `<th>`), a template fragment drawn in the page's context
    with the row as `row`. `key` makes the column sortable by `order_by` (ascending
    expressions; `F(key)` when omitted). `export` is the download's value (a key/attribute path
    or a function of the row, as `kam.exports.cell` reads it), under `export_label` when the
    download names it differently. `api` is the model field the API's `ordering` sorts the
    column by. `shown_to(user)` says who may see the column: on the page, in the download and
    as an ordering; None is everyone.
    """

    label: str
    cell: str = ""
    key: str | None = None
    order_by: tuple[Any, ...] = ()
    numeric: bool = False  # right-aligned; a first click on its header sorts descending
    header_hidden: bool = False  # a header for screen readers only (a column of buttons)
    export: Accessor | None = None
    export_label: str = ""
    api: str | None = None
    shown_to: Callable[[Any], bool] | None = None
    shown_by_default: bool = True  # on the page until the person chooses otherwise
    always_shown: bool = False  # on the page whatever the person chooses (the row's name)

    @property
    def ascending(self) -> tuple[Any, ...]:
        return self.order_by or (F(self.key),)

    @property
    def slug(self) -> str:
        """The column's name in the query string of the columns control."""
        return self.key or slugify(self.label)


def _related(row: Any, path: list[str]) -> Any:
    for part in path:
        row = getattr(row, part) if row is not None else None
    return row


def label_of(accessor: Accessor, choices: type[Choices]) -> Callable[[Any], str]:
    """A download value that names a choice by its label ("Streamline", not `streamline`):
    `accessor` reads the stored code of the row (blank when there is none)."""
    labels = dict(choices.choices)

    def label(row: Any) -> str:
        code = cell(row, accessor)
        return "" if code in (None, "") else str(labels.get(code, code))

    return label


def choice_column(label: str, field: str, choices: type[Choices], **kwargs: Any) -> Column:
    """A column of a choice field (`field` may follow relations: "account__status"): sorted in
    the order its choices are declared, named by its label in the download."""
    *path, name = field.split("__")

    def display(row: Any) -> Any:
        owner = _related(row, path)
        return getattr(owner, f"get_{name}_display")() if owner is not None else ""

    kwargs.setdefault("key", name)
    return Column(label, order_by=(declared_order(field, choices),), export=display, **kwargs)


def person_column(label: str, field: str, **kwargs: Any) -> Column:
    """A column of a person (`field` a foreign key to the user, may follow relations): sorted
    by last name, first name and username, named in the download (blank when nobody)."""

    def name(row: Any) -> str:
        person = _related(row, field.split("__"))
        return str(person) if person is not None else ""

    kwargs.setdefault("key", field.split("__")[-1])
    order_by = tuple(F(f"{field}__{part}") for part in ("last_name", "first_name", "username"))
    return Column(label, order_by=order_by, export=name, **kwargs)


class Table:
    """A list described once: its columns (page and download order alike), the ordering it
    starts in, its tie-breakers and the name of its download.

    Every ORDER BY the table makes ends with `tiebreak` (field names, ascending) and then the
    primary key, so no ordering has ties and no row shows on two pages or on none. The API
    lists that share the table take `api_ordering_fields`, which end with `id` for the same
    reason (kam.api's ordering filter adds the primary key after them).
    """

    def __init__(
        self,
        *columns: Column,
        filename: str,
        default_ordering: str = "",
        tiebreak: Sequence[str] = (),
        row_attrs: str = "",
    ) -> None:
        sortable = {column.key: column for column in columns if column.key}
        if len(sortable) != len([column for column in columns if column.key]):
            raise ImproperlyConfigured(f"Columns of the {filename} list share an ordering key.")
        if default_ordering and default_ordering.removeprefix("-") not in sortable:
            raise ImproperlyConfigured(f"{default_ordering!r} is no ordering of {filename}.")
        page_columns = [column for column in columns if column.cell]
        if len({column.slug for column in page_columns}) != len(page_columns):
            raise ImproperlyConfigured(f"Columns of the {filename} list share a name (slug).")
        if any(column.always_shown and not column.shown_by_default for column in columns):
            raise ImproperlyConfigured(f"An always shown column of {filename} is hidden at first.")
        self.columns = columns
        self._sortable = sortable
        self.filename = filename
        self.default_ordering = default_ordering
        self.tiebreak = (*(F(name).asc() for name in tiebreak if name != "pk"), F("pk").asc())
        self.row_attrs = row_attrs
        self.api_ordering_fields = (*(column.api for column in columns if column.api), "id")
        self._rows: dict[tuple[int, ...], Template] = {}  # by the ids of the columns shown

    def order_expressions(self, ordering: str) -> list[OrderBy]:
        """The ORDER BY of `ordering` ("key" or "-key", a KeyError for anything else): rows
        without a value last either way, then the tie-breakers."""
        descending = ordering.startswith("-")
        column = self._sortable[ordering.removeprefix("-")]
        order = [
            expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
            for expression in column.ascending
        ]
        return [*order, *self.tiebreak]

    def row_template(self, columns: tuple[Column, ...]) -> Template:
        """One row of `columns` on the page: their cells in a `<tr>`, compiled once per set of
        columns (one template per row renders as fast as a hand-written row template)."""
        key = tuple(id(column) for column in columns)
        if key not in self._rows:
            cells = "".join(f"\n  {column.cell}" for column in columns if column.cell)
            source = f"<tr{self.row_attrs}>{cells}\n</tr>\n"
            self._rows[key] = engines["django"].from_string(source).template
        return self._rows[key]

    def for_user(self, user: Any) -> BoundTable:
        """The columns `user` may see."""
        answers: dict[Callable[[Any], bool], bool] = {}

        def shown(column: Column) -> bool:
            if column.shown_to is None:
                return True
            if column.shown_to not in answers:
                answers[column.shown_to] = bool(column.shown_to(user))
            return answers[column.shown_to]

        return BoundTable(self, tuple(column for column in self.columns if shown(column)))


@dataclass(frozen=True)
class BoundTable:
    """A table as one user sees it: headers, cells, orderings and download. `chosen` holds the
    slugs of the page columns the person chose to see (None: each column's default); the
    download and the orderings keep every column the user may see."""

    table: Table
    columns: tuple[Column, ...]
    chosen: frozenset[str] | None = None

    def is_shown(self, column: Column) -> bool:
        """Whether `column` (one of the page's) is drawn on the page."""
        if column.always_shown:
            return True
        if self.chosen is None:
            return column.shown_by_default
        return column.slug in self.chosen

    @property
    def choosable(self) -> tuple[Column, ...]:
        """The columns the page can show, shown or not, in the table's order."""
        return tuple(column for column in self.columns if column.cell)

    @property
    def page_columns(self) -> tuple[Column, ...]:
        """The columns drawn on the page."""
        return tuple(column for column in self.choosable if self.is_shown(column))

    def choose(self, slugs: Iterable[str] | None) -> BoundTable:
        """The table with the page columns of `slugs` (names it does not have are ignored);
        None keeps each column's default."""
        if slugs is None:
            return replace(self, chosen=None)
        known = {column.slug for column in self.choosable}
        return replace(self, chosen=frozenset(slug for slug in slugs if slug in known))

    @property
    def orderings(self) -> Orderings:
        return {
            column.key: (column.label, column.ascending) for column in self.columns if column.key
        }

    def headers(self, current: str = "") -> list[ColumnHeader]:
        return column_headers(self.page_columns, current)

    @property
    def row(self) -> Template:
        """The template of a row on the page, given the row as `row`
        (`templates/includes/sorted_table.html`)."""
        return self.table.row_template(self.page_columns)

    @property
    def export_columns(self) -> list[tuple[str, Accessor]]:
        return [
            (column.export_label or column.label, column.export)
            for column in self.columns
            if column.export is not None
        ]

    def export(
        self, rows: Iterable[Any], fmt: str, *, extra: ExportColumns = ()
    ) -> HttpResponseBase:
        """`rows` as the table's CSV or XLSX download, `extra` columns last."""
        return export_response(rows, [*self.export_columns, *extra], self.table.filename, fmt)


class SortableFilterSet(django_filters.FilterSet):
    """A FilterSet whose "ordering" field sorts by one of the sortable columns of `table` the
    request's user may see, else by the table's default ordering. `self.bound_table` is the
    table as that user sees it."""

    table: ClassVar[Table]

    ordering = django_filters.ChoiceFilter(label="Sort by", method="order", empty_label=None)

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.bound_table = self.table.for_user(getattr(request, "user", None))
        self.filters["ordering"].extra["choices"] = ordering_choices(self.bound_table.orderings)

    def order(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*self.table.order_expressions(value))

    @property
    def current_ordering(self) -> str:
        """The ordering the list is in: the valid submitted one, else the default."""
        cleaned = getattr(self.form, "cleaned_data", None) or {}
        return cleaned.get("ordering") or self.table.default_ordering

    @property
    def headers(self) -> list[ColumnHeader]:
        """The page's column headers, with the sort state of the current ordering."""
        return self.bound_table.headers(self.current_ordering)

    def page_context(self, page: Page) -> dict[str, Any]:
        """What a list page's template needs of the list: the filters (`filter`), the page's
        rows (`page_obj`), the table they are drawn with (`includes/sorted_table.html`) in the
        columns the person chose, and the columns control (`columns`)."""
        table = self.bound_table.choose(chosen_columns(self.request, self.table))
        return {
            "filter": self,
            "page_obj": page,
            "table": table,
            "headers": table.headers(self.current_ordering),
            "columns": ColumnControl.of(table, self.request),
        }

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = self.order(queryset, "ordering", self.table.default_ordering)
        return queryset


# The query-string parameters of the columns control.
COLUMNS = "columns"  # one per column shown
COLUMNS_CHOSEN = "columns_chosen"  # present when the person chose (none checked is a choice)
COLUMNS_RESET = "columns_reset"  # back to the defaults
_CONTROL_PARAMETERS = frozenset({COLUMNS, COLUMNS_CHOSEN, COLUMNS_RESET, "page", "export"})


def _session_key(table: Table) -> str:
    return f"kam.listing.columns:{table.filename}"


def chosen_columns(request: Any, table: Table) -> list[str] | None:
    """The slugs of the page columns the person chose for `table`: from the query string (and
    then remembered in the session), else the session's, else None (the defaults)."""
    if request is None:
        return None
    session = getattr(request, "session", None)
    key = _session_key(table)
    query = request.GET
    if query.get(COLUMNS_RESET):
        if session is not None and key in session:
            del session[key]
        return None
    if query.get(COLUMNS_CHOSEN) or COLUMNS in query:
        slugs = sorted(set(query.getlist(COLUMNS)))
        if session is not None and session.get(key) != slugs:
            session[key] = slugs
        return slugs
    return session.get(key) if session is not None else None


@dataclass(frozen=True)
class ColumnOption:
    slug: str
    label: str
    shown: bool
    locked: bool  # always shown: the checkbox is checked and cannot be unchecked


@dataclass(frozen=True)
class ColumnControl:
    """The "Columns" control of a list page: a checkbox per page column and, as hidden fields,
    the rest of the query string (filters, ordering), which choosing columns keeps."""

    options: tuple[ColumnOption, ...]
    keep: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, table: BoundTable, request: Any) -> ColumnControl:
        options = tuple(
            ColumnOption(column.slug, column.label, table.is_shown(column), column.always_shown)
            for column in table.choosable
        )
        query = request.GET if request is not None else {}
        keep = tuple(
            (name, value)
            for name, values in (query.lists() if query else ())
            if name not in _CONTROL_PARAMETERS
            for value in values
        )
        return cls(options, keep)

    @property
    def shown(self) -> int:
        return sum(1 for option in self.options if option.shown)

    @property
    def total(self) -> int:
        return len(self.options)


@dataclass(frozen=True)
class ColumnHeader:
    label: str
    key: str | None
    numeric: bool
    aria_sort: str | None  # "ascending" / "descending" on the sorted column only
    next_ordering: str | None  # the ordering a click on the header asks for
    hidden: bool = False  # read by screen readers only


def column_headers(columns: Sequence[Column], current: str) -> list[ColumnHeader]:
    """The columns' headers with their sort state: a click on the sorted column reverses it;
    numeric columns first sort descending, because the biggest figures are what people look
    for."""
    headers = []
    for column in columns:
        key = column.key
        aria_sort = next_ordering = None
        if key is not None:
            if current == key:
                aria_sort, next_ordering = "ascending", f"-{key}"
            elif current == f"-{key}":
                aria_sort, next_ordering = "descending", key
            else:
                next_ordering = f"-{key}" if column.numeric else key
        headers.append(
            ColumnHeader(
                column.label, key, column.numeric, aria_sort, next_ordering, column.header_hidden
            )
        )
    return headers
