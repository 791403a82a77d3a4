"""The badges every list row draws (kam_format, scoring_format tags): the same words and
classes whatever the row is (a model, a dictionary), "not yet computed" without a figure."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils.html import json_script

from kam.templatetags.kam_format import json_data


def render(source: str, **context) -> str:
    return Template("{% load kam_format scoring_format %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("band", "css"),
    [("red", "text-bg-danger"), ("amber", "text-bg-warning"), ("green", "text-bg-success")],
)
def test_health_badge_is_coloured_by_its_band(band, css):
    html = render("{% health_badge score band %}", score=72.456, band=band)

    assert html == f'<span class="badge health-{band} {css}">72.46 {band}</span>'


def test_badges_without_a_figure_say_not_yet_computed():
    assert "not yet computed" in render("{% health_badge None '' %}")
    assert "not yet computed" in render("{% quadrant_badge None %}")


def test_status_and_quadrant_badges_escape_and_label():
    html = render("{% status_badge status label %}", status="key", label="<Key> & co")
    assert html == '<span class="badge status-key">&lt;Key&gt; &amp; co</span>'
    assert render("{% quadrant_badge 'streamline' %}") == (
        '<span class="badge quadrant-streamline">Streamline</span>'
    )


@pytest.mark.parametrize("as_dict", [False, True])
def test_share_of_wallet_flags_spend_below_revenue(as_dict):
    def row(**values):
        return values if as_dict else SimpleNamespace(**values)

    flagged = render(
        "{% share_of_wallet s %}", s=row(spend_below_revenue=True, share_of_wallet_pct=135.5)
    )
    shown = render(
        "{% share_of_wallet s %}", s=row(spend_below_revenue=False, share_of_wallet_pct=42.125)
    )
    unknown = render(
        "{% share_of_wallet s %}", s=row(spend_below_revenue=False, share_of_wallet_pct=None)
    )

    assert "Category spend below our revenue: update it" in flagged and "135" not in flagged
    assert shown == "42.13 %"
    assert unknown == "not known"


def test_json_data_writes_what_json_script_writes():
    value = {
        "label": "</script><b>R&D</b> 'quoted' \"double\" café",
        "when": dt.date(2026, 12, 3),
        "amount": Decimal("12.50"),
        "series": [1, 2.5, None, True],
    }

    assert json_data(value, "chart-data") == json_script(value, "chart-data")
    assert "</script><b>" not in json_data(value, "chart-data")
