"""The director's approval queue in a real browser: a KAM edits an approved plan (it becomes
revised) and submits the revision; the director finds it from the dashboard in the plans list,
opens what changed since the approved version, approves with a comment; the KAM reads it."""

import pytest
from playwright.sync_api import expect

from plans.models import Plan, PlanStatus
from plans.services import plans as plans_services
from tests import factories
from tests.e2e.conftest import login, screenshot
from tests.e2e.scenarios import plan_2026

pytestmark = pytest.mark.e2e

NEEDS = "Customer needs and success factors"


def test_a_revised_plan_goes_through_the_queue_and_the_kam_reads_the_comment(new_page):
    kam = factories.KamFactory(username="karl-kam", first_name="Karl", last_name="Kam")
    director = factories.DirectorFactory(
        username="diana-director", first_name="Diana", last_name="Director"
    )
    plan = plan_2026(kam, factories.KeyAccountFactory(kam=kam, name="Acme Brakes GmbH"))
    plans_services.plan_submit(plan=plan, actor=kam)
    plans_services.plan_approve(plan=plan, actor=director)
    approved = Plan.objects.get(pk=plan.pk).approved_version.number

    # The KAM edits the approved plan: it becomes revised; they submit the revision.
    mine = new_page()
    login(mine, kam)
    mine.goto(f"/plans/{plan.pk}/")
    needs = mine.get_by_role("region", name=NEEDS, exact=True)
    needs.get_by_role("textbox").fill("Zero line stoppages; deliveries within 24 hours")
    needs.get_by_role("button", name="Save").click()
    expect(needs.get_by_role("status")).to_contain_text("Saved: plan version")
    mine.reload()
    expect(mine.get_by_test_id("plan-status").first).to_have_text("Revised: needs re-approval")
    mine.get_by_role("button", name="Submit the revised plan for approval").click()
    expect(mine.get_by_test_id("plan-status").first).to_have_text("Submitted")

    # The director: the dashboard's tile, then the plans list waiting for approval.
    theirs = new_page()
    login(theirs, director)
    theirs.goto("/portfolio/")
    tile = theirs.get_by_test_id("plans-waiting")
    expect(tile.get_by_test_id("plans-waiting-count")).to_have_text("1")
    tile.get_by_role("link", name="Decide in the plans list").click()
    expect(theirs.get_by_role("heading", name="Plans")).to_be_visible()
    row = theirs.get_by_test_id("plan-row").filter(has_text="Acme Brakes GmbH")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("plan-status")).to_have_text("Submitted")
    expect(row.get_by_test_id("waiting")).to_contain_text("0 days waiting")
    screenshot(theirs, "director-approval-queue")

    # What changed since the approved version, and the decision right there.
    row.get_by_role("link", name=f"Changes since approved version {approved}").click()
    expect(theirs.get_by_role("heading", name=f"Version {approved} against")).to_be_visible()
    changed = theirs.locator("section.compare-changed", has_text=NEEDS)
    expect(changed).to_contain_text("deliveries within 24 hours")
    decide = theirs.get_by_role("form", name=f"Decide on {plan.title}")
    decide.get_by_label("Comment for the KAM").fill("Good: keep the 24 hours promise measured.")
    decide.get_by_role("button", name="Approve").click()
    expect(theirs.get_by_role("status").first).to_have_text("Plan approved.")
    expect(theirs.get_by_test_id("plan-status").first).to_have_text("Approved")
    screenshot(theirs, "director-approved-from-the-diff")

    # The KAM reads the comment on the plan.
    mine.reload()
    expect(mine.get_by_test_id("plan-status").first).to_have_text("Approved")
    expect(mine.get_by_test_id("approval-comment")).to_have_text(
        "Good: keep the 24 hours promise measured."
    )
    expect(mine.locator("#versions")).to_contain_text("Good: keep the 24 hours promise measured.")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert plan.approved_version.comment == "Good: keep the 24 hours promise measured."


def test_the_plans_list_fits_a_phone(page):
    director = factories.DirectorFactory(username="diana-director")
    kam = factories.KamFactory(username="karl-kam")
    for name in ("Acme Brakes GmbH", "Borealis Logistics AG"):
        plan = plan_2026(kam, factories.KeyAccountFactory(kam=kam, name=name))
        plans_services.plan_submit(plan=plan, actor=kam)

    page.set_viewport_size({"width": 375, "height": 812})
    login(page, director)
    page.goto("/plans/?waiting=on")

    expect(page.get_by_role("heading", name="Plans")).to_be_visible()
    expect(page.get_by_role("button", name="Apply")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # The table scrolls inside its own container: its Approve buttons are reachable.
    first = page.get_by_test_id("plan-row").first
    first.get_by_role("button", name="Approve").scroll_into_view_if_needed()
    expect(first.get_by_role("button", name="Approve")).to_be_visible()
    screenshot(page, "plans-list-375px")
