"""Reading an upload: size limit, CSV (UTF-8 with or without BOM, comma or semicolon) or XLSX
(checked as a zip before openpyxl sees it), header row, then records as lists of strings.

Nothing here knows the kinds: `open_table` gives a `Table` with the header, the decimal
convention and an iterator of (row number, cells); the engine checks them against a layout.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import ParseError, iterparse

from django.conf import settings

from kam.imports.columns import COMMA, POINT

ZIP_MAGIC = b"PK\x03\x04"
EXTENSIONS = (".csv", ".xlsx")
MB = 1024 * 1024
# Small members (styles, relationships) compress far better than data; only big ones count.
RATIO_CHECK_FROM_BYTES = MB


class FileRejected(Exception):
    """The file cannot be imported at all; the message says why and what to do."""

    def __init__(self, message: str, *, row: int | None = None, column: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Source:
    """A file to import: its name (the extension picks the format), size and a way to open it."""

    name: str
    size: int
    opener: Callable[[], BinaryIO]

    @classmethod
    def from_path(cls, path: str | os.PathLike) -> Source:
        path = Path(path)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise FileRejected(f"No such file: {path}.") from None
        return cls(path.name, size, lambda: path.open("rb"))

    @classmethod
    def from_bytes(cls, name: str, data: bytes) -> Source:
        return cls(name, len(data), lambda: io.BytesIO(data))


def size_problem(size: int) -> str | None:
    """Why a file of `size` bytes is refused (before reading it), or None."""
    limit = settings.KAM_IMPORT_MAX_BYTES
    if size > limit:
        return (
            f"The file is {_megabytes(size)}, larger than the {_megabytes(limit)} limit: "
            "split it into smaller files."
        )
    return None


def _megabytes(size: int) -> str:
    if size < MB:
        return f"{size} bytes"
    return f"{size / MB:.1f} MB"


def extension_of(name: str) -> str:
    return os.path.splitext(name)[1].lower()


@dataclass
class Table:
    header: list[str]
    convention: str
    records: Iterator[tuple[int, list[str]]]
    fraction_done: Callable[[], float]
    # Cells of the row just yielded that cannot be read as shown (by row number), and remarks
    # on the whole file once it is read: only XLSX has them.
    problems: dict[int, list[CellProblem]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@contextmanager
def open_table(source: Source) -> Iterator[Table]:
    """Open `source` for reading after the checks that need no parsing: size, extension, zip."""
    if problem := size_problem(source.size):
        raise FileRejected(problem)
    extension = extension_of(source.name)
    if extension not in EXTENSIONS:
        raise FileRejected(
            f"Unsupported file type {extension or '(none)'!r}: upload CSV (.csv) or Excel (.xlsx)."
        )
    if source.size == 0:
        raise FileRejected("The file is empty.")
    with source.opener() as raw:
        if extension == ".xlsx":
            yield _xlsx_table(raw)
        else:
            yield _csv_table(raw, source.size)


# CSV -----------------------------------------------------------------------------------------


def _csv_table(raw: BinaryIO, size: int) -> Table:
    start = raw.read(4)
    raw.seek(0)
    if start.startswith(ZIP_MAGIC):
        raise FileRejected(
            "This is an XLSX (zip) file, not CSV text: upload it with the .xlsx extension."
        )
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected(
            'The file is UTF-16 encoded, not UTF-8: save it as "CSV UTF-8" and upload it again.'
        )
    head = raw.read(64 * 1024)
    raw.seek(0)
    # Classic Mac files end lines with a carriage return alone; the others with \n or \r\n.
    lines = _utf8_lines(_cr_lines(raw) if b"\r" in head and b"\n" not in head else raw)
    header_line = next(lines, None)
    if header_line is None or not header_line.strip():
        if not any(line.strip() for line in lines):
            raise FileRejected("The file is empty.")
        raise FileRejected("Row 1 is blank: the first row must be the header.", row=1)
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    convention = COMMA if delimiter == ";" else POINT
    try:
        header = next(csv.reader([header_line], delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise _not_csv(1, error) from None
    reader = csv.reader(lines, delimiter=delimiter, strict=True)

    def records() -> Iterator[tuple[int, list[str]]]:
        row = 1
        try:
            for row, cells in enumerate(reader, start=2):
                yield row, cells
        except csv.Error as error:
            raise _not_csv(row + 1, error) from None

    return Table(header, convention, records(), lambda: raw.tell() / size)


def _not_csv(row: int, error: csv.Error) -> FileRejected:
    """The message for a row the csv module cannot read: a cell beyond its size limit, or
    quotes that do not close."""
    what = "the header" if row == 1 else f"row {row}"
    if "field larger than field limit" in str(error):
        return FileRejected(
            f"{what.capitalize()} has a cell longer than {csv.field_size_limit():,} characters: "
            "no value in any layout is that long. Check the file's quotes and delimiters.",
            row=row,
        )
    return FileRejected(
        f"{what.capitalize()} is not valid CSV ({error}). Check its quotes.", row=row
    )


def _cr_lines(raw: BinaryIO) -> Iterator[bytes]:
    """The lines of a file whose lines end with a carriage return alone, as lines ending with a
    newline, read in chunks."""
    rest = b""
    for chunk in iter(lambda: raw.read(MB), b""):
        *lines, rest = (rest + chunk).split(b"\r")
        for line in lines:
            yield line + b"\n"
    if rest:
        yield rest


def _utf8_lines(raw: Iterable[bytes]) -> Iterator[str]:
    """The file's lines decoded strictly as UTF-8 (a leading BOM dropped); a byte that is not
    UTF-8 stops the import with the line it is on, instead of importing mangled names."""
    for number, line in enumerate(raw, start=1):
        if number == 1 and line.startswith(codecs.BOM_UTF8):
            line = line[len(codecs.BOM_UTF8) :]
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as error:
            byte = line[error.start : error.start + 1].hex().upper()
            raise FileRejected(
                f"The file is not UTF-8 text: line {number} has the byte 0x{byte}, which is not "
                'UTF-8. Save the file as "CSV UTF-8" and upload it again.',
                row=number,
            ) from None


# XLSX ----------------------------------------------------------------------------------------

NOT_XLSX = "This is not an XLSX file (Excel 2007 or later). Save it as .xlsx or as CSV UTF-8."


def check_xlsx_zip(raw: BinaryIO) -> None:
    """Refuse anything openpyxl should not open: not a zip, not a workbook, or a zip bomb (a
    member or the whole archive unpacking to far more than its size)."""
    if raw.read(4) != ZIP_MAGIC:
        raise FileRejected(NOT_XLSX)
    raw.seek(0)
    try:
        with zipfile.ZipFile(raw) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileRejected(NOT_XLSX) from None
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise FileRejected(NOT_XLSX)
    unpacked = sum(member.file_size for member in members)
    limit = settings.KAM_IMPORT_XLSX_MAX_UNPACKED_BYTES
    if unpacked > limit:
        raise FileRejected(
            f"The XLSX file would unpack to {_megabytes(unpacked)}, more than the "
            f"{_megabytes(limit)} limit (a zip bomb, or far too big): nothing was imported."
        )
    max_ratio = settings.KAM_IMPORT_XLSX_MAX_RATIO
    for member in members:
        if member.file_size < RATIO_CHECK_FROM_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > max_ratio:
            raise FileRejected(
                f"The XLSX file is compressed {ratio:.0f} to 1 (limit {max_ratio} to 1), which "
                "is what a zip bomb looks like: nothing was imported. Save it again from your "
                "spreadsheet programme, or as CSV UTF-8."
            )
    raw.seek(0)


def _xlsx_table(raw: BinaryIO) -> Table:
    # openpyxl is imported here: most imports are CSV and it is slow to import.
    from openpyxl import load_workbook

    check_xlsx_zip(raw)
    with _unreadable_as_not_xlsx():
        workbook = load_workbook(raw, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        total = sheet.max_row or 0
        source = sheet._get_source()
        rows = _SheetRows(source, sheet)
        first = next(rows, None)
    if first is None or first[0] != 1 or not any(_cell_text(v).strip() for v in first[1]):
        source.close()
        workbook.close()
        if first is not None and first[0] != 1:
            raise FileRejected("Row 1 is blank: the first row must be the header.", row=1)
        raise FileRejected("The file is empty.")
    header = [_cell_text(value) for value in first[1]]
    while header and not header[-1].strip():
        header.pop()
    width = len(header)
    position = {"row": 1}
    problems: dict[int, list[CellProblem]] = {}

    def records() -> Iterator[tuple[int, list[str]]]:
        try:
            with _unreadable_as_not_xlsx():
                for row, values in rows:
                    position["row"] = row
                    cells = [_cell_text(value) for value in values[:width]]
                    if len(values) > width and any(_cell_text(v).strip() for v in values[width:]):
                        cells.extend(_cell_text(value) for value in values[width:])
                    elif len(cells) < width:
                        cells.extend([""] * (width - len(cells)))
                    if rows.formulas:
                        problems[row] = [p for p in rows.formulas if p.column < len(cells)]
                    yield row, cells
                    problems.pop(row, None)
        finally:
            source.close()
            workbook.close()

    return Table(
        header,
        POINT,
        records(),
        lambda: min(position["row"] / total, 1.0) if total else 0.0,
        problems=problems,
        notes=rows.notes,
    )


@dataclass(frozen=True)
class CellProblem:
    """A cell that cannot be read as it is shown: `column` counts from 0 in the file's order;
    `message` is None for a note (the cell was read, with a remark) rather than an error."""

    column: int
    value: str
    message: str | None


FORMULA_WITHOUT_VALUE = (
    "This cell holds a formula ({formula}) but no calculated value: open the file in a "
    "spreadsheet programme, let it calculate and save it again, or type the value."
)


class _SheetRows:
    """The first sheet's rows as (row number, values), read as a stream: memory does not grow
    with the rows read, rows without a value are skipped (a sheet may style millions of empty
    rows and declare any dimension), and formulas are told apart: a formula with a calculated
    value gives that value (and a note), one without is a `CellProblem` of the row, never a
    blank cell that would clear a field.

    openpyxl's own read-only rows keep a dict per styled row and every parsed element, so this
    drives openpyxl's cell parser (number formats, dates, shared strings) over `iterparse`."""

    def __init__(self, source: BinaryIO, sheet: object) -> None:
        from openpyxl.worksheet._reader import FORMULA_TAG, ROW_TAG, WorkSheetParser

        workbook = sheet.parent
        self.parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        self.formula_tag = FORMULA_TAG
        self.row_tag = ROW_TAG
        self.events = iterparse(source, events=("start", "end"))
        self.formulas: list[CellProblem] = []
        self.notes: list[str] = []
        self.cached = 0
        self.parent = None

    def __iter__(self) -> _SheetRows:
        return self

    def __next__(self) -> tuple[int, list[object]]:
        parser, row_tag = self.parser, self.row_tag
        for event, element in self.events:
            if event == "start":
                if self.parent is None and element.tag.endswith("}sheetData"):
                    self.parent = element
                continue
            if element.tag != row_tag:
                if element.tag.endswith("}sheetData"):
                    self._finish()
                continue
            number = self._row_number(element)
            # Only cells holding something are kept: a styled empty cell may sit in the sheet's
            # last column (16,384), and rows of such cells are what a hostile file holds.
            held: dict[int, object] = {}
            self.formulas = []
            for cell in element:
                parsed = parser.parse_cell(cell)
                column = parsed["column"] - 1
                value = parsed["value"]
                if cell.find(self.formula_tag) is not None:
                    formula = "=" + (cell.findtext(self.formula_tag) or "")
                    if value is None:
                        self.formulas.append(
                            CellProblem(
                                column, formula, FORMULA_WITHOUT_VALUE.format(formula=formula)
                            )
                        )
                        value = formula
                    else:
                        self.cached += 1
                if value is not None and value != "":
                    held[column] = value
            element.clear()
            if self.parent is not None:
                self.parent.clear()
            if held:
                values: list[object] = [None] * (max(held) + 1)
                for column, value in held.items():
                    values[column] = value
                return number, values
        self._finish()
        raise StopIteration

    def _row_number(self, element: object) -> int:
        parser = self.parser
        attribute = element.get("r")
        if attribute is None:
            parser.row_counter += 1
        else:
            try:
                parser.row_counter = int(attribute)
            except ValueError:
                raise FileRejected(NOT_XLSX) from None
        parser.col_counter = 0
        return parser.row_counter

    def _finish(self) -> None:
        if self.cached and not self.notes:
            self.notes.append(
                f"{self.cached} cell{'s' if self.cached != 1 else ''} held a formula: "
                "the value the spreadsheet last calculated was read."
            )


