"""Writes on accounts that carry a rule: stage moves, designation and KAM assignment, teams."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import (
    Account,
    AccountStatus,
    DesignationChange,
    FunctionalRole,
    Stage,
    StageChange,
    TeamMembership,
    User,
)
from kam import rules as kam_rules
from kam.errors import DomainError, PermissionDenied


def _require(actor: User, perm: str, obj: object) -> None:
    if not actor.has_perm(perm, obj):
        raise PermissionDenied("You are not allowed to make this change.")


@transaction.atomic
def account_change_stage(
    *, account: Account, to_stage: str, reason: str, actor: User
) -> StageChange:
    """Move an account on the relationship ladder. A stage is the KAM's recorded judgement:
    it needs a reason, records who and when, and restarts the time-in-stage clock."""
    _require(actor, "accounts.change_stage", account)
    if to_stage not in Stage.values:
        raise DomainError(f"Unknown stage {to_stage!r}.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the stage changes: a reason is required.")
    account = Account.objects.select_for_update().get(pk=account.pk)
    if account.stage == to_stage:
        raise DomainError(f"The account is already at stage {account.get_stage_display()}.")
    now = timezone.now()
    change = StageChange.objects.create(
        account=account,
        from_stage=account.stage,
        to_stage=to_stage,
        reason=reason,
        changed_by=actor,
        changed_at=now,
    )
    account.stage = to_stage
    account.stage_since = now
    account._change_reason = f"Stage: {reason}"
    account.save(update_fields=["stage", "stage_since", "updated_at"])
    return change


@transaction.atomic
def account_designate(
    *, account: Account, status: str, kam: User | None, reason: str, actor: User
) -> DesignationChange:
    """Set an account's status (standard, candidate, key) and its KAM, with a reason.

    A key account has exactly one dedicated KAM, who must be in the KAM group. Removing key
    status keeps the KAM only for candidates. The change is kept as DesignationChange history.
    """
    _require(actor, "accounts.designate_account", account)
    if status not in AccountStatus.values:
        raise DomainError(f"Unknown status {status!r}.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why: a reason is required to designate or remove a key account.")
    if status == AccountStatus.KEY and kam is None:
        raise DomainError("A key account needs its dedicated key account manager.")
    if kam is not None and "kam" not in kam_rules.roles_of(kam):
        raise DomainError(f"{kam} is not a key account manager.")
    if status == AccountStatus.STANDARD:
        kam = None
    account = Account.objects.select_for_update().get(pk=account.pk)
    if account.status == status and account.kam_id == (kam.pk if kam else None):
        raise DomainError("Nothing changes: the account already has this status and KAM.")
    change = DesignationChange.objects.create(
        account=account,
        from_status=account.status,
        to_status=status,
        from_kam_id=account.kam_id,
        to_kam=kam,
        reason=reason,
        changed_by=actor,
    )
    if status == AccountStatus.KEY and account.status != AccountStatus.KEY:
        account.designated_at = timezone.now()
    account.status = status
    account.kam = kam
    account._change_reason = f"Designation: {reason}"
    account.save(update_fields=["status", "kam", "designated_at", "updated_at"])
    return change


@transaction.atomic
def team_member_add(
    *, account: Account, user: User, functional_role: str, actor: User
) -> TeamMembership:
    """Put a person on the account's cross-functional team in one functional role."""
    _require(actor, "accounts.change_team", account)
    if functional_role not in FunctionalRole.values:
        raise DomainError(f"Unknown functional role {functional_role!r}.")
    if TeamMembership.objects.filter(account=account, user=user).exists():
        raise DomainError(f"{user} is already on this account's team.")
    return TeamMembership.objects.create(
        account=account, user=user, functional_role=functional_role
    )


@transaction.atomic
def team_member_remove(*, membership: TeamMembership, actor: User) -> None:
    """Take a person off the account's team (the KAM is not a team membership)."""
    _require(actor, "accounts.change_team", membership.account)
    membership.delete()
