"""Reads of scoring results shared by pages, the API and tasks."""

from __future__ import annotations

from scoring.models import RunStatus, ScoringRun


def current_run() -> ScoringRun | None:
    """The newest succeeded run: every page shows its results (None before the first run)."""
    return (
        ScoringRun.objects.filter(status=RunStatus.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .first()
    )
