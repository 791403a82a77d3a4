"""Writes of the scoring app: the lifecycle of a scoring run around the engine's SQL.

A run moves queued -> running -> succeeded | failed. The rules enforced here:
- Never two runs at once: the database allows one queued-or-running ScoringRun (a partial unique
  index, see ScoringRun.Meta), so a second request fails with RunInProgress, whatever process
  asks. A run that shows no sign of life (heartbeat_at) for KAM_RECOMPUTE_STALE_MINUTES
  (default 30) is stale: the next request marks it failed and starts afresh.
- Results become visible all at once: chunks write rows keyed by the run, and the run turns
  succeeded (what scoring.selectors.current_run() shows) only in the final stage's last
  transaction, so a run killed half-way leaves the previous results on every page.
  (Quarterly snapshots are not per run: chunks upsert them per account and quarter with the
  figures any run computes.)
- Retry-safe: every stage can run again (a retried or redelivered task) and leaves exactly what
  one clean pass leaves; a chunk or final stage for a run that is no longer running (failed as
  stale, superseded) does nothing.
- Each run records who or what started it, start and end, status, per-stage durations, counts
  and the error of a failed run. Score rows of all but the newest KEEP_SUCCEEDED succeeded runs
  are pruned by each final stage: those of all but the newest KEEP_SUCCEEDED - 1 before it
  and the running one, alongside its steps where the database allows (see run_finalize).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import AccountStatus
from kam.errors import Busy
from kam.formats import moment
from scoring import health, selectors
from scoring.engine import chunk as chunk_engine
from scoring.engine import dialect, final, housekeeping, judgement, rates
from scoring.engine import groups as groups_engine
from scoring.engine import window as window_engine
from scoring.models import AccountScore, Criterion, RunStatus, ScoringRun

IN_FLIGHT = (RunStatus.QUEUED, RunStatus.RUNNING)
KEEP_SUCCEEDED = 3
# The key of run.counts that says the groups stage has committed (and what it counted).
GROUPS_DONE = "groups_stage"
# Progress: planning takes the first 5%, the chunks up to 85%, the final stage the rest.
PLANNED_PCT, CHUNKS_DONE_PCT = 5, 85


def chunk_count() -> int:
    """How many id ranges a run is split into (KAM_RECOMPUTE_CHUNKS, default 2: one per core of
    a small server). Each chunk reads the window's rows through the date indexes, so more
    chunks than workers only adds passes; raise it to spread a run over more workers."""
    return max(1, int(getattr(settings, "KAM_RECOMPUTE_CHUNKS", 2)))


def stale_after() -> dt.timedelta:
    return dt.timedelta(minutes=int(getattr(settings, "KAM_RECOMPUTE_STALE_MINUTES", 30)))


class RunInProgress(Busy):
    """A run was asked for while another one is queued or running (the API answers 409)."""

    def __init__(self, run: ScoringRun | None):
        self.run = run
        if run is None:
            message = "A scoring run is in progress."
        else:
            who = str(run.started_by) if run.started_by else run.get_trigger_display().lower()
            when = moment(run.started_at or run.created_at)
            message = (
                f"A scoring run is in progress (run {run.pk}, started {when} by {who}, "
                f"{run.progress_pct}% done)."
            )
        super().__init__(message)


class RunNotRunning(Exception):
    """A stage was asked to work on a run that is no longer in flight (stale, superseded)."""


@dataclass(frozen=True)
class ChunkSpec:
    index: int
    lo: int
    hi: int


@dataclass(frozen=True)
class RunPlan:
    run_id: int
    chunks: list[ChunkSpec]
    snapshot_from: dt.date


def failure_message(exc: BaseException) -> str:
    """What a failed run records: where it failed (the notes `_failing_in` added: the stage,
    the chunk and its account ids, rows dated outside the accepted range), then the error."""
    where = "; ".join(getattr(exc, "__notes__", []))
    error = f"{type(exc).__name__}: {exc}"
    return f"{where}: {error}" if where else error


@contextmanager
def _failing_in(where: str, *, lo: int | None = None, hi: int | None = None) -> Iterator[None]:
    """Note on any error raised inside where the run was (and, for a chunk's id range lo..hi,
    the rows there dated outside the accepted range, the likely cause), for failure_message.
    A lost connection is left without the rows: nothing could read them."""
    try:
        yield
    except RunNotRunning:
        raise
    except Exception as exc:
        exc.add_note(where)
        if (
            lo is not None
            and hi is not None
            and not isinstance(exc, (OperationalError, InterfaceError))
        ):
            rows = selectors.rows_out_of_range(lo=lo, hi=hi)
            if rows:
                exc.add_note("dated outside the accepted range: " + ", ".join(rows))
        raise


def _expire_stale_runs(now: dt.datetime) -> int:
    """Fail the in-flight runs that have been silent for too long (their worker died)."""
    return (
        ScoringRun.objects.filter(status__in=IN_FLIGHT)
        .annotate(last_sign=Coalesce("heartbeat_at", "created_at"))
        .filter(last_sign__lt=now - stale_after())
        .update(
            status=RunStatus.FAILED,
            finished_at=now,
            error=(
                "Stale: no sign of life for more than "
                f"{int(stale_after().total_seconds() // 60)} minutes (its worker was probably "
                "stopped); superseded by a new run."
            ),
        )
    )


def run_request(*, trigger: str, actor: Any = None, as_of: dt.date | None = None) -> ScoringRun:
    """Create a queued run, or raise RunInProgress when one is already queued or running.

    as_of defaults to today: the trailing 12 months are the complete months before it."""
    now = timezone.now()
    with transaction.atomic():
        _expire_stale_runs(now)
        try:
            with transaction.atomic():
                return ScoringRun.objects.create(
                    status=RunStatus.QUEUED,
                    trigger=trigger,
                    started_by=actor,
                    as_of=as_of or timezone.localdate(),
                    heartbeat_at=now,
                    stage="queued",
                )
        except IntegrityError:
            in_flight = (
                ScoringRun.objects.filter(status__in=IN_FLIGHT).select_related("started_by").first()
            )
            raise RunInProgress(in_flight) from None


def run_enqueue(*, trigger: str, actor: Any = None) -> ScoringRun:
    """Request a run and hand it to the workers once the request's transaction commits
    (inline when Celery runs eagerly, i.e. without REDIS_URL). Raises RunInProgress."""
    from scoring import tasks  # tasks import this module

    run = run_request(trigger=trigger, actor=actor)
    transaction.on_commit(lambda: tasks.start_run.delay(run.pk), robust=True)
    return run


def run_prepare(*, run_id: int, full_history: bool = False) -> RunPlan:
    """Start a queued run: freeze the criteria weights it uses, split the accounts into id
    ranges and pick the snapshot quarters. Re-running it for a running run gives the same plan
    and clears that run's partial rows."""
    started, begun = time.monotonic(), timezone.now()
    with _failing_in("Planning the run"), transaction.atomic():
        run = ScoringRun.objects.select_for_update().get(pk=run_id)
        if run.status not in IN_FLIGHT:
            raise RunNotRunning(f"Run {run_id} is {run.status}.")
        AccountScore.objects.filter(run_id=run_id).delete()
        if run.status == RunStatus.QUEUED or not run.weights:
            run.weights = {
                key: str(weight)
                for key, weight in Criterion.objects.filter(active=True)
                .order_by("position", "key")
                .values_list("key", "weight")
            }
            run.health_config = judgement.frozen_config()
        window = window_engine.Window(run.as_of)
        bounds = housekeeping.chunk_bounds(chunk_count())
        snapshot_from, data_from = housekeeping.snapshot_start(window, full_history=full_history)
        run.status = RunStatus.RUNNING
        run.started_at = run.started_at or begun
        run.heartbeat_at = timezone.now()
        run.stage = "chunks"
        run.progress_pct = PLANNED_PCT
        run.chunks_total = len(bounds)
        run.chunks_done = 0
        run.error = ""
        run.counts = {
            "snapshots_from": snapshot_from.isoformat(),
            # The first day of business data: the trend charts mark its quarter as partial.
            "data_from": data_from.isoformat() if data_from else None,
            "chunks": {},
        }
        run.stage_durations = {"prepare": round(time.monotonic() - started, 3)}
        run.save()
    chunks = [ChunkSpec(index, lo, hi) for index, (lo, hi) in enumerate(bounds)]
    return RunPlan(run_id=run_id, chunks=chunks, snapshot_from=snapshot_from)


