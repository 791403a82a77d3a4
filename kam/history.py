"""History lines from django-simple-history, for every app: what a line is, which models are
tracked (each app registers its own in its `AppConfig.ready()`), and how a model's history rows
become lines with field-by-field changes. The account's History page
(`accounts/selectors/history.py`) and the audit log (`accounts/audit.py`) read them here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import F, Q, Window
from django.db.models.functions import Lag

from kam.formats import day, moment

HISTORY_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def changed_only(*changes: Change) -> list[Change]:
    """The changes whose value really changed: a designation that keeps its KAM says nothing
    of the KAM (no "KAM: Anna -> Anna")."""
    return [change for change in changes if change.before != change.after]


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the account's history: when, who, what changed, and why if said."""

    when: dt.datetime
    who: Any
    subject: str
    action: str
    changes: list[Change] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class Tracked:
    """A model kept by django-simple-history, with the fields its history lines show.

    `kind` and `label` name it in the audit log; `account_field` is the column naming the
    account it belongs to (None: not an account's, so not on the account's History page);
    `related` are the relations its subject reads.
    """

    kind: str
    label: str
    model: type[models.Model]
    fields: tuple[str, ...]
    subject: Callable[[Any], str]  # historical row -> "Contact “Petra”"
    account_field: str | None
    related: tuple[str, ...] = ()


# Every tracked model, in the order the apps registered them.
TRACKED: list[Tracked] = []
# The account's other history lines, beyond its tracked models: one function per app
# (account, limit) -> lines.
ACCOUNT_ENTRIES: list[Callable[[Any, int], list[HistoryEntry]]] = []


def track(*tracked: Tracked) -> None:
    """Add an app's tracked models (called from its AppConfig.ready; a second call adds none)."""
    TRACKED.extend(source for source in tracked if source not in TRACKED)


def add_account_entries(source: Callable[[Any, int], list[HistoryEntry]]) -> None:
    """Add an app's further lines of an account's history (called from its AppConfig.ready)."""
    if source not in ACCOUNT_ENTRIES:
        ACCOUNT_ENTRIES.append(source)


def account_tracked() -> list[Tracked]:
    """The tracked models that belong to an account (on the account's History page)."""
    return [tracked for tracked in TRACKED if tracked.account_field is not None]


def historical_rows(tracked: Tracked, account_id: int, limit: int) -> list[Any]:
    """The newest `limit` history rows of the account's objects of one model, each with the
    previous row's values of the tracked fields (a LAG window: one query)."""
    historical = tracked.model.history.model
    order = [F("history_date").asc(), F("history_id").asc()]
    lags = {}
    for name in tracked.fields:
        column = tracked.model._meta.get_field(name).attname
        lags[f"prev_{column}"] = Window(Lag(column), partition_by=[F("id")], order_by=order)
    return list(
        historical.objects.filter(Q(**{tracked.account_field: account_id}))
        .select_related("history_user", *tracked.related)
        .annotate(**lags)
        .order_by("-history_date", "-history_id")[:limit]
    )


class Names:
    """Display names of the people and teams (any related rows) history rows refer to by id,
    per model, in one query per model."""

    def __init__(self) -> None:
        self.known: dict[type[models.Model], dict[int, Any]] = {}

    @property
    def users(self) -> dict[int, Any]:
        return self.known.setdefault(get_user_model(), {})

    def fill(self, ids: dict[type[models.Model], set[int]]) -> None:
        for model, wanted in ids.items():
            known = self.known.setdefault(model, {})
            missing = wanted - set(known)
            if missing:
                known.update(model._default_manager.in_bulk(missing))

    def of(self, field: models.Field, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if field.is_relation:
            found = self.known.get(field.related_model, {}).get(value)
            return str(found) if found is not None else f"#{value}"
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, dt.datetime):
            return moment(value)
        if isinstance(value, dt.date):
            return day(value)
        return str(value)


def history_entries(tracked: Tracked, rows: list[Any], names: Names) -> list[HistoryEntry]:
    fields = [tracked.model._meta.get_field(name) for name in tracked.fields]
    entries = []
    for row in rows:
        changes = []
        if row.history_type == "~":
            for model_field in fields:
                column = model_field.attname
                before, after = getattr(row, f"prev_{column}"), getattr(row, column)
                if before != after:
                    changes.append(
                        Change(
                            str(model_field.verbose_name).capitalize(),
                            names.of(model_field, before),
                            names.of(model_field, after),
                        )
                    )
        note = row.history_change_reason or ""
        if row.history_type == "~" and not changes and not note:
            continue  # a save that changed nothing the page shows
        entries.append(
            HistoryEntry(
                when=row.history_date,
                who=row.history_user,
                subject=tracked.subject(row),
                action=HISTORY_ACTIONS.get(row.history_type, row.history_type),
                changes=changes,
                note=note,
            )
        )
    return entries


def referenced_ids(tracked: Tracked, rows: list[Any]) -> dict[type[models.Model], set[int]]:
    """The ids of related rows the history rows (and their previous values) name, per model."""
    ids: dict[type[models.Model], set[int]] = {}
    for name in tracked.fields:
        model_field = tracked.model._meta.get_field(name)
        if not model_field.is_relation:
            continue
        target = ids.setdefault(model_field.related_model, set())
        for row in rows:
            for value in (
                getattr(row, model_field.attname),
                getattr(row, f"prev_{model_field.attname}"),
            ):
                if value is not None:
                    target.add(value)
    return ids
