"""API of the plans app: plans with their sections, objectives and actions, and their versions
(with the directors' comments); service commitments and their measurements; the user's
notifications.

A plan and everything in it is visible only to the account's people, directors and
administrators (`Plan.objects.visible_to`); commitments also to operations
(`Commitment.objects.visible_to`). Plans, sections, objectives and actions are versioned:
responses carry an ETag and changes need it back in If-Match.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import F, Prefetch, QuerySet
from django.db.models.fields.json import KT
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from accounts.models import Account
from kam.api import (
    EmptySerializer,
    IdFilter,
    KamViewSet,
    ReadOnlyKamViewSet,
    VersionedDestroyMixin,
    VersionedUpdateMixin,
    expected_version,
    versioned_schema,
    with_etag,
)
from plans.api import serializers as s
from plans.filters import CommitmentFilterSet
from plans.models import (
    Action,
    ActionFamily,
    ActionNote,
    ActionStatus,
    Commitment,
    Measurement,
    Notification,
    Objective,
    Opportunity,
    OpportunityStatus,
    Plan,
    PlanSection,
    PlanStatus,
    PlanVersion,
)
from plans.selectors import commitments
from plans.services import commitments as commitments_services
from plans.services import items
from plans.services import opportunities as opportunities_services
from plans.services import plans as plans_services
from plans.tables import ACTIONS


def visible_plans(user: Any) -> QuerySet[Plan]:
    return Plan.objects.visible_to(user)


class PlanFilterSet(django_filters.FilterSet):
    account = IdFilter(field_name="account_id")
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices)
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", label="Search")
    review_before = django_filters.DateFilter(field_name="review_date", lookup_expr="lt")

    class Meta:
        model = Plan
        fields = ["account", "status", "q", "review_before"]


class PlanVersionFilterSet(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id")

    class Meta:
        model = PlanVersion
        fields = ["plan", "milestone"]


class PlanPartFilterSet(django_filters.FilterSet):
    plan = IdFilter(field_name="plan_id")


class SectionFilterSet(PlanPartFilterSet):
    class Meta:
        model = PlanSection
        fields = ["plan", "kind"]


class ObjectiveFilterSet(PlanPartFilterSet):
    class Meta:
        model = Objective
        fields = ["plan", "metric"]


class ActionFilterSet(PlanPartFilterSet):
    owner = IdFilter(field_name="owner_id")
    family = django_filters.ChoiceFilter(choices=ActionFamily.choices)
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices)
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lt")

    class Meta:
        model = Action
        fields = ["plan", "owner", "family", "status", "due_before"]


class ActionNoteFilterSet(django_filters.FilterSet):
    action = IdFilter(field_name="action_id")

    class Meta:
        model = ActionNote
        fields = ["action"]


class OpportunityFilterSet(PlanPartFilterSet):
    member = IdFilter(field_name="member_id")
    category = IdFilter(field_name="category_id")
    status = django_filters.ChoiceFilter(choices=OpportunityStatus.choices)

    class Meta:
        model = Opportunity
        fields = ["plan", "member", "category", "status"]


class CommitmentApiFilterSet(CommitmentFilterSet):
    """The commitments board's filters, plus inactive commitments on request."""

    active = django_filters.BooleanFilter()

    class Meta(CommitmentFilterSet.Meta):
        fields = [*CommitmentFilterSet.Meta.fields, "active"]


class MeasurementFilterSet(django_filters.FilterSet):
    commitment = IdFilter(field_name="commitment_id")
    period_end_after = django_filters.DateFilter(field_name="period_end", lookup_expr="gte")

    class Meta:
        model = Measurement
        fields = ["commitment", "period_end_after"]


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")

    class Meta:
        model = Notification
        fields = ["unread"]


CHANGE_PLAN = "plans.change_plan"
CHANGE_OPPORTUNITY = "plans.change_opportunity"


