"""Run-level reads and housekeeping around the chunks: how to split, what to snapshot, pruning."""

from __future__ import annotations

import datetime as dt

from django.db import connection

from accounts.models import Account, Activity, SalesLine
from kam import bounds
from scoring.engine import dialect
from scoring.engine.window import Window, quarter_start
from scoring.models import (
    AccountScore,
    CategoryRevenue,
    GroupSnapshot,
    HealthScore,
    InvestmentWarning,
    MetricEntry,
    MetricSnapshot,
    ScoreExplanation,
    ScoringRun,
)

# Every table a run writes or prunes: vacuumed and analysed once the run has committed.
RUN_TABLES = (
    ScoreExplanation,
    AccountScore,
    CategoryRevenue,
    MetricSnapshot,
    GroupSnapshot,
    HealthScore,
    InvestmentWarning,
)
# The same tables in two sets of about the same vacuum time (at 50,000 accounts 1.7 s and
# 1.2 s, most of it ANALYZE's sample), which a run vacuums side by side where it can.
VACUUM_SETS = (
    (AccountScore, HealthScore, ScoreExplanation, InvestmentWarning),
    (CategoryRevenue, MetricSnapshot, GroupSnapshot),
)


def chunk_bounds(chunks: int) -> list[tuple[int, int]]:
    """Split the accounts into at most `chunks` id ranges of (nearly) equal account counts
    (one query); fewer ranges when there are fewer accounts than chunks."""
    table = Account._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT MIN(id), MAX(id) FROM (
                SELECT id, NTILE(%s) OVER (ORDER BY id) AS tile FROM {table}
            ) tiles
            GROUP BY tile ORDER BY tile
            """,
            [chunks],
        )
        return [(int(lo), int(hi)) for lo, hi in cursor.fetchall()]


def snapshot_start(window: Window, *, full_history: bool) -> tuple[dt.date, dt.date | None]:
    """The first quarter this run (re)computes snapshots for: normally the recent window; the
    first quarter with any data (from kam.bounds.EARLIEST on) when asked for, or when older
    quarters have never been snapshotted yet (first run, history imported later). With it, the
    first day of business data (a sales line or an activity; None without any): the quarter
    that contains it has only part of its months of data when that day is not in its first
    month (see scoring/quarters.py). One query."""
    firsts = _first_dates()
    data_start = min((day for day in firsts[:3] if day is not None), default=None)
    business_from = min((day for day in firsts[:2] if day is not None), default=None)
    recent = window.snapshot_recent_start
    if data_start is None:
        return recent, business_from
    data_quarter = quarter_start(data_start)
    first_snapshot = firsts[3]
    if full_history or first_snapshot is None or first_snapshot > data_quarter:
        return min(data_quarter, recent), business_from
    return recent, business_from


def _first_dates() -> tuple:
    tables = {
        "sales": SalesLine._meta.db_table,
        "activity": Activity._meta.db_table,
        "entry": MetricEntry._meta.db_table,
        "snapshot": MetricSnapshot._meta.db_table,
    }
    # Rows dated before the accepted range (stored before it existed) are skipped: they get
    # no quarters of their own, and the runs after them stay as short as before.
    earliest = dialect.date_param("earliest")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT (SELECT MIN(date) FROM {tables["sales"]} WHERE date >= {earliest}),
                   (SELECT MIN(date) FROM {tables["activity"]} WHERE date >= {earliest}),
                   (SELECT MIN(period_start) FROM {tables["entry"]}
                    WHERE period_start >= {earliest}),
                   (SELECT MIN(period_start) FROM {tables["snapshot"]})
            """,
            {"earliest": dialect.adapt_date(bounds.EARLIEST)},
        )
        row = cursor.fetchone()
    return tuple(_as_date(value) for value in row)


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def prune_runs(*, keep_succeeded: int, current_run_id: int) -> int:
    """Delete the score rows of every run but the newest `keep_succeeded` succeeded ones and
    the current one (6 queries); the ScoringRun rows stay as the record of what ran.

    The deletes name the runs to prune, so they go through the (run, ...) unique indexes to
    those runs' rows instead of reading every kept row to find them."""
    newest = (
        ScoringRun.objects.filter(status="succeeded")
        .order_by("-finished_at", "-pk")
        .values("pk")[:keep_succeeded]
    )
    pruned = list(
        ScoringRun.objects.exclude(pk=current_run_id)
        .exclude(pk__in=newest)
        .values_list("pk", flat=True)
    )
    ScoreExplanation.objects.filter(run_id__in=pruned).delete()
    # A run's investment warnings go with its scores; a succeeded run's HealthScore rows stay
    # (the health history, and the explanation of each: its component lines are read from the
    # row). A run that did not succeed may have written them before it failed: they go.
    InvestmentWarning.objects.filter(run_id__in=pruned).delete()
    HealthScore.objects.filter(run_id__in=pruned).exclude(run__status="succeeded").delete()
    # The white-space actuals (about four rows per account) go with the scores too.
    CategoryRevenue.objects.filter(run_id__in=pruned).delete()
    deleted, _ = AccountScore.objects.filter(run_id__in=pruned).delete()
    return deleted


def reclaim_pruned_rows(models: tuple[type, ...] = RUN_TABLES) -> None:
    """VACUUM (ANALYZE) the tables a run writes (or `models` of them), once it has committed
    (PostgreSQL, outside any transaction; nothing else).

    Every run deletes an old run's 700,000 rows and updates the 50,000 it wrote, and where
    autovacuum is off or behind, the dead rows would pile up: the tables grew to 4 GB over
    twenty runs here, and every reader (the preview, the dashboard) paid for it. The space is
    reused by the next run. ANALYZE too: the pages' plans depend on the new run's figures
    being in the statistics. Without it, the portfolio white-space view at 50,000 accounts
    took 90 s (the category revenue of a run looked like 2 rows, not 30,000, and was read
    once per estimate) instead of 20 ms."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = ", ".join(model._meta.db_table for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")
