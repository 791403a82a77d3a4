"""Selection criteria and weights, cost rates, ratings, and what each scoring run computes."""

from __future__ import annotations

import json
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.models import MONEY, Account, ActivityType, Quadrant, Stage
from kam.bounds import validate_in_range
from kam.formats import last_12_months
from scoring.engine.window import Window


class CostRate(models.Model):
    """Rate per driver unit of an activity type for a period: cost pool / total driver volume."""

    activity_type = models.ForeignKey(
        ActivityType, on_delete=models.PROTECT, related_name="cost_rates"
    )
    period_start = models.DateField(validators=[validate_in_range])
    period_end = models.DateField(validators=[validate_in_range])
    cost_pool = models.DecimalField(validators=[MinValueValidator(0)], **MONEY)
    driver_volume = models.DecimalField(
        max_digits=14, decimal_places=3, validators=[MinValueValidator(Decimal("0.001"))]
    )
    rate = models.DecimalField(
        "rate per driver unit",
        max_digits=14,
        decimal_places=4,
        help_text="cost pool / driver volume, kept at four places",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity_type", "period_start"], name="cost_rate_one_per_type_and_start"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="cost_rate_period_ordered"
            ),
            models.CheckConstraint(condition=Q(cost_pool__gte=0), name="cost_rate_pool_gte_0"),
            models.CheckConstraint(condition=Q(driver_volume__gt=0), name="cost_rate_volume_gt_0"),
            models.CheckConstraint(condition=Q(rate__gte=0), name="cost_rate_rate_gte_0"),
        ]
        indexes = [models.Index(fields=["activity_type", "period_start", "period_end"])]

    def __str__(self) -> str:
        return f"{self.activity_type} {self.period_start}..{self.period_end}: {self.rate}"


class CriterionKind(models.TextChoices):
    COMPUTED = "computed", "Computed from data"
    RATED = "rated", "Rated 1-5 by the KAM"


class CriterionSource(models.TextChoices):
    """Where a computed criterion's raw value comes from (see DOMAIN.md, selection score)."""

    REVENUE = "revenue", "Trailing-12-month revenue"
    CONTRIBUTION = "contribution", "Contribution (revenue - cost of goods - cost to serve)"
    REVENUE_GROWTH = "revenue_growth", "Revenue growth vs the previous 12 months"
    TURNOVER = "turnover", "Customer's size (turnover)"
    CATEGORY_SPEND = "category_spend", "Customer's spend in our category"
    HEADROOM = "headroom", "Headroom (category spend - our revenue)"
    MARKET_GROWTH = "market_growth", "Customer's market growth"