def run_chunk(
    *, run_id: int, chunk: ChunkSpec, snapshot_from: dt.date, worker: str = ""
) -> chunk_engine.ChunkResult:
    """Compute one id range of a running run, all or nothing (one transaction), and record it
    as done (with the worker that did it); doing a chunk twice changes nothing. Raises
    RunNotRunning for a run that is over; any other error carries the chunk's account ids and
    the rows there dated outside the accepted range (see failure_message)."""
    started = time.monotonic()
    where = f"Chunk {chunk.index} (accounts with ids {chunk.lo} to {chunk.hi})"
    with _failing_in(where, lo=chunk.lo, hi=chunk.hi), transaction.atomic():
        run = ScoringRun.objects.only("status", "as_of").get(pk=run_id)
        if run.status != RunStatus.RUNNING:
            raise RunNotRunning(f"Run {run_id} is {run.status}.")
        segments, overlaps = rates.load_segments()
        result = chunk_engine.compute_chunk(
            run_id=run_id,
            window=window_engine.Window(run.as_of),
            lo=chunk.lo,
            hi=chunk.hi,
            snapshot_from=snapshot_from,
            segments=segments,
        )
        # The chunk's deferred foreign-key checks run now, beside the other chunks' (at 250,000
        # accounts 8 s per chunk): after the lock below they would wait for the chunk ahead.
        with connection.cursor() as cursor:
            for statement in dialect.check_constraints_now_statements():
                cursor.execute(statement)
        # Lock the run row only now, for the short bookkeeping, so chunks run in parallel. NO
        # KEY UPDATE: the checks above hold KEY SHARE locks on the run row, which a plain FOR
        # UPDATE of another chunk would wait on while this one waits on it (a deadlock).
        run = ScoringRun.objects.select_for_update(no_key=True).get(pk=run_id)
        if run.status != RunStatus.RUNNING or GROUPS_DONE in run.counts:
            # Failed meanwhile, or a redelivered chunk after the groups stage rolled the
            # chunks' rows up: its rows would undo the roll-up. All it wrote is rolled back.
            raise RunNotRunning(f"Run {run_id} is past its chunks ({run.status}).")
        done = run.counts.setdefault("chunks", {})
        done[str(chunk.index)] = {
            "accounts": result.accounts,
            "snapshots_written": result.snapshots_written,
            "unrated_activities": result.unrated_activities,
            "seconds": round(time.monotonic() - started, 3),
            "worker": worker or "inline",
        }
        run.counts["overlapping_cost_rates"] = overlaps
        run.chunks_done = len(done)
        run.progress_pct = PLANNED_PCT + (CHUNKS_DONE_PCT - PLANNED_PCT) * run.chunks_done // max(
            run.chunks_total, 1
        )
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["counts", "chunks_done", "progress_pct", "heartbeat_at"])
    return result


