"""The account's history: who changed what, and when, merged from every record kept about it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import F, Q, Window
from django.db.models.functions import Lag

from accounts.models import Account, Contact, DesignationChange, StageChange, User
from accounts.selectors.workspace import rating_history
from plans.models import Commitment, Plan, PlanVersion, ServiceTeam
from scoring.models import Rating

# How much history the account page shows; the History page pages through all of it.
PAGE_HISTORY_ENTRIES = 30
HISTORY_PAGE_SIZE = 50


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


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
    """A model kept by django-simple-history, with the fields its History lines show."""

    model: type[models.Model]
    fields: tuple[str, ...]
    subject: Any  # historical row -> "Contact “Petra”"


TRACKED = (
    Tracked(
        Account,
        (
            "name",
            "erp_code",
            *Account.PROFILE_FIELDS,
            "status",
            "tier",
            "kam",
            "stage",
            "notes",
        ),
        lambda row: "Account",
    ),
    Tracked(
        Contact,
        Contact.EDITABLE_FIELDS,
        lambda row: f"Contact “{row.name}”",
    ),
    Tracked(
        Plan,
        ("title", "period_start", "period_end", "status", "review_date", "investment_budget"),
        lambda row: f"Plan “{row.title}”",
    ),
    Tracked(
        Commitment,
        (*Commitment.TERMS, "active"),
        lambda row: f"Commitment “{row.promise}”",
    ),
)
HISTORY_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def _historical_rows(tracked: Tracked, account: Account, limit: int) -> list[Any]:
    """The newest `limit` history rows of the account's objects of one model, each with the
    previous row's values of the tracked fields (a LAG window: one query)."""
    historical = tracked.model.history.model
    owner = Q(id=account.pk) if tracked.model is Account else Q(account_id=account.pk)
    order = [F("history_date").asc(), F("history_id").asc()]
    lags = {}
    for name in tracked.fields:
        column = tracked.model._meta.get_field(name).attname
        lags[f"prev_{column}"] = Window(Lag(column), partition_by=[F("id")], order_by=order)
    return list(
        historical.objects.filter(owner)
        .select_related("history_user")
        .annotate(**lags)
        .order_by("-history_date", "-history_id")[:limit]
    )


class Names:
    """Display names of the people and teams history rows refer to by id: those the page has
    loaded already, the others in one query each."""

    def __init__(self, users: dict[int, Any], teams: dict[int, Any]) -> None:
        self.users = users
        self.teams = teams

    def fill(self, user_ids: set[int], team_ids: set[int]) -> None:
        missing_users = user_ids - set(self.users)
        if missing_users:
            self.users.update(User.objects.in_bulk(missing_users))
        missing_teams = team_ids - set(self.teams)
        if missing_teams:
            self.teams.update(ServiceTeam.objects.in_bulk(missing_teams))

    def of(self, field: models.Field, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if field.is_relation:
            found = (self.teams if field.related_model is ServiceTeam else self.users).get(value)
            return str(found) if found is not None else f"#{value}"
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)


def _history_entries(tracked: Tracked, rows: list[Any], names: Names) -> list[HistoryEntry]:
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


def _referenced_ids(tracked: Tracked, rows: list[Any]) -> tuple[set[int], set[int]]:
    users: set[int] = set()
    teams: set[int] = set()
    for name in tracked.fields:
        model_field = tracked.model._meta.get_field(name)
        if not model_field.is_relation:
            continue
        target = teams if model_field.related_model is ServiceTeam else users
        for row in rows:
            for value in (
                getattr(row, model_field.attname),
                getattr(row, f"prev_{model_field.attname}"),
            ):
                if value is not None:
                    target.add(value)
    return users, teams


def account_history(
    *,
    account: Account,
    limit: int,
    stage_changes: list[StageChange] | None = None,
    designation_changes: list[DesignationChange] | None = None,
    ratings: list[Rating] | None = None,
    known_users: dict[int, Any] | None = None,
    known_teams: dict[int, Any] | None = None,
) -> list[HistoryEntry]:
    """The newest `limit` changes to the account and what hangs on it, merged newest first:
    the account, its contacts, plans and commitments (simple_history, with field-by-field
    changes), plan versions, stage and designation moves with their reasons, and ratings.

    Lists the caller has loaded already are reused; the rest is one query per kind, so the
    count is fixed however long the history is.
    """
    if stage_changes is None:
        stage_changes = list(
            StageChange.objects.filter(account=account)
            .select_related("changed_by")
            .order_by("-changed_at", "-pk")[:limit]
        )
    if designation_changes is None:
        designation_changes = list(
            DesignationChange.objects.filter(account=account)
            .select_related("from_kam", "to_kam", "changed_by")
            .order_by("-changed_at", "-pk")[:limit]
        )
    if ratings is None:
        ratings = rating_history(account, limit=limit)
    rows = {tracked: _historical_rows(tracked, account, limit) for tracked in TRACKED}
    names = Names(dict(known_users or {}), dict(known_teams or {}))
    user_ids: set[int] = set()
    team_ids: set[int] = set()
    for tracked, tracked_rows in rows.items():
        users, teams = _referenced_ids(tracked, tracked_rows)
        user_ids |= users
        team_ids |= teams
    names.fill(user_ids, team_ids)
    entries: list[HistoryEntry] = []
    for tracked, tracked_rows in rows.items():
        entries += _history_entries(tracked, tracked_rows, names)
    versions = (
        PlanVersion.objects.filter(plan__account=account)
        .select_related("created_by", "plan")
        .defer("snapshot", "plan__investment_budget")
        .order_by("-created_at", "-pk")[:limit]
    )
    entries += [
        HistoryEntry(
            when=version.created_at,
            who=version.created_by,
            subject=f"Plan “{version.plan.title}”",
            action=f"version {version.number} saved",
            note=version.note,
        )
        for version in versions
    ]
    entries += [
        HistoryEntry(
            when=change.changed_at,
            who=change.changed_by,
            subject="Relationship stage",
            action="moved",
            changes=[
                Change(
                    "Stage",
                    change.get_from_stage_display() or "(start)",
                    change.get_to_stage_display(),
                )
            ],
            note=change.reason,
        )
        for change in stage_changes[:limit]
    ]
    entries += [
        HistoryEntry(
            when=change.changed_at,
            who=change.changed_by,
            subject="Designation",
            action="changed",
            changes=[
                Change("Status", change.get_from_status_display(), change.get_to_status_display()),
                Change("KAM", str(change.from_kam or "none"), str(change.to_kam or "none")),
            ],
            note=change.reason,
        )
        for change in designation_changes[:limit]
    ]
    entries += [
        HistoryEntry(
            when=rating.rated_at,
            who=rating.rated_by,
            subject=f"Rating of “{rating.criterion.label}”",
            action=f"rated {rating.value} of 5",
            note=rating.comment,
        )
        for rating in ratings[:limit]
    ]
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]