@extend_schema_view(
    list=extend_schema(summary="Plans you may see (your accounts'; every plan for directors)"),
    retrieve=extend_schema(
        summary="One plan with its sections, objectives and actions, and its ETag",
        responses=s.PlanDetailSerializer,
    ),
    update=extend_schema(
        summary="Change a plan's details (If-Match: its ETag)",
        request=s.PlanUpdateSerializer,
        responses=s.PlanSerializer,
    ),
    partial_update=extend_schema(
        summary="Change some of a plan's details (If-Match: its ETag)",
        request=s.PlanUpdateSerializer,
        responses=s.PlanSerializer,
    ),
)
class PlanViewSet(VersionedUpdateMixin, ReadOnlyKamViewSet):
    """Account plans: read and edited by the account's people (KAMs edit), read, approved,
    sent back and archived by directors. Versioned: send the ETag back in If-Match."""

    serializer_class = s.PlanSerializer
    update_serializer_class = s.PlanUpdateSerializer
    filterset_class = PlanFilterSet
    ordering_fields = ["period_start", "review_date", "title", "id"]
    versioned = True
    object_perms = {
        "update": CHANGE_PLAN,
        "partial_update": CHANGE_PLAN,
        "submit": CHANGE_PLAN,
        "approve": "plans.approve_plan",
        "send_back": "plans.approve_plan",
        "archive": "plans.archive_plan",
        "restore": "plans.archive_plan",
    }

    def get_queryset(self) -> QuerySet[Plan]:
        if self.is_schema_generation():
            return Plan.objects.none()
        plans = (
            visible_plans(self.request.user)
            .select_related("account")
            .annotate(
                approved_version_number=F("approved_version__number"),
                approved_version_comment=F("approved_version__comment"),
            )
        )
        if self.action == "retrieve":
            plans = plans.prefetch_related(
                # Sections in the order the plan reads (created in SectionKind order).
                Prefetch(
                    "sections", PlanSection.objects.select_related("updated_by").order_by("pk")
                ),
                Prefetch("objectives", Objective.objects.order_by("due_date", "pk")),
                Prefetch(
                    "actions", Action.objects.select_related("owner").order_by("due_date", "pk")
                ),
            )
        return plans.order_by("-period_start", "-pk")

    def get_serializer_class(self) -> type:
        return s.PlanDetailSerializer if self.action == "retrieve" else s.PlanSerializer

    @extend_schema(
        summary="Start a key account's plan for a period (a draft, every section empty)",
        request=s.PlanCreateSerializer,
        responses={201: s.PlanSerializer},
    )
    def create(self, request: Any) -> Response:
        # plans.view_plan and accounts.view_account_details are the same rule.
        parents = Account.objects.with_details_visible_to(request.user)
        body = s.PlanCreateSerializer(data=request.data, parents=parents)
        body.is_valid(raise_exception=True)
        plan = plans_services.plan_create(actor=request.user, **body.validated_data)
        plan = self.get_queryset().get(pk=plan.pk)
        response = Response(s.PlanSerializer(plan).data, status=status.HTTP_201_CREATED)
        return with_etag(response, plan)

    def versioned_update(self, obj: Plan, version: int, fields: dict[str, Any]) -> Plan:
        plans_services.plan_update(
            plan=obj, expected_version=version, actor=self.request.user, **fields
        )
        return self.get_queryset().get(pk=obj.pk)

    def _lifecycle(self, step: Any, body: type = EmptySerializer) -> Response:
        """One lifecycle step: the body's fields (a comment, a reason) are the service's
        keyword arguments, checked before anything is read."""
        values = body(data=self.request.data)
        values.is_valid(raise_exception=True)
        plan = step(plan=self.get_object(), actor=self.request.user, **values.validated_data)
        plan = self.get_queryset().get(pk=plan.pk)
        return with_etag(Response(s.PlanSerializer(plan).data), plan)

    @extend_schema(
        summary="Submit the plan for a director's approval",
        request=EmptySerializer,
        responses=s.PlanSerializer,
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Any, pk: str | None = None) -> Response:
        return self._lifecycle(plans_services.plan_submit)

    @extend_schema(
        summary="Approve a submitted plan, with an optional comment (directors)",
        request=s.PlanApproveSerializer,
        responses=s.PlanSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Any, pk: str | None = None) -> Response:
        return self._lifecycle(plans_services.plan_approve, s.PlanApproveSerializer)

    @extend_schema(
        summary="Send a submitted plan back to its KAM, with a reason (directors); it returns "
        "to draft, or to revised when it was approved before",
        request=s.PlanReturnSerializer,
        responses=s.PlanSerializer,
    )
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request: Any, pk: str | None = None) -> Response:
        return self._lifecycle(plans_services.plan_return, s.PlanReturnSerializer)

    @extend_schema(
        summary="Archive a plan, with a reason (directors and administrators)",
        request=s.PlanArchiveSerializer,
        responses=s.PlanSerializer,
    )
    @action(detail=True, methods=["post"])
    def archive(self, request: Any, pk: str | None = None) -> Response:
        return self._lifecycle(plans_services.plan_archive, s.PlanArchiveSerializer)

    @extend_schema(
        summary="Restore an archived plan to the status it had (directors and administrators)",
        request=s.PlanRestoreSerializer,
        responses=s.PlanSerializer,
    )
    @action(detail=True, methods=["post"])
    def restore(self, request: Any, pk: str | None = None) -> Response:
        return self._lifecycle(plans_services.plan_restore, s.PlanRestoreSerializer)


