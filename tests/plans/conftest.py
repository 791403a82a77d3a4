import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from plans.models import ActionFamily
from plans.services import items
from tests import factories


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def line_audit(plan, kam):
    """A technical-support action on the test module's own `plan`, owned by its KAM; version 1.

    Due on 30 June 2026, the date `action_data` in test_plan_pages posts, so a stale edit there
    differs from it in the title only.
    """
    return items.action_create(
        plan=plan,
        actor=kam,
        family=ActionFamily.TECHNICAL_SUPPORT,
        title="Line audit",
        owner=kam,
        due_date=dt.date(2026, 6, 30),
    )


@pytest.fixture
def team(operations):
    """The responsible team; the operations user is on it."""
    team = factories.ServiceTeamFactory(name="Logistics")
    team.members.add(operations)
    return team


@pytest.fixture
def commitment(key_account, team):
    """On-time delivery >= 98 % with a 1-point warning margin, measured monthly."""
    return factories.CommitmentFactory(
        account=key_account,
        responsible_team=team,
        target_value=Decimal("98"),
        at_risk_margin=Decimal("1"),
        cadence_days=30,
    )


def last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """A period that ended yesterday and lasted 30 days, so its next one is not yet due."""
    end = today - dt.timedelta(days=1)
    return end - dt.timedelta(days=29), end
