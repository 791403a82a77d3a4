"""Operations record a measurement on the board that breaches a promise; the KAM sees it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans import services
from plans.models import CommitmentStatus, Measurement
from tests import factories
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_operations_breach_on_the_board_shows_on_the_kams_account_page(new_page):
    today = timezone.localdate()
    operations = factories.OperationsFactory(username="olga-ops")
    kam = factories.KamFactory(username="karl-kam")
    team = factories.ServiceTeamFactory(name="Logistics")
    team.members.add(operations)
    account = factories.KeyAccountFactory(kam=kam, name="Acme Brakes GmbH")
    commitment = factories.CommitmentFactory(
        account=account,
        responsible_team=team,
        promise="On-time delivery of at least 98%",
        target_value=Decimal("98"),
        at_risk_margin=Decimal("1"),
        cadence_days=30,
    )
    previous_end = today - dt.timedelta(days=15)  # measured a fortnight ago: not yet late
    Measurement.objects.create(
        commitment=commitment,
        value=Decimal("99.4"),
        period_start=previous_end - dt.timedelta(days=13),
        period_end=previous_end,
    )
    services.commitments_evaluate()
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.MET

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
