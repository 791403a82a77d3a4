"""Reads for the director's portfolio dashboard: tiles, warnings and chart series.

Everything here reads the precomputed results of the current scoring run (AccountScore,
MetricSnapshot) and small live tables (Account status and KAM, stage changes, plans, actions,
commitments). Each function is a fixed number of set-based queries, whatever the number of
accounts: sums, counts and window functions run in the database, and any list that could grow
with the portfolio is cut to a bounded length with its full count beside it.

Two kinds of reads:
- the run's results (sums, shares, flags, matrix, curves, effectiveness trends) use the run's
  own snapshot of each account (AccountScore.status, stage and flags), so they never change
  once the run has finished and are cached per run, filters and period;
- live counts (key accounts now, KAM loads, stages, stage movements, overdue plans, actions and
  commitments) are read on every request from small, indexed tables, so a designation or a
  stage move shows at once.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import (
    Avg,
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RowRange
from django.db.models.functions import Cast, RowNumber, TruncMonth
from django.utils import timezone

from accounts.models import STAGE_ORDER, Account, AccountStatus, Stage, StageChange
from plans.models import Action, ActionStatus, Commitment, CommitmentStatus, Plan, PlanStatus
from scoring.engine.rules import KAM_MAX_KEY_ACCOUNTS
from scoring.models import AccountScore, MetricSnapshot, ScoringRun

KEY = AccountStatus.KEY.value

# Portfolio size rules of thumb (DOMAIN.md): shown as guardrails, never enforced.
TYPICAL_MIN, TYPICAL_MAX = 15, 35
LIMIT_MIN, LIMIT_MAX = 5, 50
TOO_MANY = 100
# Year-on-year revenue fall of a key account that deserves a warning.
REVENUE_FALL_WARNING = Decimal("0.15")
# The matrix draws at most this many bubbles; the table's CSV has every account.
MATRIX_MAX_BUBBLES = 300
# How many rows a warning list or overdue list shows on the page (the CSV has them all).
LIST_LIMIT = 20
# Overdue plans, actions and breached commitments listed beside their chart.
OVERDUE_LIMIT = 8
# Points along the whale and Pareto curves (plus the whale's peak).
CURVE_POINTS = 100
# Quarters in the effectiveness trends: benefits lag, so three years.
TREND_QUARTERS = 12


# --- filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which accounts the dashboard looks at: a KAM's, an industry's, a region's, or all."""

    kam_id: int | None = None
    industry: str = ""
    region: str = ""

    def q(self, path: str = "") -> Q:
        """The scope as a filter on Account, or on a model whose `path` leads to Account."""
        prefix = f"{path}__" if path else ""
        condition = Q()
        if self.kam_id is not None:
            condition &= Q(**{f"{prefix}kam_id": self.kam_id})
        if self.industry:
            condition &= Q(**{f"{prefix}industry": self.industry})
        if self.region:
            condition &= Q(**{f"{prefix}region": self.region})
        return condition

    @property
    def is_whole_portfolio(self) -> bool:
        return self.kam_id is None and not self.industry and not self.region


@dataclass(frozen=True)
class Period:
    """A 12-month window [start, end): stage movements in it, trends over 3 years up to it."""

    start: dt.date
    end: dt.date
    label: str

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def trend_quarters(self) -> list[dt.date]:
        """First days of the TREND_QUARTERS calendar quarters ending with the period's last."""
        last = quarter_start(self.last_day)
        return [add_months(last, -3 * back) for back in range(TREND_QUARTERS - 1, -1, -1)]


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after (or before) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


TRAILING = "t12m"


def period_choices(today: dt.date, years: int = 4) -> list[tuple[str, str]]:
    """The trailing 12 months, then the last `years` full calendar years."""
    return [(TRAILING, "Last 12 months")] + [
        (str(year), str(year)) for year in range(today.year - 1, today.year - 1 - years, -1)
    ]


def resolve_period(value: str | None, *, today: dt.date) -> Period:
    """A period choice as dates: the 12 months up to `today`'s month, or a calendar year."""
    if value and value.isdigit():
        year = int(value)
        return Period(dt.date(year, 1, 1), dt.date(year + 1, 1, 1), value)
    end = add_months(today, 1)
    return Period(add_months(end, -12), end, "Last 12 months")


# --- tiles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guardrail:
    """Where the number of key accounts stands against the portfolio size rules of thumb."""

    key_accounts: int
    level: str  # "ok", "warning" or "danger"
    message: str

    @property
    def broken(self) -> bool:
        return self.level != "ok"


