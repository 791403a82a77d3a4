"""Writes on account plans: creating one, editing it in place without lost updates, its
lifecycle, its versions, and the next period's plan (DOMAIN.md, "The key account plan").

Decisions, in one place:

- Who: the KAMs serving the account edit (`plans.change_plan`); directors read, approve, send a
  plan back and archive it, but never edit its content (`plans.approve_plan`); nobody else
  sees a plan at all. Every service checks this itself, so the pages and the API cannot differ.
- No lost updates: the plan's own fields and each section, objective, solution and action carry
  a version. A save names the version it was made against and is one guarded
  `UPDATE ... WHERE version = ?` (kam.records.versioned_update); against a newer version it
  raises ConflictError and writes nothing. Sections are versioned one by one, so two people
  writing different sections never conflict. A section never saved has version 0.
- Versions: every successful save that changes something (section, plan details, objective,
  solution, action, commitment; saving unchanged content writes nothing) and every lifecycle
  step is kept in a PlanVersion: a JSON snapshot of the whole plan with the action owners'
  names, numbered 1, 2, 3... per plan. A version is a milestone, not every save: one person's
  content saves less than FOLD_WINDOW apart fold into one version (`save_version`); the start,
  the lifecycle steps and named versions are milestones, never changed afterwards. Its long
  texts (sections, descriptions) are PlanTexts kept once per plan and named by digest, so a
  save stores the texts it changed and a small skeleton, never a copy of every section. The
  plan row is locked while a version is written, so concurrent saves on one plan get distinct
  numbers.
- Lifecycle, one state machine (these services; the pages, the API and the admin only call
  them): draft -> submitted (by its KAM, with a review date in the future) -> approved (by a
  director, with an optional comment) -> revised (any change of its content: a section, the
  details, an objective, a solution, an action, a commitment proposed or withdrawn in it) ->
  submitted -> approved ... An approved plan whose review date has passed is marked "review
  overdue" (PlanStatus.UNDER_REVIEW, by the daily task); changing it (its next review date, at
  least) makes it revised too. A
  director sends a submitted plan back with a comment (to draft, or to revised when it was
  approved before), and its KAM is notified with the comment. Submitting notifies the sales
  directors (in the app and by e-mail), once per submission. Approval records the version it
  approved (`Plan.approved_version`), so a revised plan is compared with exactly that.
- Edits to a submitted plan are refused: the director decides on exactly what was submitted,
  and a plan that needs changes is sent back. An archived plan never changes either.
- Archive and restore: only directors and administrators (`plans.archive_plan`), archiving with
  a reason; restoring puts the plan back in the status it had before it was archived.
- Next period: `plan_start_next_period` copies the sections, the open actions, the objectives
  (due dates moved by one period, baselines set to today's actuals where computed) and the
  solutions into a new draft for the period that follows. The current plan keeps running until
  the new one is approved; approving it archives its predecessor. It is refused when any of
  the new dates would fall past kam.bounds.LATEST.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import Account, AccountStatus, User
from accounts.runs import current_run
from accounts.services import refuse_member
from kam import bounds
from kam import rules as kam_rules
from kam.diffing import normalise_text
from kam.errors import ConflictError, DomainError, InvalidInput
from kam.formats import day
from kam.permissions import require
from kam.records import (
    conflict_error,
    history_record,
    known_fields,
    refused_if_taken,
    validated,
    versioned_update,
)
from plans.models import (
    Action,
    Notification,
    Objective,
    ObjectiveMetric,
    Plan,
    PlanSection,
    PlanStatus,
    PlanText,
    PlanVersion,
    SectionKind,
    Solution,
)
from plans.selectors import plans as plans_selectors
from plans.selectors.plans import ACTUAL_OF

PLAN_FIELDS = frozenset(Plan.EDITABLE_FIELDS)
SUBMITTABLE = (PlanStatus.DRAFT, PlanStatus.REVISED)
# A change of content in these statuses makes the plan revised: what was approved differs now.
APPROVED_STATUSES = (PlanStatus.APPROVED, PlanStatus.UNDER_REVIEW)
FROZEN = (PlanStatus.SUBMITTED, PlanStatus.ARCHIVED)
SUBMITTED_REFUSAL = (
    "This plan is waiting for a director's decision and cannot change meanwhile: the director "
    "approves exactly what was submitted. If it needs changes, the director sends it back."
)
ARCHIVED_REFUSAL = "This plan is archived and can no longer change."
REVISED_REASON = "Revised: needs re-approval"
# Consecutive content saves by one person, each within this long of the last, fold into one
# version: a session's work, not every save. Milestones are never folded into.
FOLD_WINDOW = dt.timedelta(minutes=30)
# The daily sweep works in fixed batches: short locks, flat memory on a large portfolio.
REVIEW_BATCH_SIZE = 500


def require_edit(actor: User, plan: Plan) -> None:
    require(actor, "plans.change_plan", plan, "Only the KAMs serving this account edit its plan.")


def plan_is_editable(plan: Plan) -> bool:
    """Content may change in every status but submitted (the director is deciding on it) and
    archived."""
    return plan.status not in FROZEN


@dataclass(frozen=True)
class PlanAbilities:
    """What a user may do with a plan now: the lifecycle rules the services below enforce,
    asked before the user tries (the plan page offers only these buttons and forms)."""

    edit: bool
    approve: bool
    archive: bool
    restore: bool
    submit: bool
    decide: bool  # approve or send back a submitted plan
    commit: bool  # propose and withdraw the account's service commitments in this plan


def plan_abilities(*, user: User, plan: Plan) -> PlanAbilities:
    """`plans.change_plan` edits a plan that is neither submitted nor archived and submits it
    from SUBMITTABLE; `approve_plan` decides on a submitted one; `archive_plan` archives a plan
    and restores an archived one; `plans.change_commitment` on the account proposes
    commitments in a plan whose content may change."""
    changes = user.has_perm("plans.change_plan", plan)
    approves = user.has_perm("plans.approve_plan", plan)
    archives = user.has_perm("plans.archive_plan", plan)
    live = plan_is_editable(plan)
    archived = plan.status == PlanStatus.ARCHIVED
    return PlanAbilities(
        edit=changes and live,
        approve=approves,
        archive=archives and not archived,
        restore=archives and archived,
        submit=changes and plan.status in SUBMITTABLE,
        decide=approves and plan.status == PlanStatus.SUBMITTED,
        commit=user.has_perm("plans.change_commitment", plan.account) and live,
    )


def _locked(plan: Plan) -> Plan:
    """The plan row, locked for the rest of the transaction (versions are numbered under it)."""
    return Plan.objects.select_for_update().select_related("account").get(pk=plan.pk)


def refuse_content_change(plan: Plan) -> None:
    """A change of the plan's content is refused while it is submitted or archived."""
    if plan.status == PlanStatus.SUBMITTED:
        raise DomainError(SUBMITTED_REFUSAL)
    if plan.status == PlanStatus.ARCHIVED:
        raise DomainError(ARCHIVED_REFUSAL)


