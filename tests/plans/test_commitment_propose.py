"""KAMs propose service commitments in the account plan (issue 6); operations then see them on
the board. A mistaken proposal is withdrawn from the same page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from kam.errors import DomainError, PermissionDenied
from plans.models import (
    Commitment,
    CommitmentStatus,
    CommitmentStatusChange,
    Comparison,
    PlanStatus,
)
from plans.services import commitments
from tests import factories


@pytest.fixture
def plan(key_account):
    return factories.PlanFactory(account=key_account, title="Acme plan 2026")


@pytest.fixture
def team(db):
    return factories.ServiceTeamFactory(name="Logistics")


def plan_url(plan):
    return reverse("plans:plan_detail", args=[plan.pk])


def propose_url(plan):
    return reverse("plans:plan_commitment_propose", args=[plan.pk])


def withdraw_url(commitment):
    return reverse("plans:commitment_withdraw", args=[commitment.pk])


def proposal(team, **overrides):
    data = {
        "category": "delivery_reliability",
        "promise": "On-time delivery of at least 97.5%",
        "comparison": "gte",
        "target_value": "97.5",
        "unit": "%",
        "due_date": "",
        "cadence_days": "30",
        "at_risk_margin": "1",
        "responsible_team": str(team.pk),
    }
    data.update(overrides)
    return data


def test_kam_proposes_a_commitment_that_shows_on_the_plan_and_the_board(
    client, plan, kam, operations, team
):
    client.force_login(kam)
    page = client.get(plan_url(plan)).content.decode()
    assert "Propose a commitment" in page
    assert 'for="id_commitment_target_value">Target value (at least / at most)</label>' in page

    response = client.post(propose_url(plan), proposal(team))

    assert response.status_code == 302
    assert response.url == plan_url(plan) + "#commitments"
    commitment = Commitment.objects.get()
    assert (commitment.account, commitment.plan, commitment.created_by) == (
        plan.account,
        plan,
        kam,
    )
    assert commitment.target_value == Decimal("97.5")
    assert commitment.responsible_team == team
    # No measurement yet, so the rule says it is due.
    assert commitment.status == CommitmentStatus.DUE
    assert commitment.history.first().history_user == kam
    assert "On-time delivery of at least 97.5%" in client.get(plan_url(plan)).content.decode()

    client.force_login(operations)
    board = client.get(reverse("plans:board")).content.decode()
    assert "On-time delivery of at least 97.5%" in board


def test_a_one_off_promise_with_its_due_date_is_created(client, plan, kam, team):
    client.force_login(kam)

    client.post(
        propose_url(plan),
        proposal(
            team,
            category="dedicated_stock",
            promise="Dedicated stock in Lyon",
            comparison="due",
            target_value="",
            unit="",
            due_date="2099-06-30",
        ),
    )

    commitment = Commitment.objects.get()
    assert (commitment.comparison, commitment.due_date) == ("due", dt.date(2099, 6, 30))
    assert commitment.target_value is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"comparison": "gte", "target_value": ""},
            "target_value",
            "A promise to reach or stay under a figure needs a target.",
        ),
        (
            {"comparison": "due", "target_value": "", "due_date": ""},
            "due_date",
            "A one-off promise needs the date it is due.",
        ),
        ({"promise": "   "}, "promise", "This field is required."),
    ],
)
def test_refused_input_keeps_what_was_typed_and_writes_nothing(
    client, plan, kam, team, overrides, field, message
):
    client.force_login(kam)

    response = client.post(
        propose_url(plan), proposal(team, unit="h", cadence_days="14", **overrides)
    )

    assert response.status_code == 200
    form = response.context["commitment_form"]
    assert form.errors[field] == [message]
    page = response.content.decode()
    assert message in page
    assert 'name="unit" value="h"' in page
    assert 'name="cadence_days" value="14"' in page
    assert '<details class="add-item mb-2" open>' in page
    assert not Commitment.objects.exists()


def propose_quotes_within_24h(account, team, actor, **changes):
    """Ask the service for a 24-hour quote promise to `account`, with `changes`."""
    fields = {
        "account": account,
        "actor": actor,
        "category": "quote_turnaround",
        "promise": "Quotes within 24 h",
        "comparison": Comparison.AT_MOST,
        "target_value": Decimal("24"),
        "unit": "h",
        "responsible_team": team,
    }
    return commitments.commitment_create(**{**fields, **changes})


def test_the_service_refuses_a_target_promise_without_a_target(plan, kam, team):
    with pytest.raises(DomainError, match="needs a target"):
        propose_quotes_within_24h(plan.account, team, kam, plan=plan, target_value=None)
    assert not Commitment.objects.exists()


def test_the_service_refuses_another_accounts_plan(plan, kam, team):
    other_plan = factories.PlanFactory(account=factories.KeyAccountFactory(kam=kam))

    with pytest.raises(DomainError, match="another account"):
        propose_quotes_within_24h(plan.account, team, kam, plan=other_plan)
    assert not Commitment.objects.exists()


def test_the_service_refuses_a_kam_of_another_account(plan, other_kam, team):
    with pytest.raises(PermissionDenied):
        propose_quotes_within_24h(plan.account, team, other_kam)
    assert not Commitment.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [("other_kam", 404), ("operations", 404), ("director", 302), ("own_kam", 302)],
)
def test_who_may_propose(client, plan, people, team, role, status):
    client.force_login(people[role])

    response = client.post(propose_url(plan), proposal(team))

    assert response.status_code == status
    assert Commitment.objects.count() == (1 if status == 302 else 0)


def test_operations_never_see_the_plan_page(client, plan, operations):
    client.force_login(operations)

    assert client.get(plan_url(plan)).status_code == 404


def test_director_sees_the_form(client, plan, director):
    client.force_login(director)

    assert "Propose a commitment" in client.get(plan_url(plan)).content.decode()


def test_team_member_outside_the_kam_group_reads_the_plan_without_the_form(client, plan):
    engineer = factories.UserFactory(username="engineer")
    factories.TeamMembershipFactory(account=plan.account, user=engineer)
    client.force_login(engineer)

    page = client.get(plan_url(plan)).content.decode()

    assert "Propose a commitment" not in page
    response = client.post(propose_url(plan), {})
    assert response.status_code == 403


def test_anonymous_is_sent_to_login(client, plan, team):
    response = client.post(propose_url(plan), proposal(team))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert not Commitment.objects.exists()


def test_no_form_on_an_archived_plan(client, kam, team):
    archived = factories.PlanFactory(
        account=factories.KeyAccountFactory(kam=kam), status=PlanStatus.ARCHIVED
    )
    client.force_login(kam)

    assert "Propose a commitment" not in client.get(plan_url(archived)).content.decode()
    response = client.post(propose_url(archived), proposal(team))
    assert "This plan is archived and can no longer change." in response.content.decode()
    assert not Commitment.objects.exists()


def test_withdrawing_hides_it_from_the_board(client, plan, kam, operations, team):
    commitment = factories.CommitmentFactory(
        account=plan.account, plan=plan, promise="Quotes within 24 h", responsible_team=team
    )
    client.force_login(kam)
    assert withdraw_url(commitment) in client.get(plan_url(plan)).content.decode()

    response = client.post(withdraw_url(commitment))

    assert response.status_code == 302
    assert response.url == plan_url(plan) + "#commitments"
    commitment.refresh_from_db()
    assert commitment.active is False
    assert "Withdrawn" in client.get(plan_url(plan)).content.decode()
    client.force_login(operations)
    assert "Quotes within 24 h" not in client.get(reverse("plans:board")).content.decode()


@pytest.mark.parametrize(("role", "status"), [("other_kam", 404), ("operations", 404)])
def test_who_may_not_withdraw(client, plan, other_kam, operations, team, role, status):
    commitment = factories.CommitmentFactory(account=plan.account, plan=plan, responsible_team=team)
    client.force_login({"other_kam": other_kam, "operations": operations}[role])

    assert client.post(withdraw_url(commitment)).status_code == status
    commitment.refresh_from_db()
    assert commitment.active is True


def test_withdrawing_twice_is_refused(plan, kam, team):
    commitment = factories.CommitmentFactory(account=plan.account, plan=plan, responsible_team=team)
    commitments.commitment_deactivate(commitment=commitment, actor=kam)

    with pytest.raises(DomainError, match="already withdrawn"):
        commitments.commitment_deactivate(commitment=commitment, actor=kam)


def test_a_new_commitment_is_evaluated_at_once(plan, kam, team):
    # Due in 5 days with an at-risk margin of 10 days: 5 < 10, so at risk from the start.
    due = timezone.localdate() + dt.timedelta(days=5)

    commitment = commitments.commitment_create(
        account=plan.account,
        plan=plan,
        actor=kam,
        category="dedicated_stock",
        promise="Dedicated stock in Lyon",
        comparison=Comparison.BY_DATE,
        due_date=due,
        at_risk_margin=Decimal("10"),
        responsible_team=team,
    )

    assert commitment.status == CommitmentStatus.AT_RISK
    change = CommitmentStatusChange.objects.get(commitment=commitment)
    assert (change.from_status, change.to_status, change.changed_by) == (
        CommitmentStatus.DUE,
        CommitmentStatus.AT_RISK,
        kam,
    )


def test_the_service_refuses_a_blank_promise(plan, kam, team):
    with pytest.raises(DomainError, match="Say what is promised"):
        propose_quotes_within_24h(plan.account, team, kam, promise="  ")
    assert not Commitment.objects.exists()
