"""A hand-computed group in the nightly run: roll-ups, units of selection, never-flagged members.

The run is as of 2026-07-15: T12 = 2025-07-01 .. 2026-06-30, previous 12 months =
2024-07-01 .. 2025-06-30; DMU contacts are recent from 2026-04-16. Every T12 sale is dated
2026-03-01 and every previous-year sale 2025-03-01.

The portfolio (revenue T12 / cost of goods / revenue previous 12 months; category spend):
- group G (a holding: no sales of its own, no category spend), key account of kam1, stage
  cooperative, rated strategic value 3, satisfaction 80;
  - entity E1: 300 / 100 / 200; spend 1000; 2 visits at 10 = cost to serve 20; a decision
    maker of influence 5 with an owner, last contact 2026-06-01 (covered);
  - entity E2: 200 / 100 / 300; spend 500;
  - entity E3: 100 / 50 / none; no spend;
    - plant P (below E3): 4000 / 2000 / 100; spend 6000; 3 visits = 30; a contact of
      influence 4 without an owner (not covered);
- standalone S1: 900 / 300 / 1000; spend 2000; standard; strategic; rated 5;
- standalone S2: 100 / 50 / 50; spend 1000; candidate; tactical; rated 1;
- standalone S3: 50 / 10 / none; no spend; standard; exploratory; rated 2;
- standalone S4: 20 / 30 / 10; spend 100; 1 visit = 10; key (kam2); interdependent; unrated.
E1 also carries a rating of 5 (made behind the services' back): a member's rating counts for
nothing, since ratings are given at the group.

Criteria: revenue 30, contribution 20, revenue growth 20, headroom 10, strategic value 20.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import OperationalError

from accounts.models import AccountStatus, Stage
from accounts.services import account_move
from scoring import services
from scoring.engine import final
from scoring.models import (
    AccountScore,
    Criterion,
    GroupSnapshot,
    MetricEntry,
    MetricKind,
    RunStatus,
    RunTrigger,
    ScoreExplanation,
)
from scoring.portfolio.base import Scope, resolve_period
from scoring.portfolio.charts import effectiveness_trends
from scoring.portfolio.tiles import run_figures
from tests import factories
from tests.explained import stored_lines

AS_OF = dt.date(2026, 7, 15)
T12_DAY, PREV_DAY = dt.date(2026, 3, 1), dt.date(2025, 3, 1)
WEIGHTS = {
    "revenue": Decimal("30"),
    "contribution": Decimal("20"),
    "revenue_growth": Decimal("20"),
    "headroom": Decimal("10"),
    "strategic_value": Decimal("20"),
}


def D(value) -> Decimal:
    return Decimal(str(value))


@pytest.fixture
def world(db):
    Criterion.objects.update(active=False)
    for key, weight in WEIGHTS.items():
        Criterion.objects.filter(key=key).update(active=True, weight=weight)
    kam1, kam2 = factories.KamFactory(), factories.KamFactory()

    def account(code, *, parent=None, spend=None, status=AccountStatus.STANDARD, kam=None,
                stage=Stage.EXPLORATORY, turnover=None):  # fmt: skip
        return factories.AccountFactory(
            erp_code=code, name=code, parent=parent, category_spend=spend, status=status,
            kam=kam, stage=stage, turnover=turnover,
        )  # fmt: skip

    g = account("G", status=AccountStatus.KEY, kam=kam1, stage=Stage.COOPERATIVE)
    e1 = account("E1", parent=g, spend=1000, turnover=10_000_000)
    e2 = account("E2", parent=g, spend=500, turnover=5_000_000)
    e3 = account("E3", parent=g)
    p = account("P", parent=e3, spend=6000, turnover=1_000_000)
    s1 = account("S1", spend=2000, stage=Stage.STRATEGIC)
    s2 = account("S2", spend=1000, status=AccountStatus.CANDIDATE, stage=Stage.TACTICAL)
    s3 = account("S3", stage=Stage.EXPLORATORY)
    s4 = account("S4", spend=100, status=AccountStatus.KEY, kam=kam2, stage=Stage.INTERDEPENDENT)

    for acc, t12, cogs, prev in [
        (e1, 300, 100, 200), (e2, 200, 100, 300), (e3, 100, 50, None), (p, 4000, 2000, 100),
        (s1, 900, 300, 1000), (s2, 100, 50, 50), (s3, 50, 10, None), (s4, 20, 30, 10),
    ]:  # fmt: skip
        factories.SalesLineFactory(account=acc, date=T12_DAY, revenue=D(t12), cost_of_goods=D(cogs))
        if prev is not None:
            factories.SalesLineFactory(account=acc, date=PREV_DAY, revenue=D(prev), cost_of_goods=0)
    visit = factories.ActivityTypeFactory(code="visit")
    factories.CostRateFactory(
        activity_type=visit, period_start=dt.date(2025, 1, 1), period_end=dt.date(2026, 12, 31),
        cost_pool=D(1000), driver_volume=D(100),
    )  # fmt: skip  # rate 10.0000
    for acc, visits in [(e1, 2), (p, 3), (s4, 1)]:
        factories.ActivityFactory(
            account=acc, activity_type=visit, date=dt.date(2026, 2, 1), quantity=D(visits)
        )
    factories.ContactFactory(
        account=e1, influence=5, relationship_owner=kam1, last_contact_on=dt.date(2026, 6, 1)
    )
    factories.ContactFactory(account=p, influence=4, relationship_owner=None)
    strategic = Criterion.objects.get(key="strategic_value")
    at = dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)
    for acc, value in [(g, 3), (s1, 5), (s2, 1), (s3, 2), (e1, 5)]:
        factories.RatingFactory(account=acc, criterion=strategic, value=value, rated_at=at)
    MetricEntry.objects.create(
        account=g, period_start=dt.date(2026, 4, 1), metric=MetricKind.SATISFACTION, value=80
    )
    return {a.erp_code: a for a in (g, e1, e2, e3, p, s1, s2, s3, s4)}


def recompute():
    return services.run_recompute(run=services.run_request(trigger=RunTrigger.COMMAND, as_of=AS_OF))


def scores(run) -> dict[str, AccountScore]:
    return {
        s.account.erp_code: s
        for s in AccountScore.objects.filter(run=run).select_related("account")
    }


def test_the_group_is_the_roll_up_of_its_subtree(world):
    run = recompute()
    g = scores(run)["G"]

    # revenue 300 + 200 + 100 + 4000 = 4600; cost of goods 100 + 100 + 50 + 2000 = 2250;
    # previous 200 + 300 + 0 + 100 = 600; cost to serve 20 + 30 = 50
    assert (g.revenue, g.cost_of_goods, g.revenue_prev, g.cost_to_serve) == (
        D("4600.00"), D("2250.00"), D("600.00"), D("50.00"),
    )  # fmt: skip
    assert g.gross_margin == D("2350.00")  # 4600 - 2250
    assert g.net_profit == D("2300.00")  # 4600 - 2250 - 50
    # growth from the sums: (4600 - 600) / 600 = 666.67 % (the members' own growths, +50 %,
    # -33.33 % and +3900 %, average 1305.56 %)
    assert g.revenue_growth_pct == D("666.67")
    # category spend 1000 + 500 + 6000 = 7500; share 4600 / 7500 = 61.33 %; headroom 2900
    assert (g.category_spend, g.share_of_wallet_pct, g.headroom) == (
        D("7500.00"), D("61.33"), D("2900.00"),
    )  # fmt: skip
    assert g.turnover == D("16000000.00")  # 10 M + 5 M + 1 M (E3 and G state none)
    # DMU: E1's contact covered, P's (no owner) not: 1 / 2
    assert g.dmu_coverage_pct == D("50.00")
    assert g.satisfaction == D("80.00")  # given at the group
    assert (g.is_unit, g.group_id, g.members) == (True, None, 4)


def test_members_keep_their_own_figures_and_name_their_group(world):
    run = recompute()
    rows = scores(run)
    p, e1 = rows["P"], rows["E1"]

    assert (p.revenue, p.net_profit, p.category_spend) == (D("4000.00"), D("1970.00"), D(6000))
    assert p.revenue_growth_pct == D("3900.00")  # (4000 - 100) / 100
    assert e1.dmu_coverage_pct == D("100.00")
    for code in ("E1", "E2", "E3", "P"):
        member = rows[code]
        assert (member.is_unit, member.group_id) == (False, world["G"].pk)
        assert (member.attractiveness, member.quadrant) == (0, "")
        assert not (member.is_pareto or member.is_4x or member.is_misclassified)
        assert not ScoreExplanation.objects.filter(run=run, account=member.account).exists()


def test_percentiles_scores_and_quadrants_count_units_of_selection_only(world):
    run = recompute()
    rows = scores(run)
    normalised = {(c.account.erp_code, c.criterion.key): c.normalised for c in stored_lines(run)}
    # five units: PERCENT_RANK steps of 25 over five values, of 33.3333 over four
    # revenue: S4 20, S3 50, S2 100, S1 900, G 4600
    assert [normalised[(c, "revenue")] for c in ("S4", "S3", "S2", "S1", "G")] == [
        0, 25, 50, 75, 100,
    ]  # fmt: skip
    # contribution (net profit): S4 -20 (20 - 30 - 10), S3 40, S2 50, S1 600, G 2300
    assert [normalised[(c, "contribution")] for c in ("S4", "S3", "S2", "S1", "G")] == [
        0, 25, 50, 75, 100,
    ]  # fmt: skip
    # growth: S1 -10 %, S2 and S4 +100 % (tied), G 666.67 %; S3 has no previous revenue
    assert [normalised[(c, "revenue_growth")] for c in ("S1", "S2", "S4", "G", "S3")] == [
        0, D("33.3333"), D("33.3333"), 100, 0,
    ]  # fmt: skip
    # headroom: S4 80, S2 900, S1 1100, G 2900; S3 states no spend
    assert [normalised[(c, "headroom")] for c in ("S4", "S2", "S1", "G", "S3")] == [
        0, D("33.3333"), D("66.6667"), 100, 0,
    ]  # fmt: skip
    # strategic value: S2 1, S3 2, G 3, S1 5; S4 unrated (E1's 5 is a member's: not counted)
    assert [normalised[(c, "strategic_value")] for c in ("S2", "S3", "G", "S1", "S4")] == [
        0, D("33.3333"), D("66.6667"), 100, 0,
    ]  # fmt: skip

    # score = 0.3 revenue + 0.2 contribution + 0.2 growth + 0.1 headroom + 0.2 strategic:
    # G  30 + 20 + 20 + 10 + 13.33334                  = 93.33334 -> 93.33
    # S1 22.5 + 15 + 0 + 6.66667 + 20                  = 64.16667 -> 64.17
    # S2 15 + 10 + 6.66666 + 3.33333 + 0               = 34.99999 -> 35.00
    # S3 7.5 + 5 + 0 + 0 + 6.66666                     = 19.16666 -> 19.17
    # S4 0 + 0 + 6.66666 + 0 + 0                       =  6.66666 ->  6.67
    expected = {"G": "93.33", "S1": "64.17", "S2": "35.00", "S3": "19.17", "S4": "6.67"}
    assert {code: rows[code].attractiveness for code in expected} == {
        code: D(value) for code, value in expected.items()
    }
    assert [rows[code].rank for code in ("G", "S1", "S2", "S3", "S4")] == [1, 2, 3, 4, 5]

    # strength = (share percentile + stage + satisfaction + DMU) / 4; shares among units:
    # S2 10 % -> 0, S4 20 % -> 33.33, S1 45 % -> 66.67, G 61.33 % -> 100 (S3: none)
    # G  (100 + 50 + 80 + 50) / 4   = 70.00     -> Strategic (93.33, 70.00)
    # S1 (66.67 + 100 + 0 + 0) / 4  = 41.6675   -> 41.67, Star (64.17, 41.67)
    # S2 (0 + 25 + 0 + 0) / 4       = 6.25      -> Streamline
    # S3 0                                      -> Streamline
    # S4 (33.33 + 75 + 0 + 0) / 4   = 27.0825   -> 27.08, Streamline
    assert {c: (rows[c].relative_strength, rows[c].quadrant) for c in expected} == {
        "G": (D("70.00"), "strategic"),
        "S1": (D("41.67"), "star"),
        "S2": (D("6.25"), "streamline"),
        "S3": (D("0.00"), "streamline"),
        "S4": (D("27.08"), "streamline"),
    }


def test_guardrails_count_units_of_selection(world):
    run = recompute()
    rows = scores(run)
    flagged = lambda flag: sorted(code for code, row in rows.items() if getattr(row, flag))  # noqa: E731

    # Pareto: units' revenue 4600 + 900 + 100 + 50 + 20 = 5670, 80 % = 4536; G alone (0 before
    # it) is under it, S1 comes after 4600 >= 4536
    assert flagged("is_pareto") == ["G"]
    # 4x: five units with revenue, average 5670 / 5 = 1134 a year; 4 x 1134 = 4536 <= 4600:
    # G only. Counted over entities (eight with revenue, average 708.75), P's 4000 would be
    # at least 4 x too (2835) and S1's 900 not.
    assert flagged("is_4x") == ["G"]
    # misclassified: n = 5; a key account ranked > (5 + 1) / 2 = 3 (S4, rank 5), a non-key
    # one ranked <= ceil(5 / 10) = 1 (none: G, rank 1, is key)
    assert flagged("is_misclassified") == ["S4"]
    assert run.counts["units"] == 5
    assert run.counts["groups"] == 1
    assert run.counts["group_members"] == 4


def test_the_group_has_quarterly_snapshots_of_its_subtree(world):
    recompute()
    q1 = GroupSnapshot.objects.get(account=world["G"], period_start=dt.date(2026, 1, 1))

    # Q1 2026: the T12 sales (4600) and every visit (50); a year before, Q1 2025: 600
    assert (q1.revenue, q1.cost_to_serve, q1.net_profit, q1.members) == (
        D("4600.00"), D("50.00"), D("2300.00"), 4,
    )  # fmt: skip
    assert q1.revenue_growth_pct == D("666.67")
    # share against a quarter of the yearly spend: 4 x 4600 = 18400 > 7500, unknown
    assert q1.share_of_wallet_pct is None
    assert q1.is_key


def test_moving_a_member_to_another_group_changes_both_groups(world, django_user_model):
    recompute()
    director = factories.DirectorFactory()
    account_move(account=world["E2"], parent=world["S1"], reason="sold", actor=director)

    rows = scores(recompute())

    # G loses E2's 200 (previous 300): 4400, previous 300; growth (4400 - 300) / 300
    assert (rows["G"].revenue, rows["G"].revenue_prev, rows["G"].members) == (
        D("4400.00"), D("300.00"), 3,
    )  # fmt: skip
    assert rows["G"].revenue_growth_pct == D("1366.67")
    # S1 becomes a group: 900 + 200 = 1100, previous 1000 + 300 = 1300, spend 2000 + 500
    assert (rows["S1"].revenue, rows["S1"].revenue_prev, rows["S1"].members) == (
        D("1100.00"), D("1300.00"), 1,
    )  # fmt: skip
    assert rows["S1"].category_spend == D("2500.00")
    assert rows["S1"].share_of_wallet_pct == D("44.00")  # 1100 / 2500
    assert (rows["E2"].is_unit, rows["E2"].group_id) == (False, world["S1"].pk)


def test_the_dashboards_two_views_agree_on_the_engines_rows(world):
    """The dashboard reads the engine's rows as the engine stores them: a group's top row is
    its roll-up, so its own figures are that less its members' (G has no sales of its own)."""
    run = recompute()
    period = resolve_period("t12m", today=run.as_of)
    groups, entities = Scope(), Scope(level="entities")

    by_units, by_entities = run_figures(run, groups), run_figures(run, entities)

    # Units G, S1-S4; entities G (own 0), E1, E2, E3, P, S1-S4.
    assert (by_units.accounts, by_entities.accounts) == (5, 9)
    # G 300 + 200 + 100 + 4000 = 4600, S1 900, S2 100, S3 50, S4 20: 5670; key G and S4.
    for figures in (by_units, by_entities):
        assert (figures.revenue, figures.key_revenue) == (D(5670), D(4620))
    assert by_units.top_revenues[0] == D(4600)
    assert by_entities.top_revenues[0] == D(4000)  # the plant
    # Q1 2026 holds every T12 sale: key G 4600 + S4 20, the others 900 + 100 + 50.
    q1 = period.trend_quarters.index(dt.date(2026, 1, 1))
    for scope in (groups, entities):
        revenue = effectiveness_trends(scope, period, run)["revenue"]
        assert (revenue["key"][q1], revenue["other"][q1]) == (D(4620), D(1050))


