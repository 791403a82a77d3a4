"""Django admin for accounts: the administrator's tool for users, accounts and raw data."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from accounts.api.tokens import api_token_revoke
from accounts.models import (
    Account,
    Activity,
    ActivityType,
    ApiToken,
    Contact,
    DesignationChange,
    ImportJob,
    Interaction,
    ProductCategory,
    SalesLine,
    StageChange,
    TeamMembership,
    User,
    ancestor_ids,
)
from accounts.services import (
    account_move,
    cycle_refusal,
    designated_member_refusal,
    user_access_end,
)
from kam.errors import DomainError

ACCOUNT_SEARCH = ["account__name", "=account__erp_code"]


class AdministratorOnly:
    """The admin belongs to administrators (DOMAIN.md roles), asked through kam.rules.

    Without this, Django would ask the model permissions `accounts.change_account` and the like,
    which kam.rules grants to directors for the product's own pages, not for raw table edits.
    """

    def _is_admin(self, request: HttpRequest) -> bool:
        return request.user.has_perm("kam.administer")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_admin(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return self._is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_admin(request)


class ViewOnly(AdministratorOnly):
    """Records written only by KAM itself (computed results, append-only logs, snapshots):
    administrators may read them; editing one would break what it attests."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SearchThroughAccounts:
    """Search for tables with millions of rows (sales lines, activities, scores, snapshots).

    Django's search would OR `icontains` over a join and scan every row. Here the matching
    accounts (name contains, or ERP code equals, the whole term) are found first and the rows
    reached through their account index; `exact_search_fields` add rows whose own key equals
    the term. A UNION keeps each branch on its index.
    """

    search_fields = ["account__name", "account__erp_code"]
    search_help_text = "Account name, or an exact ERP code"
    exact_search_fields: list[str] = []

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        rows = self.model._default_manager
        accounts = Account.objects.filter(Q(name__icontains=term) | Q(erp_code__iexact=term))
        matches = rows.filter(account__in=accounts.values("pk")).values("pk")
        for field in self.exact_search_fields:
            matches = matches.union(rows.filter(**{field: term}).values("pk"))
        return queryset.filter(pk__in=matches), False


