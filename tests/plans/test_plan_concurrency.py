"""Two saves of one section at the same moment, on two database connections: one wins.

PostgreSQL only: SQLite's in-memory test database cannot hold two writing connections. The
`reference_data` fixture puts back what its transactional flush removes, for the tests after it.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from kam.errors import ConflictError
from plans.models import PlanSection
from plans.services import plans as plans_services
from tests import factories


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs two concurrent connections (PostgreSQL)"
)
def test_two_simultaneous_saves_of_one_section_cannot_both_win(reference_data):
    """Two threads, two connections, the same expected version, released together: the
    guarded UPDATE lets exactly one through; the other gets the conflict."""
    admin = factories.AdminFactory(username="race-admin")
    account = factories.KeyAccountFactory(kam=admin)
    plan = plans_services.plan_create(
        account=account,
        title="Race",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
        review_date=dt.date(2099, 1, 1),
        actor=admin,
    )
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def save(text: str) -> None:
        try:
            start.wait()
            plans_services.plan_section_save(
                plan=plan, kind="needs", body=text, expected_version=1, actor=admin
            )
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(text,)) for text in ("mine", "theirs")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["conflict", "saved"]
    section = PlanSection.objects.get(plan=plan, kind="needs")
    assert section.version == 2
    assert section.body in {"mine", "theirs"}
