"""Account pages: the list every role starts from and the read-only account page."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import selectors
from accounts.filters import AccountFilterSet
from accounts.models import Account
from scoring.selectors import current_run

PAGE_SIZE = 50

# The list's columns in order: (label, ordering key or None when the column is not sortable,
# numeric columns first sort descending because the biggest figures are what people look for).
LIST_COLUMNS: list[tuple[str, str | None]] = [
    ("Name", "name"),
    ("ERP code", "erp_code"),
    ("Status", "status"),
    ("Stage", "stage"),
    ("KAM", "kam"),
    ("Industry", None),
    ("Country", None),
    ("T12M revenue", "revenue"),
    ("Attractiveness", "attractiveness"),
    ("Quadrant", None),
]
NUMERIC_COLUMNS = {"revenue", "attractiveness"}
SCORE_COLUMNS = {"T12M revenue", "Attractiveness", "Quadrant"}


@dataclass(frozen=True)
class ColumnHeader:
    label: str
    key: str | None
    numeric: bool
    aria_sort: str | None  # "ascending" / "descending" on the sorted column only
    next_ordering: str | None  # the ordering a click on the header asks for


def column_headers(current: str, *, shows_scores: bool) -> list[ColumnHeader]:
    """Headers with their sort state: a click on the sorted column reverses it."""
    headers = []
    for label, key in LIST_COLUMNS:
        if label in SCORE_COLUMNS and not shows_scores:
            continue
        numeric = key in NUMERIC_COLUMNS
        aria_sort = next_ordering = None
        if key is not None:
            if current == key:
                aria_sort, next_ordering = "ascending", f"-{key}"
            elif current == f"-{key}":
                aria_sort, next_ordering = "descending", key
            else:
                next_ordering = f"-{key}" if numeric else key
        headers.append(ColumnHeader(label, key, numeric, aria_sort, next_ordering))
    return headers


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    run = current_run()
    filterset = AccountFilterSet(request.GET, request=request, run=run)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/account_list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "run": run,
            "headers": column_headers(
                filterset.current_ordering, shows_scores=filterset.shows_scores
            ),
        },
    )


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    try:
        account = selectors.visible_account(user=user, pk=pk)
    except Account.DoesNotExist:
        # Not visible and missing get the same answer, so ids reveal nothing.
        raise Http404("No account found.") from None
    shows = {
        "details": user.has_perm("accounts.view_account_details", account),
        "plans": user.has_perm("plans.view_plan", account),
        "commitments": user.has_perm("plans.view_commitment", account),
    }
    page = selectors.account_page(
        account=account,
        run=current_run() if shows["details"] else None,
        include_details=shows["details"],
        include_plans=shows["plans"],
        include_commitments=shows["commitments"],
    )
    return render(
        request,
        "accounts/account_detail.html",
        {"page": page, "account": account, "shows": shows},
    )
