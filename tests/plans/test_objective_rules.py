"""Objectives as a KAM sets them: the baseline comes from the current scoring run (and stays
editable), a growth target below its baseline and a stage target at or below the current stage
are refused with a message (service, page and API), and progress never reads "505.9 % of the
way": a reached objective says by how much it passed its target."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Stage
from kam.api import etag_of
from kam.errors import InvalidInput
from plans.models import Objective, ObjectiveMetric
from plans.services import items
from tests import factories
from tests.accounts.test_account_list import make_run
from tests.api.conftest import client_for, token_for

DUE = dt.date(2026, 12, 31)


@pytest.fixture
def plan(key_account, kam):
    return factories.started_plan(key_account, kam, review_date=dt.date(2099, 7, 1))


def revenue(plan, kam, **fields):
    return items.objective_create(
        plan=plan, actor=kam, metric=ObjectiveMetric.REVENUE, due_date=DUE, **fields
    )


def progress_cell(client, plan):
    html = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    start = html.index('data-testid="objective-progress"')
    return html[start : html.index("</td>", start)]


# --- the baseline ------------------------------------------------------------------------------


def test_a_new_objective_takes_its_baseline_from_the_current_run(plan, kam, key_account):
    make_run({key_account: {"revenue": Decimal("1200000.00"), "share_of_wallet_pct": None}})

    objective = revenue(plan, kam, target_value=Decimal("1500000"))

    assert objective.baseline_value == Decimal("1200000.00")


def test_a_baseline_given_is_kept_and_stays_editable(plan, kam, key_account):
    make_run({key_account: {"revenue": Decimal("1200000.00")}})
    objective = revenue(plan, kam, target_value=Decimal("1500000"), baseline_value=Decimal("1e6"))
    assert objective.baseline_value == Decimal("1000000")

    items.objective_update(
        objective=objective, expected_version=1, actor=kam, baseline_value=Decimal("1100000")
    )
    objective.refresh_from_db()
    assert objective.baseline_value == Decimal("1100000")


def test_without_a_run_there_is_no_baseline_to_take(plan, kam):
    assert revenue(plan, kam, target_value=Decimal("1500000")).baseline_value is None


def test_a_stage_objective_has_no_baseline(plan, kam, key_account):
    make_run({key_account: {"revenue": Decimal("1200000.00")}})
    objective = items.objective_create(
        plan=plan,
        actor=kam,
        metric=ObjectiveMetric.STAGE,
        target_stage=Stage.STRATEGIC,
        due_date=DUE,
    )
    assert objective.baseline_value is None


def test_the_page_form_takes_the_baseline_when_left_blank(client, plan, kam, key_account):
    make_run({key_account: {"revenue": Decimal("800000.00")}})
    client.force_login(kam)
    response = client.post(
        reverse("plans:objective_create", args=[plan.pk]),
        {"metric": "revenue", "target_value": "900000", "due_date": "2026-12-31"},
    )
    assert response.status_code == 302
    assert Objective.objects.get(plan=plan).baseline_value == Decimal("800000.00")


# --- refusals -------------------------------------------------------------------------------------


def test_a_growth_target_below_the_baseline_is_refused(plan, kam):
    with pytest.raises(InvalidInput) as refusal:
        revenue(plan, kam, target_value=Decimal("900000"), baseline_value=Decimal("1000000"))
    [message] = refusal.value.errors["target_value"]
    assert "growth objective" in message and "1,000,000" in message
    assert not Objective.objects.exists()


def test_a_target_below_the_runs_baseline_is_refused_too(plan, kam, key_account):
    make_run({key_account: {"net_profit": Decimal("50000.00")}})
    with pytest.raises(InvalidInput, match="growth objective"):
        items.objective_create(
            plan=plan,
            actor=kam,
            metric=ObjectiveMetric.PROFIT,
            target_value=Decimal("40000"),
            due_date=DUE,
        )


def test_a_target_equal_to_its_baseline_holds_the_line(plan, kam):
    objective = revenue(plan, kam, target_value=Decimal("1e6"), baseline_value=Decimal("1e6"))
    assert objective.pk is not None


def test_an_update_below_the_baseline_is_refused(plan, kam):
    objective = revenue(plan, kam, target_value=Decimal("2e6"), baseline_value=Decimal("1e6"))
    with pytest.raises(InvalidInput, match="growth objective"):
        items.objective_update(
            objective=objective, expected_version=1, actor=kam, target_value=Decimal("5e5")
        )
    objective.refresh_from_db()
    assert objective.target_value == Decimal("2000000")


@pytest.mark.parametrize("target", [Stage.TACTICAL, Stage.COOPERATIVE])
def test_a_stage_target_at_or_below_the_current_stage_is_refused(plan, kam, target):
    assert plan.account.stage == Stage.COOPERATIVE
    with pytest.raises(InvalidInput) as refusal:
        items.objective_create(
            plan=plan, actor=kam, metric=ObjectiveMetric.STAGE, target_stage=target, due_date=DUE
        )
    assert refusal.value.errors["target_stage"] == [
        "The account is cooperative already: a stage objective aims above the current stage."
    ]


def test_disengaging_is_no_target_and_any_ladder_stage_is_above_it(plan, kam, key_account):
    with pytest.raises(InvalidInput, match="not a stage to aim for"):
        items.objective_create(
            plan=plan,
            actor=kam,
            metric=ObjectiveMetric.STAGE,
            target_stage=Stage.DISENGAGING,
            due_date=DUE,
        )
    key_account.stage = Stage.DISENGAGING
    key_account.save()
    plan.account.refresh_from_db()
    objective = items.objective_create(
        plan=plan,
        actor=kam,
        metric=ObjectiveMetric.STAGE,
        target_stage=Stage.TACTICAL,
        due_date=DUE,
    )
    assert objective.target_stage == Stage.TACTICAL


def test_a_reached_stage_objective_can_still_be_edited(plan, kam, key_account):
    objective = items.objective_create(
        plan=plan,
        actor=kam,
        metric=ObjectiveMetric.STAGE,
        target_stage=Stage.INTERDEPENDENT,
        due_date=DUE,
    )
    key_account.stage = Stage.STRATEGIC
    key_account.save()
    items.objective_update(
        objective=objective, expected_version=1, actor=kam, description="Reached early"
    )
    objective.refresh_from_db()
    assert objective.description == "Reached early"


def test_the_page_shows_the_refusal_on_the_field(client, plan, kam):
    client.force_login(kam)
    response = client.post(
        reverse("plans:objective_create", args=[plan.pk]),
        {"metric": "stage", "target_stage": "tactical", "due_date": "2026-12-31"},
    )
    assert response.status_code == 200
    assert "aims above the current stage" in response.content.decode()
    assert not Objective.objects.exists()


def test_the_api_answers_the_refusal_as_400(plan, kam):
    client = client_for(token_for(kam))
    response = client.post(
        reverse("api:objective-list"),
        {
            "plan": plan.pk,
            "metric": "revenue",
            "baseline_value": "1000000",
            "target_value": "900000",
            "due_date": "2026-12-31",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "growth objective" in response.json()["target_value"][0]
    objective = revenue(plan, kam, target_value=Decimal("2e6"), baseline_value=Decimal("1e6"))
    response = client.patch(
        reverse("api:objective-detail", args=[objective.pk]),
        {"target_value": "1"},
        format="json",
        HTTP_IF_MATCH=etag_of(objective),
    )
    assert response.status_code == 400


# --- progress shown -----------------------------------------------------------------------------


def test_a_target_passed_five_times_reads_reached_and_by_how_much(client, plan, kam, key_account):
    revenue(plan, kam, target_value=Decimal("200000"), baseline_value=Decimal("100000"))
    # (605,900 - 100,000) / (200,000 - 100,000) = 505.9 %: passed by 405,900.
    make_run({key_account: {"revenue": Decimal("605900.00")}})
    client.force_login(kam)

    cell = progress_cell(client, plan)

    assert "505.9" not in cell
    assert "% of the way" not in cell
    assert "Reached" in cell
    assert "+405,900.00 EUR over target" in cell
    assert 'aria-valuenow="100"' in cell


def test_on_the_way_reads_a_share_of_the_way(client, plan, kam, key_account):
    revenue(plan, kam, target_value=Decimal("200000"), baseline_value=Decimal("100000"))
    make_run({key_account: {"revenue": Decimal("175000.00")}})
    client.force_login(kam)
    cell = progress_cell(client, plan)
    assert "75.0 % of the way" in cell  # (175,000 - 100,000) / (200,000 - 100,000)
    assert "Reached" not in cell


def test_a_figure_below_its_baseline_reads_how_far_behind(client, plan, kam, key_account):
    revenue(plan, kam, target_value=Decimal("200000"), baseline_value=Decimal("100000"))
    make_run({key_account: {"revenue": Decimal("70000.00")}})
    client.force_login(kam)
    cell = progress_cell(client, plan)
    assert "30,000.00 EUR below the baseline" in cell
    assert "-30" not in cell


def test_a_share_of_wallet_passed_reads_in_points(client, plan, kam, key_account):
    items.objective_create(
        plan=plan,
        actor=kam,
        metric=ObjectiveMetric.SHARE_OF_WALLET,
        baseline_value=Decimal("10"),
        target_value=Decimal("20"),
        due_date=DUE,
    )
    make_run({key_account: {"share_of_wallet_pct": Decimal("22.50")}})
    client.force_login(kam)
    assert "+2.50 points over target" in progress_cell(client, plan)


def test_an_old_reduction_objective_reads_under_target_when_reached(client, plan, kam, key_account):
    """Stored before growth targets were enforced: a target below the baseline is a reduction,
    reached at or below it."""
    factories.ObjectiveFactory(
        plan=plan, baseline_value=Decimal("500000"), target_value=Decimal("300000")
    )
    make_run({key_account: {"revenue": Decimal("250000.00")}})
    client.force_login(kam)
    cell = progress_cell(client, plan)
    assert "Reached" in cell
    assert "50,000.00 EUR under target" in cell
    assert "+" not in cell


def test_a_stage_passed_says_by_how_many_steps(client, plan, kam, key_account):
    items.objective_create(
        plan=plan,
        actor=kam,
        metric=ObjectiveMetric.STAGE,
        target_stage=Stage.INTERDEPENDENT,
        due_date=DUE,
    )
    key_account.stage = Stage.STRATEGIC
    key_account.save()
    client.force_login(kam)
    assert "1 step above the target" in progress_cell(client, plan)


def test_the_print_view_reads_the_same(client, plan, kam, key_account):
    revenue(plan, kam, target_value=Decimal("200000"), baseline_value=Decimal("100000"))
    make_run({key_account: {"revenue": Decimal("605900.00")}})
    client.force_login(kam)
    html = client.get(reverse("plans:plan_print", args=[plan.pk])).content.decode()
    assert "+405,900.00 EUR over target" in html
    assert "505.9" not in html