def locked_for_content(plan: Plan) -> Plan:
    """The plan, locked, for a change of its content: refused while it is submitted or
    archived (DomainError). Pair each such change with `content_changed`."""
    locked = _locked(plan)
    refuse_content_change(locked)
    return locked


def locked_for_execution(plan: Plan) -> Plan:
    """The plan, locked, for a change of how its actions are going (an action's status, a
    progress note): execution, not content, so refused only once the plan is archived. A
    submitted plan's actions go on while the director decides, and an approved plan stays
    approved (DOMAIN.md, "Actions: execution is not content")."""
    locked = _locked(plan)
    if locked.status == PlanStatus.ARCHIVED:
        raise DomainError(ARCHIVED_REFUSAL)
    return locked


def locked_editable(plan: Plan, actor: User) -> Plan:
    """`locked_for_content` for one of the plan's KAMs (`plans.change_plan`)."""
    require_edit(actor, plan)
    return locked_for_content(plan)


def content_changed(plan: Plan, *, actor: User | None) -> None:
    """The (locked) plan's content has just changed: an approved plan (or one whose review is
    overdue) is now revised and needs approval again; in other statuses nothing follows. Called
    before the change's version is written, so that version carries the new status."""
    if plan.status not in APPROVED_STATUSES:
        return
    Plan.objects.filter(pk=plan.pk).update(
        status=PlanStatus.REVISED, version=models.F("version") + 1, updated_at=timezone.now()
    )
    plan.refresh_from_db()
    history_record(plan, actor=actor, reason=REVISED_REASON)


