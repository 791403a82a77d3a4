"""The bulk evaluator: status changes, their history and notifications, exactly once."""

import datetime as dt
from decimal import Decimal
from smtplib import SMTPException

import factory
import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from plans.models import Commitment, CommitmentStatus, CommitmentStatusChange, Notification
from plans.services import commitments as commitments_services
from plans.status import commitment_next_due
from plans.tasks import evaluate_commitments
from tests import factories
from tests.migrating import migrating

TODAY = dt.date(2026, 11, 15)
OCTOBER = {"period_start": dt.date(2026, 10, 1), "period_end": dt.date(2026, 10, 31)}

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_member(team):
    member = factories.OperationsFactory(username="ops-2")
    team.members.add(member)
    return member


def test_a_breach_is_recorded_with_its_measurement_and_notifies_team_and_kam(
    commitment, operations, second_member, kam, django_capture_on_commit_callbacks, settings
):
    settings.KAM_BASE_URL = "https://kam.example.com"
    measurement = factories.MeasurementFactory(
        commitment=commitment, value=Decimal("96"), **OCTOBER
    )

    with django_capture_on_commit_callbacks(execute=True):
        result = commitments_services.commitments_evaluate(today=TODAY)

    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.BREACHED
    change = CommitmentStatusChange.objects.get()
    assert (change.from_status, change.to_status) == ("due", "breached")
    assert change.measurement == measurement
    assert change.changed_by is None
    assert change.notified_at is not None
    assert result.evaluated == 1
    assert len(result.changes) == 1
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {"ops", "ops-2", "kam"}
    assert set(Notification.objects.values_list("dedupe_key", flat=True)) == {
        f"commitment-status:{change.pk}"
    }
    assert sorted(message.to[0] for message in mail.outbox) == [
        "kam@example.com",
        "ops-2@example.com",
        "ops@example.com",
    ]
    assert "is breached" in mail.outbox[0].subject
    assert "96 % (1 Oct 2026 to 31 Oct 2026) misses the target of at least 98 %" in (
        mail.outbox[0].body
    )
    # a mail has no request to resolve a path against: the link is the full address
    assert mail.outbox[0].body.endswith(
        f"\n\nhttps://kam.example.com/plans/commitments/{commitment.pk}/"
    )


def test_running_the_evaluation_twice_notifies_once(
    commitment, kam, django_capture_on_commit_callbacks
):
    factories.MeasurementFactory(commitment=commitment, value=Decimal("96"), **OCTOBER)

    with django_capture_on_commit_callbacks(execute=True):
        evaluate_commitments.delay()
    with django_capture_on_commit_callbacks(execute=True) as second_run:
        again = commitments_services.commitments_evaluate(today=TODAY)

    assert again.changes == []
    assert second_run == []  # nothing queued the second time
    assert CommitmentStatusChange.objects.count() == 1
    # The operations user on the team and the KAM: two notifications, two e-mails, once each.
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2


def test_the_email_task_retried_for_the_same_change_sends_nothing_more(
    commitment, kam, django_capture_on_commit_callbacks
):
    factories.MeasurementFactory(commitment=commitment, value=Decimal("96"), **OCTOBER)
    with django_capture_on_commit_callbacks(execute=True):
        result = commitments_services.commitments_evaluate(today=TODAY)
    change_ids = [change.pk for change in result.changes]

    resent = commitments_services.status_change_emails_send(status_change_ids=change_ids)

    assert resent == 0
    assert len(mail.outbox) == 2


def test_a_failed_send_releases_the_change_so_the_retry_sends_it(commitment, kam, monkeypatch):
    factories.MeasurementFactory(commitment=commitment, value=Decimal("96"), **OCTOBER)
    result = commitments_services.commitments_evaluate(
        today=TODAY
    )  # e-mails are not sent: no commit here
    change_ids = [change.pk for change in result.changes]

    def refuse(self, messages):
        raise SMTPException("mail server down")

    with monkeypatch.context() as patched:
        patched.setattr(EmailBackend, "send_messages", refuse)
        with pytest.raises(SMTPException):
            commitments_services.status_change_emails_send(status_change_ids=change_ids)
    assert CommitmentStatusChange.objects.get().notified_at is None

    sent = commitments_services.status_change_emails_send(status_change_ids=change_ids)

    assert sent == 2
    assert CommitmentStatusChange.objects.get().notified_at is not None


def test_a_change_to_met_or_due_notifies_nobody(commitment, kam):
    factories.MeasurementFactory(commitment=commitment, value=Decimal("99.5"), **OCTOBER)

    result = commitments_services.commitments_evaluate(today=TODAY)

    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.MET
    assert [(c.from_status, c.to_status) for c in result.changes] == [("due", "met")]
    assert Notification.objects.count() == 0


def test_each_new_change_is_notified_even_back_to_a_status_seen_before(commitment, kam):
    factories.MeasurementFactory(commitment=commitment, value=Decimal("96"), **OCTOBER)
    commitments_services.commitments_evaluate(today=TODAY)
    november = {"period_start": dt.date(2026, 11, 1), "period_end": dt.date(2026, 11, 14)}
    factories.MeasurementFactory(commitment=commitment, value=Decimal("99.5"), **november)
    commitments_services.commitments_evaluate(today=TODAY)
    factories.MeasurementFactory(
        commitment=commitment,
        value=Decimal("95"),
        period_start=dt.date(2026, 11, 15),
        period_end=dt.date(2026, 11, 15),
    )

    commitments_services.commitments_evaluate(today=TODAY)

    changes = list(
        CommitmentStatusChange.objects.order_by("pk").values_list("from_status", "to_status")
    )
    assert changes == [("due", "breached"), ("breached", "met"), ("met", "breached")]
    # Two changes to breached, two recipients each.
    assert Notification.objects.count() == 2 * 2