class Criterion(models.Model):
    """A selection criterion with its weight; directors configure them."""

    key = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=CriterionKind)
    source = models.CharField(max_length=20, choices=CriterionSource, blank=True)
    weight = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("1.00"), validators=[MinValueValidator(0)]
    )
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    # A rated criterion's scale in words, shown beside the 1-5 choice so that two KAMs mean
    # the same by a 4: what 1 means and what 5 means (directors write them).
    anchor_low = models.CharField("1 means", max_length=200, blank=True)
    anchor_high = models.CharField("5 means", max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["position", "key"]
        verbose_name_plural = "criteria"
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="criterion_weight_gte_0"),
            models.CheckConstraint(
                condition=(Q(kind=CriterionKind.COMPUTED) & ~Q(source=""))
                | (Q(kind=CriterionKind.RATED) & Q(source="")),
                name="criterion_computed_has_source",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Rating(models.Model):
    """A KAM's 1-5 rating of a rated criterion for an account. Append-only: the newest counts."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ratings")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="ratings")
    value = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=1) & Q(value__lte=5), name="rating_value_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["account", "criterion", "-rated_at"])]

    def __str__(self) -> str:
        return f"{self.criterion_id}={self.value} for {self.account_id}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Nightly schedule"
    MANUAL = "manual", "Started by hand"
    COMMAND = "command", "Management command"


class ScoringRun(models.Model):
    """One recompute of the whole portfolio. The newest succeeded run is what pages show."""

    status = models.CharField(max_length=10, choices=RunStatus, default=RunStatus.QUEUED)
    trigger = models.CharField(max_length=10, choices=RunTrigger)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    as_of = models.DateField(help_text="The trailing 12 months end on this date")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    stage = models.CharField(max_length=40, blank=True)
    progress_pct = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    accounts_count = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    stage_durations = models.JSONField(default=dict, blank=True)
    weights = models.JSONField(default=dict, blank=True, help_text="Criteria weights used")
    health_config = models.JSONField(
        default=dict, blank=True, help_text="Health weights and warning thresholds used"
    )
    error = models.TextField(blank=True)
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last sign of life of the run; an in-flight run silent for too long is stale",
    )

    class Meta:
        indexes = [models.Index(fields=["status", "-finished_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_pct__lte=100), name="scoring_run_progress_lte_100"
            ),
            # Never two runs at once: at most one row may be queued or running (a partial unique
            # index on a constant works on PostgreSQL and SQLite alike).
            models.UniqueConstraint(
                Value(1),
                condition=Q(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]),
                name="scoring_run_one_in_flight",
                violation_error_message="A scoring run is already queued or running.",
            ),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} ({self.status})"

    @property
    def t12(self) -> str:
        """The run's trailing 12 months in the app's one wording, with their months:
        "last 12 months (Dec 2025 - Nov 2026)" (the window: scoring/engine/window.py)."""
        window = Window(self.as_of)
        return last_12_months(window.t12_start, window.t12_end)


class AccountScore(models.Model):
    """Everything a run computed for one account over the trailing 12 months."""

    # The unique (run, account) and the (account, run) indexes cover both foreign keys.
    run = models.ForeignKey(
        ScoringRun, on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="scores", db_index=False
    )
    revenue = models.DecimalField(default=0, **MONEY)
    revenue_prev = models.DecimalField("revenue, previous 12 months", default=0, **MONEY)
    cost_of_goods = models.DecimalField(default=0, **MONEY)
    cost_to_serve = models.DecimalField(default=0, **MONEY)
    gross_margin = models.DecimalField(default=0, **MONEY)
    net_profit = models.DecimalField(default=0, **MONEY)
    revenue_growth_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    share_of_wallet_pct = models.DecimalField(max_digits=7, decimal_places=2, null=True)
    headroom = models.DecimalField(null=True, **MONEY)
    attractiveness = models.DecimalField(max_digits=5, decimal_places=2)
    relative_strength = models.DecimalField(max_digits=5, decimal_places=2)
    quadrant = models.CharField(max_length=10, choices=Quadrant)
    rank = models.PositiveIntegerField(help_text="1 = most attractive")
    stage = models.CharField(max_length=16, choices=Stage)
    status = models.CharField(max_length=10)
    dmu_coverage_pct = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    satisfaction = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    is_pareto = models.BooleanField("in the 80% revenue set", default=False)
    is_4x = models.BooleanField("monthly business >= 4x the average", default=False)
    is_misclassified = models.BooleanField(default=False)
    kam_overloaded = models.BooleanField(default=False)
    # A data-quality flag: our T12 revenue exceeds the customer's stated category spend, so
    # the spend is wrong; share of wallet and headroom are then unknown (NULL), not > 100%/0.
    spend_below_revenue = models.BooleanField("category spend below our revenue", default=False)
    # Groups (DOMAIN.md "units of selection"): the top of a tree (a group, or a standalone
    # account) is a unit of selection; its row holds the roll-up of its subtree (`members`
    # accounts below it) and alone is normalised, scored, ranked and flagged. A member's row
    # keeps its own figures, names its group's top in `group`, and is never scored or flagged.
    is_unit = models.BooleanField("unit of selection", default=True)
    group = models.ForeignKey(
        Account, on_delete=models.CASCADE, null=True, related_name="+", db_index=False
    )
    members = models.PositiveIntegerField("accounts below it", default=0)
    # The customer's turnover and category spend as scored: the account's, summed for a group.
    turnover = models.DecimalField(null=True, **MONEY)
    category_spend = models.DecimalField(null=True, **MONEY)
    # Whether that category spend is the sum of the account's spend estimates (white space:
    # scoring/engine/whitespace.py), rather than the spend entered on the account.
    category_spend_estimated = models.BooleanField(default=False)
    # A copy of the run's HealthScore (scoring/engine/health.py), for the lists and the API.
    health = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    health_band = models.CharField(max_length=5, blank=True, db_default="")

    # The relationship figures and flags every listing of a score row ends with (the API, the
    # portfolio download), in this order.
    RELATIONSHIP_AND_FLAG_FIELDS = (
        "dmu_coverage_pct",
        "satisfaction",
        "is_pareto",
        "is_4x",
        "is_misclassified",
        "kam_overloaded",
        "spend_below_revenue",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "account"], name="account_score_once_per_run"),
            models.CheckConstraint(
                condition=Q(attractiveness__gte=0) & Q(attractiveness__lte=100),
                name="account_score_attractiveness_0_100",
            ),
            models.CheckConstraint(
                condition=Q(relative_strength__gte=0) & Q(relative_strength__lte=100),
                name="account_score_strength_0_100",
            ),
        ]
        indexes = [
            models.Index(fields=["run", "rank"]),
            # The run's units of selection in rank order: the scores list and the top-N
            # check read them, and count them, from this index alone.
            models.Index(
                fields=["run", "rank", "account"],
                condition=models.Q(is_unit=True),
                name="score_unit_rank",
            ),
            # The workbench's candidates flagged by the 4x rule or the Pareto set, counted
            # from this index alone (the rest are the few candidates by status, read by key).
            models.Index(
                fields=["run", "account"],
                condition=models.Q(is_unit=True)
                & (models.Q(is_4x=True) | models.Q(is_pareto=True)),
                name="score_unit_flagged",
            ),
            models.Index(fields=["run", "-net_profit"]),
            models.Index(fields=["run", "-revenue"]),
            models.Index(fields=["account", "run"]),
            models.Index(fields=["run", "group"]),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} in run {self.run_id}: {self.attractiveness}"


class ExplanationDecoder(json.JSONDecoder):
    """Reads an explanation's numbers as Decimal, not float (their stored places are exact)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("parse_float", Decimal)
        super().__init__(*args, **kwargs)


class ScoreExplanation(models.Model):
    """Why a unit scored what it did in a run: one row per unit and run, every criterion of the
    run in `lines`, in criterion id order, each `[criterion id, raw value or null, normalised
    0-100, weight, contribution]`; the contributions sum exactly to `attractiveness`, the
    unit's score. Read through scoring.explanations, which gives the lines as objects.

    One row per unit rather than one per criterion: at 250,000 accounts the run wrote 2.9
    million rows and their two indexes in 22.7 s of its final stage."""

    run = models.ForeignKey(
        ScoringRun,
        on_delete=models.CASCADE,
        related_name="explanations",
        db_index=False,
        db_constraint=False,
    )
    # No database FK checks: the run writes these set-based from rows it just read; Django
    # still cascades deletes.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    lines = models.JSONField(decoder=ExplanationDecoder)
    attractiveness = models.DecimalField(max_digits=7, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "account"], name="score_explanation_once_per_run"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} in run {self.run_id}: {self.attractiveness}"


