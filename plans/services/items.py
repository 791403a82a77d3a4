"""Writes on a plan's objectives, solutions and actions: one code path for the three, each
save checked against the version the user loaded and kept as a new plan version (see the
decisions in plans/services/plans.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from accounts.models import TeamMembership, User
from kam.errors import InvalidInput
from kam.records import current, known_fields, validated, versioned_update
from plans.models import Action, ActionStatus, Objective, ObjectiveMetric, Plan, Solution
from plans.services.plans import content_changed, locked_editable, save_version

OBJECTIVE_FIELDS = frozenset(
    {"metric", "description", "baseline_value", "target_value", "target_stage", "due_date"}
)
SOLUTION_FIELDS = frozenset({"title", "description", "value_measure", "value_amount"})
ACTION_FIELDS = frozenset({"family", "title", "description", "owner", "due_date", "status"})


@dataclass(frozen=True)
class ItemKind:
    """What differs between objectives, solutions and actions: the rest is one code path."""

    model: type[models.Model]
    fields: frozenset[str]
    noun: str
    describe: Callable[[Any], str]
    prepare: Callable[[Any, Plan], None]


def _no_preparation(item: Any, plan: Plan) -> None:
    return None


def _prepare_objective(objective: Objective, plan: Plan) -> None:
    # A stage objective has a target stage and no value; the others the reverse.
    if objective.metric == ObjectiveMetric.STAGE:
        objective.target_value = None
        objective.baseline_value = None
    else:
        objective.target_stage = ""


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
    lambda o: f"Objective “{o.get_metric_display()} by {o.due_date:%d %b %Y}”",
    _prepare_objective,
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
    if kind is ACTION and item.owner_id is None:
        raise InvalidInput({"owner": ["An action needs an owner."]})
    item.save()
    content_changed(locked, actor=actor)
    save_version(locked, actor=actor, note=f"{kind.describe(item)} added")
    return item


def _item_update(
    kind: ItemKind, item: Any, expected_version: int, actor: User, fields: dict[str, Any]
) -> Any:
    known_fields(fields, kind.fields, kind.noun)
    locked = locked_editable(item.plan, actor)
    candidate = current(kind.model, item.pk, kind.noun)
    names = set(fields) | ({"completed_at"} if kind is ACTION else set())
    if kind is OBJECTIVE:
        names |= {"target_value", "baseline_value", "target_stage"}
    columns = [f.attname for f in kind.model._meta.concrete_fields if f.name in names]
    stored = {column: getattr(candidate, column) for column in columns}
    for name, value in _strip(fields).items():
        setattr(candidate, name, value)
    kind.prepare(candidate, locked)
    validated(candidate, exclude=ITEM_EXCLUDE)
    values = {column: getattr(candidate, column) for column in columns}
    if values == stored and candidate.version == expected_version:
        return candidate  # saved unchanged: nothing to write, no new version
    versioned_update(
        kind.model, item.pk, expected_version, kind.noun, updated_at=timezone.now(), **values
    )
    item.refresh_from_db()
    content_changed(locked, actor=actor)
    save_version(locked, actor=actor, note=f"{kind.describe(item)} changed")
    return item


def _item_delete(kind: ItemKind, item: Any, expected_version: int, actor: User) -> None:
    locked = locked_editable(item.plan, actor)
    # Claim the row at the version the user saw: a concurrent edit then conflicts.
    versioned_update(kind.model, item.pk, expected_version, kind.noun)
    description = kind.describe(item)
    kind.model.objects.filter(pk=item.pk).delete()
    content_changed(locked, actor=actor)
    save_version(locked, actor=actor, note=f"{description} deleted")


@transaction.atomic
def objective_create(*, plan: Plan, actor: User, **fields: Any) -> Objective:
    """Add a measurable objective: revenue, net profit or share of wallet with a target value,
    or a target stage, each with a due date (progress is computed, never typed)."""
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
