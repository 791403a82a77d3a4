"""In Chromium, on a 375 px phone: an engineer on an account's team opens "My actions", ticks an
overdue action done in place (htmx swaps the row, no page load), and the page never scrolls
sideways; at 1366 px the same page fits too."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import FunctionalRole
from plans.models import Action, ActionStatus, PlanStatus
from tests import factories
from tests.e2e.conftest import login, screenshot

pytestmark = pytest.mark.e2e

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_an_engineer_ticks_an_action_done_on_a_phone(page):
    today = timezone.localdate()
    kam = factories.KamFactory(username="kam-e2e")
    engineer = factories.UserFactory(username="engineer-e2e", first_name="Erik")
    account = factories.KeyAccountFactory(kam=kam, name="Borealis Werkzeugbau GmbH & Co. KG")
    factories.TeamMembershipFactory(
        account=account, user=engineer, functional_role=FunctionalRole.ENGINEERING
    )
    plan = factories.PlanFactory(account=account, status=PlanStatus.APPROVED)
    late = factories.ActionFactory(
        plan=plan,
        owner=engineer,
        title="Audit the second press line with their maintenance lead",
        due_date=today - dt.timedelta(days=3),
    )
    factories.ActionFactory(plan=plan, owner=engineer, title="Train the night shift")

    page.set_viewport_size({"width": 375, "height": 812})
    login(page, engineer)
    page.goto("/plans/actions/mine/")
    page.get_by_role("heading", name="My actions").wait_for()
    row = page.locator(f"#my-action-{late.pk}")
    assert "overdue" in row.inner_text()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, "my-actions-375-before")

    page.evaluate("window.kamNoReload = true")  # survives only if nothing reloads the page
    page.get_by_label("Done: Audit the second press line with their maintenance lead").check()
    page.locator(f"#my-action-{late.pk} [role=status]").wait_for()

    assert "Done." in page.locator(f"#my-action-{late.pk} [role=status]").inner_text()
    assert page.evaluate("window.kamNoReload === true")
    assert page.get_by_label(
        "Done: Audit the second press line with their maintenance lead"
    ).is_checked()
    assert Action.objects.get(pk=late.pk).status == ActionStatus.DONE
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    screenshot(page, "my-actions-375-after")

    page.set_viewport_size({"width": 1366, "height": 800})
    page.reload()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
