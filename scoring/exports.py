"""The portfolio export: one row per account with every figure the current scoring run computed
(empty before the first run), for directors and administrators."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import F, FilteredRelation, Q

from accounts.models import Account, AccountStatus, GeographicScope, Quadrant, Stage
from scoring.models import AccountScore, ScoringRun

STATUS = dict(AccountStatus.choices)
STAGE = dict(Stage.choices)
SCOPE = dict(GeographicScope.choices)
QUADRANT = dict(Quadrant.choices)

ACCOUNT_FIELDS = (
    "erp_code",
    "name",
    "status",
    "stage",
    "kam__username",
    "kam__first_name",
    "kam__last_name",
    *Account.PROFILE_FIELDS,
)
SCORE_FIELDS = (
    "rank",
    "attractiveness",
    "relative_strength",
    "quadrant",
    "revenue",
    "revenue_prev",
    "revenue_growth_pct",
    "cost_of_goods",
    "cost_to_serve",
    "gross_margin",
    "net_profit",
    "share_of_wallet_pct",
    "headroom",
    *AccountScore.RELATIONSHIP_AND_FLAG_FIELDS,
)


def _kam(row: dict[str, Any]) -> str:
    full = f"{row['kam__first_name'] or ''} {row['kam__last_name'] or ''}".strip()
    return full or row["kam__username"] or ""


PORTFOLIO_COLUMNS = [
    ("ERP code", "erp_code"),
    ("Name", "name"),
    ("Status", lambda row: STATUS.get(row["status"], row["status"])),
    ("Stage", lambda row: STAGE.get(row["stage"], row["stage"])),
    ("KAM", _kam),
    ("Industry", "industry"),
    ("Country", "country"),
    ("Region", "region"),
    ("Geographic scope", lambda row: SCOPE.get(row["geographic_scope"], "")),
    ("Customer turnover", "turnover"),
    ("Market growth %", "market_growth_pct"),
    ("Category spend", "category_spend"),
    ("Rank", "score_rank"),
    ("Attractiveness", "score_attractiveness"),
    ("Relative strength", "score_relative_strength"),
    ("Quadrant", lambda row: QUADRANT.get(row.get("score_quadrant"), "")),
    ("Revenue, last 12 months", "score_revenue"),
    ("Revenue (previous 12 months)", "score_revenue_prev"),
    ("Revenue growth %", "score_revenue_growth_pct"),
    ("Cost of goods", "score_cost_of_goods"),
    ("Cost to serve", "score_cost_to_serve"),
    ("Gross margin", "score_gross_margin"),
    ("Net profit", "score_net_profit"),
    ("Share of wallet %", "score_share_of_wallet_pct"),
    ("Headroom", "score_headroom"),
    ("DMU coverage %", "score_dmu_coverage_pct"),
    ("Satisfaction", "score_satisfaction"),
    ("In the 80% revenue set", "score_is_pareto"),
    ("Monthly business >= 4x average", "score_is_4x"),
    ("Flagged for review", "score_is_misclassified"),
    ("KAM overloaded", "score_kam_overloaded"),
    ("Category spend below our revenue", "score_spend_below_revenue"),
]


def portfolio_rows(user: Any, run: ScoringRun | None) -> Iterator[dict[str, Any]]:
    """Every account the user may see, by name, joined (one LEFT JOIN, one query) with its
    figures in `run`; the score columns are absent (exported empty) when there is no run."""
    accounts = Account.objects.visible_to(user).order_by("name", "pk")
    fields = list(ACCOUNT_FIELDS)
    if run is not None:
        accounts = accounts.annotate(
            current=FilteredRelation("scores", condition=Q(scores__run=run)),
            **{f"score_{name}": F(f"current__{name}") for name in SCORE_FIELDS},
        )
        fields += [f"score_{name}" for name in SCORE_FIELDS]
    return accounts.values(*fields).iterator(chunk_size=2000)
