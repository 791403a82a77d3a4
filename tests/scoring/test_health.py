"""Relationship health, computed by hand for a small portfolio (scoring/engine/health.py).

The run is as of 2026-07-15: T12 = 2025-07-01 .. 2026-06-30, the previous 12 months
2024-07-01 .. 2025-06-30; the margin trend compares the snapshot quarters 2025-07 .. 2026-06
with 2024-07 .. 2025-06. Default weights: relationship 30, delivery 25, plan 20, value 15,
voice 10; bands red < 50 <= amber < 75 <= green; warning on a fall of more than 10 points.
"""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Attitude, BuyingRole, Contact, Stage
from plans.models import ActionStatus, CommitmentStatus, Notification, ObjectiveMetric, PlanStatus
from scoring import health as health_module
from scoring import services
from scoring.models import (
    AccountScore,
    HealthComponent,
    HealthScore,
    MetricEntry,
    MetricKind,
    RunTrigger,
    ScoringRun,
    SpendEstimate,
    WarningSettings,
)
from tests import factories
from tests.migrating import migrating

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 7, 15)


def D(value) -> Decimal:
    return Decimal(str(value))


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def recompute():
    run = services.run_request(trigger=RunTrigger.COMMAND, as_of=AS_OF)
    return services.run_recompute(run=run)


def commitment(account, status, changed_on):
    return factories.CommitmentFactory(
        account=account, status=status, status_changed_at=at(changed_on)
    )


def build_amber_account():
    """K, a key account at cooperative stage (see test_amber_key_account for its arithmetic)."""
    account = factories.KeyAccountFactory(
        name="K", stage=Stage.COOPERATIVE, category_spend=D("1000000")
    )
    kam = account.kam
    factories.ContactFactory(
        account=account,
        buying_role=BuyingRole.DECISION_MAKER,
        influence=5,
        attitude=Attitude.SUPPORTER,
        relationship_owner=kam,
        last_contact_on=dt.date(2026, 7, 5),
    )
    factories.ContactFactory(
        account=account,
        buying_role=BuyingRole.DECISION_MAKER,
        influence=4,
        attitude=Attitude.DETRACTOR,
        last_contact_on=dt.date(2026, 1, 1),
    )
    factories.ContactFactory(
        account=account, buying_role=BuyingRole.USER, influence=2, attitude=Attitude.NEUTRAL
    )
    plan = factories.PlanFactory(
        account=account, status=PlanStatus.APPROVED, review_date=dt.date(2026, 9, 30)
    )
    factories.ObjectiveFactory(
        plan=plan, metric=ObjectiveMetric.STAGE, target_value=None, target_stage=Stage.STRATEGIC
    )
    factories.ActionFactory(plan=plan, due_date=dt.date(2026, 6, 30))  # open, overdue
    for _ in range(2):
        factories.ActionFactory(plan=plan, due_date=dt.date(2026, 9, 30))
    factories.ActionFactory(
        plan=plan, due_date=dt.date(2026, 9, 30), status=ActionStatus.IN_PROGRESS
    )
    factories.ActionFactory(plan=plan, due_date=dt.date(2026, 5, 1), status=ActionStatus.DONE)
    commitment(account, CommitmentStatus.MET, dt.date(2026, 7, 1))
    commitment(account, CommitmentStatus.BREACHED, dt.date(2026, 6, 1))
    commitment(account, CommitmentStatus.AT_RISK, dt.date(2025, 12, 1))
    commitment(account, CommitmentStatus.BREACHED, dt.date(2024, 1, 1))
    commitment(account, CommitmentStatus.DUE, dt.date(2026, 7, 10))
    factories.SalesLineFactory(
        account=account, date=dt.date(2026, 3, 1), revenue=D(110000), cost_of_goods=D(60000)
    )
    factories.SalesLineFactory(
        account=account, date=dt.date(2025, 3, 1), revenue=D(100000), cost_of_goods=D(50000)
    )
    for period, metric, value in [
        (dt.date(2026, 4, 1), MetricKind.SATISFACTION, 80),
        (dt.date(2025, 10, 1), MetricKind.SATISFACTION, 20),
        (dt.date(2026, 1, 1), MetricKind.ADVOCACY, 60),
    ]:
        MetricEntry.objects.create(
            account=account, period_start=period, metric=metric, value=D(value)
        )
    return account


