"""The demo portfolio's scoring data: cost rates, the KAMs' ratings, the metric entries and
the white space (product categories, spend estimates, opportunities) (steps of the demo
builder, kam/demo/builder.py)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.demo import vocabulary
from accounts.demo.customers import Customer
from accounts.demo.people import Cast
from accounts.demo.relationships import at
from accounts.demo.volumes import ACTIVITY_KINDS, ActivityTally, SalesTally, Window
from accounts.models import (
    Account,
    AccountStatus,
    Activity,
    ActivityType,
    Attitude,
    Contact,
    ProductCategory,
    SalesLine,
    Stage,
    StageChange,
)
from plans.models import Action, Commitment, Opportunity, OpportunityStatus
from scoring.models import (
    CostRate,
    Criterion,
    CriterionKind,
    MetricEntry,
    MetricKind,
    Rating,
    SpendEstimate,
    SpendSource,
)


def create_cost_rates(
    types: dict[str, ActivityType], sales: SalesTally, recorded: ActivityTally
) -> list[CostRate]:
    """One rate per activity type and calendar year: the year's cost pool (a share of that
    year's revenue) over the driver volume actually recorded, kept at four places."""
    rates = []
    for kind in ACTIVITY_KINDS:
        for year in sorted(sales.revenue_by_year):
            milli = recorded.volume.get((kind.code, year), 0)
            if not milli:
                continue
            pool = Decimal(round(sales.revenue_by_year[year] * kind.pool_share)) / 100
            volume = Decimal(milli) / 1000
            rates.append(
                CostRate(
                    activity_type=types[kind.code],
                    period_start=dt.date(year, 1, 1),
                    period_end=dt.date(year, 12, 31),
                    cost_pool=pool,
                    driver_volume=volume,
                    rate=(pool / volume).quantize(Decimal("0.0001")),
                )
            )
    return bulk_create_with_history(rates, CostRate, default_change_reason="Demo portfolio")


RATING_COMMENTS = [
    "Confirmed in the last business review.",
    "Discussed with the director; see plan.",
    "Based on the customer's tender behaviour this year.",
    "",
    "",
    "",
]


def create_ratings(
    rng: random.Random, customers: list[Customer], cast: Cast, window: Window
) -> int:
    """The KAM's 1-5 rating of every rated criterion, for key accounts and candidates; some
    accounts also carry an older rating of one criterion (ratings are append-only)."""
    criteria = list(Criterion.objects.filter(kind=CriterionKind.RATED).order_by("position", "key"))
    rows = []
    for customer in customers:
        if customer.status == AccountStatus.STANDARD or customer.kam_index is None:
            continue
        kam = cast.kams[customer.kam_index]
        rated_on = window.anchor - dt.timedelta(days=rng.randint(5, 200))
        for criterion in criteria:
            value = min(5, max(1, round(customer.rating_level + rng.gauss(0, 0.8))))
            rows.append(
                Rating(
                    account_id=customer.pk,
                    criterion=criterion,
                    value=value,
                    comment=rng.choice(RATING_COMMENTS),
                    rated_by=kam,
                    rated_at=at(rated_on, rng),
                )
            )
            if rng.random() < 0.08:
                older = min(5, max(1, value + rng.choice([-1, 1])))
                rows.append(
                    Rating(
                        account_id=customer.pk,
                        criterion=criterion,
                        value=older,
                        rated_by=kam,
                        rated_at=at(rated_on - dt.timedelta(days=rng.randint(300, 400)), rng),
                    )
                )
    Rating.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


METRIC_BASE = {  # satisfaction, relationship quality, retention, advocacy; drift a quarter
    Stage.EXPLORATORY: (64, 58, 90, 55, 1.0),
    Stage.TACTICAL: (67, 62, 92, 58, 0.3),
    Stage.COOPERATIVE: (73, 70, 95, 66, 0.4),
    Stage.INTERDEPENDENT: (79, 77, 97, 73, 0.4),
    Stage.STRATEGIC: (85, 84, 98, 81, 0.3),
    Stage.DISENGAGING: (74, 70, 93, 66, -2.2),
}
INVESTMENT_ODDS = {Stage.INTERDEPENDENT: 0.3, Stage.STRATEGIC: 0.35, Stage.COOPERATIVE: 0.1}


