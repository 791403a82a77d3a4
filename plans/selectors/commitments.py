"""Reads of service commitments and notifications, shared by pages, the API and tasks."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from accounts.models import Account, User
from accounts.selectors.choices import account_choices, person_choices
from plans.models import Commitment, CommitmentStatus, Measurement, Notification
from plans.status import DUE_SOON_DAYS, is_due_soon

# Most urgent first: breached, at risk, due soon, other due, met (the board's reading order).
URGENCY_BREACHED, URGENCY_AT_RISK, URGENCY_DUE_SOON, URGENCY_DUE, URGENCY_MET = range(5)
URGENCY_LABELS = {
    URGENCY_BREACHED: "breached",
    URGENCY_AT_RISK: "at risk",
    URGENCY_DUE_SOON: "due soon",
    URGENCY_DUE: "due",
    URGENCY_MET: "met",
}
SPARKLINE_POINTS = 12

# The latest measurement is the one with the greatest period end; a correction recorded later
# for the same period supersedes the earlier one.
LATEST_FIRST = ("-period_end", "-recorded_at", "-pk")


def commitments_with_latest(queryset: QuerySet[Commitment]) -> QuerySet[Commitment]:
    """Annotate each commitment with its latest measurement's id, value and period, in the same
    query (correlated subqueries on the (commitment, -period_end, -recorded_at) index)."""
    latest = Measurement.objects.filter(commitment=OuterRef("pk")).order_by(*LATEST_FIRST)
    return queryset.annotate(
        latest_measurement_id=Subquery(latest.values("pk")[:1]),
        latest_value=Subquery(latest.values("value")[:1]),
        latest_period_start=Subquery(latest.values("period_start")[:1]),
        latest_period_end=Subquery(latest.values("period_end")[:1]),
    )


def latest_measurement_of(commitment: Commitment) -> Measurement | None:
    """The latest measurement rebuilt from `commitments_with_latest` annotations (no query)."""
    if commitment.latest_measurement_id is None:
        return None
    return Measurement(
        pk=commitment.latest_measurement_id,
        commitment=commitment,
        value=Decimal(commitment.latest_value),
        period_start=commitment.latest_period_start,
        period_end=commitment.latest_period_end,
    )


def board_queryset(user: Any) -> QuerySet[Commitment]:
    """The active commitments the user may see, with what a board row shows, in one query."""
    return commitments_with_latest(
        Commitment.objects.visible_to(user)
        .filter(active=True)
        .select_related("account", "account__kam", "responsible_team")
    )


def board_accounts(user: Any) -> QuerySet[Account]:
    """The accounts `user` may see that have active commitments: the board's account filter."""
    with_commitments = Commitment.objects.filter(active=True).values("account_id")
    return account_choices(with_commitments, Account.objects.visible_to(user))


def board_kams(user: Any) -> QuerySet[User]:
    """The KAMs of `board_accounts`: the board's KAM filter."""
    return person_choices(board_accounts(user).values("kam_id"))


def board_ordered(
    queryset: QuerySet[Commitment], *, today: dt.date, name_by_key: bool = False
) -> QuerySet[Commitment]:
    """Most urgent first: breached, at risk, due soon (next measurement or delivery expected
    within 7 days), other due, met; then by next due date (none last), account name and id.

    `queryset` comes from `board_queryset` (usually filtered by `CommitmentFilterSet`). The order
    uses the stored status and next due date (both stored by the evaluator), and is computed and
    paged by the database, so a page costs the same for 50 or 50,000 commitments. With
    `name_by_key` the account name is read by the account's key instead of a join: to pick a
    page's ids among bare commitments (`board_page`).
    """
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    account_name = (
        Subquery(Account.objects.filter(pk=OuterRef("account_id")).values("name"))
        if name_by_key
        else F("account__name")
    )
    return queryset.annotate(
        urgency=Case(
            When(status=CommitmentStatus.BREACHED, then=Value(URGENCY_BREACHED)),
            When(status=CommitmentStatus.AT_RISK, then=Value(URGENCY_AT_RISK)),
            When(next_due__lte=soon, then=Value(URGENCY_DUE_SOON)),
            When(status=CommitmentStatus.DUE, then=Value(URGENCY_DUE)),
            default=Value(URGENCY_MET),
            output_field=IntegerField(),
        )
    ).order_by("urgency", F("next_due").asc(nulls_last=True), account_name, "pk")


