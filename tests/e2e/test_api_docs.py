"""The API's documentation pages work under the strict CSP: Swagger UI and ReDoc render every
operation from vendored assets, with no console error (the `page` fixture fails on any)."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_swagger_ui_lists_the_operations_and_a_signed_in_user_can_try_one(page):
    kam = factories.KamFactory(username="docs-kam")
    factories.KeyAccountFactory(kam=kam, name="Documented Customer AG")
    login(page, kam)
    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name="KAM API")).to_be_visible(timeout=RENDER_MS)
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() >= 70
    listing = page.locator("#operations-accounts-accounts_list")
    listing.locator(".opblock-summary").click()
    listing.get_by_role("button", name="Try it out").click()
    listing.get_by_role("button", name="Execute").click()
    expect(listing.locator(".live-responses-table tbody .response-col_status").first).to_have_text(
        "200"
    )
    expect(listing.locator(".live-responses-table")).to_contain_text("Documented Customer AG")
    screenshot(page, "api-docs-swagger")


# ReDoc lays out the whole reference (well over a hundred operations) in the browser before it
# shows anything: on a busy machine that takes longer than Playwright's default 5 s.
RENDER_MS = 60_000


def test_redoc_renders_the_reference(page):
    page.goto("/api/redoc/")
    expect(page.get_by_role("heading", name="KAM API").first).to_be_visible(timeout=RENDER_MS)
    summary = "Accounts you may see, with their current-run figures"
    expect(page.get_by_role("heading", name=summary)).to_be_visible()
    expect(page.get_by_role("menuitem", name="plans")).to_be_visible()
    screenshot(page, "api-docs-redoc", full_page=False)
