"""The weights what-if against a plain ranking written here: for many weight sets, every
unit's points from the stored score and the changed criteria's values, every unit sorted
(highest points first, ties by account id), and the preview's rows, counts and shares read
from that order."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from accounts.models import AccountStatus
from scoring import workbench
from scoring.models import AccountScore, Criterion
from tests import factories
from tests.portfolio.builders import criterion_scores, make_run, score

UNITS = 40
KEYS = 9


@pytest.fixture
def portfolio(kam):
    """40 units, 9 of them key, their stored scores and criterion values drawn from a few
    values (many units level with others); the run recorded its weights."""
    rng = random.Random(11)
    criteria = list(Criterion.objects.filter(active=True).order_by("pk"))
    run = make_run(weights={c.key: str(c.weight) for c in criteria})
    accounts = [
        (factories.KeyAccountFactory if index < KEYS else factories.AccountFactory)(
            name=f"Unit {index:02}", kam=kam
        )
        for index in range(UNITS)
    ]
    AccountScore.objects.bulk_create(
        score(
            run,
            account,
            rank=rank,
            revenue=rng.choice([0, 100, 250, 900]),
            attractiveness=rng.choice(["10.00", "25.50", "25.50", "40.00", "72.25"]),
        )
        for rank, account in enumerate(accounts, 1)
    )
    values = {
        account: {c.key: rng.choice([0, 0, 20, 50, 100]) for c in criteria} for account in accounts
    }
    criterion_scores(run, values)
    return run, criteria, accounts, values


def expected_preview(run, criteria, accounts, values, weights, top_n):
    """The preview as its docstring states it, with a sort of every unit."""
    before = {c.pk: Decimal(run.weights[c.key]) for c in criteria}
    changed = sorted(pk for pk in weights if weights[pk] != before[pk])
    stored = dict(AccountScore.objects.filter(run=run).values_list("account_id", "attractiveness"))
    by_pk = {c.pk: c for c in criteria}
    base = float(sum(before.values())) / 100
    points = {}
    for account in accounts:
        delta = sum(
            float(values[account][by_pk[pk].key]) * float(weights[pk] - before[pk])
            for pk in changed
        )
        points[account.pk] = round(stored[account.pk] * 100) * base + delta
    order = sorted(points, key=lambda pk: (-points[pk], pk))
    rank = {pk: position for position, pk in enumerate(order, 1)}
    keys = {a.pk for a in accounts if a.status == AccountStatus.KEY}
    n = len(keys) if top_n is None else top_n
    entering = [(pk, rank[pk]) for pk in order[:n] if pk not in keys]
    leaving = [(pk, rank[pk]) for pk in order if pk in keys and rank[pk] > n]
    total_weight = float(sum(weights.values()))
    scores = {pk: points[pk] / total_weight for pk in points}
    return n, entering, leaving, scores, rank, keys


def weight_sets(criteria):
    rng = random.Random(5)
    base = {c.pk: c.weight for c in criteria}
    first, second = criteria[0].pk, criteria[1].pk
    sets = [
        dict(base),  # nothing changes
        {**base, first: base[first] + 10},  # the usual edit: one weight
        {**base, first: Decimal(0)},
        {**base, first: base[first] + 3, second: Decimal(0)},
        {pk: Decimal(1) for pk in base},
    ]
    for _ in range(10):
        weights = dict(base)
        for criterion in rng.sample(criteria, rng.randint(1, len(criteria))):
            weights[criterion.pk] = Decimal(rng.randint(0, 30))
        if sum(weights.values()) > 0:
            sets.append(weights)
    return sets


@pytest.mark.parametrize("top_n", [None, 1, 5, 25, UNITS])
def test_preview_matches_a_full_sort_of_every_unit_for_many_weights(portfolio, top_n):
    run, criteria, accounts, values = portfolio
    for weights in weight_sets(criteria):
        n, entering, leaving, scores, rank, keys = expected_preview(
            run, criteria, accounts, values, weights, top_n
        )

        preview = workbench.weights_preview(run=run, weights=weights, top_n=top_n)

        assert preview.top_n == n
        assert [(r.account_id, r.new_rank) for r in preview.entering] == entering
        assert [(r.account_id, r.new_rank) for r in preview.leaving] == leaving
        for row in preview.entering + preview.leaving:
            assert row.new_score == pytest.approx(scores[row.account_id])
        assert preview.key_in_bottom_half == sum(1 for pk in keys if 2 * rank[pk] > UNITS + 1)
        decile = (UNITS + 9) // 10
        assert preview.others_in_top_decile == decile - sum(1 for pk in keys if rank[pk] <= decile)
