"""The three personas end to end in a real browser: the key account manager's day on an
account, the sales director's review of the portfolio, and operations reporting a broken promise
that reaches the KAM.

Each journey saves a screenshot per step in test-artifacts/personas/<journey>/NN-<step>.png and
fails on any console error (the `new_page` fixture), any failed request and any response of 400
or more (the `Network` watcher below): a page that renders but whose script, stylesheet or htmx
call broke is a broken page.
"""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Contact, Stage, StageChange
from plans.models import Action, Notification, PlanStatus
from plans.services.plans import plan_submit
from scoring import services as scoring_services
from scoring.models import Criterion, RunStatus, RunTrigger, ScoringRun
from tests import factories
from tests.e2e.conftest import login
from tests.e2e.scenarios import (
    add_graz_line_audit,
    big_buyers_and_small_shops,
    met_delivery_promise,
    plan_2026,
)

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "personas"


class Journey:
    """Numbered screenshots of one journey's steps, so a failure can be read step by step."""

    def __init__(self, name: str) -> None:
        self.directory = ARTIFACTS / name
        self.directory.mkdir(parents=True, exist_ok=True)
        for old in self.directory.glob("*.png"):  # a shorter rerun must not leave stale steps
            old.unlink()
        self.count = 0

    def step(self, page, name: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.directory / f"{self.count:02d}-{name}.png"), full_page=True)


class Network:
    """Every failed request and every response of 400 or more that a page saw, except the
    (method, path, status) triples a journey expects on purpose."""

    def __init__(self, expected: frozenset[tuple[str, str, int]] = frozenset()) -> None:
        self.expected = expected
        self.problems: list[str] = []

    def watch(self, page):
        page.on("requestfailed", self._on_failed)
        page.on("response", self._on_response)
        return page

    def _on_failed(self, request) -> None:
        self.problems.append(f"failed: {request.method} {request.url} ({request.failure})")

    def _on_response(self, response) -> None:
        request = response.request
        path = re.sub(r"^https?://[^/]+", "", response.url)
        if response.status >= 400 and (request.method, path, response.status) not in self.expected:
            self.problems.append(f"HTTP {response.status}: {request.method} {response.url}")

    def assert_clean(self) -> None:
        assert self.problems == [], "The browser saw failed requests:\n" + "\n".join(self.problems)


def test_key_account_manager_moves_the_stage_edits_the_plan_and_records_a_contact(new_page):
    journey, network = Journey("kam"), Network()
    kam = factories.KamFactory(username="karl-kam", first_name="Karl", last_name="Kam")
    account = factories.KeyAccountFactory(kam=kam, name="Acme Brakes GmbH")
    factories.KeyAccountFactory(kam=kam, name="Borealis Pumps AG")
    plan = plan_2026(kam, account)
    page = network.watch(new_page())

    login(page, kam)
    journey.step(page, "logged-in")

    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Accounts"
    ).click()
    expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()
    journey.step(page, "account-list")
    page.get_by_role("link", name="Acme Brakes GmbH").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acme Brakes GmbH")
    expect(page.get_by_test_id("stage")).to_have_text("Cooperative")
    journey.step(page, "account-page")

    page.get_by_text("Move the stage").click()
    stage_form = page.get_by_role("form", name="Move the relationship stage")
    stage_form.get_by_label("New stage").select_option(label="Interdependent")
    stage_form.get_by_label("Why").fill("Signed the three-year sole-supplier agreement")
    journey.step(page, "stage-form-filled")
    stage_form.get_by_role("button", name="Move stage").click()
    expect(page.get_by_role("status").first).to_have_text(
        "Stage moved from Cooperative to Interdependent."
    )
    expect(page.get_by_test_id("stage")).to_have_text("Interdependent")
    journey.step(page, "stage-moved")
    change = StageChange.objects.get(account=account, to_stage=Stage.INTERDEPENDENT)
    assert (change.from_stage, change.changed_by) == (Stage.COOPERATIVE, kam)
    assert change.reason == "Signed the three-year sole-supplier agreement"

    page.get_by_role("link", name="Open the plan").click()
    expect(page.get_by_role("heading", name=plan.title)).to_be_visible()
    needs = page.get_by_role("region", name="Customer needs and success factors", exact=True)
    needs.get_by_role("textbox").fill("Zero line stoppages; certified quality")
    needs.get_by_role("button", name="Save").click()
    expect(needs.get_by_role("status")).to_have_text("Saved: plan version 2.")
    journey.step(page, "plan-section-saved")

    actions = page.get_by_role("region", name="Relationship-building actions")
    add_graz_line_audit(actions)
    expect(actions.get_by_role("row", name="Line audit at the Graz plant")).to_contain_text(
        "Karl Kam"
    )
    journey.step(page, "action-added")
    assert Action.objects.filter(plan=plan, title="Line audit at the Graz plant").exists()

    page.goto(f"/accounts/{account.pk}/")
    page.get_by_role("link", name="Add a contact").click()
    contact_form = page.get_by_role("form", name="Add a contact")
    contact_form.get_by_label("Name").fill("Greta Huber")
    contact_form.get_by_label("Title").fill("Head of Purchasing")
    contact_form.get_by_label("Buying role").select_option(label="Decision maker")
    contact_form.get_by_label("Influence (1-5)").select_option("5")
    contact_form.get_by_label("Our relationship owner").select_option(label="Karl Kam")
    journey.step(page, "contact-form-filled")
    contact_form.get_by_role("button", name="Add contact").click()
    expect(page.get_by_role("status").first).to_have_text(
        "Greta Huber added to the decision-making unit."
    )
    contacts = page.get_by_role("region", name="Decision-making unit")
    greta = contacts.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Greta Huber", exact=True)
    )
    expect(greta).to_contain_text("Head of Purchasing")
    journey.step(page, "contact-recorded")
    assert Contact.objects.get(account=account, name="Greta Huber").relationship_owner == kam

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_label("Username")).to_be_visible()
    journey.step(page, "logged-out")
    network.assert_clean()


