"""The few things the engine's SQL writes differently on PostgreSQL and SQLite, in one place.

Everything else in the engine is SQL both databases run as written. The conventions that make
the two give the same numbers:

- Every division is written `1.0 * a / b`: integers divide as integers on both databases, and
  SQLite stores whole decimals as integers.
- Every stored figure is rounded in SQL with ROUND(CAST(x AS NUMERIC), places): PostgreSQL rounds
  exact numerics half away from zero, SQLite rounds its doubles from their shortest decimal form
  the same way, so both store the same value (and rank and compare the stored values afterwards).
- Comparisons that decide flags are done in integer cents, which both databases add exactly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def date_param(name: str) -> str:
    """A date parameter usable in comparisons and VALUES lists (SQLite keeps dates as text)."""
    return f"CAST(%({name})s AS date)" if is_postgresql() else f"%({name})s"


def number_param(name: str) -> str:
    """A decimal parameter as a number (SQLite receives Decimals as text)."""
    return f"CAST(%({name})s AS {'numeric' if is_postgresql() else 'REAL'})"


def int_param(name: str) -> str:
    return f"CAST(%({name})s AS bigint)"


def adapt_date(value: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(value)


def adapt_datetime(value: dt.datetime) -> Any:
    """An aware datetime as the database stores it (SQLite: naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def quarter_start(column: str) -> str:
    """The first day of the calendar quarter of a date column, as a date (text on SQLite)."""
    if is_postgresql():
        # via timestamp (without time zone): no time-zone arithmetic on millions of rows
        return f"CAST(date_trunc('quarter', CAST({column} AS timestamp)) AS date)"
    return (
        f"date({column}, 'start of month', "
        f"'-' || ((CAST(strftime('%%m', {column}) AS INTEGER) - 1) %% 3) || ' months')"
    )


def shift_months(column: str, months: int) -> str:
    """A first-of-month date column moved by a whole number of months."""
    if is_postgresql():
        return f"CAST({column} + INTERVAL '{int(months)} months' AS date)"
    return f"date({column}, '{int(months):+d} months')"


def cost_units(quantity: str, rate: str) -> str:
    """quantity x rate as an exact, summable value. PostgreSQL's numerics are exact; on SQLite
    the quantity (3 places) and the rate (4 places) are multiplied as integers, in units of
    10**-7, so sums of many products cannot drift across a half cent. Both are never negative."""
    if is_postgresql():
        return f"{quantity} * {rate}"
    return f"CAST(ROUND({quantity} * 1000) AS INTEGER) * CAST(ROUND({rate} * 10000) AS INTEGER)"


def cost_cents(units: str) -> str:
    """A sum of cost_units() rounded half up to cents, as an amount."""
    if is_postgresql():
        return f"ROUND({units}, 2)"
    return f"(({units} + 50000) / 100000 / 100.0)"


def differs(left: str, right: str) -> str:
    """Null-safe inequality."""
    return f"{left} IS DISTINCT FROM {right}" if is_postgresql() else f"{left} IS NOT {right}"


def session_tuning_statements(
    work_mem_mb: int, *, nested_loops: bool, index_scans: bool = True
) -> list[str]:
    """Per-transaction settings for the big set-based statements, on PostgreSQL: enough
    work_mem for their hash aggregates and sorts to stay in memory; no JIT compilation (the
    statements' cost estimates trigger it, and compiling them took up to a second each to save
    nothing measurable); optionally no nested loops (the per-account aggregates of a chunk:
    with stale statistics the planner would re-run a whole aggregate once per account); and
    optionally bitmap scans instead of plain index scans (a chunk reads an id range's rows
    over two years: through the (account, date) index as a bitmap it visits the heap in page
    order and only the range's rows, where a scan of the date index, which the planner prefers
    for the date-ordered sales lines, reads every account's rows of those years). Nothing on
    SQLite."""
    if is_postgresql():
        return [
            f"SELECT set_config('work_mem', '{int(work_mem_mb)}MB', true), "
            "set_config('jit', 'off', true), "
            f"set_config('enable_nestloop', '{'on' if nested_loops else 'off'}', true), "
            f"set_config('enable_indexscan', '{'on' if index_scans else 'off'}', true)"
        ]
    return []


def check_constraints_now_statements() -> list[str]:
    """Statements that run the transaction's deferred foreign-key checks now rather than at
    its commit (PostgreSQL; SQLite checks nothing deferred this way): a chunk checks its rows
    before it locks the run row for its bookkeeping, so two chunks check side by side instead
    of one after the other behind that lock."""
    return ["SET CONSTRAINTS ALL IMMEDIATE"] if is_postgresql() else []


def refresh_statistics_statements(table: str, columns: list[str]) -> list[str]:
    """Statements that refresh the planner's statistics of a table just filled (PostgreSQL's
    autovacuum would only get to it later, and the final stage's plans depend on them), for
    the columns the plans filter and join on only: the others cost time and steer nothing."""
    return [f"ANALYZE {table} ({', '.join(columns)})"] if is_postgresql() else []


def lines_per_account(source: str, columns: list[str], *, order: str, total: str) -> str:
    """`SELECT %(run)s, account_id, <JSON array of one array of `columns` per row of `source`,
    in `order`>, <the sum of `total`, 2 places>` with one row per account of `source`, in
    account order. PostgreSQL aggregates in order, as `jsonb`: a `json` column is built about
    0.5-1 s faster at 50,000 accounts and takes half the space, but reading one line of every
    unit (explanations.positive_values, the what-if) then parses each whole document, 1.6-2 s
    at 250,000 where jsonb takes 0.2 s. SQLite (no ORDER BY in an aggregate before 3.44)
    reads the aggregate as a window over each account's rows in order, then keeps one row of
    each account."""
    if is_postgresql():
        return f"""
SELECT %(run)s, account_id,
       jsonb_agg(jsonb_build_array({", ".join(columns)}) ORDER BY {order}),
       ROUND(SUM({total}), 2)
FROM {source}
GROUP BY account_id
-- in the order of the unique index, so its pages fill one after the other
ORDER BY account_id"""
    return f"""
SELECT %(run)s, account_id, lines, attractiveness FROM (
    SELECT account_id,
           json_group_array(json_array({", ".join(columns)})) OVER every_line AS lines,
           ROUND(SUM({total}) OVER every_line, 2) AS attractiveness,
           ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY {order}) AS line
    FROM {source}
    WINDOW every_line AS (PARTITION BY account_id ORDER BY {order}
                          ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
) explained
WHERE line = 1
ORDER BY account_id"""
