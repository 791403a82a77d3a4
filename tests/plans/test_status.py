"""The status rule (plans.status.commitment_status): pure, so no database."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from plans.models import Commitment, CommitmentStatus, Comparison, Measurement
from plans.status import commitment_next_due, commitment_status, is_due_soon

MET, AT_RISK, BREACHED, DUE = (
    CommitmentStatus.MET,
    CommitmentStatus.AT_RISK,
    CommitmentStatus.BREACHED,
    CommitmentStatus.DUE,
)
CREATED = dt.date(2026, 9, 1)
TODAY = dt.date(2026, 11, 15)


def recurring(comparison=Comparison.AT_LEAST, target="98", margin="0", cadence=30, unit="%"):
    return Commitment(
        promise="On-time delivery",
        comparison=comparison,
        target_value=Decimal(target),
        unit=unit,
        cadence_days=cadence,
        at_risk_margin=Decimal(margin),
        created_at=timezone.make_aware(dt.datetime.combine(CREATED, dt.time(9))),
    )


def one_off(due=dt.date(2026, 11, 15), margin="0"):
    return Commitment(
        promise="Dedicated stock in place",
        comparison=Comparison.BY_DATE,
        due_date=due,
        at_risk_margin=Decimal(margin),
        created_at=timezone.make_aware(dt.datetime.combine(CREATED, dt.time(9))),
    )


def measured(value, end=dt.date(2026, 10, 31), start=dt.date(2026, 10, 1)):
    return Measurement(value=Decimal(value), period_start=start, period_end=end)


@pytest.mark.parametrize(
    ("value", "margin", "expected"),
    [
        ("98", "0", MET),  # exactly at the target, no margin: the promise is kept
        ("98", "1", AT_RISK),  # exactly at the target with a margin: inside the warning band
        ("98.999", "1", AT_RISK),  # 0.999 above the target is still less than the margin of 1
        ("99", "1", MET),  # exactly one margin away from the target: met
        ("97.999", "0", BREACHED),
        ("97.999", "1", BREACHED),
        ("100", "1", MET),
    ],
)
def test_at_least_target_edges(value, margin, expected):
    commitment = recurring(margin=margin)

    assert commitment_status(commitment, measured(value), TODAY).status == expected


@pytest.mark.parametrize(
    ("value", "margin", "expected"),
    [
        ("24", "0", MET),  # quote turnaround <= 24 h, exactly 24 h
        ("24", "2", AT_RISK),
        ("22.5", "2", AT_RISK),  # 1.5 h of headroom is less than the 2 h margin
        ("22", "2", MET),
        ("24.001", "0", BREACHED),
        ("0", "2", MET),
    ],
)
def test_at_most_target_edges(value, margin, expected):
    commitment = recurring(Comparison.AT_MOST, target="24", margin=margin, unit="h")

    assert commitment_status(commitment, measured(value), TODAY).status == expected


def test_defect_rate_at_most_half_a_percent():
    commitment = recurring(Comparison.AT_MOST, target="0.5", margin="0.1")

    assert commitment_status(commitment, measured("0.61"), TODAY).status == BREACHED
    assert commitment_status(commitment, measured("0.45"), TODAY).status == AT_RISK
    assert commitment_status(commitment, measured("0.4"), TODAY).status == MET


def test_no_measurement_yet_is_due_until_the_first_is_expected():
    commitment = recurring(cadence=30)
    first_expected = CREATED + dt.timedelta(days=30)  # 1 Oct 2026

    result = commitment_status(commitment, None, first_expected)

    assert result.status == DUE
    assert result.reason == "No measurement yet; the first is expected by 1 Oct 2026"


def test_no_measurement_after_the_first_cadence_is_at_risk():
    commitment = recurring(cadence=30)
    day_after_first_expected = CREATED + dt.timedelta(days=31)

    result = commitment_status(commitment, None, day_after_first_expected)

    assert result.status == AT_RISK
    assert result.reason == "No measurement yet; the first was expected by 1 Oct 2026"


def test_cadence_missed_turns_a_met_commitment_at_risk_the_day_after_the_next_was_due():
    commitment = recurring(cadence=30)
    measurement = measured("99.5", end=dt.date(2026, 10, 31))
    next_due = dt.date(2026, 11, 30)  # 31 Oct + 30 days

    on_the_day = commitment_status(commitment, measurement, next_due)
    day_after = commitment_status(commitment, measurement, next_due + dt.timedelta(days=1))

    assert on_the_day.status == MET
    assert day_after.status == AT_RISK
    assert day_after.reason == (
        "No measurement since 31 Oct 2026; the next was expected by 30 Nov 2026"
    )


def test_a_breach_stays_breached_when_the_next_measurement_is_late_too():
    commitment = recurring(cadence=30)

    result = commitment_status(commitment, measured("90"), dt.date(2027, 3, 1))

    assert result.status == BREACHED


def test_breach_reason_names_the_value_period_and_target():
    result = commitment_status(recurring(), measured("96.5"), TODAY)

    assert result.reason == "96.5 % (1 Oct 2026 to 31 Oct 2026) misses the target of at least 98 %"


def test_one_off_due_today_is_still_due_and_breached_the_day_after():
    commitment = one_off(due=TODAY)

    assert commitment_status(commitment, None, TODAY).status == DUE
    assert commitment_status(commitment, None, TODAY + dt.timedelta(days=1)).status == BREACHED


def test_one_off_due_today_with_a_warning_margin_is_at_risk():
    commitment = one_off(due=TODAY, margin="3")

    assert commitment_status(commitment, None, TODAY).status == AT_RISK


def test_one_off_within_its_margin_in_days_is_at_risk():
    commitment = one_off(due=dt.date(2026, 11, 20), margin="5")

    # 20 Nov - 15 Nov = 5 days left: not fewer than the margin of 5, so still just due.
    assert commitment_status(commitment, None, TODAY).status == DUE
    # 4 days left is fewer than 5.
    assert commitment_status(commitment, None, dt.date(2026, 11, 16)).status == AT_RISK


def test_one_off_delivered_on_the_due_date_is_met_and_late_delivery_is_breached():
    commitment = one_off(due=TODAY)
    on_time = measured("1", start=TODAY, end=TODAY)
    late = measured("1", start=TODAY, end=TODAY + dt.timedelta(days=1))

    assert commitment_status(commitment, on_time, TODAY + dt.timedelta(days=10)).status == MET
    assert commitment_status(commitment, late, TODAY + dt.timedelta(days=10)).status == BREACHED


def test_one_off_with_a_not_yet_report_counts_as_not_delivered():
    commitment = one_off(due=TODAY)
    not_yet = measured("0", start=TODAY, end=TODAY)

    assert commitment_status(commitment, not_yet, TODAY).status == DUE
    assert commitment_status(commitment, not_yet, TODAY + dt.timedelta(days=1)).status == BREACHED


def test_next_due_is_last_period_end_plus_cadence_or_the_due_date():
    assert commitment_next_due(recurring(cadence=14), measured("99")) == dt.date(2026, 11, 14)
    assert commitment_next_due(recurring(cadence=14), None) == dt.date(2026, 9, 15)
    assert commitment_next_due(one_off(due=TODAY), None) == TODAY
    delivered = measured("1", start=TODAY, end=TODAY)
    assert commitment_next_due(one_off(due=TODAY), delivered) is None


def test_due_soon_means_within_seven_days():
    assert is_due_soon(TODAY + dt.timedelta(days=7), TODAY)
    assert not is_due_soon(TODAY + dt.timedelta(days=8), TODAY)
    assert not is_due_soon(None, TODAY)