def portfolio_size_guardrail(key_accounts: int) -> Guardrail:
    """15-35 key accounts is typical, 5-50 the outer limits, over 100 too many (DOMAIN.md)."""
    n = key_accounts
    if n > TOO_MANY:
        return Guardrail(n, "danger", f"{n} key accounts: over {TOO_MANY} is too many.")
    if n > LIMIT_MAX:
        return Guardrail(n, "danger", f"{n} key accounts: above the outer limit of {LIMIT_MAX}.")
    if n < LIMIT_MIN:
        return Guardrail(n, "danger", f"{n} key accounts: below the outer limit of {LIMIT_MIN}.")
    if n > TYPICAL_MAX:
        return Guardrail(
            n, "warning", f"{n} key accounts: above the typical {TYPICAL_MIN}-{TYPICAL_MAX}."
        )
    if n < TYPICAL_MIN:
        return Guardrail(
            n, "warning", f"{n} key accounts: below the typical {TYPICAL_MIN}-{TYPICAL_MAX}."
        )
    return Guardrail(n, "ok", f"{n} key accounts: within the typical {TYPICAL_MIN}-{TYPICAL_MAX}.")


@dataclass(frozen=True)
class AccountCounts:
    """Live counts from the account table (they need no scoring run)."""

    key_all: int  # the whole portfolio: the size guardrail is about the programme
    key: int  # in scope
    candidates: int
    accounts: int


def account_census(scope: Scope) -> tuple[AccountCounts, list[dict[str, Any]]]:
    """Live counts and the accounts per relationship stage (key accounts beside the others) in
    ONE pass over the accounts, grouped by stage. The key count for the size guardrail is over
    the whole portfolio, the rest over the scope."""
    in_scope = scope.q()
    rows = {
        row["stage"]: row
        for row in Account.objects.values("stage")
        .annotate(
            key_all=Count("pk", filter=Q(status=KEY)),
            key=Count("pk", filter=in_scope & Q(status=KEY)),
            other=Count("pk", filter=in_scope & ~Q(status=KEY)),
            candidates=Count("pk", filter=in_scope & Q(status=AccountStatus.CANDIDATE)),
        )
        .order_by()
    }
    counts = AccountCounts(
        key_all=sum(row["key_all"] for row in rows.values()),
        key=sum(row["key"] for row in rows.values()),
        candidates=sum(row["candidates"] for row in rows.values()),
        accounts=sum(row["key"] + row["other"] for row in rows.values()),
    )
    stages = [
        {
            "stage": stage.value,
            "label": stage.label,
            "key": rows.get(stage.value, {}).get("key", 0),
            "other": rows.get(stage.value, {}).get("other", 0),
        }
        for stage in Stage
    ]
    return counts, stages


def account_counts(scope: Scope) -> AccountCounts:
    return account_census(scope)[0]


def share(part: Any, whole: Any) -> float | None:
    """part / whole as a percentage; None when the whole is zero or missing."""
    if part is None or not whole:
        return None
    return float(part) / float(whole) * 100


@dataclass(frozen=True)
class RunFigures:
    """Sums over the current run's scores in scope, key accounts beside all accounts."""

    run_accounts: int  # every account scored in the run (the rank thresholds use it)
    accounts: int
    revenue: Decimal
    key_revenue: Decimal
    cost_to_serve: Decimal
    key_cost_to_serve: Decimal
    net_profit: Decimal
    key_net_profit: Decimal
    revenue_squares: float
    profitable_accounts: int
    profit_of_profitable: Decimal
    pareto_accounts: int
    four_x_accounts: int
    top_revenues: list[Decimal] = field(default_factory=list)

    @property
    def key_revenue_pct(self) -> float | None:
        return share(self.key_revenue, self.revenue)

    @property
    def key_cost_to_serve_pct(self) -> float | None:
        return share(self.key_cost_to_serve, self.cost_to_serve)

    @property
    def key_net_profit_pct(self) -> float | None:
        return share(self.key_net_profit, self.net_profit)

    def top_share(self, n: int) -> float | None:
        """Share of revenue of the n largest accounts."""
        return share(sum(self.top_revenues[:n], Decimal(0)), self.revenue)

    @property
    def top1_pct(self) -> float | None:
        return self.top_share(1)

    @property
    def top5_pct(self) -> float | None:
        return self.top_share(5)

    @property
    def top10_pct(self) -> float | None:
        return self.top_share(10)

    @property
    def unprofitable_tail(self) -> Decimal:
        """What the accounts after the whale curve's peak give away (>= 0)."""
        return self.profit_of_profitable - self.net_profit

    @property
    def herfindahl(self) -> float | None:
        """Herfindahl index of revenue on the 0-10,000 scale: sum of squared % shares."""
        if not self.revenue:
            return None
        return self.revenue_squares / float(self.revenue) ** 2 * 10_000


