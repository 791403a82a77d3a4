"""Reads of accounts shared by the pages, the API and tasks: the account list and the account
page.

Every read starts from `Account.objects.visible_to(user)`, so a list never shows an account
its detail page would refuse.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    CharField,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Value,
)

from accounts.models import Account, Contact, DesignationChange, StageChange, TeamMembership, User
from accounts.selectors.history import PAGE_HISTORY_ENTRIES, HistoryEntry, account_history
from accounts.selectors.workspace import (
    DmuCoverage,
    DmuRow,
    dmu_coverage,
    dmu_grid,
    is_covered,
)
from kam import rules as kam_rules

# Row-level fields every account list reads from the current scoring run.
SCORE_FIELDS = {
    "score_revenue": DecimalField(max_digits=16, decimal_places=2),
    "score_attractiveness": DecimalField(max_digits=5, decimal_places=2),
    "score_quadrant": CharField(max_length=10),
    "score_health": DecimalField(max_digits=5, decimal_places=2),
    "score_health_band": CharField(max_length=5),
}


def with_current_scores(queryset: QuerySet[Account], run: Any) -> QuerySet[Account]:
    """Annotate each account with its figures from `run`, a scoring run (None before the first).

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
        score_health=F("current_score__health"),
        score_health_band=F("current_score__health_band"),
    )


def list_shows_scores(user: Any) -> bool:
    """Whether a list of the user's visible accounts may carry their scores
    (`scoring.view_score` on each of them; kam.rules says for whom that holds of them all)."""
    # A role helper rather than has_perm: a denied has_perm falls through to Django's model
    # permissions, two more queries on every page.
    return kam_rules.sees_scores_of_visible_accounts(user)


def accounts_for_list(*, user: Any, run: Any) -> QuerySet[Account]:
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


def team_candidates(account: Account) -> list[User]:
    """The people who may join the account's team (kam/rules.py `may_join_a_team`: active, and
    functional staff without a role, KAMs or directors), less its KAM and its members."""
    in_groups = User.groups.through.objects.filter(user_id=OuterRef("pk"))
    team_role = Exists(in_groups.filter(group__name__in=kam_rules.TEAM_GROUPS))
    any_role = Exists(in_groups.filter(group__name__in=kam_rules.ROLE_BY_GROUP))
    return list(
        User.objects.filter(is_active=True)
        .filter(team_role | (~any_role & Q(is_superuser=False)))
        .exclude(pk=account.kam_id)
        .exclude(team_memberships__account=account)
        .order_by("last_name", "first_name", "username", "pk")
    )


def plan_team(account: Account) -> list[User]:
    """Who may own actions and relationships: the KAM first, then the team (one query)."""
    members = [
        membership.user
        for membership in TeamMembership.objects.filter(account=account)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    ]
    people = [account.kam] if account.kam is not None else []
    return people + [member for member in members if member.pk != account.kam_id]


# --- The account page -----------------------------------------------------------------------


@dataclass
class AccountPage:
    """Everything the account page shows; sections the user may not see stay empty/None.

    The sections of the apps above accounts (plans: `plans`, `current_plan`, `action_counts`,
    `commitments`; scoring: `score`, `criterion_scores`, `health`, `health_history`,
    `investment_warnings`, `ratings`, `rating_history`, `snapshots`) are read by the loaders
    they register in `PAGE_SECTIONS`.
    """

    account: Account
    team: list[TeamMembership]
    include_details: bool = False
    include_plans: bool = False
    include_commitments: bool = False
    commitments: list[Any] = field(default_factory=list)
    run: Any = None  # the current scoring run (accounts.runs)
    score: Any = None
    criterion_scores: list[Any] = field(default_factory=list)
    health: Any = None  # its explanation (scoring.health)
    health_history: list[Any] = field(default_factory=list)
    investment_warnings: list[Any] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    stage_changes: list[StageChange] = field(default_factory=list)
    designation_changes: list[DesignationChange] = field(default_factory=list)
    plans: list[Any] = field(default_factory=list)
    today: dt.date | None = None
    ratings: list[Any] = field(default_factory=list)
    rating_history: list[Any] = field(default_factory=list)
    snapshots: list[Any] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    current_plan: Any = None
    action_counts: Any = None
    # What the sections loaded that the history reuses: lists by name, people and teams by model.
    history_loaded: dict[str, Any] = field(default_factory=dict)
    known: dict[type, dict[int, Any]] = field(default_factory=dict)

    @property
    def score_total(self) -> Decimal:
        """The sum of the contributions: equal to the attractiveness score by construction."""
        return sum((row.contribution for row in self.criterion_scores), Decimal("0.00"))

    @property
    def dmu(self) -> list[DmuRow]:
        return dmu_grid(self.contacts)

    @property
    def coverage(self) -> DmuCoverage:
        return dmu_coverage(self.contacts, self.today or dt.date.today())

    @property
    def commitment_counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for commitment in self.commitments:
            counts[commitment.status] += 1
        return dict(counts)


def visible_account(*, user: Any, pk: int) -> Account:
    """The account with its KAM, or Account.DoesNotExist when missing or not visible."""
    return Account.objects.visible_to(user).select_related("kam").get(pk=pk)


# The loaders of the sections the apps above accounts add to the account page, in the order
# they registered (AppConfig.ready): each reads its part into the page, a fixed number of
# queries, and only what the page's include_* flags allow.
PAGE_SECTIONS: list[Callable[[AccountPage], None]] = []


def add_page_section(load: Callable[[AccountPage], None]) -> None:
    """Add an app's section of the account page (called from its AppConfig.ready)."""
    if load not in PAGE_SECTIONS:
        PAGE_SECTIONS.append(load)


def account_page(
    *,
    account: Account,
    run: Any,
    include_details: bool,
    include_plans: bool,
    include_commitments: bool,
    today: dt.date | None = None,
) -> AccountPage:
    """Read the account page's sections with a fixed number of queries (one per section).

    The caller decides from the user's permissions which sections to include; a section
    left out is not queried at all, so nothing the user may not see is ever loaded.
    """
    today = today or dt.date.today()
    team = list(
        TeamMembership.objects.filter(account=account)
        .select_related("user")
        .order_by("functional_role", "user__last_name", "user__first_name", "pk")
    )
    page = AccountPage(
        account=account,
        team=team,
        include_details=include_details,
        include_plans=include_plans,
        include_commitments=include_commitments,
        run=run,
        today=today,
    )
    if include_details:
        page.contacts = list(
            Contact.objects.filter(account=account)
            .select_related("relationship_owner")
            .order_by("-influence", "name", "pk")
        )
        for contact in page.contacts:
            contact.is_covered = is_covered(contact, today)
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
    for load in PAGE_SECTIONS:
        load(page)
    if include_details:
        page.history = account_history(
            account=account,
            limit=PAGE_HISTORY_ENTRIES,
            stage_changes=page.stage_changes,
            designation_changes=page.designation_changes,
            loaded=page.history_loaded,
            known={**page.known, User: _known_users(page)},
        )
    return page


def _known_users(page: AccountPage) -> dict[int, Any]:
    users = {member.user_id: member.user for member in page.team}
    users.update(
        (contact.relationship_owner_id, contact.relationship_owner)
        for contact in page.contacts
        if contact.relationship_owner_id is not None
    )
    if page.account.kam is not None:
        users[page.account.kam_id] = page.account.kam
    return users
