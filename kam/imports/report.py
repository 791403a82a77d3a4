"""What an import found and did: counts of rows to create, update and skip, and every error as
row, column, value and message. The browser, the command and the Celery task show the same report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from kam.formats import day

# Long values are cut in the report: the row number and column already point at the cell.
VALUE_SHOWN = 120
NOTES_SHOWN = 100
# Rows to create and to update listed with their values (the counts are always complete).
ROWS_SHOWN = 100
BLANK = "(blank)"


def shown(value: Any) -> str:
    """A value as the report lists it: dates in the app's format, blanks named."""
    if value is None or value == "":
        return BLANK
    if isinstance(value, dt.date):
        return day(value)
    text = storable(str(value))
    return text if len(text) <= VALUE_SHOWN else text[: VALUE_SHOWN - 1] + "…"


def storable(text: str) -> str:
    """`text` as every store takes it: PostgreSQL's jsonb and text refuse the NUL character, so a
    value quoting one shows it as the symbol for null (U+2400)."""
    return text.replace("\x00", "\u2400")


@dataclass(frozen=True, order=True)
class RowError:
    """One problem: `row` counts the header as row 1, as a spreadsheet shows it; None when the
    problem is the file itself (encoding, size, header)."""

    row: int
    position: int
    column: str = ""
    value: str = ""
    message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row or None,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


@dataclass
class ImportReport:
    kind: str
    file_name: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    committed: bool = False
    errors: list[RowError] = field(default_factory=list)
    # Remarks on how the file was read that are not errors (formulas read as their values).
    notes: list[str] = field(default_factory=list)
    note_count: int = 0
    # The first ROWS_SHOWN rows to create ({row, key, values: [[column, value]]}) and to update
    # ({row, key, changes: [[column, before, after]]}).
    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)

    @property
    def max_errors(self) -> int:
        return settings.KAM_IMPORT_MAX_REPORTED_ERRORS

    def add_error(self, row: int, position: int, column: str, value: Any, message: str) -> None:
        """Record a row's problem. Only the first `KAM_IMPORT_MAX_REPORTED_ERRORS` (by row and
        column) are kept, but every error is counted."""
        text = "" if value is None else str(value)
        if len(text) > VALUE_SHOWN:
            text = text[: VALUE_SHOWN - 1] + "…"
        self.error_count += 1
        self.errors.append(
            RowError(row, position, storable(column), storable(text), storable(message))
        )
        if len(self.errors) > 2 * self.max_errors:
            self._trim()

    def add_note(self, text: str) -> None:
        """Record a remark on a row that is not an error (which stored record it matched);
        only the first `NOTES_SHOWN` are kept, the rest counted."""
        self.note_count += 1
        if len(self.notes) < NOTES_SHOWN:
            self.notes.append(storable(text))
        elif len(self.notes) == NOTES_SHOWN:
            self.notes.append("")
        if self.note_count > NOTES_SHOWN:
            self.notes[NOTES_SHOWN] = f"… and {self.note_count - NOTES_SHOWN} more such rows."

    def add_create(self, row: int, key: str, values: list[tuple[str, Any]]) -> None:
        if len(self.creates) < ROWS_SHOWN:
            self.creates.append(
                {
                    "row": row,
                    "key": storable(key),
                    "values": [[column, shown(value)] for column, value in values],
                }
            )

    def add_update(self, row: int, key: str, changes: list[tuple[str, Any, Any]]) -> None:
        if len(self.updates) < ROWS_SHOWN:
            self.updates.append(
                {
                    "row": row,
                    "key": storable(key),
                    "changes": [
                        [column, shown(before), shown(after)] for column, before, after in changes
                    ],
                }
            )

    def reject_file(self, message: str, *, row: int | None = None, column: str = "") -> None:
        """The file itself is unusable: the report holds this one error and no counts, whatever
        rows were read before, so every path reports the same thing for the same file."""
        self.rows = self.created = self.updated = self.unchanged = 0
        self.errors = [RowError(row or 0, -1, storable(column), "", storable(message))]
        self.error_count = 1
        self.committed = False
        self.notes = []
        self.creates = []
        self.updates = []

    def _trim(self) -> None:
        self.errors.sort()
        del self.errors[self.max_errors :]

    def finish(self) -> ImportReport:
        self._trim()
        return self

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def hidden_errors(self) -> int:
        return self.error_count - len(self.errors)

    def summary(self) -> str:
        verb = "" if self.committed else "to be "
        line = (
            f"{self.rows} row{'s' if self.rows != 1 else ''}: {self.created} {verb}created, "
            f"{self.updated} {verb}updated, {self.unchanged} unchanged (skipped); "
            f"{self.error_count} error{'s' if self.error_count != 1 else ''}."
        )
        if self.committed:
            return line + " Imported."
        if self.error_count:
            return line + " Nothing was imported."
        return line + (" Dry run: nothing was written." if self.dry_run else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file_name": self.file_name,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "error_count": self.error_count,
            "committed": self.committed,
            "errors": [error.to_dict() for error in self.errors],
            "notes": list(self.notes),
            "creates": list(self.creates),
            "updates": list(self.updates),
        }
