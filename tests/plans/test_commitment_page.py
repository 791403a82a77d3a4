"""A commitment's page: target, status and why, measurement history, status changes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from plans.models import CommitmentStatus, Measurement
from plans.services import commitments
from tests import factories

pytestmark = pytest.mark.django_db


def page_url(commitment):
    return reverse("plans:commitment_detail", args=[commitment.pk])


@pytest.fixture
def recorded(commitment, operations, today):
    """Two measurements recorded through the service: met, then breached."""
    days = dt.timedelta
    commitments.measurement_record(
        commitment=commitment,
        value=Decimal("99.5"),
        period_start=today - days(20),
        period_end=today - days(11),
        actor=operations,
    )
    commitments.measurement_record(
        commitment=commitment,
        value=Decimal("95"),
        period_start=today - days(10),
        period_end=today - days(1),
        note="Port strike",
        actor=operations,
    )
    return commitment


def test_the_page_shows_history_status_changes_and_why(client, recorded, operations):
    client.force_login(operations)

    response = client.get(page_url(recorded))

    assert response.status_code == 200
    text = response.text
    assert "Port strike" in text
    assert [m.value for m in response.context["measurements"]] == [Decimal("95"), Decimal("99.5")]
    changes = [(c.from_status, c.to_status) for c in response.context["status_changes"]]
    assert changes == [("met", "breached"), ("due", "met")]
    assert "misses the target of at least 98 %" in text
    assert "Re-evaluation pending" not in text


@pytest.mark.parametrize(
    ("who", "status", "has_form"),
    [
        ("kam", 200, False),
        ("other_kam", 404, False),
        ("director", 200, False),
        ("operations", 200, True),
        ("admin_user", 200, True),
    ],
)
def test_who_may_open_the_page_and_record_there(client, commitment, request, who, status, has_form):
    client.force_login(request.getfixturevalue(who))

    response = client.get(page_url(commitment))

    assert response.status_code == status
    assert ("Record a measurement" in response.text) is has_form


def test_the_page_says_when_the_rule_has_moved_on_before_the_hourly_run(
    client, commitment, operations
):
    # Stored as met, but nothing was ever measured and the first measurement is not late yet:
    # the rule says due, and the page says the change is pending rather than hiding it.
    commitment.status = CommitmentStatus.MET
    commitment.save()
    client.force_login(operations)

    response = client.get(page_url(commitment))

    assert "Re-evaluation pending" in response.text


def test_operations_see_no_plan_on_the_page(client, commitment, operations):
    plan = factories.PlanFactory(account=commitment.account, title="Secret growth plan")
    commitment.plan = plan
    commitment.save()
    client.force_login(operations)

    response = client.get(page_url(commitment))

    assert "Secret growth plan" not in response.text


@pytest.mark.parametrize("count", [3, 30])
def test_page_query_count_does_not_grow_with_history(
    client, commitment, operations, today, count, django_assert_num_queries
):
    end = today - dt.timedelta(days=1)
    Measurement.objects.bulk_create(
        Measurement(
            commitment=commitment,
            value=Decimal("99"),
            period_start=end - dt.timedelta(days=index + 1),
            period_end=end - dt.timedelta(days=index),
            recorded_by=operations,
        )
        for index in range(count)
    )
    client.force_login(operations)
    queries = (
        1  # session
        + 1  # user
        + 1  # the user's groups (roles)
        + 1  # the commitment with account, KAM, team and latest measurement
        + 1  # sparkline: last 12 measurements
        + 1  # measurement history: count for the paginator
        + 1  # measurement history: the page, with who recorded each
        + 1  # status changes: count
        + 1  # the unread notification count in the navigation
    )

    with django_assert_num_queries(queries):
        response = client.get(page_url(commitment))

    assert len(response.context["measurements"]) == count
