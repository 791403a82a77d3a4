"""The account list: who sees what, search, filters, sorting, paging, formatting, query counts."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, AccountStatus, Quadrant, Stage
from accounts.selectors.accounts import account_facets
from scoring.models import AccountScore, RunStatus, RunTrigger, ScoringRun
from tests import factories
from tests.listing_helpers import get_as, sorted_headers, xlsx_rows

LIST_URL = reverse("accounts:list")

# One request of the list, whatever the number of accounts or whether a run exists:
# session, user, the user's groups (roles), current run, three facets (industries, regions,
# KAMs), the count, the page rows, and the navigation's unread-notification count.
LIST_QUERIES = 10


def make_run(scores, *, status=RunStatus.SUCCEEDED, finished_at=None):
    """A scoring run with AccountScore rows: `scores` maps account -> dict of fields."""
    run = ScoringRun.objects.create(
        status=status,
        trigger=RunTrigger.COMMAND,
        as_of=dt.date(2026, 6, 30),
        finished_at=finished_at or timezone.now(),
    )
    for rank, (account, fields) in enumerate(scores.items(), start=1):
        values = {
            "attractiveness": Decimal("50.00"),
            "relative_strength": Decimal("50.00"),
            "quadrant": Quadrant.STREAMLINE,
            "rank": rank,
            "stage": account.stage,
            "status": account.status,
            **fields,
        }
        AccountScore.objects.create(run=run, account=account, **values)
    return run


def names_on_page(response):
    return [account.name for account in response.context["page_obj"]]


def get(client, user, **params):
    return get_as(client, user, LIST_URL, **params)


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={LIST_URL}"


def test_kam_sees_only_the_accounts_they_serve(client, kam, other_kam):
    own = factories.KeyAccountFactory(kam=kam, name="Own account")
    on_team = factories.KeyAccountFactory(kam=other_kam, name="Team account")
    factories.TeamMembershipFactory(account=on_team, user=kam)
    factories.KeyAccountFactory(kam=other_kam, name="Someone else's account")
    factories.AccountFactory(name="Unassigned standard account")

    response = get(client, kam)

    assert response.status_code == 200
    assert names_on_page(response) == [own.name, on_team.name]
    assert "Someone else" not in response.content.decode()


@pytest.mark.parametrize("role", ["director", "operations", "admin_user"])
def test_directors_operations_and_admins_see_every_account(client, role, request, kam):
    factories.KeyAccountFactory(kam=kam, name="A key account")
    factories.AccountFactory(name="B standard account")

    response = get(client, request.getfixturevalue(role))

    assert names_on_page(response) == ["A key account", "B standard account"]


def test_search_matches_name_or_erp_code_case_insensitively(client, director):
    factories.AccountFactory(name="Bosch Rexroth", erp_code="C100")
    factories.AccountFactory(name="Zeiss", erp_code="BOS-77")
    factories.AccountFactory(name="Siemens", erp_code="C300")

    response = get(client, director, q="  bos ")

    assert names_on_page(response) == ["Bosch Rexroth", "Zeiss"]


def test_filters_by_status_stage_kam_industry_and_region(client, director, kam, other_kam):
    wanted = factories.KeyAccountFactory(
        kam=kam, name="Wanted", stage=Stage.STRATEGIC, industry="Chemicals", region="Nordics"
    )
    factories.KeyAccountFactory(
        kam=other_kam,
        name="Other KAM",
        stage=Stage.STRATEGIC,
        industry="Chemicals",
        region="Nordics",
    )
    factories.KeyAccountFactory(
        kam=kam, name="Other stage", stage=Stage.TACTICAL, industry="Chemicals", region="Nordics"
    )
    factories.KeyAccountFactory(
        kam=kam, name="Other industry", stage=Stage.STRATEGIC, industry="Food", region="Nordics"
    )
    factories.KeyAccountFactory(
        kam=kam, name="Other region", stage=Stage.STRATEGIC, industry="Chemicals", region="DACH"
    )
    factories.AccountFactory(name="Standard", industry="Chemicals", region="Nordics")

    response = get(
        client,
        director,
        status=AccountStatus.KEY,
        stage=Stage.STRATEGIC,
        kam=kam.pk,
        industry="Chemicals",
        region="Nordics",
    )

    assert names_on_page(response) == [wanted.name]


def test_filter_choices_come_from_the_accounts_the_user_can_see(client, kam, other_kam):
    factories.KeyAccountFactory(kam=kam, industry="Chemicals", region="Nordics")
    factories.KeyAccountFactory(kam=other_kam, industry="Secret industry", region="Secret region")

    form = get(client, kam).context["filter"].form

    assert [value for value, _ in form.fields["industry"].choices] == ["", "Chemicals"]
    assert [value for value, _ in form.fields["region"].choices] == ["", "Nordics"]
    assert [value for value, _ in form.fields["kam"].choices] == ["", kam.pk]


def test_quadrant_filter_and_columns_use_the_newest_succeeded_run(client, director):
    star = factories.AccountFactory(name="Star now")
    streamline = factories.AccountFactory(name="Streamline now")
    make_run(
        {star: {"quadrant": Quadrant.STREAMLINE}, streamline: {"quadrant": Quadrant.STAR}},
        finished_at=timezone.now() - dt.timedelta(days=1),
    )
    make_run({star: {"quadrant": Quadrant.STAR}, streamline: {"quadrant": Quadrant.STREAMLINE}})
    make_run(
        {star: {"quadrant": Quadrant.STREAMLINE}, streamline: {"quadrant": Quadrant.STAR}},
        status=RunStatus.FAILED,
        finished_at=timezone.now() + dt.timedelta(minutes=5),
    )

    response = get(client, director, quadrant=Quadrant.STAR)

    assert names_on_page(response) == ["Star now"]
    assert 'class="badge quadrant-star">Star</span>' in response.content.decode()


def test_before_the_first_run_quadrant_filter_is_disabled_and_figures_not_computed(
    client, director
):
    factories.AccountFactory(name="A")
    factories.AccountFactory(name="B")

    response = get(client, director, quadrant=Quadrant.STAR)

    assert names_on_page(response) == ["A", "B"]
    assert response.context["filter"].form.fields["quadrant"].disabled
    html = response.content.decode()
    # Four figure columns per row (revenue, attractiveness, quadrant, health), two rows.
    assert html.count("not yet computed</td>") == 8
    assert re.search(r'<select name="quadrant"[^>]*disabled', html)


def test_an_account_the_current_run_did_not_score_shows_not_yet_computed(client, director):
    scored = factories.AccountFactory(name="Scored")
    factories.AccountFactory(name="New since the run")
    make_run({scored: {"revenue": Decimal("10.00")}})

    html = get(client, director).content.decode()

    # revenue, quadrant and health of the new account; health of the scored one (this run,
    # written by hand, computed none)
    assert html.count("not yet computed") == 4


def test_sort_by_revenue_descending_puts_unscored_accounts_last(client, director):
    small = factories.AccountFactory(name="Small")
    big = factories.AccountFactory(name="Big")
    middle = factories.AccountFactory(name="Middle")
    factories.AccountFactory(name="Also unscored")
    make_run(
        {
            small: {"revenue": Decimal("100.00")},
            big: {"revenue": Decimal("90000.00")},
            middle: {"revenue": Decimal("5000.00")},
        }
    )

    descending = get(client, director, ordering="-revenue")
    ascending = get(client, director, ordering="revenue")

    assert names_on_page(descending) == ["Big", "Middle", "Small", "Also unscored"]
    assert names_on_page(ascending) == ["Small", "Middle", "Big", "Also unscored"]


def test_sort_by_attractiveness(client, director):
    low = factories.AccountFactory(name="Low")
    high = factories.AccountFactory(name="High")
    make_run(
        {low: {"attractiveness": Decimal("12.50")}, high: {"attractiveness": Decimal("87.25")}}
    )

    response = get(client, director, ordering="-attractiveness")

    assert names_on_page(response) == ["High", "Low"]


def test_sort_by_stage_follows_the_relationship_ladder_not_the_alphabet(client, director):
    for name, stage in [
        ("s", Stage.STRATEGIC),
        ("e", Stage.EXPLORATORY),
        ("i", Stage.INTERDEPENDENT),
        ("t", Stage.TACTICAL),
        ("c", Stage.COOPERATIVE),
    ]:
        factories.AccountFactory(name=name, stage=stage)

    response = get(client, director, ordering="stage")

    assert names_on_page(response) == ["e", "t", "c", "i", "s"]


def test_sort_by_kam_and_erp_code(client, director):
    anna = factories.KamFactory(last_name="Adams", first_name="Anna")
    zoe = factories.KamFactory(last_name="Zimmer", first_name="Zoe")
    factories.KeyAccountFactory(name="Zoe's", kam=zoe, erp_code="A-2")
    factories.KeyAccountFactory(name="Anna's", kam=anna, erp_code="A-3")
    factories.AccountFactory(name="Nobody's", erp_code="A-1")

    by_kam = get(client, director, ordering="kam")
    by_code = get(client, director, ordering="-erp_code")

    assert names_on_page(by_kam) == ["Anna's", "Zoe's", "Nobody's"]
    assert names_on_page(by_code) == ["Anna's", "Zoe's", "Nobody's"]


def test_an_ordering_outside_the_whitelist_is_ignored(client, director):
    factories.AccountFactory(name="B", notes="a")
    factories.AccountFactory(name="A", notes="b")

    response = get(client, director, ordering="notes")

    assert response.status_code == 200
    assert names_on_page(response) == ["A", "B"]
    assert "ordering" in response.context["filter"].form.errors


def test_sorted_column_header_carries_aria_sort_and_reverses_on_click(client, director):
    factories.AccountFactory()

    html = get(client, director, ordering="-revenue", industry="Automotive").content.decode()

    assert sorted_headers(html) == [("descending", "Revenue, last 12 months")]
    assert 'href="?ordering=revenue&amp;industry=Automotive"' in html


def test_default_sort_is_by_name_ascending(client, director):
    factories.AccountFactory()

    html = get(client, director).content.decode()

    assert sorted_headers(html) == [("ascending", "Name")]


def test_fifty_accounts_per_page_and_page_links_keep_the_filters(client, director):
    factories.AccountFactory.create_batch(51, industry="Chemicals")
    factories.AccountFactory(industry="Food")

    first = get(client, director, industry="Chemicals", ordering="-erp_code")
    second = get(client, director, industry="Chemicals", ordering="-erp_code", page=2)

    assert len(first.context["page_obj"]) == 50
    assert len(second.context["page_obj"]) == 1
    assert 'href="?industry=Chemicals&amp;ordering=-erp_code&amp;page=2"' in first.content.decode()
    assert first.context["page_obj"].paginator.count == 51


def test_filter_form_fields_have_labels(client, director):
    html = get(client, director).content.decode()

    for name, label in [
        ("q", "Search"),
        ("status", "Status"),
        ("stage", "Stage"),
        ("kam", "Key account manager"),
        ("quadrant", "Quadrant"),
        ("industry", "Industry"),
        ("region", "Region"),
        ("ordering", "Sort by"),
    ]:
        assert f'<label class="form-label small mb-0" for="id_{name}">{label}</label>' in html


def test_revenue_shows_two_decimals_grouping_and_the_currency(client, director, settings):
    settings.KAM_CURRENCY = "USD"
    account = factories.AccountFactory()
    make_run({account: {"revenue": Decimal("1234567.89"), "attractiveness": Decimal("72.5")}})

    html = get(client, director).content.decode()

    assert "1,234,567.89 USD" in html
    assert "72.50" in html


@pytest.mark.parametrize("accounts", [3, 60])
@pytest.mark.parametrize("scored", [False, True], ids=["no-run", "with-run"])
def test_list_query_count_is_fixed(client, director, django_assert_num_queries, accounts, scored):
    created = [
        factories.KeyAccountFactory(kam=factories.KamFactory(), industry=f"Industry {i % 4}")
        for i in range(accounts)
    ]
    if scored:
        make_run({account: {} for account in created})
    client.force_login(director)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(LIST_URL, {"ordering": "-revenue", "stage": Stage.COOPERATIVE})

    assert len(response.context["page_obj"]) == min(accounts, 50)


@pytest.mark.parametrize("accounts", [3, 60])
def test_list_query_count_is_fixed_for_a_kam(client, kam, django_assert_num_queries, accounts):
    served = factories.KeyAccountFactory.create_batch(accounts, kam=kam)
    make_run({account: {} for account in served})
    client.force_login(kam)

    with django_assert_num_queries(LIST_QUERIES):
        client.get(LIST_URL, {"quadrant": Quadrant.STREAMLINE, "q": "Customer"})


def test_operations_list_carries_no_scores(client, operations):
    account = factories.AccountFactory(name="Scored account")
    make_run({account: {"revenue": Decimal("777777.00"), "quadrant": Quadrant.STAR}})

    response = get(client, operations, quadrant=Quadrant.STREAMLINE, ordering="-revenue")
    html = response.content.decode()

    assert names_on_page(response) == ["Scored account"]  # the quadrant filter does not exist
    assert "777,777.00" not in html
    assert "Revenue, last 12 months" not in html
    assert "quadrant-star" not in html
    assert "quadrant" not in response.context["filter"].form.fields
    assert "ordering" in response.context["filter"].form.errors
    assert response.context["page_obj"][0].score_revenue is None


def test_list_downloads_what_is_filtered_as_csv_and_xlsx(client, director):
    factories.AccountFactory(name="Alpha Werke GmbH", erp_code="A1")
    factories.AccountFactory(name="=HYPERLINK(1) Beta AG", erp_code="B1")
    factories.AccountFactory(name="Gamma SA", erp_code="G1", industry="Food")
    client.force_login(director)

    csv_text = b"".join(
        client.get(reverse("accounts:list"), {"industry": "Automotive", "export": "csv"})
    ).decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("ERP code,Name,Status")
    assert len(lines) == 3  # header + the two Automotive accounts; Gamma (Food) is filtered out
    assert "'=HYPERLINK(1) Beta AG" in csv_text
    assert "Gamma" not in csv_text

    response = client.get(reverse("accounts:list"), {"q": "Alpha", "export": "xlsx"})
    rows = xlsx_rows(response)
    assert rows[1][:2] == ("A1", "Alpha Werke GmbH")
    assert len(rows) == 2


def test_list_download_hides_scores_from_operations(client, operations):
    factories.AccountFactory(erp_code="A1")
    client.force_login(operations)
    header = b"".join(client.get(reverse("accounts:list"), {"export": "csv"})).decode()
    assert "Attractiveness" not in header.splitlines()[0]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["director", "operations"])
def test_whole_portfolio_facets_walk_the_indexes_to_the_same_values(request, role):
    for i, (industry, region) in enumerate(
        [("Mining", "EMEA"), ("Chemicals", ""), ("", "APAC"), ("Mining", "Americas")]
        + [("Chemicals", "EMEA")] * 5
    ):
        factories.AccountFactory(name=f"F{i}", industry=industry, region=region)
    user = request.getfixturevalue(role)
    # in the database's own order (its collation), as DISTINCT ... ORDER BY gives them
    expected = {
        name: list(
            Account.objects.exclude(**{name: ""})
            .values_list(name, flat=True)
            .distinct()
            .order_by(name)
        )
        for name in ("industry", "region")
    }

    with CaptureQueriesContext(connection) as queries:
        facets = account_facets(user=user)

    assert facets.industries == expected["industry"] == ["Chemicals", "Mining"]
    assert facets.regions == expected["region"]
    assert set(facets.regions) == {"APAC", "Americas", "EMEA"}
    assert sum("WITH RECURSIVE walk" in q["sql"] for q in queries.captured_queries) == 2


def test_a_kams_facets_are_those_of_the_accounts_they_serve(kam):
    factories.AccountFactory(name="Theirs", industry="Mining", region="EMEA", kam=kam)
    factories.AccountFactory(name="Other", industry="Chemicals", region="APAC")

    facets = account_facets(user=kam)

    assert (facets.industries, facets.regions) == (["Mining"], ["EMEA"])
