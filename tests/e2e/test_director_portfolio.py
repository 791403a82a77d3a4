"""The sales director's day: dashboard charts, an account from the matrix, a what-if in the
workbench, saving the weights, and the next recompute scoring with them."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Account
from scoring import services
from scoring.models import Criterion, RunTrigger
from tests import factories
from tests.e2e.conftest import login, screenshot
from tests.e2e.scenarios import big_buyers_and_small_shops
from tests.explained import stored_lines

pytestmark = pytest.mark.e2e


def recompute():
    run = services.run_request(trigger=RunTrigger.COMMAND, as_of=timezone.localdate())
    return services.run_recompute(run=run)


def test_director_reads_the_portfolio_and_tunes_the_selection(page):
    director = factories.DirectorFactory(username="dana-director")
    kam = factories.KamFactory(username="karl-kam")
    _, small = big_buyers_and_small_shops(kam)
    recompute()

    login(page, director)

    # Directors land on the dashboard; every chart is drawn (canvas present, no console error).
    expect(page).to_have_url(re.compile(r"/portfolio/$"))
    expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()
    expect(page.locator("canvas[data-chart]")).to_have_count(12)
    expect(page.locator("canvas[data-drawn='true']")).to_have_count(12)
    expect(page.get_by_test_id("key-count")).to_have_text("2")
    screenshot(page, "director-dashboard")

    # Open an account by clicking its bubble in the matrix.
    matrix = page.locator("#chart-matrix")
    matrix.scroll_into_view_if_needed()
    bubble = page.evaluate(
        """() => {
            const canvas = document.getElementById("chart-matrix");
            const chart = Chart.getChart(canvas);
            const point = chart.getDatasetMeta(0).data[0];
            return {x: point.x, y: point.y, id: chart.data.datasets[0].data[0].id};
        }"""
    )
    box = matrix.bounding_box()
    page.mouse.click(box["x"] + bubble["x"], box["y"] + bubble["y"])
    expect(page).to_have_url(re.compile(rf"/accounts/{bubble['id']}/$"))
    name = Account.objects.get(pk=bubble["id"]).name
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)

    # The workbench previews as the weights change, before anything is saved.
    page.goto("/portfolio/workbench/")
    preview = page.get_by_test_id("preview-result")
    expect(preview).to_have_attribute("data-entering", "0")
    entering = page.get_by_test_id("preview-entering")
    expect(entering).not_to_contain_text("Small Shop 4")
    strategic = Criterion.objects.get(key="strategic_value")
    page.get_by_label(strategic.label).fill("1000")
    expect(entering).to_contain_text("Small Shop 4")
    expect(preview).to_have_attribute("data-entering", "1")
    assert Criterion.objects.get(pk=strategic.pk).weight == Decimal("10.00")  # not saved yet
    screenshot(page, "workbench-what-if")

    page.get_by_label("Why the change").fill("Strategic value first this year")
    page.get_by_role("button", name="Save weights").click()
    expect(page.get_by_role("status")).to_contain_text("Weights saved")
    assert Criterion.objects.get(pk=strategic.pk).weight == Decimal("1000.00")
    # The reloaded workbench previews the saved weights; let it finish before the recompute
    # writes (the browser and this test share one SQLite database).
    expect(page.get_by_test_id("preview-result")).to_be_visible()
    expect(page.get_by_label(strategic.label)).to_have_value("1000.00")

    # The next recompute scores with the saved weights.
    run = recompute()
    assert run.weights["strategic_value"] == "1000.00"
    stored = [line for line in stored_lines(run) if line.criterion == strategic]
    assert stored
    assert {line.weight for line in stored} == {Decimal("1000.00")}
    top = run.scores.order_by("rank").select_related("account").first()
    assert top.account == small[3]
