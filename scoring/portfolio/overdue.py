"""Plans, actions and commitments that are late, listed beside their chart, and the plans
waiting for a director's approval (their tile)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    QuerySet,
)

from plans.models import Action, ActionStatus, Commitment, CommitmentStatus, Plan, PlanStatus
from scoring.portfolio.base import OVERDUE_LIMIT, Scope
from scoring.portfolio.warnings import Bounded, bounded


@dataclass(frozen=True)
class Overdue:
    plans: Bounded
    actions: Bounded
    commitments: Bounded


def overdue_plans(scope: Scope, today: dt.date) -> QuerySet[Plan]:
    """Plans (not archived) whose review date has passed."""
    return (
        Plan.objects.exclude(status=PlanStatus.ARCHIVED)
        .filter(review_date__lt=today)
        .filter(scope.q("account"))
        .order_by("review_date", "pk")
    )


def overdue_actions(scope: Scope, today: dt.date) -> QuerySet[Action]:
    """Open or in-progress actions past their due date."""
    return (
        Action.objects.filter(
            status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS], due_date__lt=today
        )
        .filter(scope.q("plan__account"))
        .order_by("due_date", "pk")
    )


def breached_commitments(scope: Scope) -> QuerySet[Commitment]:
    """Active commitments whose computed status is breached, longest breached first."""
    return (
        Commitment.objects.filter(active=True, status=CommitmentStatus.BREACHED)
        .filter(scope.q("account"))
        .order_by("status_changed_at", "pk")
    )


PLAN_FIELDS = ("pk", "title", "review_date", "account_id", "account__name")
ACTION_FIELDS = ("pk", "title", "due_date", "plan_id", "plan__account_id", "plan__account__name")
COMMITMENT_FIELDS = ("pk", "promise", "status_changed_at", "account_id", "account__name")


# The account names are read by key (see warnings.bounded).
ACCOUNT_NAME = {"account__name": "account_id"}
PLAN_ACCOUNT_NAME = {"plan__account__name": "plan__account_id"}


def overdue(scope: Scope, today: dt.date) -> Overdue:
    """Three queries, each list with its full count."""
    return Overdue(
        plans=bounded(
            overdue_plans(scope, today), PLAN_FIELDS, OVERDUE_LIMIT, names_by_key=ACCOUNT_NAME
        ),
        actions=bounded(
            overdue_actions(scope, today),
            ACTION_FIELDS,
            OVERDUE_LIMIT,
            names_by_key=PLAN_ACCOUNT_NAME,
        ),
        commitments=bounded(
            breached_commitments(scope),
            COMMITMENT_FIELDS,
            OVERDUE_LIMIT,
            names_by_key=ACCOUNT_NAME,
        ),
    )


def waiting_plans(scope: Scope) -> QuerySet[Plan]:
    """Submitted plans, waiting for a director's decision: the longest waiting first."""
    return (
        Plan.objects.filter(status=PlanStatus.SUBMITTED)
        .filter(scope.q("account"))
        .order_by("submitted_at", "pk")
    )


WAITING_FIELDS = ("pk", "title", "submitted_at", "account_id", "account__name")
# The oldest plans waiting for approval the tile lists (the plans list has them all).
WAITING_LIMIT = 5


def waiting_for_approval(scope: Scope) -> Bounded:
    """One query: the oldest waiting plans and how many wait in all."""
    return bounded(waiting_plans(scope), WAITING_FIELDS, WAITING_LIMIT, names_by_key=ACCOUNT_NAME)