class MetricKind(models.TextChoices):
    """Effectiveness measures that are entered or imported rather than computed."""

    SATISFACTION = "satisfaction", "Satisfaction (0-100)"
    RELATIONSHIP_QUALITY = "relationship_quality", "Relationship quality (0-100)"
    RETENTION = "retention", "Retention (0-100 %)"
    ADVOCACY = "advocacy", "Advocacy: would refer us (0-100)"
    SHARED_INVESTMENT = "shared_investment", "Shared investments (amount)"


class MetricEntry(models.Model):
    """An entered or imported effectiveness measure for an account and a calendar quarter."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="metric_entries")
    period_start = models.DateField(
        validators=[validate_in_range], help_text="First day of the calendar quarter"
    )
    metric = models.CharField(max_length=24, choices=MetricKind)
    value = models.DecimalField(max_digits=16, decimal_places=2)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "metric entries"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "period_start", "metric"], name="metric_entry_once_per_period"
            ),
        ]
        indexes = [models.Index(fields=["metric", "period_start"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.metric} {self.period_start}: {self.value}"


class SnapshotFigures(models.Model):
    """The figures of a quarter's effectiveness snapshot (an account's or a group's)."""

    period_start = models.DateField(help_text="First day of the calendar quarter")
    run = models.ForeignKey(ScoringRun, on_delete=models.SET_NULL, null=True, related_name="+")
    is_key = models.BooleanField(default=False, help_text="Key account when computed")
    revenue = models.DecimalField(default=0, **MONEY)
    cost_of_goods = models.DecimalField(default=0, **MONEY)
    cost_to_serve = models.DecimalField(default=0, **MONEY)
    gross_margin = models.DecimalField(default=0, **MONEY)
    net_profit = models.DecimalField(default=0, **MONEY)
    revenue_growth_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    share_of_wallet_pct = models.DecimalField(max_digits=7, decimal_places=2, null=True)
    cost_to_serve_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    gross_margin_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    net_margin_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    satisfaction = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    relationship_quality = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    retention = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    advocacy = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    shared_investment = models.DecimalField(null=True, **MONEY)

    class Meta:
        abstract = True


