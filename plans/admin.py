"""Django admin for plans and commitments (administrators only, see accounts.admin)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import ACCOUNT_SEARCH, AdministratorOnly, ViewOnly
from plans.models import (
    Action,
    ActionNote,
    Commitment,
    CommitmentStatusChange,
    Measurement,
    Notification,
    Objective,
    Opportunity,
    Plan,
    PlanSection,
    PlanShare,
    PlanShareOpening,
    PlanShareResponse,
    PlanText,
    PlanVersion,
    ServiceTeam,
    Solution,
)


class PlanContent(ViewOnly):
    """A plan's sections, objectives, solutions and actions: read here, changed only on the plan
    page or the API, whose services keep the lifecycle (an approved plan that changes is
    revised and needs approval again) and write its version."""


PLAN_SEARCH = ["plan__title", "plan__account__name", "=plan__account__erp_code"]
COMMITMENT_SEARCH = ["commitment__promise", "commitment__account__name"]


@admin.register(Plan)
class PlanAdmin(PlanContent, SimpleHistoryAdmin):
    """Read only: the lifecycle is plans.services' state machine (submit, approve, send back,
    archive, restore are steps on the plan page and the API), and so is every change of content;
    an edit here would move a plan's status, or change an approved plan, behind its back."""

    list_display = [
        "title",
        "account",
        "period_start",
        "period_end",
        "status",
        "review_date",
        "version",
    ]
    list_filter = ["status"]
    search_fields = ["title", *ACCOUNT_SEARCH]
    list_select_related = ["account"]
    date_hierarchy = "review_date"


@admin.register(PlanSection)
class PlanSectionAdmin(PlanContent, admin.ModelAdmin):
    list_display = ["plan", "kind", "version", "updated_by", "updated_at"]
    list_filter = ["kind"]
    search_fields = [*PLAN_SEARCH, "body"]
    list_select_related = ["plan", "updated_by"]


@admin.register(PlanVersion)
class PlanVersionAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["plan", "number", "note", "created_by", "created_at"]
    search_fields = [*PLAN_SEARCH, "note"]
    list_select_related = ["plan", "created_by"]
    date_hierarchy = "created_at"


@admin.register(PlanText)
class PlanTextAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["plan", "digest"]
    search_fields = [*PLAN_SEARCH, "=digest"]
    list_select_related = ["plan"]


@admin.register(Objective)
class ObjectiveAdmin(PlanContent, admin.ModelAdmin):
    list_display = ["plan", "metric", "target_value", "target_stage", "due_date"]
    list_filter = ["metric"]
    search_fields = [*PLAN_SEARCH, "description"]
    list_select_related = ["plan"]
    date_hierarchy = "due_date"


@admin.register(Solution)
class SolutionAdmin(PlanContent, admin.ModelAdmin):
    list_display = ["title", "plan", "value_measure", "value_amount"]
    search_fields = ["title", *PLAN_SEARCH]
    list_select_related = ["plan"]


@admin.register(Action)
class ActionAdmin(PlanContent, SimpleHistoryAdmin):
    """Read only, with its history: its owner and KAMs change its progress on "My actions",
    its progress page and the API (plans.services.items.action_progress), its KAMs the rest on
    the plan page."""

    list_display = ["title", "plan", "family", "owner", "due_date", "status"]
    list_filter = ["family", "status"]
    search_fields = ["title", *PLAN_SEARCH, "owner__username", "owner__last_name"]
    list_select_related = ["plan", "owner"]
    date_hierarchy = "due_date"


@admin.register(ActionNote)
class ActionNoteAdmin(ViewOnly, admin.ModelAdmin):
    """Progress notes are kept as written (append-only)."""

    list_display = ["action", "author", "created_at"]
    search_fields = ["action__title", "text", "author__username", "author__last_name"]
    list_select_related = ["action", "author"]
    date_hierarchy = "created_at"


@admin.register(ServiceTeam)
class ServiceTeamAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    autocomplete_fields = ["members"]


@admin.register(Commitment)
class CommitmentAdmin(AdministratorOnly, SimpleHistoryAdmin):
    list_display = [
        "promise",
        "account",
        "category",
        "comparison",
        "target_value",
        "unit",
        "due_date",
        "status",
        "responsible_team",
        "active",
    ]
    list_filter = ["status", "category", "active", "responsible_team"]
    search_fields = ["promise", *ACCOUNT_SEARCH]
    list_select_related = ["account", "responsible_team"]
    autocomplete_fields = ["account", "plan", "responsible_team", "created_by"]
    # Status is computed from the measurements; an edited one would be overwritten or lie.
    readonly_fields = ["status", "status_changed_at", "version", "created_at", "updated_at"]


@admin.register(Measurement)
class MeasurementAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["commitment", "value", "period_start", "period_end", "recorded_by"]
    search_fields = COMMITMENT_SEARCH
    list_select_related = ["commitment", "recorded_by"]
    autocomplete_fields = ["commitment", "recorded_by"]
    date_hierarchy = "period_end"


@admin.register(CommitmentStatusChange)
class CommitmentStatusChangeAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["commitment", "from_status", "to_status", "changed_at", "notified_at"]
    list_filter = ["to_status"]
    search_fields = COMMITMENT_SEARCH
    list_select_related = ["commitment"]
    date_hierarchy = "changed_at"


@admin.register(Notification)
class NotificationAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["subject", "recipient", "created_at", "read_at"]
    search_fields = ["subject", "recipient__username", "=dedupe_key"]
    list_select_related = ["recipient"]
    autocomplete_fields = ["recipient"]
    date_hierarchy = "created_at"


@admin.register(PlanShare)
class PlanShareAdmin(ViewOnly, admin.ModelAdmin):
    """Links to a plan shared with the customer: read here (the digest is not shown), made and
    revoked on the plan's sharing page by its KAMs."""

    list_display = ["plan", "contact", "created_by", "created_at", "expires_at", "revoked_at"]
    search_fields = [*PLAN_SEARCH, "contact__name"]
    list_select_related = ["plan", "contact", "created_by"]
    exclude = ["digest"]
    date_hierarchy = "created_at"


@admin.register(PlanShareOpening)
class PlanShareOpeningAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["share", "opened_at"]
    search_fields = ["share__plan__title", "share__plan__account__name", "share__contact__name"]
    list_select_related = ["share"]
    date_hierarchy = "opened_at"


@admin.register(PlanShareResponse)
class PlanShareResponseAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["share", "action", "kind", "created_at"]
    search_fields = ["share__plan__account__name", "share__contact__name", "action__title", "body"]
    list_select_related = ["share", "action"]
    date_hierarchy = "created_at"


@admin.register(Opportunity)
class OpportunityAdmin(PlanContent, SimpleHistoryAdmin):
    """Read only: plans.services.opportunities checks the member, the owner and the lost
    reason."""

    list_display = ["category", "member", "plan", "estimated_value", "probability", "status"]
    list_filter = ["status"]
    search_fields = [*PLAN_SEARCH, "category__name"]
    list_select_related = ["plan", "member", "category"]
    date_hierarchy = "expected_close"
