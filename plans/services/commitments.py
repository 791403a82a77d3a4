"""Writes with rules for service commitments.

Evaluating statuses (set-based), recording measurements, notifying the responsible team and the
KAM once per status change, the weekly KAM digest, and reading notifications. Account plans have
their own module, plans/services/plans.py.

Decision on "operations change statuses": status is computed, never typed. Operations change a
commitment's status by recording the measurement it is computed from; a wrong figure is corrected
by recording the right one for the same period (the latest recorded for a period wins). There is
no manual override, so the board, the account page and the notifications never disagree with
the rule.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import Case, Value, When
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, User
from kam import bounds
from kam.errors import DomainError, InvalidInput
from kam.formats import day
from kam.permissions import require
from kam.records import validated
from plans.models import (
    Action,
    ActionStatus,
    Commitment,
    CommitmentCategory,
    CommitmentStatus,
    CommitmentStatusChange,
    Comparison,
    Measurement,
    Notification,
    Plan,
    PlanStatus,
    ServiceTeam,
)
from plans.selectors import commitments as commitments_selectors
from plans.services.plans import content_changed, locked_for_content, save_version
from plans.status import commitment_next_due, commitment_status, period_label

logger = logging.getLogger(__name__)

# One transaction per batch keeps locks short and memory flat on a large portfolio.
EVALUATION_BATCH_SIZE = 500
NOTIFY_ON = frozenset({CommitmentStatus.AT_RISK, CommitmentStatus.BREACHED})
PERCENT_UNITS = frozenset({"%", "percent", "pct"})


def status_change_dedupe_key(status_change_id: int) -> str:
    return f"commitment-status:{status_change_id}"


def digest_dedupe_key(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"kam-digest:{year}-W{week:02d}"


@dataclass
class EvaluationResult:
    evaluated: int = 0
    changes: list[CommitmentStatusChange] = field(default_factory=list)
    notifications: int = 0


def commitments_evaluate(
    *,
    commitment_ids: Iterable[int] | None = None,
    today: dt.date | None = None,
    actor: User | None = None,
) -> EvaluationResult:
    """Recompute the status of active commitments (all, or `commitment_ids`) with the one rule,
    `plans.status.commitment_status`, and record each change; store each one's next due date
    (`plans.status.commitment_next_due`) where it moved, which the ops board orders by. Every
    write that moves it (a new commitment, a measurement) ends here.

    Per batch of commitments, in one transaction and a fixed number of queries: lock the rows,
    read them with their latest measurement, update the changed ones in one statement, write a
    `CommitmentStatusChange` per change (attributed to `actor`, None for the hourly task) and an
    in-app `Notification` per recipient for each change to at risk or breached. Recipients are
    the responsible team's members and the account's KAM. E-mails go out after commit, by a task.

    Idempotent: a second run finds nothing changed, so it writes and sends nothing; the
    notification's unique (recipient, dedupe_key) makes a duplicate impossible even so.
    """
    today = today or timezone.localdate()
    result = EvaluationResult()
    for batch in _evaluation_batches(commitment_ids):
        _evaluate_batch(batch, today=today, actor=actor, result=result)
    return result


def _evaluation_batches(commitment_ids: Iterable[int] | None) -> Iterator[list[int]]:
    if commitment_ids is not None:
        ids = sorted(set(commitment_ids))
        for start in range(0, len(ids), EVALUATION_BATCH_SIZE):
            yield ids[start : start + EVALUATION_BATCH_SIZE]
        return
    last_pk = 0
    active = Commitment.objects.filter(active=True).order_by("pk")
    while True:
        ids = list(
            active.filter(pk__gt=last_pk).values_list("pk", flat=True)[:EVALUATION_BATCH_SIZE]
        )
        if not ids:
            return
        yield ids
        last_pk = ids[-1]


@transaction.atomic
def _evaluate_batch(
    ids: list[int], *, today: dt.date, actor: User | None, result: EvaluationResult
) -> None:
    # Lock first, read second: the read is a new statement, so on PostgreSQL it sees a
    # measurement committed by whoever held the lock before us.
    locked = list(
        Commitment.objects.filter(pk__in=ids, active=True)
        .select_for_update()
        .values_list("pk", flat=True)
    )
    commitments = list(
        commitments_selectors.commitments_with_latest(Commitment.objects.filter(pk__in=locked))
        .select_related("account__kam")
        .order_by("pk")
    )
    result.evaluated += len(commitments)
    now = timezone.now()
    changes: list[CommitmentStatusChange] = []
    changed: dict[str, list[int]] = defaultdict(list)
    by_pk: dict[int, Commitment] = {}
    reasons: dict[int, str] = {}
    rescheduled: list[Commitment] = []
    for commitment in commitments:
        latest = commitments_selectors.latest_measurement_of(commitment)
        next_due = commitment_next_due(commitment, latest)
        if next_due != commitment.next_due:
            commitment.next_due = next_due
            rescheduled.append(commitment)
        evaluation = commitment_status(commitment, latest, today)
        if evaluation.status == commitment.status:
            continue
        changes.append(
            CommitmentStatusChange(
                commitment=commitment,
                from_status=commitment.status,
                to_status=evaluation.status,
                measurement_id=latest.pk if latest else None,
                changed_by=actor,
                changed_at=now,
            )
        )
        changed[evaluation.status].append(commitment.pk)
        by_pk[commitment.pk] = commitment
        reasons[commitment.pk] = evaluation.reason
    if rescheduled:
        # Derived from the terms and the latest measurement: no history row of its own.
        Commitment.objects.bulk_update(rescheduled, ["next_due"])
    if not changes:
        return
    # Status history lives in CommitmentStatusChange (who, when, from what measurement), so one
    # UPDATE for the whole batch instead of a historical row per commitment.
    Commitment.objects.filter(pk__in=by_pk).update(
        status=Case(*[When(pk__in=pks, then=Value(status)) for status, pks in changed.items()]),
        status_changed_at=now,
    )
    CommitmentStatusChange.objects.bulk_create(changes)
    result.changes.extend(changes)
    notifying = [change for change in changes if change.to_status in NOTIFY_ON]
    if not notifying:
        return
    notifications = _status_change_notifications(notifying, by_pk, reasons)
    Notification.objects.bulk_create(notifications)
    result.notifications += len(notifications)
    change_ids = [change.pk for change in notifying]

    def enqueue_emails() -> None:
        from plans.tasks import send_status_change_emails  # tasks import this module

        send_status_change_emails.delay(change_ids)

    transaction.on_commit(enqueue_emails)


def _status_change_notifications(
    changes: list[CommitmentStatusChange],
    commitments: dict[int, Commitment],
    reasons: dict[int, str],
) -> list[Notification]:
    team_ids = {commitments[change.commitment_id].responsible_team_id for change in changes}
    members: dict[int, set[int]] = defaultdict(set)
    memberships = ServiceTeam.members.through.objects.filter(
        serviceteam_id__in=team_ids, user__is_active=True
    ).values_list("serviceteam_id", "user_id")
    for team_id, user_id in memberships:
        members[team_id].add(user_id)
    notifications = []
    for change in changes:
        commitment = commitments[change.commitment_id]
        recipients = set(members[commitment.responsible_team_id])
        kam = commitment.account.kam
        if kam is not None and kam.is_active:
            recipients.add(kam.pk)
        label = CommitmentStatus(change.to_status).label.lower()
        subject = f"{commitment.account.name}: “{commitment.promise}” is {label}"
        body = (
            f"The service commitment “{commitment.promise}” to {commitment.account.name} changed "
            f"from {CommitmentStatus(change.from_status).label.lower()} to {label}.\n"
            f"Why: {reasons[commitment.pk]}."
        )
        url = reverse("plans:commitment_detail", args=[commitment.pk])
        notifications.extend(
            Notification(
                recipient_id=recipient,
                subject=subject[:200],
                body=body,
                url=url,
                dedupe_key=status_change_dedupe_key(change.pk),
                created_at=change.changed_at,
            )
            for recipient in sorted(recipients)
        )
    return notifications


def status_change_emails_send(*, status_change_ids: Iterable[int]) -> int:
    """E-mail the notifications of status changes not yet e-mailed; returns messages sent.

    A change is claimed (`notified_at` set) before its e-mails go out, so a re-run or a second
    worker never sends them twice; if sending fails the claim is released and the error raised,
    so the task's retry sends them later.
    """
    with transaction.atomic():
        claimed = list(
            CommitmentStatusChange.objects.filter(
                pk__in=list(status_change_ids), notified_at__isnull=True
            )
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        if not claimed:
            return 0
        CommitmentStatusChange.objects.filter(pk__in=claimed).update(notified_at=timezone.now())
    keys = [status_change_dedupe_key(pk) for pk in claimed]
    try:
        return _email_notifications(Notification.objects.filter(dedupe_key__in=keys))
    except Exception:
        CommitmentStatusChange.objects.filter(pk__in=claimed).update(notified_at=None)
        raise


def notification_emails_send(*, notification_ids: Iterable[int]) -> int:
    """E-mail these notifications, each at most once (a plan sent back, say); returns messages
    sent. Claimed (`emailed_at`) before sending, released if sending fails, as above."""
    with transaction.atomic():
        claimed = list(
            Notification.objects.filter(pk__in=list(notification_ids), emailed_at__isnull=True)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        if not claimed:
            return 0
        Notification.objects.filter(pk__in=claimed).update(emailed_at=timezone.now())
    try:
        return _email_notifications(Notification.objects.filter(pk__in=claimed))
    except Exception:
        Notification.objects.filter(pk__in=claimed).update(emailed_at=None)
        raise


def _email_body(notification: Notification) -> str:
    """The notification's text and, when it has one, the full address of its page."""
    if not notification.url:
        return notification.body
    return f"{notification.body}\n\n{settings.KAM_BASE_URL}{notification.url}".strip()


