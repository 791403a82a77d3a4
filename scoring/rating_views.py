"""The rating page of the account workspace (/accounts/<pk>/ratings/; kam/urls.py adds it to
the accounts namespace): rate one of the rated criteria of an account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.models import Account
from accounts.selectors.accounts import visible_account
from kam.editing import call_service
from kam.permissions import require
from scoring.account_page import rated_criteria
from scoring.forms import RatingForm
from scoring.ratings import rating_record


@login_required
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """Rate one of the rated criteria 1-5; the newest rating is what the next run uses."""
    try:
        account = visible_account(user=request.user, pk=pk)
    except Account.DoesNotExist:
        # Not visible and missing get the same answer, so ids reveal nothing.
        raise Http404("No account found.") from None
    require(request.user, "scoring.rate_account", account)
    form = RatingForm(request.POST or None, criteria=rated_criteria())
    if request.method == "POST" and form.is_valid():
        rating = call_service(
            form, lambda: rating_record(account=account, actor=request.user, **form.cleaned_data)
        )
        if rating is not None:
            messages.success(
                request,
                f"Rated “{rating.criterion.label}” {rating.value} of 5; the next scoring run "
                "uses it.",
            )
            return redirect(f"{reverse('accounts:detail', args=[account.pk])}#ratings")
    return render(request, "accounts/rating_form.html", {"account": account, "form": form})
