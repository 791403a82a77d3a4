"""The hand-computed portfolio of the scoring tests (nine accounts, A to I).

Every figure the tests expect is worked out by hand in test_engine_portfolio.py from the data
below. The run is as of 2026-07-15, so:
- trailing 12 months (T12) = 2025-07-01 .. 2026-06-30,
- previous 12 months       = 2024-07-01 .. 2025-06-30,
- DMU contacts count as recent from 2026-04-16 (as_of - 90 days) to 2026-07-15,
- snapshots cover complete quarters before 2026-07-01.
Criteria: only four are active, weights 40 (revenue), 20 (contribution), 20 (revenue growth)
and 20 (strategic value, rated); with nine accounts every percentile is a multiple of 12.5.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from accounts.models import AccountStatus, Stage
from scoring.models import Criterion, MetricEntry, MetricKind
from tests import factories

AS_OF = dt.date(2026, 7, 15)
ACTIVE_WEIGHTS = {
    "revenue": Decimal("40"),
    "contribution": Decimal("20"),
    "revenue_growth": Decimal("20"),
    "strategic_value": Decimal("20"),
}


@dataclass
class Portfolio:
    accounts: dict  # letter -> Account
    kam1: object
    kam2: object


def D(value) -> Decimal:
    return Decimal(str(value))


def use_weights(weights: dict) -> None:
    """Activate exactly the given criteria with the given weights."""
    Criterion.objects.update(active=False)
    for key, weight in weights.items():
        Criterion.objects.filter(key=key).update(active=True, weight=weight)


def sale(account, day, revenue, cogs):
    factories.SalesLineFactory(account=account, date=day, revenue=D(revenue), cost_of_goods=D(cogs))


def activity(account, activity_type, day, quantity):
    factories.ActivityFactory(
        account=account, activity_type=activity_type, date=day, quantity=D(quantity)
    )


def build_portfolio() -> Portfolio:
    kam1 = factories.KamFactory(username="kam-one")
    kam2 = factories.KamFactory(username="kam-two")
    owner = factories.KamFactory(username="owner")
    spec = {
        # letter: status, kam, stage, category spend
        "A": (AccountStatus.CANDIDATE, None, Stage.TACTICAL, "2000000"),
        "B": (AccountStatus.KEY, kam1, Stage.STRATEGIC, "1000000"),
        "C": (AccountStatus.KEY, kam1, Stage.INTERDEPENDENT, "500000"),
        "D": (AccountStatus.STANDARD, None, Stage.EXPLORATORY, "800000"),
        "E": (AccountStatus.KEY, kam1, Stage.COOPERATIVE, "400000"),
        "F": (AccountStatus.KEY, kam1, Stage.COOPERATIVE, "160000"),
        "G": (AccountStatus.KEY, kam1, Stage.DISENGAGING, "100000"),
        "H": (AccountStatus.KEY, kam1, Stage.EXPLORATORY, "50000"),
        "I": (AccountStatus.KEY, kam2, Stage.TACTICAL, "10000"),
    }
    accounts = {
        letter: factories.AccountFactory(
            name=f"Account {letter}",
            status=status,
            kam=kam,
            stage=stage,
            category_spend=D(spend),
        )
        for letter, (status, kam, stage, spend) in spec.items()
    }
    a = accounts

    # Sales lines: T12 first, then the previous 12 months, then lines outside both windows.
    sale(a["A"], dt.date(2025, 9, 15), 900000, 540000)
    sale(a["A"], dt.date(2026, 3, 10), 600000, 360000)
    sale(a["A"], dt.date(2024, 9, 15), 1200000, 700000)
    sale(a["B"], dt.date(2025, 10, 1), 500000, 300000)
    sale(a["B"], dt.date(2025, 1, 15), 500000, 320000)
    sale(a["C"], dt.date(2026, 1, 20), 200000, 150000)
    sale(a["C"], dt.date(2024, 12, 1), 250000, 200000)
    sale(a["D"], dt.date(2026, 6, 30), 120000, 70000)  # last day of T12
    sale(a["D"], dt.date(2024, 7, 1), 80000, 50000)  # first day of the previous 12 months
    sale(a["E"], dt.date(2025, 7, 1), 50000, 30000)  # first day of T12
    sale(a["E"], dt.date(2025, 6, 30), 40000, 25000)  # last day of the previous 12 months
    sale(a["F"], dt.date(2025, 12, 24), 20000, 12000)
    sale(a["F"], dt.date(2026, 7, 2), 99999, 1)  # in as_of's month: not in T12
    sale(a["F"], dt.date(2024, 6, 30), 55555, 1)  # before the previous 12 months
    sale(a["G"], dt.date(2026, 2, 2), 10000, 9000)

    # Activity types and rates. Visits change rate at the new year; support hours have a rate
    # with a half cent in it; samples have no rate at all.
    visit = factories.ActivityTypeFactory(code="visit", driver_unit="visit")
    jit = factories.ActivityTypeFactory(code="jit-delivery", driver_unit="delivery")
    support = factories.ActivityTypeFactory(code="support", driver_unit="hour")
    samples = factories.ActivityTypeFactory(code="samples", driver_unit="sample")
    for activity_type, start, end, pool, volume in [
        (visit, dt.date(2025, 1, 1), dt.date(2025, 12, 31), "100000", "1000"),  # 100.0000
        (visit, dt.date(2026, 1, 1), dt.date(2026, 12, 31), "120000", "1000"),  # 120.0000
        (jit, dt.date(2025, 7, 1), dt.date(2026, 6, 30), "50000", "1000"),  # 50.0000
        (support, dt.date(2025, 1, 1), dt.date(2026, 12, 31), "33335", "1000"),  # 33.3350
    ]:
        factories.CostRateFactory(
            activity_type=activity_type,
            period_start=start,
            period_end=end,
            cost_pool=D(pool),
            driver_volume=D(volume),
        )
    activity(a["A"], visit, dt.date(2025, 9, 10), 10)
    activity(a["A"], visit, dt.date(2026, 2, 1), 5)
    activity(a["A"], jit, dt.date(2026, 3, 1), 20)
    activity(a["B"], visit, dt.date(2026, 5, 5), "2.5")
    activity(a["B"], jit, dt.date(2025, 8, 1), 10)
    activity(a["C"], jit, dt.date(2025, 12, 1), 1100)
    activity(a["D"], visit, dt.date(2025, 11, 11), 3)
    activity(a["D"], support, dt.date(2026, 4, 1), 1)
    activity(a["E"], samples, dt.date(2026, 1, 15), 7)  # no rate: unrated, costs 0
    activity(a["G"], visit, dt.date(2026, 6, 30), 1)
    activity(a["H"], visit, dt.date(2026, 7, 1), 1)  # in as_of's month: not in T12
    activity(a["I"], visit, dt.date(2025, 6, 30), 2)  # before T12

    # Strategic value ratings: the newest made on or before as_of counts.
    strategic = Criterion.objects.get(key="strategic_value")
    at = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    factories.RatingFactory(account=a["A"], criterion=strategic, value=2, rated_at=at)
    factories.RatingFactory(
        account=a["A"],
        criterion=strategic,
        value=5,
        rated_at=dt.datetime(2026, 6, 1, tzinfo=dt.UTC),
    )
    factories.RatingFactory(account=a["B"], criterion=strategic, value=4, rated_at=at)
    factories.RatingFactory(account=a["C"], criterion=strategic, value=4, rated_at=at)
    factories.RatingFactory(account=a["D"], criterion=strategic, value=3, rated_at=at)
    factories.RatingFactory(account=a["E"], criterion=strategic, value=1, rated_at=at)
    factories.RatingFactory(
        account=a["F"],
        criterion=strategic,
        value=5,
        rated_at=dt.datetime(2026, 8, 1, tzinfo=dt.UTC),
    )  # after as_of: ignored

    # Satisfaction entries: the newest quarter starting on or before as_of counts.
    for letter, start, value in [
        ("B", dt.date(2026, 1, 1), 70),
        ("B", dt.date(2026, 4, 1), 90),
        ("C", dt.date(2025, 10, 1), 60),
        ("C", dt.date(2026, 10, 1), 99),  # after as_of: ignored
        ("E", dt.date(2026, 4, 1), 80),
    ]:
        MetricEntry.objects.create(
            account=a[letter], period_start=start, metric=MetricKind.SATISFACTION, value=D(value)
        )

    # DMU: influence >= 4 counts; covered = an owner and a contact in 2026-04-16 .. 2026-07-15.
    recent, too_old = dt.date(2026, 6, 1), dt.date(2026, 4, 15)
    for letter, influence, has_owner, last in [
        ("B", 5, True, recent),
        ("B", 4, True, recent),
        ("B", 4, True, recent),
        ("B", 5, True, too_old),  # 91 days before as_of
        ("B", 3, True, recent),  # not influential
        ("C", 4, True, dt.date(2026, 4, 16)),  # exactly 90 days before as_of
        ("C", 5, False, dt.date(2026, 7, 1)),  # nobody owns the relationship
        ("A", 4, True, None),  # never contacted
        ("E", 4, True, AS_OF),
    ]:
        factories.ContactFactory(
            account=a[letter],
            influence=influence,
            relationship_owner=owner if has_owner else None,
            last_contact_on=last,
        )

    use_weights(ACTIVE_WEIGHTS)
    return Portfolio(accounts=accounts, kam1=kam1, kam2=kam2)


@pytest.fixture
def portfolio(db) -> Portfolio:
    return build_portfolio()