class MetricSnapshot(SnapshotFigures):
    """Effectiveness of one account (entity) in one calendar quarter, from its own rows,
    written by the scoring run."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="snapshots")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "period_start"], name="metric_snapshot_once_per_period"
            ),
        ]
        indexes = [models.Index(fields=["period_start", "is_key"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.period_start}"


class PackExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Building"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class PackExport(models.Model):
    """Every key account's review pack in one ZIP, built by a Celery task that reports its
    progress here (scoring.pack.exports); the file is kept in the row, as import uploads are,
    so the worker and the web process need no shared disk."""

    status = models.CharField(
        max_length=10, choices=PackExportStatus, default=PackExportStatus.QUEUED
    )
    audience = models.CharField(max_length=10)
    fmt = models.CharField("format", max_length=4)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    content = models.BinaryField(blank=True, default=b"")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self) -> str:
        return f"Review packs {self.pk} ({self.status})"

    @property
    def progress_pct(self) -> int:
        if self.status == PackExportStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class GroupSnapshot(SnapshotFigures):
    """A group's effectiveness in one calendar quarter: the roll-up of its subtree's
    MetricSnapshot rows (sums; growth, shares and margins from the sums; the entered measures
    are the top's own), written by the run for every group (scoring/engine/groups.py)."""

    account = models.ForeignKey(
        Account,
        on_delete=models.CASCADE,
        related_name="group_snapshots",
        help_text="The top of the group",
    )
    members = models.PositiveIntegerField("accounts below it", default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "period_start"], name="group_snapshot_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"group {self.account_id} {self.period_start}"


# --- Relationship health and investment fit (DOMAIN.md; the engine is scoring/engine/health.py
# and investment.py) ---------------------------------------------------------------------------


class HealthComponentKey(models.TextChoices):
    """The five components of relationship health; what each reads is in engine/health.py."""

    RELATIONSHIP = "relationship", "Relationship"
    DELIVERY = "delivery", "Delivery"
    PLAN = "plan", "Plan"
    VALUE = "value", "Value"
    VOICE = "voice", "Voice of the customer"


class HealthComponent(models.Model):
    """A component of the health score with its weight; directors configure them, as they do
    the selection criteria. `rule` says in words how its signals become 0-100."""

    key = models.CharField(max_length=16, choices=HealthComponentKey, unique=True)
    label = models.CharField(max_length=120)
    rule = models.TextField(help_text="How the component's signals are normalised to 0-100")
    weight = models.DecimalField(
        max_digits=6, decimal_places=2, default=Decimal("1.00"), validators=[MinValueValidator(0)]
    )
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["position", "key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="health_component_weight_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class HealthBand(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


# Worst first: a band whose index falls is a drop.
BAND_ORDER = {HealthBand.RED: 0, HealthBand.AMBER: 1, HealthBand.GREEN: 2}


class WarningSettings(models.Model):
    """The director's thresholds of the health bands, the early warning and the investment-fit
    rules: one row (pk 1), created by the migration with the defaults."""

    amber_from = models.DecimalField(
        "amber from", max_digits=5, decimal_places=2, default=Decimal("50.00")
    )
    green_from = models.DecimalField(
        "green from", max_digits=5, decimal_places=2, default=Decimal("75.00")
    )
    drop_points = models.DecimalField(
        "warn on a fall of more than (points)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
    )
    over_served_factor = models.DecimalField(
        "over-served: cost-to-serve share above the key-account median times",
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.00"),
    )
    under_invested_factor = models.DecimalField(
        "under-invested: cost to serve and actions below the key-account medians times",
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.00"),
    )
    bottom_attractiveness_pct = models.DecimalField(
        "stage too high: attractiveness percentile below",
        max_digits=5,
        decimal_places=2,
        default=Decimal("50.00"),
    )
    loss_quarters = models.PositiveSmallIntegerField(
        "loss-making: quarters running with negative net profit", default=2
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name_plural = "warning settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(amber_from__gte=0)
                & Q(amber_from__lte=F("green_from"))
                & Q(green_from__lte=100),
                name="warning_settings_bands_ordered",
            ),
            models.CheckConstraint(
                condition=Q(drop_points__gt=0) & Q(drop_points__lte=100),
                name="warning_settings_drop_points",
            ),
            models.CheckConstraint(
                condition=Q(over_served_factor__gt=0) & Q(under_invested_factor__gt=0),
                name="warning_settings_factors_positive",
            ),
            models.CheckConstraint(
                condition=Q(bottom_attractiveness_pct__gt=0)
                & Q(bottom_attractiveness_pct__lte=100),
                name="warning_settings_bottom_pct",
            ),
            models.CheckConstraint(
                condition=Q(loss_quarters__gte=1) & Q(loss_quarters__lte=8),
                name="warning_settings_loss_quarters",
            ),
        ]

    def __str__(self) -> str:
        return "Warning settings"

    @classmethod
    def current(cls) -> WarningSettings:
        """The one row (the migration creates it; a missing one reads as the defaults)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class HealthScore(models.Model):
    """An account's relationship health in one run, with every raw signal and its 0-100 points.
    Kept for every run (not pruned with the scores): an account's health history is a series.
    A `*_points` column is NULL when its signal has no data (left out of its component)."""

    run = models.ForeignKey(
        ScoringRun, on_delete=models.CASCADE, related_name="health_scores", db_index=False
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="health_scores", db_index=False
    )
    as_of = models.DateField()
    score = models.DecimalField(max_digits=5, decimal_places=2)
    band = models.CharField(max_length=5, choices=HealthBand)
    previous_score = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    previous_band = models.CharField(max_length=5, choices=HealthBand, blank=True)
    fell = models.BooleanField(default=False, help_text="Fell a band, or more than the set points")
    # relationship
    dmu_coverage_pct = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    coverage_points = models.DecimalField(max_digits=5, decimal_places=2)
    decision_makers = models.PositiveIntegerField(default=0)
    supporters = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)
    attitude_points = models.DecimalField(max_digits=5, decimal_places=2)
    days_since_contact = models.IntegerField(null=True)
    recency_points = models.DecimalField(max_digits=5, decimal_places=2)
    stage = models.CharField(max_length=16, choices=Stage)
    target_stage = models.CharField(max_length=16, choices=Stage, blank=True)
    stage_points = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    # delivery
    commitments_met = models.PositiveIntegerField(default=0)
    commitments_at_risk = models.PositiveIntegerField(default=0)
    commitments_breached = models.PositiveIntegerField(default=0)
    delivery_weight = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    at_risk_weight = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    breached_weight = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    # plan
    plan_status = models.CharField(max_length=12, blank=True)
    plan_points = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    review_date = models.DateField(null=True)
    review_points = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    actions_open = models.PositiveIntegerField(default=0)
    actions_overdue = models.PositiveIntegerField(default=0)
    actions_points = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    # value
    revenue_growth_pct = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    revenue_points = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    share_change_pts = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    share_points = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    margin_change_pts = models.DecimalField(max_digits=9, decimal_places=2, null=True)
    margin_points = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    # voice
    satisfaction = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    advocacy = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    retention = models.DecimalField(max_digits=5, decimal_places=2, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "account"], name="health_score_once_per_run"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="health_score_0_100"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "as_of"]),
            models.Index(fields=["run", "fell"]),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} in run {self.run_id}: {self.score} ({self.band})"


class InvestmentRule(models.TextChoices):
    OVER_SERVED = "over_served", "Over-served"
    UNDER_INVESTED = "under_invested", "Under-invested: build position"
    STAGE_TOO_HIGH = "stage_too_high", "Stage beyond its attractiveness"
    LOSS_MAKING = "loss_making", "Loss-making after cost to serve"


class InvestmentWarning(models.Model):
    """An investment-fit rule an account broke in a run, with the figures that triggered it:
    `value` against `threshold` (and a second pair where the rule has two). Pruned with the run's
    scores."""

    run = models.ForeignKey(
        ScoringRun, on_delete=models.CASCADE, related_name="investment_warnings", db_index=False
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="investment_warnings", db_index=False
    )
    rule = models.CharField(max_length=16, choices=InvestmentRule)
    value = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    threshold = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    value_2 = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    threshold_2 = models.DecimalField(max_digits=20, decimal_places=2, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "account", "rule"], name="investment_warning_once_per_run"
            ),
        ]
        indexes = [models.Index(fields=["account", "run"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.rule} in run {self.run_id}"


class SpendSource(models.TextChoices):
    CUSTOMER = "customer", "Customer-stated"
    MARKET_STUDY = "market_study", "Market study"
    KAM_ESTIMATE = "kam_estimate", "KAM estimate"


# The years a spend estimate may be for.
EARLIEST_SPEND_YEAR = 1950
LATEST_SPEND_YEAR = 2199


class SpendEstimate(models.Model):
    """The customer's estimated yearly spend in one of our product categories.

    Where an account has estimates, its category spend is their sum (see scoring/whitespace.py
    `effective_spend_sql`); the run stores the spend it used on the account's score row."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="spend_estimates")
    category = models.ForeignKey(
        "accounts.ProductCategory", on_delete=models.PROTECT, related_name="spend_estimates"
    )
    year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(EARLIEST_SPEND_YEAR), MaxValueValidator(LATEST_SPEND_YEAR)]
    )
    estimated_spend = models.DecimalField(validators=[MinValueValidator(0)], **MONEY)
    source = models.CharField(max_length=16, choices=SpendSource)
    competitor = models.CharField("main competitor", max_length=120, blank=True)
    competitor_share_pct = models.DecimalField(
        "main competitor's share %",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    EDITABLE_FIELDS = ("estimated_spend", "source", "competitor", "competitor_share_pct")

    class Meta:
        ordering = ["account", "category__name", "-year", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "category", "year"], name="spend_estimate_once_per_year"
            ),
            models.CheckConstraint(
                condition=Q(estimated_spend__gte=0), name="spend_estimate_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=EARLIEST_SPEND_YEAR) & Q(year__lte=LATEST_SPEND_YEAR),
                name="spend_estimate_year_in_range",
            ),
            models.CheckConstraint(
                condition=Q(competitor_share_pct__isnull=True)
                | (Q(competitor_share_pct__gte=0) & Q(competitor_share_pct__lte=100)),
                name="spend_estimate_competitor_share_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.category_id} {self.year}: {self.estimated_spend}"


class CategoryRevenue(models.Model):
    """A run's trailing-12-month revenue of one account in one product category (the
    white-space map's actuals); written by the run in one pass over the sales lines."""

    # About four rows per account and run (a million at 250,000 accounts): as for the criterion
    # scores, no database FK checks (the chunk writes them set-based from the accounts and the
    # run it has just read; Django still cascades deletes, and pruning deletes old runs' rows).
    # Their checks were most of each chunk's commit: 6.5 s became 1.5 s at 250,000 accounts.
    run = models.ForeignKey(
        ScoringRun,
        on_delete=models.CASCADE,
        related_name="category_revenues",
        db_index=False,
        db_constraint=False,
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    category = models.CharField(max_length=60)
    revenue = models.DecimalField(default=0, **MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "account", "category"], name="category_revenue_once_per_run"
            ),
        ]
        indexes = [models.Index(fields=["run", "category"], name="category_revenue_by_category")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.category} in run {self.run_id}: {self.revenue}"