def _write_versions(
    plans: list[Plan], *, actor: User | None, note: str, comment: str = "", milestone: bool = True
) -> list[PlanVersion]:
    """A snapshot version of each (locked) plan, numbered after its newest one. Its long
    texts are stored once per plan (PlanText): a save adds only the texts it changed."""
    newest = dict(
        PlanVersion.objects.filter(plan__in=plans)
        .values("plan_id")
        .annotate(newest=Max("number"))
        .values_list("plan_id", "newest")
    )
    snapshots = plans_selectors.plan_snapshots(plans)
    stored: dict[int, dict[str, Any]] = {}
    texts: dict[tuple[int, str], str] = {}
    for plan in plans:
        stored[plan.pk], plan_texts = plans_selectors.snapshot_text_refs(snapshots[plan.pk])
        texts.update({(plan.pk, digest): body for digest, body in plan_texts.items()})
    _store_texts(texts)
    now = timezone.now()
    return PlanVersion.objects.bulk_create(
        PlanVersion(
            plan=plan,
            number=newest.get(plan.pk, 0) + 1,
            snapshot=stored[plan.pk],
            note=note[:200],
            comment=comment,
            milestone=milestone,
            created_by=actor,
            created_at=now,
        )
        for plan in plans
    )


def _store_texts(texts: dict[tuple[int, str], str]) -> None:
    """Keep each (plan, digest) text once: insert only those the plan does not hold yet."""
    if not texts:
        return
    held = set(
        PlanText.objects.filter(
            plan_id__in={plan_id for plan_id, _ in texts},
            digest__in={digest for _, digest in texts},
        ).values_list("plan_id", "digest")
    )
    PlanText.objects.bulk_create(
        [
            PlanText(plan_id=plan_id, digest=digest, body=body)
            for (plan_id, digest), body in texts.items()
            if (plan_id, digest) not in held
        ],
        ignore_conflicts=True,
    )


def write_version(plan: Plan, *, actor: User | None, note: str, comment: str = "") -> PlanVersion:
    return _write_versions([plan], actor=actor, note=note, comment=comment)[0]


def save_version(plan: Plan, *, actor: User, note: str) -> PlanVersion:
    """The version of a change of the (locked) plan's content. It folds into the plan's newest
    version when that one is a content save (not a milestone) by the same person less than
    FOLD_WINDOW ago: that version then holds the plan as it is now, the time of this save and
    both notes. Otherwise it is a new version."""
    newest = PlanVersion.objects.filter(plan=plan).defer("snapshot").order_by("-number").first()
    now = timezone.now()
    if (
        newest is None
        or newest.milestone
        or newest.created_by_id != actor.pk
        or now - newest.created_at >= FOLD_WINDOW
    ):
        return _write_versions([plan], actor=actor, note=note, milestone=False)[0]
    snapshot = plans_selectors.plan_snapshots([plan])[plan.pk]
    newest.snapshot, texts = plans_selectors.snapshot_text_refs(snapshot)
    _store_texts({(plan.pk, digest): body for digest, body in texts.items()})
    newest.note = _folded_note(newest.note, note)
    newest.created_at = now
    newest.save(update_fields=["snapshot", "note", "created_at"])
    return newest


def _folded_note(before: str, after: str) -> str:
    if before == after or before.endswith(f"; {after}"):
        return before
    joined = f"{before}; {after}"
    return joined if len(joined) <= 200 else f"Several changes, the last: {after}"[:200]


def _plan_step(
    plan: Plan, *, actor: User | None, reason: str, comment: str = "", **values: Any
) -> PlanVersion:
    """Change the locked plan at the version just read, with its history row and a milestone
    version (which keeps `comment`, the director's words, whole)."""
    versioned_update(Plan, plan.pk, plan.version, "plan", updated_at=timezone.now(), **values)
    plan.refresh_from_db()
    history_record(plan, actor=actor, reason=reason)
    return write_version(plan, actor=actor, note=reason, comment=comment)


