"""The plan's one state machine (plans/services/plans.py), told as stories: draft -> submitted ->
approved -> revised (any change of content) -> submitted -> approved; edits to a submitted plan
refused; approve and send back with a comment kept with the version (send back notifies the
KAM); archive and restore by directors and administrators only, with a reason."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kam.errors import DomainError, InvalidInput, PermissionDenied
from plans.models import (
    ActionFamily,
    Comparison,
    Notification,
    ObjectiveMetric,
    Plan,
    PlanStatus,
    PlanVersion,
)
from plans.services import commitments, items
from plans.services import plans as plans_services
from tests import factories

FAR = dt.date(2099, 7, 1)


@pytest.fixture
def plan(key_account, kam):
    return factories.started_plan(key_account, kam, review_date=FAR)


@pytest.fixture
def team(operations):
    return factories.ServiceTeamFactory(name="Logistics")


def approved(plan, kam, director, comment=""):
    plans_services.plan_submit(plan=plan, actor=kam)
    plans_services.plan_approve(plan=plan, actor=director, comment=comment)
    plan.refresh_from_db()
    return plan


def newest(plan):
    return PlanVersion.objects.filter(plan=plan).order_by("-number").first()


def status_of(plan):
    return Plan.objects.values_list("status", flat=True).get(pk=plan.pk)


def _section(plan, kam):
    plans_services.plan_section_save(
        plan=plan, kind="needs", body="Shorter lead times.", expected_version=1, actor=kam
    )


def _details(plan, kam):
    plan.refresh_from_db()
    plans_services.plan_update(
        plan=plan, expected_version=plan.version, actor=kam, title="Plan 2026, revised"
    )


def _objective(plan, kam):
    items.objective_create(
        plan=plan,
        actor=kam,
        metric=ObjectiveMetric.REVENUE,
        target_value=Decimal("1000000"),
        due_date=dt.date(2026, 12, 31),
    )


def _solution(plan, kam):
    items.solution_create(plan=plan, actor=kam, title="VMI", value_measure="Stock-outs down")


def _action(plan, kam):
    items.action_create(
        plan=plan,
        actor=kam,
        family=ActionFamily.PERSONAL_TRUST,
        title="Dinner with the buyer",
        owner=kam,
        due_date=dt.date(2026, 9, 30),
    )


def _commitment(plan, kam, team=None):
    commitments.commitment_create(
        account=plan.account,
        plan=plan,
        actor=kam,
        category="delivery_reliability",
        promise="98 % on time",
        comparison=Comparison.AT_LEAST,
        target_value=Decimal("98"),
        unit="%",
        responsible_team=team or factories.ServiceTeamFactory(),
    )


CHANGES = {
    "section": _section,
    "details": _details,
    "objective": _objective,
    "solution": _solution,
    "action": _action,
    "commitment proposal": _commitment,
}


# --- Approved, then changed: revised ----------------------------------------------------------


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_any_change_of_an_approved_plan_makes_it_revised(plan, kam, director, change):
    approved(plan, kam, director)
    approved_number = plan.approved_version.number

    change(plan, kam)

    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVISED
    assert plan.get_status_display() == "Revised: needs re-approval"
    # The approval stays recorded: the account runs by that version until the next one.
    assert plan.approved_version.number == approved_number
    assert newest(plan).number == approved_number + 1
    assert newest(plan).snapshot["status"] == "revised"


def test_a_plan_under_review_that_changes_is_revised_too(plan, kam, director):
    approved(plan, kam, director)
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.UNDER_REVIEW)

    _section(plan, kam)

    assert status_of(plan) == PlanStatus.REVISED


def test_withdrawing_a_commitment_from_an_approved_plan_revises_it(plan, kam, director, team):
    _commitment(plan, kam, team)
    approved(plan, kam, director)
    proposed = plan.commitments.get()

    commitments.commitment_deactivate(commitment=proposed, actor=kam)

    assert status_of(plan) == PlanStatus.REVISED
    assert newest(plan).note == "Commitment “98 % on time” withdrawn"


def test_saving_unchanged_content_keeps_the_plan_approved(plan, kam, director):
    approved(plan, kam, director)
    plans_services.plan_update(
        plan=plan, expected_version=plan.version, actor=kam, title=plan.title
    )
    assert status_of(plan) == PlanStatus.APPROVED


def test_a_draft_that_changes_stays_a_draft(plan, kam):
    _section(plan, kam)
    assert status_of(plan) == PlanStatus.DRAFT


def test_keeping_a_named_version_or_starting_the_next_period_is_no_revision(plan, kam, director):
    approved(plan, kam, director)
    plans_services.plan_version_save(plan=plan, actor=kam, note="Before the QBR")
    plans_services.plan_start_next_period(plan=plan, actor=kam)
    assert status_of(plan) == PlanStatus.APPROVED


def test_a_revised_plan_is_submitted_and_approved_again(plan, kam, director):
    approved(plan, kam, director)
    _section(plan, kam)

    plans_services.plan_submit(plan=plan, actor=kam)
    plans_services.plan_approve(plan=plan, actor=director, comment="Good catch on lead times.")

    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert plan.approved_version == newest(plan)
    assert plan.approved_version.comment == "Good catch on lead times."


def test_an_approved_plan_is_not_submitted_again_unchanged(plan, kam, director):
    approved(plan, kam, director)
    with pytest.raises(DomainError, match="change it first"):
        plans_services.plan_submit(plan=plan, actor=kam)
    assert status_of(plan) == PlanStatus.APPROVED


# --- Submitted: edits refused -----------------------------------------------------------------


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_submitted_plan_refuses_every_change_and_keeps_its_versions(plan, kam, change):
    plans_services.plan_submit(plan=plan, actor=kam)
    count = PlanVersion.objects.filter(plan=plan).count()

    with pytest.raises((DomainError, InvalidInput), match="waiting for a director's decision"):
        change(plan, kam)

    assert status_of(plan) == PlanStatus.SUBMITTED
    assert PlanVersion.objects.filter(plan=plan).count() == count
    assert not plan.objectives.exists() and not plan.commitments.exists()


def test_a_submitted_plan_offers_no_edits_and_says_why(client, plan, kam):
    plans_services.plan_submit(plan=plan, actor=kam)
    client.force_login(kam)

    page = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()

    assert "waiting for a director's decision" in page
    assert "the director approves exactly what was submitted" in page
    assert "Edit details" not in page
    assert "Propose a commitment" not in page
    plan.refresh_from_db()
    assert plans_services.plan_abilities(user=kam, plan=plan).edit is False


def test_a_section_posted_to_a_submitted_plan_is_refused_with_the_reason(client, plan, kam):
    plans_services.plan_submit(plan=plan, actor=kam)
    client.force_login(kam)

    response = client.post(
        reverse("plans:section_save", args=[plan.pk, "needs"]),
        {"body": "Late change", "version": 1},
        follow=True,
    )

    assert "waiting for a director&#x27;s decision" in response.content.decode()
    assert plan.sections.get(kind="needs").body == ""


# --- Approve and send back with a comment -----------------------------------------------------


def test_the_approval_comment_is_kept_with_the_version_and_shown_in_the_history(
    client, plan, kam, director
):
    approved(plan, kam, director, comment="Ambitious but sound.\nGo.")
    assert newest(plan).comment == "Ambitious but sound.\nGo."
    client.force_login(kam)

    for name in ("plan_detail", "plan_versions"):
        page = client.get(reverse(f"plans:{name}", args=[plan.pk])).content.decode()
        assert "Ambitious but sound.<br>Go." in page, name


def test_the_accounts_history_shows_the_approval_comment(client, plan, kam, director):
    approved(plan, kam, director, comment="Well argued.")
    client.force_login(kam)

    # the account page's History section, loaded as it scrolls into view
    history = client.get(reverse("accounts:history_latest", args=[plan.account_id]))

    assert f"Approved by {director}: Well argued." in history.content.decode()


def test_sending_back_keeps_the_comment_and_notifies_the_kam_once(
    plan, kam, director, mailoutbox, django_capture_on_commit_callbacks
):
    plans_services.plan_submit(plan=plan, actor=kam)
    comment = "Objectives need dates; the SWOT misses the new competitor. " * 5  # over 200

    with django_capture_on_commit_callbacks(execute=True):
        plans_services.plan_return(plan=plan, reason=comment, actor=director)

    assert status_of(plan) == PlanStatus.DRAFT  # never approved: back to draft
    assert newest(plan).comment == comment.strip()
    notification = Notification.objects.get(recipient=kam)
    assert comment.strip() in notification.body
    assert notification.url == reverse("plans:plan_detail", args=[plan.pk])
    assert [message.to for message in mailoutbox] == [[kam.email]]
    assert comment.strip() in mailoutbox[0].body
    notification.refresh_from_db()
    assert notification.emailed_at is not None

    # A second run of the e-mail task sends nothing more.
    assert commitments.notification_emails_send(notification_ids=[notification.pk]) == 0
    assert len(mailoutbox) == 1


def test_a_revision_sent_back_stays_revised(plan, kam, director):
    approved(plan, kam, director)
    _section(plan, kam)
    plans_services.plan_submit(plan=plan, actor=kam)

    plans_services.plan_return(plan=plan, reason="Not this quarter", actor=director)

    assert status_of(plan) == PlanStatus.REVISED


def test_a_kam_neither_approves_nor_sends_back(plan, kam):
    plans_services.plan_submit(plan=plan, actor=kam)
    with pytest.raises(PermissionDenied):
        plans_services.plan_return(plan=plan, reason="Mine", actor=kam)
    with pytest.raises(PermissionDenied):
        plans_services.plan_approve(plan=plan, actor=kam)
    assert status_of(plan) == PlanStatus.SUBMITTED
    assert not Notification.objects.exists()


def test_a_director_approves_with_a_comment_from_the_plan_page(client, plan, kam, director):
    plans_services.plan_submit(plan=plan, actor=kam)
    client.force_login(director)
    page = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert "Waiting for your decision" in page

    client.post(reverse("plans:plan_approve", args=[plan.pk]), {"reason": "Well argued."})

    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert plan.approved_version.comment == "Well argued."


# --- What changed since the approval ----------------------------------------------------------


def test_a_revised_plan_links_to_its_changes_since_the_approved_version(
    client, plan, kam, director
):
    approved(plan, kam, director)
    approved_number = plan.approved_version.number
    _section(plan, kam)
    factories.saved_a_while_ago(plan)
    _solution(plan, kam)
    client.force_login(director)

    page = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()

    assert "it needs approval again" in page
    compare = (
        reverse("plans:plan_compare", args=[plan.pk])
        + f"?a={approved_number}&amp;b={approved_number + 2}"
    )
    assert compare in page
    diff = client.get(compare.replace("&amp;", "&")).content.decode()
    assert "Shorter lead times." in diff and "VMI" in diff


def test_a_proposed_commitment_shows_in_the_changes_since_the_approval(
    client, plan, kam, director, team
):
    approved(plan, kam, director)
    _commitment(plan, kam, team)
    client.force_login(director)
    first, last = plan.approved_version.number, newest(plan).number

    diff = client.get(
        reverse("plans:plan_compare", args=[plan.pk]), {"a": first, "b": last}
    ).content.decode()

    assert "Service commitments" in diff
    assert "[Delivery reliability] 98 % on time: at least (&gt;=) 98.00 %" in diff


def test_the_link_stays_while_the_revision_waits_for_approval(client, plan, kam, director):
    approved(plan, kam, director)
    _section(plan, kam)
    plans_services.plan_submit(plan=plan, actor=kam)
    client.force_login(director)

    page = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()

    assert 'data-testid="changes-since-approval"' in page


def test_an_approved_plan_has_no_changes_to_show(client, plan, kam, director):
    approved(plan, kam, director)
    client.force_login(kam)
    page = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert 'data-testid="changes-since-approval"' not in page


# --- Archive and restore ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["director", "admin_user"])
def test_directors_and_admins_archive_with_a_reason_and_restore(request, plan, kam, director, who):
    approved(plan, kam, director)
    actor = request.getfixturevalue(who)
    with pytest.raises(InvalidInput, match="reason"):
        plans_services.plan_archive(plan=plan, reason="  ", actor=actor)

    plans_services.plan_archive(plan=plan, reason="Customer merged into Beta", actor=actor)
    assert status_of(plan) == PlanStatus.ARCHIVED
    assert newest(plan).comment == "Customer merged into Beta"

    plans_services.plan_restore(plan=plan, actor=actor, reason="Merger called off")
    plan.refresh_from_db()
    assert (plan.status, plan.archived_at) == (PlanStatus.APPROVED, None)
    assert newest(plan).note == "Restored: Merger called off"


@pytest.mark.parametrize("who", ["kam", "other_kam", "operations"])
def test_nobody_else_archives_or_restores(request, plan, director, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        plans_services.plan_archive(plan=plan, reason="Tidy", actor=actor)
    plans_services.plan_archive(plan=plan, reason="Tidy", actor=director)
    with pytest.raises(PermissionDenied):
        plans_services.plan_restore(plan=plan, actor=actor)
    assert status_of(plan) == PlanStatus.ARCHIVED


def test_a_restored_draft_is_a_draft_again(plan, director):
    plans_services.plan_archive(plan=plan, reason="Started by mistake", actor=director)
    plans_services.plan_restore(plan=plan, actor=director)
    assert status_of(plan) == PlanStatus.DRAFT
    with pytest.raises(DomainError, match="Only an archived plan"):
        plans_services.plan_restore(plan=plan, actor=director)


def test_a_superseded_plan_is_not_restored_while_its_successor_runs(plan, kam, director):
    approved(plan, kam, director)
    successor = plans_services.plan_start_next_period(plan=plan, actor=kam)
    Plan.objects.filter(pk=successor.pk).update(review_date=FAR)
    approved(successor, kam, director)
    assert status_of(plan) == PlanStatus.ARCHIVED

    with pytest.raises(DomainError, match="continues this plan"):
        plans_services.plan_restore(plan=plan, actor=director)
    assert status_of(plan) == PlanStatus.ARCHIVED


def test_restoring_is_refused_when_the_period_has_another_active_plan(plan, key_account, kam):
    director = factories.DirectorFactory()
    plans_services.plan_archive(plan=plan, reason="Replaced", actor=director)
    factories.started_plan(key_account, kam, review_date=FAR)

    with pytest.raises(InvalidInput, match="already has an active plan"):
        plans_services.plan_restore(plan=plan, actor=director)
    assert status_of(plan) == PlanStatus.ARCHIVED


def test_archiving_on_the_page_asks_for_confirmation_and_a_reason(client, plan, kam, director):
    url = reverse("plans:plan_archive", args=[plan.pk])
    client.force_login(kam)
    assert url not in client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert client.post(url, {"reason": "Mine to archive"}).status_code == 403
    assert status_of(plan) == PlanStatus.DRAFT

    client.force_login(director)
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Why it is archived" in confirm.content.decode()
    assert status_of(plan) == PlanStatus.DRAFT  # opening the page changes nothing

    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200 and status_of(plan) == PlanStatus.DRAFT

    client.post(url, {"reason": "Account lost to a competitor"})
    assert status_of(plan) == PlanStatus.ARCHIVED
    page = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()
    assert "Account lost to a competitor" in page
    assert reverse("plans:plan_restore", args=[plan.pk]) in page

    client.post(reverse("plans:plan_restore", args=[plan.pk]), {"reason": ""})
    assert status_of(plan) == PlanStatus.DRAFT


# --- The admin shows the lifecycle and never moves it -----------------------------------------


def test_the_admin_cannot_change_a_plans_status_or_content(client, plan, kam, director, admin_user):
    approved(plan, kam, director)
    section = plan.sections.get(kind="needs")
    client.force_login(admin_user)

    assert client.get(reverse("admin:plans_plan_change", args=[plan.pk])).status_code == 200
    changed = client.post(
        reverse("admin:plans_plan_change", args=[plan.pk]), {"status": PlanStatus.DRAFT}
    )
    edited = client.post(
        reverse("admin:plans_plansection_change", args=[section.pk]),
        {"plan": plan.pk, "kind": "needs", "body": "Behind its back"},
    )

    assert (changed.status_code, edited.status_code) == (403, 403)
    assert status_of(plan) == PlanStatus.APPROVED
    assert plan.sections.get(kind="needs").body == ""


# --- The account page warns of a key account without a current plan ---------------------------


def account_page(client, user, account):
    client.force_login(user)
    return client.get(reverse("accounts:detail", args=[account.pk])).content.decode()


def test_a_key_account_whose_plan_is_archived_warns_that_it_has_no_current_plan(
    client, plan, kam, director
):
    plans_services.plan_archive(plan=plan, reason="Customer merged", actor=director)

    page = account_page(client, kam, plan.account)

    assert 'data-testid="no-current-plan"' in page
    assert "This key account has no current plan" in page
    assert "Start one below." in page  # its KAM may start one here


def test_a_key_account_with_a_plan_gives_no_warning(client, plan, director):
    page = account_page(client, director, plan.account)
    assert 'data-testid="no-current-plan"' not in page
    assert 'data-testid="current-plan"' in page


def test_an_account_that_is_not_key_needs_no_plan(client, director):
    page = account_page(client, director, factories.AccountFactory())
    assert 'data-testid="no-current-plan"' not in page


# --- Review dates -----------------------------------------------------------------------------


def test_a_passed_review_reads_review_overdue_never_as_waiting_for_the_director(
    client, plan, kam, director
):
    approved(plan, kam, director)
    Plan.objects.filter(pk=plan.pk).update(review_date=dt.date(2026, 7, 1))
    plans_services.plans_mark_under_review(today=dt.date(2026, 7, 2))
    client.force_login(kam)

    page = client.get(reverse("plans:plan_detail", args=[plan.pk])).content.decode()

    assert status_of(plan) == PlanStatus.UNDER_REVIEW
    assert (
        '<span class="badge plan-under_review" data-testid="plan-status">Review overdue</span>'
        in page
    )
    assert "Under review" not in page


def test_a_review_date_before_the_period_starts_is_refused(key_account, kam, plan):
    with pytest.raises(InvalidInput) as refused:
        factories.started_plan(
            key_account,
            kam,
            period_start=dt.date(2027, 1, 1),
            period_end=dt.date(2027, 12, 31),
            review_date=dt.date(2026, 12, 31),
        )
    assert refused.value.errors == {
        "review_date": ["The review date must fall on or after the period's start, 1 Jan 2027."]
    }
    with pytest.raises(InvalidInput, match="on or after the period's start"):
        plans_services.plan_update(
            plan=plan, expected_version=plan.version, actor=kam, review_date=dt.date(2025, 12, 31)
        )
    plan.refresh_from_db()
    assert plan.review_date == FAR
    # The first day of the period is a valid review date.
    plans_services.plan_update(
        plan=plan, expected_version=plan.version, actor=kam, review_date=dt.date(2026, 1, 1)
    )


# --- Versions are milestones: a session's saves fold into one ---------------------------------


def test_one_persons_saves_in_a_session_fold_into_one_version(plan, kam):
    _section(plan, kam)
    folded = newest(plan)
    _solution(plan, kam)
    _solution(plan, kam)  # the same note twice reads once

    versions = list(PlanVersion.objects.filter(plan=plan).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].pk == folded.pk
    assert versions[1].note == "Customer needs and success factors saved; Solution “VMI” added"
    assert versions[1].snapshot["sections"]["needs"] == "Shorter lead times."
    assert [s["title"] for s in versions[1].snapshot["solutions"]] == ["VMI", "VMI"]
    assert versions[1].milestone is False


def test_another_person_or_a_pause_starts_a_new_version(plan, key_account, kam):
    colleague = factories.KamFactory()
    factories.TeamMembershipFactory(account=key_account, user=colleague)
    _section(plan, kam)
    _solution(plan, colleague)
    factories.saved_a_while_ago(plan)
    _solution(plan, colleague)

    assert list(
        PlanVersion.objects.filter(plan=plan).order_by("number").values_list("number", "note")
    ) == [
        (1, "Plan started"),
        (2, "Customer needs and success factors saved"),
        (3, "Solution “VMI” added"),
        (4, "Solution “VMI” added"),
    ]


def test_milestones_are_never_folded_into(plan, kam, director):
    plans_services.plan_version_save(plan=plan, actor=kam, note="Before the QBR")
    _section(plan, kam)
    approved(plan, kam, director)
    _solution(plan, kam)
    plans_services.plan_submit(plan=plan, actor=kam)
    plans_services.plan_return(plan=plan, reason="Not yet", actor=director)
    _objective(plan, kam)

    notes = list(
        PlanVersion.objects.filter(plan=plan).order_by("number").values_list("note", flat=True)
    )
    assert notes == [
        "Plan started",
        "Before the QBR",
        "Customer needs and success factors saved",
        "Submitted for approval",
        f"Approved by {director}",
        "Solution “VMI” added",
        "Submitted for approval",
        "Sent back: Not yet",
        "Objective “Revenue by 31 Dec 2026” added",
    ]
    assert plan.approved_version.note == f"Approved by {director}"
