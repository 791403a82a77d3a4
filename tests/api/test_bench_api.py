"""bench_api's parts: its refusals, its load driver and its report (the command itself serves
gunicorn against DATABASE_URL, which the tests' database is not)."""

from __future__ import annotations

import io
import re
from urllib.parse import urlparse

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.models import ApiToken
from kam.bench.management.commands.bench_api import Command, Endpoint, Tally, percentile
from tests import factories
from tests.api.conftest import token_for


def test_a_database_smaller_than_asked_is_refused(db):
    factories.AccountFactory()
    with pytest.raises(CommandError, match="fewer than --accounts 50000"):
        call_command("bench_api", "--accounts", "50000")


def test_a_missing_user_is_refused(db):
    with pytest.raises(CommandError, match="No user 'director'"):
        call_command("bench_api")


def test_percentile_is_the_nearest_rank():
    latencies = [float(ms) for ms in range(1, 101)]  # 1..100 ms
    assert percentile(latencies, 95) == 95.0
    assert percentile(latencies, 50) == 50.0
    assert percentile([], 95) == 0.0


def test_the_driver_loads_each_endpoint_and_the_report_ends_with_the_totals(
    live_server, reference_data
):
    """Against pytest-django's live server (committed data, as gunicorn would read it)."""
    kam = factories.KamFactory(username="bench-kam")
    account = factories.KeyAccountFactory(kam=kam)
    plan = factories.PlanFactory(account=account)
    endpoints = [
        Endpoint("account list", "/api/v1/accounts/"),
        Endpoint("account detail", f"/api/v1/accounts/{account.pk}/"),
        Endpoint("plan detail", f"/api/v1/plans/{plan.pk}/"),
    ]
    command = Command(stdout=io.StringIO())
    port = urlparse(live_server.url).port
    # The live server shares the tests' one in-memory SQLite connection between its threads, so
    # only PostgreSQL can take concurrent requests here.
    options = {"seconds": 1.0, "concurrency": 2 if connection.vendor == "postgresql" else 1}
    token = token_for(kam)
    # Used just now: the run only reads (the in-memory SQLite of the tests locks a table for a
    # write, where PostgreSQL or SQLite's busy timeout would make a concurrent request wait).
    ApiToken.objects.filter(user=kam).update(last_used_at=timezone.now())
    tally, elapsed = command.load(port, token, endpoints, options)
    assert all(tally.latencies[e.name] for e in endpoints)
    assert sum(tally.failures.values()) == 0
    command.report(tally, elapsed, endpoints)
    lines = command.stdout.getvalue().splitlines()
    assert [line.split()[0:2] for line in lines[:3]] == [
        ["account", "list"],
        ["account", "detail"],
        ["plan", "detail"],
    ]
    assert re.fullmatch(r"api_rps=\d+ api_p95_ms=\d+", lines[-1])


def test_failed_requests_are_counted_apart():
    tally = Tally()
    tally.add("account list", [10.0, 20.0], failures=1)
    command = Command(stdout=io.StringIO())
    command.report(tally, 2.0, [Endpoint("account list", "/api/v1/accounts/")])
    lines = command.stdout.getvalue().splitlines()
    assert "failed=1" in lines[0]
    assert lines[-1] == "api_rps=1 api_p95_ms=20"
