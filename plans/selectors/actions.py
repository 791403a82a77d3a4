"""Reads for the actions list: every relationship-building action of the plans a user may see,
across accounts, with whether each is overdue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When

from accounts.models import Account, User
from accounts.selectors.choices import account_choices, person_choices
from plans.models import Action, ActionNote, PlanStatus
from plans.selectors.plans import OPEN_ACTION_STATUSES, visible_plans


def overdue_condition(today: dt.date) -> Q:
    """Open or in progress and past its due date (the plan page's and the dashboard's rule)."""
    return Q(status__in=OPEN_ACTION_STATUSES, due_date__lt=today)


def visible_actions(user: Any) -> QuerySet[Action]:
    """Actions are read with their plan: by directors, admins and the account's own people."""
    return Action.objects.filter(plan__in=visible_plans(user))


def action_rows(*, user: Any, today: dt.date) -> QuerySet[Action]:
    """The actions `user` may see with their plan, account and owner, each annotated with
    `is_overdue` (one query for a page)."""
    return (
        visible_actions(user)
        .select_related("plan", "plan__account", "owner")
        .annotate(
            is_overdue=Case(
                When(overdue_condition(today), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
    )


def action_accounts(user: Any) -> QuerySet[Account]:
    """The accounts with actions the user may see: the account filter's choices."""
    return account_choices(visible_actions(user).values("plan__account_id"))


def action_owners(user: Any) -> QuerySet[User]:
    """The people who own actions the user may see: the owner filter's choices."""
    return person_choices(visible_actions(user).values("owner_id"))


def my_action_rows(*, user: Any, today: dt.date) -> QuerySet[Action]:
    """The actions `user` owns in the plans they may see, as `action_rows` reads them; an
    archived plan's actions are no one's work any more (one query for a page)."""
    return (
        action_rows(user=user, today=today)
        .filter(owner_id=user.pk)
        .exclude(plan__status=PlanStatus.ARCHIVED)
    )


def action_for_progress(*, user: Any, pk: int) -> Action:
    """An action of a plan the user may see, with its plan, account and owner;
    Action.DoesNotExist otherwise."""
    return visible_actions(user).select_related("plan__account", "owner").get(pk=pk)


def action_notes(action: Action) -> QuerySet[ActionNote]:
    """An action's progress notes, newest first, with their authors."""
    return action.notes.select_related("author").order_by("-created_at", "-pk")


def action_history(action: Action, limit: int = 50) -> list[Any]:
    """The action's newest `limit` history rows (django-simple-history), with who made them."""
    return list(
        Action.history.filter(id=action.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
