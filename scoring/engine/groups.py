"""The groups stage, once per run after every chunk and before the final stage: roll-ups.

A customer may be a group of companies (accounts.models Account.parent). The unit of selection
is the top of a tree: a group, or a standalone account. The chunks computed every account's own
figures (chunk.py); this stage, a fixed number of statements whatever the number of accounts or
the depth of the trees:
1. maps every account to the top of its tree (one recursive CTE, into a temporary table);
2. rolls the group's subtree up into the top's AccountScore row (sums; every ratio from the
   summed parts, never an average of the members' ratios):
   - revenue, revenue of the previous 12 months, cost of goods, cost to serve: sums; gross
     margin and net profit from them; revenue growth % from the summed revenues;
   - turnover and category spend: sums of the stated values (NULL when none is stated); share
     of wallet, headroom and the spend-below-revenue flag from the summed revenue and spend;
   - DMU coverage: covered influential contacts of the whole subtree / its influential ones;
   - stage, status, satisfaction and ratings stay the top's own: they are given at the group;
   - market growth is the top's own (a market's growth does not add up);
3. the members' rows were written marked by their chunk (chunk.py: is_unit FALSE, group =
   the top of the tree, the same walk up from the member): they keep their own figures for
   drill-down, and the final stage normalises, scores, ranks and flags units only; this
   stage counts them;
4. writes each group's quarterly GroupSnapshot rows from its subtree's MetricSnapshot rows of
   the quarters this run recomputes (sums; growth against the subtree's quarter a year before,
   share of wallet against a quarter of the group's summed category spend, margins from the
   sums; the entered measures and is_key are the top's own).
Idempotent within its transaction: every statement recomputes from the chunks' rows and the
members' snapshots; once committed, the run records it as done (see roll_up_groups).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from accounts.models import DMU_MIN_INFLUENCE, Account, Contact
from scoring.engine import dialect
from scoring.engine.chunk import (
    ENTERED,
    GROWTH_LIMIT,
    SHARE_LIMIT,
    money,
    pct,
)
from scoring.engine.window import Window
from scoring.models import AccountScore, GroupSnapshot, MetricSnapshot

ACCOUNT = Account._meta.db_table
CONTACT = Contact._meta.db_table
SCORE = AccountScore._meta.db_table
SNAPSHOT = MetricSnapshot._meta.db_table
GROUP_SNAPSHOT = GroupSnapshot._meta.db_table
# account -> top of its tree, for the accounts in groups only (temporary, one run's stage).
TREE = "scoring_group_tree"
SUMS = "scoring_group_sums"


def tree_sql() -> str:
    return f"""
CREATE TEMPORARY TABLE {TREE} AS
WITH RECURSIVE tree(account_id, top_id) AS (
    SELECT id, id FROM {ACCOUNT}
    WHERE parent_id IS NULL AND id IN (SELECT parent_id FROM {ACCOUNT} WHERE parent_id IS NOT NULL)
    UNION ALL
    SELECT child.id, tree.top_id FROM {ACCOUNT} child JOIN tree ON child.parent_id = tree.account_id
)
SELECT account_id, top_id FROM tree
"""


def sums_sql() -> str:
    d = dialect.date_param
    return f"""
CREATE TEMPORARY TABLE {SUMS} AS
WITH dmu AS (
    SELECT t.top_id, COUNT(*) AS influential,
           SUM(CASE WHEN c.relationship_owner_id IS NOT NULL
                     AND c.last_contact_on >= {d("dmu_since")} AND c.last_contact_on <= {d("as_of")}
                    THEN 1 ELSE 0 END) AS covered
    FROM {TREE} t JOIN {CONTACT} c ON c.account_id = t.account_id
    WHERE c.influence >= %(min_influence)s
    GROUP BY t.top_id
),
summed AS (
    SELECT t.top_id, COUNT(*) - 1 AS members,
           {money("SUM(s.revenue)")} AS revenue,
           {money("SUM(s.revenue_prev)")} AS revenue_prev,
           {money("SUM(s.cost_of_goods)")} AS cogs,
           {money("SUM(s.cost_to_serve)")} AS cts,
           {money("SUM(s.turnover)")} AS turnover,
           {money("SUM(s.category_spend)")} AS category_spend
    FROM {TREE} t JOIN {SCORE} s ON s.account_id = t.account_id AND s.run_id = %(run)s
    GROUP BY t.top_id
)
SELECT g.*,
       CASE WHEN m.influential > 0
            THEN ROUND(CAST(100.0 * m.covered / m.influential AS NUMERIC), 2) END AS dmu,
       (g.category_spend IS NOT NULL AND g.revenue > g.category_spend) AS below
FROM summed g LEFT JOIN dmu m ON m.top_id = g.top_id
"""


def tops_update_sql() -> str:
    return f"""
UPDATE {SCORE}
SET revenue = g.revenue, revenue_prev = g.revenue_prev, cost_of_goods = g.cogs,
    cost_to_serve = g.cts,
    gross_margin = {money("g.revenue - g.cogs")},
    net_profit = {money("g.revenue - g.cogs - g.cts")},
    revenue_growth_pct = {pct("g.revenue - g.revenue_prev", "g.revenue_prev", GROWTH_LIMIT)},
    share_of_wallet_pct = CASE WHEN g.below THEN NULL
                               ELSE {pct("g.revenue", "g.category_spend", SHARE_LIMIT)} END,
    headroom = CASE WHEN g.category_spend IS NULL OR g.below THEN NULL
                    ELSE {money("g.category_spend - g.revenue")} END,
    spend_below_revenue = g.below,
    turnover = g.turnover, category_spend = g.category_spend,
    dmu_coverage_pct = g.dmu, members = g.members