def board_page(page: QuerySet[Commitment], *, today: dt.date) -> QuerySet[Commitment]:
    """The commitments of a page (a slice) of `board_ordered(..., name_by_key=True)`, in its
    order, with what a board row shows.

    Two steps in one query: the slice's ids are picked among the bare commitments, then only
    those are read with their account, KAM, team and latest measurement (the order itself
    reads only stored columns: the status and next due date the evaluator keeps).
    """
    picked = Commitment.objects.filter(pk__in=page.values("pk"))
    return board_ordered(
        commitments_with_latest(
            picked.select_related("account", "account__kam", "responsible_team")
        ),
        today=today,
    )


@dataclass
class BoardRow:
    commitment: Commitment
    latest: Measurement | None
    next_due: dt.date | None
    due_soon: bool
    urgency: int


def urgency_of(status: str, due_soon: bool) -> int:
    if status == CommitmentStatus.BREACHED:
        return URGENCY_BREACHED
    if status == CommitmentStatus.AT_RISK:
        return URGENCY_AT_RISK
    if due_soon:
        return URGENCY_DUE_SOON
    return URGENCY_DUE if status == CommitmentStatus.DUE else URGENCY_MET


def board_rows(commitments: Iterable[Commitment], *, today: dt.date) -> list[BoardRow]:
    """Rows of commitments read through `board_ordered` (a page of it, or all for an export)."""
    return [
        BoardRow(
            commitment,
            latest_measurement_of(commitment),
            commitment.next_due,
            is_due_soon(commitment.next_due, today),
            commitment.urgency,
        )
        for commitment in commitments
    ]


def board_summary(ordered: QuerySet[Commitment]) -> dict[int, int]:
    """How many commitments of `board_ordered(...)` fall in each urgency, in one query."""
    counts = dict.fromkeys(URGENCY_LABELS, 0)
    grouped = ordered.order_by().values("urgency").annotate(count=Count("pk"))
    for urgency, count in grouped.values_list("urgency", "count"):
        counts[urgency] = count
    return counts


def measurement_series(
    commitment_ids: Iterable[int], *, points: int = SPARKLINE_POINTS
) -> dict[int, list[Decimal]]:
    """The values of each commitment's last `points` measurements, oldest first, in one query."""
    ids = list(commitment_ids)
    if not ids:
        return {}
    ranked = (
        Measurement.objects.filter(commitment_id__in=ids)
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=[F("commitment_id")],
                order_by=[F(field[1:]).desc() for field in LATEST_FIRST],
            )
        )
        .filter(recency__lte=points)
        .order_by("commitment_id", "-recency")
        .values_list("commitment_id", "value")
    )
    series: dict[int, list[Decimal]] = defaultdict(list)
    for commitment_id, value in ranked:
        series[commitment_id].append(value)
    return dict(series)


def commitment_for_page(*, user: Any, pk: int) -> Commitment:
    """One commitment the user may see, with its latest measurement; DoesNotExist otherwise."""
    return commitments_with_latest(
        Commitment.objects.visible_to(user).select_related(
            "account", "account__kam", "responsible_team", "created_by"
        )
    ).get(pk=pk)


def measurements_of(commitment: Commitment) -> QuerySet[Measurement]:
    """A commitment's measurement history, latest first."""
    return commitment.measurements.select_related("recorded_by").order_by(*LATEST_FIRST)


def status_changes_of(commitment: Commitment) -> QuerySet[Any]:
    """A commitment's status changes, newest first."""
    return commitment.status_changes.select_related("changed_by", "measurement").order_by(
        "-changed_at", "-pk"
    )


def notifications_of(user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def unread_notification_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
