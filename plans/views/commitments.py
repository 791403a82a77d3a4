"""Pages of service commitments: the board, a commitment's page, recording a
measurement (in place with htmx, or as a plain form without JavaScript) and notifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from kam.permissions import require
from plans.filters import CommitmentFilterSet
from plans.forms import MeasurementForm
from plans.models import Commitment, Comparison, Measurement
from plans.selectors import commitments
from plans.services import commitments as commitments_services
from plans.status import (
    commitment_next_due,
    commitment_status,
    last_complete_period,
    period_label,
)
from plans.tables import COMMITMENTS

PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 50
NOTIFICATIONS_PAGE_SIZE = 25


@dataclass(frozen=True)
class Sparkline:
    """A small inline SVG of the last measurements, with its text alternative."""

    points: str
    width: int
    height: int
    target_y: float
    last_x: float
    last_y: float
    label: str


def sparkline(values: list[Decimal], commitment: Commitment) -> Sparkline | None:
    """Geometry for up to the last 12 values, oldest first; the target is drawn as a line, so
    the scale includes it. One-off promises have no trend (None)."""
    if not values or commitment.comparison == Comparison.BY_DATE:
        return None
    width, height, pad = 96, 24, 3
    target = commitment.target_value
    low, high = min([*values, target]), max([*values, target])
    span = (high - low) or Decimal(1)
    step = (width - 2 * pad) / max(len(values) - 1, 1)

    def y_of(value: Decimal) -> float:
        return round(pad + float((high - value) / span) * (height - 2 * pad), 1)

    coordinates = [
        (round(pad + index * step, 1), y_of(value)) for index, value in enumerate(values)
    ]
    unit = f" {commitment.unit}" if commitment.unit else ""
    sign = "at least" if commitment.comparison == Comparison.AT_LEAST else "at most"
    numbers = ", ".join(f"{value.normalize():f}" for value in values)
    noun = "measurement" if len(values) == 1 else f"{len(values)} measurements"
    label = (
        f"Last {noun}, oldest first: {numbers}{unit}; target {sign} {target.normalize():f}{unit}"
    )
    return Sparkline(
        points=" ".join(f"{x},{y}" for x, y in coordinates),
        width=width,
        height=height,
        target_y=y_of(target),
        last_x=coordinates[-1][0],
        last_y=coordinates[-1][1],
        label=label,
    )


@dataclass(frozen=True)
class BoardLine:
    row: commitments.BoardRow
    sparkline: Sparkline | None


def board_lines(rows: Iterable[commitments.BoardRow]) -> list[BoardLine]:
    rows = list(rows)
    series = commitments.measurement_series(row.commitment.pk for row in rows)
    return [
        BoardLine(row, sparkline(series.get(row.commitment.pk, []), row.commitment)) for row in rows
    ]


def safe_next(request: HttpRequest, default: str) -> str:
    """The submitted `next` (POST or GET) when it points at this site, else `default`."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """Operations' home: every commitment the user may see, most urgent first."""
    today = timezone.localdate()
    filterset = CommitmentFilterSet(request.GET, request=request)
    ordered = commitments.board_ordered(filterset.qs, today=today, name_by_key=True)
    counts = commitments.board_summary(ordered)
    paginator = Paginator(ordered, PAGE_SIZE)
    paginator.count = sum(counts.values())  # known from the summary: no COUNT query
    page = paginator.get_page(request.GET.get("page"))
    table = COMMITMENTS.for_user(request.user)
    return render(
        request,
        "plans/board.html",
        {
            "filter": filterset,
            "page_obj": page,
            "lines": board_lines(
                commitments.board_rows(
                    commitments.board_page(page.object_list, today=today), today=today
                )
            ),
            "total": paginator.count,
            "summary": [
                (label, counts[urgency]) for urgency, label in commitments.URGENCY_LABELS.items()
            ],
            "table": table,
            "headers": table.headers(),
            "board_url": request.get_full_path(),
            "today": today,
        },
    )


@login_required
def board_export(request: HttpRequest, fmt: str = "csv") -> HttpResponseBase:
    """The board as CSV or Excel, with the same filters and order as on screen (all pages);
    cells a spreadsheet would run as formulas are neutralised by kam.exports."""
    today = timezone.localdate()
    filterset = CommitmentFilterSet(request.GET, request=request)
    rows = commitments.board_rows(commitments.board_ordered(filterset.qs, today=today), today=today)
    return COMMITMENTS.for_user(request.user).export(rows, fmt)


def _visible_row(request: HttpRequest, pk: int) -> BoardLine:
    today = timezone.localdate()
    rows = commitments.board_rows(
        commitments.board_ordered(
            commitments.board_queryset(request.user).filter(pk=pk), today=today
        ),
        today=today,
    )
    if not rows:
        # Not visible, inactive and missing get the same answer, so ids reveal nothing.
        raise Http404("No commitment found.")
    return board_lines(rows)[0]


