"""The filters of the commitments board (shared by the HTML board, its exports and the API), of
the actions list and of the plans list (their pages and their exports)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from accounts.models import Account, User
from kam.listing import FilterForm, SortableFilterSet, contains_any
from kam.widgets import QuickSelect
from plans.models import (
    Action,
    ActionFamily,
    ActionStatus,
    Commitment,
    CommitmentCategory,
    CommitmentStatus,
    Plan,
    PlanStatus,
    ServiceTeam,
)
from plans.selectors import actions, commitments, queue
from plans.tables import ACTIONS, MY_ACTIONS, PLANS


def _accounts_with_commitments(request: Any) -> QuerySet[Account]:
    return commitments.board_accounts(getattr(request, "user", None))


def _kams_with_commitments(request: Any) -> QuerySet[User]:
    return commitments.board_kams(getattr(request, "user", None))


class CommitmentFilterSet(django_filters.FilterSet):
    """Search and filters for lists of commitments.

    Without a queryset, the active commitments the request's user may see are filtered
    (`plans.selectors.board_queryset`). Status filters on the stored status, the one the
    evaluator computed and notified.
    """

    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Promise, account name or ERP code contains"
    )
    status = django_filters.ChoiceFilter(choices=CommitmentStatus.choices, empty_label="Any status")
    category = django_filters.ChoiceFilter(
        choices=CommitmentCategory.choices, empty_label="Any category"
    )
    responsible_team = django_filters.ModelChoiceFilter(
        label="Responsible team",
        queryset=ServiceTeam.objects.order_by("name"),
        empty_label="Any team",
    )
    # QuickSelect: at 50,000 accounts a director's board lists hundreds of each.
    account = django_filters.ModelChoiceFilter(
        queryset=_accounts_with_commitments, empty_label="Any account", widget=QuickSelect
    )
    kam = django_filters.ModelChoiceFilter(
        label="Key account manager",
        field_name="account__kam",
        queryset=_kams_with_commitments,
        empty_label="Any KAM",
        widget=QuickSelect,
    )

    class Meta:
        model = Commitment
        fields = ["q", "status", "category", "responsible_team", "account", "kam"]
        form = FilterForm

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Commitment] | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        if queryset is None:
            queryset = commitments.board_queryset(getattr(request, "user", None))
        super().__init__(data, queryset, request=request, prefix=prefix)

    def search(self, queryset: QuerySet[Commitment], name: str, value: str) -> QuerySet[Commitment]:
        return contains_any(queryset, value, ["promise", "account__name", "account__erp_code"])


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _action_accounts(request: Any) -> QuerySet[Account]:
    return actions.action_accounts(getattr(request, "user", None))


def _action_owners(request: Any) -> QuerySet[User]:
    return actions.action_owners(getattr(request, "user", None))


class ActionFilterSet(SortableFilterSet):
    """Search, filters and sorting for the actions of the plans a user may see.

    Without a queryset, `plans.selectors.action_rows` gives the request's user's actions, with
    `is_overdue` as of `today`; the soonest due come first. Columns and orderings are
    `plans.tables.ACTIONS`.
    """

    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Action, account name or ERP code contains"
    )
    # Hundreds of accounts and people: QuickSelect writes their options without templates.
    account = django_filters.ModelChoiceFilter(
        field_name="plan__account",
        queryset=_action_accounts,
        empty_label="Any account",
        widget=QuickSelect,
    )
    family = django_filters.ChoiceFilter(choices=ActionFamily.choices, empty_label="Any family")
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices, empty_label="Any status")
    owner = django_filters.ModelChoiceFilter(
        queryset=_action_owners, empty_label="Anyone", widget=QuickSelect
    )
    overdue = django_filters.BooleanFilter(
        label="Overdue only", method="only_overdue", widget=forms.CheckboxInput
    )
    due_from = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label="Due from", widget=DATE_WIDGET
    )
    due_to = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label="Due until", widget=DATE_WIDGET
    )

    table = ACTIONS

    class Meta:
        model = Action
        fields = [
            "q",
            "account",
            "family",
            "status",
            "owner",
            "overdue",
            "due_from",
            "due_to",
            "ordering",
        ]
        form = FilterForm

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Action] | None = None,
        *,
        request: Any,
        today: dt.date,
        prefix: str | None = None,
    ) -> None:
        self.today = today
        if queryset is None:
            queryset = actions.action_rows(user=request.user, today=today)
        super().__init__(data, queryset, request=request, prefix=prefix)

    def search(self, queryset: QuerySet[Action], name: str, value: str) -> QuerySet[Action]:
        return contains_any(
            queryset, value, ["title", "plan__account__name", "plan__account__erp_code"]
        )

    def only_overdue(self, queryset: QuerySet[Action], name: str, value: bool) -> QuerySet[Action]:
        return queryset.filter(actions.overdue_condition(self.today)) if value else queryset


def _plan_kams(request: Any) -> QuerySet[User]:
    return queue.plan_kams(getattr(request, "user", None))


class PlanListFilterSet(SortableFilterSet):
    """Search, filters and sorting for the current plans a user may see (the plans list).

    Without a queryset, `plans.selectors.queue.plan_rows` gives the request's user's plans; the
    longest waiting for approval come first. Columns and orderings are `plans.tables.PLANS`.
    """

    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Plan title, account name or ERP code contains"
    )
    status = django_filters.ChoiceFilter(
        label="State",
        choices=[
            (value, label) for value, label in PlanStatus.choices if value != PlanStatus.ARCHIVED
        ],
        empty_label="Any state",
    )
    kam = django_filters.ModelChoiceFilter(
        label="Key account manager",
        field_name="account__kam",
        queryset=_plan_kams,
        empty_label="Any KAM",
        widget=QuickSelect,
    )
    waiting = django_filters.BooleanFilter(
        label="Waiting for approval", method="only_waiting", widget=forms.CheckboxInput
    )

    table = PLANS

    class Meta:
        model = Plan
        fields = ["q", "status", "kam", "waiting", "ordering"]
        form = FilterForm

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Plan] | None = None,
        *,
        request: Any,
        prefix: str | None = None,
    ) -> None:
        if queryset is None:
            queryset = queue.plan_rows(user=request.user)
        super().__init__(data, queryset, request=request, prefix=prefix)

    def search(self, queryset: QuerySet[Plan], name: str, value: str) -> QuerySet[Plan]:
        return contains_any(queryset, value, ["title", "account__name", "account__erp_code"])

    def only_waiting(self, queryset: QuerySet[Plan], name: str, value: bool) -> QuerySet[Plan]:
        return queue.waiting_for_approval(queryset) if value else queryset


class MyActionFilterSet(ActionFilterSet):
    """The actions list's filters on the actions the request's user owns
    (`plans.selectors.actions.my_action_rows`), overdue first, then by due date; columns and
    orderings are `plans.tables.MY_ACTIONS`. They are all the user's, so no owner filter."""

    table = MY_ACTIONS

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Action] | None = None,
        *,
        request: Any,
        today: dt.date,
        prefix: str | None = None,
    ) -> None:
        if queryset is None:
            queryset = actions.my_action_rows(user=request.user, today=today)
        super().__init__(data, queryset, request=request, today=today, prefix=prefix)
        del self.filters["owner"]