def build_green_account():
    """G, a key account with one covered supporter, an approved plan and a retention entry."""
    account = factories.KeyAccountFactory(name="G", stage=Stage.INTERDEPENDENT)
    factories.ContactFactory(
        account=account,
        buying_role=BuyingRole.DECISION_MAKER,
        influence=5,
        attitude=Attitude.SUPPORTER,
        relationship_owner=account.kam,
        last_contact_on=dt.date(2026, 7, 10),
    )
    factories.PlanFactory(
        account=account, status=PlanStatus.APPROVED, review_date=dt.date(2026, 12, 1)
    )
    MetricEntry.objects.create(
        account=account, period_start=dt.date(2026, 4, 1), metric=MetricKind.RETENTION, value=90
    )
    return account


def components_of(run, account):
    rows = health_module.component_lines_by_account(run, [account.pk])[account.pk]
    return {row.component.key: (row.value, row.weight, row.contribution) for row in rows}


def test_amber_key_account():
    account = build_amber_account()
    run = recompute()
    h = HealthScore.objects.get(run=run, account=account)
    # Relationship: influential contacts are the two decision makers (influence 5 and 4); only
    # the first has an owner and a contact within 90 days -> coverage 1/2 = 50%.
    assert (h.dmu_coverage_pct, h.coverage_points) == (D("50.00"), D("50.00"))
    # 2 decision makers, 1 supporter, 1 detractor: 50 + 50 x (1 - 1) / 2 = 50.
    assert (h.decision_makers, h.supporters, h.detractors) == (2, 1, 1)
    assert h.attitude_points == D(50)
    # Latest decision-maker contact 2026-07-05: 10 days before as_of, within 30 -> 100.
    assert (h.days_since_contact, h.recency_points) == (10, D(100))
    # Cooperative (rung 2) against the target strategic (rung 4): 100 - 2 x 25 = 50.
    assert (h.target_stage, h.stage_points) == (Stage.STRATEGIC, D(50))
    # Delivery: met (changed 2026-07-01, within 90 days: weight 1), breached (2026-06-01: 1),
    # at risk (2025-12-01, within a year: 0.5), breached (2024-01-01: 0.25); due is left out.
    assert (h.commitments_met, h.commitments_at_risk, h.commitments_breached) == (1, 1, 2)
    assert (h.delivery_weight, h.at_risk_weight, h.breached_weight) == (
        D("2.75"),
        D("0.50"),
        D("1.25"),
    )
    # Plan: approved 100; review 2026-09-30 not passed 100; 4 open actions (3 open, 1 in
    # progress; the done one does not count), 1 due before as_of: 100 x 3 / 4 = 75.
    assert (h.plan_points, h.review_points, h.actions_points) == (D(100), D(100), D(75))
    assert (h.actions_open, h.actions_overdue) == (4, 1)
    # Value: revenue 110,000 against 100,000 = +10% -> 50 + 2.5 x 10 = 75.
    assert (h.revenue_growth_pct, h.revenue_points) == (D("10.00"), D("75.00"))
    # Share of wallet: (110,000 - 100,000) / 1,000,000 x 100 = +1 point -> 50 + 5 = 55.
    assert (h.share_change_pts, h.share_points) == (D("1.00"), D("55.00"))
    # Net margin (no cost to serve): 50,000 / 110,000 = 45.4545% against 50,000 / 100,000 =
    # 50%: -4.545 -> -4.55 points -> 50 - 5 x 4.55 = 27.25.
    assert (h.margin_change_pts, h.margin_points) == (D("-4.55"), D("27.25"))
    # Voice: the latest satisfaction (80; not the older 20) and advocacy 60; no retention.
    assert (h.satisfaction, h.advocacy, h.retention) == (D(80), D(60), None)

    components = components_of(run, account)
    # relationship (50 + 50 + 100 + 50) / 4 = 62.5 -> 30 x 62.5 / 100 = 18.75
    # delivery (100 x (2.75 - 0.5 - 1.25) + 50 x 0.5) / 2.75 = 125 / 2.75 = 45.4545 -> 45.45;
    #   25 x 45.45 / 100 = 11.3625 -> 11.36
    # plan (100 + 100 + 75) / 3 = 91.6667 -> 91.67; 20 x 91.67 / 100 = 18.334 -> 18.33
    # value (75 + 55 + 27.25) / 3 = 52.4167 -> 52.42; 15 x 52.42 / 100 = 7.863 -> 7.86
    # voice (80 + 60) / 2 = 70; 10 x 70 / 100 = 7
    assert components == {
        "relationship": (D("62.50"), D(30), D("18.75")),
        "delivery": (D("45.45"), D(25), D("11.36")),
        "plan": (D("91.67"), D(20), D("18.33")),
        "value": (D("52.42"), D(15), D("7.86")),
        "voice": (D("70.00"), D(10), D("7.00")),
    }
    # score = (30 x 62.5 + 25 x 45.45 + 20 x 91.67 + 15 x 52.42 + 10 x 70) / 100
    #       = (1875 + 1136.25 + 1833.4 + 786.3 + 700) / 100 = 63.3095 -> 63.31: amber.
    assert (h.score, h.band) == (D("63.31"), "amber")
    score = AccountScore.objects.get(run=run, account=account)
    assert (score.health, score.health_band) == (D("63.31"), "amber")


