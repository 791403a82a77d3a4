"""A group's relationship health, computed by hand: its signals read the whole subtree.

The run is as of 2026-07-15: T12 = 2025-07-01 .. 2026-06-30, the previous 12 months
2024-07-01 .. 2025-06-30; DMU contacts are recent from 2026-04-16; the margin trend compares
the snapshot quarters 2025-07 .. 2026-06 with 2024-07 .. 2025-06. Default weights: relationship
30, delivery 25, plan 20, value 15, voice 10; bands red < 50 <= amber < 75 <= green.

The portfolio:
- group G, key account of its KAM, cooperative, with the group's plan (approved, review
  2026-09-30, one action due 2026-09-30 and one overdue since 2026-06-30) and a retention
  entry of 90; no contacts, commitments, sales or category spend of its own;
  - entity E1: a decision maker (influence 5, supporter, owner the KAM, last contact
    2026-07-05); a met commitment (status set 2026-07-01); satisfaction 80 (2026-04-01; an
    older 20 of 2025-10-01); T12 sale 110,000 with cost of goods 60,000; category spend
    600,000; and a plan of its own made behind the services' back (approved, started
    2026-03-01, review 2026-01-01 passed): plans belong to the group, so it counts for nothing;
  - entity E2: a decision maker (influence 4, detractor, no owner, last contact 2026-02-01);
    a commitment at risk (set 2025-12-01); advocacy 70 (2026-01-01); category spend 400,000;
    - plant P (below E2): a decision maker (influence 5, supporter, owner the KAM, last
      contact 2026-06-15) and a user (influence 2); a breached commitment (set 2026-06-01);
      satisfaction 60 (2026-01-01); previous-year sale 100,000 with cost of goods 50,000; no
      category spend;
- standalone S (standard): a decision maker (influence 5, detractor, no owner, last contact
  2026-03-17); a met commitment (set 2026-07-01); satisfaction 40.
"""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Attitude, BuyingRole, Stage
from plans.models import CommitmentStatus, PlanStatus
from scoring.models import AccountScore, HealthScore, MetricEntry, MetricKind
from tests import factories

# The same run (as of 2026-07-15) and helpers as the standalone accounts' hand-computed health.
from tests.scoring.test_health import D, commitment, components_of, recompute

pytestmark = pytest.mark.django_db


def decision_maker(account, *, influence, attitude, last_contact_on, owner=None):
    return factories.ContactFactory(
        account=account,
        buying_role=BuyingRole.DECISION_MAKER,
        influence=influence,
        attitude=attitude,
        relationship_owner=owner,
        last_contact_on=last_contact_on,
    )


def entry(account, metric, period_start, value):
    MetricEntry.objects.create(
        account=account, metric=metric, period_start=period_start, value=D(value)
    )


@pytest.fixture
def portfolio():
    g = factories.KeyAccountFactory(
        name="G", erp_code="G", stage=Stage.COOPERATIVE, category_spend=None
    )
    kam = g.kam
    e1 = factories.AccountFactory(name="E1", erp_code="E1", parent=g, category_spend=600_000)
    e2 = factories.AccountFactory(name="E2", erp_code="E2", parent=g, category_spend=400_000)
    p = factories.AccountFactory(name="P", erp_code="P", parent=e2, category_spend=None)
    s = factories.AccountFactory(name="S", erp_code="S")

    plan = factories.PlanFactory(
        account=g, status=PlanStatus.APPROVED, review_date=dt.date(2026, 9, 30)
    )
    factories.ActionFactory(plan=plan, due_date=dt.date(2026, 9, 30))
    factories.ActionFactory(plan=plan, due_date=dt.date(2026, 6, 30))
    entry(g, MetricKind.RETENTION, dt.date(2026, 4, 1), 90)

    decision_maker(
        e1, influence=5, attitude=Attitude.SUPPORTER, owner=kam, last_contact_on=dt.date(2026, 7, 5)
    )
    commitment(e1, CommitmentStatus.MET, dt.date(2026, 7, 1))
    entry(e1, MetricKind.SATISFACTION, dt.date(2026, 4, 1), 80)
    entry(e1, MetricKind.SATISFACTION, dt.date(2025, 10, 1), 20)
    factories.SalesLineFactory(
        account=e1, date=dt.date(2026, 3, 1), revenue=D(110_000), cost_of_goods=D(60_000)
    )
    factories.PlanFactory(
        account=e1,
        status=PlanStatus.APPROVED,
        period_start=dt.date(2026, 3, 1),
        review_date=dt.date(2026, 1, 1),
    )

    decision_maker(
        e2, influence=4, attitude=Attitude.DETRACTOR, last_contact_on=dt.date(2026, 2, 1)
    )
    commitment(e2, CommitmentStatus.AT_RISK, dt.date(2025, 12, 1))
    entry(e2, MetricKind.ADVOCACY, dt.date(2026, 1, 1), 70)

    decision_maker(
        p, influence=5, attitude=Attitude.SUPPORTER, owner=kam, last_contact_on=dt.date(2026, 6, 15)
    )
    factories.ContactFactory(
        account=p, buying_role=BuyingRole.USER, influence=2, attitude=Attitude.NEUTRAL
    )
    commitment(p, CommitmentStatus.BREACHED, dt.date(2026, 6, 1))
    entry(p, MetricKind.SATISFACTION, dt.date(2026, 1, 1), 60)
    factories.SalesLineFactory(
        account=p, date=dt.date(2025, 3, 1), revenue=D(100_000), cost_of_goods=D(50_000)
    )

    decision_maker(
        s, influence=5, attitude=Attitude.DETRACTOR, last_contact_on=dt.date(2026, 3, 17)
    )
    commitment(s, CommitmentStatus.MET, dt.date(2026, 7, 1))
    entry(s, MetricKind.SATISFACTION, dt.date(2026, 4, 1), 40)
    return {"G": g, "E1": e1, "E2": e2, "P": p, "S": s}


