"""Celery tasks for service commitments: thin wrappers over plans.services, ids only."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from kam.retries import DATABASE_ERRORS, RETRY
from plans.services import commitments
from plans.services import plans as plans_services

# Beyond the database's transient failures (kam.retries): the mail server hiccupped.
MAIL_ERRORS = (SMTPException, ConnectionError, TimeoutError)


@shared_task(autoretry_for=DATABASE_ERRORS, **RETRY)
def evaluate_commitments(commitment_ids: list[int] | None = None) -> dict[str, int]:
    """Hourly (beat): re-evaluate every active commitment; a re-run or retry changes nothing."""
    result = commitments.commitments_evaluate(commitment_ids=commitment_ids)
    return {
        "evaluated": result.evaluated,
        "changed": len(result.changes),
        "notifications": result.notifications,
    }


@shared_task(autoretry_for=DATABASE_ERRORS + MAIL_ERRORS, **RETRY)
def send_status_change_emails(status_change_ids: list[int]) -> int:
    """E-mail the notifications of these status changes, each change at most once."""
    return commitments.status_change_emails_send(status_change_ids=status_change_ids)


@shared_task(autoretry_for=DATABASE_ERRORS + MAIL_ERRORS, **RETRY)
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail these notifications (a plan sent back), each at most once."""
    return commitments.notification_emails_send(notification_ids=notification_ids)


@shared_task(autoretry_for=DATABASE_ERRORS, **RETRY)
def send_kam_digests() -> int:
    """Weekly (beat): each KAM's digest of overdue actions and commitments at risk."""
    return len(commitments.kam_digests_send())


@shared_task(autoretry_for=DATABASE_ERRORS, **RETRY)
def mark_plans_under_review() -> int:
    """Daily (beat): approved plans whose review date has passed are marked review overdue."""
    return plans_services.plans_mark_under_review()