def _email_notifications(notifications: Any) -> int:
    """Send each notification to its recipient's e-mail address (recipients without one are
    skipped: the in-app notification is all they get)."""
    messages = [
        EmailMessage(
            subject=notification.subject,
            body=_email_body(notification),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient.email],
        )
        for notification in notifications.select_related("recipient").order_by("pk")
        if notification.recipient.email
    ]
    if not messages:
        return 0
    return mailers.default.send_messages(messages) or 0


class MeasurementRejected(InvalidInput):
    """A measurement broke a rule; `errors` maps form field names to messages."""


def measurement_validate(
    *,
    commitment: Commitment,
    value: Decimal,
    period_start: dt.date,
    period_end: dt.date,
    today: dt.date,
) -> dict[str, list[str]]:
    """The rules a measurement must meet, as {field: [messages]} (empty when it is sensible):
    the period is ordered, inside kam.bounds' range and not in the future; values are never
    negative, a percentage is at most 100, and a one-off promise takes 1 (delivered, on the
    period end) or 0 (not yet)."""
    errors: dict[str, list[str]] = defaultdict(list)
    for name, when in (("period_start", period_start), ("period_end", period_end)):
        if not bounds.in_range(when):
            errors[name].append(bounds.out_of_range_message(when))
    if period_end < period_start:
        errors["period_end"].append("The period must end on or after its start.")
    if period_end > today:
        errors["period_end"].append("A measured period cannot end in the future.")
    if commitment.comparison == Comparison.BY_DATE:
        if value not in (Decimal(0), Decimal(1)):
            errors["value"].append("For a one-off promise, record 1 (delivered) or 0 (not yet).")
    elif value < 0:
        errors["value"].append("A measurement cannot be negative.")
    elif commitment.unit.strip().lower() in PERCENT_UNITS and value > 100:
        errors["value"].append("A percentage must be between 0 and 100.")
    return dict(errors)


