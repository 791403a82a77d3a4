"""The whole dashboard: the run's results cached per run, filters and period, plus live reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kam.kept import kept
from scoring.models import ScoringRun
from scoring.portfolio.base import Period, Scope
from scoring.portfolio.charts import (
    CurvePoint,
    GroupMembers,
    cumulative_curve,
    effectiveness_trends,
    group_members,
    matrix_bubbles,
    stage_movements,
)
from scoring.portfolio.fit import CostToServeTable, HealthTile, cost_to_serve_tables, health_tile
from scoring.portfolio.overdue import Overdue, overdue, waiting_for_approval
from scoring.portfolio.tiles import (
    AccountCounts,
    Guardrail,
    KamLoad,
    RunFigures,
    account_census,
    kam_loads,
    portfolio_size_guardrail,
    run_figures,
)
from scoring.portfolio.top_n import top_n_check
from scoring.portfolio.warnings import (
    Bounded,
    WarningGroup,
    build_warnings,
    investment_warnings,
    no_current_plan,
    revenue_falls,
    spend_below_revenue,
)


@dataclass
class RunResults:
    """What the dashboard reads from one finished run: it never changes, so it is cached."""

    figures: RunFigures
    revenue_falls: Bounded
    spend_below_revenue: Bounded  # the data-quality tile
    health: HealthTile
    investment: Bounded  # of PortfolioWarning
    cost_to_serve: list[CostToServeTable]
    matrix: list[dict[str, Any]]
    whale: list[CurvePoint]
    pareto: list[CurvePoint]
    trends: dict[str, Any]
    # The drill-down of every group row of the matrix and curve tables, by the top's id.
    members: dict[int, GroupMembers]


# Bump when RunResults or what it holds changes shape, so no stale pickle is read back.
RESULTS_CACHE_VERSION = 7
RESULTS_CACHE_SECONDS = 24 * 60 * 60


def run_results_cache_key(run: ScoringRun, scope: Scope, period: Period) -> str:
    finished = run.finished_at.isoformat() if run.finished_at else ""
    return (
        f"portfolio:results:v{RESULTS_CACHE_VERSION}:{run.pk}:{finished}:"
        f"{scope.kam_id or ''}:{scope.industry}:{scope.region}:{scope.level}:"
        f"{period.start}:{period.end}"
    )


def compute_run_results(run: ScoringRun, scope: Scope, period: Period) -> RunResults:
    """Fourteen queries over the run's scores, health, investment warnings and the quarterly
    snapshots (one more for entities: their Pareto set; one less when no table shows a
    group)."""
    figures = run_figures(run, scope)
    matrix = matrix_bubbles(run, scope)
    whale = cumulative_curve(
        run,
        scope,
        field_name="net_profit",
        n=figures.accounts,
        total=figures.net_profit,
        extra=[figures.profitable_accounts],
    )
    pareto = cumulative_curve(
        run, scope, field_name="revenue", n=figures.accounts, total=figures.revenue
    )
    # The groups the tables show (in the matrix, at a point of a curve), for their drill-down.
    tops = {row["account_id"] for row in matrix if row["members"]}
    tops |= {point.account_id for point in [*whale, *pareto] if point.members}
    return RunResults(
        figures=figures,
        revenue_falls=revenue_falls(run, scope),
        spend_below_revenue=spend_below_revenue(run, scope),
        health=health_tile(run, scope),
        investment=investment_warnings(run, scope),
        cost_to_serve=cost_to_serve_tables(run, scope, period),
        matrix=matrix,
        whale=whale,
        pareto=pareto,
        trends=effectiveness_trends(scope, period, run),
        members=group_members(run, sorted(tops)),
    )


def run_results(run: ScoringRun, scope: Scope, period: Period) -> RunResults:
    """The run's results for these filters, computed once per run and kept in the process
    and the cache (kam.kept; a new run has a new key, so nothing needs invalidating)."""
    key = run_results_cache_key(run, scope, period)
    return kept(key, lambda: compute_run_results(run, scope, period), RESULTS_CACHE_SECONDS)


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
    waiting: Bounded  # plans waiting for approval, the oldest first
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

    def _members(self, account_id: int | None) -> GroupMembers | None:
        return self.results.members.get(account_id) if self.results else None

    @property
    def matrix_rows(self) -> list[tuple[dict[str, Any], GroupMembers | None]]:
        """The matrix table's rows, each group's with its drill-down."""
        return [(row, self._members(row["account_id"])) for row in self.matrix]

    @property
    def whale_rows(self) -> list[tuple[CurvePoint, GroupMembers | None]]:
        return [(point, self._members(point.account_id)) for point in self.whale]

    @property
    def pareto_rows(self) -> list[tuple[CurvePoint, GroupMembers | None]]:
        return [(point, self._members(point.account_id)) for point in self.pareto]

    @property
    def whale_in_money(self) -> bool:
        """A selection that loses money overall (or breaks even) has no positive total to take
        percentages of: its whale curve is drawn in money, from 0 down to the negative total."""
        return self.figures is not None and self.figures.net_profit <= 0

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
    # Live (designations since the run count at once): two queries.
    movers = top_n_check(run, scope, counts.key_all) if run is not None else None
    return Dashboard(
        scope=scope,
        period=period,
        run=run,
        counts=counts,
        guardrail=guardrail,
        loads=loads,
        stages=stages,
        movements=stage_movements(scope, period),
        trends=results.trends if results else effectiveness_trends(scope, period, run),
        overdue=overdue(scope, today),
        waiting=waiting_for_approval(scope),
        warnings=build_warnings(
            guardrail=guardrail,
            loads=loads,
            top_n=movers,
            fall_rows=results.revenue_falls if results else None,
            run_accounts=results.figures.run_accounts if results else 0,
            no_plan_rows=no_current_plan(scope),
            investment_rows=results.investment if results else None,
        ),
        results=results,
    )
