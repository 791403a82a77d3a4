"""Paging never repeats or skips a row: for every list endpoint of the router and every ordering
it offers (each field ascending and descending, and its default order), seven rows whose sort
values tie are read two at a time, following `next`, and each row comes exactly once.

Ties are made on purpose: after the rows are built, every ordering field that may repeat is set
to one value on all of them. A database returns tied rows in whatever order suits it, so the
page query's ORDER BY must also end with the listed model's primary key; that is checked too,
since SQLite happens to return ties in insertion order and would hide the bug.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam.router import build_router
from tests import factories
from tests.api.conftest import client_for
from tests.api.test_query_counts import build, reader_token

ROWS = 7
PAGE_SIZE = 2
DIRECTION = re.compile(r"\s+(ASC|DESC)(\s+NULLS\s+(FIRST|LAST))?$")


def list_endpoints() -> list[tuple[str, type, str | None]]:
    """(basename, viewset, ordering) for each list route and each ordering it offers; None is
    the list's default order."""
    router = build_router()
    cases = []
    for _, viewset, basename in router.registry:
        if not hasattr(viewset, "list"):
            continue
        fields = list(getattr(viewset, "ordering_fields", None) or [])
        cases.append((basename, viewset, None))
        for field in fields:
            cases += [(basename, viewset, field), (basename, viewset, f"-{field}")]
    return cases


CASES = list_endpoints()


def listed_model(viewset: type) -> type[Model]:
    return viewset.serializer_class.Meta.model


def tie(model: type[Model], fields: list[str]) -> None:
    """Give every row the first row's value of each field that may repeat (unique fields stay
    as they are: they cannot tie)."""
    first = model.objects.order_by("pk").first()
    for name in fields:
        field = model._meta.get_field(name)
        if field.primary_key or field.unique:
            continue
        try:
            with transaction.atomic():
                model.objects.update(**{field.attname: getattr(first, field.attname)})
        except IntegrityError:
            continue  # unique together with another field: the rows cannot all tie on it


def walk(client: Any, url: str, table: str) -> tuple[list[int], list[str]]:
    """The ids of every page of `url`, in order, and the SQL of each page's rows query (the
    ordered query of `table`)."""
    ids, statements = [], []
    while url:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [item["id"] for item in body["results"]]
        statements += [
            q["sql"]
            for q in queries.captured_queries
            if f'FROM "{table}"' in q["sql"] and "ORDER BY" in q["sql"]
        ]
        url = body["next"]
    return ids, statements


def last_order_term(sql: str) -> str:
    """The last term of the statement's outer ORDER BY (subqueries come before it)."""
    clause = re.split(r"\s+LIMIT\s", sql.rsplit("ORDER BY", 1)[1])[0]
    return DIRECTION.sub("", clause.split(",")[-1].strip())


@pytest.fixture
def reader(db):
    kam = factories.KamFactory(username="paged-kam")
    account = factories.KeyAccountFactory(kam=kam, erp_code="PKEY", name="Paged")
    director = factories.DirectorFactory(username="paged-director")
    return {"kam": kam, "account": account, "director": director}


@pytest.mark.parametrize(
    ("basename", "viewset", "ordering"),
    CASES,
    ids=[f"{basename}-{ordering or 'default'}" for basename, _, ordering in CASES],
)
def test_every_row_comes_exactly_once_under_every_ordering(reader, basename, viewset, ordering):
    director = reader["director"]
    build(basename, ROWS, reader["kam"], reader["account"], director)
    model = listed_model(viewset)
    tie(model, [field for field in viewset.ordering_fields if field != "id"])
    client = client_for(reader_token(director))
    url = reverse(f"api:{basename}-list") + f"?page_size={PAGE_SIZE}"
    if ordering:
        url += f"&ordering={ordering}"

    ids, statements = walk(client, url, model._meta.db_table)

    expected = set(model.objects.values_list("pk", flat=True))
    assert len(expected) == ROWS
    assert sorted(ids) == sorted(expected)  # each row once: none repeated, none skipped
    primary_key = f'"{model._meta.db_table}"."{model._meta.pk.column}"'
    assert statements
    for sql in statements:
        assert last_order_term(sql) == primary_key, sql
