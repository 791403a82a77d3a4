"""API of the accounts app: accounts, stage changes, contacts, team members, sales lines,
activity types and activities.

Lists start from the visibility the rules give (`Account.objects.visible_to` for account basics
and teams, `Account.objects.with_details_visible_to` for details); writes call the services.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from accounts import services
from accounts.api import filters
from accounts.api import serializers as s
from accounts.imports.layouts import SALES_LINES
from accounts.imports.services import import_file
from accounts.interactions import interaction_record
from accounts.models import (
    Account,
    Activity,
    ActivityType,
    Contact,
    ImportKind,
    Interaction,
    SalesLine,
    StageChange,
    TeamMembership,
)
from accounts.runs import current_run
from accounts.selectors import accounts as accounts_selectors
from accounts.selectors.interactions import visible_interactions
from accounts.tables import ACCOUNTS
from kam.api import (
    CursorPage,
    ReadOnlyKamViewSet,
    VersionedDestroyMixin,
    VersionedUpdateMixin,
    versioned_schema,
    with_etag,
)
from kam.imports.reading import Source


@extend_schema_view(
    list=extend_schema(summary="Accounts you may see, with their current-run figures"),
    retrieve=extend_schema(summary="One account"),
)
class AccountViewSet(ReadOnlyKamViewSet):
    """Accounts: everyone reads the accounts they may see (operations and directors all of
    them); scores show only to those who may read them. Cursor-paginated."""

    serializer_class = s.AccountSerializer
    filterset_class = filters.AccountApiFilterSet
    pagination_class = CursorPage
    ordering_fields = ACCOUNTS.api_ordering_fields
    object_perms = {"designate": "accounts.designate_account"}

    def get_queryset(self) -> QuerySet[Account]:
        if self.is_schema_generation():
            return Account.objects.none()
        members = Prefetch(
            "members", queryset=Account.objects.only("pk", "parent_id").order_by("pk")
        )
        return accounts_selectors.accounts_for_list(
            user=self.request.user, run=current_run()
        ).prefetch_related(members)

    @extend_schema(
        summary="Set an account's status (standard, candidate, key) and KAM, with a reason",
        request=s.DesignationSerializer,
        responses=s.AccountSerializer,
    )
    @action(detail=True, methods=["post"])
    def designate(self, request: Any, pk: str | None = None) -> Response:
        account = self.get_object()
        body = s.DesignationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.account_designate(account=account, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=account.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="Moves on the relationship ladder, newest first"),
    retrieve=extend_schema(summary="One stage change"),
)
class StageChangeViewSet(ReadOnlyKamViewSet):
    """Moves on the relationship ladder: read by the account's people and directors; a stage
    is moved by the KAMs serving the account."""

    serializer_class = s.StageChangeSerializer
    filterset_class = filters.StageChangeFilterSet
    ordering_fields = ["changed_at", "id"]

    def get_queryset(self) -> QuerySet[StageChange]:
        if self.is_schema_generation():
            return StageChange.objects.none()
        return (
            StageChange.objects.filter(
                account__in=Account.objects.with_details_visible_to(self.request.user)
            )
            .select_related("changed_by")
            .order_by("-changed_at", "-pk")
        )

    @extend_schema(
        summary="Move an account to another stage, with a reason",
        request=s.StageChangeCreateSerializer,
        responses={201: s.StageChangeSerializer},
    )
    def create(self, request: Any) -> Response:
        body = s.StageChangeCreateSerializer(
            data=request.data, parents=Account.objects.with_details_visible_to(request.user)
        )
        body.is_valid(raise_exception=True)
        change = services.account_change_stage(actor=request.user, **body.validated_data)
        return Response(self.get_serializer(change).data, status=status.HTTP_201_CREATED)


@versioned_schema(
    noun="contact",
    listed="Contacts (the DMU) of the accounts whose details you may see",
    read=s.ContactSerializer,
    update_body=s.ContactUpdateSerializer,
    destroy="Remove a contact from the DMU (If-Match: its ETag)",
)
class ContactViewSet(VersionedUpdateMixin, VersionedDestroyMixin, ReadOnlyKamViewSet):
    """The decision-making unit's contacts: read by the account's people and directors,
    changed by its KAMs. Versioned: send the ETag back in If-Match."""

    serializer_class = s.ContactSerializer
    update_serializer_class = s.ContactUpdateSerializer
    filterset_class = filters.ContactFilterSet
    ordering_fields = ["name", "influence", "last_contact_on", "id"]
    versioned = True
    object_perms = {
        "update": "accounts.change_contact",
        "partial_update": "accounts.change_contact",
        "destroy": "accounts.change_contact",
    }

    def get_queryset(self) -> QuerySet[Contact]:
        if self.is_schema_generation():
            return Contact.objects.none()
        return (
            Contact.objects.filter(
                account__in=Account.objects.with_details_visible_to(self.request.user)
            )
            .select_related("relationship_owner")
            .order_by("account_id", "-influence", "name", "pk")
        )

    @extend_schema(
        summary="Add a contact to an account's DMU",
        request=s.ContactCreateSerializer,
        responses={201: s.ContactSerializer},
    )
    def create(self, request: Any) -> Response:
        body = s.ContactCreateSerializer(
            data=request.data, parents=Account.objects.with_details_visible_to(request.user)
        )
        body.is_valid(raise_exception=True)
        contact = services.contact_create(actor=request.user, **body.validated_data)
        response = Response(self.get_serializer(contact).data, status=status.HTTP_201_CREATED)
        return with_etag(response, contact)

    def versioned_update(self, obj: Contact, version: int, fields: dict[str, Any]) -> Contact:
        return services.contact_update(
            contact=obj, expected_version=version, actor=self.request.user, **fields
        )

    def versioned_delete(self, obj: Contact, version: int) -> None:
        services.contact_delete(contact=obj, expected_version=version, actor=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="Members of the cross-functional teams of accounts you see"),
    retrieve=extend_schema(summary="One team membership"),
)
class TeamMemberViewSet(ReadOnlyKamViewSet):
    """Cross-functional team memberships: visible with the account; changed by the account's
    KAM, directors and administrators."""

    serializer_class = s.TeamMemberSerializer
    filterset_class = filters.TeamMemberFilterSet
    ordering_fields = ["functional_role", "created_at", "id"]
    object_perms = {"destroy": "accounts.change_team"}

    def get_queryset(self) -> QuerySet[TeamMembership]:
        if self.is_schema_generation():
            return TeamMembership.objects.none()
        return (
            TeamMembership.objects.filter(account__in=Account.objects.visible_to(self.request.user))
            .select_related("user")
            .order_by("account_id", "functional_role", "pk")
        )

    @extend_schema(
        summary="Put a person on an account's team",
        request=s.TeamMemberCreateSerializer,
        responses={201: s.TeamMemberSerializer},
    )
    def create(self, request: Any) -> Response:
        body = s.TeamMemberCreateSerializer(
            data=request.data, parents=Account.objects.visible_to(request.user)
        )
        body.is_valid(raise_exception=True)
        membership = services.team_member_add(actor=request.user, **body.validated_data)
        return Response(self.get_serializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Take a person off an account's team")
    def destroy(self, request: Any, pk: str | None = None) -> Response:
        services.team_member_remove(membership=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="Interactions with the DMU of the accounts whose details you see"),
    retrieve=extend_schema(summary="One interaction"),
)
class InteractionViewSet(ReadOnlyKamViewSet):
    """Meetings and calls with the customer's contacts, most recent first: read like
    contacts, recorded by the account's KAM and team (and administrators)."""

    serializer_class = s.InteractionSerializer
    filterset_class = filters.InteractionFilterSet
    ordering_fields = ["occurred_on", "created_at", "id"]

    def get_queryset(self) -> QuerySet[Interaction]:
        if self.is_schema_generation():
            return Interaction.objects.none()
        return (
            visible_interactions(self.request.user)
            .select_related("recorded_by")
            .prefetch_related("contacts", "our_people")
            .order_by("-occurred_on", "-created_at", "-pk")
        )

    @extend_schema(
        summary="Record a meeting or call (sets the contacts' last contact date)",
        request=s.InteractionCreateSerializer,
        responses={201: s.InteractionSerializer},
    )
    def create(self, request: Any) -> Response:
        body = s.InteractionCreateSerializer(
            data=request.data, parents=Account.objects.with_details_visible_to(request.user)
        )
        body.is_valid(raise_exception=True)
        interaction = interaction_record(actor=request.user, **body.validated_data)
        return Response(self.get_serializer(interaction).data, status=status.HTTP_201_CREATED)