def _refuse_a_measured_period(
    commitment: Commitment, period_start: dt.date, period_end: dt.date
) -> None:
    """A period is measured once: a second figure for it would leave two truths, and the
    status takes only one. An administrator corrects a wrong figure (Django admin)."""
    existing = (
        Measurement.objects.filter(
            commitment=commitment, period_start=period_start, period_end=period_end
        )
        .select_related("recorded_by")
        .order_by("-recorded_at", "-pk")
        .first()
    )
    if existing is None:
        return
    value = f"{existing.value.normalize():f} {commitment.unit}".strip()
    by = f" by {existing.recorded_by}" if existing.recorded_by else ""
    when = day(timezone.localtime(existing.recorded_at).date())
    message = (
        f"{period_label(period_start, period_end)} is measured already: {value}, recorded{by} "
        f"on {when}. A period is measured once; to correct a wrong figure, ask an administrator."
    )
    raise MeasurementRejected({"__all__": [message]})


@transaction.atomic
def measurement_record(
    *,
    commitment: Commitment,
    value: Decimal,
    period_start: dt.date,
    period_end: dt.date,
    note: str = "",
    actor: User,
    today: dt.date | None = None,
) -> Measurement:
    """Record a measurement of an active commitment and re-evaluate its status at once.

    Only those with `plans.record_measurement` (operations, administrators) may record; the
    values must pass `measurement_validate`, and a period already measured is refused. The
    commitment's status, its change history and any notification follow from
    `commitments_evaluate` for this one commitment.
    """
    require(
        actor,
        "plans.record_measurement",
        commitment,
        "You may not record measurements of service commitments.",
    )
    if not commitment.active:
        raise MeasurementRejected({"__all__": ["This commitment is no longer active."]})
    today = today or timezone.localdate()
    errors = measurement_validate(
        commitment=commitment,
        value=value,
        period_start=period_start,
        period_end=period_end,
        today=today,
    )
    if errors:
        raise MeasurementRejected(errors)
    # The row lock orders two recordings of one commitment: the second sees the first.
    Commitment.objects.select_for_update().filter(pk=commitment.pk).exists()
    _refuse_a_measured_period(commitment, period_start, period_end)
    measurement = Measurement.objects.create(
        commitment=commitment,
        value=value,
        period_start=period_start,
        period_end=period_end,
        note=note,
        recorded_by=actor,
    )
    commitments_evaluate(commitment_ids=[commitment.pk], today=today, actor=actor)
    return measurement


