"""Forms of the director's pages: dashboard filters, the weights editor, designation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import django_filters
from django import forms
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.filters import GROUPS, LEVELS
from accounts.models import Account, AccountStatus, ProductCategory, User
from accounts.selectors.accounts import AccountFacets, account_facets
from kam import rules as kam_rules
from kam.forms import RejectionsMixin, style
from kam.kept import kept
from kam.listing import FilterForm, bootstrap
from scoring.engine.judgement import SETTINGS_FIELDS as WARNING_SETTINGS_FIELDS
from scoring.models import (
    EARLIEST_SPEND_YEAR,
    LATEST_SPEND_YEAR,
    Criterion,
    HealthComponent,
    SpendSource,
    WarningSettings,
)
from scoring.portfolio.base import TRAILING, Period, Scope, period_choices, resolve_period
from scoring.portfolio.charts import data_years
from scoring.ratings import MAX_RATING_COMMENT, RATING_VALUES
from scoring.workbench import MAX_REASON, effective_shares

MAX_TOP_N = 1000


# The filter choices change only when an import brings a new industry, region or KAM.
FACETS_CACHE_SECONDS = 300
FACETS_CACHE_KEY = "portfolio:facets:v1"


PERIOD_YEARS_CACHE_KEY = "portfolio:period-years:v1"


def period_data_years() -> tuple[int, int] | None:
    """The years the period filter may offer (see charts.data_years), cached like the other
    choices: a new year of data arrives with an import or a run."""
    return kept(PERIOD_YEARS_CACHE_KEY, data_years, FACETS_CACHE_SECONDS)


def portfolio_facets(user: Any) -> AccountFacets:
    """The filter choices, cached for a few minutes (in the process too, kam.kept: unpickling
    the KAMs took 15 ms of the dashboard at 250,000 accounts): the dashboard is for people who
    see every account (directors, admins), so the choices are the same for all of them."""
    if not kam_rules.sees_whole_portfolio(user):
        return account_facets(user=user)
    return kept(FACETS_CACHE_KEY, lambda: account_facets(user=user), FACETS_CACHE_SECONDS)


class PortfolioFilterSet(django_filters.FilterSet):
    """The dashboard's filters: KAM, industry, region (which accounts) and period (which
    12 months for stage movements, and the three years of trends up to them).

    The dashboard reads several tables, so instead of one queryset the filterset yields a
    `Scope` and a `Period` that each selector applies to its own table."""

    kam = django_filters.ChoiceFilter(label="Key account manager", empty_label="All KAMs")
    industry = django_filters.ChoiceFilter(empty_label="All industries")
    region = django_filters.ChoiceFilter(empty_label="All regions")
    period = django_filters.ChoiceFilter(
        label="Period", method="keep", empty_label=None, choices=[(TRAILING, "Last 12 months")]
    )
    level = django_filters.ChoiceFilter(
        label="Show",
        method="keep",
        empty_label=None,
        choices=LEVELS,
        help_text="Groups: units of selection; every entity: each legal entity's own figures",
    )

    class Meta:
        model = Account
        fields = ["kam", "industry", "region", "period", "level"]
        form = FilterForm

    def __init__(self, data: Any = None, *, request: Any, today: dt.date) -> None:
        super().__init__(data, Account.objects.none(), request=request)
        self.today = today
        facets = portfolio_facets(request.user)
        self.filters["industry"].extra["choices"] = [(v, v) for v in facets.industries]
        self.filters["region"].extra["choices"] = [(v, v) for v in facets.regions]
        self.filters["kam"].extra["choices"] = [(str(kam.pk), str(kam)) for kam in facets.kams]
        self.filters["period"].extra["choices"] = period_choices(today, period_data_years())

    def keep(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        """The period and the level do not filter accounts; `selected_period()` and
        `selected_scope()` read them."""
        return queryset

    def _cleaned(self) -> dict[str, Any]:
        return self.form.cleaned_data if self.form.is_valid() else {}

    def selected_scope(self) -> Scope:
        """The accounts the filters select (the whole portfolio when the form is invalid)."""
        data = self._cleaned()
        return Scope(
            kam_id=int(data["kam"]) if data.get("kam") else None,
            industry=data.get("industry") or "",
            region=data.get("region") or "",
            level=data.get("level") or GROUPS,
        )

    def selected_period(self) -> Period:
        return resolve_period(self._cleaned().get("period"), today=self.today)

    def query_string(self) -> str:
        """The valid filters as a query string, for links that keep them (CSV downloads)."""
        return urlencode({name: value for name, value in self._cleaned().items() if value})


class WeightsForm(RejectionsMixin, forms.Form):
    """One weight per active criterion, and the N of the top-N preview.

    Field names are `weight_<criterion pk>`; `weights()` gives {criterion pk: weight}. The
    weights are relative (the engine divides each by their total), so the form shows their
    total and each criterion's effective share rather than asking for 100."""

    top_n = forms.IntegerField(
        label="Top N",
        required=False,
        min_value=1,
        max_value=MAX_TOP_N,
        help_text="Empty: the current number of key accounts",
    )
    # Required to save a change (the service says so), not to preview one: the what-if posts
    # the same form as you type.
    reason = forms.CharField(
        label="Why the change",
        required=False,
        max_length=MAX_REASON,
        help_text="Needed to save a change; kept in the criteria's history",
    )

    def __init__(self, *args: Any, criteria: list[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[self.field_name(criterion)] = forms.DecimalField(
                label=criterion.label,
                min_value=Decimal(0),
                max_value=Decimal(1000),
                max_digits=6,
                decimal_places=2,
                initial=criterion.weight,
                help_text=criterion.get_kind_display(),
                widget=forms.NumberInput(attrs={"step": "1", "inputmode": "decimal"}),
            )
        bootstrap(self)

    @staticmethod
    def field_name(criterion: Criterion) -> str:
        return f"weight_{criterion.pk}"

    def weight_fields(self) -> list[tuple[Criterion, forms.BoundField]]:
        return [(criterion, self[self.field_name(criterion)]) for criterion in self.criteria]

    def shown_weights(self) -> dict[int, Decimal]:
        """The weights as the form shows them (typed, else stored; unreadable ones as 0)."""
        shown = {}
        for criterion, field in self.weight_fields():
            try:
                value = Decimal(str(field.value() or 0))
                shown[criterion.pk] = value if value.is_finite() and value > 0 else Decimal(0)
            except ArithmeticError:
                shown[criterion.pk] = Decimal(0)
        return shown

    def weight_rows(self) -> list[tuple[Criterion, forms.BoundField, Decimal | None]]:
        """Each criterion with its field and effective share (% of the score) as shown."""
        shares = effective_shares(self.shown_weights())
        return [(c, field, shares[c.pk]) for c, field in self.weight_fields()]

    def shown_total(self) -> Decimal:
        return sum(self.shown_weights().values(), Decimal(0))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        weights = [cleaned.get(self.field_name(c)) for c in self.criteria]
        if all(w is not None for w in weights) and not any(weights):
            raise forms.ValidationError("At least one criterion needs a weight above zero.")
        return cleaned

    def weights(self) -> dict[int, Decimal]:
        return {c.pk: self.cleaned_data[self.field_name(c)] for c in self.criteria}


def kams_with_load() -> QuerySet[User]:
    """Active KAMs, each annotated with `key_load`: the key accounts they serve now (counted
    per KAM from the (kam, status) index, not by joining every account they serve)."""
    served = (
        Account.objects.key()
        .filter(kam=OuterRef("pk"))
        .order_by()
        .values("kam")
        .annotate(count=Count("*"))
        .values("count")
    )
    return (
        User.objects.filter(groups__name=kam_rules.KAM_GROUP, is_active=True)
        .annotate(key_load=Coalesce(Subquery(served), 0))
        .order_by("last_name", "first_name", "username")
    )


class KamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj} ({obj.key_load} key account{'s' if obj.key_load != 1 else ''})"


class DesignationForm(forms.Form):
    """Designate or remove a key account: the status, the KAM (with each KAM's load), why."""

    status = forms.ChoiceField(choices=AccountStatus.choices)
    kam = KamChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Key account manager",
        empty_label="No KAM",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, help_text="Kept in the history"
    )

    def __init__(self, *args: Any, account: Account, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"status": account.status, "kam": account.kam_id})
        super().__init__(*args, **kwargs)
        self.fields["kam"].queryset = kams_with_load()
        bootstrap(self)


