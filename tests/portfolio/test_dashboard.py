"""The director's portfolio dashboard: tiles, warnings, filters, permissions, query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountStatus, Stage, StageChange
from plans.models import ActionStatus, CommitmentStatus, Plan, PlanStatus
from plans.services import plans as plans_services
from scoring.models import AccountScore, MetricSnapshot
from scoring.portfolio import base, tiles
from tests import factories
from tests.portfolio.builders import bulk_accounts, make_run, score

DASHBOARD = reverse("portfolio:dashboard")


@pytest.fixture
def four_accounts(kam):
    """Two key accounts of one KAM and two standard accounts, scored in one run.

    account   status    revenue  prev  cost to serve  net profit  rank  flagged misclassified
    Alpha     key           600   650             60         200     2
    Beta      key           200   250             40          50     3  yes (key, bottom half)
    Gamma     standard      150     0             50         -30     1  yes (top decile)
    Delta     standard       50     0             30         -20     4
    """
    run = make_run()
    alpha = factories.KeyAccountFactory(name="Alpha", kam=kam)
    beta = factories.KeyAccountFactory(name="Beta", kam=kam)
    gamma = factories.AccountFactory(name="Gamma")
    delta = factories.AccountFactory(name="Delta")
    AccountScore.objects.bulk_create(
        [
            score(run, alpha, rank=2, revenue=600, revenue_prev=650, cost_to_serve=60,
                  net_profit=200, is_pareto=True, is_4x=True),
            score(run, beta, rank=3, revenue=200, revenue_prev=250, cost_to_serve=40,
                  net_profit=50, is_pareto=True, is_misclassified=True),
            score(run, gamma, rank=1, revenue=150, cost_to_serve=50, net_profit=-30,
                  is_misclassified=True),
            score(run, delta, rank=4, revenue=50, cost_to_serve=30, net_profit=-20),
        ]
    )  # fmt: skip
    return {"run": run, "alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta}


def test_tiles_show_key_accounts_shares_and_concentration(client, director, four_accounts):
    client.force_login(director)

    board = client.get(DASHBOARD).context["board"]

    figures = board.figures
    assert board.counts.key_all == 2
    # Revenue 600 + 200 = 800 of 1,000; cost to serve 100 of 180; net profit 250 of 200.
    assert figures.key_revenue_pct == pytest.approx(80.0)
    assert figures.key_cost_to_serve_pct == pytest.approx(100 / 180 * 100)
    assert figures.key_net_profit_pct == pytest.approx(125.0)
    assert figures.top1_pct == pytest.approx(60.0)
    assert figures.top5_pct == pytest.approx(100.0)
    # Shares 60%, 20%, 15%, 5%: 3600 + 400 + 225 + 25.
    assert figures.herfindahl == pytest.approx(4250.0)
    assert figures.pareto_accounts == 2
    assert figures.four_x_accounts == 1
    assert [(load.name, load.key_accounts, load.accounts) for load in board.loads] == [
        (str(four_accounts["alpha"].kam), 2, 2)
    ]


def test_whale_curve_peaks_after_the_profitable_accounts(client, director, four_accounts):
    client.force_login(director)

    board = client.get(DASHBOARD).context["board"]

    # By profit: Alpha 200, Beta 50, Delta -20, Gamma -30; total 200.
    assert [(p.position, p.cumulative) for p in board.whale] == [
        (1, Decimal(200)),
        (2, Decimal(250)),
        (3, Decimal(230)),
        (4, Decimal(200)),
    ]
    peak = board.whale_peak
    assert (peak.position, peak.accounts_pct, peak.cumulative_pct) == (2, 50.0, 125.0)
    assert board.figures.unprofitable_tail == Decimal(50)
    # By revenue: 600, 800, 950, 1000 of 1000.
    assert [p.cumulative_pct for p in board.pareto] == [60.0, 80.0, 95.0, 100.0]


def test_a_segment_that_loses_money_draws_its_whale_curve_in_money(client, director):
    run = make_run()
    accounts = [factories.AccountFactory(name=n, industry="Loss") for n in ("Up", "Mid", "Low")]
    factories.AccountFactory(name="Elsewhere", industry="Other")
    AccountScore.objects.bulk_create(
        score(run, account, rank=i + 1, revenue=100, net_profit=profit)
        for i, (account, profit) in enumerate(zip(accounts, (40, -30, -60), strict=True))
    )
    client.force_login(director)

    response = client.get(DASHBOARD, {"industry": "Loss"})

    board = response.context["board"]
    # By profit: 40, 40 - 30 = 10, 10 - 60 = -50; a total of -50 has no percentages.
    assert board.whale_in_money
    assert [(p.position, p.cumulative, p.cumulative_pct) for p in board.whale] == [
        (1, Decimal(40), None),
        (2, Decimal(10), None),
        (3, Decimal(-50), None),
    ]
    data = response.context["charts"]
    assert data["whaleInMoney"] is True
    assert [y for _, y in data["whale"]] == [40.0, 10.0, -50.0]
    assert data["whalePeak"] == [pytest.approx(100 / 3), 40.0]
    peak = re.sub(r"\s+", " ", response.content.decode().split('data-testid="whale-peak">')[1])
    assert peak.startswith(" <strong>This selection loses money overall: net profit -50.00")
    # the profitable account earns 40; the others give away 40 - (-50) = 90
    assert "The 1 profitable accounts (33.3%) earn 40.00" in peak
    assert "give away 90.00" in peak


def test_a_segment_without_a_profitable_account_says_so(client, director):
    run = make_run()
    account = factories.AccountFactory(name="Only", industry="Loss")
    AccountScore.objects.bulk_create([score(run, account, rank=1, net_profit=-5)])
    client.force_login(director)

    response = client.get(DASHBOARD, {"industry": "Loss"})

    assert response.context["charts"]["whale"] == [[100.0, -5.0]]
    assert response.context["charts"]["whalePeak"] is None
    assert "No account in it makes a profit." in response.content.decode()


def test_warnings_name_the_guardrail_the_top_n_movers_and_revenue_falls(
    client, director, four_accounts
):
    client.force_login(director)

    response = client.get(DASHBOARD)

    groups = {group.kind: group for group in response.context["board"].warnings}
    # (the key accounts have no plans: no_plan, tested below)
    assert set(groups) == {"guardrail", "would_enter", "would_leave", "revenue_fall", "no_plan"}
    assert groups["guardrail"].level == "danger"
    assert "below the outer limit of 5" in groups["guardrail"].warnings[0].message
    # Two key accounts, so N = 2: Gamma (rank 1) is in the top 2, Beta (rank 3) is not.
    assert [w.account_id for w in groups["would_enter"].warnings] == [four_accounts["gamma"].pk]
    assert [w.account_id for w in groups["would_leave"].warnings] == [four_accounts["beta"].pk]
    # Beta: 200 against 250 is down 20%; Alpha: 600 against 650 is down 7.7%.
    assert [w.account_id for w in groups["revenue_fall"].warnings] == [four_accounts["beta"].pk]
    html = response.content.decode()
    assert "Beta: revenue down 20.0% on the previous 12 months." in html
    assert "Gamma: not a key account, score 50.00, rank 1 of 4." in html


def test_the_data_quality_tile_lists_category_spends_below_our_revenue(
    client, director, four_accounts, other_kam
):
    alpha, gamma = four_accounts["alpha"], four_accounts["gamma"]
    four_accounts["delta"].kam = other_kam
    four_accounts["delta"].save()
    # the spend the run used (entered on the account or summed from its estimates)
    for account, spend in ((alpha, 500), (gamma, 100)):
        AccountScore.objects.filter(account=account).update(
            spend_below_revenue=True, category_spend=Decimal(spend)
        )
    client.force_login(director)

    response = client.get(DASHBOARD)

    flagged = response.context["board"].results.spend_below_revenue
    # largest revenue first: Alpha 600 (spend 500), Gamma 150 (spend 100)
    rows = [(r["account__name"], r["revenue"], r["category_spend"]) for r in flagged.rows]
    assert rows == [
        ("Alpha", Decimal(600), Decimal(500)),
        ("Gamma", Decimal(150), Decimal(100)),
    ]
    assert flagged.total == 2
    html = response.content.decode()
    assert "2 accounts: category spend below our revenue: update it." in html
    assert f"{reverse('portfolio:scores')}?spend_below_revenue=true&amp;" in html
    # the tile follows the filters: the other KAM's Delta has no such problem
    html = client.get(DASHBOARD, {"kam": other_kam.pk}).content.decode()
    assert 'data-testid="no-data-problems"' in html


def test_run_figures_are_as_of_the_run_and_the_key_count_is_live(
    client, director, four_accounts, kam
):
    four_accounts["gamma"].status = AccountStatus.KEY
    four_accounts["gamma"].kam = kam
    four_accounts["gamma"].save()
    client.force_login(director)

    board = client.get(DASHBOARD).context["board"]

    assert board.counts.key_all == 3  # Gamma is key now
    assert board.figures.key_revenue_pct == pytest.approx(80.0)  # still Alpha + Beta in the run


def test_a_new_run_replaces_the_cached_results(client, director, four_accounts):
    client.force_login(director)
    client.get(DASHBOARD)
    newer = make_run()
    score(newer, four_accounts["alpha"], rank=1, revenue=1000).save()

    board = client.get(DASHBOARD).context["board"]

    assert board.run == newer
    assert board.figures.revenue == Decimal(1000)


@pytest.mark.parametrize(
    ("revenue", "revenue_prev", "warned"),
    [("85.00", "100.00", False), ("84.99", "100.00", True), ("10.00", "0.00", False)],
)
def test_revenue_fall_warning_is_for_more_than_15_percent(
    client, director, kam, revenue, revenue_prev, warned
):
    run = make_run()
    account = factories.KeyAccountFactory(kam=kam)
    score(run, account, rank=1, revenue=revenue, revenue_prev=revenue_prev).save()
    client.force_login(director)

    groups = {g.kind for g in client.get(DASHBOARD).context["board"].warnings}

    assert ("revenue_fall" in groups) is warned


@pytest.mark.parametrize(
    ("key_accounts", "level", "text"),
    [
        (4, "danger", "below the outer limit of 5"),
        (5, "warning", "below the typical 15-35"),
        (15, "ok", "within the typical 15-35"),
        (35, "ok", "within the typical 15-35"),
        (36, "warning", "above the typical 15-35"),
        (51, "danger", "above the outer limit of 50"),
        (101, "danger", "over 100 is too many"),
    ],
)
def test_portfolio_size_guardrail(key_accounts, level, text):
    guardrail = tiles.portfolio_size_guardrail(key_accounts)

    assert guardrail.level == level
    assert text in guardrail.message


def test_a_kam_with_more_than_five_key_accounts_is_warned(client, director, kam, other_kam):
    factories.KeyAccountFactory.create_batch(6, kam=kam)
    factories.KeyAccountFactory.create_batch(5, kam=other_kam)
    client.force_login(director)

    groups = {g.kind: g for g in client.get(DASHBOARD).context["board"].warnings}

    assert [w.message for w in groups["kam_load"].warnings] == [
        f"{kam} serves 6 key accounts (more than 5)."
    ]


def test_without_a_run_the_dashboard_says_not_yet_computed_and_counts_key_accounts(
    client, director, kam
):
    factories.KeyAccountFactory.create_batch(3, kam=kam)
    client.force_login(director)

    response = client.get(DASHBOARD)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Not yet computed — start a recompute." in html
    assert response.context["board"].counts.key_all == 3
    assert response.context["board"].figures is None


def test_filters_narrow_the_figures_to_a_kams_accounts(client, director, four_accounts, other_kam):
    four_accounts["gamma"].kam = other_kam
    four_accounts["gamma"].save()
    client.force_login(director)

    board = client.get(DASHBOARD, {"kam": other_kam.pk}).context["board"]

    assert board.scope == base.Scope(kam_id=other_kam.pk)
    assert board.figures.accounts == 1
    assert board.figures.revenue == Decimal(150)
    # The size guardrail stays about the whole programme; the selection has no key account.
    assert (board.counts.key_all, board.counts.key) == (2, 0)


def test_an_unknown_filter_value_falls_back_to_the_whole_portfolio(client, director, four_accounts):
    client.force_login(director)

    response = client.get(DASHBOARD, {"industry": "No such industry"})

    assert response.status_code == 200
    assert response.context["board"].scope.is_whole_portfolio
    assert response.context["filter"].form.errors


def test_period_picks_the_months_of_stage_movements(client, director, kam):
    account = factories.KeyAccountFactory(kam=kam)
    make_run(as_of=dt.date(2026, 6, 30))
    moves = [
        (Stage.TACTICAL, Stage.COOPERATIVE, dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC)),
        (Stage.COOPERATIVE, Stage.DISENGAGING, dt.datetime(2025, 11, 5, 12, tzinfo=dt.UTC)),
        (Stage.DISENGAGING, Stage.TACTICAL, dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC)),
    ]
    StageChange.objects.bulk_create(
        StageChange(account=account, from_stage=a, to_stage=b, reason="r", changed_at=at)
        for a, b, at in moves
    )
    client.force_login(director)

    trailing = client.get(DASHBOARD).context["board"].movements
    year_2025 = client.get(DASHBOARD, {"period": "2025"}).context["board"].movements

    # Last 12 months = Jul 2025 - Jun 2026: the fall into disengaging (down) in November and
    # the climb out of it (up) in February.
    assert months_with_moves(trailing) == {
        (dt.date(2025, 11, 1), 0, 1),
        (dt.date(2026, 2, 1), 1, 0),
    }
    assert months_with_moves(year_2025) == {
        (dt.date(2025, 3, 1), 1, 0),
        (dt.date(2025, 11, 1), 0, 1),
    }


def test_the_period_offers_only_years_with_data(client, director, kam):
    account = factories.KeyAccountFactory(kam=kam)
    make_run(as_of=dt.date(2026, 6, 30))
    # a move in 2024 and a snapshot in 2025; 2023 and 2022 have nothing, and an account's
    # first stage (no from-stage) is not a movement
    StageChange.objects.bulk_create(
        [
            StageChange(account=account, from_stage=Stage.TACTICAL, to_stage=Stage.COOPERATIVE,
                        reason="r", changed_at=dt.datetime(2024, 5, 1, tzinfo=dt.UTC)),
            StageChange(account=account, from_stage="", to_stage=Stage.TACTICAL,
                        reason="r", changed_at=dt.datetime(2022, 5, 1, tzinfo=dt.UTC)),
        ]
    )  # fmt: skip
    MetricSnapshot.objects.create(account=account, period_start=dt.date(2025, 4, 1))
    client.force_login(director)

    response = client.get(DASHBOARD)

    period = response.context["filter"].form.fields["period"]
    assert [value for value, _ in period.choices] == ["t12m", "2025", "2024"]
    # a year without data is refused like any unknown choice: the last 12 months are shown
    response = client.get(DASHBOARD, {"period": "2023"})
    assert response.context["board"].period.trailing
    assert "period" in response.context["filter"].form.errors


def test_every_tile_that_ignores_the_period_says_its_window(client, director, four_accounts):
    client.force_login(director)

    html = client.get(DASHBOARD, {"period": "2025"}).content.decode()

    run_window = (
        # The run's as-of date is 30 Jun 2026: its last 12 complete months are Jun 2025 - May 2026.
        "Last 12 months (Jun 2025 - May 2026), from the scoring run: the period does not change it."
    )
    live_window = "As of today: the period does not change it."
    # three share tiles, concentration, data quality, health, matrix, whale and Pareto curves
    assert html.count(run_window) == 9
    # key accounts, KAM loads, plans waiting for approval, stages, overdue items
    assert html.count(live_window) == 5
    assert "Every other tile and chart says its own window." in html
    assert (
        "Would enter or leave the top N: the scoring run's ranks (30 Jun 2026) against the key "
        "accounts as of today; revenue falls and investment fit: the last 12 months (Jun 2025 - "
        "May 2026), from the scoring run; the size guardrail and KAM loads: as of today." in html
    )


def months_with_moves(movements: dict) -> set[tuple[dt.date, int, int]]:
    return {(m["month"], m["up"], m["down"]) for m in movements["months"] if m["up"] or m["down"]}


def test_effectiveness_trends_compare_key_accounts_with_the_others(client, director, kam):
    make_run(as_of=dt.date(2026, 6, 30))
    key = factories.KeyAccountFactory(kam=kam)
    others = factories.AccountFactory.create_batch(2)
    quarter = dt.date(2026, 4, 1)
    MetricSnapshot.objects.bulk_create(
        [
            MetricSnapshot(account=key, period_start=quarter, is_key=True, revenue=1000,
                           gross_margin=400, cost_to_serve=100, satisfaction=80, retention=100),
            MetricSnapshot(account=others[0], period_start=quarter, revenue=300,
                           gross_margin=60, cost_to_serve=60, satisfaction=60),
            MetricSnapshot(account=others[1], period_start=quarter, revenue=100,
                           gross_margin=20, cost_to_serve=40, satisfaction=None),
        ]
    )  # fmt: skip
    client.force_login(director)

    trends = client.get(DASHBOARD).context["board"].trends

    assert trends["quarters"][0].start == dt.date(2023, 7, 1)
    assert trends["quarters"][-1].start == quarter
    series = trends["series"]
    assert series["revenue_per_account"]["key"][-1] == 1000.0
    assert series["revenue_per_account"]["other"][-1] == 200.0  # (300 + 100) / 2
    assert series["gross_margin_pct"]["other"][-1] == pytest.approx(20.0)  # 80 / 400
    assert series["cost_to_serve_pct"]["key"][-1] == pytest.approx(10.0)
    assert series["cost_to_serve_pct"]["other"][-1] == pytest.approx(25.0)  # 100 / 400
    assert series["satisfaction"]["other"][-1] == 60.0  # the account without a value is left out
    assert series["retention"]["other"][-1] is None
    assert series["revenue_per_account"]["key"][0] is None
    # no other account has a retention figure: not drawn (nor in the legend), and said so
    assert series["retention"]["without_data"] == ["Other accounts"]
    assert series["satisfaction"]["without_data"] == []
    assert series["share_of_wallet_pct"]["without_data"] == ["Key accounts", "Other accounts"]
    html = client.get(DASHBOARD).content.decode()
    assert html.count('data-testid="trend-without-data"') == 2
    assert "Not drawn, no figures in these quarters: other accounts." in html
    assert "Not drawn, no figures in these quarters: key accounts, other accounts." in html


def test_the_matrix_names_its_quadrants_hhi_its_scale_and_stages_their_axes(
    client, director, four_accounts
):
    client.force_login(director)

    response = client.get(DASHBOARD)

    # x = relative strength, y = attractiveness; high on both is Strategic (the engine's rule)
    assert response.context["charts"]["quadrants"] == [
        {"label": "Star", "x": "low", "y": "high"},
        {"label": "Strategic", "x": "high", "y": "high"},
        {"label": "Streamline", "x": "low", "y": "low"},
        {"label": "Status", "x": "high", "y": "low"},
    ]
    html = response.content.decode()
    assert (
        '<span data-testid="matrix-quadrants">Star top left, Strategic top right, '
        "Streamline bottom left, Status bottom right</span>" in html
    )
    assert '</abbr> <span class="text-body-secondary">(0-10,000)</span></dt>' in html
    assert "Key accounts are counted on the right axis, the other accounts on the left" in html


def test_overdue_plans_actions_and_breached_commitments_are_counted(client, director, kam):
    today = dt.date.today()
    past, future = today - dt.timedelta(days=3), today + dt.timedelta(days=3)
    plan = factories.PlanFactory(account__kam=kam, review_date=past, status=PlanStatus.APPROVED)
    factories.PlanFactory(account__kam=kam, review_date=future)
    factories.PlanFactory(account__kam=kam, review_date=past, status=PlanStatus.ARCHIVED)
    factories.ActionFactory(plan=plan, due_date=past)
    factories.ActionFactory(plan=plan, due_date=past, status=ActionStatus.DONE)
    factories.ActionFactory(plan=plan, due_date=future)
    factories.CommitmentFactory(account=plan.account, status=CommitmentStatus.BREACHED)
    factories.CommitmentFactory(account=plan.account, status=CommitmentStatus.MET)
    client.force_login(director)

    overdue = client.get(DASHBOARD).context["board"].overdue

    assert (overdue.plans.total, overdue.actions.total, overdue.commitments.total) == (1, 1, 1)
    # Each row names its account (read by the account's key, not a join).
    name = plan.account.name
    assert overdue.plans.rows[0]["account__name"] == name
    assert overdue.actions.rows[0]["plan__account__name"] == name
    assert overdue.commitments.rows[0]["account__name"] == name


def test_page_has_a_canvas_table_and_csv_link_per_chart_and_no_inline_script(
    client, director, four_accounts
):
    client.force_login(director)

    html = client.get(DASHBOARD).content.decode()

    for chart in ("matrix", "whale", "pareto", "stages", "movements", "trend", "overdue"):
        assert f'data-chart="{chart}"' in html
    canvases = re.findall(r"<canvas [^>]*>", html)
    assert len(canvases) == 12  # six effectiveness metrics, one canvas each
    assert all('role="img" aria-label="' in canvas for canvas in canvases)
    for export in portfolio_exports():
        assert reverse("portfolio:export", args=[export]) in html
    assert '<script id="portfolio-data" type="application/json">' in html
    for chunk in html.split("<script")[1:]:
        assert chunk.lstrip().startswith(("src=", 'id="portfolio-data" type="application/json"'))
    assert " onclick=" not in html.lower()


def portfolio_exports() -> list[str]:
    from scoring.portfolio.views import EXPORTS

    return list(EXPORTS)


def _seed(count: int, kam) -> None:
    """`count` scored accounts (a few key), snapshots, stage moves, plans: every section has
    rows, and most sections have more rows than they list."""
    run = make_run()
    accounts = bulk_accounts(count)
    # Six key accounts (N = 6), three of them ranked last: three others would enter the top 6.
    key = accounts[:3] + accounts[-3:]
    for account in key:
        account.status, account.kam = AccountStatus.KEY, kam
    type(accounts[0]).objects.bulk_update(key, ["status", "kam"])
    AccountScore.objects.bulk_create(
        score(run, account, rank=i + 1, revenue=10_000 - i, revenue_prev=20_000,
              net_profit=500 - i, is_pareto=i < count // 5, is_4x=i < 3,
              is_misclassified=i < 6 or i % 7 == 0, spend_below_revenue=i % 5 == 0)
        for i, account in enumerate(accounts)
    )  # fmt: skip
    MetricSnapshot.objects.bulk_create(
        MetricSnapshot(account=account, period_start=dt.date(2026, 4, 1), revenue=100)
        for account in accounts
    )
    StageChange.objects.bulk_create(
        StageChange(account=account, from_stage=Stage.TACTICAL, to_stage=Stage.COOPERATIVE,
                    reason="r", changed_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))
        for account in accounts
    )  # fmt: skip
    for account in accounts[:3]:
        plan = factories.PlanFactory(account=account, review_date=dt.date(2020, 1, 1))
        factories.ActionFactory(plan=plan, owner=kam, due_date=dt.date(2020, 1, 1))
        factories.CommitmentFactory(account=account, status=CommitmentStatus.BREACHED)


# On every request: session and user (2), the user's groups for the role check (1), current
# run (1), account counts and stages (1), KAM loads (1), stage movements (1), overdue plans,
# actions, commitments (3), plans waiting for approval (1), key accounts without a current plan
# (1), the navigation's unread notification count (1), the top-N check: today's key accounts
# and the names of the listed accounts that would enter (2), and their criteria (1).
LIVE_QUERIES = 16
# Cached for a few minutes: the filters' industries, regions and KAMs (3), and the years with
# data the period offers (1).
FACET_QUERIES = 4
# Once per run and filters, then cached: run sums (1), top ten (1), revenue falls (1), category
# spend below revenue (1), health bands and accounts that fell (2), investment warnings (1),
# matrix (1), whale and Pareto curves (2), trends (1), cost to serve by stage and by quadrant
# (2), and the run's units as arrays for the top-N check (1, shared with the what-if).
RESULT_QUERIES = 14
DASHBOARD_QUERIES = LIVE_QUERIES + FACET_QUERIES + RESULT_QUERIES


@pytest.mark.parametrize("count", [20, 2000])
def test_dashboard_query_count_does_not_grow_with_the_portfolio(
    client, director, kam, count, django_assert_num_queries
):
    _seed(count, kam)
    client.force_login(director)

    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(DASHBOARD)
    with django_assert_num_queries(LIVE_QUERIES):
        client.get(DASHBOARD)

    board = response.context["board"]
    assert board.figures.accounts == count
    assert len(board.matrix) == min(count, base.MATRIX_MAX_BUBBLES)
    assert len(board.whale) == min(count, base.CURVE_POINTS)
    assert board.warnings  # every kind of warning has rows at both sizes


def test_the_same_dashboard_reads_the_same_queries_with_filters(client, director, kam):
    _seed(20, kam)
    client.force_login(director)

    with CaptureQueriesContext(connection) as plain:
        client.get(DASHBOARD)
    cache.clear()
    with CaptureQueriesContext(connection) as filtered:
        client.get(DASHBOARD, {"kam": kam.pk, "industry": "", "period": "2025"})

    assert len(filtered) == len(plain)


ROLES = ["kam", "operations"]


@pytest.mark.parametrize(
    "url",
    [DASHBOARD, reverse("portfolio:export", args=["matrix"]), reverse("portfolio:workbench")],
)
@pytest.mark.parametrize("role", ROLES)
def test_kams_and_operations_are_refused(client, db, request, role, url):
    client.force_login(request.getfixturevalue(role))

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("role", ["director", "admin_user"])
def test_directors_and_admins_see_the_dashboard(client, db, request, role):
    client.force_login(request.getfixturevalue(role))

    assert client.get(DASHBOARD).status_code == 200


def test_anonymous_is_sent_to_log_in(client, db):
    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={DASHBOARD}"


# --- Plans: waiting for approval, key accounts without a current plan ----------------------


def _submitted(account, kam, days_ago):
    plan = factories.started_plan(account, kam, review_date=dt.date(2099, 7, 1))
    plans_services.plan_submit(plan=plan, actor=kam)
    Plan.objects.filter(pk=plan.pk).update(
        submitted_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return plan


def test_the_plans_waiting_tile_counts_them_lists_the_oldest_and_links_the_queue(
    client, director, kam
):
    old = _submitted(factories.KeyAccountFactory(name="Oldest", kam=kam), kam, 9)
    _submitted(factories.KeyAccountFactory(name="Newer", kam=kam), kam, 2)
    factories.started_plan(factories.KeyAccountFactory(name="Drafting", kam=kam), kam)
    client.force_login(director)

    response = client.get(DASHBOARD)

    waiting = response.context["board"].waiting
    assert waiting.total == 2
    assert [row["account__name"] for row in waiting.rows] == ["Oldest", "Newer"]
    html = response.content.decode()
    assert 'data-testid="plans-waiting-count">2<' in html
    assert f'href="{reverse("plans:plan_detail", args=[old.pk])}">Oldest</a>, waiting 1' in html
    assert f'href="{reverse("plans:list")}?waiting=on"' in html


def test_from_the_dashboard_a_plan_is_approved_in_two_clicks(client, director, kam):
    """Click 1: the tile's link to the queue; click 2: the row's Approve button."""
    plan = _submitted(factories.KeyAccountFactory(name="Acme", kam=kam), kam, 1)
    client.force_login(director)
    html = client.get(DASHBOARD).content.decode()
    queue_url = f"{reverse('plans:list')}?waiting=on"
    assert f'href="{queue_url}"' in html

    queue = client.get(queue_url).content.decode()
    approve = reverse("plans:plan_approve", args=[plan.pk])
    assert f'action="{approve}"' in queue
    response = client.post(approve, {"reason": "", "next": queue_url})

    assert response["Location"] == queue_url
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.APPROVED


def test_key_accounts_without_a_current_plan_are_warned_of(client, director, kam):
    factories.KeyAccountFactory(name="Planless", kam=kam)
    archived = factories.KeyAccountFactory(name="Archived only", kam=kam)
    plan = factories.started_plan(archived, kam)
    plans_services.plan_archive(plan=plan, actor=director, reason="Superseded elsewhere")
    planned = factories.KeyAccountFactory(name="Planned", kam=kam)
    factories.started_plan(planned, kam)
    factories.AccountFactory(name="Standard, no plan needed")
    client.force_login(director)

    response = client.get(DASHBOARD)

    groups = {group.kind: group for group in response.context["board"].warnings}
    assert groups["no_plan"].total == 2
    assert [w.account_name for w in groups["no_plan"].warnings] == ["Archived only", "Planless"]
    assert "Key accounts without a current plan: 2" in response.content.decode()
    rows = list(csv.reader(io.StringIO(_download(client, "warnings"))))
    assert sorted(row[3] for row in rows if row[0] == "No current plan") == [
        "Archived only",
        "Planless",
    ]


def _download(client, name):
    response = client.get(reverse("portfolio:export", args=[name]))
    return b"".join(response.streaming_content).decode("utf-8-sig")
