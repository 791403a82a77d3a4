"""The per-chunk stage: everything that depends on one account's own rows, for an id range.

A chunk is a range of account ids [lo, hi]. For each account in it, one INSERT ... SELECT writes
the run's AccountScore row with the trailing-12-month figures, and one upsert writes the
account's quarterly MetricSnapshot rows. The normalised scores, ranks, quadrants and flags need
all accounts and are left to the final stage (see final.py).

Definitions (all figures rounded to cents when stored):
- revenue, cost of goods: sums of the account's sales lines dated in the window.
- cost to serve: sum of activity quantity x rate (see rates.py), activities dated in the window.
- gross margin = revenue - cost of goods; net profit = revenue - cost of goods - cost to serve.
- revenue growth % = (T12 revenue - previous 12 months' revenue) / previous x 100, NULL when the
  previous revenue is not positive; clamped to the column's range.
- share of wallet % = T12 revenue / category spend x 100, NULL without a positive category
  spend; headroom = category spend - T12 revenue, never below 0, NULL without a category spend.
- DMU coverage % = covered influential contacts / influential contacts x 100 (see rules.py);
  NULL when the account has no influential contact.
- satisfaction: the latest `satisfaction` MetricEntry whose quarter starts on or before as_of,
  held to 0-100; NULL when there is none.
Quarterly snapshots: the same sums per calendar quarter, plus revenue growth against the same
quarter a year before, share of wallet against a quarter of the yearly category spend, cost to
serve / gross margin / net margin as % of revenue (NULL unless revenue is positive), and the
entered measures of that quarter. `is_key` is the account's status when the run computes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from accounts.models import Account, Activity, Contact, SalesLine
from scoring.engine import dialect
from scoring.engine.rates import RateSegment, rates_cte
from scoring.engine.rules import DMU_MIN_INFLUENCE, KEY_STATUS
from scoring.engine.window import Window
from scoring.models import AccountScore, MetricEntry, MetricKind, MetricSnapshot

ACCOUNT = Account._meta.db_table
SALES = SalesLine._meta.db_table
ACTIVITY = Activity._meta.db_table
CONTACT = Contact._meta.db_table
ENTRY = MetricEntry._meta.db_table
SCORE = AccountScore._meta.db_table
SNAPSHOT = MetricSnapshot._meta.db_table

# Largest absolute values the percentage columns hold (max_digits - decimal_places digits).
GROWTH_LIMIT = "9999999.99"
SHARE_LIMIT = "99999.99"


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
    }


def scores_sql(rates: str) -> str:
    d = dialect.date_param
    cost = dialect.cost_cents(f"SUM({dialect.cost_units('a.quantity', 'r.rate')})")
    # INSERT first, then WITH: Python's sqlite3 reports no rowcount for statements that
    # start with WITH.
    return f"""
