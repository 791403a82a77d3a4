"""The dashboard's chart series: matrix, whale and Pareto curves, stages, effectiveness trends."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
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
from django.db.models.functions import Coalesce, ExtractYear, RowNumber, TruncMonth
from django.utils import timezone

from accounts.models import STAGE_ORDER, AccountStatus, Quadrant, Stage, StageChange
from scoring.models import AccountScore, MetricSnapshot, ScoringRun
from scoring.portfolio.base import (
    CURVE_POINTS,
    KEY,
    MATRIX_MAX_BUBBLES,
    MEMBERS_SHOWN,
    Period,
    Scope,
    add_months,
)
from scoring.portfolio.snapshots import snapshot_sources, summed
from scoring.portfolio.tiles import account_census, portfolio_scores, scores_in_scope, share
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
    rows = matrix_scores(run, Scope()).filter(pk__in=first)
    # The group's members and net profit, for the table's drill-down (group_members).
    return list(rows.values(*MATRIX_FIELDS, "members", "net_profit"))


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
    # The account at this position, its figure, and the accounts below it when it is a group
    # counted as one (groups view; 0 for entities).
    account_id: int | None = None
    name: str = ""
    value: Decimal | None = None
    members: int = 0


def ranked_cumulative(run: ScoringRun, scope: Scope, field_name: str) -> QuerySet[AccountScore]:
    """Rows ranked by `field_name` (its `fig_` figure at the scope's level: tiles.figure_rows)
    from the largest, then by account, each with its position and the running sum up to it
    (window functions: the database does the cumulating)."""
    figure = f"fig_{field_name}"
    window = {
        "order_by": [F(figure).desc(), F("account_id").asc()],
        "frame": RowRange(start=None, end=0),
    }
    return portfolio_scores(run, scope).annotate(
        position=Window(RowNumber(), **window),
        cumulative=Window(Sum(figure), **window),
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
    `extra`), each point naming its account. One query."""
    positions = sorted(set(sample_positions(n)) | {p for p in extra if 0 < p <= n})
    if not positions:
        return []
    rows = (
        ranked_cumulative(run, scope, field_name)
        .filter(position__in=positions)
        .order_by("position")
        .values_list(
            "position", "cumulative", "account_id", "account__name", f"fig_{field_name}", "members"
        )
    )
    return [
        curve_point(
            position,
            cumulative,
            n=n,
            total=total,
            account=(account_id, name, value, 0 if scope.entities else members),
        )
        for position, cumulative, account_id, name, value, members in rows
    ]


CENTS = Decimal("0.01")


def curve_point(
    position: int,
    cumulative: Any,
    *,
    n: int,
    total: Decimal,
    account: tuple[int | None, str, Any, int] = (None, "", None, 0),
) -> CurvePoint:
    """A point of a cumulative curve; the running sum comes back as a plain number on SQLite,
    so it is brought back to money (cents) here."""
    account_id, name, value, members = account
    return CurvePoint(
        position=position,
        accounts_pct=position / n * 100,
        cumulative=Decimal(str(cumulative)).quantize(CENTS),
        cumulative_pct=float(cumulative) / float(total) * 100 if total > 0 else None,
        account_id=account_id,
        name=name,
        value=None if value is None else Decimal(str(value)).quantize(CENTS),
        members=members,
    )


@dataclass(frozen=True)
class MemberFigures:
    """One entity of a group in a dashboard table's drill-down: its own figures and shares of
    the group's roll-up (`own` marks the top's own, the roll-up less its members')."""

    account_id: int
    name: str
    revenue: Decimal
    net_profit: Decimal
    revenue_share: float | None
    profit_share: float | None
    own: bool = False


@dataclass(frozen=True)
class GroupMembers:
    rows: list[MemberFigures]  # the top's own first, then the largest members by revenue
    members: int  # every member of the group (the rows may be fewer)


def group_members(
    run: ScoringRun, tops: Iterable[int], limit: int = MEMBERS_SHOWN
) -> dict[int, GroupMembers]:
    """The drill-down of the groups shown in the dashboard's tables (`tops`: their tops' ids):
    the top's own figures (the group's roll-up less every member's) and its `limit` largest
    members by revenue, each with its share of the group. One query whatever the number of
    groups (none when there is none): the tops' and members' rows of the run, numbered and
    summed per group by window functions."""
    tops = list(tops)
    if not tops:
        return {}
    member = Q(group__isnull=False)

    def of_members(field_name: str) -> Case:
        return Case(When(member, then=F(field_name)), default=None)

    def of_top(field_name: str) -> Case:
        return Case(When(member, then=None), default=F(field_name))

    per_group = {"partition_by": Coalesce("group_id", "account_id")}
    is_top = Case(When(member, then=Value(1)), default=Value(0))
    rows = (
        AccountScore.objects.filter(run=run)
        .filter(Q(group_id__in=tops) | Q(account_id__in=tops))
        .annotate(
            place=Window(
                RowNumber(),
                order_by=[is_top.asc(), F("revenue").desc(), F("account_id").asc()],
                **per_group,
            ),
            group_revenue=Window(Max(of_top("revenue")), **per_group),
            group_net_profit=Window(Max(of_top("net_profit")), **per_group),
            members_revenue=Window(Sum(of_members("revenue")), **per_group),
            members_net_profit=Window(Sum(of_members("net_profit")), **per_group),
            members_count=Window(Count(of_members("pk")), **per_group),
        )
        .filter(place__lte=limit + 1)
        .order_by("place")
        .values_list(
            "group_id",
            "account_id",
            "account__name",
            "revenue",
            "net_profit",
            "group_revenue",
            "group_net_profit",
            "members_revenue",
            "members_net_profit",
            "members_count",
        )
    )
    found: dict[int, GroupMembers] = {}
    for row in rows:
        top, account_id, name, revenue, net_profit = row[:5]
        group = (_money(row[5]), _money(row[6]))
        if top is None:  # the top's row comes first in its group
            own = (group[0] - _money(row[7]), group[1] - _money(row[8]))
            found[account_id] = GroupMembers(
                [_member_figures(account_id, name, own, group, own=True)], row[9]
            )
        else:
            found[top].rows.append(_member_figures(account_id, name, (revenue, net_profit), group))
    return found


def _member_figures(
    account_id: int,
    name: str,
    figures: tuple[Decimal, Decimal],
    group: tuple[Decimal, Decimal],
    own: bool = False,
) -> MemberFigures:
    """An entity's revenue and net profit with their shares of its group's (none of a total
    that is not positive)."""
    (revenue, net_profit), (group_revenue, group_net_profit) = figures, group
    return MemberFigures(
        account_id,
        name,
        revenue,
        net_profit,
        share(revenue, group_revenue) if group_revenue > 0 else None,
        share(net_profit, group_net_profit) if group_net_profit > 0 else None,
        own=own,
    )


def _money(value: Any) -> Decimal:
    """A window sum as money (SQLite gives a plain number)."""
    return Decimal(str(value or 0)).quantize(CENTS)


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
# The mean each plain (not ratio) trend metric is: a sum over a count of the rows with a value.
TREND_MEANS = {
    "revenue_per_account": ("revenue_sum", "rows"),
    "share_of_wallet_pct": ("share_of_wallet_sum", "share_of_wallet_count"),
    "satisfaction": ("satisfaction_sum", "satisfaction_count"),
    "retention": ("retention_sum", "retention_count"),
}


def effectiveness_trends(
    scope: Scope, period: Period, run: ScoringRun | None = None
) -> dict[str, Any]:
    """Quarterly effectiveness of key accounts against the others over three years, each
    quarter a `scoring.quarters.Quarter` (partial ones marked, from the run's first day of
    data), at the scope's level (scoring/portfolio/snapshots.py: groups' GroupSnapshot and
    standalone accounts' MetricSnapshot, or every entity's MetricSnapshot). One query.

    Revenue is per account (the two groups differ in size), margin and cost to serve are
    ratios of sums (revenue-weighted), share of wallet, satisfaction and retention are means
    over the accounts that have a value. `revenue` holds each quarter's summed revenue, key
    accounts and the others: the same in both views."""
    quarters = period.trend_quarters
    rows = summed(
        snapshot_sources(scope, quarters, run),
        ["period_start", "in_key"],
        revenue_sum=Sum("revenue"),
        gross_margin_sum=Sum("gross_margin"),
        cost_to_serve_sum=Sum("cost_to_serve"),
        share_of_wallet_sum=Sum("share_of_wallet_pct"),
        share_of_wallet_count=Count("share_of_wallet_pct"),
        satisfaction_sum=Sum("satisfaction"),
        satisfaction_count=Count("satisfaction"),
        retention_sum=Sum("retention"),
        retention_count=Count("retention"),
    )
    found = {(row["period_start"], bool(row["in_key"])): row for row in rows}

    def point(row: dict[str, Any] | None, metric: str) -> float | None:
        if row is None:
            return None
        if metric == "gross_margin_pct":
            return share(row["gross_margin_sum"], row["revenue_sum"])
        if metric == "cost_to_serve_pct":
            return share(row["cost_to_serve_sum"], row["revenue_sum"])
        total, count = TREND_MEANS[metric]
        return float(row[total]) / row[count] if row[count] and row[total] is not None else None

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
    revenue = {
        group: [
            _money((found.get((quarter, is_key)) or {}).get("revenue_sum")) for quarter in quarters
        ]
        for group, is_key in (("key", True), ("other", False))
    }
    return {"quarters": quarters_shown(quarters, run), "series": series, "revenue": revenue}
