"""A period of a commitment is measured once: a second measurement for it is refused, with what
is recorded already, by the service, the page and the API alike. The form proposes the last
complete period of the commitment's cadence."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from plans.models import CommitmentStatus, Measurement
from plans.services import commitments
from plans.services.commitments import MeasurementRejected
from plans.status import last_complete_period
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 15)
OCTOBER = {"period_start": dt.date(2026, 10, 1), "period_end": dt.date(2026, 10, 31)}
REFUSAL = (
    "1 Oct 2026 to 31 Oct 2026 is measured already: 99.5 %, recorded by Olga Berg on "
    "2 Nov 2026. A period is measured once; to correct a wrong figure, ask an administrator."
)


@pytest.fixture
def measured_october(commitment, operations):
    operations.first_name, operations.last_name = "Olga", "Berg"
    operations.save()
    return Measurement.objects.create(
        commitment=commitment,
        value=Decimal("99.5"),
        recorded_by=operations,
        recorded_at=dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC),
        **OCTOBER,
    )


def test_a_second_measurement_of_the_same_period_is_refused_and_changes_nothing(
    commitment, operations, measured_october
):
    commitments.commitments_evaluate(commitment_ids=[commitment.pk], today=TODAY)
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.MET

    with pytest.raises(MeasurementRejected) as refusal:
        commitments.measurement_record(
            commitment=commitment, value=Decimal("90"), actor=operations, today=TODAY, **OCTOBER
        )

    assert refusal.value.errors == {"__all__": [REFUSAL]}
    assert list(Measurement.objects.values_list("value", flat=True)) == [Decimal("99.5")]
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.MET


def test_another_period_of_the_same_commitment_and_the_same_period_of_another_are_recorded(
    commitment, operations, measured_october, key_account, team
):
    other = factories.CommitmentFactory(account=key_account, responsible_team=team)
    november_so_far = {"period_start": dt.date(2026, 11, 1), "period_end": TODAY}

    commitments.measurement_record(
        commitment=commitment, value=Decimal("99"), actor=operations, today=TODAY, **november_so_far
    )
    commitments.measurement_record(
        commitment=other, value=Decimal("99"), actor=operations, today=TODAY, **OCTOBER
    )

    assert Measurement.objects.filter(commitment=commitment).count() == 2
    assert Measurement.objects.filter(commitment=other).count() == 1


def test_the_page_refuses_a_measured_period_and_keeps_what_was_typed(
    client, commitment, operations, measured_october
):
    client.force_login(operations)

    response = client.post(
        reverse("plans:measurement_create", args=[commitment.pk]),
        {"value": "90", "note": "Recount", **OCTOBER},
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [REFUSAL]
    assert "Recount</textarea>" in response.text
    assert "is measured already: 99.5 %, recorded by Olga Berg" in response.text
    assert Measurement.objects.count() == 1


def test_the_api_refuses_a_measured_period_with_the_reason(
    client, commitment, operations, measured_october
):
    client.force_login(operations)

    response = client.post(
        reverse("api:measurement-list"),
        {
            "commitment": commitment.pk,
            "value": "90.000",
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [REFUSAL]}
    assert Measurement.objects.count() == 1


@pytest.mark.parametrize(
    ("cadence", "today", "start", "end"),
    [
        # Weekly: Monday to Sunday; on a Monday the week that ended yesterday.
        (7, dt.date(2026, 11, 19), dt.date(2026, 11, 9), dt.date(2026, 11, 15)),
        (7, dt.date(2026, 11, 16), dt.date(2026, 11, 9), dt.date(2026, 11, 15)),
        # Monthly (28-31 days): the last calendar month; in January, December of the year before.
        (30, dt.date(2026, 11, 15), dt.date(2026, 10, 1), dt.date(2026, 10, 31)),
        (31, dt.date(2026, 3, 31), dt.date(2026, 2, 1), dt.date(2026, 2, 28)),
        (28, dt.date(2027, 1, 1), dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
        # Quarterly (89-92 days): the last calendar quarter.
        (91, dt.date(2026, 11, 15), dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        (90, dt.date(2026, 2, 10), dt.date(2025, 10, 1), dt.date(2025, 12, 31)),
        # Yearly.
        (365, dt.date(2026, 6, 1), dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        # Any other cadence: that many days up to yesterday.
        (14, dt.date(2026, 11, 15), dt.date(2026, 11, 1), dt.date(2026, 11, 14)),
        (1, dt.date(2026, 11, 15), dt.date(2026, 11, 14), dt.date(2026, 11, 14)),
    ],
)
def test_the_last_complete_period_of_a_cadence(cadence, today, start, end):
    assert last_complete_period(cadence, today) == (start, end)