def scores_in_scope(run: ScoringRun, scope: Scope) -> QuerySet[AccountScore]:
    return AccountScore.objects.filter(run=run).filter(scope.q("account"))


def run_figures(run: ScoringRun, scope: Scope) -> RunFigures:
    """Two queries: the sums (one pass over the run) and the ten largest revenues."""
    in_scope = scope.q("account")
    key = in_scope & Q(status=KEY)
    zero = Value(Decimal(0))
    revenue_as_float = Cast("revenue", FloatField())
    aggregates = {
        "run_accounts": Count("pk"),
        "accounts": Count("pk", filter=in_scope),
        "revenue": Sum("revenue", filter=in_scope, default=zero),
        "key_revenue": Sum("revenue", filter=key, default=zero),
        "cost_to_serve": Sum("cost_to_serve", filter=in_scope, default=zero),
        "key_cost_to_serve": Sum("cost_to_serve", filter=key, default=zero),
        "net_profit": Sum("net_profit", filter=in_scope, default=zero),
        "key_net_profit": Sum("net_profit", filter=key, default=zero),
        "revenue_squares": Sum(revenue_as_float * revenue_as_float, filter=in_scope, default=0.0),
        "profitable_accounts": Count("pk", filter=in_scope & Q(net_profit__gt=0)),
        "profit_of_profitable": Sum(
            "net_profit", filter=in_scope & Q(net_profit__gt=0), default=zero
        ),
        "pareto_accounts": Count("pk", filter=in_scope & Q(is_pareto=True)),
        "four_x_accounts": Count("pk", filter=in_scope & Q(is_4x=True)),
    }
    # Aliases must not shadow the model's fields, or later aggregates would read them.
    row = AccountScore.objects.filter(run=run).aggregate(
        **{f"total_{name}": aggregate for name, aggregate in aggregates.items()}
    )
    figures = {name: row[f"total_{name}"] for name in aggregates}
    top = list(
        scores_in_scope(run, scope).order_by("-revenue").values_list("revenue", flat=True)[:10]
    )
    return RunFigures(**figures, top_revenues=top)


@dataclass(frozen=True)
class KamLoad:
    kam_id: int
    name: str
    key_accounts: int
    accounts: int

    @property
    def overloaded(self) -> bool:
        return self.key_accounts > KAM_MAX_KEY_ACCOUNTS


def display_name(first: str, last: str, username: str) -> str:
    """The same name User.__str__ gives, from values() columns."""
    return f"{first} {last}".strip() or username


def kam_loads(scope: Scope) -> list[KamLoad]:
    """Accounts and key accounts per KAM (live), most key accounts first. One query."""
    rows = (
        Account.objects.filter(kam__isnull=False)
        .filter(scope.q())
        .values("kam_id", "kam__first_name", "kam__last_name", "kam__username")
        .annotate(key_accounts=Count("pk", filter=Q(status=KEY)), accounts=Count("pk"))
        .order_by("-key_accounts", "-accounts", "kam__last_name", "kam__username")
    )
    return [
        KamLoad(
            kam_id=row["kam_id"],
            name=display_name(row["kam__first_name"], row["kam__last_name"], row["kam__username"]),
            key_accounts=row["key_accounts"],
            accounts=row["accounts"],
        )
        for row in rows
    ]


# --- warnings ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bounded:
    """The first rows of a list and how many there are in all."""

    rows: list[dict[str, Any]]
    total: int


def _bounded(queryset: QuerySet, fields: Iterable[str], limit: int = LIST_LIMIT) -> Bounded:
    """First `limit` rows and the full count in ONE query (COUNT(*) OVER () on each row)."""
    counted = queryset.annotate(total_rows=Window(Count("pk")))
    rows = list(counted.values(*fields, "total_rows")[:limit])
    return Bounded(rows=rows, total=rows[0]["total_rows"] if rows else 0)


SCORE_ROW_FIELDS = (
    "account_id",
    "account__name",
    "status",
    "rank",
    "attractiveness",
    "revenue",
    "revenue_prev",
)


def misclassified_scores(run: ScoringRun, scope: Scope) -> QuerySet[AccountScore]:
    """Accounts the run flagged: key accounts ranked in the bottom half, others in the top
    decile (the rule lives in the scoring engine), best rank first."""
    return scores_in_scope(run, scope).filter(is_misclassified=True).order_by("rank", "account_id")


