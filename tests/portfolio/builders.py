"""Scoring results built directly (no engine): the figures the dashboard and workbench read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import Account, AccountStatus, Stage
from scoring.models import (
    AccountScore,
    Criterion,
    Quadrant,
    RunStatus,
    RunTrigger,
    ScoreExplanation,
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


Line = tuple[Criterion, object, object, object, object]


def explain(run: ScoringRun, account: Account, lines: list[Line]) -> ScoreExplanation:
    """Store an explanation as the run does: [(criterion, raw, normalised, weight,
    contribution)], numbers as JSON numbers, in criterion id order, their sum the score."""
    row = explanation_row(run, account, lines)
    row.save()
    return row


def explanation_row(run: ScoringRun, account: Account, lines: list[Line]) -> ScoreExplanation:
    def number(value: object) -> float | None:
        return None if value is None else float(Decimal(str(value)))

    ordered = sorted(lines, key=lambda line: line[0].pk)
    return ScoreExplanation(
        run=run,
        account=account,
        lines=[[c.pk, number(raw), number(n), number(w), number(p)] for c, raw, n, w, p in ordered],
        attractiveness=sum((Decimal(str(line[4])) for line in lines), Decimal("0")),
    )


def criterion_scores(
    run: ScoringRun, normalised: dict[Account, dict[str, int | str]]
) -> list[ScoreExplanation]:
    """Store normalised values {account: {criterion key: value}}; every other active
    criterion gets 0, as the engine stores no evidence."""
    criteria = list(Criterion.objects.filter(active=True))
    return ScoreExplanation.objects.bulk_create(
        explanation_row(
            run,
            account,
            [(c, None, Decimal(values.get(c.key, 0)), c.weight, Decimal(0)) for c in criteria],
        )
        for account, values in normalised.items()
    )
