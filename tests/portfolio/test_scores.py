"""The scores list: the current run's ranking, who may read it, filters, sorting, paging,
downloads with each score's explanation, and a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountStatus, Quadrant
from scoring.models import AccountScore, Criterion, RunStatus, ScoreExplanation
from tests import factories
from tests.listing_helpers import (
    assert_bad_filter_explained,
    csv_download,
    download_line_count,
    get_as,
    sorted_headers,
    xlsx_rows,
)
from tests.portfolio.builders import bulk_accounts, explain, explanation_row, make_run, score

URL = reverse("portfolio:scores")

# A page, whatever the number of rows: session, user, the user's groups (roles), the current
# run, three facets (industries, regions, KAMs; cached for directors, so read on the first
# request only), the count, the page's rows, the navigation's unread-notification count.
PAGE_QUERIES = 10
# A download: session, user, groups, current run, three facets, the run's criteria, the rows
# (one query per 1,000) and their explanations (one query per 1,000 rows); the run's criteria
# take two: one explanation row names them, then the criteria themselves.
EXPORT_QUERIES = 11


def add_scores(run, rows):
    """rows: (account, {field: value}) in rank order; quadrant and flags may be given."""
    objects = []
    for rank, (account, fields) in enumerate(rows, start=1):
        fields = dict(fields)
        quadrant = fields.pop("quadrant", Quadrant.STREAMLINE)
        item = score(run, account, rank=rank, **fields)
        item.quadrant = quadrant
        objects.append(item)
    return AccountScore.objects.bulk_create(objects)


def names(response):
    return [row.account.name for row in response.context["page_obj"]]


def get(client, user, **params):
    return get_as(client, user, URL, **params)


def download(client, **params) -> list[dict[str, str]]:
    return csv_download(client, URL, "scores", **params)


@pytest.fixture
def portfolio(kam, other_kam):
    """Four accounts of a run: two served by `kam` (one as a team member), one of another KAM,
    one without a KAM."""
    own = factories.KeyAccountFactory(
        kam=kam, name="Own Key", erp_code="K1", industry="Food", region="Nordics"
    )
    team = factories.KeyAccountFactory(
        kam=other_kam, name="Team Key", erp_code="K2", industry="Chemicals", region="DACH"
    )
    factories.TeamMembershipFactory(account=team, user=kam)
    others = factories.KeyAccountFactory(
        kam=other_kam, name="Other Key", erp_code="K3", industry="Food", region="DACH"
    )
    candidate = factories.AccountFactory(
        name="Candidate Co",
        erp_code="C1",
        status=AccountStatus.CANDIDATE,
        industry="Chemicals",
        region="Nordics",
    )
    run = make_run()
    add_scores(
        run,
        [
            (
                others,
                {
                    "attractiveness": 91,
                    "revenue": 900,
                    "net_profit": 300,
                    "cost_to_serve": 50,
                    "quadrant": Quadrant.STRATEGIC,
                    "is_pareto": True,
                    "is_4x": True,
                },
            ),
            (
                candidate,
                {
                    "attractiveness": 80,
                    "revenue": 100,
                    "net_profit": -20,
                    "cost_to_serve": 70,
                    "quadrant": Quadrant.STAR,
                    "is_misclassified": True,
                },
            ),
            (
                own,
                {
                    "attractiveness": 40,
                    "relative_strength": 75,
                    "revenue": 500,
                    "net_profit": 120,
                    "cost_to_serve": 90,
                    "quadrant": Quadrant.STATUS,
                    "is_pareto": True,
                    "kam_overloaded": True,
                },
            ),
            (
                team,
                {
                    "attractiveness": 10,
                    "revenue": 50,
                    "net_profit": 5,
                    "cost_to_serve": 10,
                    "quadrant": Quadrant.STREAMLINE,
                    "spend_below_revenue": True,
                },
            ),
        ],
    )
    return run


# --- who may read it ---------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={URL}"


@pytest.mark.parametrize("export", [None, "csv"])
def test_operations_may_not_read_scores(client, operations, portfolio, export):
    params = {"export": export} if export else {}
    assert get(client, operations, **params).status_code == 403


@pytest.mark.parametrize("role", ["director", "admin_user"])
def test_directors_and_admins_see_every_account_ranked(client, request, role, portfolio):
    response = get(client, request.getfixturevalue(role))
    assert response.status_code == 200
    assert names(response) == ["Other Key", "Candidate Co", "Own Key", "Team Key"]


def test_kam_sees_the_scores_of_the_accounts_they_serve_only(client, kam, portfolio):
    response = get(client, kam)
    assert names(response) == ["Own Key", "Team Key"]
    html = response.content.decode()
    assert "Other Key" not in html
    assert "Candidate Co" not in html
    # The rank is the account's place in the whole portfolio.
    assert [row.rank for row in response.context["page_obj"]] == [3, 4]
    assert [row["Account"] for row in download(client)] == ["Own Key", "Team Key"]


def test_kam_without_accounts_sees_an_empty_list(client, db, portfolio):
    newcomer = factories.KamFactory(username="newcomer")
    response = get(client, newcomer)
    assert response.status_code == 200
    assert names(response) == []
    assert "No scores match these filters." in response.content.decode()


@pytest.mark.parametrize(
    ("role", "linked"),
    [("kam", True), ("director", True), ("admin_user", True), ("operations", False)],
)
def test_the_navigation_links_to_the_scores_for_those_who_may_read_them(
    client, db, request, role, linked
):
    client.force_login(request.getfixturevalue(role))
    html = client.get(reverse("accounts:list")).content.decode()
    assert (f'href="{URL}"' in html) is linked


# --- the run -----------------------------------------------------------------------------


def test_before_the_first_successful_run_the_list_says_not_yet_computed(client, director):
    account = factories.AccountFactory()
    failed = make_run()
    failed.status = RunStatus.FAILED
    failed.save()
    add_scores(failed, [(account, {})])

    response = get(client, director)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Not yet computed." in html
    assert "<table" not in html
    assert "export=csv" not in html
    assert download(client) == []


def test_the_newest_successful_run_is_shown_with_its_date(client, director, portfolio):
    account = factories.AccountFactory(name="Only in the failed run")
    failed = make_run(as_of=dt.date(2026, 7, 31))
    failed.status = RunStatus.FAILED
    failed.finished_at = timezone.now() + dt.timedelta(hours=1)
    failed.save()
    add_scores(failed, [(account, {})])

    response = get(client, director)

    assert "Only in the failed run" not in names(response)
    info = response.content.decode()
    assert "figures from the scoring run of 30 Jun 2026" in info
    assert reverse("scoring:run_detail", args=[portfolio.pk]) in info


def test_a_row_shows_the_figures_and_the_flags(client, director, portfolio, settings):
    settings.KAM_CURRENCY = "EUR"
    html = get(client, director, q="Own Key").content.decode()
    assert "500.00 EUR" in html  # revenue
    # Net profit and cost to serve are behind the list's "Columns" control.
    assert "120.00 EUR" not in html
    assert "90.00 EUR" not in html
    # So is relative strength (the portfolio matrix shows it).
    assert "75.00" not in html
    html = get(
        client,
        director,
        q="Own Key",
        columns_chosen="1",
        columns=["net_profit", "cost_to_serve", "strength"],
    ).content.decode()
    assert "120.00 EUR" in html  # net profit
    assert "90.00 EUR" in html  # cost to serve
    assert "75.00" in html  # relative strength
    html = get(client, director, q="Own Key", columns_reset="1").content.decode()
    assert 'class="badge quadrant-status">Status</span>' in html
    assert "Pareto (80% of revenue)</span>" in html
    assert "KAM overloaded</span>" in html
    assert "Misclassified</span>" not in html
    assert "update it</span>" not in html


def test_a_category_spend_below_our_revenue_is_a_data_quality_warning(client, director, portfolio):
    html = get(client, director, q="Team Key").content.decode()
    assert (
        '<span class="badge text-bg-warning text-wrap">'
        "Category spend below our revenue: update it</span>" in html
    )


def test_the_download_has_the_category_spend_flag(client, director, portfolio):
    client.force_login(director)
    rows = {row["Account"]: row for row in download(client)}
    assert rows["Team Key"]["Category spend below our revenue"] == "true"
    assert rows["Own Key"]["Category spend below our revenue"] == "false"


# --- filters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": " k2 "}, ["Team Key"]),
        ({"q": "key"}, ["Other Key", "Own Key", "Team Key"]),
        ({"quadrant": Quadrant.STAR}, ["Candidate Co"]),
        ({"status": AccountStatus.CANDIDATE}, ["Candidate Co"]),
        ({"industry": "Food"}, ["Other Key", "Own Key"]),
        ({"region": "Nordics"}, ["Candidate Co", "Own Key"]),
        ({"pareto": "true"}, ["Other Key", "Own Key"]),
        ({"pareto": "false"}, ["Candidate Co", "Team Key"]),
        ({"four_x": "true"}, ["Other Key"]),
        ({"misclassified": "true"}, ["Candidate Co"]),
        ({"kam_overloaded": "true"}, ["Own Key"]),
        ({"spend_below_revenue": "true"}, ["Team Key"]),
        # Attractiveness 91, 80, 40, 10: from 40 to 80 keeps the middle two, bounds included.
        ({"score_min": "40", "score_max": "80"}, ["Candidate Co", "Own Key"]),
        ({"score_min": "90.5"}, ["Other Key"]),
        ({"industry": "Food", "pareto": "true", "score_max": "50"}, ["Own Key"]),
    ],
)
def test_filters(client, director, portfolio, params, expected):
    assert names(get(client, director, **params)) == expected


def test_kam_filter(client, director, kam, other_kam, portfolio):
    assert names(get(client, director, kam=other_kam.pk)) == ["Other Key", "Team Key"]
    assert names(get(client, director, kam=kam.pk)) == ["Own Key"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"score_min": "abc"}, "score_min"),
        ({"score_max": "150"}, "score_max"),
        ({"quadrant": "nonsense"}, "quadrant"),
        ({"kam": "999999"}, "kam"),
        ({"industry": "<script>"}, "industry"),
        ({"ordering": "account__notes"}, "ordering"),
    ],
)
def test_a_bad_filter_value_is_explained_and_ignored(client, director, portfolio, params, field):
    response = get(client, director, **params)
    assert_bad_filter_explained(response, field)
    assert names(response) == ["Other Key", "Candidate Co", "Own Key", "Team Key"]


def test_an_unknown_flag_value_counts_as_any(client, director, portfolio):
    response = get(client, director, pareto="maybe")
    assert response.status_code == 200
    assert len(names(response)) == 4


def test_a_bad_page_number_shows_a_page(client, director, portfolio):
    assert names(get(client, director, page="x")) == names(get(client, director, page="99"))


def test_filter_choices_come_from_the_accounts_the_user_can_see(client, kam, portfolio):
    form = get(client, kam).context["filter"].form
    assert [value for value, _ in form.fields["industry"].choices] == ["", "Chemicals", "Food"]
    assert "Other Key" not in str(form)


# --- sorting and paging ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("rank", ["Other Key", "Candidate Co", "Own Key", "Team Key"]),
        ("-rank", ["Team Key", "Own Key", "Candidate Co", "Other Key"]),
        ("name", ["Candidate Co", "Other Key", "Own Key", "Team Key"]),
        ("-revenue", ["Other Key", "Own Key", "Candidate Co", "Team Key"]),
        ("net_profit", ["Candidate Co", "Team Key", "Own Key", "Other Key"]),
        ("-cost_to_serve", ["Own Key", "Candidate Co", "Other Key", "Team Key"]),
        ("-strength", ["Own Key", "Other Key", "Candidate Co", "Team Key"]),
        ("attractiveness", ["Team Key", "Own Key", "Candidate Co", "Other Key"]),
        # Declared order: strategic, star, status, streamline.
        ("quadrant", ["Other Key", "Candidate Co", "Own Key", "Team Key"]),
        # Declared order: standard, candidate, key; ties by rank.
        ("status", ["Candidate Co", "Other Key", "Own Key", "Team Key"]),
    ],
)
def test_sorting(client, director, portfolio, ordering, expected):
    assert names(get(client, director, ordering=ordering)) == expected


def test_sort_by_kam_puts_accounts_without_one_last(client, director, portfolio, kam, other_kam):
    kam.last_name, other_kam.last_name = "Adams", "Zimmer"
    kam.save()
    other_kam.save()
    assert names(get(client, director, ordering="kam")) == [
        "Own Key",
        "Other Key",
        "Team Key",
        "Candidate Co",
    ]


def test_sorted_header_carries_aria_sort_and_keeps_the_filters(client, director, portfolio):
    html = get(client, director, ordering="-revenue", industry="Food").content.decode()
    assert sorted_headers(html) == [("descending", "Revenue, last 12 months")]
    assert 'href="?ordering=revenue&amp;industry=Food"' in html


def test_fifty_rows_a_page_and_page_links_keep_the_filters(client, director):
    run = make_run()
    add_scores(run, [(account, {}) for account in bulk_accounts(51, industry="Food")])

    first = get(client, director, industry="Food")
    second = get(client, director, industry="Food", page=2)

    assert len(first.context["page_obj"]) == 50
    assert [row.rank for row in second.context["page_obj"]] == [51]
    assert 'href="?industry=Food&amp;page=2"' in first.content.decode()


# --- downloads -------------------------------------------------------------------------------


def test_csv_has_what_is_filtered_with_each_criterion_explained(client, director, portfolio):
    revenue = Criterion.objects.get(key="revenue")
    strategic = Criterion.objects.get(key="strategic_value")
    own = AccountScore.objects.get(run=portfolio, account__name="Own Key").account
    explain(
        portfolio,
        own,
        [
            (revenue, Decimal("500"), Decimal("66.6667"), Decimal("15"), Decimal("25.00")),
            (strategic, Decimal("3"), Decimal("50"), Decimal("15"), Decimal("15.00")),
        ],
    )
    client.force_login(director)

    rows = download(client, industry="Food", ordering="-revenue")

    assert [row["Account"] for row in rows] == ["Other Key", "Own Key"]
    own_row = rows[1]
    assert own_row["Rank"] == "3"
    assert own_row["ERP code"] == "K1"
    assert own_row["Status"] == "Key account"
    assert own_row["Quadrant"] == "Status"
    assert own_row["Revenue, last 12 months"] == "500.00"
    assert own_row["Attractiveness"] == "40.00"
    assert own_row["Pareto (80% of revenue)"] == "true"
    assert own_row["Misclassified"] == "false"
    # Criteria in their configured order (revenue first); only those the run explained.
    explained = [header for header in rows[0] if ": " in header]
    assert explained == [
        "Revenue, trailing 12 months: normalised",
        "Revenue, trailing 12 months: contribution",
        "Strategic and reference value: normalised",
        "Strategic and reference value: contribution",
    ]
    assert own_row["Revenue, trailing 12 months: normalised"] == "66.6667"
    assert own_row["Revenue, trailing 12 months: contribution"] == "25.00"
    assert own_row["Strategic and reference value: contribution"] == "15.00"
    assert rows[0]["Revenue, trailing 12 months: normalised"] == ""  # no line for Other Key


def test_an_unfiltered_download_has_every_page(client, director):
    run = make_run()
    add_scores(run, [(account, {}) for account in bulk_accounts(60)])
    client.force_login(director)

    rows = download(client)

    assert len(rows) == 60  # more than the page's 50
    assert [row["Rank"] for row in rows[:2]] == ["1", "2"]


def test_a_name_a_spreadsheet_would_run_is_neutralised(client, director):
    account = factories.AccountFactory(name='=HYPERLINK("http://evil.example")')
    add_scores(make_run(), [(account, {"net_profit": -40})])
    client.force_login(director)

    rows = download(client)

    assert rows[0]["Account"] == '\'=HYPERLINK("http://evil.example")'
    assert rows[0]["Net profit"] == "-40.00"  # a negative number stays a number

    response = client.get(URL, {"export": "xlsx"})
    values = xlsx_rows(response)
    assert values[1][2] == '\'=HYPERLINK("http://evil.example")'
    assert values[1][values[0].index("Net profit")] == -40


def test_xlsx_has_what_is_filtered(client, director, portfolio):
    client.force_login(director)
    response = client.get(URL, {"export": "xlsx", "quadrant": Quadrant.STAR})
    assert response.status_code == 200
    values = xlsx_rows(response)
    assert values[0][:3] == ("Rank", "ERP code", "Account")
    assert [row[2] for row in values[1:]] == ["Candidate Co"]
    assert values[1][values[0].index("Attractiveness")] == 80


def test_an_unknown_download_format_is_not_found(client, director, portfolio):
    assert get(client, director, export="pdf").status_code == 404


# --- queries ---------------------------------------------------------------------------------


def _scored_portfolio(count: int):
    run = make_run()
    accounts = bulk_accounts(count, industry="Food", kam=factories.KamFactory())
    add_scores(run, [(account, {"is_pareto": True}) for account in accounts])
    criteria = list(Criterion.objects.filter(active=True))
    ScoreExplanation.objects.bulk_create(
        explanation_row(
            run,
            account,
            [
                (criterion, None, Decimal(50), criterion.weight, Decimal(1))
                for criterion in criteria
            ],
        )
        for account in accounts
    )
    return run


@pytest.mark.parametrize("count", [5, 200])
def test_page_query_count_is_fixed(client, director, django_assert_num_queries, count):
    _scored_portfolio(count)
    client.force_login(director)

    with django_assert_num_queries(PAGE_QUERIES):
        response = client.get(URL, {"ordering": "-revenue", "industry": "Food", "pareto": "true"})

    assert len(response.context["page_obj"]) == min(count, 50)


@pytest.mark.parametrize("count", [5, 200])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_download_query_count_is_fixed(client, director, django_assert_num_queries, count, fmt):
    _scored_portfolio(count)
    client.force_login(director)

    with django_assert_num_queries(EXPORT_QUERIES):
        response = client.get(URL, {"export": fmt, "industry": "Food"})
        body = b"".join(response.streaming_content)

    assert download_line_count(body, fmt) == count + 1
