"""`manage.py bench_pages`: per-page timings and query counts, worst figures last."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from accounts.models import ProductCategory
from scoring.models import AccountScore
from scoring.whitespace import spend_estimate_save
from tests import factories
from tests.portfolio.builders import make_run, score
from tests.whitespace.test_map import line, run_now


def bench(**options) -> list[str]:
    out = io.StringIO()
    call_command("bench_pages", stdout=out, **options)
    return out.getvalue().splitlines()


def test_bench_times_every_main_page_and_ends_with_the_worst(director, kam):
    run = make_run()
    accounts = [factories.KeyAccountFactory(kam=kam), factories.AccountFactory()]
    AccountScore.objects.bulk_create(
        score(run, account, rank=i + 1, revenue=100) for i, account in enumerate(accounts)
    )

    lines = bench(requests=3, accounts=2)

    timed = r" +p50= *[\d.]+ ms  p95= *[\d.]+ ms  queries= *\d+  /"
    pages = ["dashboard", "account list", "account page", "workbench", "workbench preview"]
    for page in [*pages, "scores list", "actions list", "plans list", "approval queue"]:
        assert any(re.match(page + timed, line) for line in lines), page
    assert re.fullmatch(r"worst_p95_ms=\d+ worst_queries=\d+", lines[-1])


def test_bench_skips_the_preview_without_a_run(director):
    lines = bench(requests=1)

    assert any(re.match(r"workbench preview +skipped: no scoring run yet", x) for x in lines)
    assert re.fullmatch(r"worst_p95_ms=\d+ worst_queries=\d+", lines[-1])


def test_bench_refuses_a_smaller_dataset_than_asked(director):
    factories.AccountFactory()

    with pytest.raises(CommandError, match="holds 1 accounts, fewer than --accounts 50000"):
        bench(accounts=50_000)


def test_bench_needs_the_demo_director(db):
    with pytest.raises(CommandError, match="No user 'director'"):
        bench()


# The map as the director reads it: session, user, groups, the account, the current run, the
# estimate form's categories, the map's rows (the account's subtree: one recursive CTE, with
# the run's category spend), the category revenue, the estimates, the won opportunities, the
# categories' ids, the account's plans and the unread notifications (nothing won: no
# sales-line query).
MAP_QUERIES = 13
# The portfolio's white space: session, user, groups, the current run, the stamp its cached
# cells are checked against (every cell, one narrow row each, when it changed: the warm-up
# request), the cells' accounts' names, the KAMs (the filter's people and the cells' KAMs),
# the page's estimate details and the unread notifications (the same at 50,000 accounts).
PORTFOLIO_QUERIES = 9


def queries_of(lines: list[str], page: str) -> int:
    found = [line for line in lines if line.startswith(page) and "queries=" in line]
    assert found, f"{page} missing from {lines}"
    return int(found[0].split("queries=")[1].split()[0])


@pytest.mark.parametrize("categories", [3, 40])
def test_bench_times_the_largest_white_space_map_and_the_portfolio_list(director, kam, categories):
    """A key account with `categories` product categories, each with an estimate and sales
    lines: the same queries for 3 and for 40."""
    account = factories.KeyAccountFactory(kam=kam)
    small = factories.KeyAccountFactory(kam=kam)
    for index in range(categories):
        category = ProductCategory.objects.create(name=f"Line {index:02d}")
        line(account, category.name, 100 + index)
        for who in (account, small) if index == 0 else (account,):
            spend_estimate_save(
                account=who,
                category=category,
                year=2026,
                actor=director,
                estimated_spend=1000,
                source="market_study",
            )
    run_now()

    lines = bench(requests=2)

    assert any(line.startswith(f"w-space map ({categories} cat.)") for line in lines), lines
    assert queries_of(lines, "w-space map") == MAP_QUERIES
    assert queries_of(lines, "portfolio w-space") == PORTFOLIO_QUERIES


@pytest.mark.parametrize(("members", "categories"), [(2, 3), (12, 10)])
def test_bench_times_the_largest_groups_map_on_its_own_line(director, kam, members, categories):
    """The key-account group with the most members gets its own line, named by its size; its
    map reads the same queries as a standalone account's (the subtree is one query) at both
    sizes."""
    small = factories.KeyAccountFactory(kam=kam)
    factories.AccountFactory(parent=small)
    top = factories.KeyAccountFactory(kam=kam)
    accounts = [top, *(factories.AccountFactory(parent=top) for _ in range(members))]
    for index in range(categories):
        category = ProductCategory.objects.create(name=f"Line {index:02d}")
        for account in accounts:
            line(account, category.name, 100 + index)
            spend_estimate_save(
                account=account,
                category=category,
                year=2026,
                actor=director,
                estimated_spend=1000,
                source="market_study",
            )
    run_now()

    lines = bench(requests=2)

    page = f"w-space group map ({members} members x {categories} cat.)"
    assert queries_of(lines, page) == MAP_QUERIES


def test_bench_skips_the_group_map_without_a_group(director, kam):
    factories.KeyAccountFactory(kam=kam)
    run_now()

    lines = bench(requests=1)

    assert any(re.match(r"w-space group map +skipped: no key account is a group", x) for x in lines)
