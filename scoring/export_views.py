"""The portfolio download, served under /imports/ beside the import templates (kam/urls.py
adds it to the imports namespace)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.http import require_GET

from kam.exports import export_response
from scoring.exports import PORTFOLIO_COLUMNS, portfolio_rows
from scoring.selectors import current_run


@require_GET
@login_required
def portfolio_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """Every account with all figures of the current scoring run (directors, administrators)."""
    if not request.user.has_perm("scoring.view_portfolio"):
        raise PermissionDenied
    rows = portfolio_rows(request.user, current_run())
    return export_response(rows, PORTFOLIO_COLUMNS, "portfolio", fmt)
