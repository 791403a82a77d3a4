"""The portfolio download, served under /imports/ beside the import templates (kam/urls.py
adds it to the imports namespace)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.http import require_GET

from kam.exports import export_response
from kam.permissions import requires
from scoring.exports import PORTFOLIO_COLUMNS, portfolio_rows
from scoring.selectors import current_run


@require_GET
@requires("scoring.view_portfolio")
def portfolio_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """Every account with all figures of the current scoring run (directors, administrators)."""
    rows = portfolio_rows(request.user, current_run())
    return export_response(rows, PORTFOLIO_COLUMNS, "portfolio", fmt)