def _set_stage(run: ScoringRun, stage: str, progress_pct: int) -> None:
    run.stage, run.progress_pct, run.heartbeat_at = stage, progress_pct, timezone.now()
    run.save(update_fields=["stage", "progress_pct", "heartbeat_at"])


def run_finalize(*, run_id: int) -> ScoringRun:
    """Compute what needs every account (roll-ups, health, percentiles, scores, matrix, ranks,
    flags), make the run the current one, and prune old runs' rows. Refuses a run whose chunks
    are not all done. Raises RunNotRunning for a run that is over.

    Three steps, each all or nothing (see _finalize_steps); only the last makes the run
    succeed, so until then every page reads the previous run, complete. Pruning touches no row
    they read or write, so on a connection of its own it runs alongside them where that is
    possible (see _own_connections), else just before. It keeps the newest KEEP_SUCCEEDED - 1
    succeeded runs and this one: once this one succeeds, KEEP_SUCCEEDED succeeded runs keep
    their rows; should it fail, the newest one still does."""
    run = ScoringRun.objects.select_related("started_by").get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        raise RunNotRunning(f"Run {run_id} is {run.status}.")
    if run.chunks_done < run.chunks_total:
        raise RuntimeError(f"Run {run_id} has {run.chunks_done} of {run.chunks_total} chunks done.")
    since_start = (timezone.now() - run.started_at).total_seconds()
    chunks_wall = max(0.0, since_start - run.stage_durations.get("prepare", 0))
    _set_stage(run, "scores", CHUNKS_DONE_PCT)
    # Pruning, and the health beside the explanations: three connections at most.
    alongside = _own_connections(3)
    prune_seconds = None if alongside else _timed_prune(current_run_id=run_id)
    with ThreadPoolExecutor(max_workers=3) as pool:
        pruning = (
            pool.submit(_in_thread, _timed_prune, current_run_id=run_id) if alongside else None
        )
        started = time.monotonic()
        with _failing_in("Final stage (scores)"):
            _finalize_steps(run, chunks_wall=chunks_wall, pool=pool if alongside else None)
        # The final stage's time includes its commits, where PostgreSQL checks the foreign
        # keys of every row written.
        run.stage_durations["scores"] = round(time.monotonic() - started, 3)
        run.stage_durations["prune"] = pruning.result() if pruning else prune_seconds
    started = time.monotonic()
    if _own_connections(2):
        with ThreadPoolExecutor(max_workers=2) as pool:
            _side_by_side(
                pool,
                [
                    (housekeeping.reclaim_pruned_rows, {"models": m})
                    for m in housekeeping.VACUUM_SETS
                ],
            )
    else:
        housekeeping.reclaim_pruned_rows()
    run.stage_durations["vacuum"] = round(time.monotonic() - started, 3)
    run.save(update_fields=["stage_durations"])
    return run


