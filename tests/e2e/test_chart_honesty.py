"""Charts that cannot mislead, as the browser draws them: money and percentage axes from zero,
no legend entry without data, the matrix's quadrants named, a losing segment's whale curve
drawn in money."""

import pytest
from playwright.sync_api import expect

from scoring.models import AccountScore, MetricSnapshot
from scoring.portfolio.base import quarter_start
from tests import factories
from tests.e2e.conftest import login
from tests.portfolio.builders import AS_OF, make_run, score

pytestmark = pytest.mark.e2e

# Every text written on a canvas, by canvas id (the quadrants' names are drawn, not in the DOM).
RECORD_TEXT = """
window.canvasTexts = {};
const fillText = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (text, x, y, maxWidth) {
    const id = this.canvas.id;
    (window.canvasTexts[id] = window.canvasTexts[id] || []).push(String(text));
    return fillText.call(this, text, x, y, maxWidth);
};
"""
# What Chart.js drew on a canvas: its datasets' labels and values and its Y axis.
DRAWN = """(id) => {
    const chart = Chart.getChart(document.getElementById(id));
    return {
        labels: chart.data.datasets.map((d) => d.label),
        values: chart.data.datasets.map(
            (d) => d.data.map((p) => (p && p.y !== undefined ? p.y : p))
        ),
        yMin: chart.scales.y.min,
        yTitle: chart.options.scales.y.title.text || "",
    };
}"""


def test_the_dashboard_charts_say_what_they_show(page):
    director = factories.DirectorFactory()
    kam = factories.KamFactory()
    key = factories.KeyAccountFactory(name="Keen Key", kam=kam, industry="Marine")
    other = factories.AccountFactory(name="Loss Maker", industry="Marine")
    run = make_run(as_of=AS_OF)
    AccountScore.objects.bulk_create(
        [
            score(run, key, rank=1, revenue=1000, net_profit=40),
            score(run, other, rank=2, revenue=500, net_profit=-90),
        ]
    )
    quarter = quarter_start(AS_OF)
    MetricSnapshot.objects.bulk_create(
        [
            MetricSnapshot(account=key, period_start=quarter, is_key=True, revenue=1000,
                           gross_margin=300, satisfaction=80),
            MetricSnapshot(account=other, period_start=quarter, revenue=500, gross_margin=100),
        ]
    )  # fmt: skip

    login(page, director)
    page.add_init_script(RECORD_TEXT)
    page.goto("/portfolio/?industry=Marine&period=t12m")
    expect(page.locator("canvas[data-drawn='true']")).to_have_count(12)

    revenue = page.evaluate(DRAWN, "chart-trend-revenue_per_account")
    assert revenue["labels"] == ["Key accounts", "Other accounts"]
    assert revenue["yMin"] == 0  # 500 and 1,000 drawn from zero, not from 500
    margin = page.evaluate(DRAWN, "chart-trend-gross_margin_pct")
    assert margin["yMin"] == 0  # 20% and 30%
    # only the key account has a satisfaction: the other accounts are not in the legend
    assert page.evaluate(DRAWN, "chart-trend-satisfaction")["labels"] == ["Key accounts"]
    assert page.evaluate(DRAWN, "chart-trend-retention")["labels"] == []

    # 40 - 90 = -50 overall: the whale curve runs 0, 40, -50 in money, against zero
    whale = page.evaluate(DRAWN, "chart-whale")
    assert whale["yTitle"] == "Cumulative net profit"
    assert whale["values"][0] == [0, 40, -50]
    assert whale["yMin"] <= -50
    expect(page.get_by_test_id("whale-peak")).to_contain_text("This selection loses money")

    # key accounts on their own axis beside the others'
    stages = page.evaluate(
        """() => {
            const chart = Chart.getChart(document.getElementById("chart-stages"));
            return chart.data.datasets.map(
                (d) => [d.label, d.yAxisID, chart.scales[d.yAxisID].min]
            );
        }"""
    )
    assert stages == [
        ["Key accounts (right axis)", "key", 0],
        ["Other accounts (left axis)", "y", 0],
    ]

    matrix_texts = page.evaluate("() => window.canvasTexts['chart-matrix']")
    assert {"Star", "Strategic", "Streamline", "Status"} <= set(matrix_texts)

    # The account page's trend charts: from zero, and a series without data not in a legend.
    page.goto(f"/accounts/{key.pk}/")
    expect(page.locator("canvas[data-chart][data-drawn='true']").first).to_be_attached()
    account_charts = page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll("canvas[data-chart]")].map(
            (canvas) => {
                const chart = Chart.getChart(canvas);
                return [canvas.dataset.chart, {
                    labels: chart.data.datasets.map((d) => d.label), yMin: chart.scales.y.min,
                }];
            }))"""
    )
    assert account_charts["satisfaction"]["yMin"] == 0  # a satisfaction of 80 from zero
    assert account_charts["money"]["labels"] == ["Revenue", "Cost to serve", "Net profit"]
    assert account_charts["wallet"]["labels"] == []  # no category spend, no share of wallet
