"""Reads of scoring results shared by pages, the API and tasks."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Account, Activity, SalesLine
from kam import bounds
from scoring.models import AccountScore, MetricEntry, RunStatus, ScoringRun


def current_run() -> ScoringRun | None:
    """The newest succeeded run: every page shows its results (None before the first run)."""
    return (
        ScoringRun.objects.filter(status=RunStatus.SUCCEEDED)
        .order_by("-finished_at", "-pk")
        .first()
    )


def account_score(account: Account, run: ScoringRun) -> AccountScore | None:
    """The account's score in `run` (None when the run did not score it)."""
    return AccountScore.objects.filter(run=run, account=account).first()


def runs() -> QuerySet[ScoringRun]:
    """Every recorded run, newest first, with who started it."""
    return ScoringRun.objects.select_related("started_by").order_by("-created_at", "-pk")


def rows_out_of_range(*, lo: int, hi: int, limit: int = 3) -> list[str]:
    """The first (at most `limit` of each) sales lines, activities and metric entries of the
    accounts with ids lo..hi dated outside kam.bounds' range, described for a person: what a
    failed chunk of a run names as the likely cause. Three queries."""

    def outside(field: str) -> Q:
        return Q(**{f"{field}__lt": bounds.EARLIEST}) | Q(**{f"{field}__gt": bounds.LATEST})

    in_range_of_ids = Q(account_id__gte=lo, account_id__lte=hi)
    sales = SalesLine.objects.filter(in_range_of_ids, outside("date")).order_by("pk")
    activities = Activity.objects.filter(in_range_of_ids, outside("date")).order_by("pk")
    entries = MetricEntry.objects.filter(in_range_of_ids, outside("period_start")).order_by("pk")
    return [
        *(
            f"sales line {document}/{line} (id {pk}) of account {code} dated {day}"
            for pk, document, line, code, day in sales.values_list(
                "pk", "erp_document", "erp_line", "account__erp_code", "date"
            )[:limit]
        ),
        *(
            f"activity {pk} of account {code} dated {day}"
            for pk, code, day in activities.values_list("pk", "account__erp_code", "date")[:limit]
        ),
        *(
            f"metric entry {pk} of account {code} for the quarter of {day}"
            for pk, code, day in entries.values_list("pk", "account__erp_code", "period_start")[
                :limit
            ]
        ),
    ]


def run_in_flight() -> ScoringRun | None:
    """The queued or running run, if any (there is never more than one)."""
    return runs().filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()
