"""`manage.py bench_pages`: per-page timings and query counts, worst figures last."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from scoring.models import AccountScore
from tests import factories
from tests.portfolio.builders import make_run, score


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
