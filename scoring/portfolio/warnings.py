"""The dashboard's warnings: guardrails broken, overloaded KAMs, accounts on the wrong side of
the top N (N = the key accounts now: see top_n.py), key accounts whose revenue fell, key
accounts without a current plan, and investment that does not fit (scoring.investment)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Cast

from accounts.models import Account
from plans.models import Plan, PlanStatus
from scoring import investment
from scoring.engine.thresholds import KAM_MAX_KEY_ACCOUNTS
from scoring.models import AccountScore, ScoringRun
from scoring.portfolio.base import KEY, LIST_LIMIT, REVENUE_FALL_WARNING, Scope
from scoring.portfolio.tiles import (
    Guardrail,
    KamLoad,
    account_counts,
    kam_loads,
    portfolio_size_guardrail,
    run_figures,
    scores_in_scope,
)
from scoring.portfolio.top_n import Mover, TopN, every_mover


@dataclass(frozen=True)
class Bounded:
    """The first rows of a list and how many there are in all."""

    rows: list[dict[str, Any]]
    total: int


def bounded(
    queryset: QuerySet,
    fields: Iterable[str],
    limit: int = LIST_LIMIT,
    *,
    names_by_key: Mapping[str, str] | None = None,
) -> Bounded:
    """First `limit` rows and the full count in ONE query (COUNT(*) OVER () on each row).

    `names_by_key` ({field of `fields`: the path of its account's id}) reads those account
    names by the account's key (a scalar subquery) instead of a join: joined for a few hundred
    rows, PostgreSQL hashed a scan of all 50,000 accounts."""
    counted = queryset.annotate(total_rows=Window(Count("pk")))
    aliases: dict[str, str] = {}
    for index, (field, account_id) in enumerate((names_by_key or {}).items()):
        alias = f"name_by_key_{index}"
        name = Account.objects.filter(pk=OuterRef(account_id)).values("name")[:1]
        counted = counted.annotate(**{alias: Subquery(name)})
        aliases[field] = alias
    rows = list(counted.values(*(aliases.get(f, f) for f in fields), "total_rows")[:limit])
    if aliases:
        fields_of = {alias: field for field, alias in aliases.items()}
        rows = [{fields_of.get(key, key): value for key, value in row.items()} for row in rows]
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
    return bounded(revenue_fall_scores(run, scope), SCORE_ROW_FIELDS)


def spend_below_revenue_scores(run: ScoringRun, scope: Scope) -> QuerySet[AccountScore]:
    """Accounts whose stated category spend is below our T12 revenue (a data-quality flag the
    run raises; their share of wallet and headroom are unknown), largest revenue first."""
    return (
        scores_in_scope(run, scope)
        .filter(spend_below_revenue=True)
        .order_by("-revenue", "account_id")
    )


def spend_below_revenue(run: ScoringRun, scope: Scope) -> Bounded:
    return bounded(
        spend_below_revenue_scores(run, scope),
        ("account_id", "account__name", "revenue", "category_spend"),
    )


def without_current_plan(scope: Scope) -> QuerySet[Account]:
    """Key accounts (live) with no plan but archived ones: not managed to a plan (the account
    page says the same), by name."""
    current = Plan.objects.filter(account=OuterRef("pk")).exclude(status=PlanStatus.ARCHIVED)
    return (
        Account.objects.filter(status=KEY)
        .filter(scope.q())
        .exclude(Exists(current))
        .order_by("name", "pk")
    )


def no_current_plan(scope: Scope) -> Bounded:
    return bounded(without_current_plan(scope), ("pk", "name"))


@dataclass(frozen=True)
class PortfolioWarning:
    """One warning: what is wrong (`detail`) and, for an account's warning, which account."""

    detail: str
    account_id: int | None = None
    account_name: str = ""

    @property
    def message(self) -> str:
        """As the dashboard reads it: the account's name first, when there is one."""
        if self.account_id is None:
            return self.detail
        return f"{self.account_name}: {self.detail}"


@dataclass(frozen=True)
class WarningGroup:
    """Warnings of one kind; `total` counts them all when only the first are listed."""

    kind: str  # guardrail, kam_load, would_enter, would_leave, revenue_fall, no_plan
    title: str
    level: str  # "warning" or "danger"
    warnings: list[PortfolioWarning]
    total: int


# Each kind's rule is its queryset or flag above; its wording is the function below. The
# dashboard lists the first of each kind, the warnings download every one, in the same words.
KAM_LOAD_TITLE = f"KAMs with more than {KAM_MAX_KEY_ACCOUNTS} key accounts"
REVENUE_FALL_TITLE = "Key accounts whose revenue fell more than 15% year on year"
NO_PLAN_TITLE = "Key accounts without a current plan"
# How the warnings download names each kind.
KIND_LABELS = {
    "guardrail": "Portfolio size",
    "kam_load": "KAM load",
    "would_enter": "Would enter the top N",
    "would_leave": "Would leave the top N",
    "revenue_fall": "Revenue fall",
    "no_plan": "No current plan",
    "investment": "Investment fit",
}
LEVELS = {
    "kam_load": "warning",
    "would_enter": "warning",
    "would_leave": "warning",
    "revenue_fall": "danger",
    "no_plan": "warning",
    "investment": investment.LEVEL,
}


def would_enter_title(n: int) -> str:
    return f"Not key accounts, but in the top {n} by score (N = {n} key accounts): would enter"


def would_leave_title(n: int) -> str:
    return f"Key accounts ranked below the top {n} by score: would leave"


def kam_load_warning(load: KamLoad) -> PortfolioWarning:
    return PortfolioWarning(
        f"{load.name} serves {load.key_accounts} key accounts (more than {KAM_MAX_KEY_ACCOUNTS})."
    )


def mover_warning(mover: Mover, run_accounts: int) -> PortfolioWarning:
    """An account on the wrong side of the top N, with why: score, rank and its drivers."""
    text = "key account" if mover.is_key else "not a key account"
    why = mover.why.replace(f"rank {mover.rank}", f"rank {mover.rank} of {run_accounts}", 1)
    return PortfolioWarning(f"{text}, {why}.", mover.account_id, mover.name)


def revenue_fall_warning(row: dict[str, Any]) -> PortfolioWarning:
    fall = (1 - row["revenue"] / row["revenue_prev"]) * 100
    return PortfolioWarning(
        f"revenue down {fall:.1f}% on the previous 12 months.",
        row["account_id"],
        row["account__name"],
    )


def no_plan_warning(row: dict[str, Any]) -> PortfolioWarning:
    return PortfolioWarning(
        "key account without a current plan: it is not managed to one.", row["pk"], row["name"]
    )


def investment_warning(warning: Any) -> PortfolioWarning:
    return PortfolioWarning(
        investment.warning_detail(warning), warning.account_id, warning.account.name
    )


def investment_warnings(run: ScoringRun, scope: Scope) -> Bounded:
    """The first investment-fit warnings as PortfolioWarnings, and how many there are (one
    query)."""
    counted = investment.run_warnings(run, scope.q("account")).annotate(
        total_rows=Window(Count("pk"))
    )
    found = list(counted[:LIST_LIMIT])
    return Bounded(
        rows=[investment_warning(w) for w in found], total=found[0].total_rows if found else 0
    )


def build_warnings(
    *,
    guardrail: Guardrail,
    loads: list[KamLoad],
    top_n: TopN | None,
    fall_rows: Bounded | None,
    run_accounts: int,
    no_plan_rows: Bounded,
    investment_rows: Bounded | None = None,
) -> list[WarningGroup]:
    """The dashboard's warnings, grouped, in the order a director reads them; empty groups
    are left out."""
    overloaded = [kam_load_warning(load) for load in loads if load.overloaded]
    groups = [
        WarningGroup(
            "guardrail",
            "Portfolio size",
            guardrail.level,
            [PortfolioWarning(guardrail.message)] if guardrail.broken else [],
            int(guardrail.broken),
        ),
        WarningGroup("kam_load", KAM_LOAD_TITLE, LEVELS["kam_load"], overloaded, len(overloaded)),
        *(
            [
                WarningGroup(
                    "would_enter",
                    would_enter_title(top_n.n),
                    LEVELS["would_enter"],
                    [mover_warning(mover, run_accounts) for mover in top_n.entering],
                    top_n.entering_total,
                ),
                WarningGroup(
                    "would_leave",
                    would_leave_title(top_n.n),
                    LEVELS["would_leave"],
                    [mover_warning(mover, run_accounts) for mover in top_n.leaving],
                    top_n.leaving_total,
                ),
            ]
            if top_n
            else []
        ),
        WarningGroup(
            "revenue_fall",
            REVENUE_FALL_TITLE,
            LEVELS["revenue_fall"],
            [revenue_fall_warning(row) for row in (fall_rows.rows if fall_rows else [])],
            fall_rows.total if fall_rows else 0,
        ),
        WarningGroup(
            "no_plan",
            NO_PLAN_TITLE,
            LEVELS["no_plan"],
            [no_plan_warning(row) for row in no_plan_rows.rows],
            no_plan_rows.total,
        ),
        WarningGroup(
            "investment",
            investment.TITLE,
            LEVELS["investment"],
            investment_rows.rows if investment_rows else [],
            investment_rows.total if investment_rows else 0,
        ),
    ]
    return [group for group in groups if group.total]


def every_warning(
    run: ScoringRun | None, scope: Scope, *, chunk_size: int
) -> Iterator[tuple[str, str, PortfolioWarning]]:
    """Every warning the dashboard lists the first of, as (kind, level, warning), read in
    chunks: the download. Without a run only the guardrail and the KAM loads."""
    key_all = account_counts(scope).key_all
    guardrail = portfolio_size_guardrail(key_all)
    if guardrail.broken:
        yield "guardrail", guardrail.level, PortfolioWarning(guardrail.message)
    for load in kam_loads(scope):
        if load.overloaded:
            yield "kam_load", LEVELS["kam_load"], kam_load_warning(load)
    for row in without_current_plan(scope).values("pk", "name").iterator(chunk_size):
        yield "no_plan", LEVELS["no_plan"], no_plan_warning(row)
    if run is None:
        return
    run_accounts = run_figures(run, scope).run_accounts
    for mover in every_mover(run, scope, key_all, chunk_size=chunk_size):
        kind = "would_leave" if mover.is_key else "would_enter"
        yield kind, LEVELS[kind], mover_warning(mover, run_accounts)
    for row in revenue_fall_scores(run, scope).values(*SCORE_ROW_FIELDS).iterator(chunk_size):
        yield "revenue_fall", LEVELS["revenue_fall"], revenue_fall_warning(row)
    for warning in investment.run_warnings(run, scope.q("account")).iterator(chunk_size):
        yield "investment", LEVELS["investment"], investment_warning(warning)
