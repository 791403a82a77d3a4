"""What scoring adds to the history of an account and to the audit log: its tracked models
(cost rates, selection criteria, health components, warning settings, spend estimates) and
the ratings (registered in `ScoringConfig.ready`)."""

from __future__ import annotations

from accounts.models import Account
from kam.history import HistoryEntry, Tracked
from scoring.account_page import rating_history
from scoring.models import CostRate, Criterion, HealthComponent, SpendEstimate, WarningSettings

COST_RATE = Tracked(
    "cost_rate",
    "Cost rate",
    CostRate,
    ("period_start", "period_end", "cost_pool", "driver_volume", "rate"),
    lambda row: f"Cost rate of “{row.activity_type}” from {row.period_start}",
    None,
    related=("activity_type",),
)
CRITERION = Tracked(
    "criterion",
    "Criterion (weight)",
    Criterion,
    ("label", "description", "kind", "source", "weight", "active", "position"),
    lambda row: f"Criterion “{row.label}”",
    None,
)
SPEND_ESTIMATE = Tracked(
    "spend_estimate",
    "Spend estimate",
    SpendEstimate,
    ("estimated_spend", "source", "competitor", "competitor_share_pct"),
    lambda row: f"Spend estimate “{row.category}” {row.year}",
    "account",
    related=("category",),
)

HEALTH_COMPONENT = Tracked(
    "health_component",
    "Health component (weight)",
    HealthComponent,
    ("label", "rule", "weight", "active", "position"),
    lambda row: f"Health component “{row.label}”",
    None,
)
WARNING_SETTINGS = Tracked(
    "warning_settings",
    "Health and warning settings",
    WarningSettings,
    (
        "amber_from",
        "green_from",
        "drop_points",
        "over_served_factor",
        "under_invested_factor",
        "bottom_attractiveness_pct",
        "loss_quarters",
    ),
    lambda row: "Health and warning settings",
    None,
)


def rating_entries(account: Account, limit: int) -> list[HistoryEntry]:
    """The account's newest `limit` ratings, as history lines (one query)."""
    return [
        HistoryEntry(
            when=rating.rated_at,
            who=rating.rated_by,
            subject=f"Rating of “{rating.criterion.label}”",
            action=f"rated {rating.value} of 5",
            note=rating.comment,
        )
        for rating in rating_history(account, limit=limit)
    ]
