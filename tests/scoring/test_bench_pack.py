"""`manage.py bench_pack`: the largest key account's pack timed, the goal said last."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from tests.scoring import pack_world


def test_bench_times_both_formats_and_audiences_of_the_largest_plan(kam):
    small = factories.PlanFactory(title="Small plan")
    plan, _ = pack_world.build(kam)
    out = io.StringIO()
    call_command("bench_pack", repeat=1, stdout=out)
    lines = out.getvalue().splitlines()
    assert plan.account.name in lines[0]
    assert small.account.name not in lines[0]
    for audience in ("internal", "customer"):
        for fmt in ("pdf", "pptx"):
            assert any(re.match(rf"{audience} +{fmt} +p50= *\d+ ms", line) for line in lines)
    assert re.fullmatch(r"worst_ms=\d+ goal_ms=3000 ok=(yes|no)", lines[-1])


def test_bench_without_a_plan_says_what_to_do(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("bench_pack", repeat=1, stdout=io.StringIO())
