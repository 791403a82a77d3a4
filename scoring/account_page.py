"""What scoring adds to the account page: the current run's score of the account and its
criteria, the ratings (the newest of each rated criterion, and their history) and the quarterly
trend (the ratings page is scoring/rating_views.py). Registered in `ScoringConfig.ready`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from accounts.models import Account
from accounts.selectors.accounts import AccountPage
from scoring.explanations import account_lines
from scoring.health import account_health, health_history
from scoring.investment import account_warnings
from scoring.models import (
    AccountScore,
    Criterion,
    CriterionKind,
    GroupSnapshot,
    HealthScore,
    MetricSnapshot,
    Rating,
    SnapshotFigures,
    WarningSettings,
)
from scoring.quarters import data_from, quarter

RATING_HISTORY_ENTRIES = 50
# The health series the account page lists (the API's history endpoint has them all).
HEALTH_HISTORY_ENTRIES = 12
# Three years of quarters for the trend charts.
TREND_QUARTERS = 12


# --- Ratings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingRow:
    criterion: Criterion
    latest: Rating | None


def rated_criteria() -> list[Criterion]:
    return list(
        Criterion.objects.filter(kind=CriterionKind.RATED, active=True).order_by("position", "key")
    )


def rating_rows(account: Account, criteria: list[Criterion]) -> list[RatingRow]:
    """Each active rated criterion with its newest rating of the account (the one that counts),
    in one query however many ratings were made."""
    newest = (
        Rating.objects.filter(account=account)
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=[F("criterion_id")],
                order_by=[F("rated_at").desc(), F("pk").desc()],
            )
        )
        .filter(recency=1)
        .select_related("rated_by")
    )
    by_criterion = {rating.criterion_id: rating for rating in newest}
    return [RatingRow(criterion, by_criterion.get(criterion.pk)) for criterion in criteria]


def rating_history(account: Account, *, limit: int = RATING_HISTORY_ENTRIES) -> list[Rating]:
    return list(
        Rating.objects.filter(account=account)
        .select_related("criterion", "rated_by")
        .order_by("-rated_at", "-pk")[:limit]
    )


# --- Metrics ---------------------------------------------------------------------------------


def trend_snapshots(account: Account, *, group: bool = False) -> list[SnapshotFigures]:
    """The account's last twelve quarterly snapshots (three years), oldest first: a group's
    roll-up (GroupSnapshot) for the top of a group, else the account's own."""
    model = GroupSnapshot if group else MetricSnapshot
    newest = model.objects.filter(account=account).order_by("-period_start")[:TREND_QUARTERS]
    return list(reversed(list(newest)))


def _threshold(run_config: dict, name: str) -> Decimal:
    """A band threshold as the run froze it; a run from before health had frozen none, and was
    banded with the defaults then."""
    value = run_config.get(name)
    return Decimal(value) if value is not None else WarningSettings._meta.get_field(name).default


def health_chart_data(history: list[HealthScore]) -> dict[str, Any]:
    """The health series for the chart (workspace.js draws it, oldest run first; the table
    beside it lists the same rows): each run's score and the band thresholds that run used (set
    on each row as `amber_from` and `green_from`), so the band drawn behind a score is the band
    the score was given."""
    for row in history:
        config = row.run.health_config or {}
        row.amber_from = _threshold(config, "amber_from")
        row.green_from = _threshold(config, "green_from")
    rows = list(reversed(history))
    return {
        "labels": [row.as_of.isoformat() for row in rows],
        "scores": [float(row.score) for row in rows],
        "bands": [row.band for row in rows],
        "amberFrom": [float(row.amber_from) for row in rows],
        "greenFrom": [float(row.green_from) for row in rows],
    }


def load_section(page: AccountPage) -> None:
    """The score, its criteria, its health and investment warnings, the ratings and the trends,
    with the account's details (a query each, two for the health; those of the run only when a
    run exists)."""
    if not page.include_details:
        return
    account, run = page.account, page.run
    if run is not None:
        page.score = AccountScore.objects.filter(run=run, account=account).first()
        page.criterion_scores = account_lines(run.pk, account.pk)
        page.health = account_health(account, run)
        page.investment_warnings = account_warnings(account, run)
    page.health_history = health_history(account, limit=HEALTH_HISTORY_ENTRIES)
    page.health_chart = health_chart_data(page.health_history)
    page.ratings = rating_rows(account, rated_criteria())
    page.rating_history = rating_history(account)
    page.snapshots = trend_snapshots(account, group=page.is_group)
    first_day = data_from(run)
    for snapshot in page.snapshots:
        # The chart and table label, "(partial: 1 of 3 months)" on a quarter with less data.
        snapshot.quarter = quarter(snapshot.period_start, first_day)
