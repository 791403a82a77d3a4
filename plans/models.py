"""Account plans (sections, objectives, solutions, actions, versions) and service commitments."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, When
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.models import MONEY, Account, Contact, ProductCategory, Stage
from kam import rules as kam_rules
from kam.bounds import validate_in_range, validate_note_length, validate_text_length


def _served_account_ids(user: Any) -> models.QuerySet:
    return Account.objects.served_by(user).values("pk")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    # Changed since its last approval: the account still runs by the approved version.
    REVISED = "revised", "Revised: needs re-approval"
    # The review date has passed and the periodic review is due (the value stays, for the API
    # and stored data; the label must not read as "waiting for the director": that is submitted).
    UNDER_REVIEW = "under_review", "Review overdue"
    ARCHIVED = "archived", "Archived"


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> PlanQuerySet:
        """Plans are read by directors, admins and the account's own people, nobody else."""
        if kam_rules.sees_whole_portfolio(user):
            return self
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(account__in=_served_account_ids(user))


def waiting_since() -> Case:
    """When a plan started waiting for a decision: its submission while it is submitted, else
    nothing (the plans list's "Waiting since" order, and its index)."""
    return Case(When(status=PlanStatus.SUBMITTED, then=F("submitted_at")))


class Plan(models.Model):
    """One living plan per key account and period."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="plans")
    title = models.CharField(max_length=200)
    period_start = models.DateField(validators=[validate_in_range])
    period_end = models.DateField(validators=[validate_in_range])
    status = models.CharField(max_length=12, choices=PlanStatus, default=PlanStatus.DRAFT)
    review_date = models.DateField(
        validators=[validate_in_range], help_text="When the plan is next due for review"
    )
    investment_budget = models.DecimalField(
        "investment required", null=True, blank=True, validators=[MinValueValidator(0)], **MONEY
    )
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_version = models.ForeignKey(
        "PlanVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The version the last approval approved: a revision is compared with it",
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = PlanQuerySet.as_manager()

    # What a plan's details edit may change (page, API and service); the rest follows the
    # lifecycle or is set when the plan starts.
    EDITABLE_FIELDS = ("title", "review_date", "period_end", "investment_budget")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "period_start"],
                condition=~Q(status=PlanStatus.ARCHIVED),
                name="plan_one_active_per_account_and_period",
                violation_error_message="This account already has an active plan for that period.",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")), name="plan_period_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-period_start"]),
            models.Index(fields=["status", "review_date"]),
            # The plans list's default order (the longest waiting first, then review date and
            # id) over the plans it shows: its first page read in index order (ascending puts
            # the plans not waiting last on PostgreSQL, as the list's NULLS LAST does).
            models.Index(
                waiting_since(),
                F("review_date"),
                F("id"),
                condition=~Q(status=PlanStatus.ARCHIVED),
                name="plan_waiting_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SectionKind(models.TextChoices):
    """The free-text sections of a plan, in the order the plan reads."""

    POSITION = "position", "Customer position and strategy"
    STRENGTHS = "strengths", "SWOT: strengths"
    WEAKNESSES = "weaknesses", "SWOT: weaknesses"
    OPPORTUNITIES = "opportunities", "SWOT: opportunities"
    THREATS = "threats", "SWOT: threats"
    COMPETITION = "competition", "Competitive environment"
    NEEDS = "needs", "Customer needs and success factors"
    PERCEPTION = "perception", "How the customer sees us"
    RESOURCES = "resources", "Resources and investment required"


# What of a plan a customer may read (the customer-facing review pack and the shared plan):
# their position and their needs; never our SWOT, the competition, how we think they see us or
# the resources. Objectives on our profit or our share of their wallet stay internal too.
CUSTOMER_SECTIONS = (SectionKind.POSITION, SectionKind.NEEDS)


class PlanSection(models.Model):
    """A free-text section; `version` guards against lost updates."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(max_length=16, choices=SectionKind)
    body = models.TextField(blank=True, validators=[validate_text_length])
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "kind"], name="plan_section_once_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.get_kind_display()}"


