"""Every list endpoint reads a page in a fixed number of queries: the same for 5 rows as for 200
(the largest page), as a director reading the whole portfolio and as a KAM reading their own.

Each request costs: the token with its user (1), the user's roles (1, except for the lists
whose rows do not depend on them), then its page (1) and, under page-number pagination, the
total count (1); cursor pagination counts nothing. A few lists read one more thing first,
named in EXTRA.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.api.tokens import api_token_create
from accounts.models import (
    Account,
    AccountStatus,
    Activity,
    ActivityType,
    ApiToken,
    Contact,
    Interaction,
    ProductCategory,
    SalesLine,
    StageChange,
    TeamMembership,
    User,
)
from plans.models import (
    Action,
    ActionNote,
    Commitment,
    Measurement,
    Notification,
    Objective,
    Opportunity,
    Plan,
    PlanSection,
    PlanVersion,
    SectionKind,
)
from scoring.models import (
    AccountScore,
    CostRate,
    Criterion,
    CriterionKind,
    GroupSnapshot,
    HealthScore,
    MetricSnapshot,
    Rating,
    RunStatus,
    RunTrigger,
    ScoringRun,
    SpendEstimate,
)
from tests import factories
from tests.api.conftest import client_for, finished_run
from tests.api.test_permission_matrix import LIST_ENDPOINTS

TOKEN = 1
ROLES = 1
# Reference data and the reader's own notifications: the same rows whatever the reader's roles.
ROLE_FREE = {"activitytype", "criterion", "notification"}
PAGE = 1
COUNT = 1
CURSOR_LISTS = {"account", "salesline", "activity"}
# Lists that read more: the current scoring run (accounts' figures, the scores shown), and the
# accounts' members (one prefetch). Interactions: their contacts and our people (two prefetches).
EXTRA = {"account": 2, "score": 1, "interaction": 2}
# Reference lists every role reads whole (not scoped to the reader's accounts).
PORTFOLIO_ONLY = {"scoringrun", "costrate"}


def expected_queries(basename: str) -> int:
    pagination = PAGE if basename in CURSOR_LISTS else PAGE + COUNT
    roles = 0 if basename in ROLE_FREE else ROLES
    return TOKEN + roles + EXTRA.get(basename, 0) + pagination


def _accounts(n: int, kam: User) -> list[Account]:
    return Account.objects.bulk_create(
        Account(erp_code=f"Q{i:05d}", name=f"Query {i}", status=AccountStatus.KEY, kam=kam)
        for i in range(n)
    )


def build(basename: str, n: int, kam: User, account: Account, reader: User) -> None:
    """n rows of the endpoint's kind, all on accounts `kam` serves (notifications: the
    reader's own)."""
    day = dt.date(2026, 1, 1)
    if basename == "account":
        _accounts(n - 1, kam)
    elif basename == "stagechange":
        StageChange.objects.bulk_create(
            StageChange(account=account, from_stage="tactical", to_stage="cooperative", reason="r")
            for _ in range(n)
        )
    elif basename == "contact":
        Contact.objects.bulk_create(
            Contact(account=account, name=f"C{i}", buying_role="user", influence=3)
            for i in range(n)
        )
    elif basename == "interaction":
        contact = Contact.objects.create(
            account=account, name="Met", buying_role="user", influence=3
        )
        rows = Interaction.objects.bulk_create(
            Interaction(account=account, occurred_on=day, kind="call", subject=f"Call {i}")
            for i in range(n)
        )
        Interaction.contacts.through.objects.bulk_create(
            Interaction.contacts.through(interaction=row, contact=contact) for row in rows
        )
        Interaction.our_people.through.objects.bulk_create(
            Interaction.our_people.through(interaction=row, user=kam) for row in rows
        )
    elif basename == "teammember":
        users = User.objects.bulk_create(User(username=f"member{i}") for i in range(n))
        TeamMembership.objects.bulk_create(
            TeamMembership(account=account, user=user, functional_role="sales") for user in users
        )
    elif basename == "salesline":
        SalesLine.objects.bulk_create(
            SalesLine(
                account=account,
                date=day,
                quantity=1,
                revenue=10,
                cost_of_goods=5,
                erp_document=f"D{i}",
                erp_line=1,
            )
            for i in range(n)
        )
    elif basename in ("activitytype", "activity", "costrate"):
        types = ActivityType.objects.bulk_create(
            ActivityType(code=f"t{i}", name=f"T{i}", driver_unit="visit") for i in range(n)
        )
        if basename == "activity":
            Activity.objects.bulk_create(
                Activity(account=account, activity_type=t, date=day, quantity=1) for t in types
            )
        if basename == "costrate":
            CostRate.objects.bulk_create(
                CostRate(
                    activity_type=t,
                    period_start=day,
                    period_end=day,
                    cost_pool=1,
                    driver_volume=1,
                    rate=1,
                )
                for t in types
            )
    elif basename == "plan":
        Plan.objects.bulk_create(_plans(n, account))
    elif basename == "planversion":
        plan = Plan.objects.bulk_create(_plans(1, account))[0]
        PlanVersion.objects.bulk_create(
            PlanVersion(plan=plan, number=i + 1, snapshot={"status": "draft"}, created_by=kam)
            for i in range(n)
        )
    elif basename == "plansection":
        plans = Plan.objects.bulk_create(_plans(-(-n // len(SectionKind)), account))
        sections = [PlanSection(plan=plan, kind=kind) for plan in plans for kind in SectionKind]
        PlanSection.objects.bulk_create(sections[:n])
    elif basename in ("objective", "action", "actionnote"):
        plan = Plan.objects.bulk_create(_plans(1, account))[0]
        if basename == "objective":
            Objective.objects.bulk_create(
                Objective(plan=plan, metric="revenue", target_value=1, due_date=day)
                for _ in range(n)
            )
        elif basename == "action":
            Action.objects.bulk_create(
                Action(plan=plan, family="personal_trust", title="a", owner=kam, due_date=day)
                for _ in range(n)
            )
        else:
            action = Action.objects.create(
                plan=plan, family="personal_trust", title="a", owner=kam, due_date=day
            )
            ActionNote.objects.bulk_create(
                ActionNote(action=action, author=kam, text=f"Note {i}") for i in range(n)
            )
    elif basename == "opportunity":
        plan = Plan.objects.bulk_create(_plans(1, account))[0]
        category = ProductCategory.objects.create(name="Bearings")
        Opportunity.objects.bulk_create(
            Opportunity(
                plan=plan,
                category=category,
                member=account,
                estimated_value=1,
                probability=50,
                expected_close=day,
                owner=kam,
            )
            for _ in range(n)
        )
    elif basename in ("commitment", "measurement"):
        team = factories.ServiceTeamFactory()
        commitments = Commitment.objects.bulk_create(
            Commitment(
                account=account,
                category="other",
                promise="p",
                comparison="gte",
                target_value=1,
                responsible_team=team,
            )
            for _ in range(n if basename == "commitment" else 1)
        )
        if basename == "measurement":
            Measurement.objects.bulk_create(
                Measurement(commitment=commitments[0], value=1, period_start=day, period_end=day)
                for _ in range(n)
            )
    elif basename == "notification":
        Notification.objects.bulk_create(
            Notification(recipient=reader, subject="s", dedupe_key=f"q{i}") for i in range(n)
        )
    elif basename == "criterion":
        Criterion.objects.all().delete()
        Criterion.objects.bulk_create(
            Criterion(key=f"c-{i}", label=f"Criterion {i}", kind=CriterionKind.RATED)
            for i in range(n)
        )
    elif basename == "rating":
        criterion = Criterion.objects.get(key="strategic_value")
        Rating.objects.bulk_create(
            Rating(account=account, criterion=criterion, value=3) for _ in range(n)
        )
    elif basename == "score":
        run = finished_run()
        accounts = [account, *_accounts(n - 1, kam)]
        AccountScore.objects.bulk_create(
            AccountScore(
                run=run,
                account=a,
                attractiveness=Decimal(50),
                relative_strength=Decimal(50),
                quadrant="star",
                rank=i + 1,
                stage=a.stage,
                status=a.status,
            )
            for i, a in enumerate(accounts)
        )
    elif basename == "scoringrun":
        ScoringRun.objects.bulk_create(
            ScoringRun(status=RunStatus.SUCCEEDED, trigger=RunTrigger.SCHEDULE, as_of=day)
            for _ in range(n)
        )
    elif basename == "healthscore":
        run = finished_run()
        HealthScore.objects.bulk_create(
            HealthScore(
                run=run, account=a, as_of=run.as_of, score=Decimal(60), band="amber",
                coverage_points=0, attitude_points=0, recency_points=0, stage=a.stage,
            )
            for a in [account, *_accounts(n - 1, kam)]
        )  # fmt: skip
    elif basename == "snapshot":
        MetricSnapshot.objects.bulk_create(
            MetricSnapshot(account=account, period_start=dt.date(1970 + i // 4, 1 + 3 * (i % 4), 1))
            for i in range(n)
        )
    elif basename == "groupsnapshot":
        GroupSnapshot.objects.bulk_create(
            GroupSnapshot(account=account, period_start=dt.date(1970 + i // 4, 1 + 3 * (i % 4), 1))
            for i in range(n)
        )
    elif basename == "spendestimate":
        category = ProductCategory.objects.create(name="Bearings")
        SpendEstimate.objects.bulk_create(
            SpendEstimate(
                account=account,
                category=category,
                year=1950 + i,
                estimated_spend=1,
                source="customer",
            )
            for i in range(n)
        )
    else:
        raise AssertionError(f"No rows builder for {basename}: add one")


def _plans(n: int, account: Account) -> list[Plan]:
    return [
        Plan(
            account=account,
            title=f"P{i}",
            period_start=dt.date(1900 + i, 1, 1),
            period_end=dt.date(1900 + i, 12, 31),
            review_date=dt.date(1900 + i, 6, 30),
        )
        for i in range(n)
    ]


def reader_token(user: User) -> str:
    _, raw = api_token_create(user=user, name="queries")
    # A token used within the last minute is not written again: the count is read-only.
    ApiToken.objects.filter(user=user).update(last_used_at=timezone.now())
    return raw


@pytest.fixture
def readers(db) -> dict[str, Any]:
    kam = factories.KamFactory(username="counted-kam")
    account = factories.KeyAccountFactory(kam=kam, erp_code="QKEY", name="Served")
    director = factories.DirectorFactory(username="counted-director")
    return {"kam": kam, "account": account, "director": director}


def _rows_in(response: Any) -> int:
    return len(response.json()["results"])


CASES = [
    (endpoint, role)
    for endpoint in LIST_ENDPOINTS
    for role in ("director", "kam")
    # The directors' lists refuse a KAM (see the permission matrix).
    if not (role == "kam" and endpoint.basename in PORTFOLIO_ONLY)
]


@pytest.mark.parametrize("rows", [5, 200])
@pytest.mark.parametrize(
    ("endpoint", "role"), CASES, ids=[f"{e.basename}-{role}" for e, role in CASES]
)
def test_list_query_count_is_constant(readers, role, rows, endpoint, django_assert_num_queries):
    reader = readers[role]
    build(endpoint.basename, rows, readers["kam"], readers["account"], reader)
    client = client_for(reader_token(reader))
    url = reverse(f"api:{endpoint.url_name}") + "?page_size=200"
    with django_assert_num_queries(expected_queries(endpoint.basename)):
        response = client.get(url)
    assert response.status_code == 200
    assert _rows_in(response) == rows
