"""The run's lifecycle: idempotence, retries, the overlap guard, crashes and pruning."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Activity, SalesLine
from kam.celery import app as celery_app
from scoring import services, tasks
from scoring.engine import chunk as chunk_engine
from scoring.engine import final
from scoring.models import (
    AccountScore,
    CategoryRevenue,
    HealthScore,
    MetricSnapshot,
    RunStatus,
    RunTrigger,
    ScoreExplanation,
    ScoringRun,
)
from scoring.selectors import current_run
from tests.explained import stored_lines
from tests.scoring.conftest import AS_OF, sale

pytestmark = pytest.mark.django_db

SCORE_FIELDS = [
    "account_id", "revenue", "revenue_prev", "cost_of_goods", "cost_to_serve", "gross_margin",
    "net_profit", "revenue_growth_pct", "share_of_wallet_pct", "headroom", "attractiveness",
    "relative_strength", "quadrant", "rank", "stage", "status", "dmu_coverage_pct",
    "satisfaction", "is_pareto", "is_4x", "is_misclassified", "kam_overloaded",
    "spend_below_revenue",
]  # fmt: skip
LINE_FIELDS = ["account_id", "criterion_id", "raw", "normalised", "weight", "contribution"]
SNAPSHOT_FIELDS = [f.attname for f in MetricSnapshot._meta.fields if f.name not in {"id", "run"}]


def results(run):
    """Everything a run computed, without the run's id."""
    return (
        list(
            AccountScore.objects.filter(run=run).order_by("account_id").values_list(*SCORE_FIELDS)
        ),
        [tuple(getattr(line, f) for f in LINE_FIELDS) for line in stored_lines(run)],
        list(
            MetricSnapshot.objects.order_by("account_id", "period_start").values_list(
                *SNAPSHOT_FIELDS
            )
        ),
    )


def request_run():
    return services.run_request(trigger=RunTrigger.COMMAND, as_of=AS_OF)


def recompute():
    return services.run_recompute(run=request_run())


def test_a_rerun_gives_identical_results(portfolio):
    first = recompute()
    first_results = results(first)
    second = recompute()
    assert second.pk != first.pk
    assert results(second) == first_results
    assert len(first_results[0]) == 9
    assert current_run() == second
    # the second run found every snapshot up to date and rewrote none
    assert first.counts["snapshots_written"] > 0
    assert second.counts["snapshots_written"] == 0


def test_a_late_sales_line_rewrites_only_its_quarters_snapshot(portfolio):
    recompute()
    # A's Q1 2026 held one line, 600,000 with 360,000 cost of goods; one more arrives late
    sale(portfolio.accounts["A"], dt.date(2026, 2, 10), 1000, 400)
    second = recompute()
    assert second.counts["snapshots_written"] == 1
    q1 = MetricSnapshot.objects.get(
        account=portfolio.accounts["A"], period_start=dt.date(2026, 1, 1)
    )
    assert (q1.run_id, q1.revenue, q1.cost_of_goods) == (
        second.pk,
        Decimal("601000"),
        Decimal("360400"),
    )
    assert q1.gross_margin == Decimal("240600")  # 601,000 - 360,400


def test_a_chunk_done_twice_leaves_what_one_pass_leaves(portfolio):
    reference = results(recompute())
    run = request_run()
    plan = services.run_prepare(run_id=run.pk)
    for chunk in plan.chunks:
        services.run_chunk(run_id=run.pk, chunk=chunk, snapshot_from=plan.snapshot_from)
    # a redelivered chunk (its worker died after commit, before acknowledging)
    services.run_chunk(run_id=run.pk, chunk=plan.chunks[1], snapshot_from=plan.snapshot_from)
    run.refresh_from_db()
    assert run.chunks_done == run.chunks_total == len(plan.chunks)
    services.run_finalize(run_id=run.pk)
    assert AccountScore.objects.filter(run=run).count() == 9
    assert results(run) == reference


