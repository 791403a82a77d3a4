"""Writes on a plan's objectives, solutions and actions: one code path for the three, each
save checked against the version the user loaded and kept as a new plan version (see the
decisions in plans/services/plans.py).

Decisions of this module:

- Objectives: revenue, net profit and share of wallet are growth objectives (more is better),
  so a target below the baseline is refused; a stage objective aims above the account's
  current stage (a target at or below it, or "disengaging", is refused). A new value objective
  without a baseline takes the current scoring run's figure (accounts.runs: plans cannot import
  scoring), and the baseline stays editable.
- Actions: their status (and when they were done) and their progress notes are execution, not
  plan content: changing them never revises an approved plan, writes no plan version and goes on
  while the plan is submitted; the action's own history keeps every change. The due date is
  content (the plan promises when): moving it is a change of the plan like any other.
  `action_progress` is the one write for an action's owner (a team member, not only the KAM):
  status, due date and a note, nothing else (`plans.progress_action`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts.models import Stage, TeamMembership, User
from accounts.runs import account_score, current_run
from kam import bounds
from kam.diffing import normalise_text
from kam.errors import InvalidInput
from kam.formats import day
from kam.permissions import require
from kam.records import current, history_record, known_fields, validated, versioned_update
from plans.models import (
    Action,
    ActionNote,
    ActionStatus,
    Objective,
    ObjectiveMetric,
    Plan,
    Solution,
)
from plans.selectors.plans import ACTUAL_OF, ladder_rank
from plans.services.plans import (
    content_changed,
    locked_editable,
    locked_for_execution,
    refuse_content_change,
    require_edit,
    save_version,
)

OBJECTIVE_FIELDS = frozenset(
    {"metric", "description", "baseline_value", "target_value", "target_stage", "due_date"}
)
SOLUTION_FIELDS = frozenset({"title", "description", "value_measure", "value_amount"})
ACTION_FIELDS = frozenset({"family", "title", "description", "owner", "due_date", "status"})


# An action's execution, not the plan's content: changing only these revises no plan.
EXECUTION_COLUMNS = frozenset({"status", "completed_at"})


@dataclass(frozen=True)
class ItemKind:
    """What differs between objectives, solutions and actions: the rest is one code path.
    `check(item, plan, stored)` refuses what the kind's rules refuse; `stored` holds the
    values before the change (None for a new item)."""

    model: type[models.Model]
    fields: frozenset[str]
    noun: str
    describe: Callable[[Any], str]
    prepare: Callable[[Any, Plan], None]
    check: Callable[[Any, Plan, dict[str, Any] | None], None] = lambda item, plan, stored: None


def _no_preparation(item: Any, plan: Plan) -> None:
    return None


def _prepare_objective(objective: Objective, plan: Plan) -> None:
    # A stage objective has a target stage and no value; the others the reverse.
    if objective.metric == ObjectiveMetric.STAGE:
        objective.target_value = None
        objective.baseline_value = None
    else:
        objective.target_stage = ""


def _check_objective(objective: Objective, plan: Plan, stored: dict[str, Any] | None) -> None:
    """A growth objective's target is not below its baseline; a stage objective, when set or
    changed, aims above the account's current stage (disengaging counts below the ladder)."""
    if objective.metric == ObjectiveMetric.STAGE:
        target = objective.target_stage
        if not target:
            return  # the model's constraint says a stage objective needs one
        unchanged = stored is not None and (stored["metric"], stored["target_stage"]) == (
            objective.metric,
            target,
        )
        if unchanged:
            return  # the account may have reached it since: editing the rest stays possible
        if target == Stage.DISENGAGING:
            raise InvalidInput({"target_stage": ["Disengaging is not a stage to aim for."]})
        stage = plan.account.stage
        if ladder_rank(target) <= ladder_rank(stage):
            raise InvalidInput(
                {
                    "target_stage": [
                        f"The account is {Stage(stage).label.lower()} already: a stage "
                        "objective aims above the current stage."
                    ]
                }
            )
        return
    target, baseline = objective.target_value, objective.baseline_value
    if target is not None and baseline is not None and target < baseline:
        raise InvalidInput(
            {
                "target_value": [
                    f"{objective.get_metric_display()} is a growth objective: the target "
                    f"({target:,}) must not be below the baseline ({baseline:,})."
                ]
            }
        )


def _current_baseline(plan: Plan, metric: str) -> Any:
    """The figure the current scoring run holds for the plan's account (None before a run,
    for a stage objective, or when the run does not know it)."""
    if metric not in ACTUAL_OF:
        return None
    score = account_score(plan.account, current_run())
    return getattr(score, ACTUAL_OF[metric]) if score is not None else None


def check_owner(plan: Plan, owner_id: int | None) -> None:
    """An owner on the plan (an action's, an opportunity's) is the account's KAM or on its team."""
    if owner_id is not None and owner_id != plan.account.kam_id:
        on_team = TeamMembership.objects.filter(account_id=plan.account_id, user_id=owner_id)
        if not on_team.exists():
            raise InvalidInput({"owner": ["The owner must be the KAM or on the account's team."]})


