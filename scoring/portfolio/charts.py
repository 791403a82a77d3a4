"""The dashboard's chart series: matrix, whale and Pareto curves, stages, effectiveness trends."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RowRange
from django.db.models.functions import ExtractYear, RowNumber, TruncMonth
from django.utils import timezone

from accounts.models import STAGE_ORDER, AccountStatus, Quadrant, Stage, StageChange
from scoring.models import AccountScore, MetricSnapshot, ScoringRun
from scoring.portfolio.base import CURVE_POINTS, KEY, MATRIX_MAX_BUBBLES, Period, Scope, add_months
from scoring.portfolio.tiles import account_census, scores_in_scope, share
from scoring.quarters import quarters as quarters_shown

MATRIX_FIELDS = (
    "account_id",
    "account__name",
    "status",
    "stage",
    "attractiveness",
    "relative_strength",
    "quadrant",
    "revenue",
    "is_4x",
    "is_pareto",
)


# Where each quadrant sits on the matrix (x = relative strength, y = attractiveness), as the
# engine places accounts (scoring/engine/final.py): the chart writes the names in its corners.
MATRIX_QUADRANTS = (
    (Quadrant.STAR, "low", "high"),
    (Quadrant.STRATEGIC, "high", "high"),
    (Quadrant.STREAMLINE, "low", "low"),
    (Quadrant.STATUS, "high", "low"),
)


def matrix_scores(run: ScoringRun, scope: Scope) -> QuerySet[AccountScore]:
    """Accounts in matrix order: key accounts first, then candidates (by status, the 4x rule or
    the Pareto set), then the rest, each group largest revenue first."""
    priority = Case(
        When(status=KEY, then=Value(0)),
        When(
            Q(status=AccountStatus.CANDIDATE) | Q(is_4x=True) | Q(is_pareto=True),
            then=Value(1),
        ),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        scores_in_scope(run, scope)
        .annotate(priority=priority)
        .order_by("priority", "-revenue", "account_id")
    )


def matrix_bubbles(run: ScoringRun, scope: Scope, limit: int = MATRIX_MAX_BUBBLES) -> list[dict]:
    """The first `limit` accounts in matrix order: a chart stays readable (and light) at any
    portfolio size; the table's CSV has every account. The limit applies in a subquery, so
    names are joined for those accounts only."""
    first = matrix_scores(run, scope).values("pk")[:limit]
    return list(matrix_scores(run, Scope()).filter(pk__in=first).values(*MATRIX_FIELDS))


def sample_positions(n: int, points: int = CURVE_POINTS) -> list[int]:
    """About `points` positions spread evenly over 1..n, always ending with n."""
    if n <= 0:
        return []
    return sorted({math.ceil(i * n / points) for i in range(1, points + 1)})


@dataclass(frozen=True)
class CurvePoint:
    position: int  # accounts so far, ranked from the largest
    accounts_pct: float
    cumulative: Decimal
    cumulative_pct: float | None  # of the total; None when the total is not positive


def ranked_cumulative(run: ScoringRun, scope: Scope, field_name: str) -> QuerySet[AccountScore]:
    """Scores ranked by `field_name` from the largest, each with its position and the running
    sum up to it (window functions: the database does the cumulating)."""
    window = {"order_by": F(field_name).desc(), "frame": RowRange(start=None, end=0)}
    return scores_in_scope(run, scope).annotate(
        position=Window(RowNumber(), **window),
        cumulative=Window(Sum(field_name), **window),
    )


def cumulative_curve(
    run: ScoringRun,
    scope: Scope,
    *,
    field_name: str,
    n: int,
    total: Decimal,
    extra: Iterable[int] = (),
) -> list[CurvePoint]:
    """The cumulative curve of `field_name`, sampled at about CURVE_POINTS positions (plus
    `extra`). One query."""
    positions = sorted(set(sample_positions(n)) | {p for p in extra if 0 < p <= n})
    if not positions:
        return []
    rows = (
        ranked_cumulative(run, scope, field_name)
        .filter(position__in=positions)
        .order_by("position")
        .values_list("position", "cumulative")
    )
    return [curve_point(position, cumulative, n=n, total=total) for position, cumulative in rows]


CENTS = Decimal("0.01")


def curve_point(position: int, cumulative: Any, *, n: int, total: Decimal) -> CurvePoint:
    """A point of a cumulative curve; the running sum comes back as a plain number on SQLite,
    so it is brought back to money (cents) here."""
    return CurvePoint(
        position=position,
        accounts_pct=position / n * 100,
        cumulative=Decimal(str(cumulative)).quantize(CENTS),
        cumulative_pct=float(cumulative) / float(total) * 100 if total > 0 else None,
    )


def stage_distribution(scope: Scope) -> list[dict[str, Any]]:
    """Accounts per relationship stage (live), key accounts beside the others. One query."""
    return account_census(scope)[1]


def stage_direction(from_stage: str, to_stage: str) -> int:
    """+1 for a move up the ladder, -1 for a move down. Falling into `disengaging` is down and
    climbing out of it is up, whichever rung it is from or to."""
    if to_stage == Stage.DISENGAGING:
        return -1
    if from_stage == Stage.DISENGAGING:
        return 1
    return 1 if STAGE_ORDER[to_stage] > STAGE_ORDER[from_stage] else -1


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def data_years() -> tuple[int, int] | None:
    """The first and last calendar year with what the period changes: a stage movement or a
    quarterly snapshot (None when there is neither). One query: each table's MIN and MAX,
    which their indexes answer."""

    def span(queryset: QuerySet, field_name: str) -> QuerySet:
        return (
            queryset.order_by()
            .annotate(whole=Value(1, output_field=IntegerField()))
            .values("whole")
            .annotate(first=ExtractYear(Min(field_name)), last=ExtractYear(Max(field_name)))
            .values("first", "last")
        )

    moves = StageChange.objects.exclude(from_stage="")
    rows = span(MetricSnapshot.objects.all(), "period_start").union(
        span(moves, "changed_at"), all=True
    )
    spans = [(row["first"], row["last"]) for row in rows if row["first"] is not None]
    if not spans:
        return None
    return min(first for first, _ in spans), max(last for _, last in spans)


def stage_movements(scope: Scope, period: Period) -> dict[str, Any]:
    """Moves up and down the ladder per month of the period, and each from -> to count.

    One query grouped by month and move; the first stage an account gets (no from-stage) is
    not a movement."""
    rows = (
        StageChange.objects.filter(
            changed_at__gte=_aware(period.start), changed_at__lt=_aware(period.end)
        )
        .exclude(from_stage="")
        .filter(scope.q("account"))
        .annotate(month=TruncMonth("changed_at"))
        .values("month", "from_stage", "to_stage")
        .annotate(moves=Count("pk"))
        .order_by()
    )
    months = [add_months(period.start, offset) for offset in range(12)]
    by_month = {month: {"month": month, "up": 0, "down": 0} for month in months}
    transitions: dict[tuple[str, str], int] = {}
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, dt.datetime) else month
        bucket = by_month.get(month.replace(day=1))
        if bucket is None:
            continue
        direction = "up" if stage_direction(row["from_stage"], row["to_stage"]) > 0 else "down"
        bucket[direction] += row["moves"]
        pair = (row["from_stage"], row["to_stage"])
        transitions[pair] = transitions.get(pair, 0) + row["moves"]
    labels = dict(Stage.choices)
    return {
        "months": [by_month[month] for month in months],
        "transitions": [
            {"from": labels[a], "to": labels[b], "moves": moves}
            for (a, b), moves in sorted(transitions.items(), key=lambda item: -item[1])
        ],
    }


TREND_METRICS = [
    ("revenue_per_account", "Revenue per account"),
    ("gross_margin_pct", "Gross margin %"),
    ("cost_to_serve_pct", "Cost to serve % of revenue"),
    ("share_of_wallet_pct", "Share of wallet %"),
    ("satisfaction", "Satisfaction"),
    ("retention", "Retention %"),
]
# The annotation each plain (not ratio) trend metric reads.
TREND_COLUMNS = {
    "revenue_per_account": "revenue_per_account",
    "share_of_wallet_pct": "share_of_wallet_mean",
    "satisfaction": "satisfaction_mean",
    "retention": "retention_mean",
}


def effectiveness_trends(
    scope: Scope, period: Period, run: ScoringRun | None = None
) -> dict[str, Any]:
    """Quarterly effectiveness of key accounts against the others over three years, each
    quarter a `scoring.quarters.Quarter` (partial ones marked, from the run's first day of
    data). One query.

    Revenue is per account (the two groups differ in size), margin and cost to serve are
    ratios of sums (revenue-weighted), share of wallet, satisfaction and retention are means
    over the accounts that have a value."""
    quarters = period.trend_quarters
    rows = (
        MetricSnapshot.objects.filter(period_start__in=quarters)
        .filter(scope.q("account"))
        .values("period_start", "is_key")
        .annotate(
            revenue_per_account=Avg("revenue"),
            revenue_sum=Sum("revenue"),
            gross_margin_sum=Sum("gross_margin"),
            cost_to_serve_sum=Sum("cost_to_serve"),
            share_of_wallet_mean=Avg("share_of_wallet_pct"),
            satisfaction_mean=Avg("satisfaction"),
            retention_mean=Avg("retention"),
        )
        .order_by()
    )
    found = {(row["period_start"], row["is_key"]): row for row in rows}

    def point(row: dict[str, Any] | None, metric: str) -> float | None:
        if row is None:
            return None
        if metric == "gross_margin_pct":
            return share(row["gross_margin_sum"], row["revenue_sum"])
        if metric == "cost_to_serve_pct":
            return share(row["cost_to_serve_sum"], row["revenue_sum"])
        value = row[TREND_COLUMNS[metric]]
        return None if value is None else float(value)

    series = {}
    for metric, label in TREND_METRICS:
        key = [point(found.get((quarter, True)), metric) for quarter in quarters]
        other = [point(found.get((quarter, False)), metric) for quarter in quarters]
        series[metric] = {
            "label": label,
            "key": key,
            "other": other,
            # A group without a single value is left out of the chart's legend and named here.
            "without_data": [
                group
                for group, values in (("Key accounts", key), ("Other accounts", other))
                if all(value is None for value in values)
            ],
        }
    return {"quarters": quarters_shown(quarters, run), "series": series}