def quarters(window: Window) -> list[dt.date]:
    """First days of the calendar quarters that lie wholly inside the window."""
    starts = []
    for month_start in window.month_starts:
        if month_start.month in (1, 4, 7, 10):
            end_index = month_start.year * 12 + month_start.month + 2
            end_year, end_month = divmod(end_index, 12)
            if dt.date(end_year, end_month + 1, 1) <= window.anchor:
                starts.append(month_start)
    return starts


def create_metric_entries(
    rng: random.Random, keys: list[Customer], cast: Cast, window: Window
) -> int:
    """Quarterly satisfaction, relationship quality, retention and advocacy for every key
    account over the window (trending with its stage), shared investments now and then."""
    periods = quarters(window)
    rows = []
    for customer in keys:
        satisfaction, quality, retention, advocacy, drift = METRIC_BASE[customer.stage]
        kam = cast.kams[customer.kam_index]
        count = len(periods)
        for position, period in enumerate(periods):
            # Drift counts back from today, so the latest quarter sits near the stage's level.
            shift = drift * (position - count + 1)
            values = {
                MetricKind.SATISFACTION: satisfaction + shift + rng.gauss(0, 2.5),
                MetricKind.RELATIONSHIP_QUALITY: quality + shift + rng.gauss(0, 2.5),
                MetricKind.RETENTION: retention + shift / 2 + rng.gauss(0, 1.5),
                MetricKind.ADVOCACY: advocacy + shift + rng.gauss(0, 3.0),
            }
            if rng.random() < INVESTMENT_ODDS.get(customer.stage, 0.0):
                values[MetricKind.SHARED_INVESTMENT] = rng.randint(20, 300) * 500
            # Entered a few days after the quarter closed, never after the anchor.
            entered = min(period + dt.timedelta(days=100), window.anchor - dt.timedelta(days=1))
            for metric, value in values.items():
                if metric != MetricKind.SHARED_INVESTMENT:
                    value = min(100.0, max(0.0, value))
                rows.append(
                    MetricEntry(
                        account_id=customer.pk,
                        period_start=period,
                        metric=metric,
                        value=Decimal(f"{value:.2f}"),
                        entered_by=kam,
                        entered_at=at(entered, rng),
                    )
                )
    MetricEntry.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --- Health and investment fit: accounts shaped so that every band and warning shows ----------


