"""A run is a fixed number of SQL statements, however many accounts there are."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import Account, Activity, Contact, SalesLine
from scoring import services
from scoring.models import Criterion, MetricEntry, MetricKind, Rating, RunStatus, RunTrigger
from tests import factories

# Queries of one whole run on SQLite: request 6, plan 8, each of the 2 chunks 14 (its
# temporary table of sums created and dropped included, and its per-category revenue deleted
# and written), groups stage 8 (scoring/engine/groups.py: two temporary tables created and
# dropped), final stage and pruning 13 (the product categories synced included; savepoints
# included; a first run has no older runs' rows to delete); health and investment fit 8 more:
# 2 to freeze their settings when planning, then the previous run, health's 2 statements (its
# rows deleted and written complete, with no component rows: those are read from the row; the
# scores' update copies them to the score rows), investment's 2, and the accounts whose health
# fell (none here). The final stage's three transactions (groups; health beside the
# explanations; the scores) add 9: three more savepoints here, the run row locked by the first
# and the last, and the first's record that the groups are rolled up. On PostgreSQL each chunk
# and each of the final stage's four transactions also set work_mem, each chunk runs its
# deferred foreign-key checks before its bookkeeping, and the final stage refreshes the
# planner's statistics, as health does for its rows before the scores.
QUERIES = {"sqlite": 63 + 8 + 9, "postgresql": 63 + 8 + 9 + 2 + 2 + 2 + 1 + 3}


def build_accounts(count: int) -> None:
    """`count` accounts, each with T12 and previous-year sales, an activity, an influential
    contact, a rating and a satisfaction entry: every SQL path of the run has rows to read."""
    kam = factories.KamFactory()
    visit = factories.ActivityTypeFactory(code="visit")
    factories.CostRateFactory(
        activity_type=visit, period_start=dt.date(2024, 1, 1), period_end=dt.date(2026, 12, 31)
    )
    accounts = Account.objects.bulk_create(
        Account(
            erp_code=f"Q{i:05d}",
            name=f"Account {i}",
            status="key" if i % 3 == 0 else "standard",
            kam=kam if i % 3 == 0 else None,
            category_spend=Decimal(1000 * (i + 1)),
            turnover=Decimal(5000 * (i + 1)),
        )
        for i in range(count)
    )
    strategic = Criterion.objects.get(key="strategic_value")
    SalesLine.objects.bulk_create(
        SalesLine(
            account=account, date=day, quantity=1, revenue=Decimal(100 + i), cost_of_goods=50,
            erp_document=f"D{i}-{day:%Y}", erp_line=1,
        )
        for i, account in enumerate(accounts)
        for day in (dt.date(2026, 3, 1), dt.date(2025, 3, 1))
    )  # fmt: skip
    Activity.objects.bulk_create(
        Activity(account=a, activity_type=visit, date=dt.date(2026, 2, 1), quantity=1)
        for a in accounts
    )
    Contact.objects.bulk_create(
        Contact(account=a, name="Buyer", buying_role="buyer", influence=5, relationship_owner=kam,
                last_contact_on=dt.date(2026, 7, 1))
        for a in accounts
    )  # fmt: skip
    Rating.objects.bulk_create(
        Rating(account=a, criterion=strategic, value=1 + i % 5) for i, a in enumerate(accounts)
    )
    MetricEntry.objects.bulk_create(
        MetricEntry(account=a, period_start=dt.date(2026, 4, 1),
                    metric=MetricKind.SATISFACTION, value=Decimal(i % 101))
        for i, a in enumerate(accounts)
    )  # fmt: skip


def chain_into_groups(depth: int) -> None:
    """Every block of depth + 1 accounts (by id) becomes one group: a chain of `depth` levels
    below its first account, which alone keeps a designation."""
    ids = list(Account.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), depth + 1):
        block = ids[start : start + depth + 1]
        for parent, child in itertools.pairwise(block):
            Account.objects.filter(pk=child).update(parent_id=parent, status="standard", kam=None)


@pytest.mark.django_db
@pytest.mark.parametrize(("accounts", "depth"), [(10, 0), (500, 0), (500, 1), (500, 6)])
def test_the_query_count_of_a_run_does_not_grow_with_the_accounts_or_the_depth(
    accounts, depth, django_assert_num_queries
):
    build_accounts(accounts)
    if depth:
        chain_into_groups(depth)
    with django_assert_num_queries(QUERIES[connection.vendor]):
        run = services.run_recompute(
            run=services.run_request(trigger=RunTrigger.COMMAND, as_of=dt.date(2026, 7, 15))
        )
    assert run.status == RunStatus.SUCCEEDED
    assert run.accounts_count == accounts
    assert run.chunks_total == 2
    groups = -(-accounts // (depth + 1)) if depth else 0
    assert run.counts["groups"] == groups
    assert run.counts["units"] == (groups if depth else accounts)