def _prepare_action(action: Action, plan: Plan) -> None:
    check_owner(plan, action.owner_id)
    # Completion is stamped when an action is done and cleared when it is reopened.
    if action.status == ActionStatus.DONE and action.completed_at is None:
        action.completed_at = timezone.now()
    elif action.status != ActionStatus.DONE:
        action.completed_at = None


OBJECTIVE = ItemKind(
    Objective,
    OBJECTIVE_FIELDS,
    "objective",
    lambda o: f"Objective “{o.get_metric_display()} by {day(o.due_date)}”",
    _prepare_objective,
    _check_objective,
)
SOLUTION = ItemKind(
    Solution, SOLUTION_FIELDS, "solution", lambda s: f"Solution “{s.title}”", _no_preparation
)
ACTION = ItemKind(Action, ACTION_FIELDS, "action", lambda a: f"Action “{a.title}”", _prepare_action)
ITEM_EXCLUDE = ["plan", "version", "owner"]


def _strip(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        name: value.strip() if isinstance(value, str) and name != "description" else value
        for name, value in fields.items()
    }


def _item_create(kind: ItemKind, plan: Plan, actor: User, fields: dict[str, Any]) -> Any:
    known_fields(fields, kind.fields, kind.noun)
    locked = locked_editable(plan, actor)
    item = kind.model(plan=locked, **_strip(fields))
    kind.prepare(item, locked)
    validated(item, exclude=ITEM_EXCLUDE)
    kind.check(item, locked, None)
    if kind is ACTION and item.owner_id is None:
        raise InvalidInput({"owner": ["An action needs an owner."]})
    item._history_user = actor
    item._change_reason = "Added to the plan"
    item.save()
    content_changed(locked, actor=actor)
    save_version(locked, actor=actor, note=f"{kind.describe(item)} added")
    return item


def _item_update(
    kind: ItemKind, item: Any, expected_version: int, actor: User, fields: dict[str, Any]
) -> Any:
    known_fields(fields, kind.fields, kind.noun)
    if kind is ACTION:
        # An action's status is execution: checked against the plan's content lock below,
        # only when something else of it changes.
        require_edit(actor, item.plan)
        locked = locked_for_execution(item.plan)
    else:
        locked = locked_editable(item.plan, actor)
    candidate = current(kind.model, item.pk, kind.noun)
    names = set(fields) | ({"completed_at"} if kind is ACTION else set())
    if kind is OBJECTIVE:
        names |= {"metric", "target_value", "baseline_value", "target_stage"}
    columns = [f.attname for f in kind.model._meta.concrete_fields if f.name in names]
    stored = {column: getattr(candidate, column) for column in columns}
    for name, value in _strip(fields).items():
        setattr(candidate, name, value)
    kind.prepare(candidate, locked)
    validated(candidate, exclude=ITEM_EXCLUDE)
    kind.check(candidate, locked, stored)
    values = {column: getattr(candidate, column) for column in columns}
    if values == stored and candidate.version == expected_version:
        return candidate  # saved unchanged: nothing to write, no new version
    changed = {column for column in columns if values[column] != stored[column]}
    content = kind is not ACTION or bool(changed - EXECUTION_COLUMNS)
    if content:
        refuse_content_change(locked)
    versioned_update(
        kind.model, item.pk, expected_version, kind.noun, updated_at=timezone.now(), **values
    )
    item.refresh_from_db()
    if kind is ACTION:
        history_record(item, actor=actor, reason="Changed on the plan")
    if content:
        content_changed(locked, actor=actor)
        save_version(locked, actor=actor, note=f"{kind.describe(item)} changed")
    return item


def _item_delete(kind: ItemKind, item: Any, expected_version: int, actor: User) -> None:
    locked = locked_editable(item.plan, actor)
    # Claim the row at the version the user saw: a concurrent edit then conflicts.
    versioned_update(kind.model, item.pk, expected_version, kind.noun)
    description = kind.describe(item)
    doomed = kind.model.objects.get(pk=item.pk)
    doomed._history_user = actor  # the "deleted" history row says who (actions)
    doomed._change_reason = "Deleted from the plan"
    doomed.delete()
    content_changed(locked, actor=actor)
    save_version(locked, actor=actor, note=f"{description} deleted")


@transaction.atomic
def objective_create(*, plan: Plan, actor: User, **fields: Any) -> Objective:
    """Add a measurable objective: revenue, net profit or share of wallet with a target value,
    or a target stage, each with a due date (progress is computed, never typed).

    A value objective given no baseline takes the current scoring run's figure for the account
    (none before a run). A growth objective's target below its baseline, and a stage target at
    or below the account's current stage, are refused (InvalidInput)."""
    if fields.get("baseline_value") is None:
        baseline = _current_baseline(plan, fields.get("metric", ""))
        if baseline is not None:
            fields["baseline_value"] = baseline
    return _item_create(OBJECTIVE, plan, actor, fields)


