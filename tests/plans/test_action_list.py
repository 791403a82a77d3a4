"""The actions list: every action of the plans a user may see, across accounts; who sees what,
filters, sorting, paging, downloads and a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from plans.models import ActionFamily, ActionStatus
from tests import factories
from tests.listing_helpers import (
    assert_bad_filter_explained,
    csv_download,
    download_line_count,
    get_as,
    sorted_headers,
    xlsx_rows,
)

URL = reverse("plans:actions")

# A page, whatever the number of actions: session, user, the user's groups (roles), the count,
# the page's rows, the account and owner filters' choices, the navigation's unread count.
PAGE_QUERIES = 8
# A download: session, user, groups, the rows (one query, read in chunks).
EXPORT_QUERIES = 4


def titles(response):
    return [action.title for action in response.context["page_obj"]]


def get(client, user, **params):
    return get_as(client, user, URL, **params)


def download(client, **params) -> list[dict[str, str]]:
    return csv_download(client, URL, "actions", **params)


@pytest.fixture
def plans(kam, other_kam, today):
    """Actions on three plans: `kam`'s own account, an account where `kam` is on the team, and
    another KAM's account. Due dates relative to today, so "overdue" does not age."""
    day = dt.timedelta(days=1)
    own = factories.PlanFactory(
        account=factories.KeyAccountFactory(kam=kam, name="Acme", erp_code="A1")
    )
    team_account = factories.KeyAccountFactory(kam=other_kam, name="Borealis", erp_code="B1")
    factories.TeamMembershipFactory(account=team_account, user=kam)
    team = factories.PlanFactory(account=team_account)
    others = factories.PlanFactory(
        account=factories.KeyAccountFactory(kam=other_kam, name="Corvus", erp_code="C1")
    )
    factories.ActionFactory(
        plan=own,
        title="Dinner with the CFO",
        family=ActionFamily.PERSONAL_TRUST,
        due_date=today - 10 * day,
        status=ActionStatus.OPEN,
    )
    factories.ActionFactory(
        plan=own,
        title="Joint risk review",
        family=ActionFamily.RISK_REDUCTION,
        due_date=today - 5 * day,
        status=ActionStatus.DONE,
    )
    factories.ActionFactory(
        plan=team,
        title="Train their engineers",
        family=ActionFamily.TECHNICAL_SUPPORT,
        due_date=today + 5 * day,
        status=ActionStatus.IN_PROGRESS,
        owner=kam,
    )
    factories.ActionFactory(
        plan=others,
        title="Second a planner",
        family=ActionFamily.RESOURCE_SUPPORT,
        due_date=today - 1 * day,
        status=ActionStatus.IN_PROGRESS,
        description="Two weeks on site",
    )
    return {"own": own, "team": team, "others": others}


ALL_BY_DUE = [
    "Dinner with the CFO",
    "Joint risk review",
    "Second a planner",
    "Train their engineers",
]


# --- who sees what -------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={URL}"


def test_kam_sees_the_actions_of_the_plans_they_serve_only(client, kam, plans):
    response = get(client, kam)
    assert response.status_code == 200
    assert titles(response) == ["Dinner with the CFO", "Joint risk review", "Train their engineers"]
    assert "Corvus" not in response.content.decode()
    assert [row["Action"] for row in download(client)] == titles(response)


@pytest.mark.parametrize("role", ["director", "admin_user"])
def test_directors_and_admins_see_every_action(client, request, role, plans):
    assert titles(get(client, request.getfixturevalue(role))) == ALL_BY_DUE


def test_operations_never_see_a_plan_so_no_actions(client, operations, plans):
    response = get(client, operations)
    assert response.status_code == 200
    assert titles(response) == []
    assert "No actions match these filters." in response.content.decode()
    assert download(client) == []


@pytest.mark.parametrize(
    ("role", "linked"),
    [("kam", True), ("director", True), ("admin_user", True), ("operations", False)],
)
def test_the_navigation_links_to_the_actions_for_those_who_read_plans(
    client, db, request, role, linked
):
    client.force_login(request.getfixturevalue(role))
    html = client.get(reverse("accounts:list")).content.decode()
    assert (f'href="{URL}"' in html) is linked


def test_the_dashboards_overdue_tile_links_to_the_overdue_actions(client, director, plans):
    client.force_login(director)
    html = client.get(reverse("portfolio:dashboard")).content.decode()
    assert f'href="{URL}?overdue=on"' in html
    assert titles(client.get(URL, {"overdue": "on"})) == ["Dinner with the CFO", "Second a planner"]


