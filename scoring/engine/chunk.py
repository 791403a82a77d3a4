"""The per-chunk stage: everything that depends on one account's own rows, for an id range.

A chunk is a range of account ids [lo, hi]. One pass over the range's raw sales lines and
activities sums them per account, snapshot quarter and span into a temporary table (figures_sql);
from it one INSERT ... SELECT writes each account's AccountScore row of the run with the
trailing-12-month figures, and one upsert writes the account's quarterly MetricSnapshot rows
that are new or changed. The normalised scores, ranks, quadrants and flags need
all accounts and are left to the final stage (see final.py).

Definitions (all figures rounded to cents when stored):
- revenue, cost of goods: sums of the account's sales lines dated in the window.
- cost to serve: sum of activity quantity x rate (see rates.py), activities dated in the window.
- gross margin = revenue - cost of goods; net profit = revenue - cost of goods - cost to serve.
- revenue growth % = (T12 revenue - previous 12 months' revenue) / previous x 100, NULL when the
  previous revenue is not positive; clamped to the column's range.
- spend below revenue (a data-quality flag): the account has a category spend and our T12
  revenue exceeds it, so the stated spend is wrong. Then share of wallet and headroom are
  unknown (NULL), never an impossible share above 100% or a headroom clamped to 0.
- share of wallet % = T12 revenue / category spend x 100, NULL without a positive category
  spend or with the flag; headroom = category spend - T12 revenue, NULL without a category
  spend or with the flag.
- DMU coverage % = covered influential contacts / influential contacts x 100 (see thresholds.py);
  NULL when the account has no influential contact.
- satisfaction: the latest `satisfaction` MetricEntry whose quarter starts on or before as_of,
  held to 0-100; NULL when there is none.
- groups: an account with a parent is a member of a group of companies, not a unit of
  selection (is_unit FALSE), and its row names the top of its tree (the ancestor without a
  parent) as its group; the groups stage rolls the members' figures up (groups.py).
Quarterly snapshots: the same sums per calendar quarter, plus revenue growth against the same
quarter a year before, share of wallet against a quarter of the yearly category spend (NULL
when the quarter's revenue exceeds that quarter of the spend, as for the T12 share), cost to
serve / gross margin / net margin as % of revenue (NULL unless revenue is positive), and the
entered measures of that quarter. `is_key` is the account's status when the run computes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from accounts.models import DMU_MIN_INFLUENCE, Account, Activity, Contact, SalesLine
from scoring.engine import dialect
from scoring.engine.rates import RateSegment, rates_cte
from scoring.engine.thresholds import KEY_STATUS
from scoring.engine.whitespace import (
    category_revenue_sql,
    delete_category_revenue_sql,
    spend_cte,
)
from scoring.engine.window import Window, add_months
from scoring.models import AccountScore, MetricEntry, MetricKind, MetricSnapshot

ACCOUNT = Account._meta.db_table
SALES = SalesLine._meta.db_table
ACTIVITY = Activity._meta.db_table
CONTACT = Contact._meta.db_table
ENTRY = MetricEntry._meta.db_table
SCORE = AccountScore._meta.db_table
SNAPSHOT = MetricSnapshot._meta.db_table
# The chunk's sums of its raw rows, a temporary table that lives for one chunk (figures_sql).
FIGURES = "scoring_chunk_figures"

# Largest absolute values the percentage columns hold (max_digits - decimal_places digits).
GROWTH_LIMIT = "9999999.99"
SHARE_LIMIT = "99999.99"
# Our T12 revenue exceeds the account's stated category spend: the spend is wrong (FALSE, never
# NULL, without a spend).
SPEND_BELOW_REVENUE = "category_spend IS NOT NULL AND revenue > category_spend"


@dataclass(frozen=True)
class ChunkResult:
    accounts: int
    snapshots_written: int
    unrated_activities: int


def clamp(expr: str, limit: str) -> str:
    return (
        f"(CASE WHEN {expr} > {limit} THEN {limit} "
        f"WHEN {expr} < -{limit} THEN -{limit} ELSE {expr} END)"
    )


def money(expr: str) -> str:
    return f"ROUND(CAST({expr} AS NUMERIC), 2)"


def pct(numerator: str, denominator: str, limit: str) -> str:
    """numerator / denominator x 100, rounded to 2 places, NULL unless denominator > 0."""
    value = f"ROUND(CAST(100.0 * ({numerator}) / ({denominator}) AS NUMERIC), 2)"
    return f"(CASE WHEN {denominator} > 0 THEN {clamp(value, limit)} END)"


def _params(run_id: int, lo: int, hi: int, window: Window) -> dict:
    return {
        "run": run_id,
        "lo": lo,
        "hi": hi,
        "t12_start": dialect.adapt_date(window.t12_start),
        "t12_end": dialect.adapt_date(window.t12_end),
        "prev_start": dialect.adapt_date(window.prev_start),
        "as_of": dialect.adapt_date(window.as_of),
        "dmu_since": dialect.adapt_date(window.dmu_since),
        "min_influence": DMU_MIN_INFLUENCE,
        "satisfaction": MetricKind.SATISFACTION.value,
        "spend_year": window.as_of.year,
    }


def _buckets(date: str) -> tuple[str, str]:
    """The snapshot quarter (NULL outside the snapshot quarters) and the span of a date."""
    d = dialect.date_param
    quarter = (
        f"CASE WHEN {date} >= {d('snap_from')} AND {date} < {d('snap_to')} "
        f"THEN {dialect.quarter_start(date)} END"
    )
    span = (
        f"CASE WHEN {date} >= {d('t12_start')} THEN 2 "
        f"WHEN {date} >= {d('prev_start')} THEN 1 ELSE 0 END"
    )
    return quarter, span


def figures_sql(rates: str) -> str:
    """The chunk's one pass over its raw sales lines and activities, into a temporary table
    that both the scores and the snapshots read: sums per account, snapshot quarter (NULL
    outside the snapshot quarters) and span (2 = T12, 1 = the previous 12 months, 0 = older,
    read for the snapshots only). Sales lines and activities stay in rows of their own (a
    reader sums over both), so neither is joined to the other. Costs are kept as unrounded
    cost_units sums (exact on both databases), rounded to cents by the reader, once per figure.
    """
    d = dialect.date_param
    units = dialect.cost_units("a.quantity", "r.rate")
    sale_quarter, sale_span = _buckets("s.date")
    activity_quarter, activity_span = _buckets("a.date")
    return f"""
