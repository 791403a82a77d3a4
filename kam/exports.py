"""Any list as a CSV or XLSX download: `export_response(rows, columns, filename, fmt)`.

Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
carriage return) are neutralised with a leading single quote (OWASP "CSV injection"); numbers,
dates and booleans stay typed, so a negative amount is still a number. CSV streams (UTF-8 with
a BOM so spreadsheet programmes detect the encoding); XLSX is written by openpyxl's write-only
mode to a spooled temporary file, formatted for people: a bold, frozen header row with an
autofilter, columns as wide as their first rows need, numbers with thousands separators and
their decimals, dates and times in the app's format (3 Dec 2026, 3 Dec 2026 15:31).
Choice codes are never written: a list's column gives the label (`kam.listing.choice_column`,
`label_of`).

Usage from a list view (rows may be dicts, e.g. `queryset.values(...)`, or objects):

    columns = [("ERP code", "erp_code"), ("Name", "name"), ("KAM", lambda row: str(row.kam))]
    return export_response(filterset.qs.iterator(), columns, "accounts", request.GET["export"])
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.http import FileResponse, Http404, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import get_valid_filename

FORMATS = ("csv", "xlsx")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Characters XML 1.0 cannot hold; openpyxl refuses them.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
SPOOL_BYTES = 8 * 1024 * 1024
# XLSX: the rows read to size the columns, and the widths allowed (in characters).
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 8, 60
# Excel's number formats for the app's date and date-time formats (kam/formats/en/formats.py).
XLSX_DATE = "d mmm yyyy"
XLSX_DATETIME = "d mmm yyyy hh:mm"
XLSX_INTEGER = "0"

Accessor = str | Callable[[Any], Any]
Columns = Sequence[tuple[str, Accessor]]


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would evaluate, made inert by a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell(row: Any, accessor: Accessor) -> Any:
    """A row's value: a function of the row, or a key/attribute path ("kam.username")."""
    if callable(accessor):
        return accessor(row)
    value = row
    for part in accessor.split("."):
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
        if value is None:
            return None
    return value


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(neutralise(value)) if isinstance(value, str) else str(value)


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.make_naive(value)  # Excel has no time zones: local time
    if isinstance(value, str):
        return XML_ILLEGAL.sub("", neutralise(value))
    if isinstance(value, bool | int | float | Decimal | dt.date | dt.time) or value is None:
        return value
    return neutralise(str(value))


def xlsx_number_format(value: Any) -> str | None:
    """The Excel format of a typed value: grouped numbers with their decimals, the app's dates."""
    if isinstance(value, bool):
        return None
    if isinstance(value, dt.datetime):
        return XLSX_DATETIME
    if isinstance(value, dt.date):
        return XLSX_DATE
    if isinstance(value, int):
        return XLSX_INTEGER
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        places = min(-exponent, 4) if isinstance(exponent, int) and exponent < 0 else 0
        return "#,##0" + ("." + "0" * places if places else "")
    if isinstance(value, float):
        return "#,##0.00"
    return None


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 17
    if isinstance(value, dt.date):
        return 11
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return len(f"{value:,}") + 1
    return max((len(line) for line in str(value).splitlines()), default=0)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


class _Echo:
    """A file-like object whose write returns the line, for csv.writer into a stream."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[Any], columns: Columns) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([neutralise(header) for header, _ in columns])
    for row in rows:
        yield writer.writerow([_csv_text(cell(row, accessor)) for _, accessor in columns])


def _filename(filename: str, fmt: str) -> str:
    stem = get_valid_filename(filename) or "export"
    return f"{stem}-{timezone.localdate().isoformat()}.{fmt}"


def export_response(
    rows: Iterable[Any], columns: Columns, filename: str, fmt: str
) -> HttpResponseBase:
    """A download of `rows` with `columns` ((header, accessor) pairs) as CSV or XLSX; the file
    is named `<filename>-<today>.<fmt>`. An unknown format is a 404, like an unknown page."""
    if fmt not in FORMATS:
        raise Http404(f"Unknown export format {fmt!r}.")
    name = _filename(filename, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(
            _csv_lines(rows, columns), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(get_valid_filename(filename) or "export")[:31])
    headers = [_xlsx_value(header) for header, _ in columns]
    rows = iter(rows)
    sample = [
        [_xlsx_value(cell(row, accessor)) for _, accessor in columns]
        for row in itertools.islice(rows, WIDTH_SAMPLE_ROWS)
    ]
    # Widths and the frozen header are written before the rows (write-only mode).
    for index, header in enumerate(headers, start=1):
        widest = max([_width(header) + 2, *(_width(values[index - 1]) for values in sample)])
        sheet.column_dimensions[_column_letter(index)].width = max(
            MIN_WIDTH, min(MAX_WIDTH, widest + 1)
        )
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def typed(value: Any) -> Any:
        number_format = xlsx_number_format(value)
        if number_format is None:
            return value
        typed_cell = WriteOnlyCell(sheet, value=value)
        typed_cell.number_format = number_format
        return typed_cell

    header_cells = []
    for header in headers:
        header_cell = WriteOnlyCell(sheet, value=header)
        header_cell.font = bold
        header_cells.append(header_cell)
    sheet.append(header_cells)
    count = 0
    for values in itertools.chain(
        sample,
        ([_xlsx_value(cell(row, accessor)) for _, accessor in columns] for row in rows),
    ):
        sheet.append([typed(value) for value in values])
        count += 1
    if columns:
        sheet.auto_filter.ref = f"A1:{_column_letter(len(columns))}{count + 1}"
    # FileResponse closes the file once it is sent: no context manager here.
    output = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    workbook.save(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=name, content_type=XLSX_TYPE)
