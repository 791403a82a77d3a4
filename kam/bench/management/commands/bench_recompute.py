"""`python manage.py bench_recompute`: time the full recompute against a bare SQL floor.

    manage.py bench_recompute --accounts 50000 --sales-lines 5000000 --activities 2000000
        [--runs 3] [--workers N] [--rebuild] [--grouped-share 0.3]

On PostgreSQL only. Builds the benchmark dataset with seed_demo (3 years), or reuses the one
already in the database when it was built with the same sizes and still holds what was built
(a marker table, kam_bench_dataset, records both). Then runs the full recompute `--runs` times
(in this process, or through N real Celery worker processes on Redis with --workers N, which
needs REDIS_URL in the environment; it then prints each worker's peak memory, the largest
resident set of the worker and its pool process), and
times two floors under the engine's own session settings (work_mem, no JIT, no nested loops):

- the work floor does the same necessary work as a run in the fastest way PostgreSQL allows:
  it reads what a run must read (the sales lines of the 24 months the run needs, the
  trailing-12-month activities x rates, the ratings and the DMU contacts) and writes, per
  unit of selection (a group, its subtree rolled up, or a standalone account), one row
  holding every criterion's raw value, its normalised value (the same percentile rule) and
  the score, in one `INSERT ... SELECT` into an unlogged table;
- the old floor (kept for comparison) is one bare GROUP BY per account over the
  trailing-12-month sales lines and one over the activities x rates, returning one row each,
  writing nothing.

The last line printed is always
`recompute_s=<median> floor_s=<median> ratio=<n> work_floor_s=<median> work_ratio=<n>`.
With --grouped-share S (default 0.3) about S of the accounts are members of groups of
companies (seed_demo: a top and 4 members each, two entities and two plants, depth 2), so
the run's groups stage rolls up a realistic share; --grouped-share 0 gives the flat dataset.
"""

from __future__ import annotations

import json
import signal
import statistics
import subprocess
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts.models import DMU_MIN_INFLUENCE, Account, Activity, Contact, SalesLine
from kam.bench import peak_memory_mb, start_celery_worker
from scoring import services
from scoring.engine import dialect, final
from scoring.engine import window as window_engine
from scoring.engine.rates import load_segments, rates_cte
from scoring.models import CostRate, Criterion, Rating, RunStatus, RunTrigger, ScoringRun

MARKER = "kam_bench_dataset"
WORKER_BOOT_TIMEOUT = 60
RUN_TIMEOUT = 3600
# The final stage ("scores") is the groups step, then the health beside the explanations
# (each timed on its own), then the scores' update.
STAGES = [
    "prepare", "chunks", "chunks_busy", "scores", "groups", "health", "explanations", "prune",
    "vacuum",
]  # fmt: skip
WORK_FLOOR = "kam_bench_work_floor"


def _counts() -> dict[str, int]:
    return {
        "accounts": Account.objects.count(),
        "sales_lines": SalesLine.objects.count(),
        "activities": Activity.objects.count(),
    }


