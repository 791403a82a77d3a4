"""The account workspace: DMU grid and coverage, ratings, metrics, merged history, query counts."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Attitude, Interaction, InteractionKind, Stage
from accounts.selectors.history import PAGE_HISTORY_ENTRIES
from accounts.services import account_change_stage, contact_create, contact_update
from plans.models import ActionStatus, PlanStatus
from scoring.models import Criterion, MetricSnapshot, Rating
from scoring.ratings import rating_record
from tests import factories
from tests.accounts.test_account_list import make_run


def url(account):
    return reverse("accounts:detail", args=[account.pk])


def page_of(client, user, account):
    client.force_login(user)
    response = client.get(url(account))
    assert response.status_code == 200
    return response


def test_dmu_coverage_counts_influential_contacts_with_an_owner_and_a_recent_contact(
    client, kam, key_account
):
    today = timezone.localdate()
    recent, stale = today - dt.timedelta(days=90), today - dt.timedelta(days=91)
    for name, influence, owner, last in [
        ("Covered A", 5, kam, recent),  # covered (exactly 90 days ago counts)
        ("Covered B", 4, kam, today),  # covered
        ("No owner", 5, None, today),  # influential, not covered
        ("Too long ago", 4, kam, stale),  # influential, not covered
        ("Low influence", 3, kam, today),  # not influential: not counted
    ]:
        factories.ContactFactory(
            account=key_account,
            name=name,
            influence=influence,
            relationship_owner=owner,
            last_contact_on=last,
        )

    response = page_of(client, kam, key_account)

    coverage = response.context["page"].coverage
    assert (coverage.influential, coverage.covered) == (4, 2)
    assert coverage.pct == Decimal("50.00")  # 2 of 4
    assert "<strong>50 %</strong>: 2 of 4 influential contacts" in response.content.decode()


def test_the_dmu_grid_places_contacts_by_influence_and_attitude(client, kam, key_account):
    factories.ContactFactory(
        account=key_account, name="Danny Detractor", influence=5, attitude=Attitude.DETRACTOR
    )
    factories.ContactFactory(
        account=key_account, name="Sally Supporter", influence=2, attitude=Attitude.SUPPORTER
    )

    grid = page_of(client, kam, key_account).context["page"].dmu

    assert [row.influence for row in grid] == [5, 4, 3, 2, 1]
    assert [c.name for c in grid[0].cells[2]] == ["Danny Detractor"]  # influence 5, detractors
    assert [c.name for c in grid[3].cells[0]] == ["Sally Supporter"]  # influence 2, supporters


def test_ratings_show_the_newest_per_criterion_with_who_and_when(client, kam, key_account):
    strategic = Criterion.objects.get(key="strategic_value")
    Rating.objects.create(
        account=key_account,
        criterion=strategic,
        value=2,
        rated_by=kam,
        rated_at=timezone.now() - dt.timedelta(days=30),
    )
    Rating.objects.create(account=key_account, criterion=strategic, value=4, rated_by=kam)

    response = page_of(client, kam, key_account)

    rows = {row.criterion.key: row.latest for row in response.context["page"].ratings}
    assert rows["strategic_value"].value == 4
    assert rows["geographic_fit"] is None
    html = response.content.decode()
    assert 'data-testid="rating-strategic_value">4 / 5</td>' in html
    assert 'data-testid="rating-geographic_fit">not rated</td>' in html
    assert len(response.context["page"].rating_history) == 2


def test_metrics_are_charted_from_three_years_of_snapshots_with_a_table(client, kam, key_account):
    for year in (2023, 2024, 2025, 2026):
        for month in (1, 4, 7, 10):
            MetricSnapshot.objects.create(
                account=key_account,
                period_start=dt.date(year, month, 1),
                revenue=Decimal(year * 10 + month),
                satisfaction=Decimal("80.00"),
            )

    response = page_of(client, kam, key_account)

    snapshots = response.context["page"].snapshots
    assert len(snapshots) == 12  # three years of quarters, the newest ones
    assert snapshots[0].period_start == dt.date(2024, 1, 1)
    assert snapshots[-1].period_start == dt.date(2026, 10, 1)
    html = response.content.decode()
    data = json.loads(
        re.search(r'<script id="workspace-data" type="application/json">(.*?)</script>', html)[1]
    )
    assert data["labels"][0] == "2024 Q1"
    money = next(chart for chart in data["charts"] if chart["id"] == "money")
    assert money["series"][0]["data"][0] == 2024 * 10 + 1
    assert 'src="/static/js/workspace.js"' in html
    assert "<script>" not in html  # no inline script under the CSP


def test_history_merges_who_changed_what_and_when(client, kam, key_account):
    contact = contact_create(
        account=key_account, actor=kam, name="Petra", buying_role="buyer", influence=4
    )
    contact_update(contact=contact, expected_version=1, actor=kam, attitude=Attitude.SUPPORTER)
    account_change_stage(
        account=key_account, to_stage=Stage.INTERDEPENDENT, reason="Signed 3-year deal", actor=kam
    )
    factories.started_plan(key_account, kam)
    rating_record(
        account=key_account,
        criterion=Criterion.objects.get(key="geographic_fit"),
        value=5,
        actor=kam,
    )

    response = latest_history_of(client, kam, key_account)

    html = response.content.decode()
    for text in [
        "Contact “Petra” created",
        "Contact “Petra” changed",
        "Attitude: Neutral → Supporter",
        "Stage: Cooperative → Interdependent",
        "Signed 3-year deal",
        "Plan “Plan 2026” created",
        "Plan “Plan 2026” version 1 saved",
        "Rating of “Geographic fit” rated 5 of 5",
    ]:
        assert text in html, text
    whens = [entry.when for entry in response.context["entries"]]
    assert whens == sorted(whens, reverse=True)


def latest_history_of(client, user, account):
    client.force_login(user)
    return client.get(reverse("accounts:history_latest", args=[account.pk]))


def test_the_page_loads_its_history_when_the_section_scrolls_into_view(client, kam, key_account):
    account_change_stage(
        account=key_account, to_stage=Stage.INTERDEPENDENT, reason="Signed 3-year deal", actor=kam
    )

    html = page_of(client, kam, key_account).content.decode()

    section = html.split('<section class="mt-4" id="history"')[1].split("</section>")[0]
    fragment = reverse("accounts:history_latest", args=[key_account.pk])
    assert f'hx-get="{fragment}" hx-trigger="revealed"' in section
    # without JavaScript the whole history is a link away
    assert (
        f'href="{reverse("accounts:history", args=[key_account.pk])}">The whole history' in section
    )
    assert "Signed 3-year deal" not in html  # not read for the page itself


def rate_geographic_fit(account, kam, times):
    """`times` ratings of the account, "rating 0" the oldest."""
    for index in range(times):
        rating_record(
            account=account,
            criterion=Criterion.objects.get(key="geographic_fit"),
            value=index % 5 + 1,
            comment=f"rating {index}",
            actor=kam,
        )


def test_the_latest_history_is_the_newest_entries_of_the_whole_history(client, kam, key_account):
    rate_geographic_fit(key_account, kam, PAGE_HISTORY_ENTRIES + 5)

    latest = latest_history_of(client, kam, key_account)
    whole = client.get(reverse("accounts:history", args=[key_account.pk]))

    assert latest.status_code == 200
    assert latest.context["entries"] == whole.context["entries"][:PAGE_HISTORY_ENTRIES]
    assert len(latest.context["entries"]) == PAGE_HISTORY_ENTRIES
    html = latest.content.decode()
    assert "<html" not in html  # a fragment for the section, not a page
    assert f"rating {PAGE_HISTORY_ENTRIES + 4}" in html  # the newest
    assert "rating 4<" not in html  # the sixth oldest rating is beyond the newest 30


# Who reads the history (accounts.view_account_details): the same 404 as the History page for
# those who may not, and the login page for the anonymous visitor.
@pytest.mark.parametrize(
    "role, status",
    [
        ("anonymous", 302),
        ("other_kam", 404),
        ("own_kam", 200),
        ("team_kam", 200),
        ("director", 200),
        ("operations", 404),
        ("admin", 200),
    ],
)
def test_who_gets_the_latest_history(client, people, key_account, role, status):
    account_change_stage(
        account=key_account,
        to_stage=Stage.INTERDEPENDENT,
        reason="Signed 3-year deal",
        actor=key_account.kam,
    )
    user = people[role]
    if user.is_authenticated:
        client.force_login(user)

    response = client.get(reverse("accounts:history_latest", args=[key_account.pk]))

    assert response.status_code == status
    assert ("Signed 3-year deal" in response.content.decode()) == (status == 200)
    if status == 302:
        assert response.url.startswith(reverse("login"))


def test_the_latest_history_of_a_missing_account_is_the_same_404(client, other_kam, key_account):
    client.force_login(other_kam)

    hidden = client.get(reverse("accounts:history_latest", args=[key_account.pk]))
    missing = client.get(reverse("accounts:history_latest", args=[key_account.pk + 1000]))

    assert hidden.status_code == missing.status_code == 404


def test_the_whole_history_pages_through_older_entries(client, kam, key_account):
    rate_geographic_fit(key_account, kam, 60)
    client.force_login(kam)

    first = client.get(reverse("accounts:history", args=[key_account.pk]))
    second = client.get(reverse("accounts:history", args=[key_account.pk]), {"page": 2})

    assert len(first.context["entries"]) == 50
    assert first.context["has_next"]
    # 60 ratings + the account's creation = 61 entries: 11 on page two.
    assert len(second.context["entries"]) == 11
    assert not second.context["has_next"]


def test_operations_do_not_get_the_history_page(client, operations, key_account):
    client.force_login(operations)
    assert client.get(reverse("accounts:history", args=[key_account.pk])).status_code == 404


def test_the_header_shows_open_actions_and_commitments_at_a_glance(client, kam, key_account):
    plan = factories.PlanFactory(account=key_account, status=PlanStatus.DRAFT)
    today = timezone.localdate()
    factories.ActionFactory(plan=plan, due_date=today - dt.timedelta(days=1))  # overdue
    factories.ActionFactory(plan=plan, due_date=today + dt.timedelta(days=9))
    factories.ActionFactory(plan=plan, status=ActionStatus.DONE, due_date=today)
    factories.CommitmentFactory(account=key_account, status="breached")

    html = page_of(client, kam, key_account).content.decode()

    assert 'data-testid="glance-actions">2</span>' in html
    assert "1 overdue" in html
    assert 'data-testid="glance-commitments">1</span>' in html
    assert "1 breached" in html


def test_figures_say_not_yet_computed_without_a_run(client, kam, key_account):
    html = page_of(client, kam, key_account).content.decode()

    assert "Not yet computed: no scoring run has scored this account." in html


def test_the_kam_gets_the_forms_the_director_only_some(client, kam, director, key_account):
    kam_html = page_of(client, kam, key_account).content.decode()
    for form in ["Move the stage", "Add a contact", "Add a team member", "Rate the criteria"]:
        assert form in kam_html, form
    assert "Start a plan" in kam_html

    director_html = page_of(client, director, key_account).content.decode()
    assert "Add a team member" in director_html  # directors set teams
    for form in ["Move the stage", "Add a contact", "Rate the criteria", "Start a plan"]:
        assert form not in director_html, form
    assert "The ratings and their scales" in director_html


def workspace(account, kam, rows):
    """An account with `rows` contacts, team members, commitments and plan actions, a plan,
    ratings, snapshots and history behind each."""
    plan = factories.PlanFactory(account=account, status=PlanStatus.APPROVED)
    for index in range(rows):
        member = factories.UserFactory()
        factories.TeamMembershipFactory(account=account, user=member)
        factories.ContactFactory(account=account, relationship_owner=member)
        factories.CommitmentFactory(account=account, promise=f"Promise {index}")
        factories.ActionFactory(plan=plan, owner=kam)
        Rating.objects.create(
            account=account, criterion=Criterion.objects.get(key="geographic_fit"), value=3
        )
    MetricSnapshot.objects.create(account=account, period_start=dt.date(2026, 1, 1))
    contacts = list(account.contacts.all())
    for index in range(rows):
        interaction = Interaction.objects.create(
            account=account,
            occurred_on=dt.date(2026, 1, 1) + dt.timedelta(days=index),
            kind=InteractionKind.MEETING,
            subject=f"Meeting {index}",
        )
        interaction.contacts.set(contacts[:3])
        interaction.our_people.set([kam])
    make_run({account: {}})


# The KAM's page: session, user, groups, the account, current run, team, commitments, contacts,
# score, criterion scores, health (its components when it has one), investment warnings, health
# history, plans, open actions, rated criteria, newest ratings, rating history, snapshots, the
# people who could join the team, the newest interactions with their contacts and our people
# (3), the unread-notification count, and the subtree. The History section loads apart
# (accounts:history_latest): 37 before, less its stage and designation changes (2), seven
# history tables and plan versions (8) and the plan's shared links and their answers (2).
KAM_PAGE_QUERIES = 37 - 2 - 8 - 2


@pytest.mark.parametrize("rows", [5, 200])
def test_kam_page_query_count_is_fixed(client, kam, key_account, rows, django_assert_num_queries):
    workspace(key_account, kam, rows)
    client.force_login(kam)

    with django_assert_num_queries(KAM_PAGE_QUERIES):
        response = client.get(url(key_account))

    assert len(response.context["page"].contacts) == rows
    assert response.context["page"].action_counts.open == rows


# The latest history: session, user, groups, the account, seven history tables (account,
# contact, plan, action, commitment, spend estimate, opportunity), stage and designation
# changes (2), plan versions, the plan's shared links and their answers (2), ratings, and what
# the lines name by id (2: the users and the commitments' service teams).
LATEST_HISTORY_QUERIES = 4 + 7 + 2 + 1 + 2 + 1 + 2


@pytest.mark.parametrize("rows", [5, 200])
def test_latest_history_query_count_is_fixed(
    client, kam, key_account, rows, django_assert_num_queries
):
    workspace(key_account, kam, rows)
    client.force_login(kam)

    with django_assert_num_queries(LATEST_HISTORY_QUERIES):
        response = client.get(reverse("accounts:history_latest", args=[key_account.pk]))

    # 5 rows: the account, plan, 5 contacts, 5 commitments, 5 actions and 5 ratings = 22 lines
    assert len(response.context["entries"]) == min(2 + 4 * rows, PAGE_HISTORY_ENTRIES)
