"""Django admin for scoring (administrators only, see accounts.admin).

Runs and what they computed are read-only here: only a scoring run writes them, and an edited
score would no longer match its explanation.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import ACCOUNT_SEARCH, AdministratorOnly, SearchThroughAccounts, ViewOnly
from scoring.models import (
    AccountScore,
    CategoryRevenue,
    CostRate,
    Criterion,
    CriterionScore,
    MetricEntry,
    MetricSnapshot,
    Rating,
    ScoringRun,
    SpendEstimate,
)


@admin.register(CostRate)
class CostRateAdmin(AdministratorOnly, SimpleHistoryAdmin):
    list_display = [
        "activity_type",
        "period_start",
        "period_end",
        "cost_pool",
        "driver_volume",
        "rate",
    ]
    list_filter = ["activity_type"]
    search_fields = ["activity_type__name", "activity_type__code"]
    list_select_related = ["activity_type"]
    date_hierarchy = "period_start"


@admin.register(Criterion)
class CriterionAdmin(AdministratorOnly, SimpleHistoryAdmin):
    list_display = ["label", "key", "kind", "source", "weight", "active", "position"]
    list_filter = ["kind", "active"]
    search_fields = ["label", "key"]
    ordering = ["position", "key"]


@admin.register(Rating)
class RatingAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["account", "criterion", "value", "rated_by", "rated_at"]
    list_filter = ["criterion", "value"]
    search_fields = ACCOUNT_SEARCH
    list_select_related = ["account", "criterion", "rated_by"]
    autocomplete_fields = ["account", "rated_by"]
    date_hierarchy = "rated_at"


@admin.register(ScoringRun)
class ScoringRunAdmin(ViewOnly, admin.ModelAdmin):
    list_display = [
        "pk",
        "status",
        "trigger",
        "as_of",
        "started_at",
        "finished_at",
        "accounts_count",
        "progress_pct",
    ]
    list_filter = ["status", "trigger"]
    search_fields = ["=id", "error"]
    list_select_related = ["started_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]


@admin.register(AccountScore)
class AccountScoreAdmin(ViewOnly, SearchThroughAccounts, admin.ModelAdmin):
    list_display = [
        "account",
        "run",
        "attractiveness",
        "relative_strength",
        "quadrant",
        "rank",
        "revenue",
        "net_profit",
    ]
    list_filter = ["quadrant", "is_misclassified", "is_pareto", "kam_overloaded"]
    list_select_related = ["account", "run"]
    # Newest first along the primary key: any other order sorts a whole run per page view.
    ordering = ["-pk"]
    show_full_result_count = False


@admin.register(CriterionScore)
class CriterionScoreAdmin(ViewOnly, SearchThroughAccounts, admin.ModelAdmin):
    list_display = ["account", "run", "criterion", "raw", "normalised", "weight", "contribution"]
    list_filter = ["criterion"]
    list_select_related = ["account", "run", "criterion"]
    ordering = ["-pk"]
    show_full_result_count = False


@admin.register(MetricEntry)
class MetricEntryAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["account", "metric", "period_start", "value", "entered_by", "entered_at"]
    list_filter = ["metric"]
    search_fields = ACCOUNT_SEARCH
    list_select_related = ["account", "entered_by"]
    autocomplete_fields = ["account", "entered_by"]
    date_hierarchy = "period_start"


@admin.register(MetricSnapshot)
class MetricSnapshotAdmin(ViewOnly, SearchThroughAccounts, admin.ModelAdmin):
    list_display = [
        "account",
        "period_start",
        "is_key",
        "revenue",
        "cost_to_serve",
        "net_profit",
        "net_margin_pct",
    ]
    list_filter = ["is_key"]
    list_select_related = ["account"]
    date_hierarchy = "period_start"
    show_full_result_count = False


@admin.register(SpendEstimate)
class SpendEstimateAdmin(ViewOnly, SimpleHistoryAdmin):
    """Read only: scoring.whitespace.spend_estimate_save checks who may and keeps the version."""

    list_display = ["account", "category", "year", "estimated_spend", "source", "version"]
    list_filter = ["source", "year"]
    search_fields = [*ACCOUNT_SEARCH, "category__name"]
    list_select_related = ["account", "category"]


@admin.register(CategoryRevenue)
class CategoryRevenueAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["run", "account", "category", "revenue"]
    search_fields = [*ACCOUNT_SEARCH, "category"]
    list_select_related = ["run", "account"]
