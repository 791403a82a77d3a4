"""The director's pages: the portfolio dashboard, its CSV downloads, and the selection workbench
(weights what-if, saving weights, designating key accounts)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Account, AccountStatus, Quadrant, Stage
from accounts.services import account_designate
from kam.editing import call_service, refusals_on
from kam.errors import DomainError
from kam.exports import export_response
from kam.permissions import require, requires
from scoring import health, workbench
from scoring.account_page import rated_criteria
from scoring.engine.thresholds import HIGH_ATTRACTIVENESS, HIGH_STRENGTH
from scoring.forms import (
    AnchorsForm,
    DesignationForm,
    PortfolioFilterSet,
    WarningSettingsForm,
    WeightsForm,
    kams_with_load,
)
from scoring.models import HealthComponent, ScoringRun, WarningSettings
from scoring.portfolio import base, charts, overdue, tiles
from scoring.portfolio import dashboard as dashboard_portfolio
from scoring.portfolio.warnings import KIND_LABELS, every_warning
from scoring.quarters import Quarter
from scoring.selectors import current_run

PREVIEW_ROWS = workbench.PREVIEW_ROWS
# The id placeholder of the account URL pattern handed to the charts' script.
ACCOUNT_ID_PLACEHOLDER = 987654321


def _filters(request: HttpRequest, run: ScoringRun | None) -> PortfolioFilterSet:
    # The trailing 12 months end with the run's as-of date: the figures are the run's.
    today = run.as_of if run is not None else timezone.localdate()
    return PortfolioFilterSet(request.GET, request=request, today=today)


# --- dashboard -----------------------------------------------------------------------------


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _whale_y(board: dashboard_portfolio.Dashboard, point: charts.CurvePoint) -> float | None:
    """A whale point's height: % of the total net profit, or money when the total is not
    positive (see Dashboard.whale_in_money)."""
    return float(point.cumulative) if board.whale_in_money else point.cumulative_pct


def chart_payload(board: dashboard_portfolio.Dashboard) -> dict[str, Any]:
    """The charts' data as plain JSON for static/js/portfolio.js (json_script, no inline JS)."""
    account_url = reverse("accounts:detail", args=[ACCOUNT_ID_PLACEHOLDER])
    peak = board.whale_peak
    return {
        "accountUrl": account_url.replace(str(ACCOUNT_ID_PLACEHOLDER), "{id}"),
        # Where the quadrants split (the scoring engine's rule).
        "quadrantLines": {"x": HIGH_STRENGTH, "y": HIGH_ATTRACTIVENESS},
        "quadrants": [
            {"label": quadrant.label, "x": x, "y": y} for quadrant, x, y in charts.MATRIX_QUADRANTS
        ],
        "matrix": [
            {
                "id": row["account_id"],
                "name": row["account__name"],
                "x": _num(row["relative_strength"]),
                "y": _num(row["attractiveness"]),
                "revenue": _num(row["revenue"]),
                "stage": row["stage"],
                "key": row["status"] == base.KEY,
            }
            for row in board.matrix
        ],
        "stages": [{"value": s["stage"], "label": s["label"]} for s in board.stages],
        "whale": [[p.accounts_pct, _whale_y(board, p)] for p in board.whale],
        "whalePeak": [peak.accounts_pct, _whale_y(board, peak)] if peak else None,
        "whaleInMoney": board.whale_in_money,
        "pareto": [[p.accounts_pct, p.cumulative_pct] for p in board.pareto],
        "stageDistribution": {
            "labels": [s["label"] for s in board.stages],
            "key": [s["key"] for s in board.stages],
            "other": [s["other"] for s in board.stages],
        },
        "stageMovements": {
            "labels": [f"{m['month']:%b %Y}" for m in board.movements["months"]],
            "up": [m["up"] for m in board.movements["months"]],
            "down": [m["down"] for m in board.movements["months"]],
        },
        "trends": {
            "labels": [quarter.shown for quarter in board.trends["quarters"]],
            "partial": [quarter.partial for quarter in board.trends["quarters"]],
            "series": board.trends["series"],
        },
        "overdue": {
            "labels": ["Plans overdue for review", "Actions overdue", "Commitments breached"],
            "values": [
                board.overdue.plans.total,
                board.overdue.actions.total,
                board.overdue.commitments.total,
            ],
        },
    }