def test_component_lines_keep_the_weights_the_run_froze():
    account = build_amber_account()
    run = recompute()
    before = components_of(run, account)
    HealthComponent.objects.filter(key="relationship").update(weight=90)
    HealthComponent.objects.filter(key="voice").update(active=False)

    assert components_of(run, account) == before
    assert before["relationship"][1] == D(30)


def test_a_run_without_frozen_components_gets_them_frozen_by_its_health_stage():
    account = build_amber_account()
    run = services.run_request(trigger=RunTrigger.COMMAND, as_of=AS_OF)
    ScoringRun.objects.filter(pk=run.pk).update(health_config={})
    run.refresh_from_db()
    run = services.run_recompute(run=run)

    run.refresh_from_db()
    keys = [c["key"] for c in run.health_config["components"]]
    assert keys == list(HealthComponent.objects.filter(active=True).values_list("key", flat=True))
    total = sum(line[2] for line in components_of(run, account).values())
    assert abs(total - HealthScore.objects.get(run=run, account=account).score) <= D("0.05")


def test_the_fallen_accounts_lines_are_read_without_naming_them():
    account = build_amber_account()
    run = recompute()
    HealthScore.objects.filter(run=run, account=account).update(fell=True)

    fallen = health_module.component_lines_by_account(run)
    assert list(fallen) == [account.pk]
    assert {line.component.key: (line.value, line.weight, line.contribution)
            for line in fallen[account.pk]} == components_of(run, account)  # fmt: skip
    assert health_module.component_lines_by_account(run, []) == {}


