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
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

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
    lines = _utf8_lines(raw)
    header_line = next(lines, None)
    if header_line is None or not header_line.strip():
        if not any(line.strip() for line in lines):
            raise FileRejected("The file is empty.")
        raise FileRejected("Row 1 is blank: the first row must be the header.", row=1)
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    convention = COMMA if delimiter == ";" else POINT
    header = next(csv.reader([header_line], delimiter=delimiter, strict=True))
    reader = csv.reader(lines, delimiter=delimiter, strict=True)

    def records() -> Iterator[tuple[int, list[str]]]:
        row = 1
        try:
            for row, cells in enumerate(reader, start=2):
                yield row, cells
        except csv.Error as error:
            raise FileRejected(
                f"Row {row + 1} is not valid CSV ({error}). Check its quotes.", row=row + 1
            ) from None

    return Table(header, convention, records(), lambda: raw.tell() / size)


def _utf8_lines(raw: BinaryIO) -> Iterator[str]:
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
        # The stored dimension is only a hint some writers get wrong; trusting it would cut rows.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
    if first is None or not any(_cell_text(value).strip() for value in first):
        workbook.close()
        raise FileRejected("The file is empty.")
    header = [_cell_text(value) for value in first]
    while header and not header[-1].strip():
        header.pop()
    width = len(header)
    position = {"row": 1}

    def records() -> Iterator[tuple[int, list[str]]]:
        try:
            with _unreadable_as_not_xlsx():
                for row, values in enumerate(rows, start=2):
                    position["row"] = row
                    cells = [_cell_text(value) for value in values]
                    if len(cells) > width and not any(cell.strip() for cell in cells[width:]):
                        del cells[width:]
                    elif len(cells) < width:
                        cells.extend([""] * (width - len(cells)))
                    yield row, cells
        finally:
            workbook.close()

    return Table(
        header, POINT, records(), lambda: min(position["row"] / total, 1.0) if total else 0.0
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


def estimate_rows(source: Source) -> int:
    """About how many data rows the file holds, without parsing it: line breaks in a CSV, the
    stored dimension of an XLSX sheet. 0 when the file will be refused anyway."""
    if size_problem(source.size) or extension_of(source.name) not in EXTENSIONS:
        return 0
    with source.opener() as raw:
        if extension_of(source.name) == ".csv":
            breaks = sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(MB), b""))
            return max(breaks - 1, 0)
        from openpyxl import load_workbook

        try:
            check_xlsx_zip(raw)
            with _unreadable_as_not_xlsx():
                workbook = load_workbook(raw, read_only=True, data_only=True)
                rows = workbook.worksheets[0].max_row or 1
                workbook.close()
        except FileRejected:
            return 0
        return max(rows - 1, 0)
