"""API test fixtures: one portfolio with every role, and clients authenticated by API token.

`world` holds two key accounts (one served by `own_kam` with `team_kam` on its team, one by
`other_kam`) with one object of every kind the API serves, a standard account nobody serves,
and a user per role. `api(role)` returns a DRF client sending that user's token.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIClient

from accounts.api.tokens import api_token_create
from accounts.models import Interaction, ProductCategory
from plans.models import ActionNote, Notification, PlanVersion, SectionKind
from scoring.models import (
    AccountScore,
    Criterion,
    GroupSnapshot,
    HealthScore,
    MetricSnapshot,
    Quadrant,
    RunStatus,
    RunTrigger,
    ScoringRun,
    SpendEstimate,
)
from tests import factories
from tests.portfolio.builders import explain

ROLES = ["anonymous", "other_kam", "own_kam", "team_kam", "director", "operations", "admin"]


@dataclass
class World:
    users: dict[str, Any]
    objects: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def token_for(user: Any) -> str:
    _, raw = api_token_create(user=user, name="tests")
    return raw


def client_for(token: str | None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def plan_body(account: Any, **extra: Any) -> dict[str, Any]:
    """The body of a new plan for 2027 on `account`; `extra` changes or adds fields."""
    return {
        "account": account.pk,
        "title": "Plan 2027",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "review_date": "2027-06-30",
        **extra,
    }


def finished_run() -> ScoringRun:
    now = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)
    return ScoringRun.objects.create(
        status=RunStatus.SUCCEEDED,
        trigger=RunTrigger.SCHEDULE,
        as_of=dt.date(2026, 11, 1),
        started_at=now,
        finished_at=now,
        progress_pct=100,
    )


def health_for(run: ScoringRun, account: Any) -> HealthScore:
    return HealthScore.objects.create(
        run=run,
        account=account,
        as_of=run.as_of,
        score=Decimal("62.50"),
        band="amber",
        coverage_points=Decimal(50),
        attitude_points=Decimal(50),
        recency_points=Decimal(100),
        stage=account.stage,
    )


def score_for(run: ScoringRun, account: Any, rank: int) -> AccountScore:
    criterion = Criterion.objects.get(key="strategic_value")
    explain(
        run, account, [(criterion, Decimal("4"), Decimal("80"), criterion.weight, Decimal("60.00"))]
    )
    return AccountScore.objects.create(
        run=run,
        account=account,
        revenue=Decimal("1200000.00"),
        attractiveness=Decimal("60.00"),
        relative_strength=Decimal("55.00"),
        quadrant=Quadrant.STRATEGIC,
        rank=rank,
        stage=account.stage,
        status=account.status,
    )


@pytest.fixture
def world(db) -> World:
    own_kam = factories.KamFactory(username="own-kam")
    team_kam = factories.KamFactory(username="team-kam")
    other_kam = factories.KamFactory(username="other-kam")
    users = {
        "anonymous": AnonymousUser(),
        "other_kam": other_kam,
        "own_kam": own_kam,
        "team_kam": team_kam,
        "director": factories.DirectorFactory(username="dir"),
        "operations": factories.OperationsFactory(username="ops"),
        "admin": factories.AdminFactory(username="root"),
    }
    account = factories.KeyAccountFactory(kam=own_kam, name="Acme Automotive")
    factories.TeamMembershipFactory(account=account, user=team_kam)
    other_account = factories.KeyAccountFactory(kam=other_kam, name="Other Industries")
    plan = factories.PlanFactory(account=account, review_date=dt.date(2099, 1, 1))
    for kind in SectionKind:
        factories.PlanSectionFactory(plan=plan, kind=kind, body=f"{kind.label} text")
    other_plan = factories.PlanFactory(account=other_account)
    commitment = factories.CommitmentFactory(account=account, plan=plan)
    activity_type = factories.ActivityTypeFactory(code="sales-visit")
    run = finished_run()
    world = World(users=users)
    world.objects = {
        "account": account,
        "other_account": other_account,
        "standard_account": factories.AccountFactory(name="Walk-in Customer"),
        "plan": plan,
        "other_plan": other_plan,
        "version": PlanVersion.objects.create(
            plan=plan, number=1, snapshot={"status": "draft"}, comment="Needs dates"
        ),
        "section": plan.sections.get(kind=SectionKind.POSITION),
        "objective": factories.ObjectiveFactory(plan=plan),
        "action": factories.ActionFactory(plan=plan),
        "contact": factories.ContactFactory(account=account),
        "team_member": account.team_memberships.get(),
        "stage_change": account.stage_changes.create(
            from_stage="tactical", to_stage="cooperative", reason="Weekly calls"
        ),
        "sales_line": factories.SalesLineFactory(account=account),
        "activity_type": activity_type,
        "activity": factories.ActivityFactory(account=account, activity_type=activity_type),
        "cost_rate": factories.CostRateFactory(activity_type=activity_type),
        "criterion": Criterion.objects.get(key="strategic_value"),
        "rating": factories.RatingFactory(account=account, rated_by=own_kam),
        "score": score_for(run, account, rank=1),
        "other_score": score_for(run, other_account, rank=2),
        "run": run,
        "healthscore": health_for(run, account),
        "snapshot": MetricSnapshot.objects.create(
            account=account, period_start=dt.date(2026, 7, 1), run=run, is_key=True
        ),
        "groupsnapshot": GroupSnapshot.objects.create(
            account=account, period_start=dt.date(2026, 7, 1), run=run, is_key=True, members=2
        ),
        "commitment": commitment,
        "measurement": factories.MeasurementFactory(commitment=commitment),
        "spend_estimate": SpendEstimate.objects.create(
            account=account,
            category=ProductCategory.objects.create(name="Bearings"),
            year=2026,
            estimated_spend=Decimal("1000.00"),
            source="customer",
        ),
    }
    interaction = Interaction.objects.create(
        account=account, occurred_on=dt.date(2026, 5, 4), kind="call", subject="Forecast call"
    )
    interaction.contacts.set([world.objects["contact"]])
    interaction.our_people.set([own_kam])
    world.objects["interaction"] = interaction
    world.objects["action_note"] = ActionNote.objects.create(
        action=world.objects["action"], author=own_kam, text="Agenda sent"
    )
    world.objects["opportunity"] = factories.OpportunityFactory(
        plan=plan, category=world.objects["spend_estimate"].category, owner=own_kam
    )
    world.objects["notification"] = {
        role: Notification.objects.create(
            recipient=user, subject=f"For {role}", dedupe_key=f"test:{role}"
        )
        for role, user in users.items()
        if role != "anonymous"
    }
    world.tokens = {role: token_for(user) for role, user in users.items() if role != "anonymous"}
    return world


@pytest.fixture
def api(world: World):
    def make(role: str) -> APIClient:
        return client_for(world.tokens.get(role))

    return make