@require_GET
@requires("scoring.view_portfolio")
def dashboard(request: HttpRequest) -> HttpResponse:
    run = current_run()
    filters = _filters(request, run)
    board = dashboard_portfolio.portfolio_dashboard(
        scope=filters.selected_scope(),
        period=filters.selected_period(),
        run=run,
        today=timezone.localdate(),
    )
    trend_rows = [
        {
            "quarter": quarter.shown,
            "partial": quarter.partial,
            "revenue": (
                board.trends["revenue"]["key"][index],
                board.trends["revenue"]["other"][index],
            ),
            "values": [
                (series["key"][index], series["other"][index])
                for series in board.trends["series"].values()
            ],
        }
        for index, quarter in enumerate(board.trends["quarters"])
    ]
    return render(
        request,
        "portfolio/dashboard.html",
        {
            "board": board,
            "filter": filters,
            "charts": chart_payload(board),
            "trend_rows": trend_rows,
            "trend_labels": [s["label"] for s in board.trends["series"].values()],
            "query": filters.query_string(),
            # The run's tables are rendered once per run and filters, like its results.
            "results_key": (
                dashboard_portfolio.run_results_cache_key(run, board.scope, board.period)
                if run
                else ""
            ),
            "results_seconds": dashboard_portfolio.RESULTS_CACHE_SECONDS,
            "limits": {
                "typical": (base.TYPICAL_MIN, base.TYPICAL_MAX),
                "outer": (base.LIMIT_MIN, base.LIMIT_MAX),
                "too_many": base.TOO_MANY,
            },
        },
    )


# --- CSV downloads -------------------------------------------------------------------------


CHUNK = 2000


# The matrix download names status, stage and quadrant by their labels, as the page does.
MATRIX_LABELS = {
    charts.MATRIX_FIELDS.index("status"): dict(AccountStatus.choices),
    charts.MATRIX_FIELDS.index("stage"): dict(Stage.choices),
    charts.MATRIX_FIELDS.index("quadrant"): dict(Quadrant.choices),
}


def _matrix_rows(run: ScoringRun, scope: base.Scope) -> Iterator[list[Any]]:
    rows = charts.matrix_scores(run, scope).values_list(*charts.MATRIX_FIELDS)
    for row in rows.iterator(chunk_size=CHUNK):
        values = list(row)
        for index, labels in MATRIX_LABELS.items():
            values[index] = labels.get(values[index], values[index] or "")
        yield values


def _curve_rows(run: ScoringRun, scope: base.Scope, field_name: str) -> Iterator[list[Any]]:
    figures = tiles.run_figures(run, scope)
    total = figures.revenue if field_name == "revenue" else figures.net_profit
    rows = (
        charts.ranked_cumulative(run, scope, field_name)
        .order_by("position")
        .values_list("position", "account_id", "account__name", f"fig_{field_name}", "cumulative")
    )
    for position, account_id, name, value, cumulative in rows.iterator(chunk_size=CHUNK):
        point = charts.curve_point(
            position,
            cumulative,
            n=figures.accounts,
            total=total,
            account=(account_id, name, value, 0),
        )
        yield [
            position,
            account_id,
            name,
            point.value,
            point.cumulative,
            round(point.accounts_pct, 4),
            None if point.cumulative_pct is None else round(point.cumulative_pct, 4),
        ]


def _warning_rows(run: ScoringRun | None, scope: base.Scope) -> Iterator[list[Any]]:
    for kind, level, warning in every_warning(run, scope, chunk_size=CHUNK):
        account_id = "" if warning.account_id is None else warning.account_id
        yield [
            KIND_LABELS[kind],
            level.capitalize(),
            account_id,
            warning.account_name,
            warning.detail,
        ]


def _overdue_rows(scope: base.Scope, today: dt.date) -> Iterator[list[Any]]:
    for row in overdue.overdue_plans(scope, today).values_list(*overdue.PLAN_FIELDS):
        pk, title, review_date, account_id, account_name = row
        yield ["plan overdue for review", pk, title, review_date, account_id, account_name]
    for row in overdue.overdue_actions(scope, today).values_list(*overdue.ACTION_FIELDS):
        pk, title, due_date, _plan_id, account_id, account_name = row
        yield ["action overdue", pk, title, due_date, account_id, account_name]
    commitments = overdue.breached_commitments(scope)
    for row in commitments.values_list(*overdue.COMMITMENT_FIELDS):
        pk, promise, since, account_id, account_name = row
        yield ["commitment breached", pk, promise, since.date(), account_id, account_name]


Run = ScoringRun | None
Rows = Iterator[list[Any]]


@dataclass(frozen=True)
class Download:
    """One of the dashboard's named CSV downloads: its header and its rows, a function of the
    current run (None before the first), the filtered scope and period. A download that
    `needs_run` is a 404 until a run has finished."""

    header: tuple[str, ...]
    rows: Callable[[Run, base.Scope, base.Period], Iterable[Iterable[Any]]]
    needs_run: bool = False


# The figures are read when the download is asked for, before the response streams (errors
# then answer as errors); the generators only turn them into lines.


def _kam_load_rows(run: Run, scope: base.Scope, period: base.Period) -> Rows:
    loads = tiles.kam_loads(scope)
    return ([x.kam_id, x.name, x.key_accounts, x.accounts, x.overloaded] for x in loads)


