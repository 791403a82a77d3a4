"""The what-if's ranking (scoring.workbench._ranks) against a plain sort of every unit: highest
points first, ties by account id, for the top n and for any unit asked about."""

import random
from array import array

import pytest

from scoring import workbench
from scoring.portfolio.vectors import RunVectors
from scoring.workbench import _ranks


def brute_force(points, ids):
    order = sorted(range(len(points)), key=lambda i: (-points[i], ids[i]))
    return {index: rank for rank, index in enumerate(order, 1)}


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n", [0, 1, 7, 40, 60])
def test_ranks_match_a_full_sort_with_ties(seed, n):
    rng = random.Random(seed)
    total = 50
    ids = array("q", sorted(rng.sample(range(1, 10_000), total)))
    # Few distinct values: most units are level with others, also across the n-th place.
    points = [float(rng.choice([0, 10, 25, 25.5, 40, 99])) for _ in range(total)]
    wanted = rng.sample(range(total), 12)
    expected = brute_force(points, ids)

    ranks = _ranks(points, n, wanted)

    top = {index for index, rank in expected.items() if rank <= n}
    assert {index for index, rank in ranks.items() if rank <= n} == top
    for index in top | set(wanted):
        assert ranks[index] == expected[index]


def test_a_level_unit_with_a_lower_account_id_ranks_first():
    points = [10.0, 20.0, 20.0]  # account ids 3, 5, 8: the units come in account-id order

    assert _ranks(points, 1, [2, 0]) == {1: 1, 2: 2, 0: 3}


def test_units_all_level_rank_by_account_id():
    """Every unit level (no data at all): the ranks are the account-id order, for the top n
    and for every unit asked about below it."""
    ids = array("q", range(10, 2010))
    points = [0.0] * len(ids)
    wanted = list(range(0, 2000, 7))

    ranks = _ranks(points, 5, wanted)

    assert {index: rank for index, rank in ranks.items() if rank <= 5} == {
        i: i + 1 for i in range(5)
    }
    assert all(ranks[index] == index + 1 for index in wanted)


@pytest.mark.parametrize("changes", [[], [(1, 10.0)], [(1, 10.0), (2, -7.5), (3, 0.25)]])
def test_points_are_the_python_floats_summed_in_the_changes_order(monkeypatch, changes):
    """The arrays give exactly what Python floats give (stored score x base, then each
    change's value x change added in order): equal points must stay equal for the ties."""
    rng = random.Random(7)
    total = 500
    vectors = RunVectors(
        ids=array("q", range(1, total + 1)),
        attractiveness=array("q", (rng.randrange(0, 10_001) for _ in range(total))),
        revenue=array("q", [0] * total),
        rank=array("q", range(1, total + 1)),
        by_rank=array("q", range(total)),
    )
    columns = {
        pk: array("d", (rng.choice([0.0, 0.1, 1 / 3, 0.5, 0.875]) for _ in range(total)))
        for pk in (1, 2, 3)
    }
    monkeypatch.setattr(workbench, "_criterion_column", lambda run, pk, v: columns[pk])
    base = 0.85

    points = workbench._points(None, vectors, base, changes)

    expected = []
    for index in range(total):
        value = vectors.attractiveness[index] * base
        delta = None
        for pk, change in changes:
            part = columns[pk][index] * change
            delta = part if delta is None else delta + part
        expected.append(value if delta is None else value + delta)
    assert points.tolist() == expected
