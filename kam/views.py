from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from kam import rules as kam_rules


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role starts where its day starts: directors and administrators on the portfolio
    dashboard, operations on the commitments board, key account managers on their accounts."""
    if request.user.has_perm("scoring.view_portfolio"):
        return redirect("portfolio:dashboard")
    if kam_rules.starts_on_commitments(request.user):
        return redirect("plans:board")
    return redirect("accounts:list")