def _stage_rows(run: Run, scope: base.Scope, period: base.Period) -> Rows:
    stages = charts.stage_distribution(scope)
    return ([s["label"], s["key"], s["other"]] for s in stages)


def _movement_rows(run: Run, scope: base.Scope, period: base.Period) -> Rows:
    months = charts.stage_movements(scope, period)["months"]
    return ([f"{m['month']:%Y-%m}", m["up"], m["down"]] for m in months)


def _transition_rows(run: Run, scope: base.Scope, period: base.Period) -> Rows:
    transitions = charts.stage_movements(scope, period)["transitions"]
    return ([t["from"], t["to"], t["moves"]] for t in transitions)


GROUPS = ("key", "other")  # key accounts against the others


def _trend_rows(run: Run, scope: base.Scope, period: base.Period) -> Rows:
    trends = charts.effectiveness_trends(scope, period, run)
    series = trends["series"]

    def line(index: int, quarter: Quarter) -> list[Any]:
        row: list[Any] = [quarter.label, quarter.months]
        for metric, _ in charts.TREND_METRICS:
            for group in GROUPS:
                value = series[metric][group][index]
                row.append(None if value is None else round(value, 4))
        return row

    return (line(index, quarter) for index, quarter in enumerate(trends["quarters"]))


def _curve(field_name: str) -> Download:
    """The whale curve (net profit) or the Pareto curve (revenue), accounts ranked by it."""
    return Download(
        header=(
            "position",
            "account_id",
            "account",
            field_name,
            f"cumulative_{field_name}",
            "accounts_pct",
            f"cumulative_{field_name}_pct",
        ),
        rows=lambda run, scope, period: _curve_rows(run, scope, field_name),
        needs_run=True,
    )


# The dashboard's downloads by name (the URL's last segment), in the order the page lists them.
EXPORTS: dict[str, Download] = {
    "key-accounts-per-kam": Download(
        ("kam_id", "kam", "key_accounts", "accounts", "over_5_key_accounts"), _kam_load_rows
    ),
    "warnings": Download(
        ("kind", "level", "account_id", "account", "detail"),
        lambda run, scope, period: _warning_rows(run, scope),
    ),
    "matrix": Download(
        (
            "account_id",
            "account",
            "status",
            "stage",
            "attractiveness",
            "relative_strength",
            "quadrant",
            "revenue",
            "four_x",
            "pareto",
        ),
        lambda run, scope, period: _matrix_rows(run, scope),
        needs_run=True,
    ),
    "whale-curve": _curve("net_profit"),
    "pareto-curve": _curve("revenue"),
    "stage-distribution": Download(("stage", "key_accounts", "other_accounts"), _stage_rows),
    "stage-movements": Download(("month", "moves_up", "moves_down"), _movement_rows),
    "stage-transitions": Download(("from_stage", "to_stage", "moves"), _transition_rows),
    "effectiveness": Download(
        (
            "quarter",
            "months_of_data",
            *(f"{metric}_{group}" for metric, _ in charts.TREND_METRICS for group in GROUPS),
        ),
        _trend_rows,
    ),
    "overdue": Download(
        ("kind", "id", "title", "date", "account_id", "account"),
        lambda run, scope, period: _overdue_rows(scope, timezone.localdate()),
    ),
}


def _export(
    name: str, run: ScoringRun | None, filters: PortfolioFilterSet
) -> tuple[list[str], Iterable[Iterable[Any]]]:
    """The header and rows of one chart's (or list's) full data."""
    download = EXPORTS.get(name)
    if download is None:
        raise Http404("No such download.")
    if download.needs_run and run is None:
        raise Http404("Not yet computed: no scoring run has finished.")
    rows = download.rows(run, filters.selected_scope(), filters.selected_period())
    return list(download.header), rows


@require_GET
@requires("scoring.view_portfolio")
def export(request: HttpRequest, name: str) -> HttpResponseBase:
    """A chart's full data as CSV (streamed, formula cells neutralised by kam.exports), with
    the dashboard's filters."""
    if name not in EXPORTS:
        raise Http404("No such download.")
    run = current_run()
    header, rows = _export(name, run, _filters(request, run))
    columns = [(title, itemgetter(index)) for index, title in enumerate(header)]
    return export_response(rows, columns, f"portfolio-{name}", "csv")


# --- workbench -----------------------------------------------------------------------------


def _workbench_context(run: ScoringRun | None, form: WeightsForm) -> dict[str, Any]:
    key_accounts = workbench.key_accounts(run)
    return {
        "run": run,
        "form": form,
        "can_change": True,
        "key_count": key_accounts.units,
        "guardrail": tiles.portfolio_size_guardrail(key_accounts.units),
        "key_accounts": key_accounts,
        "candidates": workbench.candidates(run),
        "kams": list(kams_with_load()),
    }


