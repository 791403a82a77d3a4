""" "My actions": everyone's own actions across the plans they may see, overdue first, then by
due date; a checkbox marks one done in place (htmx) or, without JavaScript, with a plain form
post; a fixed number of queries whatever the number of actions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from accounts.models import FunctionalRole
from plans.models import ActionStatus, PlanStatus, PlanVersion
from plans.services import plans as plans_services
from tests import factories
from tests.listing_helpers import csv_download

URL = reverse("plans:my_actions")
DAY = dt.timedelta(days=1)
# A page, whatever the number of actions: session, user, the user's groups (roles), the count,
# the page's rows, the account filter's choices, the navigation's unread count.
PAGE_QUERIES = 7


@pytest.fixture
def engineer(key_account):
    user = factories.UserFactory(username="engineer")
    factories.TeamMembershipFactory(
        account=key_account, user=user, functional_role=FunctionalRole.ENGINEERING
    )
    return user


@pytest.fixture
def mine(key_account, kam, engineer, today):
    """The engineer's actions on the KAM's plan, one of someone else, and one on an archived
    plan; due dates relative to today so that "overdue" does not age."""
    plan = factories.PlanFactory(account=key_account, review_date=dt.date(2099, 1, 1))
    old = factories.PlanFactory(
        account=key_account, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31)
    )
    old.status = PlanStatus.ARCHIVED
    old.save()

    def action(title, due, status=ActionStatus.OPEN, owner=engineer, on=plan):
        return factories.ActionFactory(
            plan=on, title=title, due_date=today + due * DAY, status=status, owner=owner
        )

    return {
        "plan": plan,
        "soon": action("Soon", 3),
        "late": action("Late", -2),
        "later": action("Later", 20),
        "very late": action("Very late", -9, ActionStatus.IN_PROGRESS),
        "done late": action("Done late", -30, ActionStatus.DONE),
        "kams": action("The KAM's", -5, owner=kam),
        "archived": action("Archived plan's", -1, on=old),
    }


def titles(response):
    return [action.title for action in response.context["page_obj"]]


def row_of(html, action):
    match = re.search(rf'<tr id="my-action-{action.pk}".*?</tr>', html, re.S)
    assert match, f"no row for {action}"
    return match.group(0)


def test_everyone_has_my_actions_in_the_navigation(client, operations, engineer):
    for user in (operations, engineer):
        client.force_login(user)
        assert f'href="{URL}"' in client.get(reverse("accounts:list")).content.decode()


def test_the_owner_sees_their_own_actions_overdue_first_then_by_due_date(client, engineer, mine):
    client.force_login(engineer)
    response = client.get(URL)
    assert response.status_code == 200
    # Overdue (open or in progress, past due) first, by due date; then the rest by due date:
    # a done action is never overdue. Not the KAM's action, nor the archived plan's.
    assert titles(response) == ["Very late", "Late", "Done late", "Soon", "Later"]
    html = response.content.decode()
    assert 'class="table-responsive"' in html
    assert "The KAM's" not in html


def test_the_kam_sees_only_their_own_there(client, kam, mine):
    client.force_login(kam)
    assert titles(client.get(URL)) == ["The KAM's"]


def test_reversed_due_order_and_the_download_has_the_same_rows(client, engineer, mine):
    client.force_login(engineer)
    assert titles(client.get(URL, {"ordering": "-due"})) == [
        "Later",
        "Soon",
        "Done late",
        "Late",
        "Very late",
    ]
    rows = csv_download(client, URL, "my-actions", status=ActionStatus.OPEN)
    assert [row["Action"] for row in rows] == ["Late", "Soon", "Later"]
    assert "Owner" not in rows[0]
    assert rows[0]["Overdue"] == "true"


def test_a_row_has_a_labelled_checkbox_and_a_save_button_for_no_javascript(client, engineer, mine):
    client.force_login(engineer)
    html = client.get(URL).content.decode()
    row = row_of(html, mine["late"])
    assert f'hx-post="{reverse("plans:action_done", args=[mine["late"].pk])}"' in row
    assert 'hx-trigger="change"' in row
    assert f'<label class="visually-hidden" for="done-{mine["late"].pk}">Done: Late</label>' in row
    assert "<noscript><button" in row
    assert 'type="checkbox"' in row and "checked" not in row
    assert "checked" in row_of(html, mine["done late"])


def test_ticking_with_htmx_marks_it_done_in_place_and_the_plan_stays_approved(
    client, kam, director, engineer, mine
):
    plan = mine["plan"]
    plans_services.plan_submit(plan=plan, actor=kam)
    plans_services.plan_approve(plan=plan, actor=director)
    versions = PlanVersion.objects.filter(plan=plan).count()
    late = mine["late"]
    client.force_login(engineer)

    response = client.post(
        reverse("plans:action_done", args=[late.pk]),
        {"version": str(late.version), "done": "on", "next": URL},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<tr id="my-action-{late.pk}"')
    assert "checked" in html
    assert "“Late” is done." in html
    assert "overdue</span>" not in html  # done is never overdue
    late.refresh_from_db()
    assert late.status == ActionStatus.DONE and late.completed_at is not None
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert PlanVersion.objects.filter(plan=plan).count() == versions


def test_unticking_reopens_it(client, engineer, mine):
    done = mine["done late"]
    client.force_login(engineer)
    response = client.post(
        reverse("plans:action_done", args=[done.pk]),
        {"version": str(done.version), "next": URL},
        HTTP_HX_REQUEST="true",
    )
    assert "is open again" in response.content.decode()
    done.refresh_from_db()
    assert (done.status, done.completed_at) == (ActionStatus.OPEN, None)


def test_without_javascript_the_form_posts_and_the_page_comes_back(client, engineer, mine):
    soon = mine["soon"]
    client.force_login(engineer)
    back = f"{URL}?status=open"

    response = client.post(
        reverse("plans:action_done", args=[soon.pk]),
        {"version": str(soon.version), "done": "on", "next": back},
    )

    assert response.status_code == 302
    assert response.url == back
    soon.refresh_from_db()
    assert soon.status == ActionStatus.DONE
    page = client.get(response.url).content.decode()
    assert "“Soon” is done." in page


def test_a_next_to_another_site_is_ignored(client, engineer, mine):
    soon = mine["soon"]
    client.force_login(engineer)
    response = client.post(
        reverse("plans:action_done", args=[soon.pk]),
        {"version": "1", "done": "on", "next": "https://evil.example/"},
    )
    assert response.url == URL


def test_a_stale_tick_says_what_happened_and_changes_nothing(client, kam, engineer, mine):
    from plans.services import items

    soon = mine["soon"]
    items.action_update(action=soon, expected_version=1, actor=kam, title="Soon, renamed")
    client.force_login(engineer)

    response = client.post(
        reverse("plans:action_done", args=[soon.pk]),
        {"version": "1", "done": "on", "next": URL},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "Someone changed “Soon, renamed” meanwhile" in response.content.decode()
    soon.refresh_from_db()
    assert soon.status == ActionStatus.OPEN


def test_another_team_member_cannot_tick_it(client, key_account, mine):
    colleague = factories.UserFactory(username="colleague")
    factories.TeamMembershipFactory(account=key_account, user=colleague)
    soon = mine["soon"]
    client.force_login(colleague)
    response = client.post(
        reverse("plans:action_done", args=[soon.pk]), {"version": "1", "done": "on"}
    )
    assert response.status_code == 403
    soon.refresh_from_db()
    assert soon.status == ActionStatus.OPEN


def test_someone_outside_the_account_gets_not_found(client, other_kam, mine):
    client.force_login(other_kam)
    response = client.post(
        reverse("plans:action_done", args=[mine["soon"].pk]), {"version": "1", "done": "on"}
    )
    assert response.status_code == 404


def test_ticking_needs_a_post(client, engineer, mine):
    client.force_login(engineer)
    assert client.get(reverse("plans:action_done", args=[mine["soon"].pk])).status_code == 405


@pytest.mark.parametrize("count", [5, 200])
def test_page_query_count_is_fixed(client, engineer, key_account, django_assert_num_queries, count):
    plan = factories.PlanFactory(account=key_account)
    factories.ActionFactory.create_batch(count, plan=plan, owner=engineer)
    client.force_login(engineer)

    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(URL, {"status": "open"})

    assert len(response.context["page_obj"]) == min(count, 50)
