"""The account list's filters and orderings, shared by the HTML list and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Case, F, OrderBy, Q, QuerySet, Value, When

from accounts import selectors
from accounts.models import Account, AccountStatus, Stage
from scoring.models import Quadrant, ScoringRun
from scoring.selectors import current_run

_UNSET: Any = object()


def _ranked(field: str, choices: type[AccountStatus] | type[Stage]) -> Case:
    """Sort a choice field in the order its choices are declared (the ladder), not A-Z."""
    return Case(
        *[When(**{field: choice.value}, then=Value(index)) for index, choice in enumerate(choices)]
    )


# The only orderings the list accepts: key -> (label, expressions for ascending order).
ORDERINGS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "name": ("Name", (F("name"),)),
    "erp_code": ("ERP code", (F("erp_code"),)),
    "status": ("Status", (_ranked("status", AccountStatus),)),
    "stage": ("Stage", (_ranked("stage", Stage),)),
    "kam": ("KAM", (F("kam__last_name"), F("kam__first_name"), F("kam__username"))),
    "revenue": ("T12M revenue", (F("score_revenue"),)),
    "attractiveness": ("Attractiveness", (F("score_attractiveness"),)),
}
DEFAULT_ORDERING = "name"
SCORE_ORDERINGS = {"revenue", "attractiveness"}
ORDERING_CHOICES = [
    (f"{prefix}{key}", f"{label}, {direction}")
    for key, (label, _) in ORDERINGS.items()
    for prefix, direction in (("", "ascending"), ("-", "descending"))
]


def order_expressions(ordering: str) -> list[OrderBy]:
    """The ORDER BY for a whitelisted ordering key ("name", "-revenue", ...).

    Accounts without a value (no KAM, not yet scored) sort last either way, and name and pk
    break ties so pages never overlap."""
    descending = ordering.startswith("-")
    _, expressions = ORDERINGS[ordering.removeprefix("-")]
    order = [
        expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        for expression in expressions
    ]
    return [*order, F("name").asc(), F("pk").asc()]


class AccountFilterForm(forms.Form):
    """Bootstrap classes on every widget, so templates render fields as they are."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            css = "form-select form-select-sm" if is_select else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)


class AccountFilterSet(django_filters.FilterSet):
    """Search, filters and sorting for lists of accounts.

    `request` is required: what the list offers depends on its user. The queryset must carry
    the current run's figures (`accounts.selectors.accounts_for_list`); without a queryset,
    that selector is used for the request's user. Pass `run` when the caller has already read
    the current run, to save the query. Before the first run the quadrant filter is disabled
    and ignored; for users whose lists carry no scores (operations) the quadrant filter and the
    score orderings do not exist.
    """

    q = django_filters.CharFilter(
        label="Search", method="search", help_text="Name or ERP code contains"
    )
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
    ordering = django_filters.ChoiceFilter(
        label="Sort by", choices=ORDERING_CHOICES, method="order", empty_label=None
    )

    class Meta:
        model = Account
        fields = ["q", "status", "stage", "kam", "quadrant", "industry", "region", "ordering"]
        form = AccountFilterForm

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[Account] | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
        run: ScoringRun | None = _UNSET,
    ) -> None:
        self.run = current_run() if run is _UNSET else run
        user = request.user
        self.shows_scores = selectors.list_shows_scores(user)
        if queryset is None:
            queryset = selectors.accounts_for_list(user=user, run=self.run)
        super().__init__(data, queryset, request=request, prefix=prefix)
        facets = selectors.account_facets(user=user)
        self.filters["industry"].extra["choices"] = [(v, v) for v in facets.industries]
        self.filters["region"].extra["choices"] = [(v, v) for v in facets.regions]
        self.filters["kam"].extra["choices"] = [(kam.pk, str(kam)) for kam in facets.kams]
        if not self.shows_scores:
            del self.filters["quadrant"]
            self.filters["ordering"].extra["choices"] = [
                (value, label)
                for value, label in ORDERING_CHOICES
                if value.removeprefix("-") not in SCORE_ORDERINGS
            ]
        elif self.run is None:
            # A disabled field ignores submitted data, so the filter is off until a run exists.
            self.filters["quadrant"].extra.update(
                disabled=True, help_text="Not yet computed: no scoring run has finished"
            )

    def search(self, queryset: QuerySet[Account], name: str, value: str) -> QuerySet[Account]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(erp_code__icontains=value))

    def order(self, queryset: QuerySet[Account], name: str, value: str) -> QuerySet[Account]:
        return queryset.order_by(*order_expressions(value))

    @property
    def current_ordering(self) -> str:
        """The ordering the list is in: the valid submitted one, else the default."""
        cleaned = getattr(self.form, "cleaned_data", None) or {}
        return cleaned.get("ordering") or DEFAULT_ORDERING

    def filter_queryset(self, queryset: QuerySet[Account]) -> QuerySet[Account]:
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("ordering"):
            queryset = self.order(queryset, "ordering", DEFAULT_ORDERING)
        return queryset