def _require_change(actor: User, obj: Account | Commitment) -> None:
    require(
        actor,
        "plans.change_commitment",
        obj,
        "Only the account's KAMs and the sales directors change its service commitments.",
    )


@transaction.atomic
def commitment_create(
    *,
    account: Account,
    plan: Plan | None = None,
    actor: User,
    category: CommitmentCategory | str,
    promise: str,
    comparison: Comparison | str,
    target_value: Decimal | None = None,
    unit: str = "",
    due_date: dt.date | None = None,
    cadence_days: int = 30,
    at_risk_margin: Decimal | int = 0,
    responsible_team: ServiceTeam,
) -> Commitment:
    """Propose a service commitment to the account, optionally as part of one of its plans.

    Only those with `plans.change_commitment` on the account (its serving KAMs, directors,
    administrators) may. The promise is said in words; a target to reach or stay under (gte,
    lte) has a target value, a one-off promise (due) a due date; a plan must be the account's
    own and open to changes (neither submitted nor archived), and an approved one becomes
    revised. Its status then comes from `commitments_evaluate`, like every other.
    """
    _require_change(actor, account)
    promise = promise.strip()
    errors: dict[str, list[str]] = defaultdict(list)
    if not promise:
        errors["promise"].append("Say what is promised, in a sentence the customer would sign.")
    if comparison in (Comparison.AT_LEAST, Comparison.AT_MOST) and target_value is None:
        errors["target_value"].append("A promise to reach or stay under a figure needs a target.")
    if comparison == Comparison.BY_DATE and due_date is None:
        errors["due_date"].append("A one-off promise needs the date it is due.")
    if plan is not None and plan.account_id != account.pk:
        errors["__all__"].append("The plan belongs to another account.")
    elif plan is not None:
        try:
            plan = locked_for_content(plan)
        except DomainError as refusal:
            errors["__all__"].append(str(refusal))
    if errors:
        raise InvalidInput(dict(errors))
    commitment = Commitment(
        account=account,
        plan=plan,
        category=category,
        promise=promise,
        comparison=comparison,
        target_value=target_value,
        unit=unit.strip(),
        due_date=due_date,
        cadence_days=cadence_days,
        at_risk_margin=at_risk_margin,
        responsible_team=responsible_team,
        created_by=actor,
    )
    # Choices, lengths, the margin and the cadence, with the model's own messages.
    validated(commitment, exclude=["account", "plan", "responsible_team", "created_by"])
    commitment._history_user = actor
    commitment.save()
    commitments_evaluate(commitment_ids=[commitment.pk], actor=actor)
    commitment.refresh_from_db(fields=["status", "status_changed_at"])
    if plan is not None:
        content_changed(plan, actor=actor)
        save_version(plan, actor=actor, note=f"Commitment “{commitment.promise}” proposed")
    return commitment


