"""The dashboard's warnings: guardrails broken, misclassified accounts, overloaded KAMs and
key accounts whose revenue fell."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    F,
    FloatField,
    Q,
    QuerySet,
    Window,
)
from django.db.models.functions import Cast

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


@dataclass(frozen=True)
class Bounded:
    """The first rows of a list and how many there are in all."""

    rows: list[dict[str, Any]]
    total: int


def bounded(queryset: QuerySet, fields: Iterable[str], limit: int = LIST_LIMIT) -> Bounded:
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
    return bounded(misclassified_scores(run, scope), SCORE_ROW_FIELDS)


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

    kind: str  # guardrail, kam_load, misclassified, revenue_fall
    title: str
    level: str  # "warning" or "danger"
    warnings: list[PortfolioWarning]
    total: int


# Each kind's rule is its queryset or flag above; its wording is the function below. The
# dashboard lists the first of each kind, the warnings download every one, in the same words.
KAM_LOAD_TITLE = f"KAMs with more than {KAM_MAX_KEY_ACCOUNTS} key accounts"
MISCLASSIFIED_TITLE = "Misclassified: key accounts in the bottom half, others in the top decile"
REVENUE_FALL_TITLE = "Key accounts whose revenue fell more than 15% year on year"
LEVELS = {"kam_load": "warning", "misclassified": "warning", "revenue_fall": "danger"}


def kam_load_warning(load: KamLoad) -> PortfolioWarning:
    return PortfolioWarning(
        f"{load.name} serves {load.key_accounts} key accounts (more than {KAM_MAX_KEY_ACCOUNTS})."
    )


def misclassified_warning(row: dict[str, Any], run_accounts: int) -> PortfolioWarning:
    if row["status"] == KEY:
        text = "key account in the bottom half of scores"
    else:
        text = "not a key account, but in the top decile of scores"
    return PortfolioWarning(
        f"{text} (rank {row['rank']} of {run_accounts}).", row["account_id"], row["account__name"]
    )


def revenue_fall_warning(row: dict[str, Any]) -> PortfolioWarning:
    fall = (1 - row["revenue"] / row["revenue_prev"]) * 100
    return PortfolioWarning(
        f"revenue down {fall:.1f}% on the previous 12 months.",
        row["account_id"],
        row["account__name"],
    )


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
        WarningGroup(
            "misclassified",
            MISCLASSIFIED_TITLE,
            LEVELS["misclassified"],
            [
                misclassified_warning(row, run_accounts)
                for row in (misclassified_rows.rows if misclassified_rows else [])
            ],
            misclassified_rows.total if misclassified_rows else 0,
        ),
        WarningGroup(
            "revenue_fall",
            REVENUE_FALL_TITLE,
            LEVELS["revenue_fall"],
            [revenue_fall_warning(row) for row in (fall_rows.rows if fall_rows else [])],
            fall_rows.total if fall_rows else 0,
        ),
    ]
    return [group for group in groups if group.total]


def every_warning(
    run: ScoringRun | None, scope: Scope, *, chunk_size: int
) -> Iterator[tuple[str, str, PortfolioWarning]]:
    """Every warning the dashboard lists the first of, as (kind, level, warning), read in
    chunks: the download. Without a run only the guardrail and the KAM loads."""
    guardrail = portfolio_size_guardrail(account_counts(scope).key_all)
    if guardrail.broken:
        yield "guardrail", guardrail.level, PortfolioWarning(guardrail.message)
    for load in kam_loads(scope):
        if load.overloaded:
            yield "kam_load", LEVELS["kam_load"], kam_load_warning(load)
    if run is None:
        return
    run_accounts = run_figures(run, scope).run_accounts
    rows = misclassified_scores(run, scope).values(*SCORE_ROW_FIELDS).iterator(chunk_size)
    for row in rows:
        yield "misclassified", LEVELS["misclassified"], misclassified_warning(row, run_accounts)
    for row in revenue_fall_scores(run, scope).values(*SCORE_ROW_FIELDS).iterator(chunk_size):
        yield "revenue_fall", LEVELS["revenue_fall"], revenue_fall_warning(row)