def test_a_chunk_that_fails_once_is_retried_by_celery(
    portfolio, monkeypatch, django_capture_on_commit_callbacks
):
    # "Recompute now" runs as of today: so does the reference
    reference = results(services.run_recompute(run=services.run_request(trigger="command")))
    real = chunk_engine.compute_chunk
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs["lo"])
        written = real(**kwargs)
        if len(calls) == 2:  # the second chunk loses its connection after writing
            raise OperationalError("server closed the connection unexpectedly")
        return written

    monkeypatch.setattr(chunk_engine, "compute_chunk", flaky)
    # Inline tasks re-raise a retry when eager exceptions propagate; let Celery retry instead,
    # as a worker does.
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", False)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_enqueue(trigger=RunTrigger.MANUAL)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert calls[1] == calls[2]  # the same id range, tried again
    assert len(calls) == run.chunks_total + 1
    assert AccountScore.objects.filter(run=run).count() == 9
    assert len(stored_lines(run)) == 9 * 4
    assert results(run) == reference


def test_a_chunk_that_keeps_failing_fails_the_run_and_keeps_the_previous_results(
    portfolio, monkeypatch, django_capture_on_commit_callbacks
):
    previous = recompute()

    def broken(**kwargs):
        raise ValueError("bad data in range")

    monkeypatch.setattr(chunk_engine, "compute_chunk", broken)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.run_enqueue(trigger=RunTrigger.MANUAL)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "ValueError: bad data in range" in run.error
    assert run.finished_at is not None
    assert current_run() == previous
    assert AccountScore.objects.filter(run=previous).count() == 9


def test_a_second_request_is_told_a_run_is_in_progress(portfolio, director):
    running = services.run_request(trigger=RunTrigger.MANUAL, actor=director)
    with pytest.raises(services.RunInProgress) as refused:
        services.run_request(trigger=RunTrigger.SCHEDULE)
    assert refused.value.run == running
    message = str(refused.value)
    assert "in progress" in message
    assert f"run {running.pk}" in message
    assert f"by {director}" in message
    assert ScoringRun.objects.count() == 1


def test_a_stale_run_is_failed_and_superseded(portfolio):
    stale = request_run()
    services.run_prepare(run_id=stale.pk)
    ScoringRun.objects.filter(pk=stale.pk).update(
        heartbeat_at=timezone.now() - services.stale_after() - dt.timedelta(seconds=1)
    )
    fresh = request_run()
    stale.refresh_from_db()
    assert stale.status == RunStatus.FAILED
    assert stale.error.startswith("Stale")
    assert fresh.status == RunStatus.QUEUED


def test_a_run_killed_half_way_leaves_the_previous_results_and_the_next_run_completes(portfolio):
    previous = recompute()
    reference = results(previous)
    killed = request_run()
    plan = services.run_prepare(run_id=killed.pk)
    services.run_chunk(run_id=killed.pk, chunk=plan.chunks[0], snapshot_from=plan.snapshot_from)
    # the worker dies here; pages still show the previous run, complete
    assert current_run() == previous
    assert results(previous) == reference
    # half an hour later the run is stale and the nightly run goes ahead
    ScoringRun.objects.filter(pk=killed.pk).update(
        heartbeat_at=timezone.now() - services.stale_after() - dt.timedelta(minutes=1)
    )
    nightly = services.run_recompute(run=request_run())
    assert nightly.status == RunStatus.SUCCEEDED
    assert current_run() == nightly
    assert results(nightly) == reference
    killed.refresh_from_db()
    assert killed.status == RunStatus.FAILED
    # a late chunk of the dead run changes nothing
    with pytest.raises(services.RunNotRunning):
        services.run_chunk(run_id=killed.pk, chunk=plan.chunks[1], snapshot_from=plan.snapshot_from)


def test_old_runs_rows_are_pruned_and_their_records_kept(portfolio):
    runs = [recompute() for _ in range(services.KEEP_SUCCEEDED + 1)]
    assert ScoringRun.objects.count() == len(runs)
    assert not AccountScore.objects.filter(run=runs[0]).exists()
    assert not ScoreExplanation.objects.filter(run=runs[0]).exists()
    # the white-space actuals go with the scores: a million rows a run at 250,000 accounts
    assert not CategoryRevenue.objects.filter(run=runs[0]).exists()
    for kept in runs[1:]:
        assert AccountScore.objects.filter(run=kept).count() == 9
        assert CategoryRevenue.objects.filter(run=kept).exists()


