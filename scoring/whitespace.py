"""Where to grow: the white-space map of an account and the spend estimates behind it
(DOMAIN.md, "White space").

The map's rows are the account and the members of its group, its columns our product
categories; a cell holds our trailing-12-month revenue in the category (from the current run,
`CategoryRevenue`), the customer's estimated spend (the estimate of the latest year up to the
run's year), our share, the headroom and the main competitor. White space: spend estimated and
none of our revenue. A share above 100% is a data problem (the estimate is below what we sell
there), flagged, never shown as a share; its headroom is unknown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import F, FilteredRelation, Max, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import (
    ANCESTORS_SQL,
    Account,
    AccountStatus,
    ProductCategory,
    SalesLine,
    User,
)
from accounts.selectors.accounts import tree_order
from kam.errors import DomainError, InvalidInput
from kam.kept import kept
from kam.permissions import require
from kam.records import validated
from plans.models import Opportunity, OpportunityStatus, Plan
from plans.selectors.plans import current_plan
from scoring.engine.whitespace import UNCATEGORISED
from scoring.models import (
    LATEST_SPEND_YEAR,
    AccountScore,
    CategoryRevenue,
    ScoringRun,
    SpendEstimate,
    SpendSource,
)

HUNDRED = Decimal(100)
# The share classes the map colours its cells by (upper bounds, %).
SHARE_CLASSES = ((Decimal(10), 1), (Decimal(30), 2), (Decimal(60), 3), (HUNDRED, 4))


class MapEstimate(NamedTuple):
    """The fields of a spend estimate a map cell reads (plain rows: a group's map holds up to
    2,000 estimates, and model instances with their categories were a third of its time)."""

    account_id: int
    category: str
    year: int
    estimated_spend: Decimal
    competitor: str
    competitor_share_pct: Decimal | None


TENTH = Decimal("0.1")
ZERO = Decimal(0)


@dataclass(slots=True)
class Cell:
    """One member and category. The figures are worked out once, when the cell is made (a
    group's map has 2,000 cells, each read several times by the totals and the grid); the
    cell is not changed afterwards."""

    revenue: Decimal = ZERO
    estimate: MapEstimate | None = None
    # Won opportunities of the cell that no sales line shows yet (see `won_not_invoiced`).
    won_not_invoiced: Decimal = ZERO
    column: Column | None = None
    spend: Decimal | None = field(init=False, default=None)
    # Our revenue exceeds the estimated spend: the estimate is wrong.
    over_estimate: bool = field(init=False, default=False)
    share_pct: Decimal | None = field(init=False, default=None)
    headroom: Decimal | None = field(init=False, default=None)
    white_space: bool = field(init=False, default=False)
    # 0 (no estimate or no share) to 4 (a share above 60%), for the heat colouring.
    share_class: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        if self.estimate is None:
            return
        spend = self.spend = self.estimate.estimated_spend
        revenue = self.revenue
        if revenue > spend:
            self.over_estimate = True
            return
        self.headroom = spend - revenue
        if spend <= 0:
            return
        self.white_space = revenue == 0
        share = self.share_pct = (HUNDRED * revenue / spend).quantize(TENTH)
        for bound, css in SHARE_CLASSES:
            if share <= bound:
                self.share_class = css
                break
        else:
            self.share_class = 4


@dataclass
class Totals:
    revenue: Decimal = Decimal(0)
    spend: Decimal = Decimal(0)
    estimated: bool = False
    over_estimate: bool = False

    @classmethod
    def of(cls, cells: Sequence[Cell]) -> Totals:
        """The totals of a row's or a column's cells, added up in their order."""
        spends = [cell.spend for cell in cells if cell.spend is not None]
        return cls(
            revenue=sum((cell.revenue for cell in cells), Decimal(0)),
            spend=sum(spends, Decimal(0)),
            estimated=bool(spends),
            over_estimate=any(cell.over_estimate for cell in cells),
        )

    def merge(self, other: Totals) -> None:
        """Add another total's cells (the group total from the row totals)."""
        self.revenue += other.revenue
        self.spend += other.spend
        self.estimated = self.estimated or other.estimated
        self.over_estimate = self.over_estimate or other.over_estimate

    @property
    def share_pct(self) -> Decimal | None:
        if not self.estimated or self.spend <= 0 or self.over_estimate:
            return None
        return (HUNDRED * self.revenue / self.spend).quantize(Decimal("0.1"))

    @property
    def headroom(self) -> Decimal | None:
        if not self.estimated or self.over_estimate:
            return None
        return self.spend - self.revenue


@dataclass
class Row:
    account: Account
    cells: list[Cell]
    totals: Totals = field(default_factory=Totals)
    depth: int = 0  # below the map's account (0: its own row)
    # The category spend entered on the account (not by category) when it has no estimate in
    # any category up to the run's year: the run scores that figure instead (DOMAIN.md).
    entered_spend: Decimal | None = None

    @property
    def estimated(self) -> bool:
        return any(cell.estimate is not None for cell in self.cells)


@dataclass(frozen=True)
class Column:
    name: str
    category_id: int | None  # None: no managed category (lines without one)


@dataclass
class WhiteSpaceMap:
    account: Account
    run: ScoringRun | None
    year: int | None
    categories: list[str]
    rows: list[Row]
    column_totals: list[Totals]
    total: Totals
    columns: list[Column] = field(default_factory=list)
    plan: Plan | None = None  # the account's current plan: where a cell's opportunity goes

    # The category spend the run scored the map's account with (for a group's top: the
    # roll-up over its subtree); None without a run, or for a member (scored as a unit never).
    scoring_spend: Decimal | None = None

    @property
    def is_group(self) -> bool:
        return len(self.rows) > 1

    @property
    def entered_spend(self) -> Decimal:
        """The entered category spend of the rows without any estimate (counted by the run)."""
        return sum((row.entered_spend or Decimal(0) for row in self.rows), Decimal(0))

    @property
    def unestimated_rows(self) -> list[Row]:
        return [row for row in self.rows if row.entered_spend is not None]

    @property
    def spend_as_scored(self) -> Decimal | None:
        """What the run's category spend of the map's account should be, from the map: the
        estimates of its cells plus the entered spend of the rows with no estimate at all
        (None when neither exists, as the run's SUM of nothing)."""
        if not self.total.estimated and not self.unestimated_rows:
            return None
        return self.total.spend + self.entered_spend

    @property
    def spend_differs(self) -> bool:
        """The run scored another category spend than the map adds up to: estimates (or the
        entered spend) changed since the run; the next run takes them."""
        return self.scoring_spend is not None and self.scoring_spend != self.spend_as_scored

    @cached_property
    def white_space_cells(self) -> int:
        return sum(cell.white_space for row in self.rows for cell in row.cells)

    @cached_property
    def over_estimate_cells(self) -> int:
        return sum(cell.over_estimate for row in self.rows for cell in row.cells)


def map_accounts(account: Account, run: ScoringRun | None = None) -> list[Account]:
    """The map's rows, in one query (the subtree's recursive CTE): the account first, then
    every account below it depth first (siblings by name), each with `depth` (0: the
    account) and, when `run` is given, `run_category_spend` (the category spend that run
    scored it with: for a group's top, the roll-up over the group). A standalone account is
    its only row."""
    queryset = Account.objects.subtree(account.pk).only(
        "pk", "name", "erp_code", "parent_id", "category_spend", "status"
    )
    if run is not None:
        queryset = queryset.annotate(
            in_run=FilteredRelation("scores", condition=Q(scores__run=run)),
            run_category_spend=F("in_run__category_spend"),
        )
    out = []
    for node, depth in tree_order(list(queryset.order_by("name", "pk")), account.pk):
        node.depth = depth
        out.append(node)
    return out


def won_not_invoiced(ids: list[int], run: ScoringRun | None) -> dict[tuple[int, str], Decimal]:
    """Per (member, category), the value of the won opportunities no sales line shows yet.

    The rule: a won opportunity is "won, not yet invoiced" until the run holds a sales line of
    that member and category dated on or after the day it was won (up to the run's as_of);
    from then on its revenue is in the cell's actuals and the won value is no longer shown.
    Two queries (one when nothing is won), however many members and categories."""
    won = list(
        Opportunity.objects.filter(member_id__in=ids, status=OpportunityStatus.WON).values_list(
            "member_id", "category__name", "estimated_value", "closed_on"
        )
    )
    if not won:
        return {}
    last_invoiced: dict[tuple[int, str], Any] = {}
    if run is not None:
        first_won = min(closed for *_, closed in won if closed is not None)
        lines = (
            SalesLine.objects.filter(account_id__in=ids, date__gte=first_won, date__lte=run.as_of)
            .values("account_id", "product_category")
            .annotate(last=Max("date"))
            .values_list("account_id", "product_category", "last")
        )
        last_invoiced = {(member, name): last for member, name, last in lines}
    out: dict[tuple[int, str], Decimal] = {}
    for member, name, value, closed in won:
        invoiced = last_invoiced.get((member, name))
        if invoiced is None or (closed is not None and invoiced < closed):
            out[member, name] = out.get((member, name), Decimal(0)) + value
    return out


def _group_plans(account: Account) -> list[Plan]:
    """The plans of the account's unit of selection (one query): its own for a top; for a
    member, its group's top's (the plan belongs to the group, DOMAIN.md "Groups")."""
    fields = ("pk", "title", "status", "period_start", "period_end", "account_id")
    if account.parent_id is None:
        plans = list(Plan.objects.filter(account=account).only(*fields))
        for candidate in plans:
            candidate.account = account  # loaded already: the permission rules read it
        return plans
    return list(
        Plan.objects.filter(
            account_id__in=RawSQL(ANCESTORS_SQL, [account.pk]), account__parent__isnull=True
        ).select_related("account")
    )


def white_space_map(
    account: Account, run: ScoringRun | None, *, today: dt.date | None = None
) -> WhiteSpaceMap:
    """The account's map from `run` (the current run), the stored estimates, the won
    opportunities not yet invoiced and the account's current plan: seven queries at most,
    however many members and categories."""
    rows_accounts = map_accounts(account, run)
    ids = [a.pk for a in rows_accounts]
    year = run.as_of.year if run is not None else None
    # By member, then category: a group's map looks up 2,000 cells in each.
    revenue: dict[int, dict[str, Decimal]] = {}
    if run is not None:
        for account_id, category, amount in CategoryRevenue.objects.filter(
            run=run, account_id__in=ids
        ).values_list("account_id", "category", "revenue"):
            revenue.setdefault(account_id, {})[category] = amount
    estimates: dict[int, dict[str, MapEstimate]] = {}
    queryset = SpendEstimate.objects.filter(account_id__in=ids)
    if year is not None:
        queryset = queryset.filter(year__lte=year)
    for row in queryset.order_by("account_id", "category__name", "-year", "pk").values_list(
        "account_id",
        "category__name",
        "year",
        "estimated_spend",
        "competitor",
        "competitor_share_pct",
    ):
        estimate = MapEstimate(*row)
        estimates.setdefault(estimate.account_id, {}).setdefault(estimate.category, estimate)
    won: dict[int, dict[str, Decimal]] = {}
    for (member_id, category), value in won_not_invoiced(ids, run).items():
        won.setdefault(member_id, {})[category] = value
    categories = sorted(
        {
            category
            for by_category in (*revenue.values(), *estimates.values(), *won.values())
            for category in by_category
        },
        key=lambda name: (name == UNCATEGORISED, name.casefold()),
    )
    category_ids = dict(
        ProductCategory.objects.filter(name__in=categories).values_list("name", "pk")
    )
    plans = _group_plans(account)
    plan = current_plan(plans, today or timezone.localdate())
    columns = [Column(name, category_ids.get(name)) for name in categories]
    named = list(zip(categories, columns, strict=True))
    rows = []
    total = Totals()
    nothing: dict = {}
    for member in rows_accounts:
        pk = member.pk
        own_revenue = revenue.get(pk, nothing)
        own_estimates = estimates.get(pk, nothing)
        own_won = won.get(pk, nothing)
        cells = [
            Cell(
                own_revenue.get(name, ZERO),
                own_estimates.get(name),
                own_won.get(name, ZERO),
                column,
            )
            for name, column in named
        ]
        row = Row(account=member, cells=cells, totals=Totals.of(cells), depth=member.depth)
        total.merge(row.totals)
        if not row.estimated:
            row.entered_spend = member.category_spend
        rows.append(row)
    column_totals = [Totals.of(cells) for cells in zip(*(row.cells for row in rows), strict=True)]
    return WhiteSpaceMap(
        account=account,
        run=run,
        year=year,
        categories=categories,
        rows=rows,
        column_totals=column_totals,
        total=total,
        columns=columns,
        plan=plan,
        scoring_spend=(
            getattr(rows_accounts[0], "run_category_spend", None)
            if account.parent_id is None
            else None
        ),
    )


def map_csv_rows(space: WhiteSpaceMap) -> list[dict[str, Any]]:
    """One row per cell, for the download: a table of the map a spreadsheet can pivot."""
    out = []
    codes = {row.account.pk: row.account.erp_code for row in space.rows}
    for row in space.rows:
        # The member's place in the group: its parent's ERP code (blank on the map's own row).
        parent = codes.get(row.account.parent_id, "") if row.depth else ""
        for category, cell in zip(space.categories, row.cells, strict=True):
            out.append(
                {
                    "account": row.account.name,
                    "erp_code": row.account.erp_code,
                    "parent_erp_code": parent,
                    "category": category,
                    "revenue": cell.revenue,
                    "estimated_spend": cell.spend,
                    "estimate_year": cell.estimate.year if cell.estimate else None,
                    "share_pct": cell.share_pct,
                    "headroom": cell.headroom,
                    "white_space": cell.white_space,
                    "estimate_below_revenue": cell.over_estimate,
                    "competitor": cell.estimate.competitor if cell.estimate else "",
                    "competitor_share_pct": (
                        cell.estimate.competitor_share_pct if cell.estimate else None
                    ),
                    "won_not_invoiced": cell.won_not_invoiced or None,
                }
            )
    return out


# --- Writes ----------------------------------------------------------------------------------

CATEGORY_NAME_MAX = ProductCategory._meta.get_field("name").max_length


@transaction.atomic
def product_category_add(
    *, name: str, actor: User, for_account: Account | None = None
) -> ProductCategory:
    """Add a product category to the managed list: directors and administrators, or whoever
    may estimate the spend of `for_account` (a KAM naming a category the customer buys only
    elsewhere so far). The same name in another case is the existing category."""
    if for_account is not None:
        require(actor, "scoring.change_spend_estimate", for_account, "You may not add this.")
    else:
        require(actor, "scoring.change_criterion", None, "You may not manage product categories.")
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput({"name": ["Name the product category."]})
    if len(name) > CATEGORY_NAME_MAX:
        raise InvalidInput({"name": [f"At most {CATEGORY_NAME_MAX} characters."]})
    if name.casefold() == UNCATEGORISED.casefold():
        raise InvalidInput({"name": [f"“{UNCATEGORISED}” is kept for lines without a category."]})
    existing = ProductCategory.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing
    return ProductCategory.objects.create(name=name)


@transaction.atomic
def spend_estimate_save(
    *,
    account: Account,
    category: ProductCategory,
    year: int,
    actor: User,
    expected_version: int | None = None,
    must_be_new: bool = False,
    **values: Any,
) -> SpendEstimate:
    """Create or replace the estimate of (account, category, year).

    Who may: kam/rules.py `scoring.change_spend_estimate` (the KAMs serving the account,
    directors, administrators). `expected_version` guards an edit of an existing estimate
    against a lost update (a stale version is refused with the stored one's); `must_be_new`
    refuses to replace a stored estimate (the API's create: a change is an update)."""
    require(actor, "scoring.change_spend_estimate", account, "You may not estimate this spend.")
    unknown = sorted(set(values) - set(SpendEstimate.EDITABLE_FIELDS))
    if unknown:
        raise DomainError(f"A spend estimate has no editable field {', '.join(unknown)}.")
    estimate = (
        SpendEstimate.objects.select_for_update()
        .filter(account=account, category=category, year=year)
        .first()
    )
    if estimate is None:
        if expected_version is not None:
            raise DomainError("This estimate was deleted meanwhile: enter it again.")
        estimate = SpendEstimate(account=account, category=category, year=year)
    elif must_be_new:
        raise DomainError(
            f"{account.name} has a {year} estimate for “{category.name}” already "
            f"(id {estimate.pk}): change that one instead."
        )
    elif expected_version is not None and estimate.version != expected_version:
        raise DomainError(
            "Someone changed this estimate meanwhile (now version "
            f"{estimate.version}): reload it and enter yours again."
        )
    else:
        estimate.version += 1
    values.setdefault("source", estimate.source or SpendSource.KAM_ESTIMATE)
    values["competitor"] = " ".join((values.get("competitor") or "").split())
    for name, value in values.items():
        setattr(estimate, name, value)
    estimate.entered_by = actor
    validated(estimate, exclude=["account", "category"])
    estimate._history_user = actor
    estimate.save()
    return estimate


@transaction.atomic
def spend_estimate_delete(
    *, estimate: SpendEstimate, actor: User, expected_version: int | None = None
) -> None:
    require(
        actor,
        "scoring.change_spend_estimate",
        estimate.account,
        "You may not delete this estimate.",
    )
    if expected_version is not None:
        stored = SpendEstimate.objects.select_for_update().filter(pk=estimate.pk).first()
        if stored is None or stored.version != expected_version:
            raise DomainError("Someone changed or deleted this estimate meanwhile: reload it.")
    estimate._history_user = actor
    estimate.delete()


# --- The portfolio's white space (directors) ---------------------------------------------------


@dataclass
class CategoryHeadroom:
    category: str
    accounts: int = 0  # key accounts with an estimate in the category
    spend: Decimal = Decimal(0)
    revenue: Decimal = Decimal(0)
    headroom: Decimal = Decimal(0)
    white_space_cells: int = 0
    over_estimate_cells: int = 0

    @property
    def share_pct(self) -> Decimal | None:
        if self.spend <= 0:
            return None
        return (HUNDRED * self.revenue / self.spend).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class WhiteSpaceCell:
    account_id: int
    account_name: str
    kam: str
    category: str
    spend: Decimal
    year: int
    source: str
    competitor: str
    # The key account (the top of the group) the cell belongs to: the account itself, or
    # the group of a member whose estimate it is.
    group_id: int = 0
    group_name: str = ""


@dataclass
class PortfolioWhiteSpace:
    run: ScoringRun | None
    year: int | None
    categories: list[CategoryHeadroom]
    cells: WhiteSpaceCells  # every white-space cell, ordered as asked; details read by page
    category_names: list[str]
    # The KAMs of the key accounts by name: the KAM filter's options and the cells' KAMs.
    kams: list[User] = field(default_factory=list)


CELL_ORDERINGS = {
    "-spend": lambda c: (-c.spend, c.name.casefold(), c.account_id, c.category),
    "spend": lambda c: (c.spend, c.name.casefold(), c.account_id, c.category),
    "account": lambda c: (c.name.casefold(), c.account_id, c.category),
    "category": lambda c: (c.category.casefold(), -c.spend, c.account_id, c.category),
}

# One row per cell of the key accounts and of the members of their groups: the newest
# estimate per entity and category (the latest year up to the run's) with our revenue there
# in the run. A member belongs to its group as the run found it (`AccountScore.group`); the
# key status is today's. Both databases run it as written.
_CELLS_SQL = f"""
WITH keyed AS MATERIALIZED (
    SELECT id, id AS top_id, kam_id FROM {Account._meta.db_table}
    WHERE status = %(key)s {{kam}}
    UNION ALL
    SELECT s.account_id, s.group_id, top.kam_id
    FROM {AccountScore._meta.db_table} s
    JOIN {Account._meta.db_table} top ON top.id = s.group_id
    WHERE s.run_id = %(run)s AND s.group_id IS NOT NULL AND top.status = %(key)s {{top_kam}}
), estimates AS MATERIALIZED (
    SELECT e.id, e.account_id, e.category_id, e.estimated_spend, ROW_NUMBER() OVER (
        PARTITION BY e.account_id, e.category_id ORDER BY e.year DESC
    ) AS newest
    FROM {SpendEstimate._meta.db_table} e
    WHERE e.year <= %(year)s AND e.account_id IN (SELECT id FROM keyed)
), n AS (SELECT * FROM estimates WHERE newest = 1), cells AS MATERIALIZED (
    SELECT n.id, n.account_id, keyed.top_id, keyed.kam_id, c.name AS category,
           n.estimated_spend AS spend, COALESCE(r.revenue, 0) AS revenue
    FROM n
    JOIN keyed ON keyed.id = n.account_id
    JOIN {ProductCategory._meta.db_table} c ON c.id = n.category_id
    LEFT JOIN {CategoryRevenue._meta.db_table} r
      ON r.run_id = %(run)s AND r.account_id = n.account_id AND r.category = c.name
)
SELECT 0, NULL, NULL, NULL, NULL, category, SUM(spend), SUM(revenue),
       SUM(CASE WHEN revenue > spend THEN 0 ELSE spend - revenue END),
       SUM(CASE WHEN revenue > spend THEN 1 ELSE 0 END),
       SUM(CASE WHEN spend > 0 AND revenue = 0 THEN 1 ELSE 0 END),
       COUNT(DISTINCT top_id)
FROM cells GROUP BY category
UNION ALL
SELECT 1, id, account_id, top_id, kam_id, category, spend, NULL, NULL, NULL, NULL, NULL
FROM cells WHERE spend > 0 AND revenue = 0
"""
# The query returns each category's totals (kind 0) and the white-space cells (kind 1), not
# every cell: at 50,000 accounts the key accounts hold about 8,000 estimates, and adding them
# up in Python took 60 ms. The CTEs are MATERIALIZED and the newest estimate is picked by
# ROW_NUMBER, not a MAX joined back: with the MAX the planner took the newest estimates for
# one row and probed each account's category revenue by a join filter (100 ms). It still
# takes 70 ms there (8,000 category-revenue probes), so its result is cached (see
# `_cells_stamp`); the accounts' names are read fresh on every view.
_CELLS_STAMP_SQL = f"""
SELECT 0, e.n, e.ids, e.versions, e.changed, k.n, k.ids, k.kams, k.pairs, k.changed, NULL
FROM (
    SELECT COUNT(*) AS n, SUM(id) AS ids, SUM(version) AS versions, MAX(updated_at) AS changed
    FROM {SpendEstimate._meta.db_table}
) e CROSS JOIN (
    SELECT COUNT(*) AS n, SUM(id) AS ids, SUM(COALESCE(kam_id, 0)) AS kams,
           SUM(id * COALESCE(kam_id, 0)) AS pairs, MAX(updated_at) AS changed
    FROM {Account._meta.db_table} WHERE status = %(key)s
) k
UNION ALL
SELECT 1, id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, name
FROM {ProductCategory._meta.db_table}
"""
# Bump when the cached cells change shape, so no stale pickle is read back.
CELLS_CACHE_VERSION = 2
# Every change of what the cells depend on makes a new entry (its stamp is in the key): an
# hour keeps the superseded ones from piling up in the shared cache.
CELLS_CACHE_SECONDS = 60 * 60


class _CellRow(NamedTuple):
    estimate_id: int
    account_id: int
    top_id: int
    name: str
    group_name: str
    kam_id: int | None
    category: str
    spend: Decimal


class WhiteSpaceCells:
    """The portfolio's white-space cells, ordered, as a sliceable sequence for Paginator and
    the downloads: a page's details (estimate year, source, competitor) are one query,
    whatever the portfolio size; the KAMs' names are given (every cell's KAM has a key
    account)."""

    def __init__(self, rows: list[_CellRow], kam_names: dict[int, str]):
        self.rows = rows
        self.kam_names = kam_names

    def count(self) -> int:
        return len(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: slice) -> list[WhiteSpaceCell]:
        if not isinstance(index, slice):
            raise TypeError("White-space cells are read by page (a slice).")
        return self._details(self.rows[index])

    def __iter__(self) -> Iterator[WhiteSpaceCell]:
        return iter(self._details(self.rows))

    def _details(self, rows: list[_CellRow]) -> list[WhiteSpaceCell]:
        if not rows:
            return []
        details = {
            pk: rest
            for pk, *rest in SpendEstimate.objects.filter(
                pk__in=[row.estimate_id for row in rows]
            ).values_list("pk", "year", "source", "competitor")
        }
        sources = dict(SpendSource.choices)
        cells = []
        for row in rows:
            year, source, competitor = details[row.estimate_id]
            cells.append(
                WhiteSpaceCell(
                    account_id=row.account_id,
                    account_name=row.name,
                    kam=self.kam_names.get(row.kam_id, ""),
                    category=row.category,
                    spend=row.spend,
                    year=year,
                    source=sources.get(source, source),
                    competitor=competitor,
                    group_id=row.top_id,
                    group_name=row.group_name if row.top_id != row.account_id else "",
                )
            )
        return cells


def _money(value: Any) -> Decimal:
    """An amount from a raw query as a two-place Decimal (PostgreSQL returns one already;
    SQLite returns floats)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _cells_stamp(run: ScoringRun | None) -> str:
    """A stamp of what the portfolio's cells are computed from besides the KAM filter, read in
    one query: the run, the spend estimates (their count, the sums of their ids and versions,
    the newest change: every write adds or removes a row or raises a version), the key
    accounts (count, ids, their KAMs and which KAM has which, the newest change: a designation,
    a withdrawal, a new KAM) and the product categories' names. A run's scores, groups and
    category revenue never change once it has finished."""
    with connection.cursor() as cursor:
        cursor.execute(_CELLS_STAMP_SQL, {"key": AccountStatus.KEY})
        stamp = sorted(cursor.fetchall(), key=lambda row: (row[0], row[1] or 0))
    # Test databases reuse run ids: the run is also known by when it was made and finished.
    run_key = (run.pk, run.created_at, run.finished_at) if run is not None else None
    return hashlib.sha256(repr((run_key, stamp)).encode()).hexdigest()


def _portfolio_cells(
    run: ScoringRun | None, year: int | None, kam_id: int | None
) -> tuple[list[CategoryHeadroom], list[tuple]]:
    """Each category's totals (largest headroom first) and the white-space cells, without
    names: one query (`_CELLS_SQL`)."""
    params: dict[str, Any] = {
        "key": AccountStatus.KEY,
        "year": year if year is not None else LATEST_SPEND_YEAR,
        "run": run.pk if run is not None else None,
        "kam": kam_id,
    }
    sql = _CELLS_SQL.replace("{kam}", "AND kam_id = %(kam)s" if kam_id is not None else "")
    sql = sql.replace("{top_kam}", "AND top.kam_id = %(kam)s" if kam_id is not None else "")
    categories: list[CategoryHeadroom] = []
    white: list[tuple] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            if row[0] == 1:
                white.append((*row[1:6], _money(row[6])))
                continue
            spend, revenue, headroom, over, white_cells, accounts = row[6:]
            categories.append(
                CategoryHeadroom(
                    category=row[5],
                    accounts=accounts,
                    spend=_money(spend),
                    revenue=_money(revenue),
                    headroom=_money(headroom),
                    white_space_cells=int(white_cells),
                    over_estimate_cells=int(over),
                )
            )
    categories.sort(key=lambda c: (-c.headroom, c.category.casefold()))
    return categories, white


def _account_names(cells: list[tuple], kam_id: int | None) -> dict[int, str]:
    """The names of the cells' accounts and groups, read at each view (a rename shows at once):
    the key accounts (of the KAM) by the status index, their members by id. A thousand ids
    in a list took PostgreSQL 10 ms to plan and 5 to look up, the key accounts 2 to read."""
    if not cells:
        return {}
    members = {account_id for _, account_id, top_id, *_ in cells if account_id != top_id}
    keyed = Q(status=AccountStatus.KEY)
    if kam_id is not None:
        keyed &= Q(kam_id=kam_id)
    rows = Account.objects.filter(keyed | Q(pk__in=members)).values_list("pk", "name")
    return dict(rows)


def portfolio_white_space(
    run: ScoringRun | None,
    *,
    category: str = "",
    kam_id: int | None = None,
    ordering: str = "-spend",
) -> PortfolioWhiteSpace:
    """Headroom by product category across the key accounts (their own estimates and their
    members'), and their white-space cells (spend estimated, none of our revenue), from the
    current run. One query adds up every cell per category in the database and returns
    those totals and the white-space cells as narrow rows (no model instances), cached under
    a stamp of what they depend on (one query); the accounts' names take one more and the
    KAMs one more, the order is computed on those rows, and a page's details one query."""
    year = run.as_of.year if run is not None else None
    # One entry per KAM filter and stamp of what it was computed from (kept in the process too,
    # kam.kept: unpickling the cells took 20 ms a view at 250,000 accounts).
    kam = "" if kam_id is None else kam_id
    key = f"portfolio:white-space:v{CELLS_CACHE_VERSION}:{kam}:{_cells_stamp(run)}"
    categories, cells = kept(key, lambda: _portfolio_cells(run, year, kam_id), CELLS_CACHE_SECONDS)
    if category:
        cells = [cell for cell in cells if cell[4] == category]
    names = _account_names(cells, kam_id)
    white = [
        _CellRow(
            estimate_id,
            account_id,
            top_id,
            names[account_id],
            names[top_id],
            cell_kam_id,
            cell_category,
            spend,
        )
        for estimate_id, account_id, top_id, cell_kam_id, cell_category, spend in cells
    ]
    white.sort(key=CELL_ORDERINGS.get(ordering, CELL_ORDERINGS["-spend"]))
    # What names them, their ids gathered from the key accounts: not DISTINCT over every
    # column of 5,000 joined rows.
    key_kams = Account.objects.filter(status=AccountStatus.KEY).values("kam_id")
    kams = list(
        User.objects.filter(pk__in=key_kams)
        .only("pk", "first_name", "last_name", "username")
        .order_by("last_name", "first_name", "pk")
    )
    return PortfolioWhiteSpace(
        run=run,
        year=year,
        categories=categories,
        cells=WhiteSpaceCells(white, {kam.pk: str(kam) for kam in kams}),
        category_names=sorted((c.category for c in categories), key=str.casefold),
        kams=kams,
    )