def test_a_final_stage_retried_after_its_groups_step_rolls_the_groups_up_once(world, monkeypatch):
    """The groups stage commits before the health and the explanations, which read its sums:
    a retry after a later step failed (a lost connection: the task retries) must not add the
    subtree to the top's row a second time, and a chunk redelivered in between must not put
    the top's own figures back."""
    run = services.run_request(trigger=RunTrigger.COMMAND, as_of=AS_OF)
    plan = services.run_prepare(run_id=run.pk)
    for chunk in plan.chunks:
        services.run_chunk(run_id=run.pk, chunk=chunk, snapshot_from=plan.snapshot_from)
    finalize_scores = final.finalize_scores
    failures = []

    def failing_once(**kwargs):
        if not failures:
            failures.append(kwargs)
            raise OperationalError("server closed the connection unexpectedly")
        return finalize_scores(**kwargs)

    monkeypatch.setattr(final, "finalize_scores", failing_once)
    with pytest.raises(OperationalError):
        services.run_finalize(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    assert scores(run)["G"].revenue == D("4600.00")  # rolled up, committed
    for chunk in plan.chunks:
        with pytest.raises(services.RunNotRunning):
            services.run_chunk(run_id=run.pk, chunk=chunk, snapshot_from=plan.snapshot_from)

    services.run_finalize(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    g = scores(run)["G"]
    assert (g.revenue, g.cost_of_goods, g.revenue_prev, g.members) == (
        D("4600.00"), D("2250.00"), D("600.00"), 4,
    )  # fmt: skip
    assert (run.counts["groups"], run.counts["group_members"]) == (1, 4)
    assert services.GROUPS_DONE not in run.counts