FROM {SUMS} g
WHERE {SCORE}.run_id = %(run)s AND {SCORE}.account_id = g.top_id
"""


GROUP_SNAPSHOT_COLUMNS = [
    "is_key",
    "revenue",
    "cost_of_goods",
    "cost_to_serve",
    "gross_margin",
    "net_profit",
    "revenue_growth_pct",
    "share_of_wallet_pct",
    "cost_to_serve_pct",
    "gross_margin_pct",
    "net_margin_pct",
    *ENTERED,
    "members",
]


def group_snapshots_sql() -> str:
    d = dialect.date_param
    year_before = dialect.shift_months("q.period_start", -12)
    own = ", ".join(f"own.{name}" for name in ENTERED)
    return f"""
INSERT INTO {GROUP_SNAPSHOT} (account_id, period_start, run_id, {", ".join(GROUP_SNAPSHOT_COLUMNS)})
WITH per_account AS (
    SELECT t.top_id, t.account_id, m.period_start, m.revenue, m.cost_of_goods, m.cost_to_serve
    FROM {TREE} t JOIN {SNAPSHOT} m ON m.account_id = t.account_id
    WHERE m.period_start >= {d("year_before_from")} AND m.period_start < {d("snap_to")}
),
quarters AS (
    SELECT top_id, period_start, SUM(revenue) AS revenue, SUM(cost_of_goods) AS cogs,
           SUM(cost_to_serve) AS cts
    FROM per_account
    GROUP BY top_id, period_start
),
spend AS (
    SELECT top_id, members, category_spend FROM {SUMS}
),
figures AS (
    SELECT q.top_id, q.period_start, q.revenue, q.cogs, q.cts,
           {money("q.revenue - q.cogs")} AS gross,
           {money("q.revenue - q.cogs - q.cts")} AS net,
           p.revenue AS revenue_year_before, s.category_spend, s.members
    FROM quarters q
    JOIN spend s ON s.top_id = q.top_id
    LEFT JOIN quarters p ON p.top_id = q.top_id AND p.period_start = {year_before}
    WHERE q.period_start >= {d("snap_from")}
)
SELECT f.top_id, f.period_start, %(run)s,
       acc.status = %(key)s,
       {money("f.revenue")}, {money("f.cogs")}, {money("f.cts")}, f.gross, f.net,
       {pct("f.revenue - f.revenue_year_before", "f.revenue_year_before", GROWTH_LIMIT)},
       CASE WHEN 4 * f.revenue > f.category_spend THEN NULL
            ELSE {pct("4 * f.revenue", "f.category_spend", SHARE_LIMIT)} END,
       {pct("f.cts", "f.revenue", GROWTH_LIMIT)},
       {pct("f.gross", "f.revenue", GROWTH_LIMIT)},
       {pct("f.net", "f.revenue", GROWTH_LIMIT)},
       {own},
       f.members
FROM figures f
JOIN {ACCOUNT} acc ON acc.id = f.top_id
LEFT JOIN {SNAPSHOT} own ON own.account_id = f.top_id AND own.period_start = f.period_start
"""


def roll_up_groups(
    *, run_id: int, window: Window, snapshot_from: dt.date, key_status: str
) -> dict[str, int]:
    """Roll every group's subtree up into its top's score row, count the members and write
    the groups' snapshots of the recomputed quarters (8 statements whatever the accounts and
    the depth). Not idempotent once committed (the tops' rows then hold the sums it reads):
    the caller runs it in a transaction that records it as done (services._finalize_steps),
    before the health, the explanations and the scores."""
    params = {
        "run": run_id,
        "dmu_since": dialect.adapt_date(window.dmu_since),
        "as_of": dialect.adapt_date(window.as_of),
        "min_influence": DMU_MIN_INFLUENCE,
        "snap_from": dialect.adapt_date(snapshot_from),
        "snap_to": dialect.adapt_date(window.snapshot_end),
        "year_before_from": dialect.adapt_date(
            dt.date(snapshot_from.year - 1, snapshot_from.month, 1)
        ),
        "key": key_status,
    }
    with connection.cursor() as cursor:
        cursor.execute(tree_sql())
        cursor.execute(sums_sql(), params)
        cursor.execute(tops_update_sql(), params)
        groups = cursor.rowcount
        cursor.execute(f"SELECT COALESCE(SUM(members), 0) FROM {SUMS}")
        members = int(cursor.fetchone()[0])
        # A group's recomputed quarters are written afresh; a top that is no longer a group
        # keeps no group snapshots.
        cursor.execute(
            f"DELETE FROM {GROUP_SNAPSHOT} WHERE period_start >= {dialect.date_param('snap_from')}"
            f" OR account_id NOT IN (SELECT top_id FROM {SUMS})",
            params,
        )
        written = 0
        if snapshot_from < window.snapshot_end:
            cursor.execute(group_snapshots_sql(), params)
            written = cursor.rowcount
        cursor.execute(f"DROP TABLE {SUMS}")
        cursor.execute(f"DROP TABLE {TREE}")
    return {"groups": groups, "group_members": members, "group_snapshots_written": written}
