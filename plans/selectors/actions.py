"""Reads for the actions list: every relationship-building action of the plans a user may see,
across accounts, with whether each is overdue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When

from accounts.models import Account, User
from plans.models import Action
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
    return (
        Account.objects.filter(pk__in=visible_actions(user).values("plan__account_id"))
        .only("pk", "name", "erp_code")  # what a choice shows (Account.__str__)
        .order_by("name", "pk")
    )


def action_owners(user: Any) -> QuerySet[User]:
    """The people who own actions the user may see: the owner filter's choices."""
    return (
        User.objects.filter(pk__in=visible_actions(user).values("owner_id"))
        .only("pk", "first_name", "last_name", "username")  # what a choice shows (User.__str__)
        .order_by("last_name", "first_name", "username")
    )