def shape_health_and_fit(
    customers: list[Customer], sales: SalesTally, cast: Cast, window: Window
) -> dict[str, str]:
    """Give the demo a story for each health band and each investment-fit rule (the nightly
    run then finds them; a few queries per shaped account). Volumes, rates and plans keep the
    demo's other rules (cost rates are the pool over the recorded volume, every plan complete):
    - the largest key account not yet interdependent or strategic is an under-invested Star: a
      strong customer we barely serve (its last year's activities were booked to another
      account, all its actions but one cancelled), its influential contacts without an owner,
      its satisfaction low;
    - the smallest key account carries those activities (a dedicated service for a small
      customer): it loses money after cost to serve and its KAM rates it low;
    - the next smallest is in a red relationship: its decision makers turned detractors, no
      contact for half a year, its actions overdue and the customer's voice low;
    - the smallest standard account was pushed to an interdependent relationship;
    - a key account whose commitments are all met, with a current approved plan, is made a
      healthy, green relationship.
    Returns the names of the shaped accounts by role."""
    keys = sorted(
        (c for c in customers if c.status == AccountStatus.KEY),
        key=lambda c: (-sales.trailing_12[c.index], c.index),
    )
    standard = sorted(
        (c for c in customers if c.status == AccountStatus.STANDARD),
        key=lambda c: (sales.trailing_12[c.index], c.index),
    )
    if len(keys) < 5 or not standard:
        return {}
    red, lossy = keys[-2], keys[-1]
    high = (Stage.INTERDEPENDENT, Stage.STRATEGIC)
    star = next((c for c in keys[:-2] if c.stage not in high), keys[0])
    troubled = set(
        Commitment.objects.filter(status__in=["at_risk", "breached"]).values_list(
            "account_id", flat=True
        )
    )
    others = [c for c in keys[:-2] if c is not star]
    green = next((c for c in others if c.pk not in troubled), others[0])

    # The under-invested Star, and the small account its service went to.
    year_ago = window.anchor - dt.timedelta(days=365)
    Activity.objects.filter(account_id=star.pk, date__gte=year_ago).update(account_id=lossy.pk)
    actions = Action.objects.filter(plan__account_id=star.pk).order_by("due_date", "pk")
    Action.objects.filter(pk__in=list(actions.values_list("pk", flat=True)[1:])).update(
        status="cancelled"
    )
    Contact.objects.filter(account_id=star.pk).update(relationship_owner=None)
    _voice(star, 30)
    _rate(star, 5, cast, window)
    _rate(lossy, 1, cast, window)

    # The healthy one.
    Contact.objects.filter(account_id=green.pk).update(
        attitude=Attitude.SUPPORTER, last_contact_on=window.anchor - dt.timedelta(days=5)
    )
    Contact.objects.filter(account_id=green.pk, relationship_owner__isnull=True).update(
        relationship_owner=cast.kams[green.kam_index]
    )
    Action.objects.filter(plan__account_id=green.pk, status__in=["open", "in_progress"]).update(
        due_date=window.anchor + dt.timedelta(days=60)
    )
    _voice(green, 92)

    # The red relationship.
    Contact.objects.filter(account_id=red.pk).update(
        attitude=Attitude.DETRACTOR,
        relationship_owner=None,
        last_contact_on=window.anchor - dt.timedelta(days=200),
    )
    Action.objects.filter(plan__account_id=red.pk).update(
        status="open", due_date=window.anchor - dt.timedelta(days=20)
    )
    _voice(red, 18)

    # Pushed up the ladder although it has little potential.
    pushed = standard[0]
    _move_stage(pushed, Stage.INTERDEPENDENT, cast, window, "Signed a sole-supplier agreement.")
    return {
        "under-invested star": star.name,
        "green": green.name,
        "red": red.name,
        "loss-making, over-served": lossy.name,
        "stage beyond potential": pushed.name,
    }


def _move_stage(customer: Customer, stage: str, cast: Cast, window: Window, reason: str) -> None:
    account = Account.objects.get(pk=customer.pk)
    if account.stage == stage:
        return
    day = window.anchor - dt.timedelta(days=40)
    mover = cast.kams[customer.kam_index] if customer.kam_index is not None else cast.director
    StageChange.objects.create(
        account=account,
        from_stage=account.stage,
        to_stage=stage,
        reason=reason,
        changed_by=mover,
        changed_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
    )
    Account.objects.filter(pk=account.pk).update(
        stage=stage, stage_since=timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
    )


def _rate(customer: Customer, value: int, cast: Cast, window: Window) -> None:
    kam = cast.kams[customer.kam_index] if customer.kam_index is not None else None
    rated_at = timezone.make_aware(
        dt.datetime.combine(window.anchor - dt.timedelta(days=2), dt.time(9))
    )
    Rating.objects.bulk_create(
        Rating(account_id=customer.pk, criterion=criterion, value=value, rated_by=kam,
               rated_at=rated_at, comment="Reviewed for the investment check.")
        for criterion in Criterion.objects.filter(kind=CriterionKind.RATED)
    )  # fmt: skip


def _voice(customer: Customer, value: int) -> None:
    latest = (
        MetricEntry.objects.filter(account_id=customer.pk)
        .order_by("-period_start")
        .values_list("period_start", flat=True)
        .first()
    )
    if latest is not None:
        MetricEntry.objects.filter(
            account_id=customer.pk,
            period_start=latest,
            metric__in=[MetricKind.SATISFACTION, MetricKind.ADVOCACY, MetricKind.RETENTION],
        ).update(value=Decimal(value))