def misclassified(run: ScoringRun, scope: Scope) -> Bounded:
    return _bounded(misclassified_scores(run, scope), SCORE_ROW_FIELDS)


def revenue_fall_condition() -> Q:
    """Key accounts whose revenue fell more than 15% on the previous 12 months."""
    return (
        Q(status=KEY)
        & Q(revenue_prev__gt=0)
        & Q(revenue__lt=F("revenue_prev") * (1 - REVENUE_FALL_WARNING))
    )


def revenue_fall_scores(run: ScoringRun, scope: Scope) -> QuerySet[AccountScore]:
    """Steepest fall first."""
    ratio = Cast("revenue", FloatField()) / Cast("revenue_prev", FloatField())
    return (
        scores_in_scope(run, scope)
        .filter(revenue_fall_condition())
        .annotate(ratio=ratio)
        .order_by("ratio", "account_id")
    )


def revenue_falls(run: ScoringRun, scope: Scope) -> Bounded:
    return _bounded(revenue_fall_scores(run, scope), SCORE_ROW_FIELDS)


@dataclass(frozen=True)
class PortfolioWarning:
    message: str
    account_id: int | None = None


@dataclass(frozen=True)
class WarningGroup:
    """Warnings of one kind; `total` counts them all when only the first are listed."""

    kind: str  # guardrail, kam_load, misclassified, revenue_fall
    title: str
    level: str  # "warning" or "danger"
    warnings: list[WarningGroup]
    total: int


def build_warnings(
    *,
    guardrail: Guardrail,
    loads: list[KamLoad],
    misclassified_rows: Bounded | None,
    fall_rows: Bounded | None,
    run_accounts: int,
) -> list[WarningGroup]:
    """The dashboard's warnings, grouped, in the order a director reads them; empty groups
    are left out."""
    overloaded = [
        PortfolioWarning(
            f"{load.name} serves {load.key_accounts} key accounts "
            f"(more than {KAM_MAX_KEY_ACCOUNTS})."
        )
        for load in loads
        if load.overloaded
    ]
    misplaced = []
    for row in misclassified_rows.rows if misclassified_rows else []:
        if row["status"] == KEY:
            text = "key account in the bottom half of scores"
        else:
            text = "not a key account, but in the top decile of scores"
        misplaced.append(
            PortfolioWarning(
                f"{row['account__name']}: {text} (rank {row['rank']} of {run_accounts}).",
                row["account_id"],
            )
        )
    falls = [
        PortfolioWarning(
            f"{row['account__name']}: revenue down "
            f"{(1 - row['revenue'] / row['revenue_prev']) * 100:.1f}% on the previous 12 months.",
            row["account_id"],
        )
        for row in (fall_rows.rows if fall_rows else [])
    ]
    groups = [
        WarningGroup(
            "guardrail",
            "Portfolio size",
            guardrail.level,
            [PortfolioWarning(guardrail.message)] if guardrail.broken else [],
            int(guardrail.broken),
        ),
        WarningGroup(
            "kam_load",
            f"KAMs with more than {KAM_MAX_KEY_ACCOUNTS} key accounts",
            "warning",
            overloaded,
            len(overloaded),
        ),
        WarningGroup(
            "misclassified",
            "Misclassified: key accounts in the bottom half, others in the top decile",
            "warning",
            misplaced,
            misclassified_rows.total if misclassified_rows else 0,
        ),
        WarningGroup(
            "revenue_fall",
            "Key accounts whose revenue fell more than 15% year on year",
            "danger",
            falls,
            fall_rows.total if fall_rows else 0,
        ),
    ]
    return [group for group in groups if group.total]


# --- charts --------------------------------------------------------------------------------


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


