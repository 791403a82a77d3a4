"""Health and investment fit: what the final stage computes around the scores, health before
them (`judge_health`) and investment fit after them (`judge_investment`), and the configuration
a run freezes when it starts (`frozen_config`)."""

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


def judge_health(
    *, run_id: int, window: Window, config: dict, previous_run_id: int | None
) -> dict[str, int]:
    """Health of the run's accounts (a fixed number of statements), before the scores: it
    reads only the chunks' and the groups stage's figures, and the scores' update copies it
    to the score rows. A run started before health existed has no config: it is frozen now."""
    return compute_health(
        run_id=run_id,
        window=window,
        config=config or frozen_config(),
        previous_run_id=previous_run_id,
    )


def judge_investment(*, run_id: int, window: Window, config: dict) -> dict[str, int]:
    """The investment-fit warnings of the run's accounts (a fixed number of statements), after
    the scores: they read the quadrants and the attractiveness."""
    warnings = compute_investment_warnings(
        run_id=run_id, window=window, config=config or frozen_config()
    )
    return {"investment_warnings": warnings}
