"""What the benchmark commands (bench_api, bench_pages, bench_recompute) and the real-worker
tests share: the dataset check, the percentile, the machine's speed, starting a Celery
worker on this database and reading a process tree's peak memory."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.db import connection


def add_dataset_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--accounts",
        type=int,
        help="the dataset size the figures are for: refuse a database with fewer accounts",
    )
    parser.add_argument("--user", default="director", help="username (default director)")


def dataset_user(options: dict[str, Any]) -> tuple[int, Any]:
    """The number of accounts and the benchmark user; refuses a database smaller than
    `--accounts` or without the user, saying how to build the dataset."""
    from accounts.models import Account, User

    accounts = Account.objects.count()
    expected = options["accounts"]
    if expected and accounts < expected:
        raise CommandError(
            f"The database holds {accounts} accounts, fewer than --accounts {expected}: "
            f"build the benchmark dataset first (manage.py seed_demo --accounts {expected})."
        )
    try:
        user = User.objects.get(username=options["user"])
    except User.DoesNotExist as exc:
        raise CommandError(f"No user {options['user']!r}: run seed_demo first.") from exc
    return accounts, user


def machine_speed_ms() -> float:
    """How long a fixed piece of pure Python takes here (3,000,000 additions of squares), in
    ms: the benchmarks print it beside their figures, since a shared machine's speed varies
    (the development VM took from 380 to 670 ms within minutes, and every page's time with
    it)."""
    started = time.perf_counter()
    total = 0
    for number in range(3_000_000):
        total += number * number
    return (time.perf_counter() - started) * 1000


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def start_celery_worker(
    hostname: str, *, redis_url: str, loglevel: str, **popen: Any
) -> subprocess.Popen:
    """A `celery worker` process (one task at a time) on the database this process uses,
    taking tasks from `redis_url`."""
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kam.settings",
        "DJANGO_ENV": "local",
        "DEBUG": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
    }
    celery = shutil.which("celery", path=os.path.dirname(sys.executable)) or "celery"
    return subprocess.Popen(
        [celery, "-A", "kam", "worker", "--concurrency", "1", "--loglevel", loglevel,
         "--hostname", hostname, "--without-gossip", "--without-mingle"],
        env=env, cwd=settings.BASE_DIR, **popen,
    )  # fmt: skip


def peak_memory_mb(pid: int) -> float | None:
    """The largest peak resident set (VmHWM) of process `pid` and of every process below it,
    in MB: a Celery worker does its tasks in a forked pool process, so the tree's largest is
    the worker's peak. None where /proc is not there to read (not Linux) or the process is gone.
    """
    peaks = []
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return max(peaks) if peaks else None