def test_weights_are_frozen_when_the_run_starts(portfolio):
    from scoring.models import Criterion

    run = request_run()
    plan = services.run_prepare(run_id=run.pk)
    Criterion.objects.filter(key="revenue").update(weight=Decimal("99"))
    for chunk in plan.chunks:
        services.run_chunk(run_id=run.pk, chunk=chunk, snapshot_from=plan.snapshot_from)
    run = services.run_finalize(run_id=run.pk)
    assert run.weights["revenue"] == "40.00"
    assert {line.weight for line in stored_lines(run) if line.criterion.key == "revenue"} == {
        Decimal("40.00")
    }


def test_old_quarters_are_history_unless_a_full_rebuild_is_asked_for(portfolio):
    from accounts.models import SalesLine

    a = portfolio.accounts["A"]
    recompute()
    # a correction lands in Q3 2024, before the quarters a nightly run recomputes (from the one
    # holding the start of T12, Q3 2025 here), and one lands in Q1 2026, inside them
    SalesLine.objects.filter(account=a, date=dt.date(2024, 9, 15)).update(revenue=Decimal("1"))
    SalesLine.objects.filter(account=a, date=dt.date(2026, 3, 10)).update(revenue=Decimal("2"))
    recompute()
    assert MetricSnapshot.objects.get(account=a, period_start=dt.date(2024, 7, 1)).revenue == (
        Decimal("1200000")
    )
    assert MetricSnapshot.objects.get(account=a, period_start=dt.date(2026, 1, 1)).revenue == (
        Decimal("2")
    )
    services.run_recompute(run=request_run(), full_history=True)
    assert MetricSnapshot.objects.get(account=a, period_start=dt.date(2024, 7, 1)).revenue == (
        Decimal("1")
    )


def test_scoring_task_log_lines_carry_the_run_id(caplog):
    import logging

    from scoring import tasks
    from scoring.models import RunStatus, ScoringRun

    run = ScoringRun.objects.create(
        status=RunStatus.SUCCEEDED, trigger="manual", as_of=dt.date(2026, 11, 1)
    )
    with caplog.at_level(logging.WARNING, logger="scoring.tasks"):
        tasks.start_run.delay(run.pk)

    record = next(r for r in caplog.records if r.name == "scoring.tasks")
    assert record.request_id == f"run-{run.pk}"


def out_of_range_rows(account):
    """Rows no form, import or API accepts any more, written past validation as rows stored
    before the date range existed are: the first and the last days Python has."""
    SalesLine.objects.bulk_create(
        SalesLine(
            account=account,
            date=day,
            quantity=Decimal("1.000"),
            revenue=Decimal("1000.00"),
            cost_of_goods=Decimal("600.00"),
            erp_document=f"FAR-{day.year}",
            erp_line=1,
        )
        for day in (dt.date.min, dt.date.max)
    )
    kind = Activity.objects.filter(account=account).values_list("activity_type", flat=True)[0]
    Activity.objects.bulk_create(
        Activity(account=account, activity_type_id=kind, date=day, quantity=Decimal("1.000"))
        for day in (dt.date.min, dt.date.max)
    )


@pytest.mark.parametrize("full_history", [False, True])
def test_rows_dated_year_one_or_9999_do_not_stop_the_run(portfolio, full_history):
    recompute()  # the first run snapshots the whole history; the reference is a later one
    reference_run = services.run_recompute(run=request_run(), full_history=full_history)
    reference = results(reference_run)
    out_of_range_rows(portfolio.accounts["A"])

    run = services.run_recompute(run=request_run(), full_history=full_history)

    assert run.status == RunStatus.SUCCEEDED, run.error
    # Both rows lie outside every period the run reads (the trailing 24 months, the quarters
    # from 1950 up to as_of's), so the scores and the snapshots are those of the run before
    # them, and the snapshots start where they did.
    assert results(run)[0] == reference[0]
    assert results(run)[2] == reference[2]
    assert run.counts["snapshots_from"] == reference_run.counts["snapshots_from"]


def year_zero(**kwargs):
    """The engine as it failed on a row dated 0001-01-01 before its dates were bounded."""
    raise ValueError("year 0 is out of range")