def _plan_write(plan: Plan, *, actor: User | None, reason: str, **values: Any) -> Plan:
    _plan_step(plan, actor=actor, reason=reason, **values)
    return plan


# --- Creating and editing ---------------------------------------------------------------------


def _plan_taken() -> InvalidInput:
    """What a second "Start plan" for the same period gets, checked by the model's constraint
    or raced past it (a double submit)."""
    return InvalidInput({"__all__": ["This account already has an active plan for that period."]})


def _check_dates(plan: Plan) -> None:
    """The period ends after it starts, and the next review falls on or after its start (a
    review before the period begins reviews nothing of it). Dates not given are left to the
    model's validation."""
    start, end, review = plan.period_start, plan.period_end, plan.review_date
    errors: dict[str, list[str]] = {}
    if start and end and end <= start:
        errors["period_end"] = ["The period must end after it starts."]
    if start and review and review < start:
        errors["review_date"] = [
            f"The review date must fall on or after the period's start, {day(start)}."
        ]
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def plan_create(
    *,
    account: Account,
    title: str,
    period_start: dt.date,
    period_end: dt.date,
    review_date: dt.date,
    actor: User,
) -> Plan:
    """Start a key account's plan for a period, as a draft with every section empty.

    Only key accounts have plans, one active (not archived) plan per account and period start;
    the period ends after it starts and is first reviewed on or after its start
    (`_check_dates`). Version 1 is written.
    """
    require(actor, "plans.change_plan", account, "Only the account's KAMs start its plan.")
    refuse_member(account, "the account plan")
    if account.status != AccountStatus.KEY:
        raise DomainError("Only key accounts have account plans.")
    plan = Plan(
        account=account,
        title=(title or "").strip(),
        period_start=period_start,
        period_end=period_end,
        review_date=review_date,
        created_by=actor,
    )
    _check_dates(plan)
    validated(plan, exclude=["created_by", "previous", "approved_by", "approved_version"])
    plan._history_user = actor
    plan._change_reason = "Plan started"
    with refused_if_taken("plan_one_active_per_account_and_period", _plan_taken()):
        plan.save()
    PlanSection.objects.bulk_create(
        PlanSection(plan=plan, kind=kind, updated_by=actor) for kind in SectionKind
    )
    write_version(plan, actor=actor, note="Plan started")
    return plan


@transaction.atomic
def plan_update(*, plan: Plan, expected_version: int, actor: User, **fields: Any) -> Plan:
    """Change the plan's title, review date, period end or investment required, if nobody
    changed the plan since `expected_version` (ConflictError otherwise, nothing written).
    Saving the details unchanged writes nothing (no history row, no new version)."""
    known_fields(fields, PLAN_FIELDS, "plan")
    locked = locked_editable(plan, actor)
    if locked.version != expected_version:
        raise conflict_error("plan", expected_version, locked.version)
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()
    if all(getattr(locked, name) == value for name, value in fields.items()):
        return locked
    for name, value in fields.items():
        setattr(locked, name, value)
    _check_dates(locked)
    validated(
        locked, exclude=["account", "created_by", "previous", "approved_by", "approved_version"]
    )
    reason = "Plan details changed"
    if locked.status in APPROVED_STATUSES:
        fields["status"] = PlanStatus.REVISED
        reason = f"{reason} ({REVISED_REASON.lower()})"
    versioned_update(Plan, locked.pk, locked.version, "plan", updated_at=timezone.now(), **fields)
    locked.refresh_from_db()
    history_record(locked, actor=actor, reason=reason)
    save_version(locked, actor=actor, note=reason)
    return locked


