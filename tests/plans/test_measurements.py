"""Recording a measurement: the rules, the permission, and the immediate re-evaluation."""

import datetime as dt
from decimal import Decimal

import pytest

from kam.errors import PermissionDenied
from plans.models import CommitmentStatus, CommitmentStatusChange, Measurement, Notification
from plans.services import commitments
from tests import factories

TODAY = dt.date(2026, 11, 15)
OCTOBER = {"period_start": dt.date(2026, 10, 1), "period_end": dt.date(2026, 10, 31)}
SEPTEMBER = {"period_start": dt.date(2026, 9, 1), "period_end": dt.date(2026, 9, 30)}

pytestmark = pytest.mark.django_db


def test_operations_record_a_breaching_measurement_and_the_status_follows_at_once(
    commitment, operations
):
    measurement = commitments.measurement_record(
        commitment=commitment,
        value=Decimal("96.5"),
        note="Two late trucks",
        actor=operations,
        today=TODAY,
        **OCTOBER,
    )

    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.BREACHED
    assert measurement.recorded_by == operations
    change = CommitmentStatusChange.objects.get()
    assert change.changed_by == operations
    assert change.measurement == measurement
    assert Notification.objects.count() == 2  # the operations user (team) and the KAM


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {
                "value": "99",
                "period_start": dt.date(2026, 10, 31),
                "period_end": dt.date(2026, 10, 1),
            },
            "period_end",
            "The period must end on or after its start.",
        ),
        (
            {"value": "99", "period_start": TODAY, "period_end": TODAY + dt.timedelta(days=1)},
            "period_end",
            "A measured period cannot end in the future.",
        ),
        ({"value": "100.001", **OCTOBER}, "value", "A percentage must be between 0 and 100."),
        ({"value": "-1", **OCTOBER}, "value", "A measurement cannot be negative."),
    ],
)
def test_a_measurement_that_makes_no_sense_is_refused_and_nothing_changes(
    commitment, operations, values, field, message
):
    values = {**values, "value": Decimal(values["value"])}

    with pytest.raises(commitments.MeasurementRejected) as refused:
        commitments.measurement_record(
            commitment=commitment, actor=operations, today=TODAY, **values
        )

    assert refused.value.errors == {field: [message]}
    assert Measurement.objects.count() == 0
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.DUE


def test_a_percentage_of_exactly_0_and_100_is_accepted(commitment, operations):
    for value, period in (("0", SEPTEMBER), ("100", OCTOBER)):
        commitments.measurement_record(
            commitment=commitment, value=Decimal(value), actor=operations, today=TODAY, **period
        )

    assert Measurement.objects.count() == 2


def test_hours_above_100_are_fine(key_account, team, operations):
    turnaround = factories.CommitmentFactory(
        account=key_account,
        responsible_team=team,
        comparison="lte",
        target_value=Decimal("24"),
        unit="h",
        at_risk_margin=Decimal("0"),
    )

    commitments.measurement_record(
        commitment=turnaround, value=Decimal("130"), actor=operations, today=TODAY, **OCTOBER
    )

    turnaround.refresh_from_db()
    assert turnaround.status == CommitmentStatus.BREACHED


def test_a_one_off_takes_delivered_or_not_yet_only(key_account, team, operations):
    one_off = factories.CommitmentFactory(
        account=key_account,
        responsible_team=team,
        one_off=True,
        due_date=TODAY,
    )

    with pytest.raises(commitments.MeasurementRejected) as refused:
        commitments.measurement_record(
            commitment=one_off, value=Decimal("2"), actor=operations, today=TODAY, **OCTOBER
        )
    commitments.measurement_record(
        commitment=one_off,
        value=Decimal("1"),
        period_start=TODAY,
        period_end=TODAY,
        actor=operations,
        today=TODAY,
    )

    assert refused.value.errors == {
        "value": ["For a one-off promise, record 1 (delivered) or 0 (not yet)."]
    }
    one_off.refresh_from_db()
    assert one_off.status == CommitmentStatus.MET


@pytest.mark.parametrize("who", ["kam", "director", "other_kam"])
def test_only_operations_and_admins_may_record(
    commitment, who, request, django_capture_on_commit_callbacks
):
    actor = request.getfixturevalue(who)

    with django_capture_on_commit_callbacks() as queued, pytest.raises(PermissionDenied):
        commitments.measurement_record(
            commitment=commitment, value=Decimal("96"), actor=actor, today=TODAY, **OCTOBER
        )

    assert Measurement.objects.count() == 0
    assert queued == []


def test_an_admin_may_record(commitment, admin_user):
    commitments.measurement_record(
        commitment=commitment, value=Decimal("99.5"), actor=admin_user, today=TODAY, **OCTOBER
    )

    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.MET


def test_an_inactive_commitment_takes_no_measurements(commitment, operations):
    commitment.active = False
    commitment.save()

    with pytest.raises(commitments.MeasurementRejected):
        commitments.measurement_record(
            commitment=commitment, value=Decimal("99"), actor=operations, today=TODAY, **OCTOBER
        )

    assert Measurement.objects.count() == 0
