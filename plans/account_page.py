"""What plans adds to the account page: the account's plans (and the one it is run by, with
its open and overdue actions) and its active service commitments; and the new-plan form.
Registered in `PlansConfig.ready`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from accounts.selectors.accounts import AccountPage
from plans.forms import PlanCreateForm
from plans.models import Commitment, Plan
from plans.selectors.plans import (
    ActionCounts,
    current_plan,
    new_plan_defaults,
    open_action_counts,
)


def load_section(page: AccountPage) -> None:
    """The commitments and the plans, as the page's flags allow (a query each, and one for the
    action counts)."""
    account, today = page.account, page.today or dt.date.today()
    if page.include_commitments:
        page.commitments = list(
            # a group's page shows the commitments of all its members too
            Commitment.objects.filter(account_id__in=page.subtree_ids, active=True)
            .select_related("responsible_team", "account")
            .order_by("category", "pk")
        )
    page.action_counts = ActionCounts(0, 0)
    if page.include_plans:
        page.plans = list(Plan.objects.filter(account=account).order_by("-period_start", "-pk"))
        for plan in page.plans:
            plan.account = account  # the page's permission questions need no query for it
        page.current_plan = current_plan(page.plans, today)
        page.action_counts = open_action_counts(page.current_plan, today)


def page_forms(
    page: AccountPage, *, shows: dict[str, bool], can: dict[str, bool], today: dt.date
) -> dict[str, Any]:
    """The new-plan form, on a key account without a current plan, for who may plan it."""
    account = page.account
    if can["change_plan"] and shows["plans"] and page.current_plan is None and account.is_key:
        initial = new_plan_defaults(account, today)
        return {"plan_form": PlanCreateForm(initial=initial, auto_id="id_plan_%s")}
    return {}