@transaction.atomic
def plan_section_save(
    *, plan: Plan, kind: str, body: str, expected_version: int, actor: User
) -> PlanSection:
    """Save one free-text section, if it is still at `expected_version` (0: never saved).

    Against a newer version this raises ConflictError and writes nothing; saving the text
    that is already there changes nothing (no new version). A text longer than
    kam.bounds.MAX_TEXT (line ends counted as one character) is refused (InvalidInput).
    """
    if kind not in SectionKind.values:
        raise DomainError(f"A plan has no section {kind!r}.")
    body = normalise_text(body)
    try:
        bounds.validate_text_length(body)
    except ValidationError as refusal:
        raise InvalidInput({"body": refusal.messages}) from None
    locked = locked_editable(plan, actor)
    label = SectionKind(kind).label
    section = PlanSection.objects.filter(plan=locked, kind=kind).first()
    if section is None:
        if expected_version != 0:
            raise DomainError(f"The section “{label}” no longer exists.")
        try:
            with transaction.atomic():
                section = PlanSection.objects.create(
                    plan=locked, kind=kind, body=body, updated_by=actor
                )
        except IntegrityError:
            current = PlanSection.objects.get(plan=locked, kind=kind)
            raise ConflictError(
                f"Someone else saved “{label}” first.", current_version=current.version
            ) from None
    else:
        if section.version == expected_version and section.body == body:
            return section
        versioned_update(
            PlanSection,
            section.pk,
            expected_version,
            f"section “{label}”",
            body=body,
            updated_by=actor,
            updated_at=timezone.now(),
        )
        section.refresh_from_db()
    content_changed(locked, actor=actor)
    save_version(locked, actor=actor, note=f"{label} saved")
    return section


# --- Lifecycle ------------------------------------------------------------------------------


@transaction.atomic
def plan_submit(*, plan: Plan, actor: User, today: dt.date | None = None) -> Plan:
    """Send the plan to the directors for approval: a draft, or a revised plan (an approved one
    that changed since). Its next review date must lie in the future. Every sales director is
    notified, in the app and by e-mail."""
    require_edit(actor, plan)
    locked = _locked(plan)
    today = today or timezone.localdate()
    if locked.status not in SUBMITTABLE:
        raise DomainError(_not_submittable(locked))
    if locked.review_date <= today:
        raise DomainError("Set the next review date to a day after today before submitting.")
    revision = locked.status == PlanStatus.REVISED
    version = _plan_step(
        locked,
        actor=actor,
        reason="Submitted for approval",
        status=PlanStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    _notify_approvers(locked, version, actor=actor, revision=revision)
    return locked


def submitted_dedupe_key(version_id: int) -> str:
    return f"plan-submitted:{version_id}"


def _notify_approvers(plan: Plan, version: PlanVersion, *, actor: User, revision: bool) -> None:
    """Tell every active sales director (kam.rules.PLAN_APPROVER_GROUPS) but the submitter that
    the plan waits for approval, in the app and by e-mail, once per submission."""
    approvers = (
        User.objects.filter(groups__name__in=kam_rules.PLAN_APPROVER_GROUPS, is_active=True)
        .exclude(pk=actor.pk)
        .distinct()
        .order_by("pk")
    )
    what = "A revision of the plan" if revision else "The plan"
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=approver,
                subject=f"{plan.account.name}: plan waiting for approval"[:200],
                body=f"{actor} submitted “{plan.title}” for approval. {what} waits for your "
                "decision: approve it or send it back with a comment.",
                url=reverse("plans:plan_detail", args=[plan.pk]),
                dedupe_key=submitted_dedupe_key(version.pk),
            )
            for approver in approvers
        ]
    )
    if notifications:
        notification_emails_enqueue([notification.pk for notification in notifications])


def _not_submittable(plan: Plan) -> str:
    if plan.status in APPROVED_STATUSES:
        return "This plan is approved as it stands: change it first, then submit the revision."
    return f"A plan that is {plan.get_status_display().lower()} cannot be submitted."


def _comment(text: str | None) -> str:
    comment = normalise_text(text or "").strip()
    try:
        bounds.validate_text_length(comment)
    except ValidationError as refusal:
        raise InvalidInput({"comment": refusal.messages}) from None
    return comment