class RatingsForm(RejectionsMixin, forms.Form):
    """Every active rated criterion of an account on one form: a 1-5 choice per criterion
    (field name: the criterion's key) and an optional reason (`<key>_why`).

    Nothing is preselected, not even the current rating: a value nobody chose would count in
    the score as someone's judgement. A criterion left empty keeps its current rating."""

    def __init__(self, *args: Any, criteria: Iterable[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[criterion.key] = forms.TypedChoiceField(
                label=criterion.label,
                choices=[(value, str(value)) for value in RATING_VALUES],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
            self.fields[self.why(criterion)] = forms.CharField(
                label=f"Why (optional) · {criterion.label}",
                required=False,
                max_length=MAX_RATING_COMMENT,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )

    @staticmethod
    def why(criterion: Criterion) -> str:
        return f"{criterion.key}_why"

    def rows(self) -> list[tuple[Criterion, forms.BoundField, forms.BoundField]]:
        return [(c, self[c.key], self[self.why(c)]) for c in self.criteria]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors and not self.values():
            raise forms.ValidationError("Choose a rating (1-5) for at least one criterion.")
        return cleaned

    def values(self) -> dict[str, int]:
        data = getattr(self, "cleaned_data", {})
        return {c.key: data[c.key] for c in self.criteria if data.get(c.key) is not None}

    def comments(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"{key}_why", "") for key in self.values()}


class AnchorsForm(RejectionsMixin, forms.Form):
    """What 1 and 5 mean for each rated criterion (`anchor_low_<pk>`, `anchor_high_<pk>`)."""

    reason = forms.CharField(
        label="Why the change",
        required=False,
        max_length=MAX_REASON,
        help_text="Kept in the history",
    )

    def __init__(self, *args: Any, criteria: Iterable[Criterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            for end, label in (("low", "1 means"), ("high", "5 means")):
                self.fields[f"anchor_{end}_{criterion.pk}"] = forms.CharField(
                    label=f"{label} · {criterion.label}",
                    required=False,
                    max_length=200,
                    initial=getattr(criterion, f"anchor_{end}"),
                )
        bootstrap(self)

    def rows(self) -> list[tuple[Criterion, forms.BoundField, forms.BoundField]]:
        return [(c, self[f"anchor_low_{c.pk}"], self[f"anchor_high_{c.pk}"]) for c in self.criteria]

    def anchors(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {
            c.pk: (data[f"anchor_low_{c.pk}"], data[f"anchor_high_{c.pk}"]) for c in self.criteria
        }


class WarningSettingsForm(forms.Form):
    """The health components' weights (`weight_<key>`) and the warning thresholds, with a
    reason; the rules are the service's (scoring.health.warning_settings_save)."""

    reason = forms.CharField(
        label="Why the change", required=False, max_length=100, help_text="Kept in the history"
    )

    def __init__(
        self, *args: Any, components: list[HealthComponent], settings: WarningSettings, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.components = components
        for component in components:
            self.fields[f"weight_{component.key}"] = forms.DecimalField(
                label=component.label,
                min_value=Decimal(0),
                max_value=Decimal(1000),
                max_digits=6,
                decimal_places=2,
                initial=component.weight,
                help_text=component.rule,
            )
        for name in WARNING_SETTINGS_FIELDS:
            model_field = WarningSettings._meta.get_field(name)
            self.fields[name] = model_field.formfield(initial=getattr(settings, name))
            self.fields[name].label = model_field.verbose_name.capitalize()
        style(self)

    def weight_fields(self) -> list[tuple[HealthComponent, forms.BoundField]]:
        return [(c, self[f"weight_{c.key}"]) for c in self.components]

    def threshold_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in WARNING_SETTINGS_FIELDS]

    def weights(self) -> dict[str, Decimal]:
        return {c.key: self.cleaned_data[f"weight_{c.key}"] for c in self.components}

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in WARNING_SETTINGS_FIELDS}


class SpendEstimateForm(forms.Form):
    """A spend estimate of one product category and year (the white-space map's form)."""

    category = forms.ModelChoiceField(
        queryset=None, required=False, label="Product category", empty_label="Choose…"
    )
    new_category = forms.CharField(
        required=False,
        max_length=60,
        label="or a new product category",
        help_text="A category we do not sell to this customer yet.",
    )
    year = forms.IntegerField(min_value=EARLIEST_SPEND_YEAR, max_value=LATEST_SPEND_YEAR)
    estimated_spend = forms.DecimalField(
        label="Customer's estimated spend", min_value=0, max_digits=16, decimal_places=2
    )
    source = forms.ChoiceField(choices=[("", "Choose…"), *SpendSource.choices])
    competitor = forms.CharField(required=False, max_length=120, label="Main competitor")
    competitor_share_pct = forms.DecimalField(
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        label="Competitor's share %",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ProductCategory.objects.order_by("name", "pk")
        style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("category") and not (data.get("new_category") or "").strip():
            self.add_error("category", "Choose a product category or name a new one.")
        return data