# Categories customers buy only elsewhere so far: on the managed list, on no sales line.
ELSEWHERE_CATEGORIES = ["Linear motion", "Lubricants", "Sensors & controls"]
COMPETITORS = ["Nordlager AG", "Brevik Industrial", "Castell Components", "Meridian Supply"]
LOST_REASONS = ["Price: the competitor undercut us by 8 %", "Lead time too long for the ramp-up"]


def create_white_space(
    rng: random.Random, keys: list[Customer], plans: dict[int, Any], cast: Cast, window: Window
) -> tuple[int, int, int]:
    """Product categories, the key accounts' spend estimates and a few opportunities.

    Categories: those the sales lines name plus ELSEWHERE_CATEGORIES. Per key account and
    category it buys from us: an estimate of last year's spend of about our trailing-12-month
    revenue there over the account's share of wallet; one or two categories bought only
    elsewhere (white space, with the main competitor); the first key account's largest
    category is estimated below our revenue (the map flags it). Opportunities: the first key
    accounts with a plan get one open in a white-space cell; one is won, one lost with its
    reason. Returns (categories, estimates, opportunities)."""
    sold = [name for name, *_ in vocabulary.PRODUCT_CATEGORIES]
    categories = {
        name: ProductCategory.objects.get_or_create(name=name)[0]
        for name in [*sold, *ELSEWHERE_CATEGORIES]
    }
    last_day = window.anchor - dt.timedelta(days=1)
    year = last_day.year
    t12_start = window.month_starts[-12] if window.months >= 12 else window.start
    by_cell: dict[tuple[int, str], Decimal] = {}
    for account_id, name, revenue in (
        SalesLine.objects.filter(
            account_id__in=[c.pk for c in keys], date__gte=t12_start, date__lt=window.anchor
        )
        .values("account_id", "product_category")
        .annotate(revenue=Sum("revenue"))
        .values_list("account_id", "product_category", "revenue")
        .order_by("account_id", "product_category")
    ):
        by_cell[account_id, name] = revenue
    estimates = []
    opportunities = []
    white_cells: list[tuple[Customer, str]] = []
    for position, customer in enumerate(keys):
        kam = cast.kams[customer.kam_index] if customer.kam_index is not None else None
        share = max(0.05, min(0.9, customer.share_of_wallet))
        bought = [name for name in sold if by_cell.get((customer.pk, name), 0) > 0]
        for rank, name in enumerate(sorted(bought, key=lambda n: -by_cell[customer.pk, n])):
            revenue = by_cell[customer.pk, name]
            # Above our revenue (a share under 100 %) except in the one flagged cell.
            factor = (
                0.8
                if position == 0 and rank == 0
                else max(1.1, 1 / (share * rng.uniform(0.8, 1.25)))
            )
            estimates.append(
                _estimate(customer, categories[name], year, revenue * Decimal(str(factor)), kam)
            )
        for name in rng.sample(ELSEWHERE_CATEGORIES, k=rng.randint(1, 2)):
            spend = Decimal(str(customer.revenue * rng.uniform(0.15, 0.5)))
            estimate = _estimate(customer, categories[name], year, spend, kam)
            estimate.competitor = rng.choice(COMPETITORS)
            estimate.competitor_share_pct = Decimal(rng.randint(35, 80))
            estimates.append(estimate)
            white_cells.append((customer, name))
    bulk_create_with_history(estimates, SpendEstimate, default_change_reason="Demo portfolio")
    seen: set[int] = set()
    for customer, name in white_cells:
        plan = plans.get(customer.index)
        if plan is None or customer.pk in seen or customer.kam_index is None or len(seen) >= 6:
            continue
        seen.add(customer.pk)
        status, reason, closed = OpportunityStatus.OPEN, "", None
        if len(seen) == 2:
            status, closed = OpportunityStatus.WON, last_day - dt.timedelta(days=20)
        elif len(seen) == 3:
            status, reason = OpportunityStatus.LOST, LOST_REASONS[0]
            closed = last_day - dt.timedelta(days=45)
        kam = cast.kams[customer.kam_index]
        opportunities.append(
            Opportunity(
                plan=plan,
                category=categories[name],
                member_id=customer.pk,
                estimated_value=Decimal(round(customer.revenue * rng.uniform(0.05, 0.15), -2)),
                probability=rng.choice([20, 40, 60]),
                expected_close=last_day + dt.timedelta(days=rng.randint(60, 200)),
                owner=kam,
                status=status,
                lost_reason=reason,
                closed_on=closed,
                created_by=kam,
            )
        )
    bulk_create_with_history(opportunities, Opportunity, default_change_reason="Demo portfolio")
    return len(categories), len(estimates), len(opportunities)


