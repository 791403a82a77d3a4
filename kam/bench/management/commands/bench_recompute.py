"""`python manage.py bench_recompute`: time the full recompute against a bare SQL floor.

    manage.py bench_recompute --accounts 50000 --sales-lines 5000000 --activities 2000000
        [--runs 3] [--workers N] [--rebuild] [--grouped-share 0.3]

On PostgreSQL only. Builds the benchmark dataset with seed_demo (3 years), or reuses the one
already in the database when it was built with the same sizes and still holds what was built
(a marker table, kam_bench_dataset, records both). Then runs the full recompute `--runs` times
(in this process, or through N real Celery worker processes on Redis with --workers N, which
needs REDIS_URL in the environment), and
times the floor: one GROUP BY per account over the trailing-12-month sales lines and one over
the trailing-12-month activities x rates, each run as a bare aggregate that returns one row
under the engine's own session settings (work_mem, no JIT, no nested loops).
With --grouped-share S (default 0.3) about S of the accounts are members of groups of
companies (seed_demo: a top and 4 members each, two entities and two plants, depth 2), so
the run's groups stage rolls up a realistic share; --grouped-share 0 gives the flat dataset.
The last line printed is always `recompute_s=<median> floor_s=<median> ratio=<recompute/floor>`.
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

from accounts.models import Account, Activity, SalesLine
from kam.bench import start_celery_worker
from scoring import services
from scoring.engine import dialect
from scoring.engine import window as window_engine
from scoring.models import CostRate, RunStatus, RunTrigger, ScoringRun

MARKER = "kam_bench_dataset"
WORKER_BOOT_TIMEOUT = 60
RUN_TIMEOUT = 3600
STAGES = ["prepare", "chunks", "chunks_busy", "scores", "prune", "vacuum"]


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
        finally:
            self._stop_workers(workers)
        floors = [self._floor() for _ in range(options["runs"])]

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
        for index, (sales, costs) in enumerate(floors, start=1):
            self.stdout.write(
                f"floor {index}: {sales + costs:.3f}s (sales {sales:.3f}s, costs {costs:.3f}s)"
            )
        recompute_s = statistics.median(seconds for seconds, _ in timings)
        floor_s = statistics.median(sales + costs for sales, costs in floors)
        self.stdout.write(
            f"recompute_s={recompute_s:.3f} floor_s={floor_s:.3f} ratio={recompute_s / floor_s:.2f}"
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