@admin.register(User)
class UserAdmin(AdministratorOnly, DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "is_staff", "is_superuser"]
    actions = ["deactivate"]

    def save_model(self, request: Any, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            self._ended(request, [obj], user_access_end(user=obj))

    @admin.action(description="Deactivate, ending their sessions and API tokens")
    def deactivate(self, request: Any, queryset: Any) -> None:
        users = list(queryset.filter(is_active=True).exclude(pk=request.user.pk))
        revoked = sum(user_access_end(user=user) for user in users)
        self._ended(request, users, revoked)

    def _ended(self, request: Any, users: list[User], revoked: int) -> None:
        if not users:
            self.message_user(request, "No active user other than you was selected.")
            return
        who = str(users[0]) if len(users) == 1 else f"{len(users)} users"
        self.message_user(
            request,
            f"{who} deactivated: every session ended and {revoked} API "
            f"token{'s' if revoked != 1 else ''} revoked.",
        )


class TeamMembershipInline(AdministratorOnly, admin.TabularInline):
    model = TeamMembership
    autocomplete_fields = ["user"]
    extra = 0


class AccountAdminForm(forms.ModelForm):
    """The group (parent) is checked with the service's own refusals, so the form shows them
    as errors; the move itself is `account_move` (AccountAdmin.save_model)."""

    class Meta:
        model = Account
        # the admin's own fieldsets decide what the form shows; these two are what clean reads
        fields = ["parent", "status"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        parent, account = data.get("parent"), self.instance
        if (
            parent is not None
            and account.pk is not None
            and (parent.pk == account.pk or account.pk in ancestor_ids(parent.pk))
        ):
            self.add_error("parent", cycle_refusal(account.name, parent.name))
        elif parent is not None and data.get("status", "standard") != "standard":
            self.add_error("parent", designated_member_refusal(account))
        return data


class MoveToGroupForm(ActionForm):
    group_erp_code = forms.CharField(
        label="Group's ERP code (blank: top level)", required=False, max_length=40
    )


@admin.register(Account)
class AccountAdmin(AdministratorOnly, SimpleHistoryAdmin):
    list_display = [
        "name",
        "erp_code",
        "status",
        "stage",
        "kam",
        "tier",
        "industry",
        "country",
        "region",
    ]
    list_filter = ["status", "stage", "tier", "geographic_scope", "region", "industry"]
    search_fields = ["name", "=erp_code"]
    list_select_related = ["kam"]
    autocomplete_fields = ["kam", "parent"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [TeamMembershipInline]
    ordering = ["name"]
    form = AccountAdminForm
    action_form = MoveToGroupForm
    actions = ["move_to_group"]

    def get_list_display(self, request: HttpRequest) -> list[str]:
        return [*super().get_list_display(request), "parent"]

    def save_model(self, request: Any, obj: Account, form: Any, change: bool) -> None:
        if not change or "parent" not in form.changed_data:
            super().save_model(request, obj, form, change)
            return
        parent = obj.parent
        obj.parent_id = form.initial.get("parent")
        super().save_model(request, obj, form, change)
        account_move(account=obj, parent=parent, reason="Moved in the admin", actor=request.user)

    @admin.action(description="Move to the group named below (blank: top level)")
    def move_to_group(self, request: HttpRequest, queryset: QuerySet[Account]) -> None:
        code = (request.POST.get("group_erp_code") or "").strip()
        parent = Account.objects.filter(erp_code=code).first() if code else None
        if code and parent is None:
            self.message_user(request, f"No account has the ERP code {code}.", messages.ERROR)
            return
        moved = 0
        for account in queryset.order_by("pk"):
            try:
                account_move(
                    account=account, parent=parent, reason="Moved in the admin", actor=request.user
                )
                moved += 1
            except DomainError as error:
                self.message_user(request, f"{account}: {error}", messages.ERROR)
        if moved:
            self.message_user(request, f"{moved} account(s) moved.", messages.SUCCESS)


@admin.register(StageChange)
class StageChangeAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["account", "from_stage", "to_stage", "changed_by", "changed_at"]
    list_filter = ["to_stage"]
    search_fields = [*ACCOUNT_SEARCH, "reason"]
    list_select_related = ["account", "changed_by"]
    date_hierarchy = "changed_at"


@admin.register(DesignationChange)
class DesignationChangeAdmin(ViewOnly, admin.ModelAdmin):
    list_display = ["account", "from_status", "to_status", "to_kam", "changed_by", "changed_at"]
    list_filter = ["to_status"]
    search_fields = [*ACCOUNT_SEARCH, "reason"]
    list_select_related = ["account", "to_kam", "changed_by"]
    date_hierarchy = "changed_at"


@admin.register(Interaction)
class InteractionAdmin(ViewOnly, admin.ModelAdmin):
    """Recorded through accounts.interactions, which also moves the contacts' last contact
    date and records the activity: the admin reads them."""

    list_display = ["account", "occurred_on", "kind", "subject", "recorded_by"]
    list_filter = ["kind"]
    search_fields = [*ACCOUNT_SEARCH, "subject"]
    list_select_related = ["account", "recorded_by"]
    date_hierarchy = "occurred_on"


@admin.register(TeamMembership)
class TeamMembershipAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["account", "user", "functional_role", "created_at"]
    list_filter = ["functional_role"]
    search_fields = [*ACCOUNT_SEARCH, "user__username", "user__last_name"]
    list_select_related = ["account", "user"]
    autocomplete_fields = ["account", "user"]


@admin.register(Contact)
class ContactAdmin(AdministratorOnly, SimpleHistoryAdmin):
    list_display = [
        "name",
        "account",
        "title",
        "buying_role",
        "influence",
        "attitude",
        "relationship_owner",
        "last_contact_on",
    ]
    list_filter = ["buying_role", "attitude", "influence"]
    search_fields = ["name", "title", "email", *ACCOUNT_SEARCH]
    list_select_related = ["account", "relationship_owner"]
    autocomplete_fields = ["account", "relationship_owner"]
    readonly_fields = ["version", "created_at", "updated_at"]
    date_hierarchy = "last_contact_on"


@admin.register(SalesLine)
class SalesLineAdmin(AdministratorOnly, SearchThroughAccounts, admin.ModelAdmin):
    list_display = [
        "erp_document",
        "erp_line",
        "account",
        "date",
        "product_category",
        "quantity",
        "revenue",
        "cost_of_goods",
    ]
    exact_search_fields = ["erp_document"]
    search_help_text = "Account name, an exact ERP code or an exact ERP document"
    list_select_related = ["account"]
    autocomplete_fields = ["account"]
    date_hierarchy = "date"
    ordering = ["-date", "-pk"]
    # Millions of rows: an exact total on every page view would be a full count.
    show_full_result_count = False


@admin.register(ProductCategory)
class ProductCategoryAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(ActivityType)
class ActivityTypeAdmin(AdministratorOnly, admin.ModelAdmin):
    list_display = ["name", "code", "driver_unit", "active"]
    list_filter = ["active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Activity)
class ActivityAdmin(AdministratorOnly, SearchThroughAccounts, admin.ModelAdmin):
    list_display = ["account", "activity_type", "date", "quantity", "recorded_by", "external_ref"]
    list_filter = ["activity_type"]
    exact_search_fields = ["external_ref"]
    search_help_text = "Account name, an exact ERP code or an exact source system key"
    list_select_related = ["account", "activity_type", "recorded_by"]
    autocomplete_fields = ["account", "recorded_by"]
    date_hierarchy = "date"
    ordering = ["-date", "-pk"]
    show_full_result_count = False


@admin.register(ImportJob)
class ImportJobAdmin(ViewOnly, admin.ModelAdmin):
    """Jobs are written by the import pipeline; the raw upload is never rendered here."""

    list_display = [
        "pk",
        "kind",
        "status",
        "file_name",
        "estimated_rows",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["file_name", "=id"]
    list_select_related = ["created_by"]
    exclude = ["content"]
    date_hierarchy = "created_at"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The daily housekeeping clears old uploads' content; administrators may delete jobs.
        return self._is_admin(request)


@admin.register(ApiToken)
class ApiTokenAdmin(ViewOnly, admin.ModelAdmin):
    """Personal API tokens, for audit: only a digest and a prefix are kept, so nothing secret
    shows. Administrators revoke a leaked token; its owner creates a new one on /profile/."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "=prefix", "user__username"]
    list_select_related = ["user"]
    exclude = ["digest"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, actor=request.user)
