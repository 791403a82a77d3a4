"""The recompute command's in-process run: steps side by side where the database allows.

On PostgreSQL, with no transaction open in the caller, each chunk runs on a thread and a
connection of its own, as the chord runs them on several workers; in the final stage the
health and the score explanations run side by side the same way, and the pruning of old runs'
rows alongside the final stage. On SQLite (one writer at a time) they run
one after the other. Either way the results are those of the steps
run one after the other. The test commits its data: the other connections must see it.
"""

import threading

import pytest
from django.db import connection

from scoring import health, services
from scoring.engine import chunk, final, housekeeping
from scoring.models import AccountScore, RunStatus, RunTrigger, ScoreExplanation
from tests.scoring import scenario


@pytest.mark.django_db(transaction=True)
def test_in_process_steps_run_side_by_side_on_postgresql_with_the_same_results(
    reference_data, monkeypatch
):
    scenario.build()
    threads = {
        "compute_chunk": [],
        "prune_runs": [],
        "health_stage": [],
        "explain_scores": [],
        "reclaim_pruned_rows": [],
    }
    modules = {
        "compute_chunk": chunk,
        "prune_runs": housekeeping,
        "reclaim_pruned_rows": housekeeping,
        "health_stage": health,
        "explain_scores": final,
    }

    def recording(name):
        step = getattr(modules[name], name)

        def recorded(*args, **kwargs):
            threads[name].append(threading.get_ident())
            return step(*args, **kwargs)

        return recorded

    for name in threads:
        monkeypatch.setattr(modules[name], name, recording(name))
    # keep one succeeded run's rows: the second run prunes the first one's
    monkeypatch.setattr(services, "KEEP_SUCCEEDED", 1)
    monkeypatch.setattr(services.os, "cpu_count", lambda: 2)  # one thread per chunk

    side_by_side = services.run_recompute(
        run=services.run_request(trigger=RunTrigger.COMMAND, as_of=scenario.AS_OF)
    )
    assert side_by_side.status == RunStatus.SUCCEEDED, side_by_side.error
    assert side_by_side.chunks_done == side_by_side.chunks_total == 2
    main = threading.get_ident()
    if connection.vendor == "postgresql":
        assert len(set(threads["compute_chunk"])) == 2 and main not in threads["compute_chunk"]
        assert len(threads["prune_runs"]) == 1 and main not in threads["prune_runs"]
        beside = threads["health_stage"] + threads["explain_scores"]
        assert len(set(beside)) == 2 and main not in beside
        vacuums = threads["reclaim_pruned_rows"]
        assert len(set(vacuums)) == 2 and main not in vacuums
    else:
        assert threads == {
            "compute_chunk": [main, main],
            "prune_runs": [main],
            "health_stage": [main],
            "explain_scores": [main],
            "reclaim_pruned_rows": [main],
        }
    expected = scenario.dump(side_by_side)

    for ran_on in threads.values():
        ran_on.clear()
    monkeypatch.setattr(services, "_own_connections", lambda tasks: False)
    one_after_the_other = services.run_recompute(
        run=services.run_request(trigger=RunTrigger.COMMAND, as_of=scenario.AS_OF)
    )
    assert threads == {
        "compute_chunk": [main, main],
        "prune_runs": [main],
        "health_stage": [main],
        "explain_scores": [main],
        "reclaim_pruned_rows": [main],
    }
    assert scenario.dump(one_after_the_other) == expected
    assert not AccountScore.objects.filter(run=side_by_side).exists()
    assert not ScoreExplanation.objects.filter(run=side_by_side).exists()


@pytest.mark.django_db(transaction=True)
def test_a_run_vacuums_the_score_tables_after_its_commit_on_postgresql(reference_data):
    """Each run deletes an old run's rows and updates its own: where autovacuum is off or late,
    the run reclaims them itself, once its transaction has committed."""
    scenario.build()
    run = services.run_recompute(
        run=services.run_request(trigger=RunTrigger.COMMAND, as_of=scenario.AS_OF)
    )

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert "vacuum" in run.stage_durations
    if connection.vendor != "postgresql":
        return  # SQLite has nothing to reclaim this way; the step does nothing there
    # every table the run writes, in the two sets vacuumed side by side
    tables = sorted(model._meta.db_table for model in housekeeping.RUN_TABLES)
    assert sorted(m._meta.db_table for models in housekeeping.VACUUM_SETS for m in models) == tables
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, last_vacuum IS NOT NULL, last_analyze IS NOT NULL "
            "FROM pg_stat_user_tables WHERE relname = ANY(%s) ORDER BY relname",
            [tables],
        )
        assert cursor.fetchall() == [(table, True, True) for table in tables]
