"""The status rule of a service commitment: one pure function, used everywhere.

`commitment_status` decides met / at risk / breached / due from the commitment and its latest
measurement; `commitment_next_due` says when the next measurement (or the delivery) is expected;
`last_complete_period` is the period a new measurement most likely covers.
The bulk evaluator (`plans.services.commitments_evaluate`) stores the result on the commitment, so
the board, the account page, the notifications and the hourly task all show the same status.
Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from kam.formats import day
from plans.models import Commitment, CommitmentStatus, Comparison, Measurement

# "Due soon" on the board: the next measurement or delivery is expected within this many days.
DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class StatusResult:
    status: CommitmentStatus
    reason: str


def is_delivered(commitment: Commitment, measurement: Measurement | None) -> bool:
    """A one-off promise is delivered once a measurement records value 1 ("delivered")."""
    return (
        commitment.comparison == Comparison.BY_DATE
        and measurement is not None
        and measurement.value >= 1
    )


def commitment_next_due(
    commitment: Commitment, latest_measurement: Measurement | None
) -> dt.date | None:
    """When the next measurement, or for a one-off promise the delivery, is expected.

    - One-off (`due`): its due date until it is delivered; nothing is due after delivery (None).
    - Recurring (`gte`/`lte`): the end of the latest measured period plus `cadence_days`; before
      the first measurement, the day the commitment was created plus `cadence_days`.
    """
    if commitment.comparison == Comparison.BY_DATE:
        return None if is_delivered(commitment, latest_measurement) else commitment.due_date
    cadence = dt.timedelta(days=commitment.cadence_days)
    if latest_measurement is None:
        return timezone.localdate(commitment.created_at) + cadence
    return latest_measurement.period_end + cadence


# Cadences that name a calendar period: weekly (Monday to Sunday), monthly, quarterly, yearly.
WEEKLY_DAYS = 7
MONTHLY_DAYS = range(28, 32)
QUARTERLY_DAYS = range(89, 93)
YEARLY_DAYS = (365, 366)


def last_complete_period(cadence_days: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """The latest period of the cadence that has fully ended before `today` (today is not over):
    a cadence of 7 days is the last Monday-to-Sunday week, 28-31 days the last calendar month,
    89-92 the last calendar quarter, 365-366 the last calendar year; any other cadence the
    `cadence_days` days up to yesterday."""
    yesterday = today - dt.timedelta(days=1)
    if cadence_days == WEEKLY_DAYS:
        end = today - dt.timedelta(days=today.weekday() + 1)
        return end - dt.timedelta(days=6), end
    if cadence_days in MONTHLY_DAYS:
        end = today.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    if cadence_days in QUARTERLY_DAYS:
        quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        end = quarter_start - dt.timedelta(days=1)
        return end.replace(month=(end.month - 1) // 3 * 3 + 1, day=1), end
    if cadence_days in YEARLY_DAYS:
        return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
    return yesterday - dt.timedelta(days=cadence_days - 1), yesterday


def period_label(start: dt.date, end: dt.date) -> str:
    """A measured period in words: one day, or "1 Nov 2026 to 30 Nov 2026"."""
    return _day(end) if start == end else f"{_day(start)} to {_day(end)}"


def is_due_soon(next_due: dt.date | None, today: dt.date) -> bool:
    return next_due is not None and next_due <= today + dt.timedelta(days=DUE_SOON_DAYS)


def commitment_status(
    commitment: Commitment, latest_measurement: Measurement | None, today: dt.date
) -> StatusResult:
    """The status of a commitment on `today`, and why. The rule, precisely:

    Recurring target (`gte`: value must be at least the target; `lte`: at most):
    - no measurement yet: **due** until the first one is expected (created + cadence, that day
      included); after that **at risk** ("no measurement yet", the cadence has lapsed);
    - the latest measurement (greatest period end, then the latest recorded) on the wrong side of
      the target: **breached**;
    - on the right side but less than `at_risk_margin` away from the target: **at risk**. So a
      value exactly at the target is met with margin 0 and at risk with any positive margin; a
      value exactly `margin` away is met;
    - otherwise **met**, unless the next measurement is overdue (today is after the latest
      period's end + cadence): then **at risk**. A breach stays breached when overdue: the last
      thing we know is a broken promise.

    One-off promise (`due`, delivered by `due_date`; a measurement with value 1 records the
    delivery on its period end, value 0 a "not yet" report):
    - delivered on or before the due date: **met**; delivered after it: **breached**;
    - not delivered and the due date has passed: **breached**;
    - not delivered, due date today or ahead: **due**, or **at risk** when fewer than
      `at_risk_margin` days are left (a due date today is at risk with any positive margin).
    """
    if commitment.comparison == Comparison.BY_DATE:
        return _one_off_status(commitment, latest_measurement, today)
    next_due = commitment_next_due(commitment, latest_measurement)
    overdue = next_due is not None and today > next_due
    if latest_measurement is None:
        if overdue:
            return StatusResult(
                CommitmentStatus.AT_RISK,
                f"No measurement yet; the first was expected by {_day(next_due)}",
            )
        return StatusResult(
            CommitmentStatus.DUE, f"No measurement yet; the first is expected by {_day(next_due)}"
        )

    value = latest_measurement.value
    target = commitment.target_value
    margin = commitment.at_risk_margin
    period = period_label(latest_measurement.period_start, latest_measurement.period_end)
    latest = f"{_qty(value, commitment.unit)} ({period})"
    wanted = f"the target of {_target(commitment)}"
    if commitment.comparison == Comparison.AT_LEAST:
        breached, headroom = value < target, value - target
    else:
        breached, headroom = value > target, target - value
    if breached:
        return StatusResult(CommitmentStatus.BREACHED, f"{latest} misses {wanted}")
    if headroom < margin:
        return StatusResult(
            CommitmentStatus.AT_RISK,
            f"{latest} is within the margin of {_qty(margin, commitment.unit)} of {wanted}",
        )
    if overdue:
        return StatusResult(
            CommitmentStatus.AT_RISK,
            f"No measurement since {_day(latest_measurement.period_end)}; "
            f"the next was expected by {_day(next_due)}",
        )
    return StatusResult(CommitmentStatus.MET, f"{latest} meets {wanted}")


def _one_off_status(
    commitment: Commitment, measurement: Measurement | None, today: dt.date
) -> StatusResult:
    due = commitment.due_date
    if is_delivered(commitment, measurement):
        delivered = measurement.period_end
        if delivered <= due:
            return StatusResult(
                CommitmentStatus.MET,
                f"Delivered on {_day(delivered)}, on or before the due date {_day(due)}",
            )
        return StatusResult(
            CommitmentStatus.BREACHED,
            f"Delivered on {_day(delivered)}, after the due date {_day(due)}",
        )
    if today > due:
        return StatusResult(
            CommitmentStatus.BREACHED, f"Not delivered and the due date {_day(due)} has passed"
        )
    days_left = (due - today).days
    if days_left < commitment.at_risk_margin:
        return StatusResult(
            CommitmentStatus.AT_RISK,
            f"Not delivered; due on {_day(due)}, {_days_left(days_left)} "
            f"(warning margin {_qty(commitment.at_risk_margin, 'days')})",
        )
    return StatusResult(
        CommitmentStatus.DUE, f"Not delivered yet; due on {_day(due)}, {_days_left(days_left)}"
    )


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _qty(value: Decimal, unit: str) -> str:
    return f"{_number(value)} {unit}".strip()


def _target(commitment: Commitment) -> str:
    sign = "at least" if commitment.comparison == Comparison.AT_LEAST else "at most"
    return f"{sign} {_qty(commitment.target_value, commitment.unit)}"


def _day(value: dt.date) -> str:
    return day(value)


def _days_left(count: int) -> str:
    if count == 0:
        return "that is today"
    return "1 day left" if count == 1 else f"{count} days left"
