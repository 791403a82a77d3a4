"""Writes on accounts that carry a rule: stage moves, designation and KAM assignment, teams,
and the decision-making unit's contacts.

No lost updates: a versioned record (contact, and the plan's sections, objectives, solutions and
actions in plans.services) is written with `versioned_update`, one
`UPDATE ... SET version = version + 1 WHERE pk = ? AND version = ?`. Of two saves made against
the same version exactly one matches the row; the other raises ConflictError with the current
version, and the page shows both texts so nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from accounts.api import tokens
from accounts.models import (
    CONTACT_EMAIL_TAKEN,
    Account,
    AccountStatus,
    Contact,
    DesignationChange,
    FunctionalRole,
    Stage,
    StageChange,
    TeamMembership,
    User,
    ancestor_ids,
)
from kam import rules as kam_rules
from kam.errors import DomainError, InvalidInput
from kam.permissions import require
from kam.records import (
    current,
    history_record,
    known_fields,
    refused_if_taken,
    validated,
    versioned_update,
)

CONTACT_FIELDS = frozenset(Contact.EDITABLE_FIELDS)


def member_refusal(account: Account, what: str) -> str | None:
    """Why `what` (designation, stage, team, rating, plan) cannot be given to a member of a
    group, naming the group (the top of its tree): it belongs to the unit of selection."""
    if account.parent_id is None:
        return None
    top = Account.objects.get(pk=ancestor_ids(account.pk)[-1])
    return (
        f"{account.name} belongs to the group {top.name} ({top.erp_code}): {what} belongs to "
        "the group, the unit of selection. Open the group's page instead."
    )


def refuse_member(account: Account, what: str) -> None:
    if (message := member_refusal(account, what)) is not None:
        raise DomainError(message)


def cycle_refusal(account_name: str, parent_name: str) -> str:
    return (
        f"{parent_name} is {account_name} itself or one of its members: putting {account_name} "
        "under it would make a cycle."
    )


def designated_member_refusal(account: Account) -> str:
    return (
        f"{account.name} is {account.get_status_display().lower()}: designation belongs to the "
        "top of a group. Set it back to standard before moving it into a group."
    )


@transaction.atomic
def account_move(*, account: Account, parent: Account | None, reason: str, actor: User) -> Account:
    """Put an account under a group (parent), move it to another one or make it top level
    (parent None), with a reason kept in its history. Refused: a parent that is the account
    itself or below it (a cycle), and a designated account (key or candidate) as a member,
    since designation, KAM, team, stage and plan belong to the unit of selection (the top)."""
    require(actor, "accounts.change_account", account)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the account moves: a reason is required.")
    account = Account.objects.select_for_update().get(pk=account.pk)
    if (parent.pk if parent else None) == account.parent_id:
        raise DomainError("Nothing changes: the account is already there.")
    if parent is not None:
        if parent.pk == account.pk or account.pk in ancestor_ids(parent.pk):
            raise DomainError(cycle_refusal(account.name, parent.name))
        if account.status != AccountStatus.STANDARD:
            raise DomainError(designated_member_refusal(account))
    before = account.parent.name if account.parent_id else "top level"
    after = parent.name if parent else "top level"
    account.parent = parent
    account._change_reason = f"Group: {before} -> {after}: {reason}"[:100]
    account._history_user = actor
    account.save(update_fields=["parent", "updated_at"])
    return account


@transaction.atomic
def account_change_stage(
    *, account: Account, to_stage: str, reason: str, actor: User
) -> StageChange:
    """Move an account on the relationship ladder. A stage is the KAM's recorded judgement:
    it needs a reason, records who and when, and restarts the time-in-stage clock."""
    require(actor, "accounts.change_stage", account)
    refuse_member(account, "the relationship stage")
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
    # The full reason is in StageChange; the history row's reason column holds 100 characters.
    account._change_reason = f"Stage: {reason}"[:100]
    account._history_user = actor
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
    require(actor, "accounts.designate_account", account)
    refuse_member(account, "designation")
    if status not in AccountStatus.values:
        raise DomainError(f"Unknown status {status!r}.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why: a reason is required to designate or remove a key account.")
    if status == AccountStatus.KEY and kam is None:
        raise DomainError("A key account needs its dedicated key account manager.")
    if kam is not None and not kam_rules.is_key_account_manager(kam):
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
    account._change_reason = f"Designation: {reason}"[:100]
    account._history_user = actor
    account.save(update_fields=["status", "kam", "designated_at", "updated_at"])
    return change


@transaction.atomic
def team_member_add(
    *, account: Account, user: User, functional_role: str, actor: User
) -> TeamMembership:
    """Put a person on the account's cross-functional team in one functional role: someone
    who may be on a team (kam/rules.py `may_join_a_team`), not the KAM, once."""
    require(actor, "accounts.change_team", account)
    refuse_member(account, "the account team")
    if functional_role not in FunctionalRole.values:
        raise DomainError(f"Unknown functional role {functional_role!r}.")
    if not kam_rules.may_join_a_team(user):
        raise DomainError(
            f"{user} cannot be on an account team: only active functional staff, key account "
            "managers and sales directors can."
        )
    if user.pk == account.kam_id:
        raise DomainError(f"{user} is the account's KAM, who leads the team already.")
    already = DomainError(f"{user} is already on this account's team.")
    if TeamMembership.objects.filter(account=account, user=user).exists():
        raise already
    with refused_if_taken("team_member_once_per_account", already):
        membership = TeamMembership.objects.create(
            account=account, user=user, functional_role=functional_role
        )
    # Memberships keep no history of their own: the account's history records who changed
    # the team, so it shows on the account's History with the other changes.
    role = FunctionalRole(functional_role).label
    _team_history(account, actor=actor, reason=f"Team: {user} added ({role})")
    return membership


@transaction.atomic
def team_member_remove(*, membership: TeamMembership, actor: User) -> None:
    """Take a person off the account's team (the KAM is not a team membership)."""
    account = membership.account
    require(actor, "accounts.change_team", account)
    role = membership.get_functional_role_display()
    person = membership.user
    membership.delete()
    _team_history(account, actor=actor, reason=f"Team: {person} removed ({role})")


