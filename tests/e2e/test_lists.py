"""A KAM's lists: the scores of their accounts and their plans' actions, filtered, sorted and
downloaded as the browser does it (the download is what the filters show, every page)."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from plans.models import ActionFamily, ActionStatus
from scoring import services
from scoring.models import RunTrigger
from tests import factories
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_a_kam_filters_sorts_and_downloads_scores_and_actions(page):
    kam = factories.KamFactory(username="kira-kam")
    other = factories.KamFactory(username="olaf-kam")
    today = timezone.localdate()
    sale_day = today.replace(day=1) - dt.timedelta(days=40)
    mine = [factories.KeyAccountFactory(kam=kam, name=f"Kira Customer {i}") for i in (1, 2, 3)]
    theirs = factories.KeyAccountFactory(kam=other, name="Olaf Customer")
    for account, revenue in zip([*mine, theirs], [300_000, 100_000, 200_000, 900_000], strict=True):
        factories.SalesLineFactory(
            account=account, date=sale_day, revenue=Decimal(revenue), cost_of_goods=0
        )
    services.run_recompute(run=services.run_request(trigger=RunTrigger.COMMAND, as_of=today))
    plan = factories.PlanFactory(account=mine[0], period_start=today.replace(month=1, day=1))
    factories.ActionFactory(
        plan=plan, title="Visit the plant", due_date=today - dt.timedelta(days=3),
        status=ActionStatus.OPEN,
    )  # fmt: skip
    factories.ActionFactory(
        plan=plan, title="Joint roadmap workshop", family=ActionFamily.TECHNICAL_SUPPORT,
        due_date=today + dt.timedelta(days=30), status=ActionStatus.OPEN,
    )  # fmt: skip

    login(page, kam)

    # Scores: only the KAM's own accounts, sorted by revenue from the column header.
    page.get_by_role("link", name="Scores", exact=True).click()
    expect(page).to_have_url(re.compile(r"/portfolio/scores/$"))
    table = page.locator("table.score-list")
    expect(table).to_contain_text("Kira Customer 1")
    expect(table).not_to_contain_text("Olaf Customer")
    page.get_by_role("link", name=re.compile(r"^Revenue, last 12 months")).click()
    header = table.locator("th", has_text="Revenue, last 12 months")
    expect(header).to_have_attribute("aria-sort", re.compile(r"ascending|descending"))
    # revenue: Customer 2 100,000 < Customer 3 200,000 < Customer 1 300,000
    order = ["Kira Customer 2", "Kira Customer 3", "Kira Customer 1"]
    if header.get_attribute("aria-sort") == "descending":
        order.reverse()
    rows = table.locator("tbody tr")
    for position, name in enumerate(order):
        expect(rows.nth(position)).to_contain_text(name)
    page.get_by_label("Search").fill("Customer 3")
    page.get_by_role("button", name="Apply").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    screenshot(page, "kam-scores-filtered")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV", exact=True).click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    names = [row[rows[0].index("Account")] for row in rows[1:]]
    assert names == ["Kira Customer 3"]

    # Actions: the overdue one, and an Excel download of what the filter shows.
    page.get_by_role("link", name="Actions", exact=True).click()
    expect(page).to_have_url(re.compile(r"/plans/actions/$"))
    expect(page.locator("main")).to_contain_text("Joint roadmap workshop")
    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("main")).to_contain_text("Visit the plant")
    expect(page.locator("main")).not_to_contain_text("Joint roadmap workshop")
    screenshot(page, "kam-actions-overdue")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel", exact=True).click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(
        io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True
    ).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert any("Visit the plant" in row for row in values[1:])
    assert not any("Joint roadmap workshop" in row for row in values[1:])
