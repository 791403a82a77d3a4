"""API of the scoring app: selection criteria and their weights, ratings, scores with their
explanation, scoring runs (list, start one, progress), cost rates and metric snapshots.

Scores, ratings and snapshots follow `accounts.view_account_details` (an account's people,
directors, administrators); runs and cost rates are the directors' (kam/rules.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from accounts.models import Account
from kam.api import (
    EmptySerializer,
    IdFilter,
    KamViewSet,
    ReadOnlyKamViewSet,
    VersionedDestroyMixin,
    VersionedUpdateMixin,
    versioned_schema,
    with_etag,
)
from scoring import ratings, selectors, services, whitespace, workbench
from scoring.api import serializers as s
from scoring.explanations import account_lines
from scoring.models import (
    EARLIEST_SPEND_YEAR,
    LATEST_SPEND_YEAR,
    AccountScore,
    CostRate,
    Criterion,
    GroupSnapshot,
    HealthScore,
    MetricSnapshot,
    Quadrant,
    Rating,
    RunStatus,
    RunTrigger,
    ScoringRun,
    SpendEstimate,
)
from scoring.tables import SCORES


class CostRateFilterSet(django_filters.FilterSet):
    activity_type = IdFilter(field_name="activity_type_id")
    valid_on = django_filters.DateFilter(method="valid_on_filter", label="Valid on")

    class Meta:
        model = CostRate
        fields = ["activity_type", "valid_on"]

    def valid_on_filter(self, queryset: QuerySet[CostRate], name: str, value: dt.date) -> Any:
        return queryset.filter(period_start__lte=value, period_end__gte=value)


class RatingFilterSet(django_filters.FilterSet):
    account = IdFilter(field_name="account_id")
    criterion = IdFilter(field_name="criterion_id")

    class Meta:
        model = Rating
        fields = ["account", "criterion"]


class ScoreFilterSet(django_filters.FilterSet):
    run = IdFilter(
        field_name="run_id",
        method="in_run",
        help_text="A scoring run's id; without it, the current run (the newest succeeded one)",
    )
    account = IdFilter(field_name="account_id")
    quadrant = django_filters.ChoiceFilter(choices=Quadrant.choices)
    is_misclassified = django_filters.BooleanFilter()
    is_unit = django_filters.BooleanFilter(
        help_text="true: units of selection only (groups and standalone accounts, ranked); "
        "false: the members of groups (their own figures, for drill-down)"
    )
    group = IdFilter(field_name="group_id", help_text="The members of this group (its top's id)")

    class Meta:
        model = AccountScore
        fields = ["run", "account", "quadrant", "is_misclassified", "is_unit", "group"]

    def in_run(self, queryset: QuerySet[AccountScore], name: str, value: int) -> Any:
        return queryset.filter(run_id=value)

    def filter_queryset(self, queryset: QuerySet[AccountScore]) -> QuerySet[AccountScore]:
        if self.form.cleaned_data.get("run") is None:
            run = selectors.current_run()
            queryset = queryset.filter(run=run) if run is not None else queryset.none()
        return super().filter_queryset(queryset)


class RunFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = ScoringRun
        fields = ["status"]


class SnapshotFilterSet(django_filters.FilterSet):
    account = IdFilter(field_name="account_id")
    period_from = django_filters.DateFilter(field_name="period_start", lookup_expr="gte")
    period_to = django_filters.DateFilter(field_name="period_start", lookup_expr="lte")

    class Meta:
        model = MetricSnapshot
        fields = ["account", "period_from", "period_to", "is_key"]


@extend_schema_view(
    list=extend_schema(summary="Cost rates per activity type and period (directors)"),
    retrieve=extend_schema(summary="One cost rate"),
)
class CostRateViewSet(ReadOnlyKamViewSet):
    """Activity-based cost rates (directors and administrators)."""

    serializer_class = s.CostRateSerializer
    filterset_class = CostRateFilterSet
    ordering_fields = ["period_start", "id"]
    global_perms = {"list": "scoring.view_costrate", "retrieve": "scoring.view_costrate"}
    queryset = CostRate.objects.order_by("activity_type_id", "-period_start", "pk")


@extend_schema_view(
    list=extend_schema(summary="Selection criteria with their weights"),
    retrieve=extend_schema(summary="One selection criterion"),
)
class CriterionViewSet(ReadOnlyKamViewSet):
    """Selection criteria: read by everyone signed in; weights set by directors and
    administrators."""

    serializer_class = s.CriterionSerializer
    filterset_fields = ["kind", "active"]
    ordering_fields = ["position", "key", "id"]
    global_perms = {"weights": "scoring.change_criterion"}
    queryset = Criterion.objects.order_by("position", "key", "pk")

    @extend_schema(
        summary="Set criteria weights (directors); the next scoring run uses them",
        request=s.WeightsSerializer,
        responses=s.CriterionSerializer(many=True),
    )
    # A write of the weights: the list's filters and ordering are not its parameters.
    @action(detail=False, methods=["post"], pagination_class=None, filter_backends=[])
    def weights(self, request: Any) -> Response:
        body = s.WeightsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        workbench.criteria_weights_save(
            weights={item["criterion"]: item["weight"] for item in body.validated_data["weights"]},
            actor=request.user,
            reason=body.validated_data["reason"],
        )
        return Response(self.get_serializer(self.get_queryset(), many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Ratings of the accounts whose details you see, newest first"),
    retrieve=extend_schema(summary="One rating"),
)
class RatingViewSet(ReadOnlyKamViewSet):
    """KAMs' 1-5 ratings of the rated criteria (append-only: the newest counts)."""

    serializer_class = s.RatingSerializer
    filterset_class = RatingFilterSet
    ordering_fields = ["rated_at", "id"]

    def get_queryset(self) -> QuerySet[Rating]:
        if self.is_schema_generation():
            return Rating.objects.none()
        return (
            Rating.objects.filter(
                account__in=Account.objects.with_details_visible_to(self.request.user)
            )
            .select_related("rated_by")
            .order_by("-rated_at", "-pk")
        )

    @extend_schema(
        summary="Rate a rated criterion 1-5 for an account you serve",
        request=s.RatingCreateSerializer,
        responses={201: s.RatingSerializer},
    )
    def create(self, request: Any) -> Response:
        body = s.RatingCreateSerializer(
            data=request.data, parents=Account.objects.with_details_visible_to(request.user)
        )
        body.is_valid(raise_exception=True)
        rating = ratings.rating_record(actor=request.user, **body.validated_data)
        return Response(self.get_serializer(rating).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Scores of the current run (or ?run=) for accounts you see"),
    retrieve=extend_schema(
        summary="One score with its explanation, criterion by criterion",
        responses=s.ScoreDetailSerializer,
    ),
)
class ScoreViewSet(ReadOnlyKamViewSet):
    """Selection scores and their explanation, criterion by criterion: read by the account's
    people and directors."""

    serializer_class = s.ScoreSerializer
    filterset_class = ScoreFilterSet
    ordering_fields = SCORES.api_ordering_fields

    def get_queryset(self) -> QuerySet[AccountScore]:
        if self.is_schema_generation():
            return AccountScore.objects.none()
        return (
            AccountScore.objects.filter(
                account__in=Account.objects.with_details_visible_to(self.request.user)
            )
            .select_related("account")
            .order_by("run_id", "rank", "pk")
        )

    def retrieve(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        score = self.get_object()
        score.explanation = account_lines(score.run_id, score.account_id)
        return Response(s.ScoreDetailSerializer(score).data)


@extend_schema_view(
    list=extend_schema(summary="Scoring runs, newest first (directors)"),
    retrieve=extend_schema(summary="One scoring run and its progress"),
)
class ScoringRunViewSet(ReadOnlyKamViewSet):
    """Scoring runs: read and started by directors and administrators; never two at once
    (409)."""

    serializer_class = s.ScoringRunSerializer
    filterset_class = RunFilterSet
    ordering_fields = ["created_at", "id"]
    global_perms = {
        "list": "scoring.view_portfolio",
        "retrieve": "scoring.view_portfolio",
        "create": "scoring.start_run",
    }
    extra_error_codes = {"create": ["409"]}

    def get_queryset(self) -> QuerySet[ScoringRun]:
        return selectors.runs()

    @extend_schema(
        summary="Start a scoring run now (409 while another one is queued or running)",
        request=EmptySerializer,
        responses={201: s.ScoringRunSerializer},
    )
    def create(self, request: Any) -> Response:
        EmptySerializer(data=request.data).is_valid(raise_exception=True)
        run = services.run_enqueue(trigger=RunTrigger.MANUAL, actor=request.user)
        return Response(self.get_serializer(run).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Quarterly effectiveness snapshots of accounts you see"),
    retrieve=extend_schema(summary="One snapshot"),
)
class MetricSnapshotViewSet(ReadOnlyKamViewSet):
    """Quarterly effectiveness snapshots: read by the account's people and directors."""

    serializer_class = s.MetricSnapshotSerializer
    filterset_class = SnapshotFilterSet
    ordering_fields = ["period_start", "id"]

    def get_queryset(self) -> QuerySet[MetricSnapshot]:
        if self.is_schema_generation():
            return MetricSnapshot.objects.none()
        return MetricSnapshot.objects.filter(
            account__in=Account.objects.with_details_visible_to(self.request.user)
        ).order_by("account_id", "-period_start", "pk")


class GroupSnapshotFilterSet(SnapshotFilterSet):
    account = IdFilter(field_name="account_id", help_text="The id of the group's top account")

    class Meta(SnapshotFilterSet.Meta):
        model = GroupSnapshot


@extend_schema_view(
    list=extend_schema(summary="Quarterly effectiveness snapshots of groups you see"),
    retrieve=extend_schema(summary="One group snapshot"),
)
class GroupSnapshotViewSet(MetricSnapshotViewSet):
    """A group's quarterly snapshots (its subtree rolled up, scoring/engine/groups.py): read,
    like an account's, by the group's people and directors."""

    serializer_class = s.GroupSnapshotSerializer
    filterset_class = GroupSnapshotFilterSet

    def get_queryset(self) -> QuerySet[GroupSnapshot]:
        if self.is_schema_generation():
            return GroupSnapshot.objects.none()
        return GroupSnapshot.objects.filter(
            account__in=Account.objects.with_details_visible_to(self.request.user)
        ).order_by("account_id", "-period_start", "pk")


class HealthHistoryFilterSet(django_filters.FilterSet):
    account = IdFilter(field_name="account_id", help_text="An account's id: its health series")
    as_of_from = django_filters.DateFilter(field_name="as_of", lookup_expr="gte")
    as_of_to = django_filters.DateFilter(field_name="as_of", lookup_expr="lte")

    class Meta:
        model = HealthScore
        fields = ["account", "as_of_from", "as_of_to", "band", "fell"]


@extend_schema_view(
    list=extend_schema(
        summary="Relationship health history: one row per account and succeeded run "
        "(?account= for one account's series), newest first"
    ),
    retrieve=extend_schema(summary="One account's health in one run"),
)
class HealthHistoryViewSet(ReadOnlyKamViewSet):
    """Relationship health per account and run, kept for every run: read by the account's
    people and directors."""

    serializer_class = s.HealthScoreSerializer
    filterset_class = HealthHistoryFilterSet
    ordering_fields = ["as_of", "score", "id"]

    def get_queryset(self) -> QuerySet[HealthScore]:
        if self.is_schema_generation():
            return HealthScore.objects.none()
        return HealthScore.objects.filter(
            account__in=Account.objects.with_details_visible_to(self.request.user),
            run__status=RunStatus.SUCCEEDED,
        ).order_by("account_id", "-as_of", "-run_id", "pk")


@extend_schema_field(
    {"type": "integer", "minimum": EARLIEST_SPEND_YEAR, "maximum": LATEST_SPEND_YEAR}
)
class YearFilter(django_filters.NumberFilter):
    """A calendar year an estimate may be for; anything else is a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", EARLIEST_SPEND_YEAR)
        kwargs.setdefault("max_value", LATEST_SPEND_YEAR)
        super().__init__(*args, **kwargs)


class SpendEstimateFilterSet(django_filters.FilterSet):
    account = IdFilter(field_name="account_id")
    category = IdFilter(field_name="category_id")
    year = YearFilter(field_name="year")

    class Meta:
        model = SpendEstimate
        fields = ["account", "category", "year"]


@versioned_schema(
    noun="spend estimate",
    listed="Spend estimates of the accounts whose details you see",
    read=s.SpendEstimateSerializer,
    update_body=s.SpendEstimateUpdateSerializer,
    destroy="Delete a spend estimate (If-Match: its ETag)",
)
class SpendEstimateViewSet(VersionedUpdateMixin, VersionedDestroyMixin, ReadOnlyKamViewSet):
    """The customer's estimated yearly spend per product category (the white-space map):
    read by the account's people and directors, changed by its KAMs, directors and
    administrators. Versioned: send the ETag back in If-Match."""

    serializer_class = s.SpendEstimateSerializer
    update_serializer_class = s.SpendEstimateUpdateSerializer
    filterset_class = SpendEstimateFilterSet
    ordering_fields = ["year", "estimated_spend", "id"]
    versioned = True

    def get_queryset(self) -> QuerySet[SpendEstimate]:
        if self.is_schema_generation():
            return SpendEstimate.objects.none()
        return (
            SpendEstimate.objects.filter(
                account__in=Account.objects.with_details_visible_to(self.request.user)
            )
            .select_related("category", "account")
            .order_by("account_id", "category_id", "-year", "pk")
        )

    @extend_schema(
        summary="Add a spend estimate for an account whose details you see",
        request=s.SpendEstimateCreateSerializer,
        responses={201: s.SpendEstimateSerializer},
    )
    def create(self, request: Any) -> Response:
        body = s.SpendEstimateCreateSerializer(
            data=request.data, parents=Account.objects.with_details_visible_to(request.user)
        )
        body.is_valid(raise_exception=True)
        estimate = whitespace.spend_estimate_save(
            actor=request.user, must_be_new=True, **body.validated_data
        )
        response = Response(self.get_serializer(estimate).data, status=status.HTTP_201_CREATED)
        return with_etag(response, estimate)

    def versioned_update(
        self, obj: SpendEstimate, version: int, fields: dict[str, Any]
    ) -> SpendEstimate:
        current = {name: getattr(obj, name) for name in SpendEstimate.EDITABLE_FIELDS}
        return whitespace.spend_estimate_save(
            account=obj.account,
            category=obj.category,
            year=obj.year,
            actor=self.request.user,
            expected_version=version,
            **{**current, **fields},
        )

    def versioned_delete(self, obj: SpendEstimate, version: int) -> None:
        whitespace.spend_estimate_delete(
            estimate=obj, actor=self.request.user, expected_version=version
        )


@extend_schema_view(
    retrieve=extend_schema(
        summary="An account's white-space map (read-only): its cells from the current run",
        responses=s.WhiteSpaceMapSerializer,
    ),
)
class WhiteSpaceMapViewSet(mixins.RetrieveModelMixin, KamViewSet):
    """The white-space map of an account whose details you see, by the account's id."""

    serializer_class = s.WhiteSpaceMapSerializer

    def get_queryset(self) -> QuerySet[Account]:
        if self.is_schema_generation():
            return Account.objects.none()
        return Account.objects.with_details_visible_to(self.request.user).order_by("pk")

    def retrieve(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        account = self.get_object()
        space = whitespace.white_space_map(account, selectors.current_run())
        cells = whitespace.map_csv_rows(space)
        for cell, row in zip(
            cells,
            [r.account.pk for r in space.rows for _ in space.categories],
            strict=True,
        ):
            cell["account"] = row
        body = {
            "account": account.pk,
            "run": space.run.pk if space.run else None,
            "year": space.year,
            "categories": space.categories,
            "cells": cells,
        }
        return Response(s.WhiteSpaceMapSerializer(body).data)


def register(router: BaseRouter) -> None:
    router.register("criteria", CriterionViewSet, basename="criterion")
    router.register("ratings", RatingViewSet, basename="rating")
    router.register("scores", ScoreViewSet, basename="score")
    router.register("scoring-runs", ScoringRunViewSet, basename="scoringrun")
    router.register("cost-rates", CostRateViewSet, basename="costrate")
    router.register("snapshots", MetricSnapshotViewSet, basename="snapshot")
    router.register("group-snapshots", GroupSnapshotViewSet, basename="groupsnapshot")
    router.register("health-history", HealthHistoryViewSet, basename="healthscore")
    router.register("spend-estimates", SpendEstimateViewSet, basename="spendestimate")
    router.register("white-space-maps", WhiteSpaceMapViewSet, basename="whitespacemap")
