"""Two real Celery worker processes on Redis give the same results as one process.

Needs what CI has: REDIS_URL and a PostgreSQL DATABASE_URL (the workers are separate processes
and must share the test database, so the test commits its data). Without them the test says so
and skips, except under CI, where it fails instead of hiding.
"""

import os
import signal
import subprocess
import time

import pytest
from celery.result import AsyncResult
from django.db import connection

from kam.bench import start_celery_worker
from kam.celery import app as celery_app
from scoring import services, tasks
from scoring.models import AccountScore, RunStatus, RunTrigger
from tests.scoring import scenario

WORKERS = 2
BOOT_TIMEOUT_S = 60
RUN_TIMEOUT_S = 180


@pytest.fixture
def redis_and_postgresql():
    missing = []
    if not os.environ.get("REDIS_URL"):
        missing.append("REDIS_URL")
    if connection.vendor != "postgresql":
        missing.append("a PostgreSQL DATABASE_URL")
    if missing:
        reason = f"real Celery workers need {' and '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(f"CI must run this test: {reason}")
        pytest.skip(reason)
    return os.environ["REDIS_URL"]


@pytest.fixture
def workers(redis_and_postgresql, monkeypatch, tmp_path):
    """WORKERS `celery worker` processes on the test database; this process sends to Redis."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    celery_app.control.purge()
    logs = [open(tmp_path / f"worker{i}.log", "w") for i in range(WORKERS)]  # noqa: SIM115
    processes = [
        start_celery_worker(
            f"test{i}@%h",
            redis_url=redis_and_postgresql,
            loglevel="INFO",
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for i, log in enumerate(logs)
    ]
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT_S
        while len(celery_app.control.ping(timeout=1.0)) < WORKERS:
            assert time.monotonic() < deadline, "the Celery workers did not start"
        yield processes
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_give_the_same_results_as_one_process(workers, reference_data):
    scenario.build()
    in_process = services.run_recompute(
        run=services.run_request(trigger=RunTrigger.COMMAND, as_of=scenario.AS_OF)
    )
    expected = scenario.dump(in_process)

    run = services.run_request(trigger=RunTrigger.MANUAL, as_of=scenario.AS_OF)
    chord_id = tasks.start_run.delay(run.pk).get(timeout=RUN_TIMEOUT_S)
    AsyncResult(chord_id, app=celery_app).get(timeout=RUN_TIMEOUT_S)
    run.refresh_from_db()

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.chunks_done == run.chunks_total == 2
    assert {chunk["worker"] for chunk in run.counts["chunks"].values()} <= {
        f"test{i}@{os.uname().nodename}" for i in range(WORKERS)
    }
    assert AccountScore.objects.filter(run=run).count() == 60
    assert scenario.dump(run) == expected
