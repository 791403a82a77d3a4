"""Checking a file against its layout, then the row-wise plan and write.

`RowReader` turns a table into rows of canonical cells, recording every cell error; the common
case (a well-formed row) is recognised by one combined regular expression, so only rows with
something to say go through the per-cell rules. `run_rows` resolves codes, finds duplicate keys,
compares with what is stored and writes in batches: the path for SQLite and for the kinds the
COPY fast path does not take.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kam.imports.columns import COMMA, CellError, Date, Number
from kam.imports.layouts import Layout
from kam.imports.reading import CellProblem, FileRejected, Table
from kam.imports.report import ImportReport

if TYPE_CHECKING:
    from kam.imports.kinds import Kind

BATCH = 2000
PROGRESS_EVERY = 4096
REQUIRED = "Required: this cell may not be blank."


def normalise_name(name: str) -> str:
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def column_order(header: list[str], layout: Layout) -> list[int] | None:
    """Where each layout column sits in the file (None when in layout order); the header must
    hold exactly the layout's columns, once each."""
    names = [normalise_name(name) for name in header]
    expected = layout.names
    counts = Counter(names)
    duplicates = sorted(name for name, count in counts.items() if name and count > 1)
    missing = [name for name in expected if name not in names]
    extra = [
        name or f"(blank, column {index + 1})"
        for index, name in enumerate(names)
        if name not in expected
    ]
    problems = []
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    if extra:
        problems.append(f"unexpected column{'s' if len(extra) > 1 else ''}: {_some(extra)}")
    if duplicates:
        problems.append(f"repeated column{'s' if len(duplicates) > 1 else ''}: {_some(duplicates)}")
    if problems:
        raise FileRejected(
            f"The header does not match the {layout.label.lower()} layout ({'; '.join(problems)}). "
            f"It must have exactly these columns, in any order: {', '.join(expected)}.",
            row=1,
        )
    order = [names.index(name) for name in expected]
    return None if order == list(range(len(order))) else order


NAMES_SHOWN = 10
NAME_SHOWN = 60


def _some(names: list[str]) -> str:
    """The first few of `names`, each cut to a readable length: a header may be anything."""
    shown = [name if len(name) <= NAME_SHOWN else name[: NAME_SHOWN - 1] + "…" for name in names]
    if len(shown) > NAMES_SHOWN:
        return ", ".join(shown[:NAMES_SHOWN]) + f" and {len(shown) - NAMES_SHOWN} more"
    return ", ".join(shown)


class RowReader:
    """The data rows of a table as (row number, ok, cells): cells are canonical strings in layout
    order, None for a cell that has an error (already in the report). Blank rows are skipped."""

    def __init__(
        self,
        table: Table,
        layout: Layout,
        report: ImportReport,
        progress: Callable[[float], None] | None = None,
    ) -> None:
        self.table = table
        self.layout = layout
        self.report = report
        self.progress = progress
        self.order = column_order(table.header, layout)
        self.width = len(table.header)
        self.data_rows = 0
        patterns = [column.type.pattern(table.convention) for column in layout.columns]
        self.fast = None
        if all(pattern is not None for pattern in patterns):
            self.fast = re.compile(
                "\x1f".join(
                    f"(?:{pattern})" if column.required else f"(?:{pattern})?"
                    for column, pattern in zip(layout.columns, patterns, strict=True)
                )
            )
        self.date_columns = [
            index for index, column in enumerate(layout.columns) if isinstance(column.type, Date)
        ]
        # The fast pattern takes a semicolon file's decimal commas; canonical numbers have points.
        self.comma_columns = (
            [
                index
                for index, column in enumerate(layout.columns)
                if isinstance(column.type, Number)
            ]
            if table.convention == COMMA
            else []
        )
        self.dates: dict[str, str | None] = {}

    def __iter__(self) -> Iterator[tuple[int, bool, list[str | None]]]:
        fast, order, width, report = self.fast, self.order, self.width, self.report
        for number, cells in self.table.records:
            if number % PROGRESS_EVERY == 0 and self.progress is not None:
                self.progress(self.table.fraction_done())
            if len(cells) != width:
                if not any(cell.strip() for cell in cells):
                    continue
                self.data_rows += 1
                report.add_error(
                    number,
                    -1,
                    "",
                    "",
                    f"This row has {len(cells)} values; the header has {width} columns.",
                )
                continue
            if order is not None:
                cells = [cells[index] for index in order]
            if problems := self.table.problems.get(number):
                self.data_rows += 1
                yield number, *self._clean(number, [cell.strip() for cell in cells], problems)
                continue
            if (
                fast is not None
                and fast.fullmatch("\x1f".join(cells))
                and self._canonical_ok(cells)
            ):
                self.data_rows += 1
                yield number, True, cells
                continue
            stripped = [cell.strip() for cell in cells]
            if not any(stripped):
                continue
            self.data_rows += 1
            yield number, *self._clean(number, stripped)
        if self.data_rows == 0:
            raise FileRejected("The file has a header row but no data rows.")

    def _position(self, file_column: int) -> int:
        """Where the file's column `file_column` (from 0) sits in the layout."""
        return file_column if self.order is None else self.order.index(file_column)

    def _canonical_ok(self, cells: list[str]) -> bool:
        """Check the calendar of date cells (the pattern only checked their shape), writing
        them as ISO dates, and write decimal commas as points. Few distinct dates fill a file,
        so each is parsed once."""
        for index in self.comma_columns:
            cells[index] = cells[index].replace(",", ".")
        for index in self.date_columns:
            value = cells[index]
            if not value:
                continue
            try:
                iso = self.dates[value]
            except KeyError:
                try:
                    iso = Date().clean(value, self.table.convention)
                except CellError:
                    iso = None
                self.dates[value] = iso
            if iso is None:
                return False
            cells[index] = iso
        return True

    def _clean(
        self, number: int, stripped: list[str], problems: Sequence[CellProblem] = ()
    ) -> tuple[bool, list[str | None]]:
        ok = True
        cells: list[str | None] = []
        convention = self.table.convention
        unreadable = {self._position(problem.column): problem for problem in problems}
        for position, (column, value) in enumerate(zip(self.layout.columns, stripped, strict=True)):
            if problem := unreadable.get(position):
                self.report.add_error(number, position, column.name, problem.value, problem.message)
                ok = False
                cells.append(None)
                continue
            if not value:
                if column.required:
                    self.report.add_error(number, position, column.name, "", REQUIRED)
                    ok = False
                    cells.append(None)
                else:
                    cells.append("")
                continue
            try:
                cells.append(column.type.clean(value, convention))
            except CellError as error:
                self.report.add_error(number, position, column.name, value, error.message)
                ok = False
                cells.append(None)
        return ok, cells