@contextmanager
def _unreadable_as_not_xlsx() -> Iterator[None]:
    """A zip that passed the checks but whose workbook openpyxl cannot parse is not XLSX."""
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        yield
    except (InvalidFileException, zipfile.BadZipFile, ParseError, KeyError, IndexError, ValueError):
        raise FileRejected(NOT_XLSX) from None


def _cell_text(value: object) -> str:
    """A cell as the text a CSV export would hold: numbers with a decimal point, dates ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def estimate_rows(source: Source, enough: int | None = None) -> int:
    """About how many data rows the file holds, without parsing it: line breaks in a CSV, row
    elements really in an XLSX sheet (never its declared dimension, which any writer may get
    wrong). Counting stops past `enough` (the caller only needs to know it is more). 0 when the
    file will be refused anyway."""
    if size_problem(source.size) or extension_of(source.name) not in EXTENSIONS:
        return 0
    with source.opener() as raw:
        if extension_of(source.name) == ".csv":
            newlines = returns = 0
            for chunk in iter(lambda: raw.read(MB), b""):
                newlines += chunk.count(b"\n")
                returns += chunk.count(b"\r")
            # Classic Mac files end lines with a carriage return alone.
            return max((newlines or returns) - 1, 0)
        from openpyxl import load_workbook

        try:
            check_xlsx_zip(raw)
            with _unreadable_as_not_xlsx():
                workbook = load_workbook(raw, read_only=True, data_only=True)
                with workbook.worksheets[0]._get_source() as sheet:
                    rows = _count_row_elements(sheet, enough)
                workbook.close()
        except FileRejected:
            return 0
        return max(rows - 1, 0)


ROW_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def _count_row_elements(sheet: BinaryIO, enough: int | None) -> int:
    """How many <row> elements the sheet's XML holds, read in chunks (an element cut by a chunk
    boundary is counted once), stopping once past `enough`."""
    count, tail = 0, b""
    for chunk in iter(lambda: sheet.read(MB), b""):
        data = tail + chunk
        matches = ROW_ELEMENT.findall(data)
        count += len(matches)
        # Keep the last bytes that might start an element the next chunk completes.
        cut = data.rfind(b"<", max(len(data) - 64, 0))
        tail = data[cut:] if cut >= 0 and not ROW_ELEMENT.match(data, cut) else b""
        if enough is not None and count > enough + 1:
            break
    return count
