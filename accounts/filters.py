"""The account list's filters and orderings, shared by the HTML list and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from accounts.models import Account, AccountStatus, Quadrant, Stage
from accounts.runs import current_run
from accounts.selectors import accounts as accounts_selectors
from accounts.tables import ACCOUNTS
from kam.listing import (
    FilterForm,
    SortableFilterSet,
    contains_any,
)

_UNSET: Any = object()
GROUPS, ENTITIES = "groups", "entities"
LEVELS = [(GROUPS, "Groups and standalone accounts"), (ENTITIES, "Every entity")]


def search_accounts(queryset: QuerySet[Account], name: str, value: str) -> QuerySet[Account]:
    return contains_any(queryset, value, ["name", "erp_code"])


def account_search() -> django_filters.CharFilter:
    """The search box of every account list, the HTML list's and the API's."""
    return django_filters.CharFilter(
        label="Search", method=search_accounts, help_text="Name or ERP code contains"
    )


class AccountFilterSet(SortableFilterSet):
    """Search, filters and sorting for lists of accounts.

    `request` is required: what the list offers depends on its user. The queryset must carry
    the current run's figures (`accounts.selectors.accounts_for_list`); without a queryset,
    that selector is used for the request's user. Pass `run` when the caller has already read
    the current run, to save the query. Columns and orderings are `accounts.tables.ACCOUNTS`.
    Before the first run the quadrant filter is disabled and ignored; for users whose lists
    carry no scores (operations) the quadrant filter and the score columns and orderings do not
    exist.
    """

    q = account_search()
    status = django_filters.ChoiceFilter(choices=AccountStatus.choices, empty_label="Any status")
    stage = django_filters.ChoiceFilter(choices=Stage.choices, empty_label="Any stage")
    kam = django_filters.ChoiceFilter(label="Key account manager", empty_label="Any KAM")
    quadrant = django_filters.ChoiceFilter(
        label="Quadrant",
        choices=Quadrant.choices,
        field_name="score_quadrant",
        empty_label="Any quadrant",
    )
    industry = django_filters.ChoiceFilter(empty_label="Any industry")
    region = django_filters.ChoiceFilter(empty_label="Any region")
    level = django_filters.ChoiceFilter(
        label="Show",
        choices=LEVELS,
        empty_label=None,
        method="at_level",
        help_text="Groups: units of selection (a search finds members too)",
    )

    table = ACCOUNTS

    class Meta:
        model = Account
        fields = [
            "q",
            "level",
            "status",
            "stage",
            "kam",
            "quadrant",
            "industry",
            "region",
            "ordering",
        ]
        form = FilterForm

    def filter_queryset(self, queryset: QuerySet[Account]) -> QuerySet[Account]:
        # "groups" is the default: the list shows units of selection unless asked for
        # entities, and a search finds members too (each shows its group).
        level = self.form.cleaned_data.get("level") or GROUPS
        if level == GROUPS and not self.form.cleaned_data.get("q"):
            queryset = queryset.filter(parent__isnull=True)
        return super().filter_queryset(queryset)

    def at_level(self, queryset: QuerySet[Account], name: str, value: str) -> QuerySet[Account]:
        return queryset  # applied in filter_queryset, with the search

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Account] | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
        run: Any = _UNSET,  # the current scoring run (accounts.runs), None before the first
    ) -> None:
        self.run = current_run() if run is _UNSET else run
        user = request.user
        self.shows_scores = accounts_selectors.list_shows_scores(user)
        if queryset is None:
            queryset = accounts_selectors.accounts_for_list(user=user, run=self.run)
        super().__init__(data, queryset, request=request, prefix=prefix)
        facets = accounts_selectors.account_facets(user=user)
        self.filters["industry"].extra["choices"] = [(v, v) for v in facets.industries]
        self.filters["region"].extra["choices"] = [(v, v) for v in facets.regions]
        self.filters["kam"].extra["choices"] = [(kam.pk, str(kam)) for kam in facets.kams]
        if not self.shows_scores:
            del self.filters["quadrant"]
        elif self.run is None:
            # A disabled field ignores submitted data, so the filter is off until a run exists.
            self.filters["quadrant"].extra.update(
                disabled=True, help_text="Not yet computed: no scoring run has finished"
            )
