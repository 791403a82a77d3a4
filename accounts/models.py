"""Customers and what we know of them: status, stage, KAM and team, DMU, sales and activities."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from simple_history.models import HistoricalRecords

from kam import rules as kam_rules
from kam.bounds import MAX_INTERACTION_NOTE, validate_in_range

MONEY = {"max_digits": 16, "decimal_places": 2}
ZERO = Decimal("0.00")


class User(AbstractUser):
    """A person using KAM; roles come from groups (see kam.rules)."""

    # Part of the session hash: rotating it logs the user out of every browser at once.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django checks this hash on every request; it changes with the password or with
        `session_generation`, so "log out everywhere" ends every other session."""
        return salted_hmac(
            "kam.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class AccountStatus(models.TextChoices):
    STANDARD = "standard", "Standard"
    CANDIDATE = "candidate", "Candidate"
    KEY = "key", "Key account"


class Stage(models.TextChoices):
    """The relationship ladder, in order, plus `disengaging` for a relationship in decline."""

    EXPLORATORY = "exploratory", "Exploratory"
    TACTICAL = "tactical", "Tactical"
    COOPERATIVE = "cooperative", "Cooperative"
    INTERDEPENDENT = "interdependent", "Interdependent"
    STRATEGIC = "strategic", "Strategic"
    DISENGAGING = "disengaging", "Disengaging"


STAGE_ORDER = {stage.value: index for index, stage in enumerate(Stage)}


class GeographicScope(models.TextChoices):
    LOCAL = "local", "Local"
    NATIONAL = "national", "National"
    INTERNATIONAL = "international", "International"


class Tier(models.IntegerChoices):
    ONE = 1, "Tier 1"
    TWO = 2, "Tier 2"
    THREE = 3, "Tier 3"


class AccountQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> AccountQuerySet:
        """Accounts the user may open: everything for directors, admins and operations,
        the accounts they serve (as KAM or team member) for everyone else."""
        if kam_rules.sees_every_account(user):
            return self
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.served_by(user)

    def with_details_visible_to(self, user: Any) -> AccountQuerySet:
        """Accounts whose details (contacts, sales, activities, scores, ratings, snapshots, stage
        history) the user may read: `accounts.view_account_details` = directors, administrators
        and the account's own people. Operations see every account's basics, but none of these."""
        if kam_rules.sees_whole_portfolio(user):
            return self.all()
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.served_by(user)

    def served_by(self, user: Any) -> AccountQuerySet:
        """The accounts the user serves as KAM or team member, and every member of those
        groups at any depth (the group's people serve its entities and plants)."""
        # A UNION of two index lookups: "kam = me OR id IN (my teams)" made PostgreSQL scan
        # every account (80 ms at 50,000 accounts against 0.3 ms for this form); the members
        # below them are walked down the parent index.
        return self.filter(pk__in=RawSQL(SERVED_SQL, [user.pk, user.pk]))

    def key(self) -> AccountQuerySet:
        return self.filter(status=AccountStatus.KEY)

    def units(self) -> AccountQuerySet:
        """Units of selection: the tops of the trees (groups and standalone accounts)."""
        return self.filter(parent__isnull=True)

    def subtree(self, root_id: int) -> AccountQuerySet:
        """The account `root_id` and every account below it, at any depth, in one query (a
        recursive CTE, on PostgreSQL and SQLite alike)."""
        return self.filter(pk__in=RawSQL(SUBTREE_SQL, [root_id]))


ACCOUNT_TABLE = "accounts_account"
# No limit a real group reaches (group -> region -> country -> entity -> plant is 5): it only
# bounds a walk up should a cycle ever be stored behind the services' back.
MAX_DEPTH = 100
# The ids of a subtree, root included: one recursive CTE that both databases run as written.
SUBTREE_SQL = f"""
WITH RECURSIVE subtree(id) AS (
    SELECT id FROM {ACCOUNT_TABLE} WHERE id = %s
    UNION
    SELECT child.id FROM {ACCOUNT_TABLE} child JOIN subtree ON child.parent_id = subtree.id
)
SELECT id FROM subtree
"""
SERVED_SQL = f"""
WITH RECURSIVE served(id) AS (
    SELECT id FROM {ACCOUNT_TABLE} WHERE kam_id = %s
    UNION
    SELECT account_id FROM accounts_teammembership WHERE user_id = %s
    UNION
    SELECT child.id FROM {ACCOUNT_TABLE} child JOIN served ON child.parent_id = served.id
)
SELECT id FROM served
"""
# The chain above an account, nearest first, with each ancestor's depth above it (1 = parent).
ANCESTORS_SQL = f"""
WITH RECURSIVE chain(id, parent_id, up) AS (
    SELECT id, parent_id, 0 FROM {ACCOUNT_TABLE} WHERE id = %s
    UNION
    SELECT a.id, a.parent_id, chain.up + 1
    FROM {ACCOUNT_TABLE} a JOIN chain ON a.id = chain.parent_id
    WHERE chain.up < {MAX_DEPTH}
)
SELECT id FROM chain WHERE up > 0 ORDER BY up
"""


def ancestor_ids(account_id: int) -> list[int]:
    """The accounts above `account_id`, its parent first and the top of its tree last (one
    query). MAX_DEPTH ends the walk should a cycle ever be stored."""
    with connection.cursor() as cursor:
        cursor.execute(ANCESTORS_SQL, [account_id])
        return [row[0] for row in cursor.fetchall()]


class Account(models.Model):
    """A B2B customer. `status=key` makes it a key account with exactly one dedicated KAM."""

    erp_code = models.CharField("ERP code", max_length=40, unique=True)
    name = models.CharField(max_length=200)
    industry = models.CharField(max_length=80, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code")
    region = models.CharField(max_length=40, blank=True)
    geographic_scope = models.CharField(
        max_length=16, choices=GeographicScope, default=GeographicScope.NATIONAL
    )
    turnover = models.DecimalField(
        "customer's own turnover", null=True, blank=True, validators=[MinValueValidator(0)], **MONEY
    )
    market_growth_pct = models.DecimalField(
        "market growth %", max_digits=6, decimal_places=2, null=True, blank=True
    )
    category_spend = models.DecimalField(
        "customer's total spend in our category",
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **MONEY,
    )
    status = models.CharField(max_length=10, choices=AccountStatus, default=AccountStatus.STANDARD)
    tier = models.PositiveSmallIntegerField(choices=Tier, null=True, blank=True)
    kam = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="key account manager",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="kam_accounts",
    )
    stage = models.CharField(max_length=16, choices=Stage, default=Stage.EXPLORATORY)
    stage_since = models.DateTimeField(default=timezone.now)
    designated_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    # The group this account belongs to (group -> region -> country entity -> plant); blank at
    # the top of a tree. The top is the unit of selection: designation, KAM, team, stage,
    # ratings and the plan belong to it (accounts/services.py `account_move`).
    parent = models.ForeignKey(
        "self",
        verbose_name="group (parent account)",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = AccountQuerySet.as_manager()

    # The customer's own details besides its code and name, as the ERP's master data holds
    # them: what the customers import writes and what the API, the export and History show.
    PROFILE_FIELDS = (
        "industry",
        "country",
        "region",
        "geographic_scope",
        "turnover",
        "market_growth_pct",
        "category_spend",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=AccountStatus.KEY) | Q(kam__isnull=False),
                name="account_key_has_kam",
                violation_error_message="A key account needs its dedicated key account manager.",
            ),
            models.CheckConstraint(
                condition=Q(turnover__isnull=True) | Q(turnover__gte=0),
                name="account_turnover_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=models.F("id")),
                name="account_not_its_own_parent",
                violation_error_message="An account cannot be its own group.",
            ),
            models.CheckConstraint(
                condition=Q(category_spend__isnull=True) | Q(category_spend__gte=0),
                name="account_category_spend_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "name"]),
            # The few key and candidate accounts' ids from the index alone: the workbench, its
            # what-if and the dashboard's top N match the run's scores against them.
            models.Index(fields=["status", "id"], name="account_status_ids"),
            models.Index(fields=["kam", "status"]),
            models.Index(fields=["stage"]),
            # The live census of the portfolio (scoring.portfolio.tiles.account_census): the
            # units of selection counted by stage and status from the index alone. Without the
            # id its entries deduplicate (13 keys: 200 pages at 250,000 accounts against 2,000
            # with it), so PostgreSQL reads it rather than scan the table (64 -> 25 ms).
            models.Index(
                fields=["stage", "status"],
                condition=models.Q(parent__isnull=True),
                name="account_unit_census",
            ),
            # The KAM loads (scoring.portfolio.tiles.kam_loads): each KAM's units of selection
            # and key accounts counted from the index alone.
            models.Index(
                fields=["kam", "status", "id"],
                condition=models.Q(kam__isnull=False, parent__isnull=True),
                name="account_kam_units",
            ),
            models.Index(fields=["name"]),
            models.Index(fields=["industry"]),
            models.Index(fields=["region"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.erp_code})"

    @property
    def is_key(self) -> bool:
        return self.status == AccountStatus.KEY

    @property
    def is_member(self) -> bool:
        return self.parent_id is not None


class StageChange(models.Model):
    """One move on the relationship ladder: who, when, why. Append-only."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=16, choices=Stage, blank=True)
    to_stage = models.CharField(max_length=16, choices=Stage)
    reason = models.TextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["account", "-changed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_stage=models.F("to_stage")), name="stage_change_moves"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.from_stage or '-'} -> {self.to_stage}"


class DesignationChange(models.Model):
    """A change of an account's status or KAM, with the director's reason. Append-only."""

    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="designation_changes"
    )
    from_status = models.CharField(max_length=10, choices=AccountStatus)
    to_status = models.CharField(max_length=10, choices=AccountStatus)
    from_kam = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_kam = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["account", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.from_status} -> {self.to_status}"


class FunctionalRole(models.TextChoices):
    SALES = "sales", "Sales"
    ENGINEERING = "engineering", "Engineering"
    MARKETING = "marketing", "Marketing"
    FINANCE = "finance", "Finance"
    IT = "it", "IT"
    RND = "rnd", "R&D"
    LOGISTICS = "logistics", "Logistics"
    CUSTOMER_SERVICE = "customer_service", "Customer service"
    EXECUTIVE_SPONSOR = "executive_sponsor", "Executive sponsor"


class TeamMembership(models.Model):
    """A person on an account's cross-functional team, in one functional role."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="team_memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    functional_role = models.CharField(max_length=20, choices=FunctionalRole)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="team_member_once_per_account")
        ]
        indexes = [models.Index(fields=["user", "account"])]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_functional_role_display()}) on {self.account_id}"


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", "Decision maker"
    INFLUENCER = "influencer", "Influencer"
    USER = "user", "User"
    BUYER = "buyer", "Buyer"
    GATEKEEPER = "gatekeeper", "Gatekeeper"


