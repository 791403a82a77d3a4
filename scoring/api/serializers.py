"""Representations of selection criteria, ratings, scores with their explanation, scoring runs,
cost rates and metric snapshots, and the bodies of their writes (to scoring's services)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.api.serializers import blank_or, person
from accounts.models import Account, ProductCategory, Stage
from kam.api import MAX_ID, ScopedCreateMixin, StrictModelSerializer, StrictSerializer
from scoring.models import (
    AccountScore,
    CostRate,
    Criterion,
    CriterionSource,
    GroupSnapshot,
    HealthBand,
    HealthScore,
    MetricSnapshot,
    Rating,
    ScoringRun,
    SpendEstimate,
)


class CostRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = CostRate
        fields = [
            "id",
            "activity_type",
            "period_start",
            "period_end",
            "cost_pool",
            "driver_volume",
            "rate",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CriterionSerializer(serializers.ModelSerializer):
    source = blank_or(CriterionSource.choices)

    class Meta:
        model = Criterion
        fields = [
            "id",
            "key",
            "label",
            "description",
            "kind",
            "source",
            "weight",
            "active",
            "position",
            "anchor_low",
            "anchor_high",
            "updated_at",
        ]
        read_only_fields = fields


class WeightSerializer(StrictSerializer):
    criterion = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Criterion id")
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0)


class WeightsSerializer(StrictSerializer):
    weights = WeightSerializer(many=True, min_length=1, max_length=200)
    reason = serializers.CharField(
        max_length=100, help_text="Why the weights change; kept in the criteria's history"
    )

    def validate_weights(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = [item["criterion"] for item in value]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError("Each criterion may appear once.")
        return value


class RatingSerializer(serializers.ModelSerializer):
    rated_by_name = person("rated_by")

    class Meta:
        model = Rating
        fields = [
            "id",
            "account",
            "criterion",
            "value",
            "comment",
            "rated_by",
            "rated_by_name",
            "rated_at",
        ]
        read_only_fields = fields


class RatingCreateSerializer(ScopedCreateMixin, StrictSerializer):
    parent_field = "account"
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.none())
    criterion = serializers.PrimaryKeyRelatedField(queryset=Criterion.objects.all())
    value = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")


SCORE_FIELDS = [
    "id",
    "run",
    "account",
    "account_name",
    "revenue",
    "revenue_prev",
    "cost_of_goods",
    "cost_to_serve",
    "gross_margin",
    "net_profit",
    "revenue_growth_pct",
    "share_of_wallet_pct",
    "headroom",
    "turnover",
    "category_spend",
    "is_unit",
    "group",
    "members",
    "attractiveness",
    "relative_strength",
    "quadrant",
    "rank",
    "stage",
    "status",
    *AccountScore.RELATIONSHIP_AND_FLAG_FIELDS,
    "health",
    "health_band",
]


class ScoreSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    health = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="Relationship health 0-100 (null for a run before health was computed)",
    )
    health_band = serializers.ChoiceField(
        choices=HealthBand.choices,
        read_only=True,
        allow_null=True,
        help_text="red, amber or green (null without a health score)",
    )

    def to_representation(self, instance: AccountScore) -> dict:
        data = super().to_representation(instance)
        data["health_band"] = data["health_band"] or None
        return data

    class Meta:
        model = AccountScore
        fields = SCORE_FIELDS
        read_only_fields = fields


class ExplanationLineSerializer(serializers.Serializer):
    """One criterion's part of a score: raw value, normalised 0-100, weight, contribution (an
    ExplanationLine of scoring.explanations, with the places the run computed them to)."""

    criterion = serializers.IntegerField(source="criterion_id", read_only=True)
    criterion_key = serializers.CharField(source="criterion.key", read_only=True)
    criterion_label = serializers.CharField(source="criterion.label", read_only=True)
    raw = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True, read_only=True)
    normalised = serializers.DecimalField(max_digits=7, decimal_places=4, read_only=True)
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True)
    contribution = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True)


class ScoreDetailSerializer(ScoreSerializer):
    """A score with its explanation; the contributions add up to the attractiveness."""

    explanation = ExplanationLineSerializer(many=True, read_only=True)

    class Meta(ScoreSerializer.Meta):
        fields = [*SCORE_FIELDS, "explanation"]
        read_only_fields = fields


class ScoringRunSerializer(serializers.ModelSerializer):
    started_by_name = person("started_by")

    class Meta:
        model = ScoringRun
        fields = [
            "id",
            "status",
            "trigger",
            "started_by",
            "started_by_name",
            "as_of",
            "created_at",
            "started_at",
            "finished_at",
            "stage",
            "progress_pct",
            "chunks_total",
            "chunks_done",
            "accounts_count",
            "counts",
            "stage_durations",
            "weights",
            "error",
        ]
        read_only_fields = fields


class MetricSnapshotSerializer(serializers.ModelSerializer):
    class Meta:
        model = MetricSnapshot
        fields = [
            "id",
            "account",
            "period_start",
            "run",
            "is_key",
            "revenue",
            "cost_of_goods",
            "cost_to_serve",
            "gross_margin",
            "net_profit",
            "revenue_growth_pct",
            "share_of_wallet_pct",
            "cost_to_serve_pct",
            "gross_margin_pct",
            "net_margin_pct",
            "satisfaction",
            "relationship_quality",
            "retention",
            "advocacy",
            "shared_investment",
        ]
        read_only_fields = fields


class GroupSnapshotSerializer(MetricSnapshotSerializer):
    """A group's quarter: the roll-up of its subtree's snapshots; `account` is the top."""

    class Meta(MetricSnapshotSerializer.Meta):
        model = GroupSnapshot
        fields = [*MetricSnapshotSerializer.Meta.fields, "members"]
        read_only_fields = fields


class HealthScoreSerializer(serializers.ModelSerializer):
    """One point of an account's health series: a run's score, band and signals."""

    previous_band = blank_or(HealthBand.choices)
    target_stage = blank_or(Stage.choices)

    class Meta:
        model = HealthScore
        fields = [
            "id",
            "account",
            "run",
            "as_of",
            "score",
            "band",
            "previous_score",
            "previous_band",
            "fell",
            "dmu_coverage_pct",
            "decision_makers",
            "supporters",
            "detractors",
            "days_since_contact",
            "stage",
            "target_stage",
            "commitments_met",
            "commitments_at_risk",
            "commitments_breached",
            "plan_status",
            "review_date",
            "actions_open",
            "actions_overdue",
            "revenue_growth_pct",
            "share_change_pts",
            "margin_change_pts",
            "satisfaction",
            "advocacy",
            "retention",
        ]
        read_only_fields = fields


class SpendEstimateSerializer(serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True)

    class Meta:
        model = SpendEstimate
        fields = [
            "id",
            "account",
            "category",
            "category_name",
            "year",
            *SpendEstimate.EDITABLE_FIELDS,
            "entered_by",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class SpendEstimateUpdateSerializer(StrictModelSerializer):
    """The figures of an estimate (its account, category and year are its key)."""

    class Meta:
        model = SpendEstimate
        fields = SpendEstimate.EDITABLE_FIELDS


class SpendEstimateCreateSerializer(ScopedCreateMixin, SpendEstimateUpdateSerializer):
    """A new estimate of an account whose details you see, for a product category and year."""

    parent_field = "account"
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.none())
    category = serializers.PrimaryKeyRelatedField(queryset=ProductCategory.objects.all())

    class Meta(SpendEstimateUpdateSerializer.Meta):
        fields = ["account", "category", "year", *SpendEstimate.EDITABLE_FIELDS]
        # the service checks that the key is new, with a message naming the stored estimate
        validators: list = []


class WhiteSpaceCellSerializer(serializers.Serializer):
    account = serializers.IntegerField(help_text="The account of the map's row")
    category = serializers.CharField()
    revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    estimated_spend = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    estimate_year = serializers.IntegerField(allow_null=True)
    share_pct = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)
    headroom = serializers.DecimalField(max_digits=17, decimal_places=2, allow_null=True)
    white_space = serializers.BooleanField()
    estimate_below_revenue = serializers.BooleanField()
    competitor = serializers.CharField()
    competitor_share_pct = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class WhiteSpaceMapSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    run = serializers.IntegerField(allow_null=True, help_text="The scoring run of the revenue")
    year = serializers.IntegerField(allow_null=True, help_text="Estimates up to this year")
    categories = serializers.ListField(child=serializers.CharField())
    cells = WhiteSpaceCellSerializer(many=True)
