"""The plan shared with the customer: personal links for DMU contacts, their openings, and
what the customer answers on an action.

A link is `/shared/<token>/`, the token 32 random bytes (URL-safe text) of which only the
SHA-256 digest is stored (as accounts.api.tokens does for API tokens): a guessed, expired or
revoked token finds nothing, and the page says nothing about which it was. A link shows only
the customer-facing parts the KAM selected (plans.models CUSTOMER_SECTIONS, objectives outside
CUSTOMER_HIDDEN_METRICS, the plan's actions and active commitments).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Contact, User
from kam.errors import DomainError, InvalidInput
from kam.permissions import require
from plans.models import (
    CUSTOMER_HIDDEN_METRICS,
    CUSTOMER_SECTIONS,
    Action,
    Commitment,
    Notification,
    Objective,
    Plan,
    PlanShare,
    PlanShareOpening,
    PlanShareResponse,
    PlanStatus,
    ResponseKind,
)
from plans.services.plans import notification_emails_enqueue

DEFAULT_DAYS = 30
MAX_DAYS = 90
TOKEN_BYTES = 32
# One open link per contact and plan is enough; a new one replaces nothing, but there is a cap.
MAX_OPEN_SHARES_PER_PLAN = 50


def share_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _ids(values: Iterable[Any]) -> set[int]:
    found = set()
    for value in values or ():
        try:
            found.add(int(value))
        except (TypeError, ValueError):
            raise InvalidInput({"__all__": ["Choose items of this plan."]}) from None
    return found


@transaction.atomic
def share_create(
    *,
    plan: Plan,
    contact: Contact,
    actor: User,
    sections: Iterable[str] = (),
    objective_ids: Iterable[Any] = (),
    action_ids: Iterable[Any] = (),
    commitment_ids: Iterable[Any] = (),
    days: int = DEFAULT_DAYS,
    now: dt.datetime | None = None,
) -> tuple[PlanShare, str]:
    """Share the plan's customer-facing view with one contact of its account. Returns the
    share and its token, which is never stored and cannot be shown again."""
    require(actor, "plans.share_plan", plan, "Only the account's KAMs share its plan.")
    if plan.status == PlanStatus.ARCHIVED:
        raise DomainError("An archived plan is not shared: share the current plan.")
    errors: dict[str, list[str]] = {}
    if contact.account_id != plan.account_id:
        errors["contact"] = ["Choose a contact of this account."]
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= MAX_DAYS:
        errors["days"] = [f"A link lasts 1 to {MAX_DAYS} days."]
    allowed_sections = {str(kind) for kind in CUSTOMER_SECTIONS}
    sections = list(dict.fromkeys(str(kind) for kind in sections or ()))
    if set(sections) - allowed_sections:
        errors["sections"] = ["Only the customer-facing sections can be shared."]
    objectives = _ids(objective_ids)
    actions = _ids(action_ids)
    commitments = _ids(commitment_ids)
    allowed_objectives = set(
        Objective.objects.filter(plan=plan)
        .exclude(metric__in=CUSTOMER_HIDDEN_METRICS)
        .values_list("pk", flat=True)
    )
    if objectives - allowed_objectives:
        errors["objectives"] = ["Choose customer-facing objectives of this plan."]
    if actions - set(Action.objects.filter(plan=plan).values_list("pk", flat=True)):
        errors["actions"] = ["Choose actions of this plan."]
    allowed_commitments = Commitment.objects.filter(plan=plan, active=True)
    if commitments - set(allowed_commitments.values_list("pk", flat=True)):
        errors["commitments"] = ["Choose active commitments of this plan."]
    if not (sections or objectives or actions or commitments):
        errors.setdefault("__all__", []).append("Choose at least one part of the plan to share.")
    if errors:
        raise InvalidInput(errors)
    now = now or timezone.now()
    open_shares = PlanShare.objects.filter(plan=plan, revoked_at__isnull=True, expires_at__gt=now)
    if open_shares.count() >= MAX_OPEN_SHARES_PER_PLAN:
        raise DomainError(f"This plan has {MAX_OPEN_SHARES_PER_PLAN} open links: revoke some.")
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    share = PlanShare.objects.create(
        plan=plan,
        contact=contact,
        digest=share_digest(raw),
        sections=[kind for kind in (str(k) for k in CUSTOMER_SECTIONS) if kind in sections],
        created_by=actor,
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    share.objectives.set(objectives)
    share.actions.set(actions)
    share.commitments.set(commitments)
    return share, raw


@transaction.atomic
def share_revoke(*, share: PlanShare, actor: User, now: dt.datetime | None = None) -> PlanShare:
    """Withdraw a link for good; revoking a revoked link changes nothing."""
    require(actor, "plans.share_plan", share.plan, "Only the account's KAMs withdraw its links.")
    if share.revoked_at is None:
        share.revoked_at = now or timezone.now()
        share.revoked_by = actor
        share.save(update_fields=["revoked_at", "revoked_by"])
    return share


def share_for_token(raw: str, *, now: dt.datetime | None = None) -> PlanShare | None:
    """The open share a token names (not revoked, not expired, its plan not archived), with
    its plan, account and contact; None for anything else."""
    if not raw or len(raw) > 100:
        return None
    share = (
        PlanShare.objects.select_related("plan", "plan__account", "plan__account__kam", "contact")
        .filter(digest=share_digest(raw))
        .first()
    )
    if share is None or not share.is_open(now) or share.plan.status == PlanStatus.ARCHIVED:
        return None
    return share


def share_opened(*, share: PlanShare, now: dt.datetime | None = None) -> PlanShareOpening:
    """Log an opening of the link (time, and the contact through the share)."""
    return PlanShareOpening.objects.create(share=share, opened_at=now or timezone.now())


def response_dedupe_key(response_id: int) -> str:
    return f"plan-share-response:{response_id}"


@transaction.atomic
def share_respond(
    *, share: PlanShare, action_id: Any, kind: str, body: str = "", now: dt.datetime | None = None
) -> PlanShareResponse:
    """The customer acknowledges an action of the link, or comments on it. The text is kept as
    typed (plain text, at most MAX_COMMENT characters; pages escape it). The account's KAM and
    whoever made the link are notified; an action is acknowledged once per link."""
    now = now or timezone.now()
    if not share.is_open(now):
        raise DomainError("This link no longer works.")
    try:
        action = share.actions.get(pk=int(action_id))
    except (Action.DoesNotExist, TypeError, ValueError):
        raise InvalidInput({"action": ["Choose an action shown on this page."]}) from None
    if kind not in ResponseKind.values:
        raise InvalidInput({"kind": ["Acknowledge the action or write a comment."]})
    body = (body or "").replace("\r\n", "\n").strip()
    if kind == ResponseKind.COMMENT and not body:
        raise InvalidInput({"body": ["Write a comment first."]})
    if len(body) > PlanShareResponse.MAX_COMMENT:
        raise InvalidInput(
            {"body": [f"A comment has at most {PlanShareResponse.MAX_COMMENT} characters."]}
        )
    if kind == ResponseKind.ACKNOWLEDGED:
        body = ""
        existing = PlanShareResponse.objects.filter(
            share=share, action=action, kind=ResponseKind.ACKNOWLEDGED
        ).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            response = PlanShareResponse.objects.create(
                share=share, action=action, kind=kind, body=body, created_at=now
            )
    except IntegrityError:
        return PlanShareResponse.objects.get(share=share, action=action, kind=kind)
    _notify(share, action, response)
    return response


def _notify(share: PlanShare, action: Action, response: PlanShareResponse) -> None:
    plan = share.plan
    recipients = {
        user.pk: user
        for user in (plan.account.kam, share.created_by)
        if user is not None and user.is_active
    }
    verb = "acknowledged" if response.kind == ResponseKind.ACKNOWLEDGED else "commented on"
    subject = f"{plan.account.name}: {share.contact.name} {verb} “{action.title}”"
    notifications = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            subject=subject[:200],
            body=response.body or f"{share.contact.name} acknowledged the action.",
            url=reverse("plans:plan_shares", args=[plan.pk]),
            dedupe_key=response_dedupe_key(response.pk),
        )
        for user in recipients.values()
    )
    ids = [n.pk for n in notifications if n.pk is not None]
    if ids:
        notification_emails_enqueue(ids)
