"""Filters of the accounts API's lists (django-filter; `q` is the search).

The account list reuses the HTML list's search (`account_search`) and choices; its
industry, region and KAM filters take plain values instead of the HTML form's drop-downs, whose
choices cost three DISTINCT queries per request and mean nothing to an API client. Sorting is
the cursor pagination's (`ordering`), on unique keys only.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from accounts.filters import account_search
from accounts.models import (
    Account,
    AccountStatus,
    Activity,
    Contact,
    Interaction,
    Quadrant,
    SalesLine,
    Stage,
    StageChange,
    TeamMembership,
)
from kam.api import IdFilter, UtcDateTimeFilter


class AccountApiFilterSet(django_filters.FilterSet):
    q = account_search()
    status = django_filters.ChoiceFilter(choices=AccountStatus.choices)
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    kam = IdFilter(field_name="kam_id", help_text="The KAM's user id")
    industry = django_filters.CharFilter(max_length=80)
    region = django_filters.CharFilter(max_length=40)
    country = django_filters.CharFilter(max_length=2)
    quadrant = django_filters.ChoiceFilter(
        choices=Quadrant.choices,
        field_name="score_quadrant",
        help_text="In the current scoring run (no account matches for those who see no scores)",
    )
    subtree = IdFilter(
        method="in_subtree",
        help_text="An account id: that account and every account below it in its group",
    )
    top_level = django_filters.BooleanFilter(
        field_name="parent", lookup_expr="isnull", help_text="Only units of selection (tops)"
    )

    class Meta:
        model = Account
        fields = [
            "q",
            "status",
            "stage",
            "kam",
            "industry",
            "region",
            "country",
            "quadrant",
            "subtree",
            "top_level",
        ]

    def in_subtree(self, queryset: Any, name: str, value: int) -> Any:
        return queryset.filter(pk__in=Account.objects.subtree(value).values("pk"))


class AccountScopedFilterSet(django_filters.FilterSet):
    """Filter by account (id) for the lists of things that belong to an account."""

    account = IdFilter(field_name="account_id", help_text="Account id")


class StageChangeFilterSet(AccountScopedFilterSet):
    to_stage = django_filters.ChoiceFilter(choices=Stage.choices)
    changed_after = UtcDateTimeFilter(field_name="changed_at", lookup_expr="gte")

    class Meta:
        model = StageChange
        fields = ["account", "to_stage", "changed_after"]


class ContactFilterSet(AccountScopedFilterSet):
    q = django_filters.CharFilter(label="Search", method="search", help_text="Name or title")
    relationship_owner = IdFilter(field_name="relationship_owner_id", help_text="User id")

    class Meta:
        model = Contact
        fields = ["account", "q", "buying_role", "attitude", "relationship_owner"]

    def search(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(title__icontains=value))


class TeamMemberFilterSet(AccountScopedFilterSet):
    user = IdFilter(field_name="user_id", help_text="User id")

    class Meta:
        model = TeamMembership
        fields = ["account", "user", "functional_role"]


class InteractionFilterSet(AccountScopedFilterSet):
    contact = IdFilter(field_name="contacts", help_text="Contact id: the interactions with them")
    occurred_from = django_filters.DateFilter(field_name="occurred_on", lookup_expr="gte")
    occurred_to = django_filters.DateFilter(field_name="occurred_on", lookup_expr="lte")

    class Meta:
        model = Interaction
        fields = ["account", "contact", "kind", "occurred_from", "occurred_to"]


class DatedFilterSet(AccountScopedFilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")


class SalesLineFilterSet(DatedFilterSet):
    product_category = django_filters.CharFilter(max_length=60)
    erp_document = django_filters.CharFilter(max_length=40)

    class Meta:
        model = SalesLine
        fields = ["account", "date_from", "date_to", "product_category", "erp_document"]


class ActivityFilterSet(DatedFilterSet):
    activity_type = IdFilter(field_name="activity_type_id")

    class Meta:
        model = Activity
        fields = ["account", "date_from", "date_to", "activity_type"]
