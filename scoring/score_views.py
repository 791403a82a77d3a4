"""The scores list: the current run's ranking of the accounts the user may see, filtered and
sorted, a page at a time or downloaded whole (CSV or Excel) with each score's explanation."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from kam import errors
from kam import rules as kam_rules
from kam.exports import Columns
from scoring.filters import ScoreFilterSet
from scoring.models import Criterion
from scoring.scores import flags_of, may_read_scores, run_criteria, with_explanations
from scoring.selectors import current_run

PAGE_SIZE = 50


def criterion_columns(criteria: list[Criterion]) -> Columns:
    """After the list's columns, the download gives each criterion's normalised value (0-100)
    and contribution to the score (its points of the 0-100 attractiveness)."""

    def explained(criterion_id: int, part: str) -> Any:
        def value(score: Any) -> Any:
            line = score.explanation.get(criterion_id)
            return getattr(line, part) if line is not None else None

        return value

    columns: list[tuple[str, Any]] = []
    for criterion in criteria:
        columns += [
            (f"{criterion.label}: normalised", explained(criterion.pk, "normalised")),
            (f"{criterion.label}: contribution", explained(criterion.pk, "contribution")),
        ]
    return columns


@login_required
def score_list(request: HttpRequest) -> HttpResponseBase:
    """Directors and administrators read every account's score, a KAM those of the accounts
    they serve; operations, who never see scores, are refused."""
    if not may_read_scores(request.user):
        raise errors.PermissionDenied(
            "Scores are for the sales director and the accounts' own people."
        )
    run = current_run()
    filterset = ScoreFilterSet(request.GET, request=request, run=run)
    if fmt := request.GET.get("export"):
        return filterset.bound_table.export(
            with_explanations(filterset.qs, run), fmt, extra=criterion_columns(run_criteria(run))
        )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for score in page.object_list:
        score.flags = flags_of(score)
    return render(
        request,
        "portfolio/scores.html",
        {
            **filterset.page_context(page),
            "run": run,
            "shows_runs": kam_rules.sees_whole_portfolio(request.user),
        },
    )
