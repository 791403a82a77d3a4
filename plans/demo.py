"""The demo portfolio's plans data: the service teams, one living plan per key account, and the
service commitments operations keep track of (steps of the demo builder, kam/demo/builder.py)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from itertools import pairwise

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.demo import vocabulary as words
from accounts.demo.customers import Customer
from accounts.demo.people import Cast
from accounts.demo.relationships import HISTORY_REASON, LADDER, at
from accounts.demo.volumes import Window
from accounts.models import Stage, User
from plans.models import (
    Action,
    ActionFamily,
    ActionStatus,
    Commitment,
    CommitmentStatus,
    CommitmentStatusChange,
    Comparison,
    Measurement,
    Objective,
    ObjectiveMetric,
    Plan,
    PlanSection,
    PlanStatus,
    PlanVersion,
    SectionKind,
    ServiceTeam,
    Solution,
)
from plans.selectors.plans import plan_snapshots
from plans.services.commitments import commitments_evaluate

PLAN_STATUS_SHARES = [
    (PlanStatus.APPROVED, 0.45),
    (PlanStatus.DRAFT, 0.2),
    (PlanStatus.SUBMITTED, 0.2),
    (PlanStatus.UNDER_REVIEW, 0.15),
]
# Monthly measurements; 31 days so the status is the same on every day of the anchor month.
CADENCE_DAYS = 31


def _money(amount: float, step: int = 1000) -> Decimal:
    return Decimal(max(step, round(amount / step) * step))


def _short_amount(amount: float) -> str:
    currency = settings.KAM_CURRENCY
    if amount >= 1_000_000:
        return f"{currency} {amount / 1_000_000:.2f}m"
    return f"{currency} {amount / 1000:.0f}k"


def _statuses(rng: random.Random, count: int) -> list[str]:
    statuses = []
    for status, share in PLAN_STATUS_SHARES:
        statuses += [status] * max(1, round(count * share))
    statuses = statuses[:count]
    while len(statuses) < count:
        statuses.append(PlanStatus.APPROVED)
    rng.shuffle(statuses)
    return statuses


def _plan_period(anchor: dt.date) -> tuple[dt.date, dt.date]:
    """A rolling twelve-month plan starting with the anchor's calendar quarter."""
    start = dt.date(anchor.year, (anchor.month - 1) // 3 * 3 + 1, 1)
    return start, dt.date(start.year + 1, start.month, 1) - dt.timedelta(days=1)


def create_plans(
    rng: random.Random,
    keys: list[Customer],
    teams: dict[int, list[User]],
    cast: Cast,
    window: Window,
    trailing_12: dict[int, int],
) -> dict[int, Plan]:
    """A current plan per key account, spread over draft, submitted, approved and under
    review (those with their review date passed), with every section written,
    2-4 objectives, 1-3 solutions, 4-10 actions (some overdue) and version 1 saved."""
    anchor = window.anchor
    period_start, period_end = _plan_period(anchor)
    plans = []
    for customer, status in zip(keys, _statuses(rng, len(keys)), strict=True):
        kam = cast.kams[customer.kam_index]
        approved_plan = status in (PlanStatus.APPROVED, PlanStatus.UNDER_REVIEW)
        # Reviews are quarterly. A plan under review was approved long enough ago that its
        # review date has passed; an approved one so recently that its review date lies beyond
        # the anchor month (the daily job puts approved plans past review under review).
        overdue = status == PlanStatus.UNDER_REVIEW
        drafted = anchor - dt.timedelta(
            days=rng.randint(130, 220) if overdue else rng.randint(20, 55)
        )
        plan = Plan(
            account_id=customer.pk,
            title=f"{customer.short_name}: account plan {period_start:%b %Y}-{period_end:%b %Y}",
            period_start=period_start,
            period_end=period_end,
            status=status,
            review_date=period_start + dt.timedelta(days=91),
            investment_budget=_money(customer.revenue * rng.uniform(0.005, 0.03)),
            created_by=kam,
        )
        if status != PlanStatus.DRAFT:
            plan.submitted_at = at(drafted + dt.timedelta(days=rng.randint(3, 10)), rng)
        if approved_plan:
            approved = plan.submitted_at.date() + dt.timedelta(days=rng.randint(2, 8))
            plan.approved_by = cast.director
            plan.approved_at = at(approved, rng)
            plan.review_date = approved + dt.timedelta(days=91)
        plans.append(plan)
    created = bulk_create_with_history(
        plans, Plan, batch_size=1000, default_change_reason=HISTORY_REASON
    )
    by_index = {customer.index: plan for customer, plan in zip(keys, created, strict=True)}

    sections, objectives, solutions, actions = [], [], [], []
    for customer in keys:
        plan = by_index[customer.index]
        kam = cast.kams[customer.kam_index]
        revenue = trailing_12.get(customer.index, 0) / 100
        sections += _sections(rng, customer, plan, revenue, kam)
        objectives += _objectives(rng, customer, plan, revenue)
        solutions += _solutions(rng, plan, revenue)
        actions += _actions(rng, plan, [kam, *teams[customer.index]], anchor)
    PlanSection.objects.bulk_create(sections, batch_size=2000)
    Objective.objects.bulk_create(objectives, batch_size=2000)
    Solution.objects.bulk_create(solutions, batch_size=2000)
    Action.objects.bulk_create(actions, batch_size=2000)
    # Version 1 in the plans app's own snapshot format, so versions compare like any other.
    snapshots = plan_snapshots(created)
    PlanVersion.objects.bulk_create(
        [
            PlanVersion(
                plan=plan,
                number=1,
                snapshot=snapshots[plan.pk],
                note="First version",
                created_by=plan.created_by,
                created_at=plan.submitted_at or at(anchor - dt.timedelta(days=10), rng),
            )
            for plan in created
        ],
        batch_size=500,
    )
    # An approved plan (or one under review) was approved as version 1.
    Plan.objects.filter(pk__in=[plan.pk for plan in created], approved_at__isnull=False).update(
        approved_version=Subquery(
            PlanVersion.objects.filter(plan=OuterRef("pk"), number=1).values("pk")[:1]
        )
    )
    return by_index


def _sections(
    rng: random.Random, customer: Customer, plan: Plan, revenue: float, kam: User
) -> list[PlanSection]:
    categories = [name for name, *_ in words.PRODUCT_CATEGORIES]
    category, category2 = rng.sample(categories, 2)
    competitor, competitor2 = rng.sample(words.COMPETITORS, 2)
    share = min(95, round(100 * revenue / customer.category_spend)) if revenue else 5
    values = {
        "name": customer.short_name,
        "size": rng.choice(words.SIZES),
        "industry": customer.industry.lower(),
        "country": words.COUNTRY_NAMES[customer.country],
        "reach": rng.choice(words.REACHES),
        "strategy": rng.choice(words.STRATEGIES),
        "category_role": rng.choice(words.CATEGORY_ROLES),
        "growth": f"{customer.market_growth:.1f}",
        "category": category.lower(),
        "category2": category2.lower(),
        "city": rng.choice(words.CITIES[customer.country]),
        "competitor": competitor,
        "competitor2": competitor2,
        "competitor_share": max(5, min(70, 100 - share - rng.randint(10, 30))),
        "share": share,
        "perception": rng.choice(words.PERCEPTIONS),
        "satisfaction": rng.randint(58, 88),
        "percent": rng.choice([20, 25, 40, 50]),
        "pallets": rng.randint(4, 60) * 5,
        "budget": _short_amount(float(plan.investment_budget)),
    }
    return [
        PlanSection(
            plan=plan,
            kind=kind,
            body=rng.choice(words.SECTION_TEXTS[kind.value]).format(**values),
            updated_by=kam,
        )
        for kind in SectionKind
    ]


def _objectives(
    rng: random.Random, customer: Customer, plan: Plan, revenue: float
) -> list[Objective]:
    due = plan.period_end
    growth = rng.uniform(0.04, 0.2)
    objectives = [
        Objective(
            plan=plan,
            metric=ObjectiveMetric.REVENUE,
            description=(
                f"Grow revenue from {_short_amount(revenue)} to "
                f"{_short_amount(revenue * (1 + growth))}"
            ),
            baseline_value=Decimal(f"{revenue:.2f}"),
            target_value=_money(revenue * (1 + growth)),
            due_date=due,
        )
    ]
    extra = [ObjectiveMetric.PROFIT, ObjectiveMetric.SHARE_OF_WALLET]
    if customer.stage != Stage.STRATEGIC:
        extra.append(ObjectiveMetric.STAGE)
    for metric in rng.sample(extra, rng.randint(1, len(extra))):
        if metric == ObjectiveMetric.PROFIT:
            profit = revenue * rng.uniform(0.06, 0.16)
            objectives.append(
                Objective(
                    plan=plan,
                    metric=metric,
                    description="Lift net profit after cost to serve",
                    baseline_value=Decimal(f"{profit:.2f}"),
                    target_value=_money(profit * rng.uniform(1.1, 1.3)),
                    due_date=due,
                )
            )
        elif metric == ObjectiveMetric.SHARE_OF_WALLET:
            share = min(95.0, 100 * revenue / customer.category_spend)
            target = min(98.0, share + rng.uniform(4, 15))
            objectives.append(
                Objective(
                    plan=plan,
                    metric=metric,
                    description=f"Raise our share of their category spend to {target:.0f}%",
                    baseline_value=Decimal(f"{share:.2f}"),
                    target_value=Decimal(f"{target:.2f}"),
                    due_date=due,
                )
            )
        else:
            target_stage = (
                Stage.COOPERATIVE
                if customer.stage == Stage.DISENGAGING
                else LADDER[LADDER.index(customer.stage) + 1]
            )
            objectives.append(
                Objective(
                    plan=plan,
                    metric=metric,
                    description=f"Reach the {Stage(target_stage).label.lower()} stage",
                    target_stage=target_stage,
                    due_date=due,
                )
            )
    return objectives


def _solutions(rng: random.Random, plan: Plan, revenue: float) -> list[Solution]:
    return [
        Solution(
            plan=plan,
            title=title,
            description=description,
            value_measure=measure,
            value_amount=_money(max(revenue, 50_000) * rng.uniform(0.01, 0.06)),
        )
        for title, description, measure in rng.sample(words.SOLUTIONS, rng.randint(1, 3))
    ]


def _actions(rng: random.Random, plan: Plan, people: list[User], anchor: dt.date) -> list[Action]:
    families = list(ActionFamily)
    rng.shuffle(families)
    count = rng.randint(4, 10)
    used: set[str] = set()
    actions = []
    for position in range(count):
        family = families[position % len(families)]
        # At most two actions per family (ten over five), and every family has three titles.
        title = rng.choice([t for t in words.ACTIONS[family.value] if t not in used])
        used.add(title)
        due = anchor + dt.timedelta(days=rng.randint(-150, 200))
        roll = rng.random()
        if due < anchor:
            # Past due: most done, the rest overdue (still open or in progress).
            status = (
                ActionStatus.DONE
                if roll < 0.6
                else ActionStatus.IN_PROGRESS
                if roll < 0.8
                else ActionStatus.OPEN
            )
        else:
            status = (
                ActionStatus.OPEN
                if roll < 0.5
                else ActionStatus.IN_PROGRESS
                if roll < 0.9
                else ActionStatus.DONE
                if roll < 0.95
                else ActionStatus.CANCELLED
            )
        completed = None
        if status == ActionStatus.DONE:
            done_on = min(due, anchor - dt.timedelta(days=1)) - dt.timedelta(
                days=rng.randint(0, 20)
            )
            completed = at(done_on, rng)
        actions.append(
            Action(
                plan=plan,
                family=family,
                title=title,
                owner=rng.choice(people) if rng.random() < 0.5 else people[0],
                due_date=due,
                status=status,
                completed_at=completed,
            )
        )
    return actions


# Share of commitments whose latest measurement is comfortably met, near the target, missed.
PROFILES = (("good", 0.6), ("near", 0.22), ("miss", 0.18))


def create_commitments(
    rng: random.Random,
    keys: list[Customer],
    plans: dict[int, Plan],
    teams: dict[str, ServiceTeam],
    cast: Cast,
    window: Window,
) -> list[Commitment]:
    """1-4 service commitments for most key accounts (not the ones still being courted),
    each with 6-12 monthly measurements; some recently missed or close to the target."""
    anchor = window.anchor
    commitments, profiles = [], []
    for customer in keys:
        if customer.stage == Stage.EXPLORATORY or rng.random() < 0.12:
            continue
        for template in rng.sample(words.COMMITMENTS, rng.randint(1, 4)):
            created = anchor - dt.timedelta(days=rng.randint(400, 700))
            commitments.append(
                Commitment(
                    account_id=customer.pk,
                    plan=plans[customer.index],
                    category=template.category,
                    promise=template.promise.format(target=template.target),
                    comparison=template.comparison,
                    target_value=Decimal(template.target),
                    unit=template.unit,
                    cadence_days=CADENCE_DAYS,
                    at_risk_margin=Decimal(template.at_risk_margin),
                    responsible_team=teams[template.team],
                    status=CommitmentStatus.DUE,
                    status_changed_at=at(created, rng),
                    created_by=cast.kams[customer.kam_index],
                )
            )
            roll, profile = rng.random(), "good"
            for name, share in PROFILES:
                if roll < share:
                    profile = name
                    break
                roll -= share
            profiles.append((template, profile))
    created = bulk_create_with_history(
        commitments, Commitment, batch_size=1000, default_change_reason=HISTORY_REASON
    )
    measurements = []
    for commitment, (template, profile) in zip(created, profiles, strict=True):
        count = rng.randint(6, min(12, window.months))
        bounds = [*window.month_starts[-count:], anchor]
        for position, (start, following) in enumerate(pairwise(bounds)):
            end = following - dt.timedelta(days=1)
            latest = position == count - 1
            value = measured_value(rng, template, profile if latest else _history_profile(rng))
            measurements.append(
                Measurement(
                    commitment=commitment,
                    value=value,
                    period_start=start,
                    period_end=end,
                    recorded_by=rng.choice(cast.operations),
                    recorded_at=at(end, rng),
                )
            )
    Measurement.objects.bulk_create(measurements, batch_size=2000)
    return created


def _history_profile(rng: random.Random) -> str:
    roll = rng.random()
    return "good" if roll < 0.75 else "near" if roll < 0.92 else "miss"


def measured_value(rng: random.Random, template: words.CommitmentTemplate, profile: str) -> Decimal:
    """A month's value: comfortably on the good side, inside the at-risk margin, or missed."""
    target = float(template.target)
    margin = float(template.at_risk_margin)
    good_side = 1 if template.comparison == Comparison.AT_LEAST else -1
    if profile == "good":
        distance = margin * rng.uniform(1.2, 2.5) + abs(rng.gauss(0, template.spread))
    elif profile == "near":
        distance = margin * rng.uniform(0.15, 0.85)
    else:
        distance = -margin * rng.uniform(0.3, 2.0)
    value = target + good_side * distance
    if template.unit == "%":
        value = min(100.0, value)
    # As precise as the margin needs, so rounding never moves a value across a boundary.
    places = 2 if margin < 1 else 1 if margin < 10 else 0
    return Decimal(f"{max(0.0, value):.{places}f}")


def set_commitment_statuses(commitments: list[Commitment], today: dt.date) -> int:
    """Statuses come from the one rule (plans.services.commitments_evaluate); the status
    changes it records are marked as notified, because seeding is history, not news: no
    e-mails go out for them (the in-app notifications stay, so the bell has content)."""
    result = commitments_evaluate(commitment_ids=[c.pk for c in commitments], today=today)
    CommitmentStatusChange.objects.filter(pk__in=[c.pk for c in result.changes]).update(
        notified_at=timezone.now()
    )
    return result.evaluated


def create_service_teams(cast: Cast) -> dict[str, ServiceTeam]:
    """Logistics, Quality and Customer service, with the operations users as members."""
    teams = {}
    for name in words.SERVICE_TEAMS:
        teams[name], _ = ServiceTeam.objects.get_or_create(name=name)
    Members = ServiceTeam.members.through
    Members.objects.bulk_create(
        [
            Members(serviceteam_id=team.pk, user_id=user.pk)
            for team in teams.values()
            for user in cast.operations
        ],
        ignore_conflicts=True,
    )
    return teams