@extend_schema_view(
    list=extend_schema(
        summary="Versions of the plans you may see, newest first, with the comments kept "
        "with them (approve, send back, archive, restore)"
    ),
    retrieve=extend_schema(summary="One version of a plan, without its snapshot"),
)
class PlanVersionViewSet(ReadOnlyKamViewSet):
    """A plan's versions: who kept each and when, what it records and the director's words."""

    serializer_class = s.PlanVersionSerializer
    filterset_class = PlanVersionFilterSet
    ordering_fields = ["number", "created_at", "id"]

    def get_queryset(self) -> QuerySet[PlanVersion]:
        if self.is_schema_generation():
            return PlanVersion.objects.none()
        return (
            PlanVersion.objects.filter(plan__in=visible_plans(self.request.user))
            .select_related("created_by")
            .defer("snapshot")
            .annotate(snapshot_status=KT("snapshot__status"))
            .order_by("-created_at", "-pk")
        )


@extend_schema_view(
    list=extend_schema(summary="Sections of the plans you may see"),
    retrieve=extend_schema(summary="One section, with its ETag"),
    update=extend_schema(
        summary="Save a section's text (If-Match: its ETag)",
        request=s.PlanSectionWriteSerializer,
        responses=s.PlanSectionSerializer,
    ),
    partial_update=extend_schema(
        summary="Save a section's text (If-Match: its ETag)",
        request=s.PlanSectionWriteSerializer,
        responses=s.PlanSectionSerializer,
    ),
)
class PlanSectionViewSet(VersionedUpdateMixin, ReadOnlyKamViewSet):
    """A plan's free-text sections, one per kind, each versioned on its own: send its ETag
    back in If-Match."""

    serializer_class = s.PlanSectionSerializer
    update_serializer_class = s.PlanSectionWriteSerializer
    filterset_class = SectionFilterSet
    ordering_fields = ["kind", "updated_at", "id"]
    versioned = True
    object_perms = {"update": CHANGE_PLAN, "partial_update": CHANGE_PLAN}

    def get_queryset(self) -> QuerySet[PlanSection]:
        if self.is_schema_generation():
            return PlanSection.objects.none()
        return (
            PlanSection.objects.filter(plan__in=visible_plans(self.request.user))
            .select_related("updated_by", "plan__account")
            .order_by("plan_id", "pk")
        )

    def versioned_update(
        self, obj: PlanSection, version: int, fields: dict[str, Any]
    ) -> PlanSection:
        section = plans_services.plan_section_save(
            plan=obj.plan,
            kind=obj.kind,
            body=fields.get("body", obj.body),
            expected_version=version,
            actor=self.request.user,
        )
        return self.get_queryset().get(pk=section.pk)


class PlanPartViewSet(VersionedUpdateMixin, VersionedDestroyMixin, ReadOnlyKamViewSet):
    """Objectives and actions: listed with their plan's visibility, created in a plan the user
    sees (the service says whether they may), changed and deleted with If-Match."""

    create_serializer_class: type
    versioned = True
    object_perms = {"update": CHANGE_PLAN, "partial_update": CHANGE_PLAN, "destroy": CHANGE_PLAN}
    related: tuple[str, ...] = ()
    # The services' keyword for the object ("objective", "action") and the services themselves.
    part: str
    create_service: Any
    update_service: Any
    delete_service: Any

    def get_queryset(self) -> QuerySet[Any]:
        model = self.serializer_class.Meta.model
        if self.is_schema_generation():
            return model.objects.none()
        return (
            model.objects.filter(plan__in=visible_plans(self.request.user))
            .select_related("plan__account", *self.related)
            .order_by("plan_id", "due_date", "pk")
        )

    def create(self, request: Any) -> Response:
        body = self.create_serializer_class(data=request.data, parents=visible_plans(request.user))
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        item = type(self).create_service(actor=request.user, **fields)
        item = self.get_queryset().get(pk=item.pk)
        response = Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)
        return with_etag(response, item)

    def versioned_update(self, obj: Any, version: int, fields: dict[str, Any]) -> Any:
        type(self).update_service(
            **{self.part: obj}, expected_version=version, actor=self.request.user, **fields
        )
        return self.get_queryset().get(pk=obj.pk)

    def versioned_delete(self, obj: Any, version: int) -> None:
        type(self).delete_service(
            **{self.part: obj}, expected_version=version, actor=self.request.user
        )


