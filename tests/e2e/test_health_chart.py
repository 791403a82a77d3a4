"""The health history chart on a group's account page, as the browser draws it: score over the
runs on a fixed 0-100 axis in front of each run's bands, the table beside it, fitting a phone
and a laptop."""

import pytest
from django.urls import reverse

from accounts.models import Contact
from scoring.models import WarningSettings
from tests import factories
from tests.e2e.conftest import login
from tests.e2e.test_responsive import LAPTOP, PHONE, problems_of
from tests.scoring.test_health import D, build_green_account, recompute

pytestmark = pytest.mark.e2e

DRAWN = """() => {
    const chart = Chart.getChart(document.getElementById('chart-health'));
    return {
        labels: chart.data.datasets.map((d) => d.label),
        values: chart.data.datasets.map((d) => d.data),
        y: [chart.scales.y.min, chart.scales.y.max],
    };
}"""


def test_the_health_history_is_charted_with_its_bands_and_fits(new_page):
    group = build_green_account()  # 98.33, green (see tests/scoring/test_health.py)
    factories.AccountFactory(name="Plant", parent=group)
    recompute()
    # The supporter turns detractor: 81.67, still green.
    Contact.objects.filter(account=group).update(attitude="detractor")
    recompute()
    # Green only from 85 from now on: 81.67 is amber.
    WarningSettings.objects.filter(pk=1).update(green_from=D(85))
    recompute()
    page = new_page()
    login(page, factories.DirectorFactory())
    url = reverse("accounts:detail", args=[group.pk])
    for viewport in (PHONE, LAPTOP):
        page.set_viewport_size(viewport)
        assert problems_of(page, "director", "accounts:detail", url, viewport) == []
        drawn = page.evaluate(DRAWN)
        assert drawn["y"] == [0, 100]
        assert drawn["labels"] == [
            "Health",
            "Amber from (red below)",
            "Green from (amber below)",
            "Green band",
        ]
        assert drawn["values"][:3] == [
            [98.33, 81.67, 81.67],
            [50, 50, 50],
            [75, 75, 85],
        ]
        table = page.get_by_test_id("health-history").locator("tbody tr")
        assert table.count() == 3
        assert table.first.inner_text().split("\t")[1:3] == ["81.67", "amber"]
        assert page.get_by_test_id("health-group-note").is_visible()
