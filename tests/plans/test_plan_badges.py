"""plans' badges and sparkline tags write what the board, the plans list and the plan page
show: the status words, the target with its unit or date, the trend or a dash."""

from types import SimpleNamespace

import pytest
from django.template import Context, Template

from plans.models import Commitment


def render(source: str, **context) -> str:
    return Template("{% load plan_badges %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("comparison", "target", "unit", "expected"),
    [("gte", "98.500", "%", "≥ 98.5 %"), ("lte", "4.000", "", "≤ 4")],
)
def test_commitment_target_is_the_comparison_the_value_and_the_unit(
    comparison, target, unit, expected
):
    commitment = Commitment(comparison=comparison, target_value=target, unit=unit)

    assert render("{% commitment_target c %}", c=commitment) == expected


def test_a_dated_commitment_is_due_by_its_date():
    import datetime as dt

    commitment = Commitment(comparison="due", due_date=dt.date(2026, 12, 31))

    assert render("{% commitment_target c %}", c=commitment).startswith("by ")
    assert "2026" in render("{% commitment_target c %}", c=commitment)


def test_commitment_badge_names_its_status():
    commitment = Commitment(status="at_risk")

    html = render("{% commitment_badge c %}", c=commitment)

    assert html == (
        f'<span class="badge commitment-at_risk">{commitment.get_status_display()}</span>'
    )


def test_sparkline_draws_the_trend_or_a_dash():
    line = SimpleNamespace(
        width=80,
        height=20,
        label='Trend of "x" <y>',
        target_y=5,
        points="0,1 10,2",
        last_x=10,
        last_y=2,
    )

    drawn = render("{% sparkline s %}", s=line)

    assert drawn.startswith('<svg class="sparkline" width="80" height="20"')
    assert "<title>Trend of &quot;x&quot; &lt;y&gt;</title>" in drawn
    assert 'points="0,1 10,2"' in drawn
    assert 'aria-label="No trend"' in render("{% sparkline s %}", s=None)
