"""Health and investment fit: what the final stage computes after the scores, in one call
(`judge`), and the configuration a run freezes when it starts (`frozen_config`)."""

from __future__ import annotations

from scoring.engine.health import compute_health
from scoring.engine.investment import compute_investment_warnings
from scoring.engine.window import Window
from scoring.models import HealthComponent, WarningSettings

SETTINGS_FIELDS = (
    "amber_from",
    "green_from",
    "drop_points",
    "over_served_factor",
    "under_invested_factor",
    "bottom_attractiveness_pct",
    "loss_quarters",
)


def frozen_config() -> dict:
    """The active health components' weights and the warning thresholds, as a run keeps them
    (`ScoringRun.health_config`): changing them mid-run does not affect it. Two queries."""
    settings = WarningSettings.current()
    return {
        "components": [
            {"id": pk, "key": key, "weight": str(weight)}
            for pk, key, weight in HealthComponent.objects.filter(active=True)
            .order_by("position", "key")
            .values_list("pk", "key", "weight")
        ],
        **{name: str(getattr(settings, name)) for name in SETTINGS_FIELDS},
    }


def judge(
    *, run_id: int, window: Window, config: dict, previous_run_id: int | None
) -> dict[str, int]:
    """Health, then the investment-fit warnings, of the run's accounts (a fixed number of
    statements). A run started before health existed has no config: it is frozen now."""
    config = config or frozen_config()
    counts = compute_health(
        run_id=run_id, window=window, config=config, previous_run_id=previous_run_id
    )
    counts["investment_warnings"] = compute_investment_warnings(
        run_id=run_id, window=window, config=config
    )
    return counts