def effectiveness_trends(scope: Scope, period: Period) -> dict[str, Any]:
    """Quarterly effectiveness of key accounts against the others over three years. One query.

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

    series = {
        metric: {
            "label": label,
            "key": [point(found.get((quarter, True)), metric) for quarter in quarters],
            "other": [point(found.get((quarter, False)), metric) for quarter in quarters],
        }
        for metric, label in TREND_METRICS
    }
    return {"quarters": quarters, "series": series}


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


def overdue(scope: Scope, today: dt.date) -> Overdue:
    """Three queries, each list with its full count."""
    return Overdue(
        plans=_bounded(overdue_plans(scope, today), PLAN_FIELDS, OVERDUE_LIMIT),
        actions=_bounded(overdue_actions(scope, today), ACTION_FIELDS, OVERDUE_LIMIT),
        commitments=_bounded(breached_commitments(scope), COMMITMENT_FIELDS, OVERDUE_LIMIT),
    )


# --- the whole dashboard -------------------------------------------------------------------


@dataclass
class RunResults:
    """What the dashboard reads from one finished run: it never changes, so it is cached."""

    figures: RunFigures
    misclassified: Bounded
    revenue_falls: Bounded
    matrix: list[dict[str, Any]]
    whale: list[CurvePoint]
    pareto: list[CurvePoint]
    trends: dict[str, Any]


# Bump when RunResults or what it holds changes shape, so no stale pickle is read back.
RESULTS_CACHE_VERSION = 1
RESULTS_CACHE_SECONDS = 24 * 60 * 60


def run_results_cache_key(run: ScoringRun, scope: Scope, period: Period) -> str:
    finished = run.finished_at.isoformat() if run.finished_at else ""
    return (
        f"portfolio:results:v{RESULTS_CACHE_VERSION}:{run.pk}:{finished}:"
        f"{scope.kam_id or ''}:{scope.industry}:{scope.region}:{period.start}:{period.end}"
    )


def compute_run_results(run: ScoringRun, scope: Scope, period: Period) -> RunResults:
    """Eight queries over the run's scores and the quarterly snapshots."""
    figures = run_figures(run, scope)
    return RunResults(
        figures=figures,
        misclassified=misclassified(run, scope),
        revenue_falls=revenue_falls(run, scope),
        matrix=matrix_bubbles(run, scope),
        whale=cumulative_curve(
            run,
            scope,
            field_name="net_profit",
            n=figures.accounts,
            total=figures.net_profit,
            extra=[figures.profitable_accounts],
        ),
        pareto=cumulative_curve(
            run, scope, field_name="revenue", n=figures.accounts, total=figures.revenue
        ),
        trends=effectiveness_trends(scope, period),
    )


def run_results(run: ScoringRun, scope: Scope, period: Period) -> RunResults:
    """The run's results for these filters, computed once per run and cached (a new run has
    a new key, so nothing needs invalidating)."""
    key = run_results_cache_key(run, scope, period)
    results = cache.get(key)
    if results is None:
        results = compute_run_results(run, scope, period)
        cache.set(key, results, RESULTS_CACHE_SECONDS)
    return results


@dataclass
class Dashboard:
    scope: Scope
    period: Period
    run: ScoringRun | None
    counts: AccountCounts
    guardrail: Guardrail
    loads: list[KamLoad]
    stages: list[dict[str, Any]]
    movements: dict[str, Any]
    trends: dict[str, Any]
    overdue: Overdue
    warnings: list[WarningGroup]
    results: RunResults | None = None

    @property
    def figures(self) -> RunFigures | None:
        return self.results.figures if self.results else None

    @property
    def matrix(self) -> list[dict[str, Any]]:
        return self.results.matrix if self.results else []

    @property
    def whale(self) -> list[CurvePoint]:
        return self.results.whale if self.results else []

    @property
    def pareto(self) -> list[CurvePoint]:
        return self.results.pareto if self.results else []

    @property
    def whale_peak(self) -> CurvePoint | None:
        """The top of the whale curve: after the last account with a positive net profit."""
        if self.figures is None or not self.figures.profitable_accounts:
            return None
        return next((p for p in self.whale if p.position == self.figures.profitable_accounts), None)


def portfolio_dashboard(
    *, scope: Scope, period: Period, run: ScoringRun | None, today: dt.date
) -> Dashboard:
    """Everything the dashboard shows, in a fixed number of queries (run or no run): the live
    counts on every request, the run's results once per run and filters (then cached)."""
    counts, stages = account_census(scope)
    guardrail = portfolio_size_guardrail(counts.key_all)
    loads = kam_loads(scope)
    results = run_results(run, scope, period) if run is not None else None
    return Dashboard(
        scope=scope,
        period=period,
        run=run,
        counts=counts,
        guardrail=guardrail,
        loads=loads,
        stages=stages,
        movements=stage_movements(scope, period),
        trends=results.trends if results else effectiveness_trends(scope, period),
        overdue=overdue(scope, today),
        warnings=build_warnings(
            guardrail=guardrail,
            loads=loads,
            misclassified_rows=results.misclassified if results else None,
            fall_rows=results.revenue_falls if results else None,
            run_accounts=results.figures.run_accounts if results else 0,
        ),
        results=results,
    )
