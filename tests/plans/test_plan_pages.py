"""The plan page: who sees and edits it, in-place section saves, conflicts, versions, print."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from plans.models import (
    Action,
    ActionFamily,
    ObjectiveMetric,
    Plan,
    PlanSection,
    PlanStatus,
    PlanVersion,
)
from plans.services import items
from plans.services import plans as plans_services
from tests import factories
from tests.accounts.test_account_list import make_run

ROLES = ["other_kam", "own_kam", "team_kam", "director", "operations", "admin"]
READERS = {"own_kam", "team_kam", "director", "admin"}
EDITORS = {"own_kam", "team_kam", "admin"}


@pytest.fixture
def plan(key_account, kam):
    return factories.started_plan(
        key_account, kam, title="Acme plan 2026", review_date=dt.date(2099, 7, 1)
    )


def plan_url(plan):
    return reverse("plans:plan_detail", args=[plan.pk])


def section_url(plan, kind="needs"):
    return reverse("plans:section_save", args=[plan.pk, kind])


def body_of(plan, kind="needs"):
    return PlanSection.objects.get(plan=plan, kind=kind).body


def test_anonymous_is_sent_to_login(client, plan):
    response = client.get(plan_url(plan))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_the_plan(client, plan, people, role):
    client.force_login(people[role])

    response = client.get(plan_url(plan))

    assert response.status_code == (200 if role in READERS else 404)
    if role not in READERS:
        assert "Acme plan 2026" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_who_saves_a_section_and_a_denied_post_changes_nothing(client, plan, people, role):
    client.force_login(people[role])

    response = client.post(section_url(plan), {"body": "Lower scrap", "version": "1"})

    if role in EDITORS:
        assert response.status_code == 302
        assert body_of(plan) == "Lower scrap"
    else:
        # Directors read the plan (403); everyone else does not even see it (404).
        assert response.status_code == (403 if role in READERS else 404)
        assert body_of(plan) == ""
        assert PlanVersion.objects.filter(plan=plan).count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_who_adds_an_action(client, plan, people, kam, role):
    client.force_login(people[role])

    response = client.post(
        reverse("plans:action_create", args=[plan.pk]),
        {
            "family": ActionFamily.PERSONAL_TRUST,
            "title": "Plant visit",
            "owner": str(kam.pk),
            "due_date": "2026-05-01",
            "status": "open",
        },
    )

    if role in EDITORS:
        assert response.status_code == 302
        assert Action.objects.filter(plan=plan, title="Plant visit").exists()
    else:
        assert response.status_code == (403 if role in READERS else 404)
        assert not Action.objects.exists()


def test_a_director_reads_the_plan_without_edit_forms(client, plan, director):
    client.force_login(director)

    html = client.get(plan_url(plan)).content.decode()

    assert "Customer position and strategy" in html
    assert 'name="body"' not in html
    assert "Add an action" not in html


def test_a_section_saves_in_place_with_htmx(client, plan, kam):
    client.force_login(kam)

    response = client.post(
        section_url(plan), {"body": "Buys on total cost", "version": "1"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="section-needs"')
    assert "<html" not in html  # just the section: nothing else on the page is replaced
    assert 'name="version" value="2"' in html
    assert "Saved: plan version 2." in html  # the plan's counter, as in its header
    assert body_of(plan) == "Buys on total cost"


def test_a_section_saves_without_javascript_and_redirects_back_to_it(client, plan, kam):
    client.force_login(kam)

    response = client.post(section_url(plan), {"body": "Buys on TCO", "version": "1"})

    assert response.status_code == 302
    assert response.url == plan_url(plan) + "#section-needs"


def conflicting(plan, kam):
    """Someone saved the section after the user loaded version 1."""
    plans_services.plan_section_save(
        plan=plan,
        kind="needs",
        body="Line one\nTheir second line",
        expected_version=1,
        actor=kam,
    )


def test_a_stale_section_save_shows_both_texts_in_place_and_keeps_the_newer(client, plan, kam):
    conflicting(plan, kam)
    client.force_login(kam)

    response = client.post(
        section_url(plan),
        {"body": "Line one\r\nMy second line", "version": "1"},
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="conflict"' in html
    # My text, in a textarea bound to the current version, ready to save again.
    assert re.search(r'<textarea[^>]*name="body"[^>]*>\nLine one\nMy second line</textarea>', html)
    assert 'name="version" value="2"' in html
    assert 'data-testid="current-text">Line one<br>Their second line' in html
    # Differences highlighted word by word; the unchanged first line is not.
    assert '<mark class="diff-mine">My</mark>' in html
    assert '<mark class="diff-theirs">Their</mark>' in html
    assert body_of(plan) == "Line one\nTheir second line"


def test_saving_my_text_again_after_a_conflict_wins(client, plan, kam):
    conflicting(plan, kam)
    client.force_login(kam)

    client.post(section_url(plan), {"body": "Merged text", "version": "2"}, HTTP_HX_REQUEST="true")

    assert body_of(plan) == "Merged text"


def test_without_javascript_a_conflict_is_a_409_page_with_my_text(client, plan, kam):
    conflicting(plan, kam)
    client.force_login(kam)

    response = client.post(section_url(plan), {"body": "Mine", "version": "1"})

    assert response.status_code == 409
    html = response.content.decode()
    assert "<html" in html
    assert re.search(r'<textarea[^>]*name="body"[^>]*>\nMine</textarea>', html)


def test_taking_the_current_text_gives_the_section_as_stored(client, plan, kam):
    conflicting(plan, kam)
    client.force_login(kam)

    html = client.get(section_url(plan), HTTP_HX_REQUEST="true").content.decode()

    assert re.search(r"<textarea[^>]*>\nLine one\nTheir second line</textarea>", html)
    assert 'name="version" value="2"' in html


def test_user_text_is_escaped_on_the_conflict_page(client, plan, kam):
    conflicting(plan, kam)
    client.force_login(kam)

    html = client.post(
        section_url(plan),
        {"body": "<script>alert(1)</script>", "version": "1"},
        HTTP_HX_REQUEST="true",
    ).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def action_data(kam, **overrides):
    data = {
        "family": ActionFamily.TECHNICAL_SUPPORT,
        "title": "Line audit",
        "owner": str(kam.pk),
        "due_date": "2026-06-30",
        "status": "open",
        "description": "",
    }
    data.update(overrides)
    return data


def test_adding_an_action_with_htmx_swaps_the_actions_list(client, plan, kam):
    client.force_login(kam)

    response = client.post(
        reverse("plans:action_create", args=[plan.pk]),
        action_data(kam),
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="actions"')
    assert "Line audit" in html
    assert "Added “Line audit”." in html


def test_an_invalid_action_keeps_what_was_typed(client, plan, kam):
    client.force_login(kam)

    response = client.post(
        reverse("plans:action_create", args=[plan.pk]),
        action_data(kam, title="Workshop with R&D", due_date=""),
        HTTP_HX_REQUEST="true",
    )

    html = response.content.decode()
    assert "This field is required." in html
    assert 'value="Workshop with R&amp;D"' in html
    assert not Action.objects.exists()


def test_a_stale_action_edit_shows_the_fields_side_by_side(client, kam, line_audit):
    items.action_update(action=line_audit, expected_version=1, actor=kam, title="Their title")
    client.force_login(kam)

    response = client.post(
        reverse("plans:action_edit", args=[line_audit.pk]),
        action_data(kam, title="My title", version="1"),
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert '<mark class="diff-mine">My title</mark>' in html
    assert '<mark class="diff-theirs">Their title</mark>' in html
    assert 'value="My title"' in html  # the form keeps mine
    assert 'name="version" value="2"' in html
    line_audit.refresh_from_db()
    assert line_audit.title == "Their title"


def test_deleting_a_changed_action_asks_first(client, kam, line_audit):
    items.action_update(action=line_audit, expected_version=1, actor=kam, status="done")
    client.force_login(kam)

    stale = client.post(reverse("plans:action_delete", args=[line_audit.pk]), {"version": "1"})
    assert stale.status_code == 409
    assert "Delete it anyway" in stale.content.decode()
    assert Action.objects.filter(pk=line_audit.pk).exists()

    client.post(reverse("plans:action_delete", args=[line_audit.pk]), {"version": "2"})
    assert not Action.objects.filter(pk=line_audit.pk).exists()


def test_objective_progress_comes_from_the_current_run(client, plan, kam, key_account):
    items.objective_create(
        plan=plan,
        actor=kam,
        metric=ObjectiveMetric.REVENUE,
        baseline_value=Decimal("1000000"),
        target_value=Decimal("2000000"),
        due_date=dt.date(2026, 12, 31),
    )
    client.force_login(kam)
    before = client.get(plan_url(plan)).content.decode()
    assert "Not yet computed" in before

    make_run({key_account: {"revenue": Decimal("1250000.00")}})
    after = client.get(plan_url(plan)).content.decode()

    # (1,250,000 - 1,000,000) / (2,000,000 - 1,000,000) = 25 %
    assert "25.0 % of the way" in after
    assert "1,250,000.00 EUR" in after


def fill(plan, kam, rows):
    for index in range(rows):
        factories.ActionFactory(plan=plan, title=f"Action {index}", owner=kam)
        factories.ObjectiveFactory(plan=plan)
        factories.CommitmentFactory(account=plan.account, plan=plan, promise=f"Promise {index}")
        PlanVersion.objects.create(plan=plan, number=index + 2, snapshot={}, created_by=kam)
        factories.OpportunityFactory(plan=plan, owner=kam)


# The plan page for its KAM: session, user, groups, the plan with its account and people,
# current run, the account's score, objectives, actions, sections, solutions, commitments,
# versions, the opportunities, the team, the service teams offered by the "Propose a
# commitment" form, and the navigation's unread-notification count.
PLAN_PAGE_QUERIES = 16


@pytest.mark.parametrize("rows", [5, 200])
def test_plan_page_query_count_is_fixed(client, plan, kam, rows, django_assert_num_queries):
    fill(plan, kam, rows)
    make_run({plan.account: {}})
    client.force_login(kam)

    with django_assert_num_queries(PLAN_PAGE_QUERIES):
        response = client.get(plan_url(plan))

    assert len(response.context["page"].actions) == rows


def test_lifecycle_through_the_pages(client, plan, kam, director):
    client.force_login(kam)
    page = client.get(plan_url(plan)).content.decode()
    assert "Submit for approval" in page
    client.post(reverse("plans:plan_submit", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED

    assert client.post(reverse("plans:plan_approve", args=[plan.pk])).status_code == 403
    client.force_login(director)
    assert "Approve" in client.get(plan_url(plan)).content.decode()
    assert client.post(reverse("plans:plan_submit", args=[plan.pk])).status_code == 403
    client.post(reverse("plans:plan_approve", args=[plan.pk]))

    plan.refresh_from_db()
    assert (plan.status, plan.approved_by) == (PlanStatus.APPROVED, director)


def test_operations_cannot_reach_any_plan_page(client, plan, operations):
    client.force_login(operations)
    for name in ["plan_detail", "plan_print", "plan_versions", "plan_edit"]:
        assert client.get(reverse(f"plans:{name}", args=[plan.pk])).status_code == 404, name
    assert client.post(reverse("plans:plan_archive", args=[plan.pk])).status_code == 404
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_a_director_sends_a_plan_back_with_a_reason(client, plan, kam, director):
    plans_services.plan_submit(plan=plan, actor=kam)
    client.force_login(director)

    empty = client.post(reverse("plans:plan_return", args=[plan.pk]), {"reason": ""})
    assert empty.status_code == 200
    client.post(reverse("plans:plan_return", args=[plan.pk]), {"reason": "Dates missing"})

    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT


def test_kam_starts_a_plan_from_the_account_page(client, kam):
    account = factories.KeyAccountFactory(kam=kam)
    client.force_login(kam)

    response = client.post(
        reverse("plans:plan_create", args=[account.pk]),
        {
            "title": "First plan",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "review_date": "2026-06-30",
        },
    )

    plan = Plan.objects.get(account=account)
    assert response.url == plan_url(plan)
    assert plan.sections.count() == 9


def test_plan_details_conflict_shows_both(client, plan, kam):
    plans_services.plan_update(plan=plan, expected_version=1, actor=kam, title="Their title")
    client.force_login(kam)

    response = client.post(
        reverse("plans:plan_edit", args=[plan.pk]),
        {
            "title": "My title",
            "review_date": "2099-07-01",
            "period_end": "2026-12-31",
            "investment_budget": "",
            "version": "1",
        },
    )

    assert response.status_code == 409
    assert '<mark class="diff-mine">My title</mark>' in response.content.decode()
    plan.refresh_from_db()
    assert plan.title == "Their title"


def test_two_versions_compare_side_by_side(client, plan, kam):
    plans_services.plan_section_save(
        plan=plan, kind="needs", body="Cheaper <b>parts</b>", expected_version=1, actor=kam
    )
    factories.saved_a_while_ago(plan)
    plans_services.plan_section_save(
        plan=plan, kind="needs", body="Reliable <b>parts</b>", expected_version=2, actor=kam
    )
    client.force_login(kam)

    response = client.get(reverse("plans:plan_compare", args=[plan.pk]), {"a": 2, "b": 3})

    html = response.content.decode()
    assert "1 part changed" in html
    assert "<del>Cheaper</del>" in html
    assert "<ins>Reliable</ins>" in html
    assert "&lt;b&gt;parts&lt;/b&gt;" in html  # user text escaped, never rendered as HTML
    assert "<b>parts</b>" not in html


def test_the_versions_page_lists_every_version(client, plan, kam):
    plans_services.plan_version_save(plan=plan, actor=kam, note="Before the QBR")
    client.force_login(kam)

    html = client.get(reverse("plans:plan_versions", args=[plan.pk])).content.decode()

    assert "Before the QBR" in html
    assert "Plan started" in html


def test_the_printable_view_is_a4_without_navigation(client, plan, kam):
    plans_services.plan_section_save(
        plan=plan, kind="position", body="Market leader", expected_version=1, actor=kam
    )
    client.force_login(kam)

    html = client.get(reverse("plans:plan_print", args=[plan.pk])).content.decode()

    assert "css/print.css" in html
    assert "Main navigation" not in html
    assert "Market leader" in html
    assert "<script>" not in html  # no inline script under the CSP


def test_starting_the_next_period_of_a_plan_ending_9999_12_31_shows_why_not(
    client, key_account, kam
):
    # Written past validation, as rows stored before the date range existed can be.
    plan = factories.PlanFactory(
        account=key_account,
        period_start=dt.date(9999, 1, 1),
        period_end=dt.date(9999, 12, 31),
        review_date=dt.date(9999, 7, 1),
    )
    client.force_login(kam)

    response = client.post(reverse("plans:plan_next_period", args=[plan.pk]))

    assert response.status_code == 302
    assert response.url == plan_url(plan)
    [message] = [str(m) for m in response.wsgi_request._messages]
    assert message.startswith("The next period's plan cannot be started")
    assert Plan.objects.filter(account=key_account).count() == 1