INSERT INTO {SCORE} (
    run_id, account_id, revenue, revenue_prev, cost_of_goods, cost_to_serve, gross_margin,
    net_profit, revenue_growth_pct, share_of_wallet_pct, headroom, attractiveness,
    relative_strength, quadrant, "rank", stage, status, dmu_coverage_pct, satisfaction,
    is_pareto, is_4x, is_misclassified, kam_overloaded
)
WITH {rates},
sales AS (
    SELECT account_id,
           SUM(CASE WHEN date >= {d("t12_start")} THEN revenue ELSE 0 END) AS revenue,
           SUM(CASE WHEN date >= {d("t12_start")} THEN cost_of_goods ELSE 0 END) AS cogs,
           SUM(CASE WHEN date < {d("t12_start")} THEN revenue ELSE 0 END) AS revenue_prev
    FROM {SALES}
    WHERE account_id BETWEEN %(lo)s AND %(hi)s
      AND date >= {d("prev_start")} AND date < {d("t12_end")}
    GROUP BY account_id
),
costs AS (
    SELECT a.account_id, {cost} AS cts
    FROM {ACTIVITY} a
    JOIN rates r ON r.activity_type_id = a.activity_type_id
                AND a.date >= r.start_d AND a.date <= r.end_d
    WHERE a.account_id BETWEEN %(lo)s AND %(hi)s
      AND a.date >= {d("t12_start")} AND a.date < {d("t12_end")}
    GROUP BY a.account_id
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
base AS (
    SELECT acc.id AS account_id, acc.stage, acc.status, acc.category_spend,
           {money("COALESCE(s.revenue, 0)")} AS revenue,
           {money("COALESCE(s.revenue_prev, 0)")} AS revenue_prev,
           {money("COALESCE(s.cogs, 0)")} AS cogs,
           {money("COALESCE(c.cts, 0)")} AS cts,
           CASE WHEN m.influential > 0
                THEN ROUND(CAST(100.0 * m.covered / m.influential AS NUMERIC), 2) END AS dmu,
           CASE WHEN sat.value IS NULL THEN NULL
                WHEN sat.value < 0 THEN 0 WHEN sat.value > 100 THEN 100
                ELSE sat.value END AS satisfaction
    FROM {ACCOUNT} acc
    LEFT JOIN sales s ON s.account_id = acc.id
    LEFT JOIN costs c ON c.account_id = acc.id
    LEFT JOIN dmu m ON m.account_id = acc.id
    LEFT JOIN satisfaction sat ON sat.account_id = acc.id
    WHERE acc.id BETWEEN %(lo)s AND %(hi)s
)
SELECT %(run)s, account_id, revenue, revenue_prev, cogs, cts,
       {money("revenue - cogs")},
       {money("revenue - cogs - cts")},
       {pct("revenue - revenue_prev", "revenue_prev", GROWTH_LIMIT)},
       {pct("revenue", "category_spend", SHARE_LIMIT)},
       CASE WHEN category_spend IS NULL THEN NULL
            WHEN category_spend > revenue THEN {money("category_spend - revenue")}
            ELSE 0 END,
       0, 0, '', 0, stage, status, dmu, satisfaction, FALSE, FALSE, FALSE, FALSE
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


def snapshots_sql(rates: str) -> str:
    d = dialect.date_param
    q_sales = dialect.quarter_start("date")
    q_activity = dialect.quarter_start("a.date")
    cost = dialect.cost_cents(f"SUM({dialect.cost_units('a.quantity', 'r.rate')})")
    entered = ",\n           ".join(
        f"MAX(CASE WHEN metric = '{kind.value}' THEN value END) AS {name}"
        for name, kind in ENTERED.items()
    )
    entered_out = ", ".join(clamp(f"e.{name}", ENTERED_LIMIT[name]) for name in ENTERED)
    year_before = dialect.shift_months("g.period_start", -12)
    columns = ", ".join(SNAPSHOT_VALUE_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in ["run_id", *SNAPSHOT_VALUE_COLUMNS])
    changed = " OR ".join(
        dialect.differs(f"{SNAPSHOT}.{c}", f"excluded.{c}") for c in SNAPSHOT_VALUE_COLUMNS
    )
    return f"""
INSERT INTO {SNAPSHOT} (account_id, period_start, run_id, {columns})
WITH {rates},
q_sales AS (
    SELECT account_id, {q_sales} AS period_start,
           SUM(revenue) AS revenue, SUM(cost_of_goods) AS cogs
    FROM {SALES}
    WHERE account_id BETWEEN %(lo)s AND %(hi)s
      AND date >= {d("snap_from")} AND date < {d("snap_to")}
    GROUP BY account_id, {q_sales}
),
q_costs AS (
    SELECT a.account_id, {q_activity} AS period_start, {cost} AS cts
    FROM {ACTIVITY} a
    JOIN rates r ON r.activity_type_id = a.activity_type_id
                AND a.date >= r.start_d AND a.date <= r.end_d
    WHERE a.account_id BETWEEN %(lo)s AND %(hi)s
      AND a.date >= {d("snap_from")} AND a.date < {d("snap_to")}
    GROUP BY a.account_id, {q_activity}
),
q_entries AS (
    SELECT account_id, period_start,
           {entered}
    FROM {ENTRY}
    WHERE account_id BETWEEN %(lo)s AND %(hi)s
      AND period_start >= {d("snap_from")} AND period_start < {d("snap_to")}
    GROUP BY account_id, period_start
),
keyset AS (
    SELECT account_id, period_start FROM q_sales
    UNION SELECT account_id, period_start FROM q_costs
    UNION SELECT account_id, period_start FROM q_entries
    UNION SELECT account_id, period_start FROM {SNAPSHOT}
          WHERE account_id BETWEEN %(lo)s AND %(hi)s
            AND period_start >= {d("snap_from")} AND period_start < {d("snap_to")}
),
grid AS (
    SELECT k.account_id, k.period_start, acc.status, acc.category_spend,
           {money("COALESCE(s.revenue, 0)")} AS revenue,
           {money("COALESCE(s.cogs, 0)")} AS cogs,
           {money("COALESCE(c.cts, 0)")} AS cts
    FROM keyset k
    JOIN {ACCOUNT} acc ON acc.id = k.account_id
    LEFT JOIN q_sales s ON s.account_id = k.account_id AND s.period_start = k.period_start
    LEFT JOIN q_costs c ON c.account_id = k.account_id AND c.period_start = k.period_start
),
figures AS (
    SELECT g.account_id, g.period_start, g.status, g.category_spend, g.revenue, g.cogs, g.cts,
           {money("g.revenue - g.cogs")} AS gross,
           {money("g.revenue - g.cogs - g.cts")} AS net,
           COALESCE(p.revenue, stored.revenue) AS revenue_year_before
    FROM grid g
    LEFT JOIN grid p ON p.account_id = g.account_id AND p.period_start = {year_before}
    LEFT JOIN {SNAPSHOT} stored ON stored.account_id = g.account_id
                              AND stored.period_start = {year_before}
                              AND stored.period_start < {d("snap_from")}
                              AND stored.account_id BETWEEN %(lo)s AND %(hi)s
)
SELECT f.account_id, f.period_start, %(run)s,
       f.status = %(key)s,
       f.revenue, f.cogs, f.cts, f.gross, f.net,
       {pct("f.revenue - f.revenue_year_before", "f.revenue_year_before", GROWTH_LIMIT)},
       {pct("4 * f.revenue", "f.category_spend", SHARE_LIMIT)},
       {pct("f.cts", "f.revenue", GROWTH_LIMIT)},
       {pct("f.gross", "f.revenue", GROWTH_LIMIT)},
       {pct("f.net", "f.revenue", GROWTH_LIMIT)},
       {entered_out}
FROM figures f
LEFT JOIN q_entries e ON e.account_id = f.account_id AND e.period_start = f.period_start
WHERE 1 = 1
ON CONFLICT (account_id, period_start) DO UPDATE SET {updates}
WHERE {changed}
"""


def unrated_sql(rates: str) -> str:
    d = dialect.date_param
    return f"""
WITH {rates}
SELECT COUNT(*) FROM {ACTIVITY} a
WHERE a.account_id BETWEEN %(lo)s AND %(hi)s
  AND a.date >= {d("t12_start")} AND a.date < {d("t12_end")}
  AND NOT EXISTS (
      SELECT 1 FROM rates r
      WHERE r.activity_type_id = a.activity_type_id AND a.date >= r.start_d AND a.date <= r.end_d
  )
"""


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
        "key": KEY_STATUS,
    }
    with connection.cursor() as cursor:
        for statement in dialect.session_tuning_statements(256, nested_loops=False):
            cursor.execute(statement)
        cursor.execute(
            f"DELETE FROM {SCORE} WHERE run_id = %s AND account_id BETWEEN %s AND %s",
            [run_id, lo, hi],
        )
        cursor.execute(scores_sql(rates), params)
        accounts = cursor.rowcount
        if snapshot_from < window.snapshot_end:
            cursor.execute(snapshots_sql(rates), params)
            snapshots = cursor.rowcount
        else:
            snapshots = 0
        cursor.execute(unrated_sql(rates), params)
        unrated = int(cursor.fetchone()[0])
    return ChunkResult(accounts=accounts, snapshots_written=snapshots, unrated_activities=unrated)
