"""The units of selection of one finished run as parallel arrays, read once per run and cached.

A finished run never changes, so what the weights what-if ranks (scoring.workbench) and what
the dashboard's top-N check compares with today's key accounts (scoring.portfolio.top_n) is
read from the run's scores once, into arrays, and kept under the run's key, in each process
and in the cache (kam.kept).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from kam.kept import kept
from scoring.models import AccountScore, ScoringRun

# Bump when RunVectors changes shape, so no stale pickle is read back.
VECTORS_CACHE_VERSION = 2
VECTORS_CACHE_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class RunVectors:
    """The units of selection of one finished run as parallel arrays, in account-id order:
    what the what-if ranks. A finished run never changes, so they are read once per run and
    cached; so is each criterion's column of normalised values (workbench's
    `_criterion_column`)."""

    ids: array  # account ids, ascending
    attractiveness: array  # the stored score (0-100), in hundredths (exact)
    revenue: array  # in cents (exact)
    rank: array  # the run's rank
    by_rank: array  # the indexes in the run's rank order, ties by account id

    def position(self) -> dict[int, int]:
        return {account_id: index for index, account_id in enumerate(self.ids)}

    def index(self, account_id: int) -> int | None:
        """The index of `account_id`, None when it is not a unit of the run."""
        index = bisect_left(self.ids, account_id)
        if index < len(self.ids) and self.ids[index] == account_id:
            return index
        return None

    def indexes(self, account_ids: Iterable[int]) -> list[int]:
        """The indexes of those of `account_ids` that are units of the run."""
        found = (self.index(account_id) for account_id in account_ids)
        return [index for index in found if index is not None]

    def ranked_at_most(self, n: int) -> list[int]:
        """The indexes of the units whose run rank is at most `n`, in rank order (ties by
        account id)."""
        found = []
        for index in self.by_rank:
            if self.rank[index] > n:
                break
            found.append(index)
        return found

    def score(self, index: int) -> Decimal:
        """The stored score, as the database holds it (two places)."""
        return Decimal(self.attractiveness[index]).scaleb(-2)

    def money(self, index: int) -> Decimal:
        """The stored T12 revenue, as the database holds it (two places)."""
        return Decimal(self.revenue[index]).scaleb(-2)


def run_key(run: ScoringRun) -> str:
    """The run in a cache key: its id and when it was created and finished (test databases
    reuse ids; a run's results never change once it has finished)."""
    created = run.created_at.isoformat() if run.created_at else ""
    finished = run.finished_at.isoformat() if run.finished_at else ""
    return f"v{VECTORS_CACHE_VERSION}:{run.pk}:{created}:{finished}"


def run_vectors(run: ScoringRun) -> RunVectors:
    """The run's units as arrays: one query the first time, then from this process's copy or
    the cache (kam.kept)."""
    key = f"workbench:units:{run_key(run)}"
    return kept(key, lambda: _read_vectors(run), VECTORS_CACHE_SECONDS)


def _read_vectors(run: ScoringRun) -> RunVectors:
    rows = (
        AccountScore.objects.filter(run=run, is_unit=True)
        .order_by("account_id")
        .values_list("account_id", "attractiveness", "revenue", "rank")
    )
    ids, attractiveness, revenue, rank = array("q"), array("q"), array("q"), array("q")
    for account_id, points, money, position in rows:
        ids.append(account_id)
        attractiveness.append(round(Decimal(points or 0) * 100))
        revenue.append(round(Decimal(money or 0) * 100))
        rank.append(position or 0)
    # ids ascend, so a stable sort by rank leaves ties in account-id order
    by_rank = array("q", sorted(range(len(ids)), key=rank.__getitem__))
    return RunVectors(ids, attractiveness, revenue, rank, by_rank)