CREATE TEMPORARY TABLE {FIGURES} AS
WITH {rates}
SELECT s.account_id, {sale_quarter} AS period_start, {sale_span} AS span,
       COUNT(*) AS sales_lines, SUM(s.revenue) AS revenue, SUM(s.cost_of_goods) AS cogs,
       0 AS rated, 0 AS cost_units, 0 AS unrated
FROM {SALES} s
WHERE s.account_id BETWEEN %(lo)s AND %(hi)s
  AND s.date >= {d("sales_from")} AND s.date < {d("t12_end")}
GROUP BY s.account_id, {sale_quarter}, {sale_span}
UNION ALL
SELECT a.account_id, {activity_quarter}, {activity_span},
       0, 0, 0,
       SUM(CASE WHEN r.rate IS NULL THEN 0 ELSE 1 END),
       SUM(CASE WHEN r.rate IS NULL THEN 0 ELSE {units} END),
       SUM(CASE WHEN r.rate IS NULL THEN 1 ELSE 0 END)
FROM {ACTIVITY} a
LEFT JOIN rates r ON r.activity_type_id = a.activity_type_id
                 AND a.date >= r.start_d AND a.date <= r.end_d
WHERE a.account_id BETWEEN %(lo)s AND %(hi)s
  AND a.date >= {d("activities_from")} AND a.date < {d("t12_end")}
GROUP BY a.account_id, {activity_quarter}, {activity_span}
"""


def scores_sql() -> str:
    d = dialect.date_param
    # INSERT first, then WITH: Python's sqlite3 reports no rowcount for statements that
    # start with WITH.
    return f"""
