"""The plans list, the directors' approval queue: every current plan a user may see with its
state, KAM, period, last approval, days waiting and review date; who sees what, filters,
sorting, downloads, approving and sending back in place, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from plans.models import Notification, Plan, PlanStatus
from plans.services import plans as plans_services
from tests import factories
from tests.listing_helpers import csv_download, get_as, sorted_headers, xlsx_rows

URL = reverse("plans:list")
FAR = dt.date(2099, 7, 1)

# A page, whatever the number of plans: session, user, the user's groups (roles), the count,
# the page's rows, the KAM filter's choices, the navigation's unread count.
PAGE_QUERIES = 7
# A download: session, user, groups, the rows (one query, read in chunks).
EXPORT_QUERIES = 4


def titles(response):
    return [plan.title for plan in response.context["page_obj"]]


def submitted_days_ago(plan, kam, days):
    plans_services.plan_submit(plan=plan, actor=kam)
    Plan.objects.filter(pk=plan.pk).update(submitted_at=timezone.now() - dt.timedelta(days=days))
    plan.refresh_from_db()
    return plan


@pytest.fixture
def plans(kam, other_kam, director):
    """Four plans: kam's draft (Acme), kam's plan submitted 3 days ago (Borealis), another
    KAM's plan submitted 10 days ago (Corvus), and an archived one (Dorado)."""
    acme = factories.started_plan(
        factories.KeyAccountFactory(kam=kam, name="Acme", erp_code="A1"),
        kam,
        review_date=FAR,
        title="Acme plan",
    )
    borealis = factories.started_plan(
        factories.KeyAccountFactory(kam=kam, name="Borealis", erp_code="B1"),
        kam,
        review_date=FAR,
        title="Borealis plan",
    )
    corvus = factories.started_plan(
        factories.KeyAccountFactory(kam=other_kam, name="Corvus", erp_code="C1"),
        other_kam,
        review_date=FAR,
        title="Corvus plan",
    )
    dorado = factories.started_plan(
        factories.KeyAccountFactory(kam=kam, name="Dorado", erp_code="D1"),
        kam,
        review_date=FAR,
        title="Dorado plan",
    )
    submitted_days_ago(borealis, kam, 3)
    submitted_days_ago(corvus, other_kam, 10)
    plans_services.plan_archive(plan=dorado, actor=director, reason="Account lost")
    return {"acme": acme, "borealis": borealis, "corvus": corvus, "dorado": dorado}


def test_a_director_sees_every_current_plan_the_longest_waiting_first(client, director, plans):
    response = get_as(client, director, URL)

    assert response.status_code == 200
    assert titles(response) == ["Corvus plan", "Borealis plan", "Acme plan"]
    page = response.content.decode()
    assert "10 days waiting" in page
    assert "3 days waiting" in page
    assert sorted_headers(page) == [("ascending", "Waiting since")]


def test_a_kam_sees_the_current_plans_of_the_accounts_they_serve(client, kam, plans):
    response = get_as(client, kam, URL)

    assert titles(response) == ["Borealis plan", "Acme plan"]
    # A KAM does not decide: no approve or send back buttons.
    assert "Decide on" not in response.content.decode()


@pytest.mark.parametrize("role", ["operations"])
def test_operations_may_not_open_the_plans_list(client, db, request, role):
    response = get_as(client, request.getfixturevalue(role), URL)

    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_navigation_links_the_plans_list_for_directors_and_kams(client, director, kam, ops):
    for user in (director, kam):
        page = get_as(client, user, reverse("plans:actions")).content.decode()
        assert f'href="{URL}">Plans</a>' in page
    page = get_as(client, ops, reverse("plans:board")).content.decode()
    assert f'href="{URL}">Plans</a>' not in page


@pytest.fixture
def ops(operations):
    return operations


def test_waiting_for_approval_filters_the_submitted_plans(client, director, plans):
    response = get_as(client, director, URL, waiting="on")

    assert titles(response) == ["Corvus plan", "Borealis plan"]


def test_filters_by_state_and_kam_and_search(client, director, other_kam, plans):
    assert titles(get_as(client, director, URL, status="draft")) == ["Acme plan"]
    assert titles(get_as(client, director, URL, kam=other_kam.pk)) == ["Corvus plan"]
    assert titles(get_as(client, director, URL, q="B1")) == ["Borealis plan"]


def test_an_unknown_state_is_explained_not_an_error(client, director, plans):
    response = get_as(client, director, URL, status="archived")

    assert response.status_code == 200
    assert "status" in response.context["filter"].form.errors


def test_sorting_by_account_and_by_review_date(client, director, plans):
    Plan.objects.filter(pk=plans["acme"].pk).update(review_date=dt.date(2098, 1, 1))

    assert titles(get_as(client, director, URL, ordering="-account")) == [
        "Corvus plan",
        "Borealis plan",
        "Acme plan",
    ]
    response = get_as(client, director, URL, ordering="review_date")
    assert titles(response)[0] == "Acme plan"
    assert sorted_headers(response.content.decode()) == [("ascending", "Review due")]


def test_last_approved_shows_the_date_and_version(client, director, kam, plans):
    acme = plans["acme"]
    plans_services.plan_submit(plan=acme, actor=kam)
    plans_services.plan_approve(plan=acme, actor=director)
    acme.refresh_from_db()

    row = next(line for line in download(client, director) if line["Plan"] == "Acme plan")

    assert row["State"] == "Approved"
    assert row["Last approved on"] == timezone.localdate().isoformat()
    assert row["Last approved version"] == str(acme.approved_version.number)
    assert row["Days waiting"] == ""