def test_sales_director_reviews_the_portfolio_recomputes_and_approves_a_plan(new_page):
    journey, network = Journey("director"), Network()
    director = factories.DirectorFactory(username="dana-director")
    kam = factories.KamFactory(username="karl-kam", first_name="Karl", last_name="Kam")
    big, small = big_buyers_and_small_shops(kam)
    first_run = scoring_services.run_recompute(
        run=scoring_services.run_request(trigger=RunTrigger.COMMAND, as_of=timezone.localdate())
    )
    plan = plan_2026(kam, big[0])
    plan_submit(plan=plan, actor=kam)
    page = network.watch(new_page())

    login(page, director)
    expect(page).to_have_url(re.compile(r"/portfolio/$"))
    expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()
    charts = page.locator("canvas[data-chart]")
    expect(charts.first).to_be_visible()
    chart_count = charts.count()
    assert chart_count > 0
    expect(page.locator("canvas[data-chart][data-drawn='true']")).to_have_count(chart_count)
    expect(page.get_by_test_id("key-count")).to_have_text("2")
    journey.step(page, "dashboard")

    matrix = page.get_by_role("region", name="Portfolio matrix")
    expect(matrix.locator("canvas#chart-matrix[data-drawn='true']")).to_be_visible()
    matrix.get_by_text("Data table").click()
    table = matrix.get_by_test_id("matrix-table")
    expect(table.get_by_role("row")).to_have_count(1 + len(big + small))
    journey.step(page, "matrix-table")
    table.get_by_role("link", name="Big Buyer 2").click()
    expect(page).to_have_url(re.compile(rf"/accounts/{big[1].pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Big Buyer 2")
    journey.step(page, "account-from-the-matrix")

    page.goto("/portfolio/workbench/")
    preview = page.get_by_test_id("preview-result")
    expect(preview).to_have_attribute("data-entering", "0")  # the preview drawn on load
    entering = page.get_by_test_id("preview-entering")
    expect(entering).not_to_contain_text("Small Shop 4")
    journey.step(page, "workbench")
    strategic = Criterion.objects.get(key="strategic_value")
    weight = page.get_by_label(strategic.label)
    with page.expect_response(re.compile(r"/portfolio/workbench/preview/")) as answered:
        weight.fill("1000")
    assert answered.value.ok
    expect(entering).to_contain_text("Small Shop 4")
    expect(preview).to_have_attribute("data-entering", "1")
    # Leaving the field fires htmx's "change" trigger: wait for that preview too, so no
    # request is still in flight (and cancelled) when the page is left.
    with page.expect_response(re.compile(r"/portfolio/workbench/preview/")):
        weight.press("Tab")
    expect(preview).to_have_attribute("data-entering", "1")
    journey.step(page, "workbench-preview-changed")
    assert Criterion.objects.get(pk=strategic.pk).weight == Decimal("10.00")  # a what-if only

    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Scoring runs"
    ).click()
    expect(page.get_by_role("heading", name="Scoring runs")).to_be_visible()
    journey.step(page, "scoring-runs")
    page.get_by_role("button", name="Recompute now").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Scoring run \d+$"))).to_be_visible()
    progress = page.locator("#run-progress")
    expect(progress.get_by_test_id("run-status")).to_have_text("Succeeded")
    expect(progress.get_by_role("progressbar", name="Run progress")).to_have_attribute(
        "aria-valuenow", "100"
    )
    expect(progress).not_to_have_attribute("hx-trigger", re.compile("every"))  # polling over
    journey.step(page, "recompute-finished")
    run = ScoringRun.objects.exclude(pk=first_run.pk).get()
    assert (run.status, run.trigger, run.started_by) == (RunStatus.SUCCEEDED, "manual", director)
    assert page.url.endswith(f"/scoring/runs/{run.pk}/")

    page.goto(f"/accounts/{big[0].pk}/")
    current = page.get_by_test_id("current-plan")
    expect(current.get_by_test_id("plan-status")).to_have_text("Submitted")
    current.get_by_role("link", name="Open the plan").click()
    expect(page.get_by_role("heading", name=plan.title)).to_be_visible()
    journey.step(page, "submitted-plan")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status").first).to_have_text("Plan approved.")
    expect(page.get_by_test_id("plan-status").first).to_have_text("Approved")
    journey.step(page, "plan-approved")
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by) == (PlanStatus.APPROVED, director)
    network.assert_clean()