class PlanText(models.Model):
    """A long text of a plan (a section's body, a solution's or an action's description) as
    one or more of its versions hold it, stored once per plan: a version's snapshot names it
    by its digest (plans.selectors.snapshot_text_refs), so a save stores only the texts it
    changed, not a copy of every section."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the text, in hex")
    body = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "digest"], name="plan_text_once_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.digest[:12]}"


class PlanVersion(models.Model):
    """A saved, immutable snapshot of the whole plan; any two can be compared. Its long texts
    are PlanTexts, named in the snapshot by digest."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    note = models.CharField(max_length=200, blank=True)
    comment = models.TextField(
        blank=True, help_text="What the director said approving or sending back, or why archived"
    )
    # A milestone (a lifecycle step, a named version, the start) is always kept as it is; a
    # content save is not, and the same person's next save soon after folds into it.
    milestone = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} v{self.number}"


class ObjectiveMetric(models.TextChoices):
    REVENUE = "revenue", "Revenue"
    PROFIT = "profit", "Net profit"
    SHARE_OF_WALLET = "share_of_wallet", "Share of wallet %"
    STAGE = "stage", "Relationship stage"


CUSTOMER_HIDDEN_METRICS = frozenset({ObjectiveMetric.PROFIT, ObjectiveMetric.SHARE_OF_WALLET})