DECIMALS = {"quantity", "revenue", "cost_of_goods"}


def sales_lines_csv(lines: list[dict[str, Any]], erp_codes: dict[int, str]) -> bytes:
    """The lines as the sales-line import file layout, so they take the import's one path."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([column.name for column in SALES_LINES.columns])
    for line in lines:
        values = {**line, "account_code": erp_codes[line["account"]]}
        writer.writerow(
            [
                format(value, "f") if column.name in DECIMALS else value
                for column in SALES_LINES.columns
                for value in [values[column.name]]
            ]
        )
    return out.getvalue().encode("utf-8")


# The import reports cells by its column names; the API's field for account_code is `account`.
IMPORT_COLUMN_TO_FIELD = {"account_code": "account"}
LINE_FIELDS = frozenset(s.SalesLineWriteSerializer().fields)


@extend_schema_view(
    list=extend_schema(summary="Invoiced sales lines of the accounts whose details you see"),
    retrieve=extend_schema(summary="One sales line"),
)
class SalesLineViewSet(ReadOnlyKamViewSet):
    """Invoiced sales lines: read by the account's people and directors; written in bulk by
    directors and administrators (the import's rules). Cursor-paginated."""

    serializer_class = s.SalesLineSerializer
    filterset_class = filters.SalesLineFilterSet
    pagination_class = CursorPage
    ordering_fields = ["id"]
    global_perms = {"create": "accounts.import_data"}

    def get_queryset(self) -> QuerySet[SalesLine]:
        if self.is_schema_generation():
            return SalesLine.objects.none()
        return SalesLine.objects.filter(
            account__in=Account.objects.with_details_visible_to(self.request.user)
        )

    @extend_schema(
        summary="Create or update sales lines in bulk (all lines or none)",
        description=(
            "Lines are matched on (erp_document, erp_line): a line equal to the stored one is "
            "skipped, a changed one updated, so sending the same lines twice changes nothing. "
            "They go through the sales-line import's checks; any error writes nothing and is "
            f"reported per line. At most {s.MAX_BULK_LINES} lines per request."
        ),
        request=s.SalesLineBulkSerializer,
        responses={201: s.ImportResultSerializer},
    )
    def create(self, request: Any) -> Response:
        body = s.SalesLineBulkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lines = body.validated_data["lines"]
        erp_codes = dict(
            Account.objects.with_details_visible_to(request.user)
            .filter(pk__in={line["account"] for line in lines})
            .values_list("pk", "erp_code")
        )
        unknown = {
            index: {"account": ["No such account, or not one you may see."]}
            for index, line in enumerate(lines)
            if line["account"] not in erp_codes
        }
        if unknown:
            return Response({"lines": unknown}, status=status.HTTP_400_BAD_REQUEST)
        source = Source.from_bytes("api-sales-lines.csv", sales_lines_csv(lines, erp_codes))
        report = import_file(
            kind=ImportKind.SALES_LINES,
            source=source,
            dry_run=False,
            actor=request.user,
            blank_clears=body.validated_data["blank_clears"],
        )
        if not report.ok:
            return Response(_line_errors(report, len(lines)), status=status.HTTP_400_BAD_REQUEST)
        result = {
            "rows": report.rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }
        return Response(result, status=status.HTTP_201_CREATED)


def _line_errors(report: Any, count: int) -> dict[str, Any]:
    """An import report's errors in DRF's shape for a list, {index: {field: [messages]}} (the
    file's row 2 is line 0); problems of the whole batch under `non_field_errors`."""
    per_line: dict[int, dict[str, list[str]]] = {}
    general = []
    for error in report.errors:
        index = (error.row or 0) - 2
        if 0 <= index < count:
            field = IMPORT_COLUMN_TO_FIELD.get(error.column, error.column)
            if field not in LINE_FIELDS:  # a rule on several fields, e.g. a duplicate key
                field = "non_field_errors"
            per_line.setdefault(index, {}).setdefault(field, []).append(error.message)
        else:
            general.append(error.message)
    errors: dict[str, Any] = {"lines": per_line}
    if general:
        errors["non_field_errors"] = general
    return errors


@extend_schema_view(
    list=extend_schema(summary="Cost-driving activity types"),
    retrieve=extend_schema(summary="One activity type"),
)
class ActivityTypeViewSet(ReadOnlyKamViewSet):
    """Cost-driving activity types (reference data, read by everyone signed in)."""

    serializer_class = s.ActivityTypeSerializer
    queryset = ActivityType.objects.order_by("name", "pk")
    ordering_fields = ["name", "code", "id"]
    filterset_fields = ["active"]


@extend_schema_view(
    list=extend_schema(summary="Recorded activities of the accounts whose details you see"),
    retrieve=extend_schema(summary="One activity"),
)
class ActivityViewSet(ReadOnlyKamViewSet):
    """Recorded activities (cost to serve): read by the account's people and directors.
    Cursor-paginated."""

    serializer_class = s.ActivitySerializer
    filterset_class = filters.ActivityFilterSet
    pagination_class = CursorPage
    ordering_fields = ["id"]

    def get_queryset(self) -> QuerySet[Activity]:
        if self.is_schema_generation():
            return Activity.objects.none()
        return Activity.objects.filter(
            account__in=Account.objects.with_details_visible_to(self.request.user)
        )


def register(router: BaseRouter) -> None:
    router.register("accounts", AccountViewSet, basename="account")
    router.register("stage-changes", StageChangeViewSet, basename="stagechange")
    router.register("contacts", ContactViewSet, basename="contact")
    router.register("team-members", TeamMemberViewSet, basename="teammember")
    router.register("interactions", InteractionViewSet, basename="interaction")
    router.register("sales-lines", SalesLineViewSet, basename="salesline")
    router.register("activity-types", ActivityTypeViewSet, basename="activitytype")
    router.register("activities", ActivityViewSet, basename="activity")