@dataclass
class Row:
    """A data row on its way in: `values` are Python values (None: the cell has an error),
    `refs` the ids its codes resolved to, `ok` False once any error is found."""

    number: int
    ok: bool
    values: dict[str, Any]
    refs: dict[str, int] = field(default_factory=dict)
    key: tuple | None = None
    # The optional columns left blank; an update keeps their stored values unless the import
    # was asked to let blank cells clear fields (keeps_blanks False).
    blanks: frozenset[str] = frozenset()
    keeps_blanks: bool = True


@dataclass(frozen=True)
class WriteContext:
    actor: Any
    file_name: str
    now: dt.datetime
    # False (the default): a blank optional cell keeps the stored value of an updated row, so
    # a partial file never wipes data; True: the file is the whole truth and blanks clear.
    blank_clears: bool = False

    @property
    def reason(self) -> str:
        return f"Imported from {self.file_name}"[:100]


def to_values(layout: Layout, cells: list[str | None]) -> dict[str, Any]:
    values = {}
    for column, cell in zip(layout.columns, cells, strict=True):
        if cell is None:
            values[column.name] = None
        elif cell == "":
            values[column.name] = column.type.blank()
        else:
            values[column.name] = column.type.to_python(cell)
    return values


def blank_columns(layout: Layout, cells: list[str | None]) -> frozenset[str]:
    """The optional columns a row leaves blank."""
    return frozenset(
        column.name for column, cell in zip(layout.columns, cells, strict=True) if cell == ""
    )


def add_duplicate(report: ImportReport, kind: Kind, number: int, key: tuple, first: int) -> None:
    layout = kind.layout
    report.add_error(
        number,
        layout.position(layout.key[0]),
        ", ".join(layout.key),
        kind.key_value(key),
        kind.duplicate_message(first),
    )


def run_rows(
    kind: Kind,
    reader: RowReader,
    report: ImportReport,
    *,
    write: bool,
    context: WriteContext,
) -> None:
    """Check codes and duplicate keys, plan each row (create, update or unchanged) against what
    is stored, and, when `write` and no error has been found yet, write batch by batch; the
    caller's transaction is rolled back if a later batch finds an error."""
    layout = kind.layout
    seen: dict[tuple, int] = {}
    state: dict[str, Any] = {}
    codes: dict[str, dict[Any, int | None]] = {ref.column: {} for ref in kind.references}
    for batch in itertools.batched(reader, BATCH):
        rows = [
            Row(
                number,
                ok,
                to_values(layout, cells),
                blanks=blank_columns(layout, cells),
                keeps_blanks=not context.blank_clears,
            )
            for number, ok, cells in batch
        ]
        for row in rows:
            for column, message in kind.check_row(row.values):
                report.add_error(
                    row.number, layout.position(column), column, row.values[column], message
                )
                row.ok = False
        for ref in kind.references:
            known = codes[ref.column]
            wanted = {row.values[ref.column] for row in rows if row.values[ref.column]}
            if missing := wanted - known.keys():
                found = ref.lookup(missing)
                known.update({code: found.get(code) for code in missing})
            for row in rows:
                code = row.values[ref.column]
                if not code:
                    continue
                if (pk := known[code]) is None:
                    report.add_error(
                        row.number, layout.position(ref.column), ref.column, code, ref.message
                    )
                    row.ok = False
                else:
                    row.refs[ref.column] = pk
        for row in rows:
            row.key = kind.key(row.values)
            if row.key is None:
                continue
            first = seen.setdefault(row.key, row.number)
            if first != row.number:
                add_duplicate(report, kind, row.number, row.key, first)
                row.ok = False
        good = [row for row in rows if row.ok]
        creates, updates = kind.plan(good, report, state)
        good = [row for row in good if row.ok]
        report.created += len(creates)
        report.updated += len(updates)
        report.unchanged += len(good) - len(creates) - len(updates)
        if write and report.ok:
            kind.write(creates, updates, context)
    kind.finish(report, state, write=write and report.ok, context=context)
