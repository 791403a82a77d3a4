"""Writes on a plan's opportunities (DOMAIN.md, "White space": opportunities).

Decision: opportunities are the plan's pipeline, not its content. Creating, changing or
closing one never makes an approved plan revised and writes no plan version: a director
approves the plan's direction (sections, objectives, solutions, actions), while the pipeline
moves every week and is reviewed on the plan page as it stands. They are refused only on an
archived plan (it no longer runs); a submitted plan's pipeline still moves. Each change is
kept in the opportunity's own history (django-simple-history).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Account, User
from accounts.selectors.accounts import tree_order
from kam.errors import DomainError, InvalidInput
from kam.permissions import require
from kam.records import current, history_record, known_fields, validated, versioned_update
from plans.models import Opportunity, OpportunityStatus, Plan, PlanStatus
from plans.services.items import check_owner

OPPORTUNITY_FIELDS = frozenset(Opportunity.EDITABLE_FIELDS)
ARCHIVED_REFUSAL = "This plan is archived: its opportunities no longer change."


def opportunity_members(plan: Plan) -> QuerySet[Account]:
    """The accounts an opportunity of `plan` may be at: the plan's account and every account
    of its subtree (a group's members, at any depth), in one query (the subtree's recursive
    CTE). The one place that says so; the form lists them in tree order (`member_choices`)."""
    return Account.objects.subtree(plan.account_id)


def member_choices(plan: Plan) -> list[Account]:
    """`opportunity_members` for a form, in the map's order: the plan's account first, then
    its members depth first (siblings by name), each with `depth` (0: the plan's account)."""
    nodes = list(
        opportunity_members(plan).only("pk", "name", "erp_code", "parent_id").order_by("name", "pk")
    )
    out = []
    for node, depth in tree_order(nodes, plan.account_id):
        node.depth = depth
        out.append(node)
    return out


def _require_change(actor: User, plan: Plan) -> None:
    require(
        actor,
        "plans.change_opportunity",
        plan,
        "Only the KAMs serving this account change its opportunities.",
    )
    if plan.status == PlanStatus.ARCHIVED:
        raise DomainError(ARCHIVED_REFUSAL)


def _check(opportunity: Opportunity, plan: Plan) -> None:
    """The rules beyond the fields' own: the member, the owner, the lost reason, the close."""
    if opportunity.member_id is None:
        opportunity.member_id = plan.account_id
    elif not opportunity_members(plan).filter(pk=opportunity.member_id).exists():
        raise InvalidInput(
            {"member": ["The member must be the plan's account or an account of its group."]}
        )
    if opportunity.owner_id is None:
        raise InvalidInput({"owner": ["An opportunity needs an owner."]})
    check_owner(plan, opportunity.owner_id)
    opportunity.lost_reason = " ".join((opportunity.lost_reason or "").split())
    if opportunity.status == OpportunityStatus.LOST and not opportunity.lost_reason:
        raise InvalidInput({"lost_reason": ["Say why the opportunity was lost."]})
    if opportunity.status != OpportunityStatus.LOST:
        opportunity.lost_reason = ""
    # Closing stamps the day; reopening clears it.
    if opportunity.status == OpportunityStatus.OPEN:
        opportunity.closed_on = None
    elif opportunity.closed_on is None:
        opportunity.closed_on = timezone.localdate()


@transaction.atomic
def opportunity_create(*, plan: Plan, actor: User, **fields: Any) -> Opportunity:
    """Add an opportunity to the plan (`plans.change_opportunity`: the KAMs serving the
    account): a product category, the member (the plan's account when not given), the
    estimated annual value (>= 0), the probability (0-100), the expected close date, the owner
    (the KAM or a team member) and the status (a lost one with its reason). The plan's status
    and versions do not change (pipeline, not content)."""
    _require_change(actor, plan)
    known_fields(fields, OPPORTUNITY_FIELDS, "opportunity")
    opportunity = Opportunity(plan=plan, created_by=actor, **fields)
    _check(opportunity, plan)
    validated(opportunity, exclude=["plan", "version", "created_by"])
    opportunity._history_user = actor
    opportunity.save()
    return opportunity


@transaction.atomic
def opportunity_update(
    *, opportunity: Opportunity, expected_version: int, actor: User, **fields: Any
) -> Opportunity:
    """Change an opportunity if nobody saved it since `expected_version` (ConflictError
    otherwise, nothing written); same rules as `opportunity_create`."""
    plan = opportunity.plan
    _require_change(actor, plan)
    known_fields(fields, OPPORTUNITY_FIELDS, "opportunity")
    candidate = current(Opportunity, opportunity.pk, "opportunity")
    for name, value in fields.items():
        setattr(candidate, name, value)
    _check(candidate, plan)
    validated(candidate, exclude=["plan", "version", "created_by"])
    names = [*fields, "lost_reason", "closed_on", "member"]
    columns = {f.attname for f in Opportunity._meta.concrete_fields if f.name in names}
    values = {column: getattr(candidate, column) for column in columns}
    versioned_update(
        Opportunity,
        opportunity.pk,
        expected_version,
        "opportunity",
        updated_at=timezone.now(),
        **values,
    )
    opportunity.refresh_from_db()
    history_record(opportunity, actor=actor, reason="Opportunity changed")
    return opportunity


def opportunity_close(
    *,
    opportunity: Opportunity,
    expected_version: int,
    actor: User,
    won: bool,
    lost_reason: str = "",
) -> Opportunity:
    """Close an open opportunity as won or lost (a lost one with its reason), stamping the
    day it closed; the rules are `opportunity_update`'s."""
    if opportunity.status != OpportunityStatus.OPEN:
        raise DomainError("This opportunity is closed already; reopen it to change that.")
    status = OpportunityStatus.WON if won else OpportunityStatus.LOST
    return opportunity_update(
        opportunity=opportunity,
        expected_version=expected_version,
        actor=actor,
        status=status,
        lost_reason=lost_reason,
    )
