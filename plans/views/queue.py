"""The plans list: every current plan the user may see, with its state, last approval, how long
it has waited for a director and when it is due for review; filtered, sorted, a page at a time
or downloaded whole (CSV or Excel). For directors it is the approval queue: a submitted plan's
row links to what changed since its last approval and takes the decision in place."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from kam.permissions import requires
from plans.filters import PlanListFilterSet
from plans.tables import days_waiting

PAGE_SIZE = 50


@requires("plans.view_plan_list")
def plan_list(request: HttpRequest) -> HttpResponseBase:
    """The longest waiting for approval first. Directors see every plan, KAMs those of the
    accounts they serve."""
    filterset = PlanListFilterSet(request.GET, request=request)
    if fmt := request.GET.get("export"):
        return filterset.bound_table.export(filterset.qs.iterator(chunk_size=2000), fmt)
    today = timezone.localdate()
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for plan in page:
        plan.days_waiting = days_waiting(plan, today)
    return render(
        request,
        "plans/plan_list.html",
        {**filterset.page_context(page), "today": today, "back": request.get_full_path()},
    )
