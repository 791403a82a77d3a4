"""Operations record a measurement on the board that breaches a promise; the KAM sees it."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import login, screenshot
from tests.e2e.scenarios import met_delivery_promise

pytestmark = pytest.mark.e2e


def test_operations_breach_on_the_board_shows_on_the_kams_account_page(new_page):
    today = timezone.localdate()
    promise = met_delivery_promise(today)
    operations, kam, account = promise.operations, promise.kam, promise.account
    commitment, previous_end = promise.commitment, promise.previous_end

    ops_page = new_page()
    login(ops_page, operations)
    ops_page.goto("/plans/commitments/")
    row = ops_page.locator(f"#commitment-{commitment.pk}")
    expect(row).to_have_attribute("data-status", "met")
    row.get_by_role("link", name="Record a measurement of").click()

    form = row.get_by_role("form", name="Record a measurement of")
    expect(form).to_be_visible()
    start, end = previous_end + dt.timedelta(days=1), today - dt.timedelta(days=1)
    form.get_by_label("Value (%)").fill("95.2")
    form.get_by_label("Period start").fill(start.isoformat())
    form.get_by_label("Period end").fill(end.isoformat())
    form.get_by_label("Note").fill("Port strike: 14 late deliveries")
    screenshot(ops_page, "operations-records-a-breaching-measurement")
    form.get_by_role("button", name="Save measurement").click()

    expect(row).to_have_attribute("data-status", "breached")
    expect(row.get_by_test_id("status")).to_have_text("Breached")
    expect(row.get_by_role("status")).to_have_text("Recorded; Breached.")
    assert ops_page.url.endswith("/plans/commitments/")  # recorded in place, no page change
    screenshot(ops_page, "board-shows-the-breach")

    kam_page = new_page()
    login(kam_page, kam)
    kam_page.goto(f"/accounts/{account.pk}/")
    commitments = kam_page.get_by_role("region", name="Service commitments")
    promise_row = commitments.get_by_role("row").filter(has_text=commitment.promise)
    expect(promise_row).to_contain_text("Breached")
    expect(kam_page.get_by_test_id("unread-count")).to_have_text("1 unread")
    screenshot(kam_page, "kam-sees-the-breach-on-the-account-page")
