"""What plans adds to the history of an account and to the audit log: its tracked models
(plans, actions, commitments, opportunities) and the saved plan versions (registered in
`PlansConfig.ready`)."""

from __future__ import annotations

from accounts.models import Account
from kam.history import HistoryEntry, Tracked
from plans.models import (
    Action,
    Commitment,
    Opportunity,
    Plan,
    PlanShare,
    PlanShareResponse,
    PlanVersion,
    ResponseKind,
)

PLAN = Tracked(
    "plan",
    "Plan",
    Plan,
    ("title", "period_start", "period_end", "status", "review_date", "investment_budget"),
    lambda row: f"Plan “{row.title}”",
    "account_id",
)
# An action's history: its status and due date as its owner or its KAMs move them.
ACTION = Tracked(
    "action",
    "Action",
    Action,
    ("title", "owner", "due_date", "status"),
    lambda row: f"Action “{row.title}”",
    "plan__account_id",
)
COMMITMENT = Tracked(
    "commitment",
    "Commitment",
    Commitment,
    (*Commitment.TERMS, "active"),
    lambda row: f"Commitment “{row.promise}”",
    "account_id",
)
OPPORTUNITY = Tracked(
    "opportunity",
    "Opportunity",
    Opportunity,
    (
        "estimated_value",
        "probability",
        "expected_close",
        "owner",
        "status",
        "lost_reason",
    ),
    lambda row: f"Opportunity “{row.category}”",
    "member",
    related=("category",),
)


def version_entries(account: Account, limit: int) -> list[HistoryEntry]:
    """The account's newest `limit` saved plan versions, as history lines (one query)."""
    versions = (
        PlanVersion.objects.filter(plan__account=account)
        .select_related("created_by", "plan")
        .defer("snapshot", "plan__investment_budget")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        HistoryEntry(
            when=version.created_at,
            who=version.created_by,
            subject=f"Plan “{version.plan.title}”",
            action=f"version {version.number} saved",
            note=_with_comment(version),
        )
        for version in versions
    ]


def _with_comment(version: PlanVersion) -> str:
    """The version's note and the director's comment (approving, sending back, archiving),
    unless the note holds it whole already."""
    if not version.comment or version.comment in version.note:
        return version.note
    return f"{version.note}: {version.comment}"


def share_entries(account: Account, limit: int) -> list[HistoryEntry]:
    """The plan shared with the customer, in the account's history: links made and revoked,
    and what the customer answered on an action (kept as typed, shown escaped); two queries."""
    entries = []
    shares = (
        PlanShare.objects.filter(plan__account=account)
        .select_related("contact", "created_by", "revoked_by", "plan")
        .order_by("-created_at", "-pk")[:limit]
    )
    for share in shares:
        subject = f"Plan “{share.plan.title}”"
        entries.append(
            HistoryEntry(
                when=share.created_at,
                who=share.created_by,
                subject=subject,
                action=f"shared with {share.contact.name}",
                note=f"link valid until {share.expires_at:%d %b %Y}",
            )
        )
        if share.revoked_at is not None:
            entries.append(
                HistoryEntry(
                    when=share.revoked_at,
                    who=share.revoked_by,
                    subject=subject,
                    action=f"link for {share.contact.name} revoked",
                )
            )
    responses = (
        PlanShareResponse.objects.filter(share__plan__account=account)
        .select_related("share__contact", "action")
        .order_by("-created_at", "-pk")[:limit]
    )
    for response in responses:
        verb = "acknowledged" if response.kind == ResponseKind.ACKNOWLEDGED else "commented on"
        entries.append(
            HistoryEntry(
                when=response.created_at,
                who=f"{response.share.contact.name} (customer)",
                subject=f"Action “{response.action.title}”",
                action=f"{verb} through the shared plan",
                note=response.body,
            )
        )
    return entries