class Command(BaseCommand):
    help = "Benchmark the full recompute against a bare SQL floor (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=50_000)
        parser.add_argument("--sales-lines", dest="sales_lines", type=int, default=5_000_000)
        parser.add_argument("--activities", type=int, default=2_000_000)
        parser.add_argument("--runs", type=int, default=3, help="recomputes to time (default 3)")
        parser.add_argument(
            "--workers", type=int, default=0, help="run through N Celery worker processes"
        )
        parser.add_argument("--rebuild", action="store_true", help="build a fresh dataset")
        parser.add_argument(
            "--grouped-share",
            dest="grouped_share",
            type=float,
            default=0.3,
            help="share of the accounts that are members of a group (seed_demo's groups: a "
            "top and 4 members, two entities and two plants below the first); default 0.3",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_recompute needs PostgreSQL (set DATABASE_URL).")
        if options["workers"] and not settings.REDIS_URL:
            raise CommandError(
                "--workers needs REDIS_URL in the environment (e.g. redis://127.0.0.1:6379/0): "
                "this process and the workers share that broker."
            )
        requested = {
            "accounts": options["accounts"],
            "sales_lines": options["sales_lines"],
            "activities": options["activities"],
            "years": 3,
            "grouped_share": options["grouped_share"],
        }
        self._dataset(requested, rebuild=options["rebuild"])

        workers = []
        if options["workers"]:
            workers = self._start_workers(options["workers"], settings.REDIS_URL)
        try:
            timings = [self._timed_run(index, bool(workers)) for index in range(options["runs"])]
            peaks = [peak_memory_mb(worker.pid) for worker in workers]
        finally:
            self._stop_workers(workers)
        floors = [self._floor() for _ in range(options["runs"])]
        work_floors = [self._work_floor() for _ in range(options["runs"])]

        for index, (seconds, run) in enumerate(timings, start=1):
            stages = " ".join(
                f"{stage}={run.stage_durations[stage]:.3f}s"
                for stage in STAGES
                if stage in run.stage_durations
            )
            self.stdout.write(
                f"run {index}: {seconds:.3f}s ({run.accounts_count} accounts, "
                f"{run.counts.get('groups', 0)} groups, {run.counts.get('units', 0)} units) "
                f"{stages}"
            )
        for index, peak in enumerate(peaks):
            shown = "unknown (no /proc)" if peak is None else f"{peak:.0f} MB"
            self.stdout.write(f"worker {index} peak memory: {shown}")
        for index, (sales, costs) in enumerate(floors, start=1):
            self.stdout.write(
                f"floor {index}: {sales + costs:.3f}s (sales {sales:.3f}s, costs {costs:.3f}s)"
            )
        for index, (seconds, rows) in enumerate(work_floors, start=1):
            self.stdout.write(f"work floor {index}: {seconds:.3f}s ({rows} rows written)")
        recompute_s = statistics.median(seconds for seconds, _ in timings)
        floor_s = statistics.median(sales + costs for sales, costs in floors)
        work_floor_s = statistics.median(seconds for seconds, _ in work_floors)
        self.stdout.write(
            f"recompute_s={recompute_s:.3f} floor_s={floor_s:.3f} ratio={recompute_s / floor_s:.2f}"
            f" work_floor_s={work_floor_s:.3f} work_ratio={recompute_s / work_floor_s:.2f}"
        )

    # The dataset --------------------------------------------------------------------------

    def _dataset(self, requested: dict, *, rebuild: bool) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {MARKER} "
                "(id integer PRIMARY KEY, requested jsonb NOT NULL, built jsonb NOT NULL)"
            )
            cursor.execute(f"SELECT requested, built FROM {MARKER} WHERE id = 1")
            row = cursor.fetchone()
        if not rebuild and row is not None:
            marker_requested, built = (
                value if isinstance(value, dict) else json.loads(value) for value in row
            )
            if marker_requested == requested and built == _counts():
                self.stdout.write(f"Reusing the benchmark dataset: {built}")
                return
        self.stdout.write(f"Building the benchmark dataset: {requested}")
        call_command(
            "seed_demo",
            accounts=requested["accounts"],
            years=requested["years"],
            sales_lines=requested["sales_lines"],
            activities=requested["activities"],
            grouped_share=requested["grouped_share"],
            reset=True,
            stdout=self.stdout,
        )
        built = _counts()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {MARKER} (id, requested, built) VALUES (1, %s, %s) "
                "ON CONFLICT (id) DO UPDATE SET requested = excluded.requested, "
                "built = excluded.built",
                [json.dumps(requested), json.dumps(built)],
            )
        self.stdout.write(f"Built: {built}")

    # One timed recompute ------------------------------------------------------------------

    def _timed_run(self, index: int, through_workers: bool) -> tuple[float, ScoringRun]:
        from scoring import tasks

        started = time.monotonic()
        run = services.run_request(trigger=RunTrigger.COMMAND)
        if through_workers:
            tasks.start_run.delay(run.pk)
            deadline = started + RUN_TIMEOUT
            # over when it failed, or succeeded and vacuumed (the last thing the final task does)
            while True:
                run.refresh_from_db()
                if run.status == RunStatus.FAILED or "vacuum" in run.stage_durations:
                    break
                if time.monotonic() > deadline:
                    raise CommandError(f"Run {run.pk} did not end within {RUN_TIMEOUT}s.")
                time.sleep(0.02)
        else:
            run = services.run_recompute(run=run)
        seconds = time.monotonic() - started
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"Run {run.pk} did not succeed: {run.status} {run.error}")
        self.stderr.write(f"run {index + 1}: {seconds:.3f}s")
        return seconds, run

    # The floor ----------------------------------------------------------------------------

    def _floor(self) -> tuple[float, float]:
        window = window_engine.Window(ScoringRun.objects.latest("pk").as_of)
        bounds = [window.t12_start, window.t12_end]
        sales = SalesLine._meta.db_table
        activity = Activity._meta.db_table
        rate = CostRate._meta.db_table
        # The floor gets the engine's session settings (work_mem, no JIT, no nested loops), so
        # a planner misestimate never makes it slower than it has to be and the ratio flattering.
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in dialect.session_tuning_statements(256, nested_loops=False):
                cursor.execute(statement)
            started = time.monotonic()
            cursor.execute(
                f"""SELECT COUNT(*), SUM(revenue), SUM(cogs) FROM (
                        SELECT account_id, SUM(revenue) AS revenue, SUM(cost_of_goods) AS cogs
                        FROM {sales} WHERE date >= %s AND date < %s GROUP BY account_id
                    ) per_account""",
                bounds,
            )
            cursor.fetchone()
            sales_s = time.monotonic() - started
            started = time.monotonic()
            cursor.execute(
                f"""SELECT COUNT(*), SUM(cts) FROM (
                        SELECT a.account_id, SUM(a.quantity * r.rate) AS cts
                        FROM {activity} a
                        JOIN {rate} r ON r.activity_type_id = a.activity_type_id
                                     AND a.date BETWEEN r.period_start AND r.period_end
                        WHERE a.date >= %s AND a.date < %s GROUP BY a.account_id
                    ) per_account""",
                bounds,
            )
            cursor.fetchone()
            costs_s = time.monotonic() - started
        return sales_s, costs_s

    def _work_floor(self) -> tuple[float, int]:
        """The same necessary work as a run, as one INSERT ... SELECT (see the module doc)."""
        run = ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).latest("pk")
        window = window_engine.Window(run.as_of)
        criteria = [
            {"id": pk, "source": source, "weight": run.weights[key]}
            for pk, key, source in Criterion.objects.filter(key__in=list(run.weights))
            .order_by("position", "key")
            .values_list("pk", "key", "source")
        ]
        if not criteria:
            raise CommandError("The last run used no criteria: nothing to compare with.")
        crit, crit_params = final.criteria_cte(criteria)
        rates, rate_params = rates_cte(load_segments()[0])
        params = {
            **crit_params,
            **rate_params,
            "prev_start": window.prev_start,
            "t12_start": window.t12_start,
            "t12_end": window.t12_end,
            "as_of": window.as_of,
            "dmu_since": window.dmu_since,
            "ratings_until": window.ratings_until,
            "min_influence": DMU_MIN_INFLUENCE,
            "total": sum(float(c["weight"]) for c in criteria) or 1,
        }
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE UNLOGGED TABLE IF NOT EXISTS {WORK_FLOOR} (account_id bigint, "
                "raw numeric[], normalised numeric[], score numeric, dmu_coverage numeric)"
            )
            cursor.execute(f"TRUNCATE {WORK_FLOOR}")
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for statement in dialect.session_tuning_statements(256, nested_loops=False):
                    cursor.execute(statement)
                started = time.monotonic()
                cursor.execute(_work_floor_sql(crit, rates), params)
                rows = cursor.rowcount
                seconds = time.monotonic() - started
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {WORK_FLOOR}")
        return seconds, rows

    # Workers ------------------------------------------------------------------------------

    def _start_workers(self, count: int, redis_url: str) -> list[subprocess.Popen]:
        from kam.celery import app

        # Test settings keep tasks inline even with REDIS_URL: here they must go to the workers.
        app.conf.task_always_eager = False
        workers = [
            start_celery_worker(f"bench{index}@%h", redis_url=redis_url, loglevel="WARNING")
            for index in range(count)
        ]
        deadline = time.monotonic() + WORKER_BOOT_TIMEOUT
        while len(app.control.ping(timeout=1.0)) < count:
            if time.monotonic() > deadline:
                self._stop_workers(workers)
                raise CommandError(f"{count} Celery workers did not start on {redis_url}.")
        self.stderr.write(f"{count} Celery workers ready on {redis_url}")
        return workers

    def _stop_workers(self, workers: list[subprocess.Popen]) -> None:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