# --- a row -----------------------------------------------------------------------------------


def test_a_row_links_its_account_and_plan_and_marks_overdue(client, director, plans):
    html = get(client, director, q="planner").content.decode()
    assert f'href="{reverse("accounts:detail", args=[plans["others"].account_id])}"' in html
    assert f'href="{reverse("plans:plan_detail", args=[plans["others"].pk])}"' in html
    assert "1 Jan 2026 \u2013 31 Dec 2026" in html  # an en dash
    assert "Resource support" in html
    assert "Two weeks on site" in html
    assert 'class="badge text-bg-danger">overdue</span>' in html


def test_a_done_action_past_its_due_date_is_not_overdue(client, director, plans):
    html = get(client, director, q="risk review").content.decode()
    assert "Joint risk review" in html
    assert "overdue</span>" not in html


# --- filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "  CFO "}, ["Dinner with the CFO"]),
        ({"q": "b1"}, ["Train their engineers"]),  # ERP code
        ({"q": "corvus"}, ["Second a planner"]),  # account name
        ({"family": ActionFamily.TECHNICAL_SUPPORT}, ["Train their engineers"]),
        ({"status": ActionStatus.IN_PROGRESS}, ["Second a planner", "Train their engineers"]),
        ({"overdue": "on"}, ["Dinner with the CFO", "Second a planner"]),
        ({"overdue": ""}, ALL_BY_DUE),
    ],
)
def test_filters(client, director, plans, params, expected):
    assert titles(get(client, director, **params)) == expected


def test_account_and_owner_filters(client, director, kam, other_kam, plans):
    own_account = plans["own"].account_id
    assert titles(get(client, director, account=own_account)) == [
        "Dinner with the CFO",
        "Joint risk review",
    ]
    # The team plan's action is owned by `kam`, not by its account's KAM.
    assert titles(get(client, director, owner=kam.pk)) == [
        "Dinner with the CFO",
        "Joint risk review",
        "Train their engineers",
    ]
    assert titles(get(client, director, owner=other_kam.pk)) == ["Second a planner"]


def test_due_date_range_includes_both_ends(client, director, plans, today):
    day = dt.timedelta(days=1)
    params = {"due_from": (today - 5 * day).isoformat(), "due_to": (today - day).isoformat()}
    assert titles(get(client, director, **params)) == ["Joint risk review", "Second a planner"]


def test_filter_choices_come_from_the_actions_the_user_can_see(client, kam, plans):
    form = get(client, kam).context["filter"].form
    assert [str(label) for _, label in form.fields["account"].choices] == [
        "Any account",
        "Acme (A1)",
        "Borealis (B1)",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"due_from": "2026-13-45"}, "due_from"),
        ({"due_to": "yesterday"}, "due_to"),
        ({"account": "abc"}, "account"),
        ({"owner": "999999"}, "owner"),
        ({"family": "<b>nonsense</b>"}, "family"),
        ({"ordering": "description"}, "ordering"),
    ],
)
def test_a_bad_filter_value_is_explained_and_ignored(client, director, plans, params, field):
    response = get(client, director, **params)
    assert_bad_filter_explained(response, field)
    assert titles(response) == ALL_BY_DUE


def test_a_kam_cannot_filter_by_an_account_they_do_not_serve(client, kam, plans):
    response = get(client, kam, account=plans["others"].account_id)
    assert "account" in response.context["filter"].form.errors
    assert "Second a planner" not in titles(response)


# --- sorting and paging ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-due_date", list(reversed(ALL_BY_DUE))),
        (
            "account",
            [
                "Dinner with the CFO",
                "Joint risk review",
                "Train their engineers",
                "Second a planner",
            ],
        ),
        ("title", sorted(ALL_BY_DUE)),
        # Declared order: personal trust, technical support, resource support, service levels,
        # risk reduction.
        (
            "family",
            [
                "Dinner with the CFO",
                "Train their engineers",
                "Second a planner",
                "Joint risk review",
            ],
        ),
        # Declared order: open, in progress, done, cancelled; ties by due date.
        (
            "status",
            [
                "Dinner with the CFO",
                "Second a planner",
                "Train their engineers",
                "Joint risk review",
            ],
        ),
    ],
)
def test_sorting(client, director, plans, ordering, expected):
    assert titles(get(client, director, ordering=ordering)) == expected


