"""The commitments board's filters, shared by the HTML board, its CSV export and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from accounts.models import Account, User
from plans import selectors
from plans.models import Commitment, CommitmentCategory, CommitmentStatus, ServiceTeam


def _accounts_with_commitments(request: Any) -> QuerySet[Account]:
    """Only accounts the user may see that have active commitments: a short, useful list."""
    user = getattr(request, "user", None)
    return (
        Account.objects.visible_to(user)
        .filter(pk__in=Commitment.objects.filter(active=True).values("account_id"))
        .order_by("name", "pk")
    )


def _kams_with_commitments(request: Any) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=_accounts_with_commitments(request).values("kam_id")
    ).order_by("last_name", "first_name", "username")


class CommitmentFilterForm(forms.Form):
    """Bootstrap classes on every widget, so templates render fields as they are."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            css = "form-select form-select-sm" if is_select else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)


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
    account = django_filters.ModelChoiceFilter(
        queryset=_accounts_with_commitments, empty_label="Any account"
    )
    kam = django_filters.ModelChoiceFilter(
        label="Key account manager",
        field_name="account__kam",
        queryset=_kams_with_commitments,
        empty_label="Any KAM",
    )

    class Meta:
        model = Commitment
        fields = ["q", "status", "category", "responsible_team", "account", "kam"]
        form = CommitmentFilterForm

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Commitment] | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        if queryset is None:
            queryset = selectors.board_queryset(getattr(request, "user", None))
        super().__init__(data, queryset, request=request, prefix=prefix)

    def search(self, queryset: QuerySet[Commitment], name: str, value: str) -> QuerySet[Commitment]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(promise__icontains=value)
            | Q(account__name__icontains=value)
            | Q(account__erp_code__icontains=value)
        )