def test_a_groups_health_reads_the_signals_of_its_whole_subtree(portfolio):
    run = recompute()
    h = HealthScore.objects.get(run=run, account=portfolio["G"])
    # Relationship. Influential contacts (influence >= 4) of the subtree: E1's, E2's and P's
    # decision makers (P's user has influence 2); covered (an owner and a contact since
    # 2026-04-16): E1's and P's -> 100 x 2 / 3 = 66.67%.
    assert (h.dmu_coverage_pct, h.coverage_points) == (D("66.67"), D("66.67"))
    # 3 decision makers, 2 supporters (E1, P), 1 detractor (E2): 50 + 50 x (2 - 1) / 3 = 66.67.
    assert (h.decision_makers, h.supporters, h.detractors) == (3, 2, 1)
    assert h.attitude_points == D("66.67")
    # The latest contact with a decision maker anywhere in the group: E1's, 2026-07-05, 10 days
    # before as_of -> 100. The plan has no stage objective: stage left out.
    assert (h.days_since_contact, h.recency_points) == (10, D(100))
    assert (h.stage, h.target_stage, h.stage_points) == (Stage.COOPERATIVE, "", None)
    # Delivery: E1 met (2026-07-01, within 90 days: weight 1), P breached (2026-06-01: 1), E2
    # at risk (2025-12-01, within a year: 0.5): weights 2.5, at risk 0.5, breached 1.
    assert (h.commitments_met, h.commitments_at_risk, h.commitments_breached) == (1, 1, 1)
    assert (h.delivery_weight, h.at_risk_weight, h.breached_weight) == (
        D("2.50"),
        D("0.50"),
        D("1.00"),
    )
    # Plan: the group's own (E1's, with its passed review, is not read): approved 100, review
    # 2026-09-30 not passed 100, 2 open actions of which 1 overdue: 100 x 1 / 2 = 50.
    assert (h.plan_status, h.plan_points, h.review_points) == ("approved", D(100), D(100))
    assert (h.actions_open, h.actions_overdue, h.actions_points) == (2, 1, D(50))
    # Value, from the roll-up: revenue 110,000 (E1) against 100,000 (P): +10% -> 75; share of
    # wallet (110,000 - 100,000) / (600,000 + 400,000) x 100 = +1 point -> 55; net margin of
    # the subtree's snapshots 50,000 / 110,000 = 45.45% against 50,000 / 100,000 = 50%:
    # -4.55 points -> 50 - 5 x 4.55 = 27.25. G alone has no sales: none of these would exist.
    assert (h.revenue_growth_pct, h.revenue_points) == (D("10.00"), D("75.00"))
    assert (h.share_change_pts, h.share_points) == (D("1.00"), D("55.00"))
    assert (h.margin_change_pts, h.margin_points) == (D("-4.55"), D("27.25"))
    # Voice, per metric the mean of each entity's latest entry: satisfaction (80 of E1, not its
    # older 20, and 60 of P) / 2 = 70; advocacy 70 (E2); retention 90 (G's own).
    assert (h.satisfaction, h.advocacy, h.retention) == (D(70), D(70), D(90))

    # relationship (66.67 + 66.67 + 100) / 3 = 77.78; 30 x 77.78 / 100 = 23.334 -> 23.33
    # delivery (100 x (2.5 - 0.5 - 1) + 50 x 0.5) / 2.5 = 125 / 2.5 = 50; 25 x 50 / 100 = 12.5
    # plan (100 + 100 + 50) / 3 = 83.33; 20 x 83.33 / 100 = 16.666 -> 16.67
    # value (75 + 55 + 27.25) / 3 = 52.4167 -> 52.42; 15 x 52.42 / 100 = 7.863 -> 7.86
    # voice (70 + 70 + 90) / 3 = 76.67; 10 x 76.67 / 100 = 7.667 -> 7.67
    assert components_of(run, portfolio["G"]) == {
        "relationship": (D("77.78"), D(30), D("23.33")),
        "delivery": (D("50.00"), D(25), D("12.50")),
        "plan": (D("83.33"), D(20), D("16.67")),
        "value": (D("52.42"), D(15), D("7.86")),
        "voice": (D("76.67"), D(10), D("7.67")),
    }
    # score = (30 x 77.78 + 25 x 50 + 20 x 83.33 + 15 x 52.42 + 10 x 76.67) / 100
    #       = (2333.4 + 1250 + 1666.6 + 786.3 + 766.7) / 100 = 68.03: amber.
    assert (h.score, h.band) == (D("68.03"), "amber")
    score = AccountScore.objects.get(run=run, account=portfolio["G"])
    assert (score.health, score.health_band) == (D("68.03"), "amber")


