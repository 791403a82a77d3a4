"""kam.listing.Table, the one description of a list: what it guarantees every list (a unique
ordering, columns hidden from who may not see them everywhere at once) and what it refuses."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Account, Stage
from accounts.tables import ACCOUNTS
from kam.listing import Column, Table
from plans.models import Action
from plans.tables import ACTIONS, COMMITMENTS
from scoring.models import AccountScore
from scoring.tables import SCORES
from tests import factories
from tests.api.test_pagination import last_order_term
from tests.portfolio.builders import AS_OF, bulk_accounts, make_run, score

SORTABLE_TABLES = {"accounts": ACCOUNTS, "scores": SCORES, "actions": ACTIONS}
ORDERINGS = [
    (name, f"{prefix}{column.key}")
    for name, table in SORTABLE_TABLES.items()
    for column in table.columns
    if column.key
    for prefix in ("", "-")
]


@pytest.mark.parametrize(("table", "ordering"), ORDERINGS, ids=[f"{t}:{o}" for t, o in ORDERINGS])
def test_every_ordering_of_every_list_ends_with_the_primary_key(table, ordering):
    expressions = SORTABLE_TABLES[table].order_expressions(ordering)

    assert expressions[-1] == F("pk").asc()


@pytest.mark.parametrize("table", [*SORTABLE_TABLES.values(), COMMITMENTS])
def test_the_api_may_always_order_by_id(table):
    assert table.api_ordering_fields[-1] == "id"


# 60 rows: two pages of 50. Their sort values tie in threes or all at once.
TIED_ROWS = 60
HTML_LISTS = {
    "accounts": ("accounts:list", Account),
    "scores": ("portfolio:scores", AccountScore),
    "actions": ("plans:actions", Action),
}
HTML_CASES = [(name, ordering) for name, ordering in ORDERINGS] + [
    (name, "") for name in HTML_LISTS
]


def tied_rows(kam) -> None:
    """Accounts (names in threes, one stage, one KAM), their scores (ranks in threes, equal
    figures) and as many actions on one plan (all alike)."""
    accounts = bulk_accounts(TIED_ROWS, kam=kam, stage=Stage.COOPERATIVE)
    for index, account in enumerate(accounts):
        account.name = f"Tied {index // 3:03d}"
    Account.objects.bulk_update(accounts, ["name"])
    run = make_run()
    AccountScore.objects.bulk_create(
        score(run, account, rank=index // 3 + 1) for index, account in enumerate(accounts)
    )
    plan = factories.PlanFactory(account=accounts[0])
    Action.objects.bulk_create(
        Action(plan=plan, family="personal_trust", title="Alike", owner=kam, due_date=AS_OF)
        for _ in range(TIED_ROWS)
    )


@pytest.mark.parametrize(
    ("name", "ordering"), HTML_CASES, ids=[f"{n}:{o or 'default'}" for n, o in HTML_CASES]
)
def test_every_row_of_a_browser_list_comes_once_under_every_ordering(
    client, director, kam, name, ordering
):
    url_name, model = HTML_LISTS[name]
    tied_rows(kam)
    client.force_login(director)

    seen, statements = [], []
    for page in (1, 2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(url_name), {"ordering": ordering, "page": page})
        assert response.status_code == 200
        seen += [row.pk for row in response.context["page_obj"]]
        # the page's rows: a LIMIT of more than one row (a LIMIT 1 looks one value up, as
        # the filters' walk from one industry to the next does)
        statements += [
            q["sql"]
            for q in queries.captured_queries
            if f'FROM "{model._meta.db_table}"' in q["sql"]
            and any(int(n) > 1 for n in re.findall(r" LIMIT (\d+)", q["sql"]))
        ]

    assert sorted(seen) == sorted(model.objects.values_list("pk", flat=True))
    assert len(seen) == TIED_ROWS
    assert statements
    primary_key = f'"{model._meta.db_table}"."id"'
    assert all(last_order_term(sql) == primary_key for sql in statements), statements


def test_a_column_hidden_from_a_user_leaves_the_headers_orderings_and_download():
    table = Table(
        Column("Name", cell="<td>{{ row.name }}</td>", key="name", export="name"),
        Column(
            "Secret",
            cell="<td>{{ row.secret }}</td>",
            key="secret",
            export="secret",
            shown_to=lambda user: user == "insider",
        ),
        filename="things",
        default_ordering="name",
    )

    outsider, insider = table.for_user("outsider"), table.for_user("insider")

    assert [header.label for header in outsider.headers("name")] == ["Name"]
    assert list(outsider.orderings) == ["name"]
    assert [label for label, _ in outsider.export_columns] == ["Name"]
    assert [header.label for header in insider.headers("name")] == ["Name", "Secret"]
    assert list(insider.orderings) == ["name", "secret"]
    assert [label for label, _ in insider.export_columns] == ["Name", "Secret"]


def test_operations_can_neither_see_nor_sort_by_the_score_columns(operations, director):
    shown = {header.label for header in ACCOUNTS.for_user(operations).headers("name")}
    assert "Attractiveness" not in shown
    assert "revenue" not in ACCOUNTS.for_user(operations).orderings
    assert "revenue" in ACCOUNTS.for_user(director).orderings


def test_the_header_of_the_sorted_column_reverses_it_and_numbers_sort_biggest_first():
    headers = {header.key: header for header in ACCOUNTS.for_user(None).headers("-name")}

    assert headers["name"].aria_sort == "descending"
    assert headers["name"].next_ordering == "name"
    assert headers["erp_code"].next_ordering == "erp_code"


def test_two_columns_may_not_share_an_ordering_key():
    with pytest.raises(ImproperlyConfigured, match="share an ordering key"):
        Table(Column("A", key="a"), Column("B", key="a"), filename="broken")


def test_the_default_ordering_must_be_one_of_the_lists():
    with pytest.raises(ImproperlyConfigured, match="no ordering"):
        Table(Column("A", key="a"), filename="broken", default_ordering="b")


def test_the_download_keeps_the_declared_order_and_headers(client, director):
    factories.AccountFactory(name="Alpha", erp_code="A1", region="Nordics")
    client.force_login(director)

    body = b"".join(client.get(reverse("accounts:list"), {"export": "csv"})).decode("utf-8-sig")

    assert body.splitlines()[0] == (
        "ERP code,Name,Status,Stage,KAM,Industry,Country,Region,"
        '"Revenue, last 12 months",Attractiveness,Quadrant,Health,Health band'
    )


# The "Columns" control of a long list (issue 16): some columns start hidden, the person
# chooses, the choice stays in the address and in the session, the download keeps every column.

COLUMN_HEADER = re.compile(
    r'<th scope="col"[^>]*>\s*(?:<a[^>]*>)?\s*(?:<span class="visually-hidden">)?([^<]+)'
)


def page_headers(response) -> list[str]:
    return [label.strip() for label in COLUMN_HEADER.findall(response.content.decode())]


def test_a_column_hidden_by_default_is_behind_the_columns_control_but_in_the_download(
    client, director
):
    factories.AccountFactory(name="Alpha", industry="Brewing", country="AT")
    client.force_login(director)

    response = client.get(reverse("accounts:list"))

    headers = page_headers(response)
    assert "Name" in headers and "Industry" not in headers and "Country" not in headers
    html = response.content.decode()
    assert "<td>Brewing</td>" not in html
    assert re.search(r'name="columns" value="industry" id="column-industry">', html)
    assert "Columns <span" in html and "(9 of 11 shown)" in html
    body = b"".join(client.get(reverse("accounts:list"), {"export": "csv"})).decode("utf-8-sig")
    assert "Industry" in body.splitlines()[0] and "Brewing" in body


def test_the_chosen_columns_come_from_the_address_and_stay_for_the_next_visit(client, director):
    factories.AccountFactory(name="Alpha", industry="Brewing")
    client.force_login(director)
    url = reverse("accounts:list")

    chosen = client.get(url, {"columns_chosen": "1", "columns": ["industry", "stage"]})
    assert page_headers(chosen) == ["Name", "Stage", "Industry"]
    assert "<td>Brewing</td>" in chosen.content.decode()

    again = client.get(url)  # no choice in the address: the session's
    assert page_headers(again) == ["Name", "Stage", "Industry"]

    reset = client.get(url, {"columns_reset": "1"})
    assert "Industry" not in page_headers(reset) and "Status" in page_headers(reset)
    assert "Industry" not in page_headers(client.get(url))


def test_the_name_column_cannot_be_hidden_and_unknown_columns_are_ignored(client, director):
    factories.AccountFactory(name="Alpha")
    client.force_login(director)

    response = client.get(
        reverse("accounts:list"), {"columns_chosen": "1", "columns": ["no-such-column"]}
    )

    assert response.status_code == 200
    assert page_headers(response) == ["Name"]
    html = response.content.decode()
    assert 'value="name" id="column-name" checked disabled' in html
    assert "(always shown)" in html


def test_the_columns_form_keeps_the_filters_and_the_ordering(client, director):
    factories.AccountFactory(name="Alpha")
    client.force_login(director)

    html = client.get(
        reverse("accounts:list"), {"q": "Alp", "ordering": "-name", "page": "1"}
    ).content.decode()

    form = html[html.index('aria-label="Columns of the accounts list"') :]
    form = form[: form.index("</form>")]
    assert '<input type="hidden" name="q" value="Alp">' in form
    assert '<input type="hidden" name="ordering" value="-name">' in form
    assert 'name="page"' not in form
    assert '<legend class="small mb-1">Columns shown on the page' in form


def test_the_scores_list_starts_with_the_columns_that_fit_a_laptop():
    shown = [column.label for column in SCORES.for_user(None).page_columns]
    everything = [column.label for column in SCORES.for_user(None).choosable]

    assert shown == [
        "Rank", "Account", "Status", "KAM", "Attractiveness", "Health", "Quadrant",
        "Revenue, last 12 months", "Flags",
    ]  # fmt: skip
    assert set(everything) - set(shown) == {
        "Industry", "Region", "Relative strength", "Net profit", "Cost to serve"
    }  # fmt: skip
    exported = [label for label, _ in SCORES.for_user(None).export_columns]
    assert {"Industry", "Region", "Net profit", "Cost to serve"} <= set(exported)


def test_columns_of_a_page_need_distinct_names_and_a_name_column_shows_from_the_start():
    with pytest.raises(ImproperlyConfigured, match="share a name"):
        Table(Column("A b", cell="<td></td>"), Column("A-b", cell="<td></td>"), filename="broken")
    with pytest.raises(ImproperlyConfigured, match="always shown"):
        Table(
            Column("A", cell="<td></td>", always_shown=True, shown_by_default=False),
            filename="broken",
        )