def download(client, user, **params):
    client.force_login(user)
    return csv_download(client, URL, "plans", **params)


def test_the_csv_download_has_every_filtered_plan_with_days_waiting(client, director, plans):
    rows = download(client, director, waiting="on")

    assert [row["Plan"] for row in rows] == ["Corvus plan", "Borealis plan"]
    assert [row["Days waiting"] for row in rows] == ["10", "3"]
    assert list(rows[0]) == [
        "Account",
        "ERP code",
        "Plan",
        "State",
        "KAM",
        "Period start",
        "Period end",
        "Last approved on",
        "Last approved version",
        "Waiting since",
        "Days waiting",
        "Review due",
    ]
    assert rows[0]["State"] == "Submitted"


def test_the_xlsx_download_has_the_same_rows(client, director, plans):
    client.force_login(director)
    response = client.get(URL, {"export": "xlsx", "waiting": "on"})

    rows = xlsx_rows(response)
    assert rows[0][2] == "Plan"
    assert [row[2] for row in rows[1:]] == ["Corvus plan", "Borealis plan"]


def test_a_revision_links_to_its_changes_since_the_approved_version(client, director, kam, plans):
    acme = plans["acme"]
    plans_services.plan_submit(plan=acme, actor=kam)
    plans_services.plan_approve(plan=acme, actor=director)
    acme.refresh_from_db()
    approved = acme.approved_version.number
    plans_services.plan_section_save(
        plan=acme, kind="needs", body="Shorter lead times.", expected_version=1, actor=kam
    )
    plans_services.plan_submit(plan=acme, actor=kam)
    newest = acme.versions.order_by("-number").first().number

    page = get_as(client, director, URL, waiting="on").content.decode()

    compare = reverse("plans:plan_compare", args=[acme.pk])
    assert f'href="{compare}?a={approved}&amp;b={newest}"' in page
    assert f"Changes since approved version {approved}" in page


def test_a_director_approves_from_the_list_with_a_comment_and_returns_to_it(
    client, director, kam, plans
):
    borealis = plans["borealis"]
    client.force_login(director)
    back = f"{URL}?waiting=on"

    response = client.post(
        reverse("plans:plan_approve", args=[borealis.pk]),
        {"reason": "Good plan, go.", "next": back},
    )

    assert response.status_code == 302
    assert response["Location"] == back
    borealis.refresh_from_db()
    assert borealis.status == PlanStatus.APPROVED
    assert borealis.approved_version.comment == "Good plan, go."
    assert titles(client.get(back)) == ["Corvus plan"]


def test_a_director_sends_back_from_the_list_and_the_kam_is_notified(client, director, kam, plans):
    borealis = plans["borealis"]
    client.force_login(director)

    response = client.post(
        reverse("plans:plan_return", args=[borealis.pk]),
        {"reason": "Add a revenue objective.", "next": URL},
    )

    assert response["Location"] == URL
    assert Plan.objects.get(pk=borealis.pk).status == PlanStatus.DRAFT
    assert Notification.objects.filter(
        recipient=kam, body__contains="Add a revenue objective."
    ).exists()


def test_sending_back_without_a_comment_asks_for_one_and_keeps_the_way_back(
    client, director, plans
):
    borealis = plans["borealis"]
    client.force_login(director)

    response = client.post(reverse("plans:plan_return", args=[borealis.pk]), {"next": URL})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert f'name="next" value="{URL}"' in response.content.decode()
    assert Plan.objects.get(pk=borealis.pk).status == PlanStatus.SUBMITTED


def test_a_next_address_on_another_site_is_ignored(client, director, plans):
    borealis = plans["borealis"]
    client.force_login(director)

    response = client.post(
        reverse("plans:plan_approve", args=[borealis.pk]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("plans:plan_detail", args=[borealis.pk])


def test_the_list_fits_a_phone_its_table_scrolls_in_its_own_container(client, director, plans):
    page = get_as(client, director, URL).content.decode()

    assert '<div class="table-responsive">' in page


def _plans(count: int, kam, other_kam) -> None:
    for index in range(count):
        owner = kam if index % 2 else other_kam
        plan = factories.started_plan(
            factories.KeyAccountFactory(kam=owner), owner, review_date=FAR, title=f"Plan {index}"
        )
        if index % 3 == 0:
            plans_services.plan_submit(plan=plan, actor=owner)


@pytest.mark.parametrize("count", [2, 20])
@pytest.mark.parametrize("role", ["director", "kam"])
def test_page_query_count_is_fixed(
    client, request, kam, other_kam, django_assert_max_num_queries, count, role
):
    _plans(count, kam, other_kam)
    client.force_login(request.getfixturevalue(role))

    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(URL, {"ordering": "kam", "q": "Plan"})

    assert len(response.context["page_obj"]) == (count if role == "director" else count // 2)


@pytest.mark.parametrize("count", [2, 20])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_download_query_count_is_fixed(
    client, director, kam, other_kam, django_assert_max_num_queries, count, fmt
):
    _plans(count, kam, other_kam)
    client.force_login(director)

    with django_assert_max_num_queries(EXPORT_QUERIES):
        response = client.get(URL, {"export": fmt})
        b"".join(response.streaming_content)