def test_a_standalone_account_keeps_its_own_signals_beside_a_group(portfolio):
    run = recompute()
    h = HealthScore.objects.get(run=run, account=portfolio["S"])
    # S: 1 influential contact, not covered (no owner): 0; 1 decision maker, a detractor:
    # 50 + 50 x (0 - 1) / 1 = 0; last contact 2026-03-17, 120 days before as_of:
    # 100 x (180 - 120) / 150 = 40. Nothing of the group's contacts counts here.
    assert (h.coverage_points, h.decision_makers, h.attitude_points) == (D(0), 1, D(0))
    assert (h.days_since_contact, h.recency_points) == (120, D(40))
    # relationship (0 + 0 + 40) / 3 = 13.33; delivery 1 met = 100; plan: not key, no data;
    # value: no sales, no data; voice 40.
    # score = (30 x 13.33 + 25 x 100 + 10 x 40) / (30 + 25 + 10) = 3299.9 / 65 = 50.77: amber.
    assert (h.commitments_met, h.commitments_at_risk, h.commitments_breached) == (1, 0, 0)
    assert (h.satisfaction, h.advocacy, h.retention) == (D(40), None, None)
    assert (h.score, h.band) == (D("50.77"), "amber")


def test_members_get_no_health_of_their_own(portfolio):
    run = recompute()
    # Health is judged for units of selection only: a member's signals are its group's.
    assert set(HealthScore.objects.filter(run=run).values_list("account__name", flat=True)) == {
        "G",
        "S",
    }
    members = AccountScore.objects.filter(run=run, account__name__in=["E1", "E2", "P"])
    assert sorted(members.values_list("account__name", "is_unit", "health", "health_band")) == [
        ("E1", False, None, ""),
        ("E2", False, None, ""),
        ("P", False, None, ""),
    ]


def test_the_groups_page_says_how_its_health_is_gathered_and_a_members_points_to_it(
    portfolio, client
):
    recompute()
    client.force_login(factories.DirectorFactory())
    group = client.get(f"/accounts/{portfolio['G'].pk}/").content.decode()
    assert 'data-testid="health-group-note"' in group
    assert "3 decision makers" in group  # 2 supporters, 1 detractor, across E1, E2 and P
    plant = client.get(f"/accounts/{portfolio['P'].pk}/").content.decode()
    assert 'data-testid="health-member-note"' in plant
    assert f'href="/accounts/{portfolio["G"].pk}/#health">G</a>' in plant
    assert "Not yet computed" not in plant[plant.index('id="health"') :][:2000]
    standalone = client.get(f"/accounts/{portfolio['S'].pk}/").content.decode()
    assert "health-group-note" not in standalone and "health-member-note" not in standalone
