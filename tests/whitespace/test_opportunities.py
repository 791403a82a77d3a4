"""Opportunities tied to the plan: the service's rules, who may change them, that they are
pipeline rather than plan content, the plan page's totals and "pipeline against target", and
the map's cells (a link into the current plan, "won, not yet invoiced")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import ProductCategory
from kam.errors import ConflictError, DomainError, InvalidInput, PermissionDenied
from plans.models import ObjectiveMetric, Opportunity, OpportunityStatus, PlanStatus, PlanVersion
from plans.services import opportunities as services
from plans.services import plans as plans_services
from tests import factories
from tests.whitespace.test_map import line, run_now

FAR = dt.date(2099, 7, 1)


@pytest.fixture
def plan(key_account, kam):
    return factories.started_plan(key_account, kam, title="Grow 2026", review_date=FAR)


@pytest.fixture
def bearings(db):
    return ProductCategory.objects.create(name="Bearings")


def fields(plan, category, **changes):
    values = {
        "category": category,
        "estimated_value": Decimal("20000.00"),
        "probability": 40,
        "expected_close": dt.date(2026, 10, 31),
        "owner": plan.account.kam,
    }
    return {**values, **changes}


def test_a_kam_adds_an_opportunity_at_the_plans_account(plan, kam, bearings):
    opportunity = services.opportunity_create(plan=plan, actor=kam, **fields(plan, bearings))

    assert opportunity.member == plan.account
    assert opportunity.status == OpportunityStatus.OPEN
    assert opportunity.version == 1
    assert opportunity.history.count() == 1
    assert opportunity.history.first().history_user == kam


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"estimated_value": Decimal("-1")}, "estimated_value"),
        ({"probability": 101}, "probability"),
        ({"expected_close": dt.date(2200, 1, 1)}, "expected_close"),
        ({"status": OpportunityStatus.LOST}, "lost_reason"),
        ({"status": OpportunityStatus.LOST, "lost_reason": "x" * 241}, "lost_reason"),
    ],
)
def test_bad_values_are_refused_on_their_field(plan, kam, bearings, changes, field):
    with pytest.raises(InvalidInput) as refused:
        services.opportunity_create(plan=plan, actor=kam, **fields(plan, bearings, **changes))

    assert field in refused.value.errors
    assert not Opportunity.objects.exists()


def test_the_member_must_be_the_plans_account(plan, kam, bearings):
    elsewhere = factories.KeyAccountFactory(kam=kam)

    with pytest.raises(InvalidInput) as refused:
        services.opportunity_create(
            plan=plan, actor=kam, **fields(plan, bearings, member=elsewhere)
        )

    assert "member" in refused.value.errors


def test_the_owner_is_the_kam_or_on_the_team(plan, kam, other_kam, bearings):
    with pytest.raises(InvalidInput) as refused:
        services.opportunity_create(plan=plan, actor=kam, **fields(plan, bearings, owner=other_kam))
    assert "owner" in refused.value.errors

    factories.TeamMembershipFactory(account=plan.account, user=other_kam)
    made = services.opportunity_create(
        plan=plan, actor=kam, **fields(plan, bearings, owner=other_kam)
    )
    assert made.owner == other_kam


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("own_kam", True),
        ("team_kam", True),
        ("admin", True),
        ("director", False),
        ("operations", False),
        ("other_kam", False),
    ],
)
def test_who_may_add_an_opportunity(plan, bearings, people, role, allowed):
    actor = people[role]
    if allowed:
        services.opportunity_create(plan=plan, actor=actor, **fields(plan, bearings))
        assert Opportunity.objects.count() == 1
    else:
        with pytest.raises(PermissionDenied):
            services.opportunity_create(plan=plan, actor=actor, **fields(plan, bearings))
        assert not Opportunity.objects.exists()


def test_opportunities_are_pipeline_not_plan_content(plan, kam, director, bearings):
    """An approved plan stays approved and gains no version when its pipeline moves."""
    plans_services.plan_submit(plan=plan, actor=kam)
    plans_services.plan_approve(plan=plan, actor=director)
    plan.refresh_from_db()
    versions = PlanVersion.objects.filter(plan=plan).count()

    made = services.opportunity_create(plan=plan, actor=kam, **fields(plan, bearings))
    services.opportunity_close(opportunity=made, expected_version=1, actor=kam, won=True)

    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert PlanVersion.objects.filter(plan=plan).count() == versions


def test_a_submitted_plans_pipeline_moves_but_an_archived_plans_does_not(
    plan, kam, director, bearings
):
    plans_services.plan_submit(plan=plan, actor=kam)
    services.opportunity_create(plan=plan, actor=kam, **fields(plan, bearings))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED

    plans_services.plan_archive(plan=plan, reason="Account lost", actor=director)
    plan.refresh_from_db()
    with pytest.raises(DomainError, match="archived"):
        services.opportunity_create(plan=plan, actor=kam, **fields(plan, bearings))
    assert Opportunity.objects.count() == 1


def test_closing_as_lost_needs_a_reason_and_stamps_the_day(plan, kam, bearings):
    made = services.opportunity_create(plan=plan, actor=kam, **fields(plan, bearings))

    with pytest.raises(InvalidInput):
        services.opportunity_close(opportunity=made, expected_version=1, actor=kam, won=False)
    lost = services.opportunity_close(
        opportunity=made, expected_version=1, actor=kam, won=False, lost_reason="  Price  "
    )

    assert lost.status == OpportunityStatus.LOST
    assert lost.lost_reason == "Price"
    assert lost.closed_on is not None
    assert lost.version == 2
    reopened = services.opportunity_update(
        opportunity=lost, expected_version=2, actor=kam, status=OpportunityStatus.OPEN
    )
    assert (reopened.closed_on, reopened.lost_reason) == (None, "")


def test_a_stale_version_conflicts_and_writes_nothing(plan, kam, bearings):
    made = services.opportunity_create(plan=plan, actor=kam, **fields(plan, bearings))
    services.opportunity_update(opportunity=made, expected_version=1, actor=kam, probability=60)

    with pytest.raises(ConflictError):
        services.opportunity_update(opportunity=made, expected_version=1, actor=kam, probability=90)

    made.refresh_from_db()
    assert (made.probability, made.version) == (60, 2)


# --- The plan page --------------------------------------------------------------------------


def test_the_plan_page_lists_opportunities_with_pipeline_against_the_revenue_target(
    client, plan, kam, bearings
):
    factories.ObjectiveFactory(
        plan=plan,
        metric=ObjectiveMetric.REVENUE,
        baseline_value=Decimal("100000"),
        target_value=Decimal("150000"),
        due_date=dt.date(2026, 12, 31),
    )
    seals = ProductCategory.objects.create(name="Seals")
    factories.OpportunityFactory(
        plan=plan, category=bearings, estimated_value=20000, probability=40
    )
    factories.OpportunityFactory(plan=plan, category=seals, estimated_value=10000, probability=25)
    factories.OpportunityFactory(
        plan=plan, category=seals, estimated_value=5000, status="won", closed_on=dt.date(2026, 3, 1)
    )
    factories.OpportunityFactory(
        plan=plan, category=seals, estimated_value=7000, status="lost", lost_reason="Price"
    )
    client.force_login(kam)

    response = client.get(reverse("plans:plan_detail", args=[plan.pk]))

    pipeline = response.context["page"].pipeline
    # open: 20,000 x 40 % + 10,000 x 25 % = 8,000 + 2,500 = 10,500; won 5,000
    assert pipeline.open_value == Decimal(30000)
    assert pipeline.weighted_open == Decimal("10500.00")
    assert pipeline.won_value == Decimal(5000)
    assert pipeline.lost_value == Decimal(7000)
    page = response.content.decode()
    # against target minus baseline: 150,000 - 100,000 = 50,000; 15,500 / 50,000 = 31.0 %
    assert "Pipeline against target: 15,500.00 EUR of 50,000.00 EUR (31.0 %)" in page
    assert reverse("plans:opportunity_create", args=[plan.pk]) in page


def test_the_new_opportunity_form_takes_the_cells_category_and_member(client, plan, kam, bearings):
    client.force_login(kam)
    url = reverse("plans:opportunity_create", args=[plan.pk])

    form = client.get(url, {"category": bearings.pk, "member": plan.account_id}).context["form"]
    assert form.initial["category"] == bearings.pk
    assert form.initial["member"] == plan.account_id

    response = client.post(
        url,
        {
            "category": bearings.pk,
            "member": plan.account_id,
            "estimated_value": "12000",
            "probability": "30",
            "expected_close": "2026-11-30",
            "owner": kam.pk,
            "status": "open",
            "lost_reason": "",
        },
    )
    assert response.status_code == 302
    assert Opportunity.objects.get().estimated_value == Decimal(12000)


def test_the_form_shows_a_refusal_on_its_field(client, plan, kam, bearings):
    client.force_login(kam)
    response = client.post(
        reverse("plans:opportunity_create", args=[plan.pk]),
        {
            "category": bearings.pk,
            "member": plan.account_id,
            "estimated_value": "12000",
            "probability": "30",
            "expected_close": "2026-11-30",
            "owner": kam.pk,
            "status": "lost",
            "lost_reason": "",
        },
    )
    assert response.status_code == 400
    assert "Say why the opportunity was lost." in response.content.decode()
    assert not Opportunity.objects.exists()


def test_a_director_reads_but_cannot_open_the_form(client, plan, director):
    client.force_login(director)
    assert client.get(reverse("plans:plan_detail", args=[plan.pk])).status_code == 200
    assert client.get(reverse("plans:opportunity_create", args=[plan.pk])).status_code == 403


def test_another_kam_gets_404_on_the_form(client, plan, other_kam):
    client.force_login(other_kam)
    assert client.get(reverse("plans:opportunity_create", args=[plan.pk])).status_code == 404


# --- The map's cells ------------------------------------------------------------------------


def test_map_cells_link_to_the_current_plans_form(client, plan, kam, bearings):
    line(plan.account, "Bearings", 500)
    run_now()
    client.force_login(kam)

    page = client.get(reverse("accounts:white_space", args=[plan.account_id])).content.decode()

    create = reverse("plans:opportunity_create", args=[plan.pk])
    assert f"{create}?category={bearings.pk}&amp;member={plan.account_id}" in page


def test_the_map_says_when_there_is_no_current_plan(client, key_account, kam):
    line(key_account, "Bearings", 500)
    run_now()
    client.force_login(kam)

    response = client.get(reverse("accounts:white_space", args=[key_account.pk]))

    assert 'data-testid="no-current-plan"' in response.content.decode()
    assert "opportunities/new" not in response.content.decode()


def test_a_won_opportunity_shows_until_a_sales_line_after_the_win_is_in_the_run(
    client, plan, kam, bearings
):
    """Won on 1 April 2026 (run as of 30 June 2026): a March line does not show it invoiced,
    a line of 2 May does."""
    line(plan.account, "Bearings", 500, day=dt.date(2026, 3, 15))
    factories.OpportunityFactory(
        plan=plan,
        category=bearings,
        estimated_value=Decimal(8000),
        status=OpportunityStatus.WON,
        closed_on=dt.date(2026, 4, 1),
    )
    run_now()
    client.force_login(kam)
    url = reverse("accounts:white_space", args=[plan.account_id])

    space = client.get(url).context["space"]
    assert space.rows[0].cells[0].won_not_invoiced == Decimal(8000)
    assert "won, not yet invoiced: 8,000" in client.get(url).content.decode()

    line(plan.account, "Bearings", 8000, day=dt.date(2026, 5, 2))
    run_now()
    space = client.get(url).context["space"]
    assert space.rows[0].cells[0].won_not_invoiced == Decimal(0)
    assert space.rows[0].cells[0].revenue == Decimal(8500)


# The map for its KAM with a current plan and won opportunities: session, user, groups, the
# account, the current run, the estimate form's categories, the map's rows (the account's
# subtree, one recursive CTE, with the run's category spend), the run's category revenue, the
# estimates, the won opportunities, the sales lines since the first win, the categories' ids,
# the account's plans, and the navigation's unread-notification count.
MAP_QUERIES = 14


@pytest.mark.parametrize("categories", [3, 30])
def test_the_map_with_opportunities_has_a_fixed_query_count(
    client, plan, kam, categories, django_assert_num_queries
):
    for index in range(categories):
        category = ProductCategory.objects.create(name=f"Line {index:02d}")
        line(plan.account, category.name, 100 + index, day=dt.date(2026, 2, 1))
        factories.OpportunityFactory(
            plan=plan,
            category=category,
            status=OpportunityStatus.WON,
            closed_on=dt.date(2026, 3, 1),
        )
    run_now()
    client.force_login(kam)
    url = reverse("accounts:white_space", args=[plan.account_id])

    with django_assert_num_queries(MAP_QUERIES):
        response = client.get(url)

    assert len(response.context["space"].categories) == categories
    assert response.context["space"].total.revenue == sum(100 + i for i in range(categories))


def test_opportunity_changes_are_on_the_accounts_history_in_fixed_queries(client, plan, kam):
    """The account's History page reads each opportunity's category with its row: the same
    number of queries for 2 opportunities as for 12."""

    def add(start, stop):
        for index in range(start, stop):
            category = ProductCategory.objects.create(name=f"History {index:02d}")
            made = services.opportunity_create(plan=plan, actor=kam, **fields(plan, category))
            services.opportunity_update(
                opportunity=made, expected_version=1, actor=kam, probability=70
            )

    client.force_login(kam)
    url = reverse("accounts:history", args=[plan.account_id])
    add(0, 2)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(2, 12)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()

    assert len(many) == len(few)
    assert "Opportunity “History 00”" in page and "Opportunity “History 11”" in page


def test_the_edit_page_closes_an_opportunity_as_won_and_a_stale_save_is_refused(
    client, plan, kam, bearings
):
    made = services.opportunity_create(plan=plan, actor=kam, **fields(plan, bearings))
    client.force_login(kam)
    url = reverse("plans:opportunity_edit", args=[made.pk])
    body = {
        "category": bearings.pk,
        "member": plan.account_id,
        "estimated_value": "20000",
        "probability": "100",
        "expected_close": "2026-10-31",
        "owner": kam.pk,
        "status": "won",
        "lost_reason": "",
        "version": "1",
    }

    assert client.get(url).status_code == 200
    assert client.post(url, body).status_code == 302
    made.refresh_from_db()
    assert (made.status, made.version) == (OpportunityStatus.WON, 2)

    stale = client.post(url, {**body, "probability": "10"})
    assert stale.status_code == 400
    assert "Reload the page to see the current version." in stale.content.decode()
    made.refresh_from_db()
    assert made.probability == 100