def test_operations_breach_reaches_the_kam_as_a_notification(new_page):
    journey, network = Journey("operations"), Network()
    today = timezone.localdate()
    promise = met_delivery_promise(today)
    operations, kam = promise.operations, promise.kam
    commitment, previous_end = promise.commitment, promise.previous_end
    assert not Notification.objects.filter(recipient=kam).exists()

    ops_page = network.watch(new_page())
    login(ops_page, operations)
    journey.step(ops_page, "logged-in")
    ops_page.goto("/plans/commitments/")
    row = ops_page.locator(f"#commitment-{commitment.pk}")
    expect(row).to_have_attribute("data-status", "met")
    journey.step(ops_page, "board")
    row.get_by_role("link", name="Record a measurement of").click()
    form = row.get_by_role("form", name="Record a measurement of")
    expect(form).to_be_visible()
    start, end = previous_end + dt.timedelta(days=1), today - dt.timedelta(days=1)
    # 95.2% is below the 98% promise by more than the 1-point at-risk margin: breached.
    form.get_by_label("Value (%)").fill("95.2")
    form.get_by_label("Period start").fill(start.isoformat())
    form.get_by_label("Period end").fill(end.isoformat())
    form.get_by_label("Note").fill("Port strike: 14 late deliveries")
    journey.step(ops_page, "measurement-form-filled")
    form.get_by_role("button", name="Save measurement").click()
    expect(row).to_have_attribute("data-status", "breached")
    expect(row.get_by_test_id("status")).to_have_text("Breached")
    expect(row.get_by_role("status")).to_have_text("Recorded; Breached.")
    journey.step(ops_page, "board-shows-the-breach")

    kam_page = network.watch(new_page())
    login(kam_page, kam)
    badge = kam_page.get_by_role("navigation", name="Main navigation").get_by_test_id(
        "unread-count"
    )
    expect(badge).to_have_text("1 unread")
    journey.step(kam_page, "kam-sees-the-unread-badge")
    kam_page.get_by_test_id("notifications-link").click()
    expect(kam_page.get_by_role("heading", name="Notifications")).to_be_visible()
    notification = kam_page.get_by_test_id("notification")
    expect(notification).to_have_count(1)
    expect(notification.get_by_role("heading")).to_have_text(
        "Unread: Acme Brakes GmbH: “On-time delivery of at least 98%” is breached"
    )
    journey.step(kam_page, "kam-reads-the-notification")
    network.assert_clean()