def _work_floor_sql(crit: str, rates: str) -> str:
    """Per unit of selection (a group with its subtree rolled up, or a standalone account):
    every criterion's raw value (the engine's definitions, final.COMPUTED_RAW over the same
    columns), its percentile (NULL normalises to 0), the weighted score and the DMU coverage,
    written in one statement. Accounts map to their top through one recursive CTE."""
    raw = "CASE c.source " + " ".join(
        f"WHEN '{source.value}' THEN {column}" for source, column in final.COMPUTED_RAW.items()
    )
    raw += " ELSE r.value END"
    account = Account._meta.db_table
    return f"""
INSERT INTO {WORK_FLOOR} (account_id, raw, normalised, score, dmu_coverage)
WITH RECURSIVE {rates}, {crit},
tree(account_id, top_id) AS (
    SELECT id, id FROM {account} WHERE parent_id IS NULL
    UNION ALL
    SELECT a.id, t.top_id FROM {account} a JOIN tree t ON a.parent_id = t.account_id
),
sales AS (
    SELECT t.top_id AS account_id,
           SUM(l.revenue) FILTER (WHERE l.date >= %(t12_start)s) AS revenue,
           SUM(l.revenue) FILTER (WHERE l.date < %(t12_start)s) AS revenue_prev,
           SUM(l.cost_of_goods) FILTER (WHERE l.date >= %(t12_start)s) AS cogs
    FROM {SalesLine._meta.db_table} l
    JOIN tree t ON t.account_id = l.account_id
    WHERE l.date >= %(prev_start)s AND l.date < %(t12_end)s
    GROUP BY t.top_id
),
costs AS (
    SELECT t.top_id AS account_id, SUM(a.quantity * r.rate) AS cts
    FROM {Activity._meta.db_table} a
    JOIN tree t ON t.account_id = a.account_id
    JOIN rates r ON r.activity_type_id = a.activity_type_id
                AND a.date >= r.start_d AND a.date <= r.end_d
    WHERE a.date >= %(t12_start)s AND a.date < %(t12_end)s
    GROUP BY t.top_id
),
dmu AS (
    SELECT t.top_id AS account_id, COUNT(*) AS influential,
           COUNT(*) FILTER (WHERE c.relationship_owner_id IS NOT NULL
                              AND c.last_contact_on >= %(dmu_since)s
                              AND c.last_contact_on <= %(as_of)s) AS covered
    FROM {Contact._meta.db_table} c
    JOIN tree t ON t.account_id = c.account_id
    WHERE c.influence >= %(min_influence)s
    GROUP BY t.top_id
),
profile AS (
    SELECT t.top_id AS account_id, SUM(acc.category_spend) AS category_spend,
           SUM(acc.turnover) AS turnover
    FROM tree t JOIN {account} acc ON acc.id = t.account_id
    GROUP BY t.top_id
),
latest_rating AS (
    SELECT DISTINCT ON (account_id, criterion_id) account_id, criterion_id, value
    FROM {Rating._meta.db_table}
    WHERE rated_at < %(ratings_until)s
    ORDER BY account_id, criterion_id, rated_at DESC, id DESC
),
s AS (
    SELECT p.account_id,
           COALESCE(sa.revenue, 0) AS revenue,
           COALESCE(sa.revenue, 0) - COALESCE(sa.cogs, 0) - COALESCE(co.cts, 0) AS net_profit,
           CASE WHEN sa.revenue_prev > 0
                THEN 100 * (sa.revenue - sa.revenue_prev) / sa.revenue_prev END
               AS revenue_growth_pct,
           p.turnover, p.category_spend,
           (p.category_spend IS NOT NULL AND COALESCE(sa.revenue, 0) > p.category_spend)
               AS spend_below_revenue,
           CASE WHEN p.category_spend >= COALESCE(sa.revenue, 0)
                THEN p.category_spend - COALESCE(sa.revenue, 0) END AS headroom,
           CASE WHEN m.influential > 0 THEN 100.0 * m.covered / m.influential END AS dmu
    FROM profile p
    LEFT JOIN sales sa ON sa.account_id = p.account_id
    LEFT JOIN costs co ON co.account_id = p.account_id
    LEFT JOIN dmu m ON m.account_id = p.account_id
),
raw AS (
    SELECT s.account_id, s.dmu, c.criterion_id, c.weight, {raw} AS raw
    FROM s
    JOIN {account} a ON a.id = s.account_id
    CROSS JOIN crit c
    LEFT JOIN latest_rating r ON r.account_id = s.account_id
                             AND r.criterion_id = c.criterion_id AND c.source = ''
),
normalised AS (
    SELECT raw.*,
           CASE WHEN raw IS NULL THEN 0
                ELSE 100 * PERCENT_RANK() OVER (
                    PARTITION BY criterion_id, raw IS NULL ORDER BY raw) END AS normalised
    FROM raw
)
SELECT account_id, ARRAY_AGG(raw ORDER BY criterion_id),
       ARRAY_AGG(normalised ORDER BY criterion_id),
       SUM(weight * normalised) / %(total)s, MAX(dmu)
FROM normalised
GROUP BY account_id
"""