@pytest.mark.django_db(transaction=True)
def test_the_migration_freezes_a_runs_components_from_its_stored_lines():
    account = build_amber_account()
    run = recompute()
    relationship = HealthComponent.objects.get(key="relationship")
    before = "0018_score_explanation_per_unit"
    after = "0019_health_component_lines_read_from_the_row"
    with migrating("scoring", before, after) as apps:
        apps.get_model("scoring", "ScoringRun").objects.filter(pk=run.pk).update(health_config={})
        apps.get_model("scoring", "HealthComponentScore").objects.create(
            run_id=run.pk, account_id=account.pk, component_id=relationship.pk,
            value=D("62.50"), weight=D("30.00"), contribution=D("18.75"),
        )  # fmt: skip

    run.refresh_from_db()
    assert run.health_config["components"] == [
        {"id": relationship.pk, "key": "relationship", "weight": "30.00"}
    ]
    assert components_of(run, account) == {"relationship": (D("62.50"), D(30), D("62.50"))}


def test_the_share_of_wallet_trend_reads_the_spend_the_run_used():
    account = build_amber_account()  # 1,000,000 stated on the account
    SpendEstimate.objects.create(
        account=account,
        category=factories.ProductCategoryFactory(name="Bearings"),
        year=2026,
        estimated_spend=500_000,
        source="customer",
    )
    run = recompute()
    score = AccountScore.objects.get(run=run, account=account)
    assert (score.category_spend, score.category_spend_estimated) == (D("500000.00"), True)
    # The estimate replaces the stated spend for every share-of-wallet figure:
    # (110,000 - 100,000) / 500,000 x 100 = +2 points -> 50 + 5 x 2 = 60.
    h = HealthScore.objects.get(run=run, account=account)
    assert (h.share_change_pts, h.share_points) == (D("2.00"), D("60.00"))


def test_what_raises_it_most_is_the_breached_commitments():
    account = build_amber_account()
    run = recompute()
    explanation = health_module.account_health(account, run)
    # Breached: delivery's share of the weights 25/100 x 100 x 1.25 / 2.75 = 11.36 points.
    assert explanation.top.advice == "2 breached commitments: -11.4"
    lines = {line.key: line for line in explanation.lines}
    # The detractor: relationship share 0.3 x (100 - 50) / 4 signals = 3.75.
    attitude = next(s for s in lines["relationship"].signals if s.label.endswith("attitude"))
    assert attitude.cost == D("3.75")


def test_green_key_account_and_standard_account_without_data():
    green = build_green_account()
    nothing = factories.AccountFactory(name="S")
    run = recompute()
    g = HealthScore.objects.get(run=run, account=green)
    # G: relationship (100 coverage + 100 attitude + 100 recency) / 3 (no target stage: left
    # out) = 100; plan (100 + 100) / 2 (no open action: left out) = 100; no commitment and no
    # sales: delivery and value left out; voice retention 90.
    # score = (30 x 100 + 20 x 100 + 10 x 90) / (30 + 20 + 10) = 5900 / 60 = 98.33: green.
    # Contributions 30/60 x 100 = 50, 20/60 x 100 = 33.33, 10/60 x 90 = 15.
    assert (g.score, g.band) == (D("98.33"), "green")
    assert components_of(run, green) == {
        "relationship": (D("100.00"), D(30), D("50.00")),
        "delivery": (None, D(25), D(0)),
        "plan": (D("100.00"), D(20), D("33.33")),
        "value": (None, D(15), D(0)),
        "voice": (D("90.00"), D(10), D("15.00")),
    }
    # S: no contact, no plan expected (not key), no commitment, no sales, no entries: only the
    # relationship has data, and it is 0 (nobody known): 0, red.
    s = HealthScore.objects.get(run=run, account=nothing)
    assert (s.score, s.band) == (D(0), "red")
    explained = health_module.account_health(nothing, run)
    missing = {line.key: line.missing for line in explained.lines}
    assert missing["plan"].startswith("not a key account")
    assert missing["voice"] == "no entries: left out of the score"


@pytest.mark.parametrize(("green_from", "band"), [(D("63.31"), "green"), (D("63.32"), "amber")])
def test_band_thresholds_are_the_directors(green_from, band):
    account = build_amber_account()
    WarningSettings.objects.filter(pk=1).update(amber_from=D("63.31"), green_from=green_from)
    run = recompute()
    assert HealthScore.objects.get(run=run, account=account).band == band


