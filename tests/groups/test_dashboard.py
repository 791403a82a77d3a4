"""The portfolio dashboard counts groups (units of selection) or legal entities, and a group's
row in its tables opens into its members.

The scores are written as the engine stores them (scoring/engine/groups.py): a group's top row
holds the roll-up of its subtree, each member's row its own figures (is_unit false, group = the
top); GroupSnapshot holds the group's quarter, MetricSnapshot every entity's own.

    entity         parent   status    revenue  net profit  cost to serve
    Gamma (own)    -        key           100          10             20
    Gamma France   Gamma    (member)      300          60             30
    Gamma Plant    France   (member)      200         -20             40
    Alpha          -        key           400          80             10
    Beta           -        standard      100         -10             30

Gamma's row (the roll-up): revenue 100 + 300 + 200 = 600, net profit 10 + 60 - 20 = 50, cost
to serve 20 + 30 + 40 = 90, 2 members.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AccountStatus
from scoring.models import AccountScore, GroupSnapshot, MetricSnapshot
from scoring.portfolio import base, charts
from tests import factories
from tests.portfolio.builders import bulk_accounts, make_run, score

DASHBOARD = reverse("portfolio:dashboard")
QUARTER = dt.date(2026, 4, 1)  # the last quarter of the trends (the run is as of 30 June)


@pytest.fixture(autouse=True)
def empty_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def member_score(run, account, top, *, revenue, net_profit, cost_to_serve):
    row = score(
        run,
        account,
        rank=99,
        revenue=revenue,
        net_profit=net_profit,
        cost_to_serve=cost_to_serve,
        attractiveness=0,
        is_unit=False,
    )
    row.group, row.quadrant = top, ""
    return row


@pytest.fixture
def portfolio(kam):
    run = make_run()
    gamma = factories.KeyAccountFactory(name="Gamma", kam=kam)
    france = factories.AccountFactory(name="Gamma France", parent=gamma)
    plant = factories.AccountFactory(name="Gamma Plant", parent=france)
    alpha = factories.KeyAccountFactory(name="Alpha", kam=kam)
    beta = factories.AccountFactory(name="Beta")
    group_row = score(run, gamma, rank=1, revenue=600, net_profit=50, cost_to_serve=90,
                      is_pareto=True)  # fmt: skip
    group_row.members = 2
    AccountScore.objects.bulk_create(
        [
            group_row,
            member_score(run, france, gamma, revenue=300, net_profit=60, cost_to_serve=30),
            member_score(run, plant, gamma, revenue=200, net_profit=-20, cost_to_serve=40),
            score(run, alpha, rank=2, revenue=400, net_profit=80, cost_to_serve=10,
                  is_pareto=True),
            score(run, beta, rank=3, revenue=100, net_profit=-10, cost_to_serve=30),
        ]
    )  # fmt: skip
    # The quarter's snapshots: every entity's own, and the group's roll-up.
    own = {gamma: (100, 20, True), france: (300, 30, False), plant: (200, 40, False),
           alpha: (400, 10, True), beta: (100, 30, False)}  # fmt: skip
    MetricSnapshot.objects.bulk_create(
        MetricSnapshot(account=account, period_start=QUARTER, revenue=revenue,
                       cost_to_serve=cts, is_key=is_key)
        for account, (revenue, cts, is_key) in own.items()
    )  # fmt: skip
    GroupSnapshot.objects.create(
        account=gamma, period_start=QUARTER, revenue=600, cost_to_serve=90, is_key=True, members=2
    )
    return {"run": run, "gamma": gamma, "france": france, "plant": plant, "alpha": alpha,
            "beta": beta}  # fmt: skip


def board_for(client, director, **params):
    client.force_login(director)
    response = client.get(DASHBOARD, params)
    assert response.status_code == 200
    return response


def test_groups_view_counts_units_of_selection(client, director, portfolio):
    board = board_for(client, director).context["board"]

    figures = board.figures
    assert board.scope.level == "groups"
    # Units: Gamma 600, Alpha 400, Beta 100.
    assert figures.accounts == 3
    assert figures.revenue == Decimal(1100)
    assert figures.key_revenue == Decimal(1000)  # Gamma and Alpha
    assert figures.net_profit == Decimal(120)  # 50 + 80 - 10
    assert figures.top1_pct == pytest.approx(600 / 1100 * 100)
    # (600² + 400² + 100²) / 1100² x 10,000
    assert figures.herfindahl == pytest.approx(530_000 / 1_210_000 * 10_000)
    assert figures.pareto_accounts == 2  # the run's flags
    assert [p.value for p in board.pareto] == [Decimal(600), Decimal(400), Decimal(100)]
    # The live counts are of units too: the two members have no stage or status of their own.
    assert board.counts.accounts == 3
    assert sum(s["key"] + s["other"] for s in board.stages) == 3


def test_entities_view_counts_every_entity_with_its_own_figures(client, director, portfolio):
    board = board_for(client, director, level="entities").context["board"]

    figures = board.figures
    assert board.scope.entities
    # Entities: Gamma's own 100 (its roll-up 600 less its members' 300 + 200), France 300,
    # Plant 200, Alpha 400, Beta 100: nothing counted twice.
    assert figures.accounts == 5
    assert figures.revenue == Decimal(1100)
    assert figures.cost_to_serve == Decimal(130)  # 20 + 30 + 40 + 10 + 30
    # Gamma's members are key with their group: 100 + 300 + 200 + 400.
    assert figures.key_revenue == Decimal(1000)
    assert figures.net_profit == Decimal(120)
    assert figures.profitable_accounts == 3  # Gamma's own 10, France 60, Alpha 80
    assert figures.top1_pct == pytest.approx(400 / 1100 * 100)
    # (100² + 300² + 200² + 400² + 100²) / 1100² x 10,000
    assert figures.herfindahl == pytest.approx(310_000 / 1_210_000 * 10_000)
    # Ranked 400, 300, 200, 100, 100: before each 0, 400, 700 (< 880, 80% of 1,100), 900.
    assert figures.pareto_accounts == 3
    assert [(p.name, p.value) for p in board.pareto] == [
        ("Alpha", Decimal(400)),
        ("Gamma France", Decimal(300)),
        ("Gamma Plant", Decimal(200)),
        ("Gamma", Decimal(100)),
        ("Beta", Decimal(100)),
    ]
    assert [p.cumulative for p in board.whale] == [Decimal(n) for n in (80, 140, 150, 140, 120)]
    assert not any(point.members for point in board.pareto)  # no drill-down: no roll-ups


def test_the_kam_filter_in_entities_view_takes_a_groups_members_with_it(
    client, director, kam, portfolio
):
    board = board_for(client, director, level="entities", kam=kam.pk).context["board"]

    # Gamma's own, France and Plant (the group's KAM), Alpha; not Beta.
    assert board.figures.accounts == 4
    assert board.figures.revenue == Decimal(1000)


def test_the_switch_is_a_labelled_control_kept_with_the_filters(client, director, portfolio):
    groups = board_for(client, director).content.decode()
    assert '<label class="form-label small mb-0" for="id_level">Show</label>' in groups
    assert 'data-testid="level-info">Showing <strong>groups and standalone accounts' in groups

    page = board_for(client, director, level="entities", period="t12m").content.decode()
    assert 'data-testid="level-info">Showing <strong>every legal entity</strong>' in page
    assert '<option value="entities" selected>' in page
    # The downloads keep the view.
    assert "/portfolio/export/pareto-curve.csv?period=t12m&amp;level=entities" in page


def test_a_groups_row_opens_into_its_members_with_their_shares(client, director, portfolio):
    response = board_for(client, director)

    members = response.context["board"].results.members
    assert list(members) == [portfolio["gamma"].pk]
    group = members[portfolio["gamma"].pk]
    assert group.members == 2
    # Of Gamma's 600 revenue and 50 net profit: own 100 (16.7%) and 10 (20%), France 300
    # (50%) and 60 (120%), Plant 200 (33.3%) and -20 (-40%).
    assert [(m.name, m.own, m.revenue, m.net_profit) for m in group.rows] == [
        ("Gamma", True, Decimal(100), Decimal(10)),
        ("Gamma France", False, Decimal(300), Decimal(60)),
        ("Gamma Plant", False, Decimal(200), Decimal(-20)),
    ]
    assert [m.revenue_share for m in group.rows] == pytest.approx([100 / 6, 50.0, 100 / 3])
    assert [m.profit_share for m in group.rows] == pytest.approx([20.0, 120.0, -40.0])
    page = response.content.decode()
    # In the matrix table and at Gamma's points of the whale and Pareto tables.
    assert page.count('<details class="group-members" data-testid="group-members">') == 3
    assert "Gamma France</a>: 300.00 EUR (50.0%), net profit 60.00 EUR (120.0%)" in page


def test_a_group_lists_its_largest_members_and_says_how_many_more(db, portfolio):
    run, gamma = portfolio["run"], portfolio["gamma"]

    group = charts.group_members(run, [gamma.pk], limit=1)[gamma.pk]

    assert [m.name for m in group.rows] == ["Gamma", "Gamma France"]
    assert group.members == 2
    # The own figures still come from every member: 600 - (300 + 200).
    assert group.rows[0].revenue == Decimal(100)


def test_trends_read_group_snapshots_in_groups_view_and_totals_agree(db, kam, portfolio):
    run = portfolio["run"]
    period = base.resolve_period("t12m", today=run.as_of)
    assert period.trend_quarters[-1] == QUARTER

    groups = charts.effectiveness_trends(base.Scope(), period, run)
    entities = charts.effectiveness_trends(base.Scope(level="entities"), period, run)

    # Groups: Gamma's GroupSnapshot 600 and Alpha's 400 are key, Beta's 100 not; Gamma's
    # members' and own MetricSnapshot rows are inside its roll-up, not read again.
    assert groups["series"]["revenue_per_account"]["key"][-1] == pytest.approx(500.0)
    # Entities: Gamma's own 100, France 300 and Plant 200 (key with their group), Alpha 400.
    assert entities["series"]["revenue_per_account"]["key"][-1] == pytest.approx(250.0)
    for view in (groups, entities):
        assert view["revenue"]["key"][-1] == Decimal(1000)
        assert view["revenue"]["other"][-1] == Decimal(100)
        # Cost to serve over revenue: (90 + 10) / 1,000 for the key accounts.
        assert view["series"]["cost_to_serve_pct"]["key"][-1] == pytest.approx(10.0)
    # Each quarter's total revenue is the same in both views.
    assert [k + o for k, o in zip(*groups["revenue"].values(), strict=True)] == [
        k + o for k, o in zip(*entities["revenue"].values(), strict=True)
    ]
    # The KAM's portfolio: Gamma (with its members in the entities view) and Alpha.
    mine = charts.effectiveness_trends(base.Scope(kam_id=kam.pk, level="entities"), period, run)
    assert mine["revenue"]["key"][-1] == Decimal(1000)
    assert mine["revenue"]["other"][-1] == Decimal(0)


def test_key_accounts_cost_to_serve_tables_count_groups_roll_ups(client, director, portfolio):
    for level in ("groups", "entities"):
        tables = board_for(client, director, level=level).context["board"].results.cost_to_serve
        by_stage = dict(tables[0].rows)
        # Gamma's roll-up 90 and Alpha's 10 (both cooperative) in the last year, 100 of 1,000.
        assert by_stage["Cooperative"][-1] == (Decimal(100), pytest.approx(10.0)), level


def _groups(count: int, kam) -> None:
    """`count` key groups of two members each and `count` standalone accounts, scored."""
    run = make_run()
    tops = bulk_accounts(count, prefix="Top", status=AccountStatus.KEY, kam=kam)
    firsts = bulk_accounts(count, prefix="First")
    seconds = bulk_accounts(count, prefix="Second")
    for top, first, second in zip(tops, firsts, seconds, strict=True):
        first.parent, second.parent = top, first
    type(tops[0]).objects.bulk_update(firsts + seconds, ["parent"])
    standalone = bulk_accounts(count, prefix="Alone")
    rows = []
    for i, (top, first, second) in enumerate(zip(tops, firsts, seconds, strict=True)):
        row = score(run, top, rank=i + 1, revenue=1000 + i, net_profit=100 + i)
        row.members = 2
        rows += [
            row,
            member_score(run, first, top, revenue=300, net_profit=30, cost_to_serve=5),
            member_score(run, second, top, revenue=200, net_profit=20, cost_to_serve=5),
        ]
    rows += [
        score(run, a, rank=count + i + 1, revenue=10 + i, net_profit=1)
        for i, a in enumerate(standalone)
    ]
    AccountScore.objects.bulk_create(rows)
    GroupSnapshot.objects.bulk_create(
        GroupSnapshot(account=top, period_start=QUARTER, revenue=1000, members=2) for top in tops
    )
    MetricSnapshot.objects.bulk_create(
        MetricSnapshot(account=a, period_start=QUARTER, revenue=10)
        for a in [*tops, *firsts, *seconds, *standalone]
    )


# Measured, and the same at both sizes: the dashboard's queries (tests/portfolio/
# test_dashboard.py DASHBOARD_QUERIES, 33, less one live read this portfolio does not need),
# plus the groups' drill-down (1) and, for entities, their Pareto set (1).
GROUPS_QUERIES = 33
ENTITIES_QUERIES = 34


@pytest.mark.parametrize("count", [3, 150])
@pytest.mark.parametrize(
    ("level", "queries"), [("groups", GROUPS_QUERIES), ("entities", ENTITIES_QUERIES)]
)
def test_the_dashboard_reads_a_fixed_number_of_queries_whatever_the_groups(
    client, director, kam, count, level, queries, django_assert_max_num_queries
):
    _groups(count, kam)
    client.force_login(director)

    with django_assert_max_num_queries(queries):
        response = client.get(DASHBOARD, {"level": level})

    board = response.context["board"]
    assert board.figures.accounts == (2 * count if level == "groups" else 4 * count)
    shown = board.results.members
    assert len(shown) == count  # every group is in the matrix
    assert all(group.members == 2 for group in shown.values())


def test_the_curve_downloads_follow_the_view(client, director, portfolio):
    client.force_login(director)
    url = reverse("portfolio:export", args=["pareto-curve"])

    def rows(**params):
        body = b"".join(client.get(url, params).streaming_content).decode("utf-8-sig")
        return [(row[2], row[3]) for row in csv.reader(io.StringIO(body))][1:]

    assert rows() == [("Gamma", "600.00"), ("Alpha", "400.00"), ("Beta", "100.00")]
    # Ties (Gamma's own 100, Beta 100) in account order, as the run ranks them.
    assert rows(level="entities") == [
        ("Alpha", "400.00"),
        ("Gamma France", "300.00"),
        ("Gamma Plant", "200.00"),
        ("Gamma", "100.00"),
        ("Beta", "100.00"),
    ]


def test_a_members_leftover_kam_does_not_count_in_the_kams_load(client, director, kam, portfolio):
    # France had the KAM before it joined Gamma: the load counts units (Gamma and Alpha).
    portfolio["france"].kam = kam
    portfolio["france"].save(update_fields=["kam"])

    board = board_for(client, director).context["board"]

    assert [(load.key_accounts, load.accounts) for load in board.loads] == [(2, 2)]


def test_the_trends_table_shows_each_quarters_revenue_the_same_in_both_views(
    client, director, portfolio
):
    for level in ("groups", "entities"):
        response = board_for(client, director, level=level)
        # Key: Gamma 600 (its group snapshot, or 100 + 300 + 200) + Alpha 400; other: Beta.
        assert response.context["trend_rows"][-1]["revenue"] == (Decimal(1000), Decimal(100))
        assert '<td class="num">1,000</td><td class="num">100</td>' in response.content.decode()
