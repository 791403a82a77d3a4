"""Representations of plans, their parts, commitments and notifications, and write bodies.

Every write goes to plans.services, which holds the rule and checks the permission.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.api.serializers import blank_or, person
from accounts.models import Account, ProductCategory, Stage, User
from kam import bounds
from kam.api import ScopedCreateMixin, StrictModelSerializer, StrictSerializer
from kam.diffing import normalise_text
from plans.models import (
    Action,
    ActionNote,
    ActionStatus,
    Commitment,
    Measurement,
    Notification,
    Objective,
    Opportunity,
    Plan,
    PlanSection,
    PlanVersion,
)


class PlanSectionSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    updated_by_name = person("updated_by")

    class Meta:
        model = PlanSection
        fields = [
            "id",
            "plan",
            "kind",
            "kind_label",
            "body",
            "version",
            "updated_by",
            "updated_by_name",
            "updated_at",
        ]
        read_only_fields = fields


class LongTextField(serializers.CharField):
    """A long text kept as sent, line ends as stored (LF), at most kam.bounds.MAX_TEXT."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            allow_blank=True,
            trim_whitespace=False,
            validators=[bounds.validate_text_length],
            **kwargs,
        )

    def to_internal_value(self, data: Any) -> str:
        return normalise_text(super().to_internal_value(data))


class PlanSectionWriteSerializer(StrictSerializer):
    body = LongTextField()


class ObjectiveSerializer(serializers.ModelSerializer):
    target_stage = blank_or(Stage.choices)

    class Meta:
        model = Objective
        fields = [
            "id",
            "plan",
            "metric",
            "description",
            "baseline_value",
            "target_value",
            "target_stage",
            "due_date",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


OBJECTIVE_WRITABLE = [
    "metric",
    "description",
    "baseline_value",
    "target_value",
    "target_stage",
    "due_date",
]


class ObjectiveUpdateSerializer(StrictModelSerializer):
    class Meta:
        model = Objective
        fields = OBJECTIVE_WRITABLE
        # The check constraint is enforced by the service with a message per field.
        validators: list[Any] = []


class ObjectiveCreateSerializer(ScopedCreateMixin, ObjectiveUpdateSerializer):
    parent_field = "plan"
    plan = serializers.PrimaryKeyRelatedField(queryset=Plan.objects.none())

    class Meta(ObjectiveUpdateSerializer.Meta):
        fields = ["plan", *OBJECTIVE_WRITABLE]


class ActionSerializer(serializers.ModelSerializer):
    owner_name = person("owner")

    class Meta:
        model = Action
        fields = [
            "id",
            "plan",
            "family",
            "title",
            "description",
            "owner",
            "owner_name",
            "due_date",
            "status",
            "completed_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


ACTION_WRITABLE = ["family", "title", "description", "owner", "due_date", "status"]


class ActionUpdateSerializer(StrictModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))

    class Meta:
        model = Action
        fields = ACTION_WRITABLE


class ActionCreateSerializer(ScopedCreateMixin, ActionUpdateSerializer):
    parent_field = "plan"
    plan = serializers.PrimaryKeyRelatedField(queryset=Plan.objects.none())

    class Meta(ActionUpdateSerializer.Meta):
        fields = ["plan", *ACTION_WRITABLE]


class ActionProgressSerializer(StrictSerializer):
    """What an action's owner may change (plans.services.items.action_progress): its status,
    its due date and a progress note; each optional."""

    status = serializers.ChoiceField(choices=ActionStatus.choices, required=False)
    due_date = serializers.DateField(required=False)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=bounds.MAX_NOTE,
        help_text="A progress note, kept with its author and time",
    )


class ActionNoteSerializer(serializers.ModelSerializer):
    author_name = person("author")

    class Meta:
        model = ActionNote
        fields = ["id", "action", "author", "author_name", "created_at", "text"]
        read_only_fields = fields


PLAN_FIELDS = [
    "id",
    "account",
    "account_name",
    "title",
    "period_start",
    "period_end",
    "status",
    "review_date",
    "investment_budget",
    "previous",
    "version",
    "created_by",
    "submitted_at",
    "approved_by",
    "approved_at",
    "approved_version",
    "approval_comment",
    "archived_at",
    "created_at",
    "updated_at",
]


