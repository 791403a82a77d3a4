"""Reads of accounts shared by the pages, the API and tasks.

Every read starts from `Account.objects.visible_to(user)`, so a list never shows an account
its detail page would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    CharField,
    DecimalField,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Value,
)

from accounts.models import (
    Account,
    Contact,
    DesignationChange,
    StageChange,
    TeamMembership,
    User,
)
from kam import rules as kam_rules
from plans.models import Commitment, Plan
from scoring.models import AccountScore, CriterionScore, ScoringRun

# Row-level fields every account list reads from the current scoring run.
SCORE_FIELDS = {
    "score_revenue": DecimalField(max_digits=16, decimal_places=2),
    "score_attractiveness": DecimalField(max_digits=5, decimal_places=2),
    "score_quadrant": CharField(max_length=10),
}


def with_current_scores(queryset: QuerySet[Account], run: ScoringRun | None) -> QuerySet[Account]:
    """Annotate each account with its figures from `run` (None before the first run).

    A FilteredRelation makes this one LEFT JOIN on (run, account), which the unique
    constraint on AccountScore keeps to at most one row per account: the page stays a single
    query however many accounts it holds, and the database can sort and filter on the figures.
    """
    if run is None:
        return queryset.annotate(
            **{name: Value(None, output_field=output) for name, output in SCORE_FIELDS.items()}
        )
    return queryset.annotate(
        current_score=FilteredRelation("scores", condition=Q(scores__run=run)),
        score_revenue=F("current_score__revenue"),
        score_attractiveness=F("current_score__attractiveness"),
        score_quadrant=F("current_score__quadrant"),
    )


def list_shows_scores(user: Any) -> bool:
    """Whether a list of the user's visible accounts may carry their scores.

    `scoring.view_score` is for those who read the whole portfolio and for an account's own
    people. A KAM's visible accounts are exactly those they serve, so all their rows qualify;
    operations see every account but not its score, so their lists carry none.
    """
    # Role helpers rather than has_perm: a denied has_perm falls through to Django's model
    # permissions, two more queries on every page.
    return kam_rules.sees_whole_portfolio(user) or "operations" not in kam_rules.roles_of(user)


def accounts_for_list(*, user: Any, run: ScoringRun | None) -> QuerySet[Account]:
    """The accounts `user` may see, with their KAM and, where allowed, current-run figures."""
    visible = Account.objects.visible_to(user).select_related("kam")
    return with_current_scores(visible, run if list_shows_scores(user) else None)


@dataclass(frozen=True)
class AccountFacets:
    """The values the list can be filtered by, drawn from the accounts the user can see."""

    industries: list[str]
    regions: list[str]
    kams: list[User]


def account_facets(*, user: Any) -> AccountFacets:
    """Distinct industries, regions and KAMs among the user's visible accounts (three queries)."""
    visible = Account.objects.visible_to(user).order_by()

    def distinct_values(name: str) -> list[str]:
        return list(
            visible.exclude(**{name: ""}).values_list(name, flat=True).distinct().order_by(name)
        )

    kams = User.objects.filter(pk__in=visible.filter(kam__isnull=False).values("kam_id")).order_by(
        "last_name", "first_name", "username"
    )
    return AccountFacets(
        industries=distinct_values("industry"),
        regions=distinct_values("region"),
        kams=list(kams),
    )


@dataclass
class AccountPage:
    """Everything the account page shows; sections the user may not see stay empty/None."""

    account: Account
    team: list[TeamMembership]
    commitments: list[Commitment]
    run: ScoringRun | None = None
    score: AccountScore | None = None
    criterion_scores: list[CriterionScore] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    stage_changes: list[StageChange] = field(default_factory=list)
    designation_changes: list[DesignationChange] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)

    @property
    def score_total(self) -> Decimal:
        """The sum of the contributions: equal to the attractiveness score by construction."""
        return sum((row.contribution for row in self.criterion_scores), Decimal("0.00"))


def visible_account(*, user: Any, pk: int) -> Account:
    """The account with its KAM, or Account.DoesNotExist when missing or not visible."""
    return Account.objects.visible_to(user).select_related("kam").get(pk=pk)


def account_page(
    *,
    account: Account,
    run: ScoringRun | None,
    include_details: bool,
    include_plans: bool,
    include_commitments: bool,
) -> AccountPage:
    """Read the account page's sections with a fixed number of queries (one per section).

    The caller decides from the user's permissions which sections to include; a section
    left out is not queried at all, so nothing the user may not see is ever loaded.
    """
    team = list(
        TeamMembership.objects.filter(account=account)
        .select_related("user")
        .order_by("functional_role", "user__last_name", "user__first_name", "pk")
    )
    commitments: list[Commitment] = []
    if include_commitments:
        commitments = list(
            Commitment.objects.filter(account=account, active=True)
            .select_related("responsible_team")
            .order_by("category", "pk")
        )
    page = AccountPage(account=account, team=team, commitments=commitments, run=run)
    if include_details:
        page.contacts = list(
            Contact.objects.filter(account=account)
            .select_related("relationship_owner")
            .order_by("-influence", "name", "pk")
        )
        page.stage_changes = list(
            StageChange.objects.filter(account=account)
            .select_related("changed_by")
            .order_by("-changed_at", "-pk")
        )
        page.designation_changes = list(
            DesignationChange.objects.filter(account=account)
            .select_related("from_kam", "to_kam", "changed_by")
            .order_by("-changed_at", "-pk")
        )
        if run is not None:
            page.score = AccountScore.objects.filter(run=run, account=account).first()
            page.criterion_scores = list(
                CriterionScore.objects.filter(run=run, account=account)
                .select_related("criterion")
                .order_by("criterion__position", "criterion__key")
            )
    if include_plans:
        page.plans = list(Plan.objects.filter(account=account).order_by("-period_start", "-pk"))
    return page