@transaction.atomic
def plan_approve(
    *, plan: Plan, actor: User, comment: str = "", today: dt.date | None = None
) -> Plan:
    """A director approves a submitted plan, optionally with a comment (kept with the version
    it approved, which the plan records: a later revision is compared with it). The plan it
    continues (the previous period's) is archived at the same moment: an account runs by one
    approved plan."""
    require(actor, "plans.approve_plan", plan, "Only a sales director approves plans.")
    comment = _comment(comment)
    locked = _locked(plan)
    today = today or timezone.localdate()
    if locked.status != PlanStatus.SUBMITTED:
        raise DomainError("Only a submitted plan can be approved.")
    if locked.review_date <= today:
        raise DomainError(
            "The plan's review date has passed: send it back so its KAM sets the next one."
        )
    now = timezone.now()
    version = _plan_step(
        locked,
        actor=actor,
        reason=f"Approved by {actor}",
        comment=comment,
        status=PlanStatus.APPROVED,
        approved_by=actor,
        approved_at=now,
    )
    Plan.objects.filter(pk=locked.pk).update(approved_version=version)
    locked.approved_version = version
    if locked.previous_id is not None:
        previous = Plan.objects.select_for_update().get(pk=locked.previous_id)
        if previous.status != PlanStatus.ARCHIVED:
            _plan_write(
                previous,
                actor=actor,
                reason=f"Archived: superseded by “{locked.title}”",
                status=PlanStatus.ARCHIVED,
                archived_at=now,
            )
    return locked


def sent_back_dedupe_key(version_id: int) -> str:
    return f"plan-sent-back:{version_id}"


@transaction.atomic
def plan_return(*, plan: Plan, reason: str, actor: User) -> Plan:
    """A director sends a submitted plan back, saying what it needs: to draft, or to revised
    when it was approved before (the account still runs by that approval). The comment is kept
    with the version, and the account's KAM is notified with it (in the app and by e-mail)."""
    require(actor, "plans.approve_plan", plan, "Only a sales director sends plans back.")
    reason = _comment(reason)
    if not reason:
        raise InvalidInput({"reason": ["Say what the plan needs: a reason is required."]})
    locked = _locked(plan)
    if locked.status != PlanStatus.SUBMITTED:
        raise DomainError("Only a submitted plan can be sent back.")
    status = PlanStatus.REVISED if locked.approved_version_id else PlanStatus.DRAFT
    version = _plan_step(
        locked, actor=actor, reason=f"Sent back: {reason}", comment=reason, status=status
    )
    kam = locked.account.kam
    if kam is not None and kam.is_active:
        notification = Notification.objects.create(
            recipient=kam,
            subject=f"{locked.account.name}: plan sent back by {actor}"[:200],
            body=f"{actor} sent the plan “{locked.title}” back: {reason}",
            url=reverse("plans:plan_detail", args=[locked.pk]),
            dedupe_key=sent_back_dedupe_key(version.pk),
        )
        notification_emails_enqueue([notification.pk])
    return locked


@transaction.atomic
def plan_archive(*, plan: Plan, reason: str, actor: User) -> Plan:
    """A director or an administrator archives a plan, saying why: it becomes read-only and
    stays in history, and `plan_restore` can bring it back."""
    require(
        actor,
        "plans.archive_plan",
        plan,
        "Only a sales director or an administrator archives a plan.",
    )
    reason = _comment(reason)
    if not reason:
        raise InvalidInput({"reason": ["Say why the plan is archived: a reason is required."]})
    locked = _locked(plan)
    if locked.status == PlanStatus.ARCHIVED:
        raise DomainError("This plan is archived already.")
    _plan_step(
        locked,
        actor=actor,
        reason=f"Archived: {reason}",
        comment=reason,
        status=PlanStatus.ARCHIVED,
        archived_at=timezone.now(),
    )
    return locked


