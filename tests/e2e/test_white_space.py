"""White space in a real browser, on a phone-sized screen: from a map cell to an opportunity
in the plan, and the plan page's pipeline, without horizontal overflow."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import ProductCategory
from scoring import services
from scoring.models import RunTrigger, SpendSource
from scoring.whitespace import spend_estimate_save
from tests import factories
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def no_horizontal_overflow(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_kam_adds_an_opportunity_from_a_map_cell_on_a_phone(page):
    kam = factories.KamFactory(username="wendy-kam", first_name="Wendy", last_name="Kam")
    account = factories.KeyAccountFactory(kam=kam, name="Acme Brakes GmbH")
    today = dt.date.today()
    plan = factories.started_plan(
        account,
        kam,
        title="Acme grows",
        period_start=today.replace(month=1, day=1),
        period_end=today.replace(month=12, day=31),
        review_date=dt.date(2099, 1, 1),
    )
    drives = ProductCategory.objects.create(name="Drives")
    spend_estimate_save(
        account=account,
        category=drives,
        year=today.year,
        actor=kam,
        estimated_spend=Decimal(50000),
        source=SpendSource.MARKET_STUDY,
    )
    services.run_recompute(run=services.run_request(trigger=RunTrigger.MANUAL, as_of=today))
    page.set_viewport_size({"width": 390, "height": 844})

    login(page, kam)
    page.goto(f"/accounts/{account.pk}/white-space/")
    expect(page.get_by_text("White space", exact=True).first).to_be_visible()
    assert no_horizontal_overflow(page)
    page.get_by_role("link", name="Add opportunity for Drives at Acme Brakes GmbH").click()

    expect(page.get_by_label("Product category")).to_have_value(str(drives.pk))
    page.get_by_label("Estimated annual value").fill("20000")
    page.get_by_label("Probability %").fill("40")
    page.get_by_label("Expected close date").fill(f"{today.year}-12-15")
    assert no_horizontal_overflow(page)
    page.get_by_role("button", name="Add opportunity").click()

    page.wait_for_url(f"**/plans/{plan.pk}/**")
    table = page.get_by_test_id("opportunities")
    expect(table).to_contain_text("Drives")
    # 20,000 x 40 % = 8,000 weighted
    expect(page.get_by_test_id("pipeline-totals")).to_contain_text("8,000.00")
    assert no_horizontal_overflow(page)
    screenshot(page, "kam-added-an-opportunity-from-the-map")
