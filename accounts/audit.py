"""The audit log: who changed what, and when, across the whole product (for administrators).

Sources: the django-simple-history tables every app registers (`kam/history.py` `TRACKED`:
accounts, contacts, plans, commitments, cost rates and selection criteria), plus the
append-only stage and designation moves. One UNION ALL query
lists the log, newest first, a page at a time; the field-by-field changes are fetched only for
the rows on the page, two queries per kind of object shown, so the count does not grow with
the length of the log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import CharField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone

from accounts.models import Account, DesignationChange, StageChange, User
from kam.history import HISTORY_ACTIONS, TRACKED, Change, Names, Tracked, changed_only

AUDIT_PAGE_SIZE = 50
# Rows per query when the CSV export walks the whole filtered log.
EXPORT_CHUNK = 500


STAGE = "stage"
DESIGNATION = "designation"


def kind_choices() -> list[tuple[str, str]]:
    """The kinds of object the log covers: every tracked model, then the two kinds of move."""
    return [(source.kind, source.label) for source in TRACKED] + [
        (STAGE, "Relationship stage"),
        (DESIGNATION, "Designation"),
    ]


def _source(kind: str) -> Tracked | None:
    return next((source for source in TRACKED if source.kind == kind), None)


@dataclass(frozen=True)
class AuditFilters:
    person: User | None = None
    kind: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    account: str = ""


@dataclass
class AuditEntry:
    """One line of the log: when, who, which object, what happened, the changes and why."""

    kind: str
    row_id: int
    when: dt.datetime
    user_id: int | None
    history_type: str
    reason: str
    account_id: int | None
    who: Any = None
    account: Account | None = None
    subject: str = ""
    action: str = ""
    changes: list[Change] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return dict(kind_choices())[self.kind]


def _matching_accounts(search: str) -> QuerySet:
    """Accounts whose ERP code is `search` or whose name contains it."""
    return Account.objects.filter(Q(erp_code__iexact=search) | Q(name__icontains=search)).values(
        "pk"
    )


def _columns(
    kind: str,
    *,
    row_id: str,
    when: str,
    user: str,
    history_type: Any,
    reason: Any,
    account: str | None,
) -> dict[str, Any]:
    # Every branch of the UNION selects the same columns in the same order, all as annotations
    # (model fields and annotations would otherwise be ordered differently in the SELECT).
    return {
        "a_kind": Value(kind, output_field=CharField()),
        "a_row_id": F(row_id),
        "a_when": F(when),
        "a_user_id": F(user),
        "a_type": history_type,
        "a_reason": reason,
        "a_account_id": F(account) if account else Value(None, output_field=IntegerField()),
    }


def _branches(filters: AuditFilters) -> list[QuerySet]:
    accounts = _matching_accounts(filters.account) if filters.account else None
    branches = []
    for source in TRACKED:
        if filters.kind and filters.kind != source.kind:
            continue
        if accounts is not None and source.account_field is None:
            continue
        rows = source.model.history.model.objects.all()
        if accounts is not None:
            rows = rows.filter(**{f"{source.account_field}__in": accounts})
        rows = _narrowed(rows, "history_date", "history_user_id", filters)
        branches.append(
            rows.order_by().values(
                **_columns(
                    source.kind,
                    row_id="history_id",
                    when="history_date",
                    user="history_user_id",
                    history_type=F("history_type"),
                    reason=F("history_change_reason"),
                    account=source.account_field,
                )
            )
        )
    for kind, model in ((STAGE, StageChange), (DESIGNATION, DesignationChange)):
        if filters.kind and filters.kind != kind:
            continue
        rows = model.objects.all()
        if accounts is not None:
            rows = rows.filter(account_id__in=accounts)
        branches.append(_move_branch(kind, _narrowed(rows, "changed_at", "changed_by_id", filters)))
    return branches


def _move_branch(kind: str, rows: QuerySet) -> QuerySet:
    """Stage or designation moves as UNION rows: always "changed", the reason said."""
    return rows.order_by().values(
        **_columns(
            kind,
            row_id="pk",
            when="changed_at",
            user="changed_by_id",
            history_type=Value("~", output_field=CharField()),
            reason=F("reason"),
            account="account_id",
        )
    )


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _narrowed(rows: QuerySet, when: str, user: str, filters: AuditFilters) -> QuerySet:
    # Whole local days as a half-open range of instants, so the date indexes serve it.
    if filters.person is not None:
        rows = rows.filter(**{user: filters.person.pk})
    if filters.date_from is not None:
        rows = rows.filter(**{f"{when}__gte": _day_start(filters.date_from)})
    if filters.date_to is not None:
        next_day = _day_start(filters.date_to + dt.timedelta(days=1))
        rows = rows.filter(**{f"{when}__lt": next_day})
    return rows


def audit_rows(filters: AuditFilters) -> QuerySet:
    """The filtered log as one UNION ALL of `.values()` rows, newest first; slice it to page."""
    branches = _branches(filters)
    if not branches:
        # Only kinds without an account were asked for, with an account: nothing matches.
        return _move_branch(STAGE, StageChange.objects.none())
    first, *rest = branches
    combined = first.union(*rest, all=True) if rest else first
    return combined.order_by("-a_when", "-a_row_id", "a_kind")


def _entry(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        kind=row["a_kind"],
        row_id=row["a_row_id"],
        when=row["a_when"],
        user_id=row["a_user_id"],
        history_type=row["a_type"],
        reason=row["a_reason"] or "",
        account_id=row["a_account_id"],
    )


def _history_rows(source: Tracked, ids: list[int]) -> tuple[dict[int, Any], dict[int, Any]]:
    """The page's history rows of one kind by history_id, and each one's previous record
    (the same object's newest earlier row): two queries."""
    historical = source.model.history.model
    earlier = historical.objects.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    query = historical.objects.filter(history_id__in=ids).annotate(
        prev_history_id=Subquery(
            earlier.order_by("-history_date", "-history_id").values("history_id")[:1]
        )
    )
    if source.related:
        query = query.select_related(*source.related)
    rows = {row.history_id: row for row in query}
    previous_ids = [row.prev_history_id for row in rows.values() if row.prev_history_id]
    previous = historical.objects.in_bulk(previous_ids) if previous_ids else {}
    return rows, previous


def _relations(source: Tracked) -> list[models.Field]:
    return [
        source.model._meta.get_field(name)
        for name in source.fields
        if source.model._meta.get_field(name).is_relation
    ]


def _diff(source: Tracked, row: Any, before: Any, names: Names) -> list[Change]:
    if row.history_type != "~" or before is None:
        return []
    changes = []
    for name in source.fields:
        model_field = source.model._meta.get_field(name)
        old, new = getattr(before, model_field.attname), getattr(row, model_field.attname)
        if old != new:
            label = str(model_field.verbose_name).capitalize()
            changes.append(Change(label, names.of(model_field, old), names.of(model_field, new)))
    return changes


def _load_history(
    entries: list[AuditEntry], named: dict[type[models.Model], set[int]]
) -> dict[str, tuple[dict[int, Any], dict[int, Any]]]:
    """The page's history rows and their previous records, per kind; collects the ids of the
    people and teams they name, per model."""
    fetched = {}
    for source in TRACKED:
        ids = [entry.row_id for entry in entries if entry.kind == source.kind]
        if not ids:
            continue
        rows, previous = _history_rows(source, ids)
        fetched[source.kind] = (rows, previous)
        for model_field in _relations(source):
            target = named.setdefault(model_field.related_model, set())
            for row in (*rows.values(), *previous.values()):
                value = getattr(row, model_field.attname)
                if value is not None:
                    target.add(value)
    return fetched


def _describe_history(
    entry: AuditEntry, fetched: dict[str, tuple[dict[int, Any], dict[int, Any]]], names: Names
) -> None:
    source = _source(entry.kind)
    rows, previous = fetched[entry.kind]
    row = rows[entry.row_id]
    entry.subject = source.subject(row)
    entry.action = HISTORY_ACTIONS.get(row.history_type, row.history_type)
    entry.changes = _diff(source, row, previous.get(row.prev_history_id), names)


def _kam_name(names: Names, user_id: int | None) -> str:
    return str(names.users.get(user_id, "none")) if user_id else "none"


def _describe_move(entry: AuditEntry, change: Any, names: Names) -> None:
    if entry.kind == STAGE:
        entry.subject, entry.action = "Relationship stage", "moved"
        before = change.get_from_stage_display() or "(start)"
        entry.changes = [Change("Stage", before, change.get_to_stage_display())]
        return
    entry.subject, entry.action = "Designation", "changed"
    entry.changes = changed_only(
        Change("Status", change.get_from_status_display(), change.get_to_status_display()),
        Change("KAM", _kam_name(names, change.from_kam_id), _kam_name(names, change.to_kam_id)),
    )


def audit_entries(rows: list[dict[str, Any]]) -> list[AuditEntry]:
    """The log lines for one page of `audit_rows`, with their people, accounts and changes.

    A fixed number of queries however long the log is: two per kind of history shown (its
    rows and their previous records), one each for the stage and designation moves shown, and
    one each for the people, service teams and accounts named."""
    entries = [_entry(row) for row in rows]
    user_ids = {entry.user_id for entry in entries if entry.user_id is not None}
    named: dict[type[models.Model], set[int]] = {User: user_ids}
    fetched = _load_history(entries, named)
    moves: dict[tuple[str, int], Any] = {}
    for kind, model in ((STAGE, StageChange), (DESIGNATION, DesignationChange)):
        ids = [entry.row_id for entry in entries if entry.kind == kind]
        if ids:
            moves.update({(kind, pk): change for pk, change in model.objects.in_bulk(ids).items()})
    for (kind, _pk), change in moves.items():
        if kind == DESIGNATION:
            user_ids |= {pk for pk in (change.from_kam_id, change.to_kam_id) if pk is not None}
    names = Names()
    names.fill(named)
    account_ids = {entry.account_id for entry in entries if entry.account_id is not None}
    accounts = Account.objects.in_bulk(account_ids) if account_ids else {}
    for entry in entries:
        if entry.kind not in (STAGE, DESIGNATION):
            _describe_history(entry, fetched, names)
        else:
            _describe_move(entry, moves[(entry.kind, entry.row_id)], names)
        entry.who = names.users.get(entry.user_id) if entry.user_id else None
        entry.account = accounts.get(entry.account_id)
    return entries


def iter_audit_entries(filters: AuditFilters) -> Iterator[AuditEntry]:
    """The whole filtered log, newest first, fetched a chunk at a time (for the CSV export)."""
    rows = audit_rows(filters)
    start = 0
    while True:
        chunk = list(rows[start : start + EXPORT_CHUNK])
        if not chunk:
            return
        yield from audit_entries(chunk)
        start += EXPORT_CHUNK
