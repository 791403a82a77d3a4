"""The weekly KAM digest: overdue actions and commitments at risk, once per ISO week."""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail

from plans.models import ActionStatus, CommitmentStatus, Notification, PlanStatus
from plans.services import commitments
from plans.tasks import send_kam_digests
from tests import factories

MONDAY = dt.date(2026, 11, 16)  # ISO week 47 of 2026

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(key_account):
    return factories.PlanFactory(account=key_account)


def test_a_kam_gets_overdue_actions_and_risky_commitments_in_one_email(
    plan, commitment, kam, other_kam, django_capture_on_commit_callbacks
):
    factories.ActionFactory(plan=plan, title="Plant visit", due_date=dt.date(2026, 11, 2))
    factories.ActionFactory(
        plan=plan,
        title="Joint forecast",
        due_date=dt.date(2026, 11, 10),
        status=ActionStatus.IN_PROGRESS,
    )
    factories.ActionFactory(plan=plan, title="Due today", due_date=MONDAY)
    factories.ActionFactory(
        plan=plan, title="Done already", due_date=dt.date(2026, 11, 1), status=ActionStatus.DONE
    )
    archived = factories.PlanFactory(
        account=plan.account, period_start=dt.date(2025, 1, 1), status=PlanStatus.ARCHIVED
    )
    factories.ActionFactory(plan=archived, title="Old plan", due_date=dt.date(2025, 6, 1))
    commitment.status = CommitmentStatus.BREACHED
    commitment.save()
    factories.CommitmentFactory(
        account=plan.account, responsible_team=commitment.responsible_team, promise="Fine one"
    )

    with django_capture_on_commit_callbacks(execute=True):
        digests = commitments.kam_digests_send(today=MONDAY)

    assert [digest.recipient_id for digest in digests] == [kam.pk]
    digest = Notification.objects.get()
    assert digest.dedupe_key == "kam-digest:2026-W47"
    assert digest.subject == (
        "Your key accounts, week 47 of 2026: 2 overdue actions, 1 commitment at risk or breached"
    )
    body = digest.body
    assert "Plant visit" in body and "Joint forecast" in body
    assert "Due today" not in body and "Done already" not in body and "Old plan" not in body
    assert "On-time delivery of at least 98% (breached)" in body
    assert "Fine one" not in body
    assert [message.to for message in mail.outbox] == [["kam@example.com"]]


def test_the_digest_goes_out_once_a_week_however_often_the_task_runs(
    plan, kam, django_capture_on_commit_callbacks
):
    factories.ActionFactory(plan=plan, due_date=dt.date(2026, 11, 2))

    with django_capture_on_commit_callbacks(execute=True):
        commitments.kam_digests_send(today=MONDAY)
    with django_capture_on_commit_callbacks(execute=True):
        again = commitments.kam_digests_send(today=MONDAY + dt.timedelta(days=3))  # same ISO week
    with django_capture_on_commit_callbacks(execute=True):
        next_week = commitments.kam_digests_send(today=MONDAY + dt.timedelta(days=7))

    assert again == []
    assert len(next_week) == 1
    assert len(mail.outbox) == 2
    assert set(Notification.objects.values_list("dedupe_key", flat=True)) == {
        "kam-digest:2026-W47",
        "kam-digest:2026-W48",
    }


def test_a_kam_with_nothing_overdue_or_at_risk_gets_no_digest(plan, kam):
    factories.ActionFactory(plan=plan, due_date=MONDAY + dt.timedelta(days=30))

    assert commitments.kam_digests_send(today=MONDAY) == []
    assert Notification.objects.count() == 0


def test_the_task_wraps_the_service(plan, kam, django_capture_on_commit_callbacks):
    factories.ActionFactory(plan=plan, due_date=dt.date(2020, 1, 1))

    with django_capture_on_commit_callbacks(execute=True):
        sent = send_kam_digests.delay().get()

    assert sent == 1


def test_beat_runs_the_evaluation_hourly_and_the_digest_weekly():
    schedule = settings.CELERY_BEAT_SCHEDULE
    evaluation = schedule["evaluate-commitments"]
    digest = schedule["kam-weekly-digest"]

    assert evaluation["task"] == "plans.tasks.evaluate_commitments"
    assert evaluation["schedule"].hour == set(range(24))
    assert digest["task"] == "plans.tasks.send_kam_digests"
    assert digest["schedule"].day_of_week == {1}  # Monday