INSERT INTO {SCORE} (
    run_id, account_id, revenue, revenue_prev, cost_of_goods, cost_to_serve, gross_margin,
    net_profit, revenue_growth_pct, share_of_wallet_pct, headroom, attractiveness,
    relative_strength, quadrant, "rank", stage, status, dmu_coverage_pct, satisfaction,
    is_pareto, is_4x, is_misclassified, kam_overloaded, spend_below_revenue,
    turnover, category_spend, is_unit, group_id, members, category_spend_estimated
)
WITH RECURSIVE {spend_cte()},
sums AS (
    SELECT account_id,
           SUM(CASE WHEN span = 2 THEN revenue ELSE 0 END) AS revenue,
           SUM(CASE WHEN span = 2 THEN cogs ELSE 0 END) AS cogs,
           SUM(CASE WHEN span = 1 THEN revenue ELSE 0 END) AS revenue_prev,
           {dialect.cost_cents("SUM(CASE WHEN span = 2 THEN cost_units ELSE 0 END)")} AS cts
    FROM {FIGURES}
    WHERE span > 0
    GROUP BY account_id
),
dmu AS (
    SELECT account_id,
           COUNT(*) AS influential,
           SUM(CASE WHEN relationship_owner_id IS NOT NULL
                     AND last_contact_on >= {d("dmu_since")} AND last_contact_on <= {d("as_of")}
                    THEN 1 ELSE 0 END) AS covered
    FROM {CONTACT}
    WHERE account_id BETWEEN %(lo)s AND %(hi)s AND influence >= %(min_influence)s
    GROUP BY account_id
),
satisfaction AS (
    SELECT account_id, value FROM (
        SELECT account_id, value,
               ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY period_start DESC) AS newest
        FROM {ENTRY}
        WHERE account_id BETWEEN %(lo)s AND %(hi)s
          AND metric = %(satisfaction)s AND period_start <= {d("as_of")}
    ) latest
    WHERE newest = 1
),
ancestry(account_id, ancestor_id) AS (
    -- every ancestor of the range's members (UNION: a cycle, which the account services
    -- refuse, ends the walk instead of looping; its accounts reach no top)
    SELECT id, parent_id FROM {ACCOUNT}
    WHERE id BETWEEN %(lo)s AND %(hi)s AND parent_id IS NOT NULL
    UNION
    SELECT up.account_id, a.parent_id
    FROM ancestry up JOIN {ACCOUNT} a ON a.id = up.ancestor_id
    WHERE a.parent_id IS NOT NULL
),
tops AS (
    SELECT up.account_id, up.ancestor_id AS top_id
    FROM ancestry up JOIN {ACCOUNT} a ON a.id = up.ancestor_id
    WHERE a.parent_id IS NULL
),
base AS (
    SELECT acc.id AS account_id, acc.stage, acc.status, tops.top_id,
           COALESCE(est.spend, acc.category_spend) AS category_spend,
           est.spend IS NOT NULL AS category_spend_estimated, acc.turnover,
           acc.parent_id,
           {money("COALESCE(s.revenue, 0)")} AS revenue,
           {money("COALESCE(s.revenue_prev, 0)")} AS revenue_prev,
           {money("COALESCE(s.cogs, 0)")} AS cogs,
           {money("COALESCE(s.cts, 0)")} AS cts,
           CASE WHEN m.influential > 0
                THEN ROUND(CAST(100.0 * m.covered / m.influential AS NUMERIC), 2) END AS dmu,
           CASE WHEN sat.value IS NULL THEN NULL
                WHEN sat.value < 0 THEN 0 WHEN sat.value > 100 THEN 100
                ELSE sat.value END AS satisfaction
    FROM {ACCOUNT} acc
    LEFT JOIN sums s ON s.account_id = acc.id
    LEFT JOIN dmu m ON m.account_id = acc.id
    LEFT JOIN satisfaction sat ON sat.account_id = acc.id
    LEFT JOIN estimated est ON est.account_id = acc.id
    LEFT JOIN tops ON tops.account_id = acc.id
    WHERE acc.id BETWEEN %(lo)s AND %(hi)s
)
SELECT %(run)s, account_id, revenue, revenue_prev, cogs, cts,
       {money("revenue - cogs")},
       {money("revenue - cogs - cts")},
       {pct("revenue - revenue_prev", "revenue_prev", GROWTH_LIMIT)},
       CASE WHEN {SPEND_BELOW_REVENUE} THEN NULL
            ELSE {pct("revenue", "category_spend", SHARE_LIMIT)} END,
       CASE WHEN category_spend IS NULL OR {SPEND_BELOW_REVENUE} THEN NULL
            ELSE {money("category_spend - revenue")} END,
       0, 0, '', 0, stage, status, dmu, satisfaction, FALSE, FALSE, FALSE, FALSE,
       ({SPEND_BELOW_REVENUE}),
       turnover, category_spend, (parent_id IS NULL), top_id, 0, category_spend_estimated