@require_GET
@requires("scoring.view_portfolio")
def workbench_page(request: HttpRequest) -> HttpResponse:
    run = current_run()
    form = WeightsForm(criteria=workbench.active_criteria())
    context = _workbench_context(run, form)
    context["can_change"] = request.user.has_perm("scoring.change_criterion")
    return render(request, "portfolio/workbench.html", context)


@require_POST
@requires("scoring.view_portfolio")
def weights_preview(request: HttpRequest) -> HttpResponse:
    """The live what-if (htmx partial): which accounts would enter or leave the top N."""
    run = current_run()
    form = WeightsForm(request.POST, criteria=workbench.active_criteria())
    preview = error = None
    elapsed_ms = None
    if run is None:
        error = "Not yet computed: the preview needs a finished scoring run."
    elif form.is_valid():
        started = time.perf_counter()
        try:
            preview = workbench.weights_preview(
                run=run, weights=form.weights(), top_n=form.cleaned_data["top_n"]
            )
        except DomainError as exc:
            error = str(exc)
        elapsed_ms = (time.perf_counter() - started) * 1000
    return render(
        request,
        "portfolio/_preview.html",
        {
            "preview": preview,
            "form": form,
            "error": error,
            "elapsed_ms": elapsed_ms,
            "run": run,
            "preview_limit": PREVIEW_ROWS,
        },
    )


@require_POST
@requires("scoring.change_criterion")
def weights_save(request: HttpRequest) -> HttpResponse:
    run = current_run()
    form = WeightsForm(request.POST, criteria=workbench.active_criteria())
    if form.is_valid():
        changed = call_service(
            form,
            lambda: workbench.criteria_weights_save(
                weights=form.weights(), actor=request.user, reason=form.cleaned_data["reason"]
            ),
        )
        if changed is not None:
            if changed:
                names = ", ".join(c.label for c in changed)
                messages.success(
                    request, f"Weights saved ({names}). The next recompute scores with them."
                )
            else:
                messages.info(request, "The weights are unchanged.")
            return redirect("portfolio:workbench")
    context = _workbench_context(run, form)
    return render(request, "portfolio/workbench.html", context, status=400)


@require_http_methods(["GET", "POST"])
@requires("scoring.view_portfolio")
def anchors(request: HttpRequest) -> HttpResponse:
    """What 1 and 5 mean for each rated criterion: the words beside every rating."""
    can_change = request.user.has_perm("scoring.change_criterion")
    if request.method == "POST":
        require(request.user, "scoring.change_criterion")
    form = AnchorsForm(request.POST or None, criteria=rated_criteria())
    if request.method == "POST" and form.is_valid():
        changed = call_service(
            form,
            lambda: workbench.criteria_anchors_save(
                anchors=form.anchors(), actor=request.user, reason=form.cleaned_data["reason"]
            ),
        )
        if changed is not None:
            if changed:
                names = ", ".join(c.label for c in changed)
                messages.success(request, f"Rating anchors saved ({names}).")
            else:
                messages.info(request, "The rating anchors are unchanged.")
            return redirect("portfolio:anchors")
    return render(request, "portfolio/anchors.html", {"form": form, "can_change": can_change})


@requires("scoring.change_warning_settings")
def warning_settings(request: HttpRequest) -> HttpResponse:
    """The director's health weights and warning thresholds (scoring.health), with history."""
    components = list(HealthComponent.objects.order_by("position", "key"))
    form = WarningSettingsForm(
        request.POST or None, components=components, settings=WarningSettings.current()
    )
    if request.method == "POST" and form.is_valid():
        with refusals_on(form):
            health.warning_settings_save(
                actor=request.user,
                weights=form.weights(),
                values=form.values(),
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, "Health and warning settings saved: the next run uses them.")
            return redirect("portfolio:warning_settings")
    history = list(
        WarningSettings.history.select_related("history_user").order_by("-history_date")[:20]
    )
    return render(
        request,
        "portfolio/warning_settings.html",
        {"form": form, "history": history},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@requires("accounts.designate_account")
def designate(request: HttpRequest, pk: int) -> HttpResponse:
    """Designate or remove a key account, with the KAM (each KAM's load shown) and a reason."""
    account = get_object_or_404(Account.objects.select_related("kam"), pk=pk)
    form = DesignationForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            account_designate(
                account=account,
                status=form.cleaned_data["status"],
                kam=form.cleaned_data["kam"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{account.name}: designation saved.")
            return redirect("portfolio:workbench")
    run = current_run()
    score = None
    if run is not None:
        score = run.scores.filter(account=account).first()
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "portfolio/designate.html",
        {"account": account, "form": form, "score": score, "run": run},
        status=status,
    )
