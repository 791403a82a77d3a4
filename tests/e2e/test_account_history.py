"""The account page's History section, as the browser gets it: the newest changes load when
the section scrolls into view (the page itself does not wait for them)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Stage
from accounts.services import account_change_stage
from tests import factories
from tests.e2e.conftest import login

pytestmark = pytest.mark.e2e


def test_the_history_loads_when_the_kam_scrolls_to_it(page):
    kam = factories.KamFactory()
    account = factories.KeyAccountFactory(kam=kam)
    account_change_stage(
        account=account, to_stage=Stage.INTERDEPENDENT, reason="Signed 3-year deal", actor=kam
    )
    login(page, kam)

    page.goto(reverse("accounts:detail", args=[account.pk]))
    history = page.locator("#history")
    history.scroll_into_view_if_needed()

    latest = page.get_by_test_id("history-latest")
    expect(latest.get_by_role("table")).to_be_visible()
    expect(latest).to_contain_text("Stage: Cooperative → Interdependent")
    expect(latest).to_contain_text("Signed 3-year deal")
    expect(history.get_by_role("link", name="The whole history")).to_be_visible()
