"""The investment-fit rules (scoring/engine/investment.py), each with an account just inside and
one just outside its threshold, on a run's score rows written by hand.

Key accounts A-F, each with revenue 10,000 (cost-to-serve share = cost to serve / 100):
  A Streamline cts 2,000 (20.00%)   B Status cts 2,001 (20.01%)   C Strategic cts 1,000 (10%)
  D Strategic cts 3,000 (30%)       E Star cts 1,999 (19.99%)     F Star cts 2,000 (20%)
Shares sorted 10, 19.99, 20, 20, 20.01, 30: median (20 + 20) / 2 = 20.
Cost to serve sorted 1,000, 1,999, 2,000, 2,000, 2,001, 3,000: median 2,000.
Actions (due from T12's start 2025-07-01, not cancelled): A-D 2 each, E and F 1: median 2.
Standard accounts G (exploratory) and H (strategic). Attractiveness A 10, B 20, G 50, H 55,
F 60, E 70, D 80, C 90: PERCENT_RANK x 100 = (rank - 1) / 7 x 100: A 0, B 14.29, G 28.57,
H 42.86, F 57.14, ...; F is interdependent.
"""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Quadrant, Stage
from plans.models import ActionStatus
from scoring.engine.investment import compute_investment_warnings
from scoring.engine.judgement import frozen_config
from scoring.engine.window import Window
from scoring.models import AccountScore, MetricSnapshot, RunStatus, RunTrigger, ScoringRun
from tests import factories

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 7, 15)
D = Decimal
REVENUE = D(10000)


def score(run, account, *, quadrant, cts, attractiveness, revenue=REVENUE):
    return AccountScore.objects.create(
        run=run,
        account=account,
        revenue=revenue,
        cost_to_serve=cts,
        net_profit=revenue - cts,
        attractiveness=attractiveness,
        relative_strength=50,
        quadrant=quadrant,
        rank=1,
        stage=account.stage,
        status=account.status,
    )


@pytest.fixture
def portfolio():
    run = ScoringRun.objects.create(
        status=RunStatus.RUNNING, trigger=RunTrigger.COMMAND, as_of=AS_OF
    )
    rows = {
        "A": (Quadrant.STREAMLINE, 2000, 10, 2),
        "B": (Quadrant.STATUS, 2001, 20, 2),
        "C": (Quadrant.STRATEGIC, 1000, 90, 2),
        "D": (Quadrant.STRATEGIC, 3000, 80, 2),
        "E": (Quadrant.STAR, 1999, 70, 1),
        "F": (Quadrant.STAR, 2000, 60, 1),
    }
    accounts = {}
    for letter, (quadrant, cts, attractiveness, actions) in rows.items():
        stage = Stage.INTERDEPENDENT if letter == "F" else Stage.COOPERATIVE
        account = factories.KeyAccountFactory(name=letter, stage=stage)
        plan = factories.PlanFactory(account=account)
        for _ in range(actions):
            factories.ActionFactory(plan=plan, due_date=dt.date(2026, 9, 30))
        # neither counts: cancelled, or due before T12
        factories.ActionFactory(
            plan=plan, due_date=dt.date(2026, 9, 30), status=ActionStatus.CANCELLED
        )
        factories.ActionFactory(plan=plan, due_date=dt.date(2025, 6, 30))
        score(run, account, quadrant=quadrant, cts=D(cts), attractiveness=attractiveness)
        accounts[letter] = account
    for letter, stage, attractiveness in [("G", Stage.EXPLORATORY, 50), ("H", Stage.STRATEGIC, 55)]:
        account = factories.AccountFactory(name=letter, stage=stage)
        score(
            run, account, quadrant=Quadrant.STREAMLINE, cts=D(5000), attractiveness=attractiveness
        )
        accounts[letter] = account
    return run, accounts


def warnings(run, accounts, **settings):
    config = {**frozen_config(), **{k: str(v) for k, v in settings.items()}}
    compute_investment_warnings(run_id=run.pk, window=Window(AS_OF), config=config)
    names = {account.pk: letter for letter, account in accounts.items()}
    return {
        (names[w.account_id], w.rule): (w.value, w.threshold, w.value_2, w.threshold_2)
        for w in run.investment_warnings.all()
    }


def by_rule(found, rule):
    return {letter: figures for (letter, r), figures in found.items() if r == rule}


def test_over_served_is_a_share_above_the_key_account_median(portfolio):
    run, accounts = portfolio
    found = warnings(run, accounts)
    # B (Status, 20.01% > 20) is in; A (Streamline, exactly 20) is out; G and H (standard,
    # 50%) are not key accounts.
    assert by_rule(found, "over_served") == {"B": (D("20.01"), D("20.00"), None, None)}


def test_over_served_factor(portfolio):
    run, accounts = portfolio
    # 1.0005 x 20 = 20.01: B (20.01) is no longer above it.
    assert by_rule(warnings(run, accounts, over_served_factor="1.0005"), "over_served") == {}


def test_under_invested_star_is_below_both_medians(portfolio):
    run, accounts = portfolio
    # E: cost to serve 1,999 < 2,000 and 1 action < 2: in. F: 2,000 is not below 2,000: out.
    assert by_rule(warnings(run, accounts), "under_invested") == {
        "E": (D("1999.00"), D("2000.00"), D(1), D("2.00"))
    }


def test_stage_beyond_attractiveness(portfolio):
    run, accounts = portfolio
    # H (strategic, percentile 42.86 < 50) is in; F (interdependent, 57.14) out; G is
    # exploratory.
    assert by_rule(warnings(run, accounts), "stage_too_high") == {
        "H": (D("42.86"), D("50.00"), D("55.00"), None)
    }


@pytest.mark.parametrize(("bottom", "flagged"), [("42.86", set()), ("42.87", {"H"})])
def test_stage_beyond_attractiveness_threshold(portfolio, bottom, flagged):
    run, accounts = portfolio
    found = by_rule(warnings(run, accounts, bottom_attractiveness_pct=bottom), "stage_too_high")
    assert set(found) == flagged


def test_loss_making_two_quarters_running(portfolio):
    run, accounts = portfolio
    # The last two complete quarters before 2026-07-01: 2026 Q1 and Q2.
    for letter, q1, q2 in [("C", "-1.00", "-0.01"), ("D", "-100.00", "0.00"), ("E", "5", "-9")]:
        for start, net in [(dt.date(2026, 1, 1), q1), (dt.date(2026, 4, 1), q2)]:
            MetricSnapshot.objects.create(
                account=accounts[letter], period_start=start, net_profit=D(net), is_key=True
            )
    # An older loss does not count: A lost in 2025 Q4 but not since.
    MetricSnapshot.objects.create(
        account=accounts["A"], period_start=dt.date(2025, 10, 1), net_profit=D(-50)
    )
    found = by_rule(warnings(run, accounts), "loss_making")
    # C: -1.00 and -0.01, both negative: in (total -1.01, best -0.01). D: Q2 at 0.00 is not a
    # loss: out. E: Q1 was a profit.
    assert found == {"C": (D("-1.01"), D("0.00"), D("-0.01"), None)}
    # Over three quarters C is out (no 2025 Q4 loss).
    assert by_rule(warnings(run, accounts, loss_quarters=3), "loss_making") == {}
