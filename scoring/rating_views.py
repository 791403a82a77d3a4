"""The ratings page of the account workspace (/accounts/<pk>/ratings/; kam/urls.py adds it to
the accounts namespace): every rated criterion of an account on one form, with its anchors,
saved at once; when the score will reflect them; and, for directors, a recompute."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account
from accounts.selectors.accounts import visible_account
from kam.editing import call_service
from kam.permissions import require
from scoring.account_page import rated_criteria, rating_rows
from scoring.forms import RatingsForm
from scoring.models import ScoringRun
from scoring.ratings import next_nightly_run, ratings_record
from scoring.selectors import current_run
from scoring.services import IN_FLIGHT


@login_required
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """Rate every rated criterion at once (each left empty keeps its rating); those who see
    the account's scores but may not rate it (directors) read the ratings and anchors here."""
    try:
        account = visible_account(user=request.user, pk=pk)
    except Account.DoesNotExist:
        # Not visible and missing get the same answer, so ids reveal nothing.
        raise Http404("No account found.") from None
    if not request.user.has_perm("scoring.view_score", account):
        raise Http404("No account found.")
    can_rate = request.user.has_perm("scoring.rate_account", account)
    if request.method == "POST":
        require(request.user, "scoring.rate_account", account)
    criteria = rated_criteria()
    form = RatingsForm(request.POST or None, criteria=criteria) if can_rate else None
    if form is not None and request.method == "POST" and form.is_valid():
        saved = call_service(
            form,
            lambda: ratings_record(
                account=account,
                values=form.values(),
                comments=form.comments(),
                actor=request.user,
            ),
        )
        if saved is not None:
            messages.success(
                request,
                f"{len(saved)} rating{'s' if len(saved) != 1 else ''} saved; the score reflects "
                "them after the next scoring run.",
            )
            return redirect(f"{reverse('accounts:detail', args=[account.pk])}#ratings")
    rows = [
        {
            "criterion": row.criterion,
            "latest": row.latest,
            "field": form[row.criterion.key] if form else None,
            "why": form[form.why(row.criterion)] if form else None,
        }
        for row in rating_rows(account, criteria)
    ]
    context = {
        "account": account,
        "form": form,
        "rows": rows,
        "next_nightly": next_nightly_run(timezone.now()),
        "in_flight": ScoringRun.objects.filter(status__in=IN_FLIGHT).first(),
        "run": current_run(),
        "can_start_run": request.user.has_perm("scoring.start_run"),
    }
    return render(request, "scoring/ratings.html", context)