@versioned_schema(
    noun="objective",
    listed="Objectives of the plans you may see",
    read=s.ObjectiveSerializer,
    update_body=s.ObjectiveUpdateSerializer,
    create="Add a measurable objective to a plan",
    create_body=s.ObjectiveCreateSerializer,
)
class ObjectiveViewSet(PlanPartViewSet):
    """A plan's measurable objectives. Versioned: send the ETag back in If-Match."""

    serializer_class = s.ObjectiveSerializer
    create_serializer_class = s.ObjectiveCreateSerializer
    update_serializer_class = s.ObjectiveUpdateSerializer
    filterset_class = ObjectiveFilterSet
    ordering_fields = ["due_date", "id"]
    part = "objective"
    create_service = staticmethod(items.objective_create)
    update_service = staticmethod(items.objective_update)
    delete_service = staticmethod(items.objective_delete)


@versioned_schema(
    noun="action",
    listed="Relationship-building actions of the plans you may see",
    read=s.ActionSerializer,
    update_body=s.ActionUpdateSerializer,
    create="Add an action to a plan",
    create_body=s.ActionCreateSerializer,
)
class ActionViewSet(PlanPartViewSet):
    """A plan's relationship-building actions. Versioned: send the ETag back in If-Match."""

    serializer_class = s.ActionSerializer
    create_serializer_class = s.ActionCreateSerializer
    update_serializer_class = s.ActionUpdateSerializer
    filterset_class = ActionFilterSet
    ordering_fields = ACTIONS.api_ordering_fields
    related = ("owner",)
    part = "action"
    create_service = staticmethod(items.action_create)
    update_service = staticmethod(items.action_update)
    delete_service = staticmethod(items.action_delete)
    object_perms = {**PlanPartViewSet.object_perms, "progress": "plans.progress_action"}

    @extend_schema(
        summary="Update an action's progress: its status, its due date, a progress note "
        "(its owner, a team member too, or the account's KAMs; If-Match: its ETag)",
        request=s.ActionProgressSerializer,
        responses=s.ActionSerializer,
    )
    @action(detail=True, methods=["patch"])
    def progress(self, request: Any, pk: str | None = None) -> Response:
        obj = self.get_object()
        version = expected_version(request, obj)
        body = s.ActionProgressSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        items.action_progress(
            action=obj, expected_version=version, actor=request.user, **body.validated_data
        )
        obj = self.get_queryset().get(pk=obj.pk)
        return with_etag(Response(self.get_serializer(obj).data), obj)


@extend_schema_view(
    list=extend_schema(summary="Progress notes on the actions of the plans you may see"),
    retrieve=extend_schema(summary="One progress note"),
)
class ActionNoteViewSet(ReadOnlyKamViewSet):
    """Progress notes on actions, newest first: kept as written, with their author and time
    (added with `PATCH actions/{id}/progress/`)."""

    serializer_class = s.ActionNoteSerializer
    filterset_class = ActionNoteFilterSet
    ordering_fields = ["created_at", "id"]

    def get_queryset(self) -> QuerySet[ActionNote]:
        if self.is_schema_generation():
            return ActionNote.objects.none()
        return (
            ActionNote.objects.filter(action__plan__in=visible_plans(self.request.user))
            .select_related("author")
            .order_by("-created_at", "-pk")
        )


@versioned_schema(
    noun="opportunity",
    listed="Opportunities (the pipeline) of the plans you may see",
    read=s.OpportunitySerializer,
    update_body=s.OpportunityUpdateSerializer,
    create="Add an opportunity to a plan",
    create_body=s.OpportunityCreateSerializer,
    deletable=False,
)
class OpportunityViewSet(VersionedUpdateMixin, ReadOnlyKamViewSet):
    """A plan's opportunities: read with the plan, created and changed by its KAMs (closed as
    won or lost through `status`; never deleted, so the pipeline's history stays). Versioned:
    send the ETag back in If-Match."""

    serializer_class = s.OpportunitySerializer
    update_serializer_class = s.OpportunityUpdateSerializer
    filterset_class = OpportunityFilterSet
    ordering_fields = ["expected_close", "estimated_value", "probability", "id"]
    versioned = True
    object_perms = {
        "update": CHANGE_OPPORTUNITY,
        "partial_update": CHANGE_OPPORTUNITY,
    }

    def get_queryset(self) -> QuerySet[Opportunity]:
        if self.is_schema_generation():
            return Opportunity.objects.none()
        return (
            Opportunity.objects.filter(plan__in=visible_plans(self.request.user))
            .select_related("plan__account", "category", "owner")
            .order_by("plan_id", "expected_close", "pk")
        )

    def create(self, request: Any) -> Response:
        body = s.OpportunityCreateSerializer(data=request.data, parents=visible_plans(request.user))
        body.is_valid(raise_exception=True)
        made = opportunities_services.opportunity_create(actor=request.user, **body.validated_data)
        made = self.get_queryset().get(pk=made.pk)
        response = Response(self.get_serializer(made).data, status=status.HTTP_201_CREATED)
        return with_etag(response, made)

    def versioned_update(self, obj: Opportunity, version: int, fields: dict[str, Any]) -> Any:
        opportunities_services.opportunity_update(
            opportunity=obj, expected_version=version, actor=self.request.user, **fields
        )
        return self.get_queryset().get(pk=obj.pk)


