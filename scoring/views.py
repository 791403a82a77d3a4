"""Scoring run pages: the list of runs, one run with live progress, and "Recompute now".

Directors and administrators only (scoring.view_portfolio to read, scoring.start_run to start);
everyone else gets 403, anonymous visitors the login page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from kam.permissions import requires
from scoring import selectors, services
from scoring.models import RunTrigger, ScoringRun

PAGE_SIZE = 25
# How the run's counts read on its page, in this order.
COUNT_LABELS = {
    "accounts": "Accounts",
    "key_accounts": "Key accounts",
    "criterion_scores": "Criterion lines",
    "pareto": "In the 80% revenue set",
    "four_x": "4x the average account",
    "misclassified": "Flagged as misclassified",
    "kam_overloaded": "With an overloaded KAM",
    "spend_below_revenue": "Category spend below our revenue (update it)",
    "unrated_activities": "Activities without a cost rate (T12)",
    "overlapping_cost_rates": "Overlapping cost rate periods",
    "snapshots_written": "Snapshots written or changed",
    "snapshots_from": "Snapshots recomputed from",
    "data_from": "First day of sales or activity data",
}

# How the run's stage durations read on its page, in this order (the final stage's steps are
# part of it; what runs side by side, where, the page says under the table).
STAGE_LABELS = {
    "prepare": "Planning",
    "chunks": "Chunks, elapsed",
    "chunks_busy": "Chunks, each one's time added up",
    "scores": "Final stage",
    "groups": "Final stage: groups rolled up",
    "health": "Final stage: health",
    "explanations": "Final stage: score explanations",
    "prune": "Old runs' rows pruned",
    "vacuum": "Space reclaimed (VACUUM and ANALYZE on PostgreSQL)",
}


def _stage_rows(durations: dict) -> list[tuple[str, object]]:
    known = [(label, durations[key]) for key, label in STAGE_LABELS.items() if key in durations]
    other = [(f"Stage {key}", value) for key, value in durations.items() if key not in STAGE_LABELS]
    return known + other


def _with_duration(runs: list[ScoringRun]) -> list[ScoringRun]:
    for run in runs:
        run.duration_s = (
            (run.finished_at - run.started_at).total_seconds()
            if run.finished_at and run.started_at
            else None
        )
        run.stage_rows = _stage_rows(run.stage_durations)
        run.count_rows = [
            (label, run.counts[key]) for key, label in COUNT_LABELS.items() if key in run.counts
        ]
    return runs


@requires("scoring.view_portfolio")
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.runs(), PAGE_SIZE).get_page(request.GET.get("page"))
    _with_duration(page.object_list)
    return render(
        request,
        "scoring/run_list.html",
        {
            "page_obj": page,
            "in_flight": selectors.run_in_flight(),
            "can_start": request.user.has_perm("scoring.start_run"),
        },
    )


@requires("scoring.view_portfolio")
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(selectors.runs(), pk=pk)
    _with_duration([run])
    return render(request, "scoring/run_detail.html", {"run": run})


@requires("scoring.view_portfolio")
@require_GET
def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the run page, polled by htmx every second while the run is in flight."""
    run = get_object_or_404(selectors.runs(), pk=pk)
    _with_duration([run])
    return render(request, "scoring/_run_progress.html", {"run": run})


@requires("scoring.start_run")
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    """Recompute now: queue a run for the workers, or say which run is already in progress."""
    try:
        run = services.run_enqueue(trigger=RunTrigger.MANUAL, actor=request.user)
    except services.RunInProgress as exc:
        messages.warning(request, str(exc))
        if exc.run is not None:
            return redirect("scoring:run_detail", pk=exc.run.pk)
        return redirect("scoring:runs")
    messages.success(request, f"Scoring run {run.pk} started.")
    return redirect("scoring:run_detail", pk=run.pk)
