"""Django admin for scoring (administrators only, see accounts.admin).

Runs and what they computed are read-only here: only a scoring run writes them, and an edited
score would no longer match its explanation.
"""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import ACCOUNT_SEARCH, AdministratorOnly, SearchThroughAccounts, ViewOnly
from scoring.explanations import parse_lines
from scoring.health import component_lines_by_account
from scoring.models import (
    AccountScore,
    CategoryRevenue,
    CostRate,
    Criterion,
    GroupSnapshot,
    HealthComponent,
    HealthScore,
    InvestmentWarning,
    MetricEntry,
    MetricSnapshot,
    PackExport,
    Rating,
    ScoreExplanation,
    ScoringRun,
    SpendEstimate,
    WarningSettings,
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


@admin.register(ScoreExplanation)
class ScoreExplanationAdmin(ViewOnly, SearchThroughAccounts, admin.ModelAdmin):
    list_display = ["account", "run", "attractiveness"]
    list_select_related = ["account", "run"]
    ordering = ["-pk"]
    show_full_result_count = False
    fields = ["run", "account", "attractiveness", "explanation"]
    readonly_fields = ["explanation"]

    @admin.display(description="Explanation")
    def explanation(self, obj: ScoreExplanation) -> str:
        """The stored lines as a table, each criterion by its label."""
        criteria = Criterion.objects.in_bulk([line[0] for line in obj.lines])
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    line.criterion.label if line.criterion else line.criterion_id,
                    "" if line.raw is None else line.raw,
                    line.normalised,
                    line.weight,
                    line.contribution,
                )
                for line in parse_lines(obj.lines, criteria)
            ),
        )
        return format_html(
            "<table><thead><tr><th scope='col'>Criterion</th><th scope='col'>Raw value</th>"
            "<th scope='col'>Normalised</th><th scope='col'>Weight</th>"
            "<th scope='col'>Contribution</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )


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


@admin.register(PackExport)
class PackExportAdmin(ViewOnly, admin.ModelAdmin):
    """ZIPs of every key account's review pack: read here (without the file), made on the
    review packs page."""

    list_display = ["created_by", "created_at", "audience", "fmt", "status", "done", "total"]
    search_fields = ["created_by__username", "=status"]
    list_select_related = ["created_by"]
    exclude = ["content"]
    date_hierarchy = "created_at"


@admin.register(GroupSnapshot)
class GroupSnapshotAdmin(MetricSnapshotAdmin):
    list_display = [*MetricSnapshotAdmin.list_display, "members"]


# Health weights and thresholds change through their page (scoring.health, with its rules);
# here administrators read them and their history.
@admin.register(HealthComponent)
class HealthComponentAdmin(ViewOnly, SimpleHistoryAdmin):
    list_display = ["label", "key", "weight", "active", "position"]
    search_fields = ["label", "key"]
    ordering = ["position", "key"]


@admin.register(WarningSettings)
class WarningSettingsAdmin(ViewOnly, SimpleHistoryAdmin):
    list_display = ["pk", "amber_from", "green_from", "drop_points", "loss_quarters"]
    search_fields = ["=id"]


@admin.register(HealthScore)
class HealthScoreAdmin(ViewOnly, SearchThroughAccounts, admin.ModelAdmin):
    list_display = ["account", "run", "as_of", "score", "band", "previous_score", "fell"]
    list_filter = ["band", "fell"]
    list_select_related = ["account", "run"]
    ordering = ["-pk"]
    show_full_result_count = False
    readonly_fields = ["components"]

    @admin.display(description="Components")
    def components(self, obj: HealthScore) -> str:
        """Each component's value, weight and contribution, as the account page explains them
        (read from the row's points with the run's frozen components)."""
        lines = component_lines_by_account(obj.run, [obj.account_id]).get(obj.account_id, [])
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    line.component.label,
                    "no data" if line.value is None else line.value,
                    line.weight,
                    line.contribution,
                )
                for line in lines
            ),
        )
        return format_html(
            "<table><thead><tr><th scope='col'>Component</th><th scope='col'>Value</th>"
            "<th scope='col'>Weight</th><th scope='col'>Contribution</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            rows,
        )


@admin.register(InvestmentWarning)
class InvestmentWarningAdmin(ViewOnly, SearchThroughAccounts, admin.ModelAdmin):
    list_display = ["account", "run", "rule", "value", "threshold", "value_2", "threshold_2"]
    list_filter = ["rule"]
    list_select_related = ["account", "run"]
    ordering = ["-pk"]
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
