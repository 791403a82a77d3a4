"""Reads for the plans list, the directors' approval queue: every current (not archived) plan a
user may see, with its account, KAM, last approval and newest version, and what waits for a
director's decision."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Max, OuterRef, QuerySet, Subquery

from accounts.models import User
from accounts.selectors.choices import accounts_among, person_choices
from plans.models import Plan, PlanStatus, PlanVersion
from plans.selectors.plans import visible_plans


def current_plans(user: Any) -> QuerySet[Plan]:
    """The plans `user` may see that are not archived."""
    return visible_plans(user).exclude(status=PlanStatus.ARCHIVED)


def waiting_for_approval(plans: QuerySet[Plan]) -> QuerySet[Plan]:
    """Submitted plans: a director's decision is awaited."""
    return plans.filter(status=PlanStatus.SUBMITTED)


def plan_rows(*, user: Any) -> QuerySet[Plan]:
    """The plans list's rows, one query for a page: each current plan with its account and
    KAM, `approved_number` (the version its last approval approved, None if never) and
    `newest_number` (its newest version), so a revision links to its comparison with the
    approved version."""
    newest = (
        PlanVersion.objects.filter(plan=OuterRef("pk"))
        .values("plan")
        .annotate(newest=Max("number"))
        .values("newest")
    )
    return (
        current_plans(user)
        .select_related("account", "account__kam")
        .annotate(
            approved_number=F("approved_version__number"),
            newest_number=Subquery(newest),
        )
    )


def plan_kams(user: Any) -> QuerySet[User]:
    """The KAMs of the accounts whose current plans `user` may see: the KAM filter's choices."""
    return person_choices(accounts_among(current_plans(user).values("account_id")).values("kam_id"))