@pytest.mark.parametrize(("amber_from", "band"), [(D("63.31"), "amber"), (D("63.32"), "red")])
def test_amber_threshold(amber_from, band):
    account = build_amber_account()
    WarningSettings.objects.filter(pk=1).update(amber_from=amber_from)
    run = recompute()
    assert HealthScore.objects.get(run=run, account=account).band == band


def fall_notifications():
    return Notification.objects.filter(dedupe_key__startswith="health-fall:")


def test_a_fall_notifies_the_kam_and_directors_once_per_change():
    director = factories.DirectorFactory()
    account = build_green_account()
    recompute()  # 98.33, green: nothing to compare with
    assert not fall_notifications().exists()
    # The supporter turns detractor: attitude 50 + 50 x (0 - 1) / 1 = 0, relationship
    # (100 + 0 + 100) / 3 = 66.67, score (30 x 66.67 + 2000 + 900) / 60 = 81.67: still green,
    # but 16.66 points down (more than 10).
    Contact.objects.filter(account=account).update(attitude=Attitude.DETRACTOR)
    run = recompute()
    h = HealthScore.objects.get(run=run, account=account)
    assert (h.score, h.band, h.previous_score, h.fell) == (D("81.67"), "green", D("98.33"), True)
    sent = fall_notifications()
    assert sorted(sent.values_list("recipient_id", flat=True)) == sorted(
        [account.kam_id, director.pk]
    )
    assert "fell from 98.33 (green) to 81.67 (green)" in sent.first().body
    # The next runs find it as low as before: no new change, no new notification.
    recompute()
    recompute()
    assert fall_notifications().count() == 2
    # A band lower is a change of its own: 81.67 -> with amber from 82 it reads amber.
    WarningSettings.objects.filter(pk=1).update(amber_from=D(50), green_from=D(82))
    run = recompute()
    assert HealthScore.objects.get(run=run, account=account).fell
    assert fall_notifications().count() == 4


def test_a_small_fall_within_the_band_is_no_warning():
    account = build_green_account()
    recompute()
    # Contact 31 days before as_of: recency 100 x (180 - 31) / 150 = 99.33; relationship
    # (100 + 100 + 99.33) / 3 = 99.78; score (30 x 99.78 + 2900) / 60 = 98.22: 0.11 down.
    Contact.objects.filter(account=account).update(last_contact_on=dt.date(2026, 6, 14))
    run = recompute()
    h = HealthScore.objects.get(run=run, account=account)
    assert (h.score, h.fell) == (D("98.22"), False)
    assert not fall_notifications().exists()


def queries_of_a_falling_run(count: int) -> int:
    factories.DirectorFactory()
    accounts = [build_green_account() for _ in range(count)]
    recompute()
    Contact.objects.filter(account__in=accounts).update(attitude=Attitude.DETRACTOR)
    with CaptureQueriesContext(connection) as queries:
        run = recompute()
    assert HealthScore.objects.filter(run=run, fell=True).count() == count
    return len(queries)


def test_the_queries_of_a_run_where_accounts_fell_do_not_grow_with_them():
    few = queries_of_a_falling_run(2)
    ScoringRun.objects.all().delete()  # the same start: no older runs' rows to prune
    assert queries_of_a_falling_run(12) == few


def test_the_api_carries_health_and_a_history_per_account():
    from rest_framework.test import APIClient

    account = build_amber_account()
    recompute()
    recompute()
    client = APIClient()
    client.force_authenticate(account.kam)
    row = client.get("/api/v1/scores/", {"account": account.pk}).json()["results"][0]
    assert (row["health"], row["health_band"]) == ("63.31", "amber")
    history = client.get("/api/v1/health-history/", {"account": account.pk}).json()["results"]
    assert [(h["score"], h["band"], h["commitments_breached"]) for h in history] == [
        ("63.31", "amber", 2),
        ("63.31", "amber", 2),
    ]
    other = factories.KamFactory()
    client.force_authenticate(other)
    assert client.get("/api/v1/health-history/", {"account": account.pk}).json()["results"] == []


