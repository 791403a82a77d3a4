"""On a phone (375 px): a KAM rates every criterion at once and records a visit with the DMU;
on the workbench a director sees the weights' total and shares follow what they type."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Activity, Contact, Interaction
from scoring.models import Criterion, CriterionKind, Rating
from tests import factories
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e

PHONE = {"width": 375, "height": 812}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_kam_rates_and_records_a_visit_on_a_phone(page):
    kam = factories.KamFactory(username="rita-kam")
    account = factories.KeyAccountFactory(kam=kam, name="Phone Customer")
    petra = factories.ContactFactory(account=account, name="Petra Purchasing")
    visit = factories.ActivityTypeFactory(code="sales-visit", name="Sales visit")
    page.set_viewport_size(PHONE)
    login(page, kam)

    page.goto(f"/accounts/{account.pk}/ratings/")
    assert fits(page)
    criteria = list(Criterion.objects.filter(kind=CriterionKind.RATED, active=True))
    for criterion in criteria:
        group = page.get_by_role("group", name=criterion.label)
        expect(group).to_contain_text(f"1 = {criterion.anchor_low}")
        group.get_by_label("4", exact=True).check()
    screenshot(page, "ratings-phone")
    page.get_by_role("button", name="Save the ratings").click()
    expect(page.get_by_role("status").first).to_contain_text(f"{len(criteria)} ratings saved")
    assert set(Rating.objects.values_list("value", flat=True)) == {4}
    assert Rating.objects.count() == len(criteria)

    page.goto(f"/accounts/{account.pk}/interactions/")
    assert fits(page)
    page.get_by_label("Type").select_option("visit")
    page.get_by_label("Subject").fill("Plant visit")
    page.get_by_label("Petra Purchasing").check()
    page.get_by_label("Cost-to-serve activity").select_option(str(visit.pk))
    page.get_by_role("button", name="Save the interaction").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Plant visit")
    assert fits(page)
    screenshot(page, "interactions-phone")
    interaction = Interaction.objects.get()
    assert list(interaction.our_people.all()) == [kam]  # the KAM is proposed as taking part
    assert Contact.objects.get(pk=petra.pk).last_contact_on == timezone.localdate()
    assert Activity.objects.get().activity_type == visit

    page.goto(f"/accounts/{account.pk}/")
    expect(page.locator("#interactions")).to_contain_text("Plant visit")


def test_the_weights_total_and_shares_follow_the_typing(page):
    director = factories.DirectorFactory(username="dora-director")
    page.set_viewport_size(PHONE)
    login(page, director)

    page.goto("/portfolio/workbench/")
    expect(page.get_by_test_id("weights-total")).to_have_text("100.00")
    revenue = Criterion.objects.get(key="revenue")
    page.get_by_label(revenue.label).fill("115")

    expect(page.get_by_test_id("weights-total")).to_have_text("200.00")
    expect(page.locator(f'[data-share-for="id_weight_{revenue.pk}"]')).to_have_text("57.5 %")
    assert Criterion.objects.get(pk=revenue.pk).weight == Decimal(15)  # nothing saved yet