@extend_schema_view(
    list=extend_schema(summary="Service commitments you may see, with their latest measurement"),
    retrieve=extend_schema(summary="One service commitment"),
)
class CommitmentViewSet(ReadOnlyKamViewSet):
    """Service commitments: read by operations, directors and the account's people; status
    is computed from measurements."""

    serializer_class = s.CommitmentSerializer
    filterset_class = CommitmentApiFilterSet
    ordering_fields = ["due_date", "status", "id"]

    def get_queryset(self) -> QuerySet[Commitment]:
        if self.is_schema_generation():
            return Commitment.objects.none()
        return commitments.commitments_with_latest(
            Commitment.objects.visible_to(self.request.user).select_related("responsible_team")
        ).order_by("account_id", "pk")


@extend_schema_view(
    list=extend_schema(summary="Measurements of the commitments you may see, latest first"),
    retrieve=extend_schema(summary="One measurement"),
)
class MeasurementViewSet(ReadOnlyKamViewSet):
    """Measurements of service commitments: recorded by operations (and administrators); the
    commitment's status follows at once."""

    serializer_class = s.MeasurementSerializer
    filterset_class = MeasurementFilterSet
    ordering_fields = ["period_end", "recorded_at", "id"]

    def get_queryset(self) -> QuerySet[Measurement]:
        if self.is_schema_generation():
            return Measurement.objects.none()
        return (
            Measurement.objects.filter(
                commitment__in=Commitment.objects.visible_to(self.request.user)
            )
            .select_related("recorded_by")
            .order_by(*commitments.LATEST_FIRST)
        )

    @extend_schema(
        summary="Record a measurement of a commitment (operations); its status follows",
        request=s.MeasurementCreateSerializer,
        responses={201: s.MeasurementSerializer},
    )
    def create(self, request: Any) -> Response:
        body = s.MeasurementCreateSerializer(
            data=request.data, parents=Commitment.objects.visible_to(request.user)
        )
        body.is_valid(raise_exception=True)
        measurement = commitments_services.measurement_record(
            actor=request.user, **body.validated_data
        )
        measurement = self.get_queryset().get(pk=measurement.pk)
        return Response(self.get_serializer(measurement).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Your notifications, newest first"),
    retrieve=extend_schema(summary="One of your notifications"),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, KamViewSet):
    """Your own in-app notifications."""

    serializer_class = s.NotificationSerializer
    filterset_class = NotificationFilterSet
    ordering_fields = ["created_at", "id"]

    def get_queryset(self) -> QuerySet[Notification]:
        if self.is_schema_generation():
            return Notification.objects.none()
        return commitments.notifications_of(self.request.user)

    @extend_schema(
        summary="Mark your notifications read (all, or those listed)",
        request=s.MarkReadSerializer,
        responses=s.MarkedSerializer,
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request: Any) -> Response:
        body = s.MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        marked = commitments_services.notifications_mark_read(
            user=request.user, notification_ids=body.validated_data.get("ids")
        )
        return Response({"marked": marked})


def register(router: BaseRouter) -> None:
    router.register("plans", PlanViewSet, basename="plan")
    router.register("plan-versions", PlanVersionViewSet, basename="planversion")
    router.register("plan-sections", PlanSectionViewSet, basename="plansection")
    router.register("objectives", ObjectiveViewSet, basename="objective")
    router.register("actions", ActionViewSet, basename="action")
    router.register("action-notes", ActionNoteViewSet, basename="actionnote")
    router.register("opportunities", OpportunityViewSet, basename="opportunity")
    router.register("commitments", CommitmentViewSet, basename="commitment")
    router.register("measurements", MeasurementViewSet, basename="measurement")
    router.register("notifications", NotificationViewSet, basename="notification")