def _row_response(
    request: HttpRequest,
    line: BoardLine,
    *,
    form: MeasurementForm | None = None,
    announcement: str = "",
) -> HttpResponse:
    if form is not None:
        # htmx focuses [autofocus] in swapped content: typing can start at once.
        form.fields["value"].widget.attrs["autofocus"] = True
    return render(
        request,
        "plans/_board_row.html",
        {
            "line": line,
            "form": form,
            "announcement": announcement,
            "table": COMMITMENTS.for_user(request.user),
            "board_url": safe_next(request, reverse("plans:board")),
        },
    )


@login_required
def commitment_row(request: HttpRequest, pk: int) -> HttpResponse:
    """One board row (htmx: after "Cancel"); without htmx, the board itself."""
    if not request.htmx:
        return redirect(safe_next(request, reverse("plans:board")))
    return _row_response(request, _visible_row(request, pk))


@login_required
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A commitment: its target, status and why, measurement history and status changes."""
    user = request.user
    try:
        commitment = commitments.commitment_for_page(user=user, pk=pk)
    except Commitment.DoesNotExist:
        raise Http404("No commitment found.") from None
    today = timezone.localdate()
    latest = commitments.latest_measurement_of(commitment)
    evaluation = commitment_status(commitment, latest, today)
    series = commitments.measurement_series([commitment.pk])
    can_record = user.has_perm("plans.record_measurement", commitment) and commitment.active
    return render(
        request,
        "plans/commitment_detail.html",
        {
            "commitment": commitment,
            "latest": latest,
            "evaluation": evaluation,
            "evaluation_pending": evaluation.status != commitment.status,
            "next_due": commitment_next_due(commitment, latest),
            "sparkline": sparkline(series.get(commitment.pk, []), commitment),
            "measurements": Paginator(
                commitments.measurements_of(commitment), HISTORY_PAGE_SIZE
            ).get_page(request.GET.get("page")),
            "status_changes": Paginator(
                commitments.status_changes_of(commitment), HISTORY_PAGE_SIZE
            ).get_page(request.GET.get("changes_page")),
            "can_record": can_record,
            "form": _new_form(commitment, latest, today) if can_record else None,
        },
    )


def _new_form(
    commitment: Commitment, latest: Measurement | None, today: dt.date
) -> MeasurementForm:
    """An empty form for the last complete period of the commitment's cadence (a one-off:
    delivered today), unless that period is measured already: then the dates are left to type."""
    if commitment.comparison == Comparison.BY_DATE:
        initial = {"value": "1", "period_start": today, "period_end": today}
        return MeasurementForm(commitment=commitment, initial=initial)
    start, end = last_complete_period(commitment.cadence_days, today)
    if latest is None or latest.period_end < end:
        return MeasurementForm(
            commitment=commitment, initial={"period_start": start, "period_end": end}
        )
    form = MeasurementForm(commitment=commitment)
    form.fields[
        "period_start"
    ].help_text = f"{period_label(start, end)}, the last complete period, is measured already."
    return form


@login_required
def measurement_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a measurement. With htmx the board row swaps in place (the form, its errors with
    the typed values kept, then the updated row); without JavaScript it is a plain form page
    that redirects back to `next` (the board with its filters, or the commitment's page)."""
    line = _visible_row(request, pk)
    commitment = line.row.commitment
    require(
        request.user, "plans.record_measurement", commitment, "You may not record measurements."
    )
    default_next = reverse("plans:board")
    if request.method == "POST":
        form = MeasurementForm(request.POST, commitment=commitment)
        if form.is_valid():
            try:
                commitments_services.measurement_record(
                    commitment=commitment, actor=request.user, **form.cleaned_data
                )
            except commitments_services.MeasurementRejected as rejection:
                form.add_rejection(rejection)
            else:
                updated = _visible_row(request, pk)
                status = updated.row.commitment.get_status_display()
                if request.htmx:
                    return _row_response(request, updated, announcement=f"Recorded; {status}.")
                messages.success(
                    request, f"Measurement recorded for “{commitment.promise}”; status: {status}."
                )
                return redirect(safe_next(request, default_next))
    else:
        form = _new_form(commitment, line.row.latest, timezone.localdate())
    if request.htmx:
        return _row_response(request, line, form=form)
    return render(
        request,
        "plans/measurement_form.html",
        {
            "line": line,
            "commitment": commitment,
            "form": form,
            "next_url": safe_next(request, default_next),
        },
    )


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(commitments.notifications_of(request.user), NOTIFICATIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "plans/notifications.html", {"page_obj": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read, then go to `next` (its page, or the list)."""
    commitments_services.notifications_mark_read(user=request.user, notification_ids=[pk])
    return redirect(safe_next(request, reverse("plans:notifications")))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    count = commitments_services.notifications_mark_read(user=request.user)
    messages.info(request, f"{count} notification{'' if count == 1 else 's'} marked read.")
    return redirect("plans:notifications")