def _timed_prune(*, current_run_id: int) -> float:
    started = time.monotonic()
    housekeeping.prune_runs(keep_succeeded=KEEP_SUCCEEDED - 1, current_run_id=current_run_id)
    return round(time.monotonic() - started, 3)


def _finalize_steps(
    run: ScoringRun, *, chunks_wall: float, pool: ThreadPoolExecutor | None
) -> None:
    """The final stage in three steps, each one transaction, each safe to repeat after a
    failure (the task is retried):
    1. the groups stage (groups.roll_up_groups), once: it overwrites the tops' rows with
       sums it reads from them, so it commits together with GROUPS_DONE on the run, which a
       retry skips it by and a chunk redelivered after it is refused by (run_chunk);
    2. the health (health.health_stage) and the score explanations (final.explain_scores),
       independent of each other: side by side on connections of their own from `pool`, else
       one after the other; each deletes the run's rows it writes first;
    3. the scores' update from both, investment fit and the early warnings, the run's counts,
       and its success."""
    criteria = [
        {"id": pk, "source": source, "weight": run.weights[key]}
        for pk, key, source in Criterion.objects.filter(key__in=list(run.weights))
        .order_by("position", "key")
        .values_list("pk", "key", "source")
    ]
    window = window_engine.Window(run.as_of)
    rolled_up = _timed(run=run, name="groups", step=_groups_step, arguments={"window": window})
    calls = [
        (_timed, {"run": run, "name": name, "step": step, "arguments": arguments})
        for name, step, arguments in [
            ("health", _health_step, {}),
            ("explanations", _explanations_step, {"window": window, "criteria": criteria}),
        ]
    ]
    if pool is None:
        results = [call(**kwargs) for call, kwargs in calls]
    else:
        results = _side_by_side(pool, calls)
    written = {key: value for result in results for key, value in result.items()}
    with transaction.atomic():
        _refuse_unless_running(run.pk)
        final.start_final_step()
        written.update(final.finalize_scores(run_id=run.pk))
        written.update(health.warnings_stage(run))
        _record_success(run, chunks_wall=chunks_wall, rolled_up=rolled_up, written=written)


