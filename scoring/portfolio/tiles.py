"""The dashboard's tiles: guardrails, account census, the run's sums and shares, KAM loads."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RowRange
from django.db.models.functions import Cast, Coalesce

from accounts.models import Account, AccountStatus, Stage
from scoring.engine.thresholds import KAM_MAX_KEY_ACCOUNTS
from scoring.models import AccountScore, ScoringRun
from scoring.portfolio.base import (
    KEY,
    LIMIT_MAX,
    LIMIT_MIN,
    TOO_MANY,
    TYPICAL_MAX,
    TYPICAL_MIN,
    Scope,
)


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
    ONE pass over the units' census index (`account_unit_census`), grouped by stage and
    status: every unit counted (COUNT(*), no column but the index's), and in a narrower scope
    those in it. The key count for the size guardrail is over the whole portfolio, the rest
    over the scope. Units of selection only, in either view: designation and the stage belong
    to the group, its members have neither."""
    in_scope = {} if scope.is_whole_portfolio else {"in_scope": Count("pk", filter=scope.q())}
    grouped_rows = (
        Account.objects.filter(parent__isnull=True)
        .values("stage", "status")
        .annotate(units=Count("*"), **in_scope)
        .order_by()
    )
    rows: dict[str, dict[str, int]] = {}
    for row in grouped_rows:
        counts_of = rows.setdefault(
            row["stage"], {"key_all": 0, "key": 0, "other": 0, "candidates": 0}
        )
        units, scoped = row["units"], row.get("in_scope", row["units"])
        if row["status"] == KEY:
            counts_of["key_all"] += units
            counts_of["key"] += scoped
        else:
            counts_of["other"] += scoped
        if row["status"] == AccountStatus.CANDIDATE:
            counts_of["candidates"] += scoped
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


def unit_scores(run: ScoringRun) -> QuerySet[AccountScore]:
    """The run's rows of the units of selection (groups, rolled up, and standalone accounts):
    what every portfolio figure, curve, guardrail and chart counts. A group's members have
    rows of their own figures for drill-down (the group's account page), never counted here."""
    return AccountScore.objects.filter(run=run, is_unit=True)


def scores_in_scope(run: ScoringRun, scope: Scope) -> QuerySet[AccountScore]:
    return unit_scores(run).filter(scope.q("account"))


# The figures the dashboard's run tiles and curves read, as `fig_<name>` on each row.
FIGURES = ("revenue", "cost_to_serve", "net_profit")


def members_sum(run: ScoringRun, field_name: str) -> Subquery:
    """The sum of `field_name` over the members' rows of the row's group (the row is a top)."""
    rows = (
        AccountScore.objects.filter(run=run, group_id=OuterRef("account_id"))
        .order_by()
        .values("group_id")
        .annotate(total=Sum(field_name))
        .values("total")
    )
    return Subquery(rows, output_field=DecimalField(max_digits=16, decimal_places=2))


def entity_scope_q(scope: Scope) -> Q:
    """The scope on entities' rows: the KAM is the unit's (a member is in the portfolio of its
    group's KAM), industry and region are the entity's own."""
    condition = Scope(industry=scope.industry, region=scope.region).q("account")
    if scope.kam_id is not None:
        condition &= Q(group__isnull=True, account__kam_id=scope.kam_id) | Q(
            group__kam_id=scope.kam_id
        )
    return condition


def figure_rows(run: ScoringRun, scope: Scope) -> QuerySet[AccountScore]:
    """Every row of the run with `fig_revenue`, `fig_cost_to_serve`, `fig_net_profit` and
    `fig_status` (the unit's status) at the scope's level; `counted(scope)` says which rows
    count.

    Groups (the default): a unit's row as it is (a group's row is its roll-up).
    Entities: every legal entity's own figures, counted once. A member's row holds its own
    figures; a group's top row holds the roll-up of its subtree, so the top's own figures are
    that roll-up less its members' rows (the engine keeps no other copy of them:
    scoring/engine/groups.py). A member counts as key when its group is."""
    rows = AccountScore.objects.filter(run=run)
    if not scope.entities:
        return rows.annotate(**{f"fig_{name}": F(name) for name in FIGURES}, fig_status=F("status"))
    group_status = AccountScore.objects.filter(run=run, account_id=OuterRef("group_id")).values(
        "status"
    )[:1]
    own = {
        f"fig_{name}": Case(
            When(members__gt=0, then=F(name) - Coalesce(members_sum(run, name), Decimal(0))),
            default=F(name),
        )
        for name in FIGURES
    }
    return rows.annotate(**own, fig_status=Coalesce(Subquery(group_status), F("status")))