def _team_history(account: Account, *, actor: User, reason: str) -> None:
    # Read afresh: the history row copies the account's fields, and a caller's copy may be
    # older than the stored one (the History would then show changes nobody made).
    history_record(Account.objects.get(pk=account.pk), actor=actor, reason=reason)


def _check_owner(account: Account, owner: User | None) -> None:
    """A relationship owner is on our side of the account: its KAM or a team member (of the
    group, for a member: the team belongs to the unit of selection)."""
    if owner is None:
        return
    if account.parent_id is not None:
        account = Account.objects.get(pk=ancestor_ids(account.pk)[-1])
    if owner.pk == account.kam_id:
        return
    if not TeamMembership.objects.filter(account=account, user=owner).exists():
        raise InvalidInput(
            {"relationship_owner": [f"{owner} is neither the KAM nor on the account's team."]}
        )


def _check_email(contact: Contact) -> None:
    """An e-mail address names one contact of an account, whatever its case."""
    if (
        contact.email
        and Contact.objects.filter(account_id=contact.account_id, email__iexact=contact.email)
        .exclude(pk=contact.pk)
        .exists()
    ):
        raise InvalidInput({"email": [CONTACT_EMAIL_TAKEN]})


def _email_taken() -> Any:
    """Refuse a contact saved meanwhile with the same e-mail (two requests at once) as
    `_check_email` does."""
    return refused_if_taken(
        "contact_email_unique_per_account", InvalidInput({"email": [CONTACT_EMAIL_TAKEN]})
    )


@transaction.atomic
def contact_create(*, account: Account, actor: User, **fields: Any) -> Contact:
    """Add a person to the account's decision-making unit (those who may change contacts:
    the KAMs serving the account). Influence is 1-5; the relationship owner is the KAM or a
    team member. The contact's history starts here, attributed to `actor`."""
    require(actor, "accounts.change_contact", account)
    known_fields(fields, CONTACT_FIELDS, "contact")
    contact = Contact(account=account, **fields)
    _check_email(contact)
    validated(contact, exclude=["account", "version"])
    _check_owner(account, contact.relationship_owner)
    contact._history_user = actor
    with _email_taken():
        contact.save()
    return contact


@transaction.atomic
def contact_update(
    *, contact: Contact, expected_version: int, actor: User, **fields: Any
) -> Contact:
    """Change a contact if nobody saved it since `expected_version` was read (ConflictError
    otherwise, nothing written); same rules as `contact_create`; history attributed to actor."""
    account = contact.account
    require(actor, "accounts.change_contact", account)
    known_fields(fields, CONTACT_FIELDS, "contact")
    candidate = current(Contact, contact.pk, "contact")
    for name, value in fields.items():
        setattr(candidate, name, value)
    _check_email(candidate)
    validated(candidate, exclude=["account", "version"])
    _check_owner(account, candidate.relationship_owner)
    values = {name: getattr(candidate, name) for name in fields}
    with _email_taken():
        versioned_update(
            Contact, contact.pk, expected_version, "contact", updated_at=timezone.now(), **values
        )
    contact.refresh_from_db()
    history_record(contact, actor=actor, reason="Contact changed")
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, expected_version: int, actor: User) -> None:
    """Remove a contact from the DMU, only if it is still the version the user saw (a changed
    contact is shown again first). The deletion stays in the contact's history."""
    require(actor, "accounts.change_contact", contact.account)
    # Claim the row at the version the user saw; a concurrent edit then conflicts.
    versioned_update(Contact, contact.pk, expected_version, "contact")
    contact = Contact.objects.get(pk=contact.pk)
    contact._history_user = actor
    contact.delete()


@transaction.atomic
def user_sessions_end_elsewhere(*, user: User, revoke_tokens: bool = False) -> int:
    """ "Log out everywhere": every session of the user in another browser ends on its next
    request (the session hash includes `session_generation`); the caller keeps its own session
    with `update_session_auth_hash`. With `revoke_tokens` the user's API tokens end too; how
    many were active."""
    User.objects.filter(pk=user.pk).update(session_generation=models.F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    return tokens.api_tokens_revoke_all(user=user) if revoke_tokens else 0


@transaction.atomic
def user_access_end(*, user: User) -> int:
    """A deactivated user's way in closes at once, not at their next request: every session
    ends and every API token is revoked, so reactivating the account revives neither. How
    many tokens were active."""
    User.objects.filter(pk=user.pk).update(
        is_active=False, session_generation=models.F("session_generation") + 1
    )
    user.refresh_from_db(fields=["is_active", "session_generation"])
    return tokens.api_tokens_revoke_all(user=user)
