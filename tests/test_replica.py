"""The read replica: run results read from the `replica` alias on safe requests only.

The test settings define `replica` as a mirror of the test database (the same rows through a
second connection); `KAM_READ_REPLICA` switches the routing on, as `DATABASE_REPLICA_URL`
does. Which connection ran a query tells where the router sent it.
"""

from __future__ import annotations

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Account
from kam.replica import PIN_COOKIE, REPLICA, ReadReplicaRouter, replica_reads
from scoring.models import AccountScore, ScoringRun
from tests import factories
from tests.portfolio.builders import make_run, score

SCORES = reverse("portfolio:scores")
router = ReadReplicaRouter()


def _tables(queries) -> str:
    return " ".join(q["sql"] for q in queries)


@pytest.fixture
def replica_on(settings):
    settings.KAM_READ_REPLICA = True


def test_run_results_go_to_the_replica_only_inside_replica_reads(replica_on):
    assert router.db_for_read(AccountScore) is None  # outside a request: the primary
    with replica_reads():
        assert router.db_for_read(AccountScore) == REPLICA
        assert router.db_for_read(ScoringRun) == REPLICA
        assert router.db_for_read(Account) is None  # not a run result
    with replica_reads(False):
        assert router.db_for_read(AccountScore) is None


def test_nothing_goes_to_the_replica_when_none_is_configured(settings):
    settings.KAM_READ_REPLICA = False
    with replica_reads():
        assert router.db_for_read(AccountScore) is None


def test_writes_and_migrations_stay_on_the_primary(replica_on):
    with replica_reads():
        assert router.db_for_write(AccountScore) is None
    assert router.allow_migrate(REPLICA, "scoring") is False
    assert router.allow_migrate("default", "scoring") is None


def test_a_related_object_follows_the_instance_it_was_loaded_from(replica_on):
    instance = AccountScore()
    instance._state.db = "default"
    with replica_reads():
        assert router.db_for_read(AccountScore, instance=instance) == "default"


@pytest.fixture
def scored(db):
    run = make_run()
    accounts = [factories.AccountFactory(name=f"Replica {i}") for i in range(3)]
    AccountScore.objects.bulk_create(
        score(run, account, rank=i + 1, revenue=100 * (i + 1)) for i, account in enumerate(accounts)
    )
    return run


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_a_page_reads_scores_from_the_replica_and_a_write_pins_to_the_primary(
    replica_on, client, scored
):
    client.force_login(factories.DirectorFactory())
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(SCORES)
    assert response.status_code == 200
    assert "Replica 2" in response.content.decode()  # the rows came through the replica
    assert "scoring_accountscore" in _tables(on_replica.captured_queries)
    assert 'FROM "scoring_accountscore"' not in _tables(on_primary.captured_queries)
    assert PIN_COOKIE not in response.cookies

    response = client.post(reverse("plans:notifications_read_all"))
    assert response.status_code in (200, 302)
    assert response.cookies[PIN_COOKIE]["max-age"] == 10

    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(SCORES)  # just after the write: the primary
    assert response.status_code == 200
    assert on_replica.captured_queries == []

    client.cookies.pop(PIN_COOKIE)  # the pin expired
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        client.get(SCORES)
    assert on_replica.captured_queries


@pytest.mark.django_db(transaction=True, databases=["default", REPLICA])
def test_readiness_checks_the_replica_when_configured(replica_on, client):
    body = client.get("/readyz").json()
    assert body["replica"] == "ok"
    assert body["database"] == "ok"