def counted(scope: Scope) -> Q:
    """The rows of `figure_rows` the scope counts: units in scope, or entities in scope."""
    if scope.entities:
        return entity_scope_q(scope)
    return Q(is_unit=True) & scope.q("account")


def portfolio_scores(run: ScoringRun, scope: Scope) -> QuerySet[AccountScore]:
    """The rows the dashboard's run figures and curves count, with their `fig_` figures."""
    return figure_rows(run, scope).filter(counted(scope))


def entity_pareto_count(run: ScoringRun, scope: Scope, total: Decimal) -> int:
    """How many entities make up 80% of revenue, ranked from the largest (then by account):
    those whose revenue before them is below 80% of the total, the engine's rule for units
    (final.py is_pareto), which flags units only. One query."""
    window = {
        "order_by": [F("fig_revenue").desc(), F("account_id").asc()],
        "frame": RowRange(start=None, end=-1),
    }
    ranked = portfolio_scores(run, scope).annotate(
        before=Coalesce(Window(Sum("fig_revenue"), **window), Decimal(0))
    )
    return ranked.filter(before__lt=total * Decimal("0.8")).count()


def run_figures(run: ScoringRun, scope: Scope) -> RunFigures:
    """Two queries, three for entities: the sums (one pass over the run) and the ten largest
    revenues, at the scope's level (`figure_rows`); for entities, the Pareto set counted along
    the ranked revenues (`entity_pareto_count`)."""
    in_scope = counted(scope)
    key = in_scope & Q(fig_status=KEY)
    profitable = in_scope & Q(fig_net_profit__gt=0)
    zero = Value(Decimal(0))
    revenue_as_float = Cast("fig_revenue", FloatField())
    aggregates = {
        "run_accounts": Count("pk", filter=Q(is_unit=True)),
        "accounts": Count("pk", filter=in_scope),
        "revenue": Sum("fig_revenue", filter=in_scope, default=zero),
        "key_revenue": Sum("fig_revenue", filter=key, default=zero),
        "cost_to_serve": Sum("fig_cost_to_serve", filter=in_scope, default=zero),
        "key_cost_to_serve": Sum("fig_cost_to_serve", filter=key, default=zero),
        "net_profit": Sum("fig_net_profit", filter=in_scope, default=zero),
        "key_net_profit": Sum("fig_net_profit", filter=key, default=zero),
        "revenue_squares": Sum(revenue_as_float * revenue_as_float, filter=in_scope, default=0.0),
        "profitable_accounts": Count("pk", filter=profitable),
        "profit_of_profitable": Sum("fig_net_profit", filter=profitable, default=zero),
        "pareto_accounts": Count("pk", filter=in_scope & Q(is_pareto=True)),
        "four_x_accounts": Count("pk", filter=in_scope & Q(is_4x=True)),
    }
    # Aliases must not shadow the model's fields, or later aggregates would read them.
    row = figure_rows(run, scope).aggregate(
        **{f"total_{name}": aggregate for name, aggregate in aggregates.items()}
    )
    figures = {name: row[f"total_{name}"] for name in aggregates}
    if scope.entities:
        figures["pareto_accounts"] = entity_pareto_count(run, scope, figures["revenue"])
    top = list(
        portfolio_scores(run, scope)
        .order_by("-fig_revenue")
        .values_list("fig_revenue", flat=True)[:10]
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
    """Units of selection and key accounts per KAM (live), most key accounts first. One
    query."""
    rows = (
        Account.objects.filter(kam__isnull=False, parent__isnull=True)
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