def _timed(*, run: ScoringRun, name: str, step: Callable[..., dict], arguments: dict) -> dict:
    """A step of the final stage, its seconds recorded in the run's stage durations."""
    started = time.monotonic()
    result = step(run=run, **arguments)
    run.stage_durations[name] = round(time.monotonic() - started, 3)
    return result


def _refuse_unless_running(run_id: int) -> ScoringRun:
    """Lock the run row for the step's transaction; RunNotRunning for a run that is over (a
    stale run failed meanwhile, for one)."""
    locked = (
        ScoringRun.objects.select_for_update(no_key=True).only("status", "counts").get(pk=run_id)
    )
    if locked.status != RunStatus.RUNNING:
        raise RunNotRunning(f"Run {run_id} is {locked.status}.")
    return locked


def _groups_step(*, run: ScoringRun, window: window_engine.Window) -> dict[str, int]:
    with transaction.atomic():
        locked = _refuse_unless_running(run.pk)
        done = locked.counts.get(GROUPS_DONE)
        if done is None:
            final.start_final_step()
            final.refresh_score_statistics()
            done = groups_engine.roll_up_groups(
                run_id=run.pk,
                window=window,
                snapshot_from=dt.date.fromisoformat(run.counts["snapshots_from"]),
                key_status=AccountStatus.KEY,
            )
            locked.counts[GROUPS_DONE] = done
            locked.save(update_fields=["counts"])
    run.counts[GROUPS_DONE] = done
    return done


def _health_step(*, run: ScoringRun) -> dict[str, int]:
    with transaction.atomic():
        final.start_final_step()
        return health.health_stage(run)


def _explanations_step(
    *, run: ScoringRun, window: window_engine.Window, criteria: list[dict]
) -> dict[str, int]:
    with transaction.atomic():
        final.start_final_step()
        return final.explain_scores(run_id=run.pk, window=window, criteria=criteria)


def _record_success(run: ScoringRun, *, chunks_wall: float, rolled_up: dict, written: dict) -> None:
    summary = AccountScore.objects.filter(run_id=run.pk).aggregate(
        accounts=Count("pk"),
        key_accounts=Count("pk", filter=Q(status="key")),
        pareto=Count("pk", filter=Q(is_pareto=True)),
        four_x=Count("pk", filter=Q(is_4x=True)),
        misclassified=Count("pk", filter=Q(is_misclassified=True)),
        kam_overloaded=Count("pk", filter=Q(kam_overloaded=True)),
        spend_below_revenue=Count("pk", filter=Q(spend_below_revenue=True)),
        units=Count("pk", filter=Q(is_unit=True)),
        health_red=Count("pk", filter=Q(health_band="red")),
        health_amber=Count("pk", filter=Q(health_band="amber")),
        health_green=Count("pk", filter=Q(health_band="green")),
    )
    chunk_counts = run.counts.get("chunks", {}).values()
    run.counts.pop(GROUPS_DONE, None)
    run.counts.update(
        {
            **summary,
            **rolled_up,
            "criterion_scores": written["criterion_scores"],
            "health_fell": written["health_fell"],
            "investment_warnings": written["investment_warnings"],
            "snapshots_written": sum(c["snapshots_written"] for c in chunk_counts),
            "unrated_activities": sum(c["unrated_activities"] for c in chunk_counts),
        }
    )
    run.accounts_count = summary["accounts"]
    run.stage_durations.update(
        {
            "chunks": round(chunks_wall, 3),
            "chunks_busy": round(sum(c["seconds"] for c in chunk_counts), 3),
        }
    )
    now = timezone.now()
    run.status = RunStatus.SUCCEEDED
    run.stage, run.progress_pct = "done", 100
    run.finished_at = run.heartbeat_at = now
    run.save()


