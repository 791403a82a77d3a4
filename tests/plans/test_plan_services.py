"""Plan services: creating, editing without lost updates, lifecycle, versions, next period."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Stage
from kam.errors import ConflictError, DomainError, InvalidInput, PermissionDenied
from plans.models import (
    Action,
    ActionFamily,
    ActionStatus,
    Objective,
    ObjectiveMetric,
    Plan,
    PlanSection,
    PlanStatus,
    PlanVersion,
    SectionKind,
    Solution,
)
from plans.selectors import plans as plans_selectors
from plans.services import items
from plans.services import plans as plans_services
from plans.tasks import mark_plans_under_review
from tests import factories
from tests.accounts.test_account_list import make_run

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def plan(key_account, kam):
    return factories.started_plan(key_account, kam)


def section(plan, kind=SectionKind.POSITION):
    return PlanSection.objects.get(plan=plan, kind=kind)


def versions(plan):
    return list(PlanVersion.objects.filter(plan=plan).order_by("number"))


# --- creating --------------------------------------------------------------------------------


def test_a_new_plan_is_a_draft_with_every_section_empty_and_version_one(plan, kam):
    assert plan.status == PlanStatus.DRAFT
    assert plan.created_by == kam
    assert sorted(plan.sections.values_list("kind", flat=True)) == sorted(SectionKind.values)
    assert set(plan.sections.values_list("body", "version")) == {("", 1)}
    [first] = versions(plan)
    assert (first.number, first.note, first.created_by) == (1, "Plan started", kam)
    assert first.snapshot["title"] == "Plan 2026"
    assert plan.history.first().history_user == kam


def test_only_key_accounts_have_plans(kam):
    candidate = factories.AccountFactory(status="candidate", kam=kam)
    with pytest.raises(DomainError, match="Only key accounts"):
        factories.started_plan(candidate, kam, title="x")
    assert not Plan.objects.exists()


def test_one_active_plan_per_account_and_period(plan, key_account, kam):
    with pytest.raises(DomainError, match="already has an active plan"):
        factories.started_plan(
            key_account,
            kam,
            title="Twin",
            period_end=dt.date(2026, 6, 30),
            review_date=dt.date(2026, 3, 1),
        )
    assert Plan.objects.count() == 1


def test_a_period_must_end_after_it_starts(key_account, kam):
    with pytest.raises(DomainError, match="end after it starts"):
        factories.started_plan(
            key_account,
            kam,
            title="Backwards",
            period_start=dt.date(2026, 12, 31),
            period_end=dt.date(2026, 1, 1),
        )


@pytest.mark.parametrize("who", ["other_kam", "director", "operations"])
def test_only_the_accounts_kams_start_a_plan(request, key_account, who):
    with pytest.raises(PermissionDenied):
        factories.started_plan(key_account, request.getfixturevalue(who), title="x")
    assert not Plan.objects.exists()


# --- sections and no lost updates ------------------------------------------------------------


def test_saving_a_section_bumps_its_version_and_writes_a_plan_version(plan, kam):
    saved = plans_services.plan_section_save(
        plan=plan,
        kind=SectionKind.POSITION,
        body="Leader in\r\nits niche",
        expected_version=1,
        actor=kam,
    )

    assert (saved.version, saved.body, saved.updated_by) == (2, "Leader in\nits niche", kam)
    latest = versions(plan)[-1]
    assert (latest.number, latest.note) == (2, "Customer position and strategy saved")
    assert latest.snapshot["sections"]["position"] == "Leader in\nits niche"


def test_saving_over_a_newer_version_raises_a_conflict_and_writes_nothing(plan, kam):
    plans_services.plan_section_save(
        plan=plan, kind="needs", body="First writer", expected_version=1, actor=kam
    )

    with pytest.raises(ConflictError) as conflict:
        plans_services.plan_section_save(
            plan=plan, kind="needs", body="Second writer", expected_version=1, actor=kam
        )

    assert conflict.value.current_version == 2
    assert section(plan, "needs").body == "First writer"
    assert len(versions(plan)) == 2  # plan started + the first writer's save


def test_sections_are_versioned_one_by_one_so_two_sections_never_conflict(plan, kam):
    plans_services.plan_section_save(
        plan=plan, kind="needs", body="a", expected_version=1, actor=kam
    )
    plans_services.plan_section_save(
        plan=plan, kind="threats", body="b", expected_version=1, actor=kam
    )

    assert section(plan, "needs").version == section(plan, "threats").version == 2


def test_saving_the_same_text_again_writes_no_version(plan, kam):
    plans_services.plan_section_save(
        plan=plan, kind="needs", body="a", expected_version=1, actor=kam
    )
    plans_services.plan_section_save(
        plan=plan, kind="needs", body="a", expected_version=2, actor=kam
    )

    assert section(plan, "needs").version == 2
    assert len(versions(plan)) == 2


def test_a_section_missing_from_an_older_plan_is_created_at_version_zero(kam, key_account):
    plan = factories.PlanFactory(account=key_account)  # made without its sections

    saved = plans_services.plan_section_save(
        plan=plan, kind="needs", body="new", expected_version=0, actor=kam
    )

    assert (saved.version, saved.body) == (1, "new")
    with pytest.raises(ConflictError):
        plans_services.plan_section_save(
            plan=plan, kind="needs", body="late", expected_version=0, actor=kam
        )


@pytest.mark.parametrize("who", ["other_kam", "director", "operations"])
def test_only_serving_kams_edit_sections(request, plan, who):
    with pytest.raises(PermissionDenied):
        plans_services.plan_section_save(
            plan=plan,
            kind="needs",
            body="intrusion",
            expected_version=1,
            actor=request.getfixturevalue(who),
        )
    assert section(plan, "needs").body == ""
    assert len(versions(plan)) == 1


def test_team_member_who_is_a_kam_edits_the_plan(plan, key_account):
    member = factories.KamFactory(username="member")
    factories.TeamMembershipFactory(account=key_account, user=member)

    saved = plans_services.plan_section_save(
        plan=plan, kind="needs", body="from the team", expected_version=1, actor=member
    )

    assert saved.updated_by == member


def test_plan_details_change_with_their_own_version(plan, kam):
    updated = plans_services.plan_update(
        plan=plan,
        expected_version=1,
        actor=kam,
        title="Plan 2026, revised",
        investment_budget=Decimal("25000.00"),
    )

    assert (updated.title, updated.version) == ("Plan 2026, revised", 2)
    assert updated.history.first().history_user == kam
    with pytest.raises(ConflictError) as conflict:
        plans_services.plan_update(plan=plan, expected_version=1, actor=kam, title="Stale")
    assert conflict.value.current_version == 2
    plan.refresh_from_db()
    assert plan.title == "Plan 2026, revised"


def test_plan_update_refuses_fields_it_does_not_own(plan, kam):
    with pytest.raises(DomainError, match="status"):
        plans_services.plan_update(plan=plan, expected_version=1, actor=kam, status="approved")


# --- lifecycle -------------------------------------------------------------------------------


def test_submit_then_approve(plan, kam, director):
    plans_services.plan_submit(plan=plan, actor=kam, today=TODAY)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    assert plan.submitted_at is not None

    plans_services.plan_approve(plan=plan, actor=director, today=TODAY)

    plan.refresh_from_db()
    assert (plan.status, plan.approved_by) == (PlanStatus.APPROVED, director)
    assert [v.note for v in versions(plan)] == [
        "Plan started",
        "Submitted for approval",
        f"Approved by {director}",
    ]
    assert versions(plan)[-1].snapshot["status"] == "approved"
    assert plan.history.first().history_user == director


def test_kams_cannot_approve_and_directors_cannot_submit(plan, kam, director):
    with pytest.raises(PermissionDenied):
        plans_services.plan_submit(plan=plan, actor=director, today=TODAY)
    plans_services.plan_submit(plan=plan, actor=kam, today=TODAY)
    with pytest.raises(PermissionDenied):
        plans_services.plan_approve(plan=plan, actor=kam, today=TODAY)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED


def test_a_plan_needs_a_future_review_date_to_be_submitted(plan, kam):
    with pytest.raises(DomainError, match="review date"):
        plans_services.plan_submit(plan=plan, actor=kam, today=dt.date(2026, 7, 1))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_only_a_submitted_plan_is_approved(plan, director):
    with pytest.raises(DomainError, match="submitted"):
        plans_services.plan_approve(plan=plan, actor=director, today=TODAY)


def test_director_sends_a_plan_back_with_a_reason(plan, kam, director):
    plans_services.plan_submit(plan=plan, actor=kam, today=TODAY)
    with pytest.raises(DomainError, match="reason"):
        plans_services.plan_return(plan=plan, reason=" ", actor=director)

    plans_services.plan_return(plan=plan, reason="Objectives lack dates", actor=director)

    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert versions(plan)[-1].note == "Sent back: Objectives lack dates"


def test_approved_plans_past_their_review_date_go_under_review_once(kam, director):
    due = factories.PlanFactory(
        account=factories.KeyAccountFactory(kam=kam),
        status=PlanStatus.APPROVED,
        review_date=dt.date(2026, 3, 9),
    )
    today_is_review_day = factories.PlanFactory(
        account=factories.KeyAccountFactory(kam=kam),
        status=PlanStatus.APPROVED,
        review_date=TODAY,
    )
    draft = factories.PlanFactory(
        account=factories.KeyAccountFactory(kam=kam),
        status=PlanStatus.DRAFT,
        review_date=dt.date(2026, 1, 1),
    )

    assert plans_services.plans_mark_under_review(today=TODAY) == 1
    assert plans_services.plans_mark_under_review(today=TODAY) == 0

    statuses = dict(Plan.objects.values_list("pk", "status"))
    assert statuses == {
        due.pk: PlanStatus.UNDER_REVIEW,
        today_is_review_day.pk: PlanStatus.APPROVED,
        draft.pk: PlanStatus.DRAFT,
    }
    due.refresh_from_db()
    assert due.version == 2
    assert due.history.first().history_change_reason.startswith("Review overdue")
    [version] = versions(due)
    assert (version.number, version.snapshot["status"]) == (1, "under_review")


@pytest.mark.parametrize("plans", [3, 30])
def test_marking_under_review_runs_a_fixed_number_of_queries(kam, django_assert_num_queries, plans):
    for _ in range(plans):
        factories.PlanFactory(
            account=factories.KeyAccountFactory(kam=kam),
            status=PlanStatus.APPROVED,
            review_date=dt.date(2026, 1, 1),
        )

    # One batch: select, update, history insert, version numbers, five snapshot reads (the
    # commitments too) and the version insert (10), inside a savepoint (2: the test holds the
    # transaction); then the empty select that ends the loop, in its own savepoint (3).
    with django_assert_num_queries(15):
        assert plans_services.plans_mark_under_review(today=TODAY) == plans


def test_an_archived_plan_can_no_longer_change(plan, kam, director):
    plans_services.plan_archive(plan=plan, reason="Account lost", actor=director)

    with pytest.raises(DomainError, match="archived"):
        plans_services.plan_section_save(
            plan=plan, kind="needs", body="late", expected_version=1, actor=kam
        )
    with pytest.raises(DomainError, match="archived already"):
        plans_services.plan_archive(plan=plan, reason="Again", actor=director)


@pytest.mark.parametrize("who", ["operations", "kam"])
def test_neither_operations_nor_kams_archive(request, plan, who):
    with pytest.raises(PermissionDenied):
        plans_services.plan_archive(plan=plan, reason="Tidy up", actor=request.getfixturevalue(who))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


# --- versions and next period ----------------------------------------------------------------


def test_a_named_version_keeps_the_plan_as_it_is(plan, kam):
    version = plans_services.plan_version_save(plan=plan, actor=kam, note="Before the QBR")

    assert (version.number, version.note, version.created_by) == (2, "Before the QBR", kam)


def test_snapshots_carry_owners_names(plan, kam):
    items.action_create(
        plan=plan,
        actor=kam,
        family=ActionFamily.PERSONAL_TRUST,
        title="Dinner with the CPO",
        owner=kam,
        due_date=dt.date(2026, 4, 1),
    )

    [action] = versions(plan)[-1].snapshot["actions"]
    assert action["owner_name"] == str(kam)
    assert action["title"] == "Dinner with the CPO"


def test_starting_the_next_period_copies_the_plan_and_archives_the_old_on_approval(
    plan, kam, director, key_account
):
    plans_services.plan_section_save(
        plan=plan, kind="needs", body="Lower scrap", expected_version=1, actor=kam
    )
    items.objective_create(
        plan=plan,
        actor=kam,
        metric=ObjectiveMetric.REVENUE,
        target_value=Decimal("2000000"),
        due_date=dt.date(2026, 12, 31),
    )
    items.solution_create(
        plan=plan, actor=kam, title="VMI", value_measure="Stock-outs down to zero"
    )
    for title, status in [("Open one", ActionStatus.OPEN), ("Done one", ActionStatus.DONE)]:
        items.action_create(
            plan=plan,
            actor=kam,
            family=ActionFamily.SERVICE_LEVELS,
            title=title,
            owner=kam,
            due_date=dt.date(2026, 11, 1),
            status=status,
        )
    make_run({key_account: {"revenue": Decimal("1500000.00")}})
    plans_services.plan_submit(plan=plan, actor=kam, today=TODAY)
    plans_services.plan_approve(plan=plan, actor=director, today=TODAY)

    successor = plans_services.plan_start_next_period(plan=plan, actor=kam)

    assert (successor.period_start, successor.period_end) == (
        dt.date(2027, 1, 1),
        dt.date(2027, 12, 31),
    )
    assert successor.review_date == dt.date(2027, 7, 1)
    assert (successor.status, successor.previous) == (PlanStatus.DRAFT, plan)
    assert section(successor, "needs").body == "Lower scrap"
    [objective] = successor.objectives.all()
    assert objective.due_date == dt.date(2027, 12, 31)
    assert objective.baseline_value == Decimal("1500000.00")  # today's actual revenue
    assert list(successor.solutions.values_list("title", flat=True)) == ["VMI"]
    assert list(successor.actions.values_list("title", flat=True)) == ["Open one"]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED  # still the running plan
    with pytest.raises(DomainError, match="already"):
        plans_services.plan_start_next_period(plan=plan, actor=kam)

    plans_services.plan_section_save(
        plan=successor, kind="position", body="Year two", expected_version=1, actor=kam
    )
    plans_services.plan_submit(plan=successor, actor=kam, today=TODAY)
    plans_services.plan_approve(plan=successor, actor=director, today=TODAY)

    plan.refresh_from_db()
    assert plan.status == PlanStatus.ARCHIVED
    assert plan.archived_at is not None


def test_the_next_period_of_a_leap_year_ends_on_its_last_day():
    plan = Plan(
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 12, 31),
        review_date=dt.date(2027, 2, 28),
    )
    shift = plans_services.PeriodShift.of(plan)

    assert shift(dt.date(2028, 1, 1)) - dt.timedelta(days=1) == dt.date(2028, 12, 31)
    assert shift(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)


NEXT_PERIOD_OUT_OF_RANGE = (
    "The next period's plan cannot be started: its dates would fall after 31 Dec 2199, the last "
    "date KAM accepts. Correct this plan's period, review date and objective due dates first."
)


@pytest.mark.parametrize(
    ("period_start", "period_end", "review_date"),
    [
        # the day after 9999-12-31 is past Python's calendar (OverflowError)
        (dt.date(9999, 1, 1), dt.date(9999, 12, 31), dt.date(9999, 7, 1)),
        # one month on from 9999-12-01 is year 10000 (ValueError)
        (dt.date(9999, 11, 1), dt.date(9999, 11, 30), dt.date(9999, 11, 15)),
        # the next year, 2200, is past the last accepted date
        (dt.date(2199, 1, 1), dt.date(2199, 12, 31), dt.date(2199, 7, 1)),
    ],
)
def test_the_next_period_past_the_last_accepted_date_is_refused(
    key_account, kam, period_start, period_end, review_date
):
    # Written past validation, as rows stored before the date range existed can be.
    plan = factories.PlanFactory(
        account=key_account,
        period_start=period_start,
        period_end=period_end,
        review_date=review_date,
    )
    with pytest.raises(DomainError) as refusal:
        plans_services.plan_start_next_period(plan=plan, actor=kam)
    assert str(refusal.value) == NEXT_PERIOD_OUT_OF_RANGE
    assert list(Plan.objects.values_list("pk", flat=True)) == [plan.pk]


@pytest.fixture
def plan_2198(key_account, kam):
    """A plan for the calendar year 2198: its next period, 2199, is the last one accepted."""
    return factories.started_plan(
        key_account,
        kam,
        period_start=dt.date(2198, 1, 1),
        period_end=dt.date(2198, 12, 31),
        review_date=dt.date(2198, 7, 1),
    )


def test_an_objective_due_past_the_range_next_period_refuses_the_next_period(plan_2198, kam):
    plan = plan_2198
    # 2199-06-30 is accepted; one year on, 2200-06-30, is not.
    factories.ObjectiveFactory(plan=plan, due_date=dt.date(2199, 6, 30))
    with pytest.raises(DomainError) as refusal:
        plans_services.plan_start_next_period(plan=plan, actor=kam)
    assert str(refusal.value) == NEXT_PERIOD_OUT_OF_RANGE
    assert list(Plan.objects.values_list("pk", flat=True)) == [plan.pk]


def test_the_next_period_may_end_on_the_last_accepted_date(plan_2198, kam):
    successor = plans_services.plan_start_next_period(plan=plan_2198, actor=kam)
    # 2198 is a calendar year, so the next period is the calendar year 2199.
    assert (successor.period_start, successor.period_end, successor.review_date) == (
        dt.date(2199, 1, 1),
        dt.date(2199, 12, 31),
        dt.date(2199, 7, 1),
    )


# --- objectives, solutions, actions ----------------------------------------------------------


def test_a_stage_objective_needs_a_target_stage(plan, kam):
    with pytest.raises(DomainError, match="target stage"):
        items.objective_create(
            plan=plan, actor=kam, metric=ObjectiveMetric.STAGE, due_date=dt.date(2026, 12, 31)
        )
    objective = items.objective_create(
        plan=plan,
        actor=kam,
        metric=ObjectiveMetric.STAGE,
        target_stage=Stage.INTERDEPENDENT,
        target_value=Decimal("5"),  # ignored: a stage objective has no value
        due_date=dt.date(2026, 12, 31),
    )
    assert objective.target_value is None


@pytest.mark.parametrize("due_date", [dt.date(1, 1, 1), dt.date(9999, 12, 31)])
def test_an_action_due_outside_the_plausible_range_is_refused(plan, kam, due_date):
    with pytest.raises(InvalidInput) as refusal:
        items.action_create(
            plan=plan,
            actor=kam,
            family=ActionFamily.SERVICE_LEVELS,
            title="Far away",
            owner=kam,
            due_date=due_date,
        )
    assert refusal.value.errors == {
        "due_date": [
            f"{due_date.isoformat()} is out of range: write a date from 1950-01-01 to 2199-12-31."
        ]
    }
    assert not Action.objects.filter(title="Far away").exists()


def test_objective_update_and_delete_check_the_version(plan, kam):
    objective = items.objective_create(
        plan=plan,
        actor=kam,
        metric=ObjectiveMetric.PROFIT,
        target_value=Decimal("100000"),
        due_date=dt.date(2026, 12, 31),
    )
    items.objective_update(
        objective=objective, expected_version=1, actor=kam, target_value=Decimal("120000")
    )
    with pytest.raises(ConflictError):
        items.objective_delete(objective=objective, expected_version=1, actor=kam)
    assert Objective.objects.filter(pk=objective.pk).exists()

    items.objective_delete(objective=objective, expected_version=2, actor=kam)

    assert not Objective.objects.filter(pk=objective.pk).exists()
    assert versions(plan)[-1].note.endswith("deleted")


def test_solution_lifecycle(plan, kam):
    solution = items.solution_create(
        plan=plan, actor=kam, title="Kanban", value_measure="Line stops down 30%"
    )
    items.solution_update(solution=solution, expected_version=1, actor=kam, title="Kanban 2")
    solution.refresh_from_db()
    assert (solution.title, solution.version) == ("Kanban 2", 2)
    items.solution_delete(solution=solution, expected_version=2, actor=kam)
    assert not Solution.objects.exists()


def test_action_owner_must_be_on_our_side(plan, kam):
    stranger = factories.KamFactory(username="stranger")
    with pytest.raises(DomainError, match="owner"):
        items.action_create(
            plan=plan,
            actor=kam,
            family=ActionFamily.RISK_REDUCTION,
            title="Dual sourcing",
            owner=stranger,
            due_date=dt.date(2026, 5, 1),
        )
    assert not Action.objects.exists()


def test_marking_an_action_done_stamps_completion_and_reopening_clears_it(kam, line_audit):
    items.action_update(action=line_audit, expected_version=1, actor=kam, status="done")
    line_audit.refresh_from_db()
    assert line_audit.completed_at is not None

    items.action_update(action=line_audit, expected_version=2, actor=kam, status="open")
    line_audit.refresh_from_db()
    assert line_audit.completed_at is None
    assert line_audit.version == 3


def test_stale_action_save_is_refused_and_the_newer_one_kept(kam, line_audit):
    items.action_update(action=line_audit, expected_version=1, actor=kam, title="Line audit (Q2)")

    with pytest.raises(ConflictError) as conflict:
        items.action_update(action=line_audit, expected_version=1, actor=kam, title="Mine")

    assert conflict.value.current_version == 2
    line_audit.refresh_from_db()
    assert line_audit.title == "Line audit (Q2)"


def test_director_cannot_edit_actions(director, line_audit):
    with pytest.raises(PermissionDenied):
        items.action_update(action=line_audit, expected_version=1, actor=director, title="x")
    with pytest.raises(PermissionDenied):
        items.action_delete(action=line_audit, expected_version=1, actor=director)
    line_audit.refresh_from_db()
    assert (line_audit.title, line_audit.version) == ("Line audit", 1)


def test_version_numbers_follow_each_other(plan, kam):
    for index in range(3):
        factories.saved_a_while_ago(plan)
        plans_services.plan_section_save(
            plan=plan, kind="needs", body=f"v{index}", expected_version=index + 1, actor=kam
        )

    assert [v.number for v in versions(plan)] == [1, 2, 3, 4]


def test_the_daily_beat_task_marks_plans_under_review(kam, settings):
    plan = factories.PlanFactory(
        account=factories.KeyAccountFactory(kam=kam),
        status=PlanStatus.APPROVED,
        review_date=dt.date(2020, 1, 1),
    )

    assert mark_plans_under_review() == 1

    plan.refresh_from_db()
    assert plan.status == PlanStatus.UNDER_REVIEW
    entry = settings.CELERY_BEAT_SCHEDULE["plans-under-review"]
    assert entry["task"] == "plans.tasks.mark_plans_under_review"


def test_snapshots_from_older_code_compare_equal_to_new_ones(plan):
    [first] = versions(plan)
    older = dict(first.snapshot, investment_budget="16000")  # written without decimals
    newer = dict(first.snapshot, investment_budget="16000.00")

    assert plans_selectors.snapshot_parts(older) == plans_selectors.snapshot_parts(newer)