def test_time_alone_breaches_a_one_off_promise_on_the_hourly_run(key_account, team, kam):
    one_off = factories.CommitmentFactory(
        account=key_account,
        responsible_team=team,
        one_off=True,
        due_date=dt.date(2026, 11, 14),
        at_risk_margin=Decimal("0"),
    )

    commitments_services.commitments_evaluate(today=dt.date(2026, 11, 14))
    one_off.refresh_from_db()
    assert one_off.status == CommitmentStatus.DUE
    commitments_services.commitments_evaluate(today=TODAY)

    one_off.refresh_from_db()
    assert one_off.status == CommitmentStatus.BREACHED
    assert Notification.objects.filter(recipient=kam).count() == 1


def test_inactive_commitments_are_left_alone(commitment):
    factories.MeasurementFactory(commitment=commitment, value=Decimal("96"), **OCTOBER)
    Commitment.objects.filter(pk=commitment.pk).update(active=False)

    result = commitments_services.commitments_evaluate(today=TODAY)

    assert result.evaluated == 0
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.DUE


def test_a_correction_for_the_same_period_recorded_later_wins(commitment):
    factories.MeasurementFactory(commitment=commitment, value=Decimal("96"), **OCTOBER)
    factories.MeasurementFactory(commitment=commitment, value=Decimal("99.5"), **OCTOBER)

    commitments_services.commitments_evaluate(today=TODAY)

    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.MET


def test_an_older_period_recorded_late_does_not_override_the_newest(commitment):
    factories.MeasurementFactory(commitment=commitment, value=Decimal("99.5"), **OCTOBER)
    factories.MeasurementFactory(
        commitment=commitment,
        value=Decimal("90"),
        period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2026, 9, 30),
    )

    commitments_services.commitments_evaluate(today=TODAY)

    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.MET


def _breaching_commitments(count, team):
    account = factories.KeyAccountFactory()
    commitments = factories.CommitmentFactory.create_batch(
        count, account=account, responsible_team=team
    )
    factories.MeasurementFactory.create_batch(
        count,
        commitment=factory.Iterator(commitments),
        value=Decimal("96"),
        **OCTOBER,
    )


@pytest.mark.parametrize("count", [3, 30])
def test_evaluation_takes_the_same_queries_for_3_and_30_changes(
    count, team, django_assert_num_queries
):
    _breaching_commitments(count, team)
    queries = (
        1  # the ids of the first batch
        + 1  # SAVEPOINT (the batch's transaction, nested in the test's)
        + 1  # lock the batch (SELECT ... FOR UPDATE, a plain SELECT on SQLite)
        + 1  # read commitments with their latest measurement and account
        + 1  # one UPDATE of every changed status
        + 1  # INSERT the status changes
        + 1  # the responsible teams' members
        + 1  # INSERT the notifications
        + 1  # RELEASE SAVEPOINT
        + 1  # the ids after the last batch: none, so the run ends
    )

    with django_assert_num_queries(queries):
        result = commitments_services.commitments_evaluate(today=TODAY)

    assert len(result.changes) == count


def test_recording_a_measurement_stores_the_next_due_date(commitment, operations):
    assert commitment.next_due == commitment_next_due(commitment, None)  # as created

    commitments_services.measurement_record(
        commitment=commitment, value=Decimal("99"), actor=operations, today=TODAY, **OCTOBER
    )

    commitment.refresh_from_db()
    assert commitment.next_due == OCTOBER["period_end"] + dt.timedelta(days=commitment.cadence_days)


def test_the_hourly_evaluation_puts_back_a_next_due_date_that_drifted(commitment):
    factories.MeasurementFactory(commitment=commitment, **OCTOBER)
    expected = OCTOBER["period_end"] + dt.timedelta(days=commitment.cadence_days)
    Commitment.objects.filter(pk=commitment.pk).update(next_due=None)

    commitments_services.commitments_evaluate(today=TODAY)

    commitment.refresh_from_db()
    assert commitment.next_due == expected


def test_a_delivered_one_off_promise_has_no_next_due_date(key_account, team, operations):
    promise = factories.CommitmentFactory(
        account=key_account, responsible_team=team, one_off=True, due_date=TODAY
    )
    assert promise.next_due == TODAY

    commitments_services.measurement_record(
        commitment=promise, value=Decimal("1"), actor=operations, today=TODAY,
        period_start=TODAY, period_end=TODAY,
    )  # fmt: skip

    promise.refresh_from_db()
    assert promise.next_due is None


@pytest.mark.django_db(transaction=True)
def test_the_migration_stores_the_existing_commitments_next_due_dates(key_account, team):
    recurring = factories.CommitmentFactory(
        account=key_account, responsible_team=team, cadence_days=30
    )
    factories.MeasurementFactory(commitment=recurring, **OCTOBER)
    fresh = factories.CommitmentFactory(account=key_account, responsible_team=team)
    delivered = factories.CommitmentFactory(
        account=key_account, responsible_team=team, one_off=True, due_date=TODAY
    )
    factories.MeasurementFactory(
        commitment=delivered, value=Decimal("1"), period_start=TODAY, period_end=TODAY
    )
    made = (recurring, fresh, delivered)
    expected = {c.pk: Commitment.objects.get(pk=c.pk).next_due for c in made}

    with migrating("plans", "0012_plan_waiting_order", "0013_commitment_next_due_stored"):
        pass

    stored = dict(Commitment.objects.values_list("pk", "next_due"))
    assert stored == expected
    assert expected[recurring.pk] == dt.date(2026, 11, 30)
    assert expected[delivered.pk] is None
