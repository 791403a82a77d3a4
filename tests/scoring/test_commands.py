"""`manage.py recompute` and `manage.py bench_recompute`."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from scoring import services
from scoring.models import AccountScore, RunStatus, RunTrigger, ScoringRun
from tests import factories

pytestmark = pytest.mark.django_db


def test_recompute_runs_the_pipeline_synchronously():
    factories.AccountFactory()
    factories.AccountFactory()
    out, err = io.StringIO(), io.StringIO()
    call_command("recompute", "--as-of", "2026-07-15", stdout=out, stderr=err)
    run = ScoringRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    assert run.trigger == RunTrigger.COMMAND
    assert str(run.as_of) == "2026-07-15"
    assert AccountScore.objects.filter(run=run).count() == 2
    assert f"Run {run.pk} succeeded: 2 accounts as of 2026-07-15" in out.getvalue()
    assert "100%" in err.getvalue()  # the progress bar


def test_recompute_refuses_while_a_run_is_in_progress():
    running = services.run_request(trigger=RunTrigger.SCHEDULE)
    with pytest.raises(CommandError, match=f"in progress \\(run {running.pk}"):
        call_command("recompute", stdout=io.StringIO(), stderr=io.StringIO())
    assert ScoringRun.objects.count() == 1


def test_bench_recompute_prints_the_ratio_line_last():
    if connection.vendor != "postgresql":
        with pytest.raises(CommandError, match="needs PostgreSQL"):
            call_command("bench_recompute", stdout=io.StringIO())
        return
    out = io.StringIO()
    options = {"accounts": 20, "sales_lines": 400, "activities": 100, "runs": 1}
    call_command("bench_recompute", stdout=out, stderr=io.StringIO(), **options)
    lines = out.getvalue().strip().splitlines()
    assert "Building the benchmark dataset" in lines[0]
    assert re.fullmatch(
        r"recompute_s=\d+\.\d{3} floor_s=\d+\.\d{3} ratio=\d+\.\d{2}"
        r" work_floor_s=\d+\.\d{3} work_ratio=\d+\.\d{2}",
        lines[-1],
    )
    # the work floor writes one row per unit of selection, as the run scores every unit
    units = ScoringRun.objects.latest("pk").counts["units"]
    assert "work floor 1: " in lines[-2] and f"({units} rows written)" in lines[-2]
    # the same sizes again: the dataset is reused, not rebuilt
    again = io.StringIO()
    call_command("bench_recompute", stdout=again, stderr=io.StringIO(), **options)
    assert again.getvalue().startswith("Reusing the benchmark dataset")
    assert ScoringRun.objects.filter(status=RunStatus.SUCCEEDED).count() == 2
