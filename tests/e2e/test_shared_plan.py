"""The plan shared with the customer in a real browser: the contact opens the personal link
(no login), reads only what was shared, acknowledges and comments; the page asks nothing of any
other host, breaks no CSP rule (console errors fail the test) and fits a phone."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from plans.models import Notification, SectionKind
from plans.services import sharing
from tests import factories
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e


def test_customer_reads_and_answers_the_shared_plan_and_the_kam_is_notified(new_page):
    kam = factories.KamFactory(username="sina-share", first_name="Sina", last_name="Share")
    account = factories.KeyAccountFactory(kam=kam, name="Okafor Valves")
    plan = factories.PlanFactory(account=account, title="Okafor plan")
    factories.PlanSectionFactory(plan=plan, kind=SectionKind.POSITION, body="Okafor grows in LNG")
    factories.PlanSectionFactory(plan=plan, kind=SectionKind.WEAKNESSES, body="Not for them")
    action = factories.ActionFactory(plan=plan, title="Joint LNG valve trial")
    contact = factories.ContactFactory(account=account, name="Ada Okafor")
    _, raw = sharing.share_create(
        plan=plan,
        contact=contact,
        actor=kam,
        sections=[SectionKind.POSITION],
        action_ids=[action.pk],
    )

    customer = new_page()
    customer.set_viewport_size({"width": 375, "height": 800})
    hosts = set()
    customer.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
    customer.goto(f"/shared/{raw}/")
    expect(customer.get_by_role("heading", name="Okafor Valves: Okafor plan")).to_be_visible()
    expect(customer.get_by_text("Okafor grows in LNG")).to_be_visible()
    expect(customer.get_by_text("Not for them")).to_have_count(0)
    expect(customer.get_by_role("navigation")).to_have_count(0)
    assert customer.evaluate("document.documentElement.scrollWidth") <= 375

    customer.get_by_role("form", name="Acknowledge Joint LNG valve trial").get_by_role(
        "button", name="Acknowledge"
    ).click()
    expect(customer.get_by_text("You acknowledged this action.")).to_be_visible()
    form = customer.get_by_role("form", name="Comment on Joint LNG valve trial")
    form.get_by_label("Your comment").fill("Week 12 works <b>for us</b>")
    form.get_by_role("button", name="Send the comment").click()
    expect(customer.get_by_text("Week 12 works <b>for us</b>")).to_be_visible()
    screenshot(customer, "shared-plan-phone")
    origin = urlparse(customer.url).netloc
    assert hosts == {origin}, hosts

    assert Notification.objects.filter(recipient=kam).count() == 2
    office = new_page()
    login(office, kam)
    office.goto(f"/plans/{plan.pk}/shares/")
    expect(office.get_by_text("Week 12 works <b>for us</b>")).to_be_visible()
    expect(office.get_by_role("row").filter(has_text="Ada Okafor")).to_contain_text("1, last")