@transaction.atomic
def plan_restore(*, plan: Plan, actor: User, reason: str = "") -> Plan:
    """A director or an administrator restores an archived plan to the status it had before
    it was archived. Refused while the plan that continues it is current (it superseded this
    one), or when the account has another active plan for the same period."""
    require(
        actor,
        "plans.archive_plan",
        plan,
        "Only a sales director or an administrator restores a plan.",
    )
    reason = _comment(reason)
    locked = _locked(plan)
    if locked.status != PlanStatus.ARCHIVED:
        raise DomainError("Only an archived plan can be restored.")
    successor = Plan.objects.filter(previous=locked).exclude(status=PlanStatus.ARCHIVED).first()
    if successor is not None:
        raise DomainError(
            f"“{successor.title}” continues this plan: archive it first to run by this one again."
        )
    status = (
        locked.versions.exclude(snapshot__status=PlanStatus.ARCHIVED)
        .order_by("-number")
        .values_list("snapshot__status", flat=True)
        .first()
    )
    if status not in PlanStatus.values or status == PlanStatus.ARCHIVED:
        status = PlanStatus.REVISED if locked.approved_version_id else PlanStatus.DRAFT
    taken = Plan.objects.filter(
        account_id=locked.account_id, period_start=locked.period_start
    ).exclude(status=PlanStatus.ARCHIVED)
    if taken.exists():
        raise _plan_taken()
    with refused_if_taken("plan_one_active_per_account_and_period", _plan_taken()):
        _plan_step(
            locked,
            actor=actor,
            reason=f"Restored: {reason}" if reason else "Restored",
            comment=reason,
            status=status,
            archived_at=None,
        )
    return locked


def notification_emails_enqueue(notification_ids: list[int]) -> None:
    """E-mail these notifications once the transaction commits (plans.tasks)."""

    def enqueue() -> None:
        from plans.tasks import send_notification_emails  # tasks import this module

        send_notification_emails.delay(notification_ids)

    transaction.on_commit(enqueue)


def plans_mark_under_review(*, today: dt.date | None = None) -> int:
    """Daily: every approved plan whose review date has passed (is before today) is marked
    review overdue, with a history row and a version each. Returns how many plans changed.

    Set-based in fixed batches, each one transaction with a fixed number of queries; it
    filters on the state it changes, so a second run the same day finds nothing to do.
    """
    today = today or timezone.localdate()
    due = Plan.objects.filter(status=PlanStatus.APPROVED, review_date__lt=today)
    changed = 0
    while True:
        with transaction.atomic():
            batch = list(due.select_for_update(skip_locked=True).order_by("pk")[:REVIEW_BATCH_SIZE])
            if not batch:
                return changed
            now = timezone.now()
            Plan.objects.filter(pk__in=[plan.pk for plan in batch]).update(
                status=PlanStatus.UNDER_REVIEW, version=models.F("version") + 1, updated_at=now
            )
            for plan in batch:
                plan.status = PlanStatus.UNDER_REVIEW
                plan.version += 1
            reason = "Review overdue: the review date has passed"
            Plan.history.bulk_history_create(
                batch, update=True, default_change_reason=reason, default_date=now
            )
            _write_versions(batch, actor=None, note=reason)
            changed += len(batch)


# --- Versions and the next period -------------------------------------------------------------


@transaction.atomic
def plan_version_save(*, plan: Plan, actor: User, note: str = "") -> PlanVersion:
    """Keep the plan as it is now as a named version (before a meeting, say)."""
    require_edit(actor, plan)
    locked = _locked(plan)
    return write_version(locked, actor=actor, note=(note or "").strip() or "Saved by hand")