class PlanSerializer(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name", read_only=True)
    approved_version = serializers.IntegerField(
        source="approved_version_number",
        read_only=True,
        allow_null=True,
        help_text="The number of the version the last approval approved (null: never "
        "approved); a revised plan is compared with it",
    )
    approval_comment = serializers.CharField(
        source="approved_version_comment",
        read_only=True,
        allow_null=True,
        help_text="What the director said approving that version (null: never approved); "
        "every comment, sending back included, is in plan-versions",
    )

    class Meta:
        model = Plan
        fields = PLAN_FIELDS
        read_only_fields = fields


class PlanDetailSerializer(PlanSerializer):
    """A plan with its sections, objectives and actions (the plan page's content)."""

    sections = PlanSectionSerializer(many=True, read_only=True)
    objectives = ObjectiveSerializer(many=True, read_only=True)
    actions = ActionSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PLAN_FIELDS, "sections", "objectives", "actions"]
        read_only_fields = fields


class PlanVersionSerializer(serializers.ModelSerializer):
    """A version of a plan without its snapshot: its number, what it records and the words
    kept with it (the director's comment approving or sending back, the reason for archiving
    or restoring)."""

    status = serializers.CharField(
        source="snapshot_status",
        read_only=True,
        help_text="The plan's status in this version (after the step it records)",
    )
    created_by_name = person("created_by")

    class Meta:
        model = PlanVersion
        fields = [
            "id",
            "plan",
            "number",
            "status",
            "note",
            "comment",
            "milestone",
            "created_by",
            "created_by_name",
            "created_at",
        ]
        read_only_fields = fields


class PlanCreateSerializer(ScopedCreateMixin, StrictSerializer):
    parent_field = "account"
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.none())
    title = serializers.CharField(max_length=200)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    review_date = serializers.DateField()


class PlanUpdateSerializer(StrictModelSerializer):
    class Meta:
        model = Plan
        fields = list(Plan.EDITABLE_FIELDS)


class PlanReturnSerializer(StrictSerializer):
    reason = serializers.CharField(
        max_length=2000, help_text="What the plan needs: kept with the version, sent to the KAM"
    )


class PlanApproveSerializer(StrictSerializer):
    comment = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="The director's comment, kept with the approved version",
    )


class PlanArchiveSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the plan is archived")


class PlanRestoreSerializer(StrictSerializer):
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="Why (optional)"
    )


class CommitmentSerializer(serializers.ModelSerializer):
    responsible_team_name = serializers.CharField(source="responsible_team.name", read_only=True)
    latest_value = serializers.DecimalField(
        max_digits=12, decimal_places=3, read_only=True, allow_null=True
    )
    latest_period_end = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "account",
            "plan",
            *Commitment.TERMS,
            "responsible_team_name",
            "status",
            "status_changed_at",
            "active",
            "latest_value",
            "latest_period_end",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MeasurementSerializer(serializers.ModelSerializer):
    recorded_by_name = person("recorded_by")

    class Meta:
        model = Measurement
        fields = [
            "id",
            "commitment",
            "value",
            "period_start",
            "period_end",
            "note",
            "recorded_by",
            "recorded_by_name",
            "recorded_at",
        ]
        read_only_fields = fields


class MeasurementCreateSerializer(ScopedCreateMixin, StrictSerializer):
    parent_field = "commitment"
    commitment = serializers.PrimaryKeyRelatedField(queryset=Commitment.objects.none())
    value = serializers.DecimalField(max_digits=12, decimal_places=3)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "subject", "body", "url", "created_at", "read_at"]
        read_only_fields = fields


class MarkReadSerializer(StrictSerializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=1000,
        help_text="The notifications to mark read; all of yours when absent",
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class OpportunitySerializer(serializers.ModelSerializer):
    owner_name = person("owner")
    category_name = serializers.CharField(source="category.name", read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "plan",
            "category",
            "category_name",
            "member",
            "estimated_value",
            "probability",
            "expected_close",
            "owner",
            "owner_name",
            "status",
            "lost_reason",
            "closed_on",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class OpportunityUpdateSerializer(StrictModelSerializer):
    """What the plan's KAMs change; the service checks the member (the plan's account), the
    owner (the KAM or a team member) and the lost reason."""

    category = serializers.PrimaryKeyRelatedField(queryset=ProductCategory.objects.all())
    member = serializers.PrimaryKeyRelatedField(queryset=Account.objects.all(), required=False)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True))

    class Meta:
        model = Opportunity
        fields = list(Opportunity.EDITABLE_FIELDS)
        extra_kwargs = {"probability": {"min_value": 0, "max_value": 100}}


class OpportunityCreateSerializer(ScopedCreateMixin, OpportunityUpdateSerializer):
    parent_field = "plan"
    plan = serializers.PrimaryKeyRelatedField(queryset=Plan.objects.none())

    class Meta(OpportunityUpdateSerializer.Meta):
        fields = ["plan", *Opportunity.EDITABLE_FIELDS]