def test_the_account_page_explains_the_health(client):
    account = build_amber_account()
    recompute()
    client.force_login(factories.DirectorFactory())
    html = client.get(f"/accounts/{account.pk}/").content.decode()
    assert "Relationship health" in html
    assert "What would raise it most:</strong> 2 breached commitments: -11.4" in html
    assert "1 supporters, 1 detractors among 2 decision makers" in html
    assert "62.50" in html and "18.75" in html  # relationship's value and contribution


def health_chart_of(html: str) -> dict:
    start = html.index('<script id="health-data" type="application/json">')
    return json.loads(html[html.index(">", start) + 1 : html.index("</script>", start)])


def test_the_account_page_charts_the_history_with_each_runs_bands(client):
    account = build_green_account()
    WarningSettings.objects.filter(pk=1).update(green_from=D(80))
    first = recompute()  # 98.33, green from 80: green
    # A run from before health froze no thresholds: it was banded with the defaults (50 / 75).
    ScoringRun.objects.filter(pk=first.pk).update(health_config={})
    WarningSettings.objects.filter(pk=1).update(green_from=D(99))
    recompute()  # 98.33 again, but green only from 99: amber
    client.force_login(factories.DirectorFactory())
    html = client.get(f"/accounts/{account.pk}/").content.decode()
    # Oldest run first, each with the thresholds it used.
    assert health_chart_of(html) == {
        "labels": ["2026-07-15", "2026-07-15"],
        "scores": [98.33, 98.33],
        "bands": ["green", "amber"],
        "amberFrom": [50.0, 50.0],
        "greenFrom": [75.0, 99.0],
    }
    assert 'data-chart="health"' in html and "chart.umd.min.js" in html
    # The table beside the chart, newest first, with the same thresholds (a band lower: fell).
    table = html[html.index('data-testid="health-history"') :]
    table = table[table.index("<tbody>") : table.index("</tbody>")]
    rows = [
        [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]
    assert rows == [
        ["15 Jul 2026", "98.33", "amber", "50.00", "99.00", "yes"],
        ["15 Jul 2026", "98.33", "green", "50.00", "75.00", ""],
    ]


def test_the_lists_sort_by_health(client):
    build_amber_account()
    build_green_account()
    factories.AccountFactory(name="S")
    recompute()
    client.force_login(factories.DirectorFactory())
    for url in ("/accounts/?ordering=-health", "/portfolio/scores/?ordering=-health"):
        html = client.get(url).content.decode()
        positions = [html.index(f">{name}</a>") for name in ("G", "K", "S")]
        assert positions == sorted(positions), url


def test_the_dashboard_shows_who_fell_and_the_investment_warnings(client):
    account = build_green_account()  # interdependent
    factories.AccountFactory(name="S")
    recompute()
    Contact.objects.filter(account=account).update(attitude=Attitude.DETRACTOR)
    recompute()
    client.force_login(factories.DirectorFactory())
    html = client.get("/portfolio/").content.decode()
    tile = html[html.index('data-testid="health-tile"') :]
    tile = tile[: tile.index("</section>")]
    assert "1 account fell since the previous run" in tile
    assert ">G</a>" in tile and "98.33 green" in tile and "81.67 green" in tile
    # G and S score the same attractiveness (no sales, no ratings): both at percentile 0, and
    # G is interdependent: the bottom half.
    assert 'data-kind="investment"' in html
    assert "G: interdependent or strategic stage while in the bottom of attractiveness" in html
    assert 'data-testid="cts-table"' in html
    response = client.get("/portfolio/export/warnings.csv")
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert any(row.startswith("Investment fit,Warning,") and ",G," in row for row in rows)


def test_directors_change_the_settings_with_history(client):
    director = factories.DirectorFactory()
    client.force_login(director)
    page = client.get("/portfolio/health-settings/")
    assert page.status_code == 200
    body = {
        "weight_relationship": "40",
        "weight_delivery": "25",
        "weight_plan": "20",
        "weight_value": "15",
        "weight_voice": "0",
        "amber_from": "55",
        "green_from": "80",
        "drop_points": "8",
        "over_served_factor": "1.10",
        "under_invested_factor": "1.00",
        "bottom_attractiveness_pct": "50",
        "loss_quarters": "2",
        "reason": "Voice surveys are unreliable",
    }
    assert client.post("/portfolio/health-settings/", body).status_code == 302
    settings = WarningSettings.current()
    assert (settings.amber_from, settings.green_from, settings.drop_points) == (55, 80, 8)
    last = settings.history.order_by("-history_date").first()
    assert (last.history_user, last.history_change_reason) == (
        director,
        "Voice surveys are unreliable",
    )
    voice = HealthComponent.objects.get(key="voice")
    assert voice.weight == 0
    assert voice.history.order_by("-history_date").first().history_user == director
    # The next run freezes them.
    run = recompute()
    assert run.health_config["amber_from"] == "55.00"
    assert {c["key"]: c["weight"] for c in run.health_config["components"]}["voice"] == "0.00"


def test_the_settings_refuse_bands_out_of_order_and_other_roles(client):
    client.force_login(factories.DirectorFactory())
    response = client.post(
        "/portfolio/health-settings/",
        {"amber_from": "80", "green_from": "70", "drop_points": "10", "loss_quarters": "2",
         "over_served_factor": "1", "under_invested_factor": "1",
         "bottom_attractiveness_pct": "50", "weight_relationship": "30", "weight_delivery": "25",
         "weight_plan": "20", "weight_value": "15", "weight_voice": "10"},
    )  # fmt: skip
    assert response.status_code == 400
    assert WarningSettings.current().amber_from == 50
    client.force_login(factories.KamFactory())
    assert client.get("/portfolio/health-settings/").status_code == 403


def test_a_margin_change_beyond_what_is_stored_is_held_and_scores_0():
    account = factories.KeyAccountFactory(name="Tiny")
    rate = factories.CostRateFactory()  # 100 per unit in 2026
    factories.SalesLineFactory(
        account=account, date=dt.date(2026, 3, 1), revenue=D("0.01"), cost_of_goods=D(0)
    )
    factories.SalesLineFactory(
        account=account, date=dt.date(2025, 3, 1), revenue=D(100), cost_of_goods=D(50)
    )
    factories.ActivityFactory(
        account=account, activity_type=rate.activity_type, date=dt.date(2026, 3, 2), quantity=1000
    )
    run = recompute()
    h = HealthScore.objects.get(run=run, account=account)
    # Net margin (0.01 - 100,000) / 0.01 = -999,990,000% against 50%: held to -9,999,999.99.
    assert (h.margin_change_pts, h.margin_points) == (D("-9999999.99"), D(0))


def test_the_admin_shows_a_health_scores_component_lines(client, admin_user):
    account = build_amber_account()
    run = recompute()
    health = HealthScore.objects.get(run=run, account=account)
    client.force_login(admin_user)

    page = client.get(reverse("admin:scoring_healthscore_change", args=[health.pk]))

    assert page.status_code == 200
    table = re.search(r"<table><thead><tr><th scope='col'>Component.*?</table>", page.text, re.S)
    assert table, "the components table"
    relationship = HealthComponent.objects.get(key="relationship").label
    assert re.search(
        rf"<th scope='row'>{relationship}</th><td>62.50</td><td>30.00</td><td>18.75</td>",
        table.group(0),
    )
    assert table.group(0).count("<th scope='row'>") == 5
