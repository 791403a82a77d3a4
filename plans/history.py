"""What plans adds to the history of an account and to the audit log: its tracked models
(plans, commitments, opportunities) and the saved plan versions (registered in
`PlansConfig.ready`)."""

from __future__ import annotations

from typing import Any

from accounts.models import Account
from kam.history import HistoryEntry, Tracked
from plans.models import Commitment, Opportunity, Plan, PlanVersion

PLAN = Tracked(
    "plan",
    "Plan",
    Plan,
    ("title", "period_start", "period_end", "status", "review_date", "investment_budget"),
    lambda row: f"Plan “{row.title}”",
    "account_id",
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


def version_entries(account: Account, limit: int, loaded: dict[str, Any]) -> list[HistoryEntry]:
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