def test_sorted_header_carries_aria_sort_and_keeps_the_filters(client, director, plans):
    html = get(client, director, ordering="-due_date", status="open").content.decode()
    assert sorted_headers(html) == [("descending", "Due")]
    assert 'href="?ordering=due_date&amp;status=open"' in html


def test_fifty_actions_a_page_and_page_links_keep_the_filters(client, director, key_account):
    plan = factories.PlanFactory(account=key_account)
    factories.ActionFactory.create_batch(51, plan=plan, family=ActionFamily.SERVICE_LEVELS)

    first = get(client, director, family=ActionFamily.SERVICE_LEVELS)
    second = get(client, director, family=ActionFamily.SERVICE_LEVELS, page=2)

    assert len(first.context["page_obj"]) == 50
    assert len(second.context["page_obj"]) == 1
    assert 'href="?family=service_levels&amp;page=2"' in first.content.decode()


# --- downloads -----------------------------------------------------------------------------------


def test_csv_has_what_is_filtered(client, director, plans, today):
    client.force_login(director)

    rows = download(client, status=ActionStatus.IN_PROGRESS, ordering="-due_date")

    assert [row["Action"] for row in rows] == ["Train their engineers", "Second a planner"]
    planner = rows[1]
    assert planner["Account"] == "Corvus"
    assert planner["ERP code"] == "C1"
    assert planner["Plan period start"] == "2026-01-01"
    assert planner["Family"] == "Resource support"
    assert planner["Description"] == "Two weeks on site"
    assert planner["Due date"] == (today - dt.timedelta(days=1)).isoformat()
    assert planner["Status"] == "In progress"
    assert planner["Overdue"] == "true"
    assert rows[0]["Overdue"] == "false"


def test_an_unfiltered_download_has_every_page(client, director, key_account):
    plan = factories.PlanFactory(account=key_account)
    factories.ActionFactory.create_batch(60, plan=plan)
    client.force_login(director)
    assert len(download(client)) == 60  # more than the page's 50


def test_text_a_spreadsheet_would_run_is_neutralised(client, director, kam):
    account = factories.KeyAccountFactory(kam=kam, name="=HYPERLINK(1) Beta AG")
    factories.ActionFactory(plan=factories.PlanFactory(account=account), title="+cmd|calc")
    client.force_login(director)

    rows = download(client)
    assert (rows[0]["Account"], rows[0]["Action"]) == ("'=HYPERLINK(1) Beta AG", "'+cmd|calc")

    response = client.get(URL, {"export": "xlsx"})
    values = xlsx_rows(response)
    assert values[0][0] == "Account"
    assert values[1][0] == "'=HYPERLINK(1) Beta AG"
    assert values[1][values[0].index("Action")] == "'+cmd|calc"


def test_xlsx_has_what_is_filtered(client, director, plans):
    client.force_login(director)
    response = client.get(URL, {"export": "xlsx", "overdue": "on"})
    values = xlsx_rows(response)
    action = values[0].index("Action")
    assert [row[action] for row in values[1:]] == ["Dinner with the CFO", "Second a planner"]
    assert values[1][values[0].index("Overdue")] is True


def test_an_unknown_download_format_is_not_found(client, director, plans):
    assert get(client, director, export="pdf").status_code == 404


# --- queries -------------------------------------------------------------------------------------


def _actions(count: int, kam):
    plan = factories.PlanFactory(account=factories.KeyAccountFactory(kam=kam))
    factories.ActionFactory.create_batch(count, plan=plan)


@pytest.mark.parametrize("count", [5, 200])
@pytest.mark.parametrize("role", ["director", "kam"])
def test_page_query_count_is_fixed(client, db, request, django_assert_num_queries, count, role):
    user = request.getfixturevalue(role)
    _actions(count, request.getfixturevalue("kam"))
    client.force_login(user)

    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(URL, {"ordering": "owner", "status": "open", "q": "Action"})

    assert len(response.context["page_obj"]) == min(count, 50)


@pytest.mark.parametrize("count", [5, 200])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_download_query_count_is_fixed(client, kam, django_assert_num_queries, count, fmt):
    _actions(count, kam)
    client.force_login(kam)

    with django_assert_num_queries(EXPORT_QUERIES):
        response = client.get(URL, {"export": fmt, "ordering": "-due_date"})
        body = b"".join(response.streaming_content)

    assert download_line_count(body, fmt) == count + 1
