"""The white-space map of an account (/accounts/<pk>/white-space/; kam/urls.py adds it to the
accounts namespace): the grid, its download and the spend-estimate form."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.models import Account
from kam.editing import call_service
from kam.exports import export_response
from kam.permissions import requires
from scoring.forms import SpendEstimateForm
from scoring.selectors import current_run
from scoring.whitespace import (
    map_csv_rows,
    portfolio_white_space,
    product_category_add,
    spend_estimate_save,
    white_space_map,
)

MAP_COLUMNS = [
    ("Account", "account"),
    ("ERP code", "erp_code"),
    ("Parent ERP code", "parent_erp_code"),
    ("Product category", "category"),
    ("Our revenue (last 12 months)", "revenue"),
    ("Estimated spend", "estimated_spend"),
    ("Estimate year", "estimate_year"),
    ("Our share %", "share_pct"),
    ("Headroom", "headroom"),
    ("White space", "white_space"),
    ("Estimate below our revenue", "estimate_below_revenue"),
    ("Main competitor", "competitor"),
    ("Competitor's share %", "competitor_share_pct"),
    ("Won, not yet invoiced", "won_not_invoiced"),
]


def _account(request: HttpRequest, pk: int) -> Account:
    try:
        return Account.objects.with_details_visible_to(request.user).get(pk=pk)
    except Account.DoesNotExist:
        raise Http404("No account found.") from None


@login_required
def white_space(request: HttpRequest, pk: int) -> HttpResponseBase:
    account = _account(request, pk)
    run = current_run()
    can_estimate = request.user.has_perm("scoring.change_spend_estimate", account)
    fmt = request.GET.get("format")
    if fmt:
        space = white_space_map(account, run)
        return export_response(
            map_csv_rows(space), MAP_COLUMNS, f"white-space-{account.erp_code}", fmt
        )
    initial = {"year": (run.as_of if run else dt.date.today()).year}
    if request.GET.get("category"):
        initial["category"] = request.GET["category"]
    form = SpendEstimateForm(request.POST or None, initial=initial) if can_estimate else None
    if request.method == "POST":
        if form is None:
            raise Http404("No estimate form here.")
        saved = form.is_valid() and call_service(
            form, lambda: _save(request, account, form.cleaned_data)
        )
        if saved:
            messages.success(
                request,
                f"Saved the {saved.year} spend estimate for “{saved.category.name}”; the "
                "account's category spend and share of wallet follow at the next scoring run.",
            )
            return redirect(reverse("accounts:white_space", args=[account.pk]))
    space = white_space_map(account, run)
    # A cell links to the current plan's new-opportunity form for those who may add one.
    can_add_opportunity = space.plan is not None and request.user.has_perm(
        "plans.change_opportunity", space.plan
    )
    return render(
        request,
        "scoring/white_space.html",
        {
            "account": account,
            "space": space,
            "form": form,
            "can_estimate": can_estimate,
            "can_add_opportunity": can_add_opportunity,
        },
        status=400 if form is not None and form.errors else 200,
    )


def _save(request: HttpRequest, account: Account, data: dict):
    category = data.get("category")
    if category is None:
        category = product_category_add(
            name=data["new_category"], actor=request.user, for_account=account
        )
    return spend_estimate_save(
        account=account,
        category=category,
        year=data["year"],
        actor=request.user,
        estimated_spend=data["estimated_spend"],
        source=data["source"],
        competitor=data.get("competitor") or "",
        competitor_share_pct=data.get("competitor_share_pct"),
    )


PORTFOLIO_PAGE_SIZE = 50
CELL_ORDER_LABELS = {
    "-spend": "Largest estimated spend first",
    "account": "Account",
    "category": "Product category",
    "spend": "Smallest estimated spend first",
}
PORTFOLIO_COLUMNS = [
    ("Account", "account_name"),
    ("Group", "group_name"),
    ("KAM", "kam"),
    ("Product category", "category"),
    ("Estimated spend", "spend"),
    ("Estimate year", "year"),
    ("Source", "source"),
    ("Main competitor", "competitor"),
]


@requires("scoring.view_portfolio")
def portfolio_white_space_page(request: HttpRequest) -> HttpResponseBase:
    """Headroom by product category across key accounts and the largest white-space cells."""
    run = current_run()
    category = request.GET.get("category", "")
    ordering = request.GET.get("ordering", "-spend")
    if ordering not in CELL_ORDER_LABELS:
        ordering = "-spend"
    try:
        kam_id = int(request.GET["kam"]) if request.GET.get("kam") else None
    except ValueError:
        kam_id = None
    space = portfolio_white_space(run, category=category, kam_id=kam_id, ordering=ordering)
    if fmt := request.GET.get("format"):
        return export_response(
            [vars(cell) for cell in space.cells], PORTFOLIO_COLUMNS, "white-space", fmt
        )
    page = Paginator(space.cells, PORTFOLIO_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portfolio/white_space.html",
        {
            "space": space,
            "page": page,
            "category": category,
            "ordering": ordering,
            "orderings": CELL_ORDER_LABELS,
            "kam_id": kam_id,
            "kams": space.kams,
            "query": query.urlencode(),
        },
    )
