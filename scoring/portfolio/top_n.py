"""The actionable misclassification check: with N = the number of key accounts now, which
accounts that are not key rank in the run's top N (they would enter it) and which key accounts
rank below it (they would leave it), best rank first, each with the why: its score, its rank and
the criteria that drive it (for one entering, its largest contributions; for one leaving, the
criteria where it loses the most points).

Status is read live from the account, so a designation made since the run counts at once; the
ranks are the run's. The run's own review flag (`is_misclassified`: key accounts in the bottom
half, others in the top decile) stays on the account page and the scores list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    Q,
    QuerySet,
)

from accounts.models import Account
from scoring.explanations import lines_by_account
from scoring.models import AccountScore, Criterion, ScoringRun
from scoring.portfolio.base import KEY, LIST_LIMIT, Scope
from scoring.portfolio.tiles import scores_in_scope
from scoring.portfolio.vectors import RunVectors, run_vectors

# Criteria named as the why of one account.
DRIVERS_SHOWN = 3
ROW_FIELDS = ("account_id", "account__name", "rank", "attractiveness", "revenue", "is_key_now")


@dataclass(frozen=True)
class Driver:
    """One criterion of an account's score: its points against the most it could give."""

    label: str
    normalised: Decimal
    points: float
    possible: float

    @property
    def text(self) -> str:
        return f"{self.label} {self.points:.1f} of {self.possible:.1f} pts"


@dataclass(frozen=True)
class Mover:
    account_id: int
    name: str
    rank: int
    score: Decimal
    revenue: Decimal
    is_key: bool
    drivers: list[Driver] = field(default_factory=list)

    @property
    def why(self) -> str:
        """The account's case in one line, as the dashboard and the download say it."""
        lead = "strongest" if not self.is_key else "weakest"
        criteria = ", ".join(driver.text for driver in self.drivers)
        return f"score {self.score:.2f}, rank {self.rank}" + (
            f"; {lead}: {criteria}" if criteria else ""
        )


@dataclass(frozen=True)
class TopN:
    """The top-N check of one run and scope: N, the first LIST_LIMIT of each side, the totals."""

    n: int
    entering: list[Mover]
    leaving: list[Mover]
    entering_total: int
    leaving_total: int

    @property
    def total(self) -> int:
        return self.entering_total + self.leaving_total


def movers_queryset(run: ScoringRun, scope: Scope, n: int) -> QuerySet[AccountScore]:
    """The run's scores in scope on the wrong side of N: others ranked <= N, key accounts
    ranked > N (live status), each side best rank first."""
    key_now = Q(account__status=KEY)
    return (
        scores_in_scope(run, scope)
        .filter((Q(rank__lte=n) & ~key_now) | (Q(rank__gt=n) & key_now))
        .annotate(is_key_now=ExpressionWrapper(key_now, output_field=BooleanField()))
    )


def _mover(row: Mapping[str, Any]) -> Mover:
    return Mover(
        account_id=row["account_id"],
        name=row["account__name"],
        rank=row["rank"],
        score=row["attractiveness"],
        revenue=row["revenue"],
        is_key=bool(row["is_key_now"]),
    )


def criterion_drivers(
    run: ScoringRun, account_ids: Iterable[int], weights: Mapping[int, Decimal] | None = None
) -> dict[int, list[Driver]]:
    """Each account's criteria as drivers, from the run's explanations (two queries: the
    listed accounts' explanations, by the (run, account) index, and the criteria's labels).
    With `weights` ({criterion pk: weight}, the workbench's proposal) the points are those the
    proposed weights would give; otherwise the run's."""
    explained = lines_by_account(run, account_ids)
    labels = dict(Criterion.objects.values_list("pk", "label")) if explained else {}
    proposed = None if weights is None else {pk: float(w) for pk, w in weights.items()}
    by_account: dict[int, list[tuple[str, Decimal, float]]] = defaultdict(list)
    for account_id, lines in explained.items():
        for line in lines:
            weight = (
                float(line.weight) if proposed is None else proposed.get(line.criterion_id, 0.0)
            )
            by_account[account_id].append((labels[line.criterion_id], line.normalised, weight))
    drivers: dict[int, list[Driver]] = {}
    for account_id, criteria in by_account.items():
        total = sum(weight for *_, weight in criteria)
        drivers[account_id] = [
            Driver(label, normalised, possible * float(normalised) / 100, possible)
            for label, normalised, weight in criteria
            if total > 0 and weight > 0
            for possible in (weight / total * 100,)
        ]
    return drivers


