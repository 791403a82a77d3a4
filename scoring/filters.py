"""The scores list's filters and orderings, shared by its page and its downloads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import QuerySet

from accounts.models import AccountStatus, Quadrant
from kam.listing import (
    AnyYesNoSelect,
    FilterForm,
    SortableFilterSet,
    contains_any,
)
from kam.widgets import QuickSelect
from scoring.forms import portfolio_facets
from scoring.models import AccountScore, ScoringRun
from scoring.scores import FLAG_LABELS, score_rows
from scoring.tables import SCORES

SCORE_LIMITS = {"min_value": Decimal(0), "max_value": Decimal(100), "max_digits": 5}


def _flag_filter(field_name: str) -> django_filters.BooleanFilter:
    # Anything submitted other than "true" or "false" counts as "Any".
    return django_filters.BooleanFilter(
        field_name=field_name, label=FLAG_LABELS[field_name], widget=AnyYesNoSelect
    )


class ScoreFilterSet(SortableFilterSet):
    """Search, filters and sorting for the scores of the current run.

    `request` is required (the rows are those its user may see); without a queryset the
    selector `scoring.scores.score_rows` gives them. Pass `run` (the current run, or None
    before the first one). Columns and orderings are `scoring.tables.SCORES`.
    """

    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Account name or ERP code contains"
    )
    quadrant = django_filters.ChoiceFilter(choices=Quadrant.choices, empty_label="Any quadrant")
    status = django_filters.ChoiceFilter(
        field_name="account__status", choices=AccountStatus.choices, empty_label="Any status"
    )
    kam = django_filters.ChoiceFilter(
        field_name="account__kam",
        label="Key account manager",
        empty_label="Any KAM",
        widget=QuickSelect,  # hundreds of KAMs: options written without templates
    )
    industry = django_filters.ChoiceFilter(
        field_name="account__industry", empty_label="Any industry"
    )
    region = django_filters.ChoiceFilter(field_name="account__region", empty_label="Any region")
    pareto = _flag_filter("is_pareto")
    four_x = _flag_filter("is_4x")
    misclassified = _flag_filter("is_misclassified")
    kam_overloaded = _flag_filter("kam_overloaded")
    spend_below_revenue = _flag_filter("spend_below_revenue")
    score_min = django_filters.NumberFilter(
        field_name="attractiveness",
        lookup_expr="gte",
        label="Attractiveness from",
        **SCORE_LIMITS,
    )
    score_max = django_filters.NumberFilter(
        field_name="attractiveness",
        lookup_expr="lte",
        label="Attractiveness to",
        **SCORE_LIMITS,
    )

    table = SCORES

    class Meta:
        model = AccountScore
        fields = [
            "q",
            "quadrant",
            "status",
            "kam",
            "industry",
            "region",
            "pareto",
            "four_x",
            "misclassified",
            "kam_overloaded",
            "spend_below_revenue",
            "score_min",
            "score_max",
            "ordering",
        ]
        form = FilterForm

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[AccountScore] | None = None,
        *,
        request: Any,
        run: ScoringRun | None,
        prefix: str | None = None,
    ) -> None:
        self.run = run
        if queryset is None:
            queryset = score_rows(user=request.user, run=run)
        super().__init__(data, queryset, request=request, prefix=prefix)
        facets = portfolio_facets(request.user)
        self.filters["industry"].extra["choices"] = [(v, v) for v in facets.industries]
        self.filters["region"].extra["choices"] = [(v, v) for v in facets.regions]
        self.filters["kam"].extra["choices"] = [(kam.pk, str(kam)) for kam in facets.kams]

    def search(
        self, queryset: QuerySet[AccountScore], name: str, value: str
    ) -> QuerySet[AccountScore]:
        return contains_any(queryset, value, ["account__name", "account__erp_code"])
