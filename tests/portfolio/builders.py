"""Scoring results built directly (no engine): the figures the dashboard and workbench read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import Account, AccountStatus, Stage
from scoring.models import (
    AccountScore,
    Criterion,
    CriterionScore,
    Quadrant,
    RunStatus,
    RunTrigger,
    ScoringRun,
)

AS_OF = dt.date(2026, 6, 30)


def make_run(*, as_of: dt.date = AS_OF, weights: dict[str, str] | None = None) -> ScoringRun:
    """A finished run; `weights` ({criterion key: weight}) as the engine records them."""
    now = timezone.now()
    return ScoringRun.objects.create(
        status=RunStatus.SUCCEEDED,
        trigger=RunTrigger.MANUAL,
        as_of=as_of,
        started_at=now,
        finished_at=now,
        weights=weights or {},
    )


def score(
    run: ScoringRun,
    account: Account,
    *,
    rank: int,
    revenue: str | int = 0,
    revenue_prev: str | int = 0,
    cost_to_serve: str | int = 0,
    net_profit: str | int = 0,
    attractiveness: str | int = 50,
    relative_strength: str | int = 50,
    **flags: bool,
) -> AccountScore:
    """An unsaved AccountScore (for bulk_create) with the figures a test cares about."""
    return AccountScore(
        run=run,
        account=account,
        rank=rank,
        revenue=Decimal(revenue),
        revenue_prev=Decimal(revenue_prev),
        cost_to_serve=Decimal(cost_to_serve),
        net_profit=Decimal(net_profit),
        attractiveness=Decimal(attractiveness),
        relative_strength=Decimal(relative_strength),
        quadrant=Quadrant.STREAMLINE,
        stage=account.stage,
        status=account.status,
        **flags,
    )


def bulk_accounts(count: int, *, prefix: str = "Bulk", **fields) -> list[Account]:
    """`count` standard accounts in one INSERT."""
    fields.setdefault("status", AccountStatus.STANDARD)
    fields.setdefault("stage", Stage.EXPLORATORY)
    return Account.objects.bulk_create(
        Account(erp_code=f"{prefix}{i:06d}", name=f"{prefix} customer {i}", **fields)
        for i in range(count)
    )


def criterion_scores(
    run: ScoringRun, normalised: dict[Account, dict[str, int | str]]
) -> list[CriterionScore]:
    """Store normalised values {account: {criterion key: value}}; every other active
    criterion gets 0, as the engine stores no evidence."""
    criteria = list(Criterion.objects.filter(active=True))
    rows = [
        CriterionScore(
            run=run,
            account=account,
            criterion=criterion,
            normalised=Decimal(values.get(criterion.key, 0)),
            weight=criterion.weight,
            contribution=Decimal(0),
        )
        for account, values in normalised.items()
        for criterion in criteria
    ]
    return CriterionScore.objects.bulk_create(rows)
