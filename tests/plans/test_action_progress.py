"""An action's owner at work, told as stories: an engineer on the account's team (no KAM role)
owns an action of an approved plan; they change its status, move its due date and add progress
notes, and nothing else of the plan; another team member may not; the KAM may. The status and
the notes are execution (the plan stays approved, no plan version); the due date is the plan's
content (an approved plan becomes revised). Every change is kept in the action's history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import FunctionalRole
from kam import bounds
from kam.api import etag_of
from kam.errors import DomainError, InvalidInput, PermissionDenied
from plans.models import Action, ActionFamily, ActionNote, ActionStatus, PlanStatus, PlanVersion
from plans.services import items
from plans.services import plans as plans_services
from tests import factories
from tests.api.conftest import client_for, token_for

FAR = dt.date(2099, 7, 1)


@pytest.fixture
def engineer(key_account):
    """Functional staff without a role, on the account's team: the action's owner."""
    user = factories.UserFactory(username="engineer", first_name="Erik", last_name="Engel")
    factories.TeamMembershipFactory(
        account=key_account, user=user, functional_role=FunctionalRole.ENGINEERING
    )
    return user


@pytest.fixture
def colleague(key_account):
    """Another team member without a role, who owns nothing here."""
    user = factories.UserFactory(username="colleague")
    factories.TeamMembershipFactory(
        account=key_account, user=user, functional_role=FunctionalRole.LOGISTICS
    )
    return user


@pytest.fixture
def plan(key_account, kam, director):
    plan = factories.started_plan(key_account, kam, review_date=FAR)
    return plan


@pytest.fixture
def action(plan, kam, engineer):
    return items.action_create(
        plan=plan,
        actor=kam,
        family=ActionFamily.TECHNICAL_SUPPORT,
        title="Line audit",
        owner=engineer,
        due_date=dt.date(2026, 9, 30),
    )


def approve(plan, kam, director):
    plans_services.plan_submit(plan=plan, actor=kam)
    plans_services.plan_approve(plan=plan, actor=director)
    plan.refresh_from_db()


def status_of(plan):
    plan.refresh_from_db()
    return plan.status


def versions(plan):
    return PlanVersion.objects.filter(plan=plan).count()


# --- the owner who is a team member ---------------------------------------------------------


def test_the_owner_marks_their_action_in_progress_with_a_note_and_the_plan_stays_approved(
    plan, action, kam, director, engineer
):
    approve(plan, kam, director)
    before = versions(plan)

    items.action_progress(
        action=action,
        expected_version=action.version,
        actor=engineer,
        status=ActionStatus.IN_PROGRESS,
        note="  Booked the audit with their plant manager.  ",
    )

    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    assert status_of(plan) == PlanStatus.APPROVED  # execution, not content
    assert versions(plan) == before  # no plan version for a status
    [note] = ActionNote.objects.filter(action=action)
    assert (note.author, note.text) == (engineer, "Booked the audit with their plant manager.")
    newest = action.history.order_by("-history_date", "-history_id").first()
    assert (newest.history_user, newest.status) == (engineer, ActionStatus.IN_PROGRESS)
    assert newest.history_change_reason == "Status: In progress; Progress note"


def test_the_owner_marking_it_done_stamps_when(plan, action, engineer):
    items.action_progress(
        action=action, expected_version=1, actor=engineer, status=ActionStatus.DONE
    )
    action.refresh_from_db()
    assert action.completed_at is not None


def test_the_owner_moving_the_due_date_revises_an_approved_plan(
    plan, action, kam, director, engineer
):
    approve(plan, kam, director)
    before = versions(plan)

    items.action_progress(
        action=action, expected_version=1, actor=engineer, due_date=dt.date(2026, 11, 15)
    )

    action.refresh_from_db()
    assert action.due_date == dt.date(2026, 11, 15)
    assert status_of(plan) == PlanStatus.REVISED  # the plan promised another date
    newest = PlanVersion.objects.filter(plan=plan).order_by("-number").first()
    assert versions(plan) == before + 1
    assert newest.created_by == engineer
    assert "Line audit" in newest.note and "15 Nov 2026" in newest.note


def test_while_the_plan_is_submitted_the_owner_may_progress_but_not_move_the_date(
    plan, action, kam, engineer
):
    plans_services.plan_submit(plan=plan, actor=kam)

    items.action_progress(
        action=action, expected_version=1, actor=engineer, status=ActionStatus.IN_PROGRESS
    )
    with pytest.raises(DomainError, match="waiting for a director"):
        items.action_progress(
            action=action, expected_version=2, actor=engineer, due_date=dt.date(2026, 12, 1)
        )

    action.refresh_from_db()
    assert (action.status, action.due_date) == (ActionStatus.IN_PROGRESS, dt.date(2026, 9, 30))
    assert status_of(plan) == PlanStatus.SUBMITTED


def test_an_archived_plans_action_no_longer_progresses(plan, action, director, engineer):
    plans_services.plan_archive(plan=plan, actor=director, reason="Account lost")
    with pytest.raises(DomainError, match="archived"):
        items.action_progress(
            action=action, expected_version=1, actor=engineer, status=ActionStatus.DONE
        )


@pytest.mark.parametrize(
    "change",
    [
        lambda action, engineer: items.action_update(
            action=action, expected_version=1, actor=engineer, title="Renamed"
        ),
        lambda action, engineer: items.action_update(
            action=action, expected_version=1, actor=engineer, status=ActionStatus.DONE
        ),
        lambda action, engineer: items.action_delete(
            action=action, expected_version=1, actor=engineer
        ),
        lambda action, engineer: items.action_create(
            plan=action.plan,
            actor=engineer,
            family=ActionFamily.RISK_REDUCTION,
            title="Mine",
            owner=engineer,
            due_date=dt.date(2026, 10, 1),
        ),
        lambda action, engineer: plans_services.plan_section_save(
            plan=action.plan, kind="needs", body="Mine", expected_version=1, actor=engineer
        ),
        lambda action, engineer: plans_services.plan_submit(plan=action.plan, actor=engineer),
    ],
    ids=["title", "full-edit", "delete", "add-action", "section", "submit"],
)
def test_the_owner_is_refused_anything_else_of_the_plan(plan, action, engineer, change):
    before = versions(plan)
    with pytest.raises(PermissionDenied):
        change(action, engineer)
    action.refresh_from_db()
    assert (action.title, action.status, action.version) == ("Line audit", ActionStatus.OPEN, 1)
    assert versions(plan) == before


def test_progress_takes_only_status_due_date_and_a_note(plan, action, engineer):
    with pytest.raises(TypeError):
        items.action_progress(action=action, expected_version=1, actor=engineer, title="New")


def test_a_note_longer_than_the_bound_is_refused(plan, action, engineer):
    with pytest.raises(InvalidInput) as refusal:
        items.action_progress(
            action=action, expected_version=1, actor=engineer, note="x" * (bounds.MAX_NOTE + 1)
        )
    assert "note" in refusal.value.errors
    assert not ActionNote.objects.exists()


def test_a_stale_version_conflicts_and_writes_nothing(plan, action, kam, engineer):
    items.action_update(action=action, expected_version=1, actor=kam, title="Line audit 2")
    with pytest.raises(DomainError, match="Someone else saved"):
        items.action_progress(
            action=action, expected_version=1, actor=engineer, status=ActionStatus.DONE
        )
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


# --- others ------------------------------------------------------------------------------------


def test_another_team_member_may_not_progress_someone_elses_action(plan, action, colleague):
    with pytest.raises(PermissionDenied):
        items.action_progress(
            action=action, expected_version=1, actor=colleague, status=ActionStatus.DONE
        )
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    assert not action.history.filter(history_user=colleague).exists()


def test_an_owner_who_left_the_team_may_no_longer_progress(plan, action, engineer, key_account):
    key_account.team_memberships.filter(user=engineer).delete()
    engineer = type(engineer).objects.get(pk=engineer.pk)  # no cached answers
    with pytest.raises(PermissionDenied):
        items.action_progress(
            action=action, expected_version=1, actor=engineer, status=ActionStatus.DONE
        )


def test_the_kam_progresses_any_action_of_their_plan(plan, action, kam):
    items.action_progress(
        action=action, expected_version=1, actor=kam, status=ActionStatus.DONE, note="Done"
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    assert ActionNote.objects.get(action=action).author == kam


def test_a_director_reads_but_does_not_progress(plan, action, director):
    with pytest.raises(PermissionDenied):
        items.action_progress(
            action=action, expected_version=1, actor=director, status=ActionStatus.DONE
        )


def test_the_kam_ticking_done_on_the_plan_keeps_it_approved(plan, action, kam, director):
    """The same rule through the KAM's full edit: a status alone is execution."""
    approve(plan, kam, director)
    before = versions(plan)
    items.action_update(action=action, expected_version=1, actor=kam, status=ActionStatus.DONE)
    assert status_of(plan) == PlanStatus.APPROVED
    assert versions(plan) == before
    items.action_update(action=action, expected_version=2, actor=kam, title="Line audit, done")
    assert status_of(plan) == PlanStatus.REVISED


