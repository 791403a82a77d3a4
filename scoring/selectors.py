"""Reads of scoring results shared by pages, the API and tasks."""

from __future__ import annotations

from django.db.models import QuerySet

from scoring.models import RunStatus, ScoringRun


def current_run() -> ScoringRun | None:
    """The newest succeeded run: every page shows its results (None before the first run)."""
    return (
        ScoringRun.objects.filter(status=RunStatus.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .first()
    )


def runs() -> QuerySet[ScoringRun]:
    """Every recorded run, newest first, with who started it."""
    return ScoringRun.objects.select_related("started_by").order_by("-created_at", "-pk")


def run_in_flight() -> ScoringRun | None:
    """The queued or running run, if any (there is never more than one)."""
    return runs().filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()
