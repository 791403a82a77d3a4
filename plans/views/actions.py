"""The actions list: every relationship-building action of the plans the user may see, across
accounts, filtered and sorted, a page at a time or downloaded whole (CSV or Excel)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from kam import listing
from kam.exports import export_response
from plans.filters import ActionFilterSet

PAGE_SIZE = 50

# The page's columns in order: (label, ordering key or None when the column is not sortable).
COLUMNS: list[tuple[str, str | None]] = [
    ("Account", "account"),
    ("Plan", "plan"),
    ("Family", "family"),
    ("Action", "title"),
    ("Owner", "owner"),
    ("Due", "due_date"),
    ("Status", "status"),
]

EXPORT_COLUMNS: list[tuple[str, Any]] = [
    ("Account", "plan.account.name"),
    ("ERP code", "plan.account.erp_code"),
    ("Plan", "plan.title"),
    ("Plan period start", "plan.period_start"),
    ("Plan period end", "plan.period_end"),
    ("Plan status", lambda a: a.plan.get_status_display()),
    ("Family", lambda a: a.get_family_display()),
    ("Action", "title"),
    ("Description", "description"),
    ("Owner", lambda a: str(a.owner)),
    ("Due date", "due_date"),
    ("Status", lambda a: a.get_status_display()),
    ("Overdue", "is_overdue"),
    ("Completed at", "completed_at"),
]


@login_required
def action_list(request: HttpRequest) -> HttpResponseBase:
    """What the user's plans promise to do, soonest due first. Plans are read by their
    accounts' people and the directors only, so operations see none."""
    filterset = ActionFilterSet(request.GET, request=request, today=timezone.localdate())
    if fmt := request.GET.get("export"):
        return export_response(
            filterset.qs.iterator(chunk_size=2000), EXPORT_COLUMNS, "actions", fmt
        )
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "plans/action_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "headers": listing.column_headers(COLUMNS, filterset.current_ordering, numeric=set()),
        },
    )
