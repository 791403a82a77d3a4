"""Who may take each step of a plan's lifecycle, told per role over `people` (tests/conftest.py):
the account's KAM and a KAM on its team submit; directors and administrators approve, send back,
archive and restore; nobody else takes any step. A refused step changes nothing (no status, no
version, no notification), on the services and on the pages alike. Submitting tells every sales
director, in the app and by e-mail, once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kam.errors import PermissionDenied
from plans.models import Notification, Plan, PlanStatus, PlanVersion
from plans.services import plans as plans_services
from tests import factories

FAR = dt.date(2099, 7, 1)
SUBMITTERS = {"own_kam", "team_kam", "admin"}
DECIDERS = {"director", "admin"}
SERVICE_ROLES = ["own_kam", "team_kam", "other_kam", "director", "operations", "admin"]
# Who may not even see the plan: its pages answer 404 as for a missing one.
OUTSIDERS = {"other_kam", "operations"}


@pytest.fixture
def plan(key_account, kam):
    return factories.started_plan(key_account, kam, review_date=FAR)


def submitted(plan, kam):
    plans_services.plan_submit(plan=plan, actor=kam)
    return plan


def archived(plan, director):
    plans_services.plan_archive(plan=plan, actor=director, reason="Customer merged")
    return plan


STEPS = {
    "submit": (None, lambda plan, actor: plans_services.plan_submit(plan=plan, actor=actor)),
    "approve": (
        submitted,
        lambda plan, actor: plans_services.plan_approve(plan=plan, actor=actor, comment="Go"),
    ),
    "send back": (
        submitted,
        lambda plan, actor: plans_services.plan_return(plan=plan, actor=actor, reason="Dates"),
    ),
    "archive": (
        None,
        lambda plan, actor: plans_services.plan_archive(plan=plan, actor=actor, reason="Merged"),
    ),
    "restore": (
        archived,
        lambda plan, actor: plans_services.plan_restore(plan=plan, actor=actor),
    ),
}
AFTER = {
    "submit": PlanStatus.SUBMITTED,
    "approve": PlanStatus.APPROVED,
    "send back": PlanStatus.DRAFT,
    "archive": PlanStatus.ARCHIVED,
    "restore": PlanStatus.DRAFT,
}
ALLOWED = {
    "submit": SUBMITTERS,
    "approve": DECIDERS,
    "send back": DECIDERS,
    "archive": DECIDERS,
    "restore": DECIDERS,
}


def _prepare(step, plan, kam, director):
    before, _ = STEPS[step]
    if before is submitted:
        submitted(plan, kam)
    elif before is archived:
        archived(plan, director)


def _state(plan):
    return (
        Plan.objects.values_list("status", flat=True).get(pk=plan.pk),
        PlanVersion.objects.filter(plan=plan).count(),
        Notification.objects.count(),
    )


@pytest.mark.parametrize("role", SERVICE_ROLES)
@pytest.mark.parametrize("step", STEPS)
def test_each_step_is_taken_by_its_roles_only(people, plan, kam, director, step, role):
    _prepare(step, plan, kam, director)
    actor = people[role]
    _, take = STEPS[step]

    if role in ALLOWED[step]:
        take(plan, actor)
        assert Plan.objects.get(pk=plan.pk).status == AFTER[step]
    else:
        before = _state(plan)
        with pytest.raises(PermissionDenied):
            take(plan, actor)
        assert _state(plan) == before


PAGE_URLS = {
    "submit": "plans:plan_submit",
    "approve": "plans:plan_approve",
    "send back": "plans:plan_return",
    "archive": "plans:plan_archive",
    "restore": "plans:plan_restore",
}


@pytest.mark.parametrize("role", SERVICE_ROLES)
@pytest.mark.parametrize("step", STEPS)
def test_each_step_on_the_pages_answers_each_role(client, people, plan, kam, director, step, role):
    """Allowed: done, back to the plan. Seen but refused: 403. Not seen: 404. Nothing changes
    on a refusal."""
    _prepare(step, plan, kam, director)
    before = _state(plan)
    client.force_login(people[role])

    response = client.post(reverse(PAGE_URLS[step], args=[plan.pk]), {"reason": "Noted"})

    if role in ALLOWED[step]:
        assert response.status_code == 302
        assert Plan.objects.get(pk=plan.pk).status == AFTER[step]
    else:
        assert response.status_code == (404 if role in OUTSIDERS else 403)
        assert _state(plan) == before


def test_anonymous_visitors_take_no_step(client, plan):
    for name in PAGE_URLS.values():
        response = client.post(reverse(name, args=[plan.pk]), {"reason": "x"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT


# --- Submitting tells the directors ---------------------------------------------------------


def test_submitting_notifies_every_director_in_the_app_and_by_email_once(
    plan, kam, director, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    second = factories.DirectorFactory(username="second-director")
    factories.DirectorFactory(username="gone-director", is_active=False)

    with django_capture_on_commit_callbacks(execute=True):
        plans_services.plan_submit(plan=plan, actor=kam)

    notified = Notification.objects.order_by("recipient__username")
    assert [n.recipient for n in notified] == [director, second]  # not admins, not the inactive
    note = notified[0]
    assert note.subject == f"{plan.account.name}: plan waiting for approval"
    assert plan.title in note.body and str(kam) in note.body
    assert note.url == reverse("plans:plan_detail", args=[plan.pk])
    assert sorted(message.to[0] for message in mailoutbox) == sorted([director.email, second.email])
    assert all(n.emailed_at is not None for n in Notification.objects.all())


def test_each_submission_notifies_again_a_refused_one_never(
    plan, kam, director, other_kam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        plans_services.plan_submit(plan=plan, actor=kam)
        plans_services.plan_return(plan=plan, reason="Add dates", actor=director)
        with pytest.raises(PermissionDenied):
            plans_services.plan_submit(plan=plan, actor=other_kam)
        plans_services.plan_submit(plan=plan, actor=kam)

    waiting = Notification.objects.filter(recipient=director)
    assert waiting.count() == 2
    assert "A revision" not in waiting.first().body  # never approved: not a revision


def test_a_revision_says_so_in_the_notification(plan, kam, director):
    plans_services.plan_submit(plan=plan, actor=kam)
    plans_services.plan_approve(plan=plan, actor=director)
    plans_services.plan_section_save(
        plan=plan, kind="needs", body="Shorter lead times.", expected_version=1, actor=kam
    )

    plans_services.plan_submit(plan=plan, actor=kam)

    newest = Notification.objects.filter(recipient=director).order_by("-pk").first()
    assert "A revision of the plan waits for your decision" in newest.body


def test_the_director_reads_the_submission_in_the_notifications_page(client, plan, kam, director):
    plans_services.plan_submit(plan=plan, actor=kam)
    client.force_login(director)

    page = client.get(reverse("plans:notifications")).content.decode()

    assert f"{plan.account.name}: plan waiting for approval" in page


# --- The review date: never before the period starts, on the pages and in the API -----------


def test_the_details_page_refuses_a_review_date_before_the_period(client, plan, kam):
    client.force_login(kam)

    response = client.post(
        reverse("plans:plan_edit", args=[plan.pk]),
        {
            "title": plan.title,
            "review_date": "2025-12-31",
            "period_end": "2026-12-31",
            "version": plan.version,
        },
    )

    assert response.status_code == 200
    assert "on or after the period" in response.content.decode()
    assert Plan.objects.get(pk=plan.pk).review_date == FAR


def test_the_new_plan_page_refuses_a_review_date_before_the_period(client, kam):
    account = factories.KeyAccountFactory(kam=kam)
    client.force_login(kam)

    response = client.post(
        reverse("plans:plan_create", args=[account.pk]),
        {
            "title": "Plan 2027",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "review_date": "2026-12-31",
        },
    )

    assert response.status_code == 200
    assert "on or after the period" in response.content.decode()
    assert not Plan.objects.filter(account=account).exists()
