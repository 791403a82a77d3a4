"""Celery tasks of the scoring run: thin wrappers over scoring.services.

The run is a chord: start_run plans it, then one compute_chunk per account-id range runs on
whichever workers are free, and finalize_run runs once when all chunks are done. Every task is
acks_late (a task whose worker dies is redelivered) and idempotent; transient database errors
are retried with backoff and jitter. Any other error of a chunk or the final stage fails the
run at once, recording where (failure_message); a chunk that still fails after its retries
makes the chord call run_failed, which records the error on the run.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import chord, group, shared_task
from django.db import InterfaceError, OperationalError

from kam.middleware import bind_log_context
from scoring import services
from scoring.models import RunTrigger
from scoring.pack import exports

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
RETRY = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 3,
}


@shared_task(name="scoring.tasks.nightly_recompute", acks_late=True)
def nightly_recompute() -> int | None:
    """Celery beat's nightly run (KAM_RECOMPUTE_AT); skipped when a run is in progress."""
    try:
        run = services.run_enqueue(trigger=RunTrigger.SCHEDULE)
    except services.RunInProgress as exc:
        logger.warning("Nightly recompute skipped: %s", exc)
        return None
    return run.pk


@shared_task(name="scoring.tasks.start_run", **RETRY)
def start_run(run_id: int) -> str | None:
    """Plan a queued run and fan its chunks out to the workers; returns the id of the task
    whose result says the run is over (the chord's), None for a run that is not in flight."""
    bind_log_context(request_id=f"run-{run_id}")
    try:
        plan = services.run_prepare(run_id=run_id)
    except services.RunNotRunning as exc:
        logger.warning("Run %s not started: %s", run_id, exc)
        return None
    body = finalize_run.si(run_id).on_error(run_failed.s(run_id=run_id))
    if not plan.chunks:
        return body.delay().id
    header = group(
        compute_chunk.si(run_id, chunk.index, chunk.lo, chunk.hi, plan.snapshot_from.isoformat())
        for chunk in plan.chunks
    )
    try:
        return chord(header)(body).id
    except Exception as exc:
        # Without a broker the chord runs right here and a failing chunk surfaces here; with
        # one, this is a failure to publish. Either way the run is over: record why.
        services.run_fail(run_id=run_id, error=services.failure_message(exc))
        raise


@shared_task(name="scoring.tasks.compute_chunk", bind=True, **RETRY)
def compute_chunk(self, run_id: int, index: int, lo: int, hi: int, snapshot_from: str) -> None:
    bind_log_context(request_id=f"run-{run_id}")
    try:
        services.run_chunk(
            run_id=run_id,
            chunk=services.ChunkSpec(index, lo, hi),
            snapshot_from=dt.date.fromisoformat(snapshot_from),
            worker=self.request.hostname or "",
        )
    except services.RunNotRunning as exc:
        logger.warning("Chunk %s of run %s dropped: %s", index, run_id, exc)
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        # The chord's errback gets only this error's text, not where it happened: record it.
        services.run_fail(run_id=run_id, error=services.failure_message(exc))
        raise


@shared_task(name="scoring.tasks.finalize_run", **RETRY)
def finalize_run(run_id: int) -> None:
    bind_log_context(request_id=f"run-{run_id}")
    try:
        services.run_finalize(run_id=run_id)
    except services.RunNotRunning as exc:
        logger.warning("Final stage of run %s dropped: %s", run_id, exc)
    except TRANSIENT_ERRORS:
        raise
    except Exception as exc:
        services.run_fail(run_id=run_id, error=services.failure_message(exc))
        raise


@shared_task(name="scoring.tasks.run_failed")
def run_failed(request, exc, traceback, run_id: int) -> None:
    """Errback of the chord: a chunk or the final stage failed for good."""
    bind_log_context(request_id=f"run-{run_id}")
    services.run_fail(run_id=run_id, error=services.failure_message(exc))


@shared_task(name="scoring.tasks.build_pack_export", **RETRY)
def build_pack_export(export_id: int) -> str:
    """Every key account's review pack as one ZIP (scoring.pack.exports); returns the status."""
    return exports.pack_export_build(export_id=export_id).status
