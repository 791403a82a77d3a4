"""Reads of the plan shared with the customer: a plan's links for the KAM, and what one link
shows the customer (only the parts the KAM selected)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Prefetch

from accounts.runs import account_score
from plans.models import (
    Action,
    Commitment,
    Objective,
    Plan,
    PlanSection,
    PlanShare,
    PlanShareResponse,
    ResponseKind,
    SectionKind,
)
from plans.selectors.commitments import measurement_series
from plans.selectors.plans import ObjectiveRow, objective_progress

RESPONSES_SHOWN = 20


def plan_shares(plan: Plan) -> list[PlanShare]:
    """The plan's links, newest first, with their contact, openings (count, last) and the
    customer's answers (a fixed number of queries)."""
    return list(
        PlanShare.objects.filter(plan=plan)
        .select_related("contact", "created_by")
        .annotate(
            opening_count=Count("openings", distinct=True), last_opened=Max("openings__opened_at")
        )
        .prefetch_related(
            Prefetch(
                "responses",
                queryset=PlanShareResponse.objects.select_related("action").order_by(
                    "-created_at", "-pk"
                ),
            )
        )
        .order_by("-created_at", "-pk")
    )


@dataclass
class SharedPage:
    share: PlanShare
    sections: list[tuple[str, str]]
    objectives: list[ObjectiveRow]
    actions: list[Action]
    commitments: list[Commitment]
    acknowledged: set[int]
    comments: dict[int, list[PlanShareResponse]]
    results: dict[int, list[Any]]
    today: dt.date


def shared_page(*, share: PlanShare, run: Any, today: dt.date) -> SharedPage:
    """What the link shows: the selected sections, objectives (with progress), actions (with
    what this contact answered) and commitments; nothing else of the plan or the account."""
    plan = share.plan
    labels = dict(SectionKind.choices)
    bodies = {
        s.kind: s.body for s in PlanSection.objects.filter(plan=plan, kind__in=share.sections)
    }
    sections = [(str(labels[k]), bodies[k]) for k in share.sections if bodies.get(k, "").strip()]
    score = account_score(plan.account, run)
    objectives = [
        ObjectiveRow(o, objective_progress(o, score=score, stage=plan.account.stage))
        for o in Objective.objects.filter(pk__in=share.objectives.values("pk"), plan=plan).order_by(
            "due_date", "pk"
        )
    ]
    actions = list(
        Action.objects.filter(pk__in=share.actions.values("pk"), plan=plan)
        .select_related("owner")
        .order_by("due_date", "title", "pk")
    )
    commitments = list(
        Commitment.objects.filter(
            pk__in=share.commitments.values("pk"), plan=plan, active=True
        ).order_by("category", "pk")
    )
    acknowledged: set[int] = set()
    comments: dict[int, list[PlanShareResponse]] = {}
    for response in PlanShareResponse.objects.filter(share=share).order_by("created_at", "pk"):
        if response.kind == ResponseKind.ACKNOWLEDGED:
            acknowledged.add(response.action_id)
        else:
            comments.setdefault(response.action_id, []).append(response)
    results = measurement_series([c.pk for c in commitments])
    for action in actions:
        action.customer_comments = comments.get(action.pk, [])
        action.acknowledged = action.pk in acknowledged
    for commitment in commitments:
        commitment.results = results.get(commitment.pk, [])
    return SharedPage(
        share, sections, objectives, actions, commitments, acknowledged, comments, results, today
    )
