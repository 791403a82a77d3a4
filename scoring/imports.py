"""The import kinds of scoring's models: cost rates, metric entries and ratings, their column
layouts and what each does with its rows (registered with `kam.imports.kinds` in
`ScoringConfig.ready`).

Natural keys (documented on the layouts page): cost rates (activity type, period_start); metric
entries (account, quarter, metric); ratings (account, criterion); spend estimates (account,
product category, year).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import models

from accounts.imports.kinds import ACCOUNT, ACTIVITY_TYPE
from accounts.imports.layouts import ACCOUNT_CODE
from accounts.models import ImportKind, ProductCategory
from kam.imports.columns import Choice, Date, Integer, Number, Quarter, Slug, Text
from kam.imports.engine import Row, WriteContext
from kam.imports.kinds import Kind, Reference
from kam.imports.layouts import ZERO, Column, Layout, money
from kam.imports.report import ImportReport
from scoring.models import (
    EARLIEST_SPEND_YEAR,
    LATEST_SPEND_YEAR,
    CostRate,
    Criterion,
    CriterionKind,
    MetricEntry,
    MetricKind,
    Rating,
    SpendEstimate,
    SpendSource,
)

RATE_PLACES = Decimal("0.0001")
RATE_MAX = Decimal("9999999999.9999")
PERCENT_METRICS = {kind for kind in MetricKind.values if kind != MetricKind.SHARED_INVESTMENT}

COST_RATES = Layout(
    ImportKind.COST_RATES,
    "Cost rates",
    "The rate per driver unit of an activity type for a period: cost pool / driver volume.",
    (
        Column("activity_type", Slug(40), True, "sales-visit"),
        Column("period_start", Date(), True, dt.date(2026, 1, 1)),
        Column("period_end", Date(), True, dt.date(2026, 12, 31)),
        Column("cost_pool", money(), True, Decimal("180000.00"), "Total cost of the activity."),
        Column(
            "driver_volume",
            Number(14, 3, min_value=ZERO, min_exclusive=True),
            True,
            Decimal("1200.000"),
            "Total driver units in the period (greater than 0).",
        ),
    ),
    key=("activity_type", "period_start"),
    key_help="activity_type and period_start",
    rules=(
        "The rate is computed: cost_pool / driver_volume, rounded half up to 4 decimals.",
        "period_end may not be before period_start.",
    ),
)

METRICS = Layout(
    ImportKind.METRICS,
    "Metric entries",
    "Effectiveness measures entered outside KAM: satisfaction, relationship quality, "
    "retention, advocacy, shared investments, per account and calendar quarter.",
    (
        ACCOUNT_CODE,
        Column("period", Quarter(), True, "2026-Q1", "Normalised to the quarter's first day."),
        Column("metric", Choice(MetricKind), True, MetricKind.SATISFACTION),
        Column(
            "value",
            Number(16, 2, min_value=ZERO),
            True,
            Decimal("82.50"),
            "0-100, except shared_investment (an amount).",
        ),
    ),
    key=("account_code", "period", "metric"),
    key_help="account_code, period (its quarter) and metric",
    rules=("A date in the period column counts for its calendar quarter: 2026-05-14 is 2026-Q2.",),
)

RATINGS = Layout(
    ImportKind.RATINGS,
    "Ratings",
    "The KAM's 1-5 ratings of the rated selection criteria, appended to the rating history.",
    (
        ACCOUNT_CODE,
        Column("criterion", Slug(40), True, "strategic_value", "A rated criterion's key."),
        Column("value", Integer(1, 5), True, 4, "1 (low) to 5 (high)."),
        Column("comment", Text(2000), False, "Reference customer in the medical segment"),
    ),
    key=("account_code", "criterion"),
    key_help="account_code and criterion",
    rules=(
        "Ratings are history: a rating different from the account's newest rating of that "
        "criterion is added (counted as created); the same rating again is skipped.",
    ),
)

SPEND_ESTIMATES = Layout(
    ImportKind.SPEND_ESTIMATES,
    "Spend estimates",
    "The customer's estimated yearly spend per product category of ours (the white-space "
    "map), with its source and optionally the main competitor and its share.",
    (
        ACCOUNT_CODE,
        Column("category", Text(60), True, "Bearings", "A product category's name."),
        Column(
            "year",
            Integer(EARLIEST_SPEND_YEAR, LATEST_SPEND_YEAR),
            True,
            2026,
            "The calendar year the estimate is for.",
        ),
        Column("estimated_spend", money(), True, Decimal("250000.00")),
        Column("source", Choice(SpendSource), True, SpendSource.MARKET_STUDY),
        Column("competitor", Text(120), False, "Rival Bearings GmbH", "The main competitor."),
        Column(
            "competitor_share_pct",
            Number(5, 2, min_value=ZERO, max_value=Decimal(100)),
            False,
            Decimal("45.00"),
            "The main competitor's share of the spend, 0-100.",
        ),
    ),
    key=("account_code", "category", "year"),
    key_help="account_code, category and year",
    rules=(
        "The category must be one of the product categories (those on sales lines and those "
        "added on a white-space map or in the admin).",
        "An account's category spend becomes the sum of its estimates (per category, the "
        "latest year up to the scoring run's year) from the next scoring run on.",
    ),
)


class CostRates(Kind):
    layout = COST_RATES
    model = CostRate
    references = (ACTIVITY_TYPE,)
    model_key = ("activity_type_id", "period_start")
    compare = ("period_end", "cost_pool", "driver_volume", "rate")
    history = True

    def check_row(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        problems = []
        start, end = values["period_start"], values["period_end"]
        if start is not None and end is not None and end < start:
            problems.append(("period_end", f"Must not be before period_start ({start})."))
        pool, volume = values["cost_pool"], values["driver_volume"]
        if pool is not None and volume is not None and rate_of(pool, volume) > RATE_MAX:
            problems.append(("driver_volume", "Too small: the rate per unit would be too large."))
        return problems

    def fields(self, row: Row) -> dict[str, Any]:
        values = row.values
        return {
            "activity_type_id": row.refs["activity_type"],
            "period_start": values["period_start"],
            "period_end": values["period_end"],
            "cost_pool": values["cost_pool"],
            "driver_volume": values["driver_volume"],
            "rate": rate_of(values["cost_pool"], values["driver_volume"]),
        }

    def on_update(self, instance: models.Model, context: WriteContext) -> list[str]:
        instance.updated_at = context.now
        return ["updated_at"]


def rate_of(cost_pool: Decimal, driver_volume: Decimal) -> Decimal:
    """Cost per driver unit, kept at four places (half up, as money is rounded)."""
    return (cost_pool / driver_volume).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


class Metrics(Kind):
    layout = METRICS
    model = MetricEntry
    references = (ACCOUNT,)
    model_key = ("account_id", "period_start", "metric")
    compare = ("value",)

    def check_row(self, values: dict[str, Any]) -> list[tuple[str, str]]:
        metric, value = values["metric"], values["value"]
        if metric in PERCENT_METRICS and value is not None and value > 100:
            return [("value", f"Must be between 0 and 100 for {metric}.")]
        return []

    def fields(self, row: Row) -> dict[str, Any]:
        values = row.values
        return {
            "account_id": row.refs["account_code"],
            "period_start": values["period"],
            "metric": values["metric"],
            "value": values["value"],
        }

    def on_create(self, context: WriteContext) -> dict[str, Any]:
        return {"entered_by": context.actor, "entered_at": context.now}

    def on_update(self, instance: models.Model, context: WriteContext) -> list[str]:
        instance.entered_by = context.actor
        instance.entered_at = context.now
        return ["entered_by", "entered_at"]


class Ratings(Kind):
    layout = RATINGS
    model = Rating
    references = (
        ACCOUNT,
        Reference(
            "criterion",
            Criterion,
            "key",
            "Unknown criterion: give the key of a rated criterion, e.g. strategic_value.",
            {"kind": CriterionKind.RATED},
        ),
    )

    def fields(self, row: Row) -> dict[str, Any]:
        return {
            "account_id": row.refs["account_code"],
            "criterion_id": row.refs["criterion"],
            "value": row.values["value"],
            "comment": row.values["comment"],
        }

    def plan(
        self, rows: list[Row], report: ImportReport, state: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], list[tuple[models.Model, dict[str, Any]]]]:
        """Ratings are history: add a rating unless the newest one already says the same."""
        values = [self.fields(row) for row in rows]
        newest: dict[tuple, Rating] = {}
        for rating in Rating.objects.filter(
            account_id__in={item["account_id"] for item in values},
            criterion_id__in={item["criterion_id"] for item in values},
        ).order_by("rated_at", "pk"):
            newest[(rating.account_id, rating.criterion_id)] = rating
        creates = []
        for row, item in zip(rows, values, strict=True):
            current = newest.get((item["account_id"], item["criterion_id"]))
            if current is None or (current.value, current.comment) != (
                item["value"],
                item["comment"],
            ):
                creates.append(item)
                self.list_create(report, row, item)
        return creates, []

    def on_create(self, context: WriteContext) -> dict[str, Any]:
        return {"rated_by": context.actor, "rated_at": context.now}


class SpendEstimates(Kind):
    layout = SPEND_ESTIMATES
    model = SpendEstimate
    references = (
        ACCOUNT,
        Reference(
            "category",
            ProductCategory,
            "name",
            "Unknown product category: add it on the account's white-space map first, or use "
            "the name as the sales lines write it.",
        ),
    )
    model_key = ("account_id", "category_id", "year")
    compare = ("estimated_spend", "source", "competitor", "competitor_share_pct")
    history = True

    def fields(self, row: Row) -> dict[str, Any]:
        values = row.values
        return {
            "account_id": row.refs["account_code"],
            "category_id": row.refs["category"],
            "year": values["year"],
            "estimated_spend": values["estimated_spend"],
            "source": values["source"],
            "competitor": values["competitor"],
            "competitor_share_pct": values["competitor_share_pct"],
        }

    def on_create(self, context: WriteContext) -> dict[str, Any]:
        return {"entered_by": context.actor}

    def on_update(self, instance: models.Model, context: WriteContext) -> list[str]:
        instance.entered_by = context.actor
        instance.version += 1
        return ["entered_by", "version"]


KINDS = (CostRates(), Metrics(), Ratings(), SpendEstimates())