def run_fail(*, run_id: int, error: str) -> bool:
    """Record why an in-flight run failed; a run already over is left as it is."""
    return bool(
        ScoringRun.objects.filter(pk=run_id, status__in=IN_FLIGHT).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=error[:10000]
        )
    )


def _own_connections(tasks: int) -> bool:
    """Whether `tasks` independent steps of a run may run side by side in this process, each
    on a thread and connection of its own: when there are several, the database takes
    concurrent writers (PostgreSQL) and no transaction is open here (the other connections
    would not see its uncommitted rows)."""
    return tasks > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block


def _in_thread(step: Callable[..., Any], /, **kwargs: Any) -> Any:
    """Run a step on a pool thread, with the thread's own connection closed after it."""
    try:
        return step(**kwargs)
    finally:
        connection.close()


def _side_by_side(
    pool: ThreadPoolExecutor, calls: list[tuple[Callable[..., Any], dict[str, Any]]]
) -> list[Any]:
    """Each call's result, each run on a pool thread and connection of its own (_in_thread);
    every call ends before the first error is raised, so none is left writing."""
    futures = [pool.submit(_in_thread, call, **kwargs) for call, kwargs in calls]
    for error in [future.exception() for future in futures]:
        if error is not None:
            raise error
    return [future.result() for future in futures]


def _run_chunks_inline(plan: RunPlan) -> Iterator[chunk_engine.ChunkResult]:
    """Compute the chunks of a planned run in this process, yielding as each one is done: side
    by side, one thread and connection per chunk and at most one per CPU, where that is
    possible (as the chord does on several workers; see chunk_count), else one after the
    other. The first failure is raised once the chunks already running have ended."""
    threads = min(len(plan.chunks), os.cpu_count() or 1)
    if not _own_connections(threads):
        for chunk in plan.chunks:
            yield run_chunk(run_id=plan.run_id, chunk=chunk, snapshot_from=plan.snapshot_from)
        return
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [
            pool.submit(
                _in_thread,
                run_chunk,
                run_id=plan.run_id,
                chunk=chunk,
                snapshot_from=plan.snapshot_from,
            )
            for chunk in plan.chunks
        ]
        for future in as_completed(futures):
            yield future.result()


def run_recompute(
    *,
    run: ScoringRun,
    full_history: bool = False,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> ScoringRun:
    """Run the whole pipeline of a queued run in this process, stage after stage (the
    `recompute` command; the same services the Celery tasks call), the chunks side by side
    where the database allows (see _run_chunks_inline). on_progress(stage, done, total) is
    told after each step. A failure marks the run failed and re-raises."""
    try:
        plan = run_prepare(run_id=run.pk, full_history=full_history)
        total = len(plan.chunks) + 1
        for done, _ in enumerate(_run_chunks_inline(plan), start=1):
            if on_progress:
                on_progress("chunks", done, total)
        result = run_finalize(run_id=run.pk)
        if on_progress:
            on_progress("done", total, total)
        return result
    except BaseException as exc:
        run_fail(run_id=run.pk, error=failure_message(exc))
        raise
