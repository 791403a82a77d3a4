"""The PostgreSQL fast path for sales lines and activities.

Rows are streamed with COPY into a temporary staging table (row number and an `ok` flag kept
beside the canonical cells), codes and duplicate keys are checked with one set-based query each,
and the merge is one INSERT ... SELECT ... ON CONFLICT DO UPDATE that touches only rows that are
new or differ, so importing the same file twice changes nothing. Cell errors come from the same
`RowReader` the row-wise path uses, and codes and duplicates produce the same messages, so both
paths give the same report for the same file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import connection

from accounts.imports.engine import RowReader, WriteContext, add_duplicate
from accounts.imports.report import ImportReport

if TYPE_CHECKING:
    from accounts.imports.kinds import Kind

STAGE = "kam_import_stage"


def quote(name: str) -> str:
    return connection.ops.quote_name(name)


class Merge:
    """The SQL of one kind's merge, built from its CopySpec and layout."""

    def __init__(self, kind: Kind) -> None:
        spec = kind.copy
        assert spec is not None
        self.kind = kind
        self.table = quote(kind.model._meta.db_table)
        references = {ref.column: ref for ref in kind.references}
        types = {column.name: column.type for column in kind.layout.columns}
        self.joins = []
        self.sources: dict[str, str] = {}
        for attname, column in spec.columns.items():
            if column in references:
                ref = references[column]
                alias = f"r_{column}"
                self.joins.append(
                    f"JOIN {quote(ref.model._meta.db_table)} {alias} "
                    f"ON {alias}.{quote(ref.field)} = s.{quote(column)}"
                )
                self.sources[attname] = f"{alias}.{quote(ref.model._meta.pk.column)}"
            else:
                self.sources[attname] = types[column].sql_cast(f"s.{quote(column)}")
        self.conflict = spec.conflict
        self.on_create = spec.on_create
        self.changing = [name for name in spec.columns if name not in spec.conflict]

    def _row(self, prefix: str, names: list[str]) -> str:
        return "(" + ", ".join(f"{prefix}{quote(name)}" for name in names) + ")"

    def _new_row(self) -> str:
        return "(" + ", ".join(self.sources[name] for name in self.changing) + ")"

    def _from(self) -> str:
        on = " AND ".join(f"t.{quote(name)} = {self.sources[name]}" for name in self.conflict)
        return f"FROM {STAGE} s {' '.join(self.joins)} LEFT JOIN {self.table} t ON {on} WHERE s.ok"

    def plan_sql(self) -> str:
        stored = self._row("t.", self.changing)
        new = self._new_row()
        missing = f"t.{quote(self.conflict[0])} IS NULL"
        return (
            f"SELECT count(*) FILTER (WHERE {missing}), "
            f"count(*) FILTER (WHERE NOT {missing} AND {stored} IS DISTINCT FROM {new}), "
            f"count(*) FILTER (WHERE NOT {missing} AND {stored} IS NOT DISTINCT FROM {new}) "
            f"{self._from()}"
        )

    def merge_sql(self) -> str:
        names = [*self.sources, *self.on_create]
        values = [*self.sources.values(), *self.on_create.values()]
        missing = f"t.{quote(self.conflict[0])} IS NULL"
        changed = f"{self._row('t.', self.changing)} IS DISTINCT FROM {self._new_row()}"
        updates = ", ".join(f"{quote(name)} = EXCLUDED.{quote(name)}" for name in self.changing)
        return (
            f"WITH merged AS (INSERT INTO {self.table} ({', '.join(map(quote, names))}) "
            f"SELECT {', '.join(values)} {self._from()} AND ({missing} OR {changed}) "
            f"ON CONFLICT ({', '.join(map(quote, self.conflict))}) DO UPDATE SET {updates} "
            f"WHERE {self._row(self.table + '.', self.changing)} IS DISTINCT FROM "
            f"{self._row('EXCLUDED.', self.changing)} "
            "RETURNING (xmax = 0) AS created) "
            "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) "
            "FROM merged"
        )


def run_copy(
    kind: Kind,
    reader: RowReader,
    report: ImportReport,
    *,
    write: bool,
    context: WriteContext,
) -> None:
    """Stage, check and (when `write` and the file has no error) merge, inside the caller's
    transaction; the staging table is dropped at the end so a caller may import again."""
    layout = kind.layout
    merge = Merge(kind)
    cells = ", ".join(f"{quote(name)} text" for name in layout.names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGE} (row_no integer NOT NULL, ok boolean NOT NULL, "
            f"{cells}) ON COMMIT DROP"
        )
        with cursor.copy(f"COPY {STAGE} FROM STDIN") as copy:
            for number, ok, row in reader:
                copy.write_row((number, ok, *row))
        cursor.execute(f"ANALYZE {STAGE}")
        _check_references(cursor, kind, report)
        _check_duplicates(cursor, kind, report)
        if write and report.ok:
            cursor.execute(
                merge.merge_sql(), {"actor": getattr(context.actor, "pk", None), "now": context.now}
            )
            report.created, report.updated = cursor.fetchone()
            cursor.execute(f"SELECT count(*) FROM {STAGE} WHERE ok")
            report.unchanged = cursor.fetchone()[0] - report.created - report.updated
        else:
            cursor.execute(merge.plan_sql())
            report.created, report.updated, report.unchanged = cursor.fetchone()
        cursor.execute(f"DROP TABLE {STAGE}")


def _flag(cursor, rows: list[int]) -> None:
    if rows:
        cursor.execute(f"UPDATE {STAGE} SET ok = false WHERE row_no = ANY(%s)", [rows])


def _check_references(cursor, kind: Kind, report: ImportReport) -> None:
    for ref in kind.references:
        column = quote(ref.column)
        cursor.execute(
            f"SELECT s.row_no, s.{column} FROM {STAGE} s WHERE s.{column} <> '' AND NOT EXISTS "
            f"(SELECT 1 FROM {quote(ref.model._meta.db_table)} r "
            f"WHERE r.{quote(ref.field)} = s.{column})"
        )
        missing = cursor.fetchall()
        position = kind.layout.position(ref.column)
        for number, code in missing:
            report.add_error(number, position, ref.column, code, ref.message)
        _flag(cursor, [number for number, _ in missing])


def _check_duplicates(cursor, kind: Kind, report: ImportReport) -> None:
    """Every row but the first with the same natural key (as the file writes it, typed)."""
    types = {column.name: column.type for column in kind.layout.columns}
    keys = [types[name].sql_cast(f"s.{quote(name)}") for name in kind.layout.key]
    present = " AND ".join(f"s.{quote(name)} IS NOT NULL" for name in kind.layout.key)
    cursor.execute(
        f"SELECT 1 FROM {STAGE} s WHERE {present} GROUP BY {', '.join(keys)} "
        "HAVING count(*) > 1 LIMIT 1"
    )
    if cursor.fetchone() is None:
        return
    cursor.execute(
        f"SELECT row_no, first_row, {', '.join(f'k{i}' for i in range(len(keys)))} FROM ("
        f"SELECT s.row_no, min(s.row_no) OVER (PARTITION BY {', '.join(keys)}) AS first_row, "
        f"{', '.join(f'{key} AS k{i}' for i, key in enumerate(keys))} "
        f"FROM {STAGE} s WHERE {present}) d WHERE row_no <> first_row"
    )
    duplicates = cursor.fetchall()
    for number, first, *key in duplicates:
        add_duplicate(report, kind, number, tuple(key), first)
    _flag(cursor, [number for number, *_ in duplicates])