# --- the progress page -----------------------------------------------------------------------


def progress_url(action):
    return reverse("plans:action_progress", args=[action.pk])


def test_the_owner_updates_progress_on_its_page(client, plan, action, engineer):
    client.force_login(engineer)
    page = client.get(progress_url(action))
    assert page.status_code == 200
    assert "Line audit" in page.content.decode()
    assert "edit the action in the plan" not in page.content.decode()  # not theirs to edit

    response = client.post(
        progress_url(action),
        {
            "status": ActionStatus.IN_PROGRESS,
            "due_date": "2026-09-30",
            "note": "Agenda agreed",
            "version": "1",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("plans:my_actions")
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    html = client.get(progress_url(action)).content.decode()
    assert "Agenda agreed" in html
    assert html.count('data-testid="history-row"') == 2  # added, then in progress


def test_the_progress_page_refuses_others(client, plan, action, colleague, other_kam):
    client.force_login(colleague)
    assert client.get(progress_url(action)).status_code == 403
    assert client.post(progress_url(action), {"status": "done", "version": "1"}).status_code == 403
    client.force_login(other_kam)
    assert client.get(progress_url(action)).status_code == 404
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_the_progress_page_shows_a_refused_due_date_on_the_form(
    client, plan, action, kam, engineer
):
    plans_services.plan_submit(plan=plan, actor=kam)
    client.force_login(engineer)
    response = client.post(
        progress_url(action),
        {"status": ActionStatus.OPEN, "due_date": "2026-12-01", "version": "1"},
    )
    assert response.status_code == 200
    assert "waiting for a director" in response.content.decode()


def test_the_plan_page_offers_the_owner_a_progress_link_and_no_edit(client, plan, action, engineer):
    client.force_login(engineer)
    html = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert progress_url(action) in html
    assert reverse("plans:action_edit", args=[action.pk]) not in html


# --- the API -----------------------------------------------------------------------------------


def api_progress(user, action, body, etag=None):
    client = client_for(token_for(user))
    url = reverse("api:action-progress", args=[action.pk])
    return client.patch(url, body, format="json", HTTP_IF_MATCH=etag or etag_of(action))


def test_the_owner_progresses_through_the_api_and_nothing_else(plan, action, engineer):
    response = api_progress(engineer, action, {"status": "done", "note": "Report sent"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "done"
    assert ActionNote.objects.get(action=action).text == "Report sent"

    action.refresh_from_db()
    client = client_for(token_for(engineer))
    edit = client.patch(
        reverse("api:action-detail", args=[action.pk]),
        {"title": "Renamed"},
        format="json",
        HTTP_IF_MATCH=etag_of(action),
    )
    assert edit.status_code == 403
    unknown = api_progress(engineer, action, {"title": "Renamed"})
    assert unknown.status_code == 400
    action.refresh_from_db()
    assert action.title == "Line audit"

    notes = client.get(reverse("api:actionnote-list"), {"action": action.pk})
    assert [note["text"] for note in notes.json()["results"]] == ["Report sent"]


def test_another_team_member_is_refused_by_the_api(plan, action, colleague):
    response = api_progress(colleague, action, {"status": "done"})
    assert response.status_code == 403
    assert Action.objects.get(pk=action.pk).status == ActionStatus.OPEN


def test_the_api_needs_the_current_etag(plan, action, engineer):
    assert api_progress(engineer, action, {"status": "done"}, etag='"action-1-v9"').status_code == (
        412
    )