FROM base
"""


SNAPSHOT_VALUE_COLUMNS = [
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
    "satisfaction",
    "relationship_quality",
    "retention",
    "advocacy",
    "shared_investment",
]

ENTERED = {
    "satisfaction": MetricKind.SATISFACTION,
    "relationship_quality": MetricKind.RELATIONSHIP_QUALITY,
    "retention": MetricKind.RETENTION,
    "advocacy": MetricKind.ADVOCACY,
    "shared_investment": MetricKind.SHARED_INVESTMENT,
}
# Entered measures are held to what their columns hold: 0-100 scores, money for investments.
ENTERED_LIMIT = {
    "satisfaction": "999.99",
    "relationship_quality": "999.99",
    "retention": "999.99",
    "advocacy": "999.99",
    "shared_investment": "99999999999999.99",
}


def snapshots_sql() -> str:
    d = dialect.date_param
    entered = ",\n           ".join(
        f"MAX(CASE WHEN metric = '{kind.value}' THEN value END) AS {name}"
        for name, kind in ENTERED.items()
    )
    entered_out = ",\n       ".join(
        f"{clamp(f'e.{name}', ENTERED_LIMIT[name])} AS {name}" for name in ENTERED
    )
    year_before = dialect.shift_months("g.period_start", -12)
    columns = ", ".join(SNAPSHOT_VALUE_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in ["run_id", *SNAPSHOT_VALUE_COLUMNS])
    changed = " OR ".join(
        dialect.differs(f"{SNAPSHOT}.{c}", f"excluded.{c}") for c in SNAPSHOT_VALUE_COLUMNS
    )
    computed_columns = ", ".join(f"c.{column}" for column in SNAPSHOT_VALUE_COLUMNS)
    differs_from_stored = " OR ".join(
        dialect.differs(f"c.{column}", f"s.{column}") for column in SNAPSHOT_VALUE_COLUMNS
    )
    return f"""