class Attitude(models.TextChoices):
    SUPPORTER = "supporter", "Supporter"
    NEUTRAL = "neutral", "Neutral"
    DETRACTOR = "detractor", "Detractor"


class Quadrant(models.TextChoices):
    """An account's quadrant in the portfolio matrix (attractiveness x relative strength): the
    scoring run places each account (scoring/engine); account lists show and filter by it."""

    STRATEGIC = "strategic", "Strategic"
    STAR = "star", "Star"
    STATUS = "status", "Status"
    STREAMLINE = "streamline", "Streamline"


# DMU coverage: a contact counts as influential from this influence (1-5) on, and as covered
# when it has a relationship owner and was contacted within this many days before as_of (the
# account page and the scoring engine both count it so).
DMU_MIN_INFLUENCE = 4
DMU_RECENT_DAYS = 90
# A contact's influence, 1 (low) to 5 (high).
INFLUENCE_VALUES = range(1, 6)


CONTACT_EMAIL_TAKEN = "Another contact of this account has this e-mail address."


class Contact(models.Model):
    """A person in the customer's decision-making unit (DMU)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=120)
    title = models.CharField(max_length=120, blank=True)
    function = models.CharField(max_length=80, blank=True)
    buying_role = models.CharField(max_length=16, choices=BuyingRole)
    influence = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 (low) to 5 (high)"
    )
    attitude = models.CharField(max_length=10, choices=Attitude, default=Attitude.NEUTRAL)
    relationship_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_contacts",
    )
    last_contact_on = models.DateField(null=True, blank=True, validators=[validate_in_range])
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    # What the people serving the account may set: the form, the API and the services accept
    # exactly these, and History shows their changes.
    EDITABLE_FIELDS = (
        "name",
        "title",
        "function",
        "buying_role",
        "influence",
        "attitude",
        "relationship_owner",
        "last_contact_on",
        "email",
        "phone",
        "notes",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(influence__gte=1) & Q(influence__lte=5),
                name="contact_influence_1_to_5",
            ),
            # One person per e-mail address in an account's DMU, whatever its case: imports
            # and the API match contacts by it.
            models.UniqueConstraint(
                "account",
                Lower("email"),
                condition=~Q(email=""),
                name="contact_email_unique_per_account",
                violation_error_message=CONTACT_EMAIL_TAKEN,
            ),
        ]
        indexes = [models.Index(fields=["account", "name"])]

    def __str__(self) -> str:
        return self.name


class SalesLine(models.Model):
    """One invoiced line from the ERP. Millions of rows: indexed for per-account, per-period sums.

    The natural key (erp_document, erp_line) makes imports idempotent."""

    # No separate FK index: the (account, date) index serves every per-account lookup, and one
    # index less makes each bulk load of millions of lines measurably faster.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="sales_lines", db_index=False
    )
    date = models.DateField(validators=[validate_in_range])
    product_category = models.CharField(max_length=60, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    revenue = models.DecimalField(**MONEY)
    cost_of_goods = models.DecimalField(**MONEY)
    erp_document = models.CharField(max_length=40)
    erp_line = models.PositiveIntegerField()

    # Every field of a line as the ERP sends it (the API, the demo's bulk load).
    FIELDS = (
        "account",
        "date",
        "product_category",
        "quantity",
        "revenue",
        "cost_of_goods",
        "erp_document",
        "erp_line",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["erp_document", "erp_line"], name="sales_line_natural_key"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="sales_line_quantity_gte_0"),
            models.CheckConstraint(condition=Q(cost_of_goods__gte=0), name="sales_line_cogs_gte_0"),
        ]
        indexes = [
            models.Index(fields=["date"], name="sales_line_date"),
            models.Index(fields=["account", "date"], name="sales_line_account_date"),
        ]

    def __str__(self) -> str:
        return f"{self.erp_document}/{self.erp_line}"


class ActivityType(models.Model):
    """A cost-driving activity (sales visit, technical support hour, JIT delivery, ...)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    driver_unit = models.CharField(
        max_length=40, help_text="What one unit of the cost driver is, e.g. visit, hour, delivery"
    )
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    """Recorded special treatment for an account: quantity of driver units on a date."""

    account = models.ForeignKey(  # (account, date) index below serves FK lookups too
        Account, on_delete=models.PROTECT, related_name="activities", db_index=False
    )
    activity_type = models.ForeignKey(
        ActivityType, on_delete=models.PROTECT, related_name="activities"
    )
    date = models.DateField(validators=[validate_in_range])
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    note = models.CharField(max_length=200, blank=True)
    external_ref = models.CharField(
        max_length=60, null=True, blank=True, unique=True, help_text="Source system key"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=0), name="activity_quantity_gte_0"),
        ]
        indexes = [
            models.Index(fields=["date"], name="activity_date"),
            models.Index(fields=["account", "date"], name="activity_account_date"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_type_id} x{self.quantity} on {self.date}"


class InteractionKind(models.TextChoices):
    MEETING = "meeting", "Meeting"
    VISIT = "visit", "Visit at the customer"
    CALL = "call", "Phone call"
    VIDEO_CALL = "video_call", "Video call"
    EVENT = "event", "Event or trade show"


class Interaction(models.Model):
    """A meeting or call with DMU contacts of an account: who met whom, what was said, what
    comes next. Recording one sets each contact's last contact date (DMU coverage) and may
    record the matching cost-to-serve activity (`activity`). Append-only, like a diary."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="interactions")
    occurred_on = models.DateField("date", validators=[validate_in_range])
    kind = models.CharField("type", max_length=12, choices=InteractionKind)
    subject = models.CharField(max_length=200)
    contacts = models.ManyToManyField(Contact, related_name="interactions")
    our_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="interactions", verbose_name="our people"
    )
    notes = models.TextField(blank=True, validators=[MaxLengthValidator(MAX_INTERACTION_NOTE)])
    next_steps = models.TextField(
        "next steps", blank=True, validators=[MaxLengthValidator(MAX_INTERACTION_NOTE)]
    )
    activity = models.OneToOneField(
        Activity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interaction",
        help_text="The cost-to-serve activity recorded with it",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["account", "-occurred_on", "-id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on}: {self.subject}"


class ImportKind(models.TextChoices):
    """What a data import file holds (each app registers its kinds with kam.imports.kinds)."""

    CUSTOMERS = "customers", "Customers"
    SALES_LINES = "sales_lines", "Sales lines"
    ACTIVITIES = "activities", "Activities"
    COST_RATES = "cost_rates", "Cost rates"
    CONTACTS = "contacts", "Contacts"
    METRICS = "metrics", "Metric entries"
    RATINGS = "ratings", "Ratings"
    SPEND_ESTIMATES = "spend_estimates", "Spend estimates"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    VALIDATING = "validating", "Checking"
    VALIDATED = "validated", "Checked"
    IMPORTING = "importing", "Importing"
    IMPORTED = "imported", "Imported"
    REJECTED = "rejected", "Rejected"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class ImportJob(models.Model):
    """One uploaded file on its way in: dry run, then (all rows or none) the import.

    The upload is kept in the row itself so a Celery worker on another machine can read it
    without shared disk; it is cleared once the rows are imported, and by the daily housekeeping
    once the job is older than KAM_IMPORT_KEEP_DAYS (an unimported upload then expires)."""

    kind = models.CharField(max_length=20, choices=ImportKind)
    status = models.CharField(max_length=12, choices=ImportStatus, default=ImportStatus.UPLOADED)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    content = models.BinaryField(blank=True, default=b"")
    estimated_rows = models.PositiveIntegerField(default=0)
    blank_clears = models.BooleanField(
        default=False,
        help_text="Blank optional cells clear stored values (default: they keep them)",
    )
    report = models.JSONField(default=dict, blank=True)
    progress_pct = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    error = models.TextField(blank=True, help_text="An unexpected failure, for the administrator")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["-created_at"], name="import_job_newest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_pct__lte=100), name="import_job_progress_lte_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import {self.pk} ({self.status})"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 digest and a short prefix are stored: the token
    itself is shown once, when it is created, and a revoked token never authenticates again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=80, help_text="What the token is for, e.g. 'BI export'")
    prefix = models.CharField(max_length=12, help_text="The token's first characters, to tell it")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token, hex")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_newest")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ProductCategory(models.Model):
    """A product category of ours: the managed list the white-space map's columns come from.

    Holds the categories named on sales lines (added by the nightly run and the sales-line
    import) and those added by hand for products a customer buys only elsewhere so far."""

    name = models.CharField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = "product categories"

    def __str__(self) -> str:
        return self.name
