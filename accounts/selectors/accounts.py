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

from django.db import connection
from django.db.models import (
    CharField,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)

from accounts.models import (
    Account,
    Contact,
    TeamMembership,
    User,
    ancestor_ids,
)
from accounts.selectors.interactions import TIMELINE_ON_THE_PAGE, timeline
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
    "score_members": IntegerField(),
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
        score_members=F("current_score__members"),
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
    visible = Account.objects.visible_to(user).select_related("kam", "parent")
    return with_current_scores(visible, run if list_shows_scores(user) else None)


@dataclass(frozen=True)
class AccountFacets:
    """The values the list can be filtered by, drawn from the accounts the user can see."""

    industries: list[str]
    regions: list[str]
    kams: list[User]


def indexed_distinct_values(column: str) -> list[str]:
    """The distinct non-blank values of an indexed text column of every account, in order,
    one index probe per value (a walk from each value to the next: a few dozen industries or
    regions among 250,000 accounts in under a millisecond, where DISTINCT reads all 250,000
    index entries, 20 ms)."""
    table = connection.ops.quote_name(Account._meta.db_table)
    name = connection.ops.quote_name(Account._meta.get_field(column).column)
    sql = f"""
WITH RECURSIVE walk(value) AS (
    SELECT (SELECT {name} FROM {table} WHERE {name} > '' ORDER BY {name} LIMIT 1)
    UNION ALL
    SELECT (SELECT {name} FROM {table} WHERE {name} > walk.value ORDER BY {name} LIMIT 1)
    FROM walk WHERE walk.value IS NOT NULL
)
SELECT value FROM walk WHERE value IS NOT NULL
"""
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [value for (value,) in cursor.fetchall()]


def account_facets(*, user: Any) -> AccountFacets:
    """Distinct industries, regions and KAMs among the user's visible accounts (three queries;
    for who sees every account, the industries and regions walk their indexes)."""
    visible = Account.objects.visible_to(user).order_by()
    whole = kam_rules.sees_every_account(user)

    def distinct_values(name: str) -> list[str]:
        if whole:
            return indexed_distinct_values(name)
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
        # hundreds of people: only what names them and what may_join_a_team asks
        .only("username", "first_name", "last_name", "is_active", "is_superuser")
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
class TreeRow:
    """One account of a group's tree on the group's page: its depth below the top, its own
    current-run figures (the top's own = the group's roll-up less its members') and its shares
    of the group's revenue and net profit (None without figures or a positive group total)."""

    account: Account
    depth: int
    revenue: Decimal | None = None
    net_profit: Decimal | None = None
    cost_to_serve: Decimal | None = None
    revenue_share: Decimal | None = None
    profit_share: Decimal | None = None
    total: TreeRow | None = None  # on the top's row: the group's roll-up


def _share(part: Decimal | None, total: Decimal | None) -> Decimal | None:
    if part is None or not total or total <= 0:
        return None
    return (100 * part / total).quantize(Decimal("0.1"))


def tree_order(nodes: list[Account], root_id: int) -> list[tuple[Account, int]]:
    """`nodes` (a subtree, read in the order siblings should come: by name) depth first from
    the root, each with its depth below the root (0: the root)."""
    children: dict[int | None, list[Account]] = defaultdict(list)
    for node in nodes:
        children[node.parent_id].append(node)
    out: list[tuple[Account, int]] = []
    stack = [(next(node for node in nodes if node.pk == root_id), 0)]
    while stack:
        node, depth = stack.pop()
        out.append((node, depth))
        stack.extend((child, depth + 1) for child in reversed(children[node.pk]))
    return out


def group_tree(account: Account, run: Any, *, with_figures: bool) -> list[TreeRow]:
    """The account and everything below it, depth first (children by name), with each one's
    own figures from `run` when asked (one query)."""
    queryset = Account.objects.subtree(account.pk).only("pk", "name", "erp_code", "parent_id")
    if with_figures and run is not None:
        queryset = queryset.annotate(
            in_run=FilteredRelation("scores", condition=Q(scores__run=run)),
            run_revenue=F("in_run__revenue"),
            run_net_profit=F("in_run__net_profit"),
            run_cost_to_serve=F("in_run__cost_to_serve"),
        )
    rows = [
        TreeRow(
            node,
            depth,
            getattr(node, "run_revenue", None),
            getattr(node, "run_net_profit", None),
            getattr(node, "run_cost_to_serve", None),
        )
        for node, depth in tree_order(list(queryset.order_by("name", "pk")), account.pk)
    ]
    if len(rows) > 1 and rows[0].revenue is not None:
        total = rows[0]
        members = rows[1:]
        own = TreeRow(total.account, 0)
        for name in ("revenue", "net_profit", "cost_to_serve"):
            setattr(
                own,
                name,
                getattr(total, name) - sum((getattr(m, name) or 0 for m in members), Decimal(0)),
            )
        for row in [own, *members]:
            row.revenue_share = _share(row.revenue, total.revenue)
            row.profit_share = _share(row.net_profit, total.net_profit)
        own.total = total
        rows[0] = own
    return rows


@dataclass
class AccountPage:
    """Everything the account page shows; sections the user may not see stay empty/None.

    The sections of the apps above accounts (plans: `plans`, `current_plan`, `action_counts`,
    `commitments`; scoring: `score`, `criterion_scores`, `health`, `health_history`,
    `health_chart`, `investment_warnings`, `ratings`, `rating_history`, `snapshots`) are read by
    the loaders they register in `PAGE_SECTIONS`.
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
    health_chart: dict[str, Any] = field(default_factory=dict)  # the history, for its chart
    investment_warnings: list[Any] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    plans: list[Any] = field(default_factory=list)
    today: dt.date | None = None
    ratings: list[Any] = field(default_factory=list)
    rating_history: list[Any] = field(default_factory=list)
    snapshots: list[Any] = field(default_factory=list)
    interactions: list[Any] = field(default_factory=list)  # the newest, most recent first
    current_plan: Any = None
    action_counts: Any = None
    # Groups: the accounts above this one (its group's top first), and its subtree (itself
    # first; more than one row for a group), whose ids the contacts and commitments read.
    ancestors: list[Account] = field(default_factory=list)
    tree: list[TreeRow] = field(default_factory=list)

    @property
    def subtree_ids(self) -> list[int]:
        return [row.account.pk for row in self.tree] or [self.account.pk]

    @property
    def is_group(self) -> bool:
        return len(self.tree) > 1

    @property
    def group_total(self) -> TreeRow | None:
        return self.tree[0].total if self.is_group else None

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
    if account.parent_id is not None:
        above = ancestor_ids(account.pk)
        by_id = Account.objects.in_bulk(above)
        page.ancestors = [by_id[pk] for pk in reversed(above) if pk in by_id]
    page.tree = group_tree(account, run, with_figures=include_details)
    if include_details:
        # a group's DMU spans its members: grouped by member, in the tree's order
        position = {pk: index for index, pk in enumerate(page.subtree_ids)}
        page.contacts = sorted(
            Contact.objects.filter(account_id__in=page.subtree_ids)
            .select_related("relationship_owner", "account")
            .order_by("-influence", "name", "pk"),
            key=lambda contact: position[contact.account_id],
        )
        for contact in page.contacts:
            contact.is_covered = is_covered(contact, today)
        page.interactions = list(timeline(account=account)[:TIMELINE_ON_THE_PAGE])
    for load in PAGE_SECTIONS:
        load(page)
    return page
