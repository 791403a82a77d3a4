"""The dashboard's health and investment-fit reads: the health tile (bands, and the accounts
whose health fell in the run), the investment-fit warnings, and the cost to serve of key
accounts by stage and by quadrant over three years (the effectiveness view)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, FilteredRelation, Q, Sum

from accounts.models import Stage
from scoring.models import HealthBand, HealthScore, Quadrant, ScoringRun
from scoring.portfolio.base import Period, Scope
from scoring.portfolio.snapshots import snapshot_sources, summed
from scoring.portfolio.tiles import scores_in_scope
from scoring.portfolio.warnings import Bounded, bounded

FELL_FIELDS = (
    "account_id",
    "account__name",
    "score",
    "band",
    "previous_score",
    "previous_band",
)


@dataclass(frozen=True)
class HealthTile:
    bands: dict[str, int]  # red / amber / green -> accounts of the run in scope
    fell: Bounded  # the accounts whose health fell in the run, lowest first

    @property
    def scored(self) -> int:
        return sum(self.bands.values())


def fell_scores(run: ScoringRun, scope: Scope):
    return (
        HealthScore.objects.filter(run=run, fell=True)
        .filter(scope.q("account"))
        .order_by("score", "account_id")
    )


def health_tile(run: ScoringRun, scope: Scope) -> HealthTile:
    """Two queries: the bands of the run's accounts in scope, and the first that fell."""
    counts = scores_in_scope(run, scope).aggregate(
        **{band.value: Count("pk", filter=Q(health_band=band.value)) for band in HealthBand}
    )
    return HealthTile(bands=counts, fell=bounded(fell_scores(run, scope), FELL_FIELDS))


@dataclass(frozen=True)
class CostToServeTable:
    """Key accounts' cost to serve per group (stage or quadrant) and year: `years` are labels,
    each row (label, [(cost to serve, % of revenue) per year])."""

    title: str
    years: list[str]
    rows: list[tuple[str, list[tuple[Decimal, float | None]]]]


def _years(quarters: list[dt.date]) -> list[list[dt.date]]:
    return [quarters[i : i + 4] for i in range(0, len(quarters), 4)]


def _year_label(quarters: list[dt.date]) -> str:
    first, last = quarters[0], quarters[-1]
    return f"{first.year} Q{(first.month - 1) // 3 + 1} to {last.year} Q{(last.month - 1) // 3 + 1}"


def _table(title: str, rows: Any, group: str, labels: list[tuple[str, str]], period: Period):
    years = _years(period.trend_quarters)
    year_of = {quarter: index for index, quarters in enumerate(years) for quarter in quarters}
    sums: dict[tuple[str, int], list[Decimal]] = {}
    for row in rows:
        cell = sums.setdefault((row[group] or "", year_of[row["period_start"]]), [Decimal(0)] * 2)
        cell[0] += row["cts"] or 0
        cell[1] += row["revenue"] or 0
    table = []
    for value, label in labels:
        cells = []
        for index in range(len(years)):
            cts, revenue = sums.get((value, index), [Decimal(0), Decimal(0)])
            cells.append((cts, float(cts / revenue * 100) if revenue > 0 else None))
        table.append((label, cells))
    return CostToServeTable(title, [_year_label(q) for q in years], table)


def cost_to_serve_tables(run: ScoringRun, scope: Scope, period: Period) -> list[CostToServeTable]:
    """Two queries over the units' snapshots of the three years to the period (a group's
    GroupSnapshot, a standalone account's MetricSnapshot): key accounts (key in that quarter)
    by their stage now, and by their quadrant in the run."""
    # Key accounts are units of selection: their groups' roll-ups in either view (the sums
    # are the same as their entities').
    sources = [
        source.filter(is_key=True)
        for source in snapshot_sources(scope, period.trend_quarters, run, units=True)
    ]
    sums = {"cts": Sum("cost_to_serve"), "revenue": Sum("revenue")}
    by_stage = summed(sources, ["period_start", "account__stage"], **sums)
    by_quadrant = summed(
        [
            source.annotate(
                run_score=FilteredRelation("account__scores", condition=Q(account__scores__run=run))
            )
            for source in sources
        ],
        ["period_start", "run_score__quadrant"],
        **sums,
    )
    return [
        _table(
            "By stage (now)",
            by_stage,
            "account__stage",
            [(s.value, s.label) for s in Stage],
            period,
        ),
        _table(
            "By quadrant (this run)",
            by_quadrant,
            "run_score__quadrant",
            [(q.value, q.label) for q in Quadrant] + [("", "Not scored")],
            period,
        ),
    ]