def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 + months
    return dt.date(month_index // 12, month_index % 12 + 1, day.day)


@dataclass(frozen=True)
class PeriodShift:
    """Moves a date by one plan period: whole months when the period is whole months (so a
    calendar year follows a calendar year, leap years or not), days otherwise."""

    months: int
    days: int

    @classmethod
    def of(cls, plan: Plan) -> PeriodShift:
        after_end = plan.period_end + dt.timedelta(days=1)
        if plan.period_start.day == 1 and after_end.day == 1:
            months = (after_end.year - plan.period_start.year) * 12 + (
                after_end.month - plan.period_start.month
            )
            return cls(months=months, days=0)
        return cls(months=0, days=(after_end - plan.period_start).days)

    def __call__(self, day: dt.date) -> dt.date:
        if self.months:
            try:
                return _add_months(day, self.months)
            except ValueError:  # the 29th-31st of a shorter month: its last day
                return _add_months(day.replace(day=1), self.months + 1) - dt.timedelta(days=1)
        return day + dt.timedelta(days=self.days)


def _next_period_dates(plan: Plan, due_dates: list[dt.date]) -> list[dt.date]:
    """The next period's start, end and review date, then the objectives' `due_dates`, each
    moved one period on; DomainError when any would fall outside kam.bounds' range (or past
    Python's last date, 9999-12-31)."""
    try:
        shift = PeriodShift.of(plan)
        start = plan.period_end + dt.timedelta(days=1)
        dates = [start, shift(start) - dt.timedelta(days=1)]
        dates += [shift(day) for day in [plan.review_date, *due_dates]]
    except (OverflowError, ValueError):
        dates = []
    if not dates or not all(bounds.in_range(day) for day in dates):
        raise DomainError(
            "The next period's plan cannot be started: its dates would fall after "
            f"{day(bounds.LATEST)}, the last date KAM accepts. Correct this plan's period, "
            "review date and objective due dates first."
        )
    return dates


@transaction.atomic
def plan_start_next_period(*, plan: Plan, actor: User) -> Plan:
    """Start the next period's plan from this one, as a draft: sections, open actions,
    objectives (moved one period on, baselines from today's actuals where computed) and
    solutions are copied. This plan stays as it is until the new one is approved."""
    require_edit(actor, plan)
    locked = _locked(plan)
    if locked.status == PlanStatus.ARCHIVED:
        raise DomainError(ARCHIVED_REFUSAL)
    if Plan.objects.filter(previous=locked).exclude(status=PlanStatus.ARCHIVED).exists():
        raise DomainError("The next period's plan has been started already.")
    objectives = list(locked.objectives.order_by("pk"))
    start, end, review_date, *due_dates = _next_period_dates(
        locked, [objective.due_date for objective in objectives]
    )
    if (
        Plan.objects.filter(account_id=locked.account_id, period_start=start)
        .exclude(status=PlanStatus.ARCHIVED)
        .exists()
    ):
        raise DomainError(f"This account already has a plan starting {day(start)}.")
    account = locked.account
    successor = Plan(
        account=account,
        title=f"{account.name}: account plan {start:%b %Y}-{end:%b %Y}"[:200],
        period_start=start,
        period_end=end,
        review_date=review_date,
        investment_budget=locked.investment_budget,
        previous=locked,
        created_by=actor,
    )
    successor._history_user = actor
    successor._change_reason = f"Started from “{locked.title}”"[:100]
    with refused_if_taken("plan_one_active_per_account_and_period", _plan_taken()):
        successor.save()
    sections = {section.kind: section.body for section in locked.sections.all()}
    PlanSection.objects.bulk_create(
        PlanSection(plan=successor, kind=kind, body=sections.get(kind, ""), updated_by=actor)
        for kind in SectionKind
    )
    score = plans_selectors.account_score(account, current_run())
    Objective.objects.bulk_create(
        Objective(
            plan=successor,
            metric=objective.metric,
            description=objective.description,
            baseline_value=_baseline(objective, score),
            target_value=objective.target_value,
            target_stage=objective.target_stage,
            due_date=due_date,
        )
        for objective, due_date in zip(objectives, due_dates, strict=True)
    )
    Solution.objects.bulk_create(
        Solution(
            plan=successor,
            title=solution.title,
            description=solution.description,
            value_measure=solution.value_measure,
            value_amount=solution.value_amount,
        )
        for solution in locked.solutions.order_by("pk")
    )
    bulk_create_with_history(
        [
            Action(
                plan=successor,
                family=action.family,
                title=action.title,
                description=action.description,
                owner_id=action.owner_id,
                due_date=action.due_date,
                status=action.status,
            )
            for action in locked.actions.filter(
                status__in=plans_selectors.OPEN_ACTION_STATUSES
            ).order_by("pk")
        ],
        Action,
        default_user=actor,
        default_change_reason=f"Copied from “{locked.title}”"[:100],
    )
    write_version(successor, actor=actor, note=f"Started from “{locked.title}”")
    return successor


def _baseline(objective: Objective, score: Any) -> Decimal | None:
    """The copied objective's baseline: today's actual, unless that is unknown or already past
    the target (the copy keeps the old baseline then: a growth objective must not turn into a
    reduction; it shows reached until its KAM raises the target)."""
    if objective.metric == ObjectiveMetric.STAGE or score is None:
        return objective.baseline_value
    actual = getattr(score, ACTUAL_OF[objective.metric])
    if actual is None or (objective.target_value is not None and actual > objective.target_value):
        return objective.baseline_value
    return actual
