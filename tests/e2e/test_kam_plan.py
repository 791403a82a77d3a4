"""The KAM's plan in a real browser: in-place edits that survive a reload, two people on one
section (the second gets the conflict view with their text intact), operations refused."""

import pytest
from playwright.sync_api import expect

from plans.models import Action, PlanSection
from plans.services import plans as plans_services
from tests import factories
from tests.e2e.conftest import login, screenshot
from tests.e2e.scenarios import add_graz_line_audit, plan_2026

pytestmark = pytest.mark.e2e


def make_plan(kam, **account_fields):
    return plan_2026(kam, factories.KeyAccountFactory(kam=kam, **account_fields))


def section(page, label):
    return page.get_by_role("region", name=label, exact=True)


def test_kam_edits_a_section_and_adds_an_action_then_sees_both_after_a_reload(page):
    kam = factories.KamFactory(username="karl-kam", first_name="Karl", last_name="Kam")
    plan = make_plan(kam, name="Acme Brakes GmbH")

    login(page, kam)
    page.goto(f"/accounts/{plan.account_id}/")
    page.get_by_role("link", name="Open the plan").click()
    expect(page.get_by_role("heading", name=plan.title)).to_be_visible()

    # Typed but not saved in one section...
    threats = section(page, "SWOT: threats")
    threats.get_by_role("textbox").fill("Polaris undercuts us by 8%")
    # ...while another one saves in place.
    needs = section(page, "Customer needs and success factors")
    needs.get_by_role("textbox").fill("Zero line stoppages; certified quality")
    needs.get_by_role("button", name="Save").click()
    expect(needs.get_by_role("status")).to_have_text("Saved: plan version 2.")
    expect(threats.get_by_role("textbox")).to_have_value("Polaris undercuts us by 8%")
    screenshot(page, "kam-saved-a-section-in-place")

    actions = page.get_by_role("region", name="Relationship-building actions")
    add_graz_line_audit(actions)
    expect(threats.get_by_role("textbox")).to_have_value("Polaris undercuts us by 8%")

    page.reload()

    needs = section(page, "Customer needs and success factors")
    expect(needs.get_by_role("textbox")).to_have_value("Zero line stoppages; certified quality")
    expect(
        page.get_by_role("region", name="Relationship-building actions").get_by_role(
            "row", name="Line audit at the Graz plant"
        )
    ).to_contain_text("Karl Kam")
    screenshot(page, "kam-plan-after-reload")
    assert Action.objects.filter(plan=plan, title="Line audit at the Graz plant").exists()


def test_two_people_on_one_section_the_second_gets_the_conflict_with_their_text(new_page):
    kam = factories.KamFactory(username="karl-kam", first_name="Karl", last_name="Kam")
    plan = make_plan(kam, name="Acme Brakes GmbH")
    colleague = factories.KamFactory(username="tina-team", first_name="Tina", last_name="Team")
    factories.TeamMembershipFactory(account=plan.account, user=colleague)
    plans_services.plan_section_save(
        plan=plan, kind="competition", body="Polaris holds 47%.", expected_version=1, actor=kam
    )

    first, second = new_page(), new_page()
    login(first, kam)
    login(second, colleague)
    for person in (first, second):
        person.goto(f"/plans/{plan.pk}/")
        expect(section(person, "Competitive environment").get_by_role("textbox")).to_have_value(
            "Polaris holds 47%."
        )

    mine = section(first, "Competitive environment")
    mine.get_by_role("textbox").fill("Polaris holds 47%.\nNordFast is second source.")
    mine.get_by_role("button", name="Save").click()
    # Karl's save follows his own of a moment ago: it folds into plan version 2.
    expect(mine.get_by_role("status")).to_have_text("Saved: plan version 2.")

    theirs = section(second, "Competitive environment")
    theirs.get_by_role("textbox").fill("Polaris holds 52% since the spring.")
    theirs.get_by_role("button", name="Save").click()

    expect(theirs.get_by_test_id("conflict")).to_be_visible()
    expect(theirs.get_by_label("Your text (not saved yet)")).to_have_value(
        "Polaris holds 52% since the spring."
    )
    expect(theirs.get_by_test_id("current-text")).to_contain_text("NordFast is second source.")
    expect(theirs.locator("mark.diff-mine").first).to_be_visible()
    screenshot(second, "second-editor-sees-the-conflict")
    stored = PlanSection.objects.get(plan=plan, kind="competition")
    assert stored.body == "Polaris holds 47%.\nNordFast is second source."

    # They merge by editing their text and save it over the current version.
    theirs.get_by_label("Your text (not saved yet)").fill(
        "Polaris holds 52% since the spring.\nNordFast is second source."
    )
    theirs.get_by_role("button", name="Save my text over the current one").click()
    expect(theirs.get_by_role("status")).to_have_text("Saved: plan version 3.")
    stored.refresh_from_db()
    assert stored.body == "Polaris holds 52% since the spring.\nNordFast is second source."


def test_operations_is_refused_the_plan(page):
    kam = factories.KamFactory(username="karl-kam")
    plan = make_plan(kam, name="Acme Brakes GmbH")
    plans_services.plan_section_save(
        plan=plan, kind="position", body="Confidential strategy", expected_version=1, actor=kam
    )
    operations = factories.OperationsFactory(username="olga-ops")

    login(page, operations)
    page.goto(f"/accounts/{plan.account_id}/")
    expect(page.get_by_role("heading", name="Acme Brakes GmbH")).to_be_visible()
    expect(page.get_by_role("region", name="Plans")).to_have_count(0)
    expect(page.get_by_role("link", name="Open the plan")).to_have_count(0)

    # With the browser's own session (a navigation to the 404 would log a console error,
    # which the fixture rightly counts as a failure).
    response = page.request.get(f"/plans/{plan.pk}/")
    assert response.status == 404
    assert "Confidential strategy" not in response.text()
    assert page.request.get(f"/plans/{plan.pk}/print/").status == 404
    screenshot(page, "operations-sees-no-plan")
