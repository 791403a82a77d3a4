"""The actions list: every relationship-building action of the plans the user may see, across
accounts, filtered and sorted, a page at a time or downloaded whole (CSV or Excel)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from plans.filters import ActionFilterSet

PAGE_SIZE = 50


@login_required
def action_list(request: HttpRequest) -> HttpResponseBase:
    """What the user's plans promise to do, soonest due first. Plans are read by their
    accounts' people and the directors only, so operations see none."""
    filterset = ActionFilterSet(request.GET, request=request, today=timezone.localdate())
    if fmt := request.GET.get("export"):
        return filterset.bound_table.export(filterset.qs.iterator(chunk_size=2000), fmt)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "plans/action_list.html",
        filterset.page_context(page),
    )
