"""What an import kind is, and the registry of kinds: each app defines the kinds of its models
(`accounts/imports/kinds.py`, `scoring/imports.py`) and registers them in its
`AppConfig.ready()`; the import services, the layouts page and the templates read them here.

A kind resolves the codes in its rows (`Reference`), matches each row with what is stored by
its natural key, and writes rows in bulk (with history where the model keeps it); `copy` is
its PostgreSQL COPY fast path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from kam.imports.engine import BATCH, Row, WriteContext
from kam.imports.layouts import Layout
from kam.imports.report import ROWS_SHOWN, ImportReport


@dataclass(frozen=True)
class Reference:
    """A code in the file that must name a stored row (an account's ERP code, a type's code)."""

    column: str
    model: type[models.Model]
    field: str
    message: str
    filters: dict[str, Any] = field(default_factory=dict)

    def lookup(self, codes: set[Any]) -> dict[Any, int]:
        found: dict[Any, int] = {}
        ordered = sorted(codes)
        for start in range(0, len(ordered), BATCH):
            found.update(
                self.model._default_manager.filter(
                    **self.filters, **{f"{self.field}__in": ordered[start : start + BATCH]}
                ).values_list(self.field, "pk")
            )
        return found


@dataclass(frozen=True)
class CopySpec:
    """How the PostgreSQL COPY path merges staged rows: `columns` maps each model column
    (attname) to the layout column it comes from; `conflict` is the natural key's unique
    constraint; `on_create` adds columns only a new row gets (SQL, with %(actor)s)."""

    conflict: tuple[str, ...]
    columns: dict[str, str]
    on_create: dict[str, str] = field(default_factory=dict)


class Kind:
    """One kind of import. `fields` turns a checked row into model values (attnames);
    `model_key` names the stored natural key, `compare` the values an import may change."""

    layout: Layout
    model: type[models.Model]
    references: tuple[Reference, ...] = ()
    model_key: tuple[str, ...] = ()
    compare: tuple[str, ...] = ()
    history = False
    copy: CopySpec | None = None

    def key(self, values: dict[str, Any]) -> tuple | None:
        """The row's natural key as the file writes it, None while a key cell has an error."""
        key = tuple(values[name] for name in self.layout.key)
        return None if any(part is None for part in key) else key

    def key_value(self, key: tuple) -> str:
        return " / ".join(str(part) for part in key)

    def duplicate_message(self, first: int) -> str:
        return f"Duplicate key: row {first} has the same {self.layout.key_help}."

    def check_row(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        """Rules across cells, as (column, message); cells with errors are None and skipped."""
        return []

    def fields(self, row: Row) -> dict[str, Any]:
        raise NotImplementedError

    def existing(self, keys: list[tuple]) -> dict[tuple, models.Model]:
        if not keys:
            return {}
        lookups = {
            f"{name}__in": sorted({key[index] for key in keys})
            for index, name in enumerate(self.model_key)
        }
        return {
            tuple(getattr(instance, name) for name in self.model_key): instance
            for instance in self.model._default_manager.filter(**lookups)
        }

    def plan(
        self, rows: list[Row], report: ImportReport, state: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], list[tuple[models.Model, dict[str, Any]]]]:
        """Split good rows into values to create and (instance, values) to update; a row equal
        to what is stored is neither (skipped). Blank optional cells keep the stored values
        unless the import lets them clear (see `kept`)."""
        values = [self.fields(row) for row in rows]
        stored = self.existing([tuple(item[name] for name in self.model_key) for item in values])
        creates, updates = [], []
        listed: list[tuple[Row, models.Model, list[tuple[str, Any, Any]]]] = []
        for row, item in zip(rows, values, strict=True):
            instance = stored.get(tuple(item[name] for name in self.model_key))
            if instance is None:
                creates.append(item)
                self.list_create(report, row, item)
                continue
            item = self.kept(instance, item, row)
            if changes := self.changes(instance, item):
                updates.append((instance, item))
                listed.append((row, instance, changes))
        self.list_updates(report, listed)
        return creates, updates

    def column_of(self, name: str) -> str | None:
        """The layout column a model field comes from (None: computed, e.g. a rate)."""
        names = self.layout.names
        if name in names:
            return name
        if name.endswith("_id") and name[:-3] in names:
            return name[:-3]
        return None

    def kept(self, instance: models.Model, item: dict[str, Any], row: Row) -> dict[str, Any]:
        """The row's values with the stored value of each field whose cell was left blank: a
        partial file (only some columns filled) never wipes data unless asked to."""
        if not (row.keeps_blanks and row.blanks):
            return item
        kept = {
            name: getattr(instance, name)
            for name in self.compare
            if self.column_of(name) in row.blanks
        }
        return {**item, **kept} if kept else item

    def changes(self, instance: models.Model, values: dict[str, Any]) -> list[tuple[str, Any, Any]]:
        """(field, stored, new) for each compared field the row changes."""
        return [
            (name, getattr(instance, name), values[name])
            for name in self.compare
            if getattr(instance, name) != values[name]
        ]

    def list_create(self, report: ImportReport, row: Row, item: dict[str, Any]) -> None:
        """List a row to create in the report (the first ROWS_SHOWN): its filled cells."""
        values = [
            (column.name, row.values[column.name])
            for column in self.layout.columns
            if column.name not in row.blanks and row.values[column.name] is not None
        ]
        report.add_create(row.number, self.key_value(row.key or ()), values)

    def list_updates(
        self,
        report: ImportReport,
        listed: list[tuple[Row, models.Model, list[tuple[str, Any, Any]]]],
    ) -> None:
        """List rows to update in the report (the first ROWS_SHOWN), each changed column with
        its stored and new values; a code's stored value is shown as its code (one query per
        reference whose stored ids are named)."""
        room = max(0, ROWS_SHOWN - len(report.updates))
        listed = listed[:room]
        if not listed:
            return
        references = {ref.column: ref for ref in self.references}
        codes: dict[str, dict[int, Any]] = {}
        for column, ref in references.items():
            ids = {
                before
                for _, _, changes in listed
                for name, before, _ in changes
                if self.column_of(name) == column and before is not None
            }
            if ids:
                codes[column] = dict(
                    ref.model._default_manager.filter(pk__in=ids).values_list("pk", ref.field)
                )
        for row, _, changes in listed:
            shown = []
            for name, before, after in changes:
                column = self.column_of(name) or name
                if column in references:
                    before = codes.get(column, {}).get(before, before)
                    after = row.values[column]
                shown.append((column, before, after))
            report.add_update(row.number, self.key_value(row.key or ()), shown)

    def on_create(self, context: WriteContext) -> dict[str, Any]:
        return {}

    def finish(
        self, report: ImportReport, state: dict[str, Any], *, write: bool, context: WriteContext
    ) -> None:
        """Rules and writes across the whole file, once every batch is planned (and written
        when `write`): e.g. links between rows that may come in any order. Adds its errors to
        the report; the caller's transaction is rolled back on any."""

    def on_update(self, instance: models.Model, context: WriteContext) -> list[str]:
        """Set what an update changes beyond `compare` (timestamps, versions); their names."""
        return []

    def record_stored_state(self, instances: list[models.Model], context: WriteContext) -> None:
        """Before an update, give each instance that has no history row yet (created in bulk
        without one: the demo, an older import) a row of its stored values, so the update's
        history line shows the real before -> after, not blank -> after. One query to find
        them (per batch of ids), one insert."""
        missing: set[int] = set()
        for start in range(0, len(instances), BATCH):
            pks = [instance.pk for instance in instances[start : start + BATCH]]
            missing |= _without_history(self.model, pks)
        if not missing:
            return
        rows = [instance for instance in instances if instance.pk in missing]
        for instance in rows:
            # Dated when the record was made where it says so, else just before this change.
            instance._history_date = getattr(instance, "created_at", None) or context.now
        self.model.history.bulk_history_create(  # type: ignore[attr-defined]
            rows, batch_size=BATCH, default_change_reason=BEFORE_HISTORY
        )
        for instance in rows:
            del instance._history_date

    def write(
        self,
        creates: list[dict[str, Any]],
        updates: list[tuple[models.Model, dict[str, Any]]],
        context: WriteContext,
    ) -> None:
        new = [self.model(**values, **self.on_create(context)) for values in creates]
        if self.history and updates:
            self.record_stored_state([instance for instance, _ in updates], context)
        changed, extra = [], []
        for instance, values in updates:
            for name in self.compare:
                setattr(instance, name, values[name])
            extra = self.on_update(instance, context)
            changed.append(instance)
        update_fields = [*self.compare, *extra]
        if self.history:
            history = {
                "batch_size": BATCH,
                "default_user": context.actor,
                "default_change_reason": context.reason,
                "default_date": context.now,
            }
            if new:
                bulk_create_with_history(new, self.model, **history)
            if changed:
                bulk_update_with_history(changed, self.model, update_fields, **history)
            return
        manager = self.model._default_manager
        if new:
            manager.bulk_create(new, batch_size=BATCH)
        if changed:
            manager.bulk_update(changed, update_fields, batch_size=BATCH)


BEFORE_HISTORY = "Stored before the first recorded change (no history had been kept)"


def _without_history(model: type[models.Model], pks: list[int]) -> set[int]:
    historical = model.history.model  # type: ignore[attr-defined]
    kept = set(
        historical.objects.filter(id__in=pks).values_list("id", flat=True).distinct().order_by()
    )
    return set(pks) - kept


# Every registered kind, and its layout, by the kind's name.
KINDS: dict[str, Kind] = {}
LAYOUTS: dict[str, Layout] = {}


def register(*kinds: Kind) -> None:
    """Add an app's import kinds (called from its AppConfig.ready)."""
    for kind in kinds:
        KINDS[kind.layout.kind] = kind
        LAYOUTS[kind.layout.kind] = kind.layout