@pytest.mark.parametrize("celery", [False, True])
def test_a_failed_chunk_records_its_accounts_and_the_rows_out_of_range(
    portfolio, monkeypatch, django_capture_on_commit_callbacks, client, director, celery
):
    account = portfolio.accounts["A"]
    out_of_range_rows(account)
    far_line = SalesLine.objects.get(erp_document="FAR-1")
    monkeypatch.setattr(chunk_engine, "compute_chunk", year_zero)

    if celery:
        # the failure ends in on_commit's robust callback, which logs it
        with django_capture_on_commit_callbacks(execute=True):
            services.run_enqueue(trigger=RunTrigger.MANUAL)
    else:
        with pytest.raises(ValueError):
            services.run_recompute(run=request_run())
    run = ScoringRun.objects.get()

    # Two chunks over nine accounts: the first holds the five lowest ids, A's among them.
    ids = sorted(a.pk for a in portfolio.accounts.values())
    far_activities = Activity.objects.filter(account=account, quantity=Decimal("1.000"))
    far_activity = far_activities.filter(date=dt.date.min).get()
    assert run.status == RunStatus.FAILED
    assert run.stage == "chunks"
    assert run.error == (
        f"Chunk 0 (accounts with ids {ids[0]} to {ids[4]}); dated outside the accepted range: "
        f"sales line FAR-1/1 (id {far_line.pk}) of account {account.erp_code} dated 0001-01-01, "
        f"sales line FAR-9999/1 (id {far_line.pk + 1}) of account {account.erp_code} dated "
        f"9999-12-31, activity {far_activity.pk} of account {account.erp_code} dated 0001-01-01, "
        f"activity {far_activity.pk + 1} of account {account.erp_code} dated 9999-12-31: "
        "ValueError: year 0 is out of range"
    )
    client.force_login(director)
    page = client.get(reverse("scoring:run_detail", args=[run.pk])).content.decode()
    assert f"Chunk 0 (accounts with ids {ids[0]} to {ids[4]})" in page
    assert f"sales line FAR-1/1 (id {far_line.pk})" in page


def test_a_failed_final_stage_says_so(portfolio, monkeypatch):
    monkeypatch.setattr(final, "finalize_scores", year_zero)
    with pytest.raises(ValueError):
        services.run_recompute(run=request_run())
    run = ScoringRun.objects.get()
    assert run.error == "Final stage (scores): ValueError: year 0 is out of range"


def test_a_run_failed_in_its_last_step_shows_nothing_and_its_rows_are_pruned(
    portfolio, monkeypatch
):
    """The health and the explanations commit before the scores' update: a run that fails
    after them leaves the previous run current and complete, and the next run prunes what the
    failed one wrote, its health too (a succeeded run's health stays: the history)."""
    previous = recompute()
    reference = results(previous)
    with monkeypatch.context() as patched:
        patched.setattr(final, "finalize_scores", year_zero)
        with pytest.raises(ValueError):
            recompute()
    failed = ScoringRun.objects.get(status=RunStatus.FAILED)
    assert HealthScore.objects.filter(run=failed).exists()
    assert ScoreExplanation.objects.filter(run=failed).exists()
    assert current_run() == previous
    assert results(previous) == reference

    recompute()

    assert not HealthScore.objects.filter(run=failed).exists()
    assert not ScoreExplanation.objects.filter(run=failed).exists()
    assert not AccountScore.objects.filter(run=failed).exists()
    assert HealthScore.objects.filter(run=previous).exists()


def test_a_chunk_failing_on_a_worker_records_where_before_the_chords_errback(
    portfolio, monkeypatch
):
    """On a worker the chord's errback sees only the error's text: the chunk task records
    the failure with its place itself."""
    run = request_run()
    plan = services.run_prepare(run_id=run.pk)
    monkeypatch.setattr(chunk_engine, "compute_chunk", year_zero)
    chunk = plan.chunks[1]

    with pytest.raises(ValueError):
        tasks.compute_chunk(run.pk, 1, chunk.lo, chunk.hi, plan.snapshot_from.isoformat())

    # the second of two chunks over nine accounts holds the four highest ids
    ids = sorted(a.pk for a in portfolio.accounts.values())
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.error == (
        f"Chunk 1 (accounts with ids {ids[5]} to {ids[8]}): ValueError: year 0 is out of range"
    )