INSERT INTO {SNAPSHOT} (account_id, period_start, run_id, {columns})
WITH {spend_cte()},
quarters AS (
    -- a quarter has figures when it has sales lines or rated activities
    SELECT account_id, period_start,
           SUM(revenue) AS revenue, SUM(cogs) AS cogs,
           {dialect.cost_cents("SUM(cost_units)")} AS cts
    FROM {FIGURES}
    WHERE period_start IS NOT NULL
    GROUP BY account_id, period_start
    HAVING MAX(sales_lines) > 0 OR MAX(rated) > 0
),
q_entries AS (
    SELECT account_id, period_start,
           {entered}
    FROM {ENTRY}
    WHERE account_id BETWEEN %(lo)s AND %(hi)s
      AND period_start >= {d("snap_from")} AND period_start < {d("snap_to")}
    GROUP BY account_id, period_start
),
stored AS (
    -- the range's snapshots from a year before the first recomputed quarter on: read once
    -- for the growth of the oldest quarters and to leave unchanged quarters alone
    SELECT account_id, period_start, {columns}
    FROM {SNAPSHOT}
    WHERE account_id BETWEEN %(lo)s AND %(hi)s
      AND period_start >= {d("stored_from")} AND period_start < {d("snap_to")}
),
keyset AS (
    SELECT account_id, period_start FROM quarters
    UNION SELECT account_id, period_start FROM q_entries
    UNION SELECT account_id, period_start FROM stored WHERE period_start >= {d("snap_from")}
),
grid AS (
    SELECT k.account_id, k.period_start, acc.status,
           COALESCE(est.spend, acc.category_spend) AS category_spend,
           {money("COALESCE(q.revenue, 0)")} AS revenue,
           {money("COALESCE(q.cogs, 0)")} AS cogs,
           {money("COALESCE(q.cts, 0)")} AS cts
    FROM keyset k
    JOIN {ACCOUNT} acc ON acc.id = k.account_id
    LEFT JOIN estimated est ON est.account_id = k.account_id
    LEFT JOIN quarters q ON q.account_id = k.account_id AND q.period_start = k.period_start
),
figures AS (
    SELECT g.account_id, g.period_start, g.status, g.category_spend, g.revenue, g.cogs, g.cts,
           {money("g.revenue - g.cogs")} AS gross,
           {money("g.revenue - g.cogs - g.cts")} AS net,
           COALESCE(p.revenue, older.revenue) AS revenue_year_before
    FROM grid g
    LEFT JOIN grid p ON p.account_id = g.account_id AND p.period_start = {year_before}
    LEFT JOIN stored older ON older.account_id = g.account_id
                          AND older.period_start = {year_before}
                          AND older.period_start < {d("snap_from")}
),
computed AS (
    SELECT f.account_id, f.period_start,
           f.status = %(key)s AS is_key,
           f.revenue, f.cogs AS cost_of_goods, f.cts AS cost_to_serve,
           f.gross AS gross_margin, f.net AS net_profit,
           {pct("f.revenue - f.revenue_year_before", "f.revenue_year_before", GROWTH_LIMIT)}
               AS revenue_growth_pct,
           CASE WHEN 4 * f.revenue > f.category_spend THEN NULL
                ELSE {pct("4 * f.revenue", "f.category_spend", SHARE_LIMIT)}
           END AS share_of_wallet_pct,
           {pct("f.cts", "f.revenue", GROWTH_LIMIT)} AS cost_to_serve_pct,
           {pct("f.gross", "f.revenue", GROWTH_LIMIT)} AS gross_margin_pct,
           {pct("f.net", "f.revenue", GROWTH_LIMIT)} AS net_margin_pct,
           {entered_out}
    FROM figures f
    LEFT JOIN q_entries e ON e.account_id = f.account_id AND e.period_start = f.period_start
)
SELECT c.account_id, c.period_start, %(run)s, {computed_columns}
FROM computed c
LEFT JOIN stored s ON s.account_id = c.account_id AND s.period_start = c.period_start
-- only new and changed quarters go on to the upsert
WHERE s.account_id IS NULL OR {differs_from_stored}
ON CONFLICT (account_id, period_start) DO UPDATE SET {updates}
WHERE {changed}
"""


def unrated_sql() -> str:
    return f"SELECT COALESCE(SUM(unrated), 0) FROM {FIGURES} WHERE span = 2"


def compute_chunk(
    *,
    run_id: int,
    window: Window,
    lo: int,
    hi: int,
    snapshot_from: dt.date,
    segments: list[RateSegment],
) -> ChunkResult:
    """Write the run's AccountScore rows and the MetricSnapshot rows of accounts lo..hi.

    Idempotent: the chunk first deletes this run's rows of its range, and snapshots are upserts,
    so a retried or redelivered chunk leaves exactly what one clean pass leaves. The caller
    wraps it in a transaction. A fixed number of statements, whatever the range holds.
    """
    rates, rate_params = rates_cte(segments)
    params = {
        **_params(run_id, lo, hi, window),
        **rate_params,
        "snap_from": dialect.adapt_date(snapshot_from),
        "snap_to": dialect.adapt_date(window.snapshot_end),
        "stored_from": dialect.adapt_date(add_months(snapshot_from, -12)),
        "sales_from": dialect.adapt_date(min(window.prev_start, snapshot_from)),
        "activities_from": dialect.adapt_date(min(window.t12_start, snapshot_from)),
        "key": KEY_STATUS,
    }
    with connection.cursor() as cursor:
        for statement in dialect.session_tuning_statements(
            256, nested_loops=False, index_scans=False
        ):
            cursor.execute(statement)
        cursor.execute(
            f"DELETE FROM {SCORE} WHERE run_id = %s AND account_id BETWEEN %s AND %s",
            [run_id, lo, hi],
        )
        # Created and dropped inside the caller's transaction: a chunk that fails half-way
        # leaves no table behind (both databases roll DDL back).
        cursor.execute(figures_sql(rates), params)
        cursor.execute(scores_sql(), params)
        accounts = cursor.rowcount
        if snapshot_from < window.snapshot_end:
            cursor.execute(snapshots_sql(), params)
            snapshots = cursor.rowcount
        else:
            snapshots = 0
        cursor.execute(delete_category_revenue_sql(), params)
        cursor.execute(category_revenue_sql(), params)
        cursor.execute(unrated_sql())
        unrated = int(cursor.fetchone()[0])
        cursor.execute(f"DROP TABLE {FIGURES}")
    return ChunkResult(accounts=accounts, snapshots_written=snapshots, unrated_activities=unrated)