def leading(drivers: list[Driver], *, losing: bool) -> list[Driver]:
    """The criteria that make an account's case: for one that would leave, where it loses the
    most points; for one that would enter, where it wins the most."""
    if losing:
        lost = [d for d in drivers if d.possible - d.points > 0]
        ordered = sorted(lost, key=lambda d: (-(d.possible - d.points), d.label))
    else:
        won = [d for d in drivers if d.points > 0]
        ordered = sorted(won, key=lambda d: (-d.points, d.label))
    return ordered[:DRIVERS_SHOWN]


def drivers_of(run: ScoringRun, movers: Iterable[Mover]) -> list[Mover]:
    """The movers with their leading drivers (one query; none for no mover)."""
    movers = list(movers)
    if not movers:
        return []
    drivers = criterion_drivers(run, [mover.account_id for mover in movers])
    return [
        replace(mover, drivers=leading(drivers.get(mover.account_id, []), losing=mover.is_key))
        for mover in movers
    ]


def _movers(
    vectors: RunVectors, indexes: list[int], names: Mapping[int, str], *, key: bool
) -> list[Mover]:
    return [
        Mover(
            account_id=vectors.ids[index],
            name=names[vectors.ids[index]],
            rank=vectors.rank[index],
            score=vectors.score(index),
            revenue=vectors.money(index),
            is_key=key,
        )
        for index in indexes
    ]


def top_n_check(run: ScoringRun, scope: Scope, n: int, limit: int = LIST_LIMIT) -> TopN:
    """Each side's first `limit` rows and total, then their drivers: three queries (four in a
    scope). The run's ranks, scores and revenue come from its cached arrays (`run_vectors`);
    what is live is read by key: today's key accounts in scope, in a scope which of the units
    ranked in the top N are in it and not key, and the names of the listed ones. Read from
    the scores instead, PostgreSQL walked every score ranked below N looking for the key
    accounts among them, or joined every score with every account (15-45 ms at 50,000
    accounts, against 5)."""
    vectors = run_vectors(run)
    top = vectors.ranked_at_most(n)
    in_scope = Account.objects.filter(scope.q())
    # The key accounts' ids from the (status, id) index; names only for the listed ones.
    key_ids = set(in_scope.filter(status=KEY).values_list("pk", flat=True))
    if scope.is_whole_portfolio:
        entering = [index for index in top if vectors.ids[index] not in key_ids]
    else:
        top_ids = [vectors.ids[index] for index in top]
        others = set(
            in_scope.filter(pk__in=top_ids).exclude(status=KEY).values_list("pk", flat=True)
        )
        entering = [index for index in top if vectors.ids[index] in others]
    # Key accounts ranked below N, best rank first (ties by account id, as the ranks' order).
    leaving = sorted(
        (index for index in vectors.indexes(key_ids) if vectors.rank[index] > n),
        key=lambda index: (vectors.rank[index], vectors.ids[index]),
    )
    listed = [vectors.ids[index] for index in entering[:limit] + leaving[:limit]]
    names = dict(Account.objects.filter(pk__in=listed).values_list("pk", "name"))
    movers = drivers_of(
        run,
        _movers(vectors, entering[:limit], names, key=False)
        + _movers(vectors, leaving[:limit], names, key=True),
    )
    return TopN(
        n=n,
        entering=[mover for mover in movers if not mover.is_key],
        leaving=[mover for mover in movers if mover.is_key],
        entering_total=len(entering),
        leaving_total=len(leaving),
    )


def every_mover(run: ScoringRun, scope: Scope, n: int, *, chunk_size: int) -> Iterator[Mover]:
    """Every account of the check, entering first, with its drivers (one query per chunk)."""
    ordered = movers_queryset(run, scope, n).order_by("is_key_now", "rank", "account_id")
    chunk: list[Mover] = []
    for row in ordered.values(*ROW_FIELDS).iterator(chunk_size=chunk_size):
        chunk.append(_mover(row))
        if len(chunk) == chunk_size:
            yield from drivers_of(run, chunk)
            chunk = []
    yield from drivers_of(run, chunk)