@transaction.atomic
def objective_update(
    *, objective: Objective, expected_version: int, actor: User, **fields: Any
) -> Objective:
    """Change an objective if nobody saved it since `expected_version` (ConflictError);
    saving it unchanged writes nothing (no new version), as for solutions and actions."""
    return _item_update(OBJECTIVE, objective, expected_version, actor, fields)


@transaction.atomic
def objective_delete(*, objective: Objective, expected_version: int, actor: User) -> None:
    """Remove an objective, only if it is still the version the user saw."""
    _item_delete(OBJECTIVE, objective, expected_version, actor)


@transaction.atomic
def solution_create(*, plan: Plan, actor: User, **fields: Any) -> Solution:
    """Add a solution with the measure of the value it adds for the customer."""
    return _item_create(SOLUTION, plan, actor, fields)


@transaction.atomic
def solution_update(
    *, solution: Solution, expected_version: int, actor: User, **fields: Any
) -> Solution:
    """Change a solution if nobody saved it since `expected_version` (ConflictError)."""
    return _item_update(SOLUTION, solution, expected_version, actor, fields)


@transaction.atomic
def solution_delete(*, solution: Solution, expected_version: int, actor: User) -> None:
    """Remove a solution, only if it is still the version the user saw."""
    _item_delete(SOLUTION, solution, expected_version, actor)


@transaction.atomic
def action_create(*, plan: Plan, actor: User, **fields: Any) -> Action:
    """Add a relationship-building action in one of the five families, with an owner (the
    KAM or a team member), a due date and a status."""
    return _item_create(ACTION, plan, actor, fields)


@transaction.atomic
def action_update(*, action: Action, expected_version: int, actor: User, **fields: Any) -> Action:
    """Change an action if nobody saved it since `expected_version` (ConflictError); marking it
    done stamps when, reopening it clears that."""
    return _item_update(ACTION, action, expected_version, actor, fields)


@transaction.atomic
def action_delete(*, action: Action, expected_version: int, actor: User) -> None:
    """Remove an action, only if it is still the version the user saw."""
    _item_delete(ACTION, action, expected_version, actor)


def _note_text(note: str | None) -> str:
    text = normalise_text(note or "").strip()
    try:
        bounds.validate_note_length(text)
    except ValidationError as refusal:
        raise InvalidInput({"note": refusal.messages}) from None
    return text


PROGRESS_REFUSAL = "Only the action's owner and the account's KAMs update its progress."


@transaction.atomic
def action_progress(
    *,
    action: Action,
    expected_version: int,
    actor: User,
    status: str | None = None,
    due_date: Any = None,
    note: str = "",
) -> Action:
    """An action's progress, by its owner (a team member, not only the KAM), a KAM serving the
    account or an administrator (`plans.progress_action`): its status, its due date and a
    progress note (at most kam.bounds.MAX_NOTE characters, kept with author and time), nothing
    else of the plan. Fields left None stay as they are.

    The status and the note are execution: an approved plan stays approved, a submitted one
    may progress, no plan version is written; only an archived plan refuses them. The due date
    is the plan's content: moving it is refused while the plan is submitted and makes an
    approved plan revised, with a plan version. Every change is a history row of the action;
    against a newer version it raises ConflictError and writes nothing."""
    require(actor, "plans.progress_action", action, PROGRESS_REFUSAL)
    text = _note_text(note)
    locked = locked_for_execution(action.plan)
    candidate = current(Action, action.pk, "action")
    columns = ("status", "due_date", "completed_at")
    stored = {column: getattr(candidate, column) for column in columns}
    if status is not None:
        candidate.status = status
    if due_date is not None:
        candidate.due_date = due_date
    _prepare_action(candidate, locked)
    validated(candidate, exclude=ITEM_EXCLUDE)
    changed = {
        column: getattr(candidate, column)
        for column in columns
        if getattr(candidate, column) != stored[column]
    }
    if not changed and not text:
        if candidate.version != expected_version:
            versioned_update(Action, action.pk, expected_version, "action")  # the conflict
        return candidate
    moved = "due_date" in changed
    if moved:
        refuse_content_change(locked)
    if changed:
        versioned_update(
            Action, action.pk, expected_version, "action", updated_at=timezone.now(), **changed
        )
    elif candidate.version != expected_version:
        versioned_update(Action, action.pk, expected_version, "action")  # the conflict
    action.refresh_from_db()
    reasons = []
    if "status" in changed:
        reasons.append(f"Status: {action.get_status_display()}")
    if moved:
        reasons.append(f"Due {action.due_date:%d %b %Y}")
    if text:
        ActionNote.objects.create(action=action, author=actor, text=text)
        reasons.append("Progress note")
    if changed:
        history_record(action, actor=actor, reason="; ".join(reasons))
    if moved:
        content_changed(locked, actor=actor)
        save_version(
            locked, actor=actor, note=f"{ACTION.describe(action)}: due {action.due_date:%d %b %Y}"
        )
    return action