class Objective(models.Model):
    """A measurable objective; progress is computed from actual data, never typed."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objectives")
    metric = models.CharField(max_length=16, choices=ObjectiveMetric)
    description = models.CharField(max_length=240, blank=True)
    baseline_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    target_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    target_stage = models.CharField(max_length=16, choices=Stage, blank=True)
    due_date = models.DateField(validators=[validate_in_range])
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(metric=ObjectiveMetric.STAGE) & ~Q(target_stage=""))
                | (~Q(metric=ObjectiveMetric.STAGE) & Q(target_value__isnull=False)),
                name="objective_has_target",
                violation_error_message="A stage objective needs a target stage, others a value.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} by {self.due_date}"


class Solution(models.Model):
    """A solution we offer that adds measurable value for the customer."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="solutions")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, validators=[validate_text_length])
    value_measure = models.CharField(
        max_length=200, help_text="How the value is measured, e.g. 'scrap rate down 2 points'"
    )
    value_amount = models.DecimalField(
        "estimated annual value", null=True, blank=True, validators=[MinValueValidator(0)], **MONEY
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.title


class ActionFamily(models.TextChoices):
    PERSONAL_TRUST = "personal_trust", "Personal trust"
    TECHNICAL_SUPPORT = "technical_support", "Technical support"
    RESOURCE_SUPPORT = "resource_support", "Resource support"
    SERVICE_LEVELS = "service_levels", "Service levels"
    RISK_REDUCTION = "risk_reduction", "Risk reduction"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Action(models.Model):
    """A relationship-building action in one of the five families."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    family = models.CharField(max_length=20, choices=ActionFamily)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, validators=[validate_text_length])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plan_actions"
    )
    due_date = models.DateField(validators=[validate_in_range])
    status = models.CharField(max_length=12, choices=ActionStatus, default=ActionStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Every change (by its KAM or its owner) is kept, with who and why (plans.history.ACTION).
    history = HistoricalRecords(excluded_fields=["updated_at"])

    # What an action's owner may change (plans.services.items.action_progress), besides adding
    # a progress note: how far it has come and when it will be done, nothing else of the plan.
    PROGRESS_FIELDS = ("status", "due_date")

    class Meta:
        indexes = [
            models.Index(fields=["plan", "due_date"]),
            models.Index(fields=["status", "due_date"]),
            # The actions list's default order (due date, then id): its first page is read
            # in index order, not by sorting every action.
            models.Index(fields=["due_date", "id"], name="action_due_order"),
            models.Index(fields=["owner", "status"]),
        ]

    def __str__(self) -> str:
        return self.title


class ActionNote(models.Model):
    """A progress note on an action, by its owner or a KAM: kept, never edited."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(validators=[validate_note_length])

    class Meta:
        indexes = [models.Index(fields=["action", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action_id}: {self.text[:40]}"


class ServiceTeam(models.Model):
    """An operations team responsible for commitments (logistics, quality, customer service)."""

    name = models.CharField(max_length=80, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="service_teams", blank=True
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpportunityStatus(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


LOST_REASON_MAX = 240


class Opportunity(models.Model):
    """A selling opportunity in a product category at a member of the plan's account (today
    the account itself): pipeline tied to the plan, not part of its approved content."""

    EDITABLE_FIELDS = (
        "category",
        "member",
        "estimated_value",
        "probability",
        "expected_close",
        "owner",
        "status",
        "lost_reason",
    )

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="opportunities")
    category = models.ForeignKey(
        ProductCategory, on_delete=models.PROTECT, related_name="opportunities"
    )
    # Named `member`, not `account`: the permission rules find the account through the plan.
    member = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="opportunities")
    estimated_value = models.DecimalField(
        "estimated annual value", validators=[MinValueValidator(0)], **MONEY
    )
    probability = models.PositiveSmallIntegerField(
        "probability %", validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    expected_close = models.DateField("expected close date", validators=[validate_in_range])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="opportunities"
    )
    status = models.CharField(
        max_length=8, choices=OpportunityStatus, default=OpportunityStatus.OPEN
    )
    lost_reason = models.CharField(max_length=LOST_REASON_MAX, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name_plural = "opportunities"
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_value__gte=0), name="opportunity_value_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(probability__gte=0, probability__lte=100),
                name="opportunity_probability_0_100",
            ),
            models.CheckConstraint(
                condition=~Q(status=OpportunityStatus.LOST) | ~Q(lost_reason=""),
                name="opportunity_lost_has_reason",
                violation_error_message="A lost opportunity needs the reason it was lost.",
            ),
        ]
        indexes = [
            models.Index(fields=["plan", "status"]),
            models.Index(fields=["member", "category", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.category} at {self.member}"


class CommitmentCategory(models.TextChoices):
    DELIVERY_RELIABILITY = "delivery_reliability", "Delivery reliability"
    JUST_IN_TIME = "just_in_time", "Just-in-time delivery"
    REORDER_SYSTEM = "reorder_system", "Reorder system"
    QUOTE_TURNAROUND = "quote_turnaround", "Quote turnaround"
    DEFECT_RATE = "defect_rate", "Defect rate"
    PRIORITY_SUPPLY = "priority_supply", "Priority access to urgent supply"
    DEDICATED_STOCK = "dedicated_stock", "Dedicated stock"
    TECHNICAL_RESPONSE = "technical_response", "Technical response time"
    OTHER = "other", "Other"


class Comparison(models.TextChoices):
    AT_LEAST = "gte", "at least (>=)"
    AT_MOST = "lte", "at most (<=)"
    BY_DATE = "due", "delivered by a date"


class CommitmentStatus(models.TextChoices):
    MET = "met", "Met"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"
    DUE = "due", "Due"


class CommitmentQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> CommitmentQuerySet:
        """Operations, directors and admins read every commitment; KAMs those of their accounts."""
        if kam_rules.sees_every_account(user):
            return self
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(account__in=_served_account_ids(user))


class Commitment(models.Model):
    """A service promise to one key account, with a measurable target; status is computed."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="commitments")
    plan = models.ForeignKey(
        Plan, on_delete=models.SET_NULL, null=True, blank=True, related_name="commitments"
    )
    category = models.CharField(max_length=24, choices=CommitmentCategory)
    promise = models.CharField(max_length=240)
    comparison = models.CharField(max_length=3, choices=Comparison)
    target_value = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    unit = models.CharField(max_length=16, blank=True, help_text="e.g. %, h, days")
    due_date = models.DateField(
        validators=[validate_in_range], null=True, blank=True, help_text="For one-off promises"
    )
    cadence_days = models.PositiveSmallIntegerField(
        default=30, help_text="A measurement is expected at least this often"
    )
    at_risk_margin = models.DecimalField(
        max_digits=12,
        decimal_places=3,
        default=0,
        validators=[MinValueValidator(0)],
        help_text="Within this distance of the target (on the good side) counts as at risk",
    )
    responsible_team = models.ForeignKey(
        ServiceTeam, on_delete=models.PROTECT, related_name="commitments"
    )
    status = models.CharField(max_length=10, choices=CommitmentStatus, default=CommitmentStatus.DUE)
    status_changed_at = models.DateTimeField(default=timezone.now)
    # When the next measurement (a one-off: the delivery) is expected, stored by the evaluator
    # with the status (plans.status.commitment_next_due; None once a one-off is delivered):
    # the ops board orders by it without reading every commitment's latest measurement.
    next_due = models.DateField(null=True, blank=True, editable=False)
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "next_due"])
    objects = CommitmentQuerySet.as_manager()

    # The terms as proposed: what the plan's proposal form and the API show and History tracks.
    TERMS = (
        "category",
        "promise",
        "comparison",
        "target_value",
        "unit",
        "due_date",
        "cadence_days",
        "at_risk_margin",
        "responsible_team",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(comparison=Comparison.BY_DATE) & Q(due_date__isnull=False))
                | (~Q(comparison=Comparison.BY_DATE) & Q(target_value__isnull=False)),
                name="commitment_has_target",
                violation_error_message="A one-off promise needs a due date, others a target.",
            ),
            models.CheckConstraint(
                condition=Q(at_risk_margin__gte=0), name="commitment_margin_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(cadence_days__gte=1), name="commitment_cadence_gte_1"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "active"]),
            models.Index(fields=["account", "status"]),
            models.Index(fields=["responsible_team", "status"]),
        ]

    def __str__(self) -> str:
        return self.promise


class Measurement(models.Model):
    """A measured value of a commitment over a period, recorded by operations."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="measurements"
    )
    value = models.DecimalField(max_digits=12, decimal_places=3)
    period_start = models.DateField(validators=[validate_in_range])
    period_end = models.DateField(validators=[validate_in_range])
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="measurement_period_ordered"
            ),
        ]
        # In plans.selectors.LATEST_FIRST order, to the id: a commitment's latest measurement
        # is then its first entry (the board reads it for every commitment), with no sort.
        indexes = [models.Index(fields=["commitment", "-period_end", "-recorded_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.commitment_id}: {self.value} ({self.period_start}..{self.period_end})"


class CommitmentStatusChange(models.Model):
    """A change of a commitment's computed status; notifications key on it (sent once each)."""

    commitment = models.ForeignKey(
        Commitment, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=10, choices=CommitmentStatus)
    to_status = models.CharField(max_length=10, choices=CommitmentStatus)
    measurement = models.ForeignKey(
        Measurement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["commitment", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.commitment_id}: {self.from_status} -> {self.to_status}"


class Notification(models.Model):
    """An in-app notification; `dedupe_key` makes sending the same news twice impossible."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when its e-mail is claimed for sending (notification_emails_send): sent at most once.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], name="notification_once_per_recipient"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.subject


# --- The plan shared with the customer -------------------------------------------------------


class PlanShare(models.Model):
    """A personal link to the customer-facing view of a plan, for one DMU contact: only the
    SHA-256 digest of its random token is stored (as API tokens), it expires, and it can be
    revoked. It shows only what the KAM selected."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="shares")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="plan_shares")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token, hex")
    sections = models.JSONField(default=list, blank=True, help_text="The section kinds shown")
    objectives = models.ManyToManyField(Objective, blank=True, related_name="+")
    actions = models.ManyToManyField(Action, blank=True, related_name="+")
    commitments = models.ManyToManyField(Commitment, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["plan", "-created_at"])]

    def __str__(self) -> str:
        return f"Plan {self.plan_id} shared with {self.contact_id}"

    def is_open(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class PlanShareOpening(models.Model):
    """One opening of a shared plan's link: when, and (through the link) by which contact."""

    share = models.ForeignKey(PlanShare, on_delete=models.CASCADE, related_name="openings")
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["share", "-opened_at"])]

    def __str__(self) -> str:
        return f"{self.share_id} opened {self.opened_at:%Y-%m-%d %H:%M}"


class ResponseKind(models.TextChoices):
    ACKNOWLEDGED = "ack", "Acknowledged"
    COMMENT = "comment", "Comment"


class PlanShareResponse(models.Model):
    """A customer contact's answer to an action of a shared plan: an acknowledgement or a
    comment (plain text, bounded, shown escaped); notified to the KAM, kept in the history."""

    MAX_COMMENT = 2000

    share = models.ForeignKey(PlanShare, on_delete=models.CASCADE, related_name="responses")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="customer_responses")
    kind = models.CharField(max_length=8, choices=ResponseKind)
    body = models.TextField(blank=True, validators=[MaxLengthValidator(MAX_COMMENT)])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["share", "action"],
                condition=Q(kind="ack"),
                name="plan_share_ack_once_per_action",
            )
        ]
        indexes = [models.Index(fields=["share", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.share_id}: {self.kind} on {self.action_id}"