def _estimate(
    customer: Customer, category: ProductCategory, year: int, spend: Decimal, kam: Any
) -> SpendEstimate:
    return SpendEstimate(
        account_id=customer.pk,
        category=category,
        year=year,
        estimated_spend=spend.quantize(Decimal("1")),
        source=SpendSource.KAM_ESTIMATE,
        entered_by=kam,
    )


# Of the wide group's cells, the share left without an estimate (the KAM does not know yet).
WIDE_UNESTIMATED = 0.08


def create_wide_group_estimates(
    rng: random.Random, members: list[Customer], kam: Any, window: Window
) -> tuple[int, int]:
    """The wide group's spend estimates (`accounts.demo.relationships.create_wide_group`):
    per member and each of its 40 product categories (those on sales lines, the wide range
    and ELSEWHERE_CATEGORIES), about our trailing-12-month revenue there over a share of
    15-80 %; a cell without our revenue is white space, estimated at 1-5 % of the member's
    revenue (with the main competitor in the categories bought only elsewhere); about
    WIDE_UNESTIMATED of the cells stay without an estimate, and the first member's largest
    cell is estimated below our revenue (the map flags it). Four statements and the history
    rows, whatever the cells; returns (categories, estimates)."""
    names = [
        *(name for name, *_ in vocabulary.PRODUCT_CATEGORIES),
        *vocabulary.WIDE_RANGE_CATEGORIES,
        *ELSEWHERE_CATEGORIES,
    ]
    known = dict(ProductCategory.objects.filter(name__in=names).values_list("name", "pk"))
    ProductCategory.objects.bulk_create(
        [ProductCategory(name=name) for name in names if name not in known]
    )
    categories = dict(ProductCategory.objects.filter(name__in=names).values_list("name", "pk"))
    last_day = window.anchor - dt.timedelta(days=1)
    t12_start = window.month_starts[-12] if window.months >= 12 else window.start
    by_cell = {
        (account_id, name): revenue
        for account_id, name, revenue in SalesLine.objects.filter(
            account_id__in=[m.pk for m in members], date__gte=t12_start, date__lt=window.anchor
        )
        .values("account_id", "product_category")
        .annotate(revenue=Sum("revenue"))
        .values_list("account_id", "product_category", "revenue")
        .order_by("account_id", "product_category")
    }
    flagged = None
    if members:
        first = [(by_cell.get((members[0].pk, n), 0), n) for n in names]
        flagged = (members[0].pk, max(first)[1])
    estimates = []
    for member in members:
        for name in names:
            revenue = by_cell.get((member.pk, name), Decimal(0))
            if (member.pk, name) != flagged and rng.random() < WIDE_UNESTIMATED:
                continue
            if (member.pk, name) == flagged:
                spend = revenue * Decimal("0.8")
            elif revenue > 0:
                spend = revenue / Decimal(str(rng.uniform(0.15, 0.8)))
            else:
                spend = Decimal(str(member.revenue * rng.uniform(0.01, 0.05)))
            estimate = SpendEstimate(
                account_id=member.pk,
                category_id=categories[name],
                year=last_day.year,
                estimated_spend=max(Decimal(1), spend.quantize(Decimal("1"))),
                source=SpendSource.KAM_ESTIMATE,
                entered_by=kam,
            )
            if name in ELSEWHERE_CATEGORIES:
                estimate.competitor = rng.choice(COMPETITORS)
                estimate.competitor_share_pct = Decimal(rng.randint(35, 80))
            estimates.append(estimate)
    bulk_create_with_history(
        estimates, SpendEstimate, batch_size=2000, default_change_reason="Demo portfolio"
    )
    return len(categories), len(estimates)
