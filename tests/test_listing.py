"""kam.listing.Table, the one description of a list: what it guarantees every list (a unique
ordering, columns hidden from who may not see them everywhere at once) and what it refuses."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F
from django.urls import reverse

from accounts.models import Account, Stage
from accounts.tables import ACCOUNTS
from kam.listing import Column, Table
from plans.tables import ACTIONS, COMMITMENTS
from scoring.tables import SCORES
from tests import factories
from tests.portfolio.builders import bulk_accounts

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


def test_tied_accounts_come_once_each_across_the_pages(client, director):
    # 120 accounts, each name given to three of them: the sort by name ties 40 times.
    accounts = bulk_accounts(120)
    for index, account in enumerate(accounts):
        account.name = f"Tied {index // 3:03d}"
        account.stage = Stage.COOPERATIVE
    Account.objects.bulk_update(accounts, ["name", "stage"])
    client.force_login(director)

    for ordering in ("name", "-name", "stage", "-stage"):
        pages = [
            client.get(reverse("accounts:list"), {"ordering": ordering, "page": page})
            for page in (1, 2, 3)
        ]
        seen = [row.pk for response in pages for row in response.context["page_obj"]]
        assert sorted(seen) == sorted(account.pk for account in accounts), ordering


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
        "T12M revenue,Attractiveness,Quadrant"
    )