@transaction.atomic
def commitment_deactivate(*, commitment: Commitment, actor: User) -> Commitment:
    """Withdraw a commitment (a mistaken or dropped proposal): it leaves the board, the
    evaluation and the digests, and its measurements and history stay. Same permission as
    proposing one; withdrawing twice is refused. Withdrawn from a plan, it is a change of the
    plan's content (refused while the plan is submitted; an approved plan becomes revised)."""
    _require_change(actor, commitment)
    # Withdrawing it changes its plan's content, unless that plan is archived: a commitment
    # outlives the plan that proposed it, and the archived plan stays as it was.
    plan = None
    if commitment.plan_id is not None and commitment.plan.status != PlanStatus.ARCHIVED:
        plan = locked_for_content(commitment.plan)
    locked = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if not locked.active:
        raise DomainError("This commitment was already withdrawn.")
    locked.active = False
    locked._history_user = actor
    locked.save(update_fields=["active", "updated_at"])
    if plan is not None:
        content_changed(plan, actor=actor)
        save_version(plan, actor=actor, note=f"Commitment “{locked.promise}” withdrawn")
    return locked


def kam_digests_send(*, today: dt.date | None = None) -> list[Notification]:
    """Send each KAM one digest per ISO week: the overdue actions on the plans of the accounts
    they are KAM of (due before today, open or in progress, plan not archived) and those
    accounts' active commitments at risk or breached. KAMs with nothing to report get nothing.

    Idempotent per week: the digest is a notification keyed `kam-digest:<year>-W<week>`; the KAMs
    are locked while the missing ones are written, so a re-run or a concurrent run finds them and
    sends nothing. E-mails go out after commit; if sending fails the in-app digest remains and is
    not e-mailed again (never twice).
    """
    today = today or timezone.localdate()
    key = digest_dedupe_key(today)
    with transaction.atomic():
        actions = list(
            Action.objects.filter(
                due_date__lt=today,
                status__in=[ActionStatus.OPEN, ActionStatus.IN_PROGRESS],
                plan__account__kam__is_active=True,
            )
            .exclude(plan__status=PlanStatus.ARCHIVED)
            .select_related("plan__account", "owner")
            .order_by("due_date", "plan__account__name", "pk")
        )
        commitments = list(
            Commitment.objects.filter(
                active=True,
                status__in=NOTIFY_ON,
                account__kam__is_active=True,
            )
            .select_related("account")
            .order_by("account__name", "pk")
        )
        overdue_by_kam: dict[int, list[Action]] = defaultdict(list)
        for action in actions:
            overdue_by_kam[action.plan.account.kam_id].append(action)
        risky_by_kam: dict[int, list[Commitment]] = defaultdict(list)
        for commitment in commitments:
            risky_by_kam[commitment.account.kam_id].append(commitment)
        kam_ids = sorted(set(overdue_by_kam) | set(risky_by_kam))
        if not kam_ids:
            return []
        list(User.objects.filter(pk__in=kam_ids).select_for_update().values_list("pk", flat=True))
        already = set(
            Notification.objects.filter(recipient_id__in=kam_ids, dedupe_key=key).values_list(
                "recipient_id", flat=True
            )
        )
        year, week, _ = today.isocalendar()
        digests = [
            Notification(
                recipient_id=kam_id,
                subject=f"Your key accounts, week {week} of {year}: "
                f"{_count(len(overdue_by_kam[kam_id]), 'overdue action')}, "
                f"{_count(len(risky_by_kam[kam_id]), 'commitment')} at risk or breached",
                body=_digest_body(overdue_by_kam[kam_id], risky_by_kam[kam_id]),
                url=f"{reverse('plans:board')}?kam={kam_id}",
                dedupe_key=key,
            )
            for kam_id in kam_ids
            if kam_id not in already
        ]
        if not digests:
            return []
        Notification.objects.bulk_create(digests)
        digest_ids = [digest.pk for digest in digests]
        transaction.on_commit(
            lambda: _email_notifications(Notification.objects.filter(pk__in=digest_ids))
        )
    return digests


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _digest_body(actions: list[Action], commitments: list[Commitment]) -> str:
    lines = []
    if actions:
        lines.append(f"Overdue actions ({len(actions)}):")
        lines.extend(
            f"- {action.plan.account.name}: {action.title} (owner {action.owner}, "
            f"due {day(action.due_date)}, {action.get_status_display().lower()})"
            for action in actions
        )
    if commitments:
        if lines:
            lines.append("")
        lines.append(f"Commitments at risk or breached ({len(commitments)}):")
        lines.extend(
            f"- {commitment.account.name}: {commitment.promise} "
            f"({commitment.get_status_display().lower()})"
            for commitment in commitments
        )
    return "\n".join(lines)


def notifications_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's own unread notifications read (all, or those in `notification_ids`);
    other people's notifications are never touched. Returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())
