"""A key account with a full plan for the review pack tests: sections, objectives (one of
them on net profit), a solution, actions done and due, a measured commitment, contacts with
attitudes, a scored run and three years of quarterly snapshots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import Attitude, BuyingRole
from plans.models import ActionStatus, ObjectiveMetric, SectionKind, Solution
from plans.services.plans import write_version
from scoring.models import MetricSnapshot
from tests import factories
from tests.portfolio.builders import make_run, score

TODAY = dt.date(2026, 6, 1)
# Values that only the internal pack may carry, spelled as the pack formats them.
COST_TO_SERVE = "123,456.00 EUR"
NET_PROFIT = "765,432.00 EUR"
SECRET_SECTION = "Our secret weakness: the Leipzig plant runs at 96 % capacity."
PERCEPTION = "They think we are expensive but reliable."


def build(kam):
    account = factories.KeyAccountFactory(kam=kam, name="Brandt Maschinenbau")
    plan = factories.PlanFactory(account=account, title="Brandt plan 2026")
    factories.PlanSectionFactory(
        plan=plan, kind=SectionKind.POSITION, body="Brandt buys on total cost of ownership."
    )
    factories.PlanSectionFactory(plan=plan, kind=SectionKind.WEAKNESSES, body=SECRET_SECTION)
    factories.PlanSectionFactory(plan=plan, kind=SectionKind.PERCEPTION, body=PERCEPTION)
    factories.ObjectiveFactory(
        plan=plan, metric=ObjectiveMetric.REVENUE, description="Grow the spindle business"
    )
    factories.ObjectiveFactory(
        plan=plan,
        metric=ObjectiveMetric.PROFIT,
        target_value=Decimal("900000"),
        description="Profit objective X",
    )
    Solution.objects.create(
        plan=plan,
        title="Vendor-managed inventory",
        value_measure="stock-outs down to zero",
        value_amount=Decimal("250000"),
    )
    factories.ActionFactory(
        plan=plan, title="Quarterly review with the COO", due_date=dt.date(2026, 7, 15)
    )
    factories.ActionFactory(
        plan=plan,
        title="Plant visit done",
        status=ActionStatus.DONE,
        completed_at=timezone.now(),
        due_date=dt.date(2026, 3, 1),
    )
    commitment = factories.CommitmentFactory(account=account, plan=plan)
    factories.MeasurementFactory(
        commitment=commitment,
        value=Decimal("97.500"),
        period_start=dt.date(2026, 4, 1),
        period_end=dt.date(2026, 4, 30),
    )
    factories.ContactFactory(
        account=account,
        name="Dr. Ines Brandt",
        buying_role=BuyingRole.DECISION_MAKER,
        influence=5,
        attitude=Attitude.DETRACTOR,
    )
    run = make_run(as_of=dt.date(2026, 5, 31))
    row = score(
        run,
        account,
        rank=1,
        revenue="2000000",
        cost_to_serve="123456",
        net_profit="765432",
        attractiveness="81.5",
        relative_strength="64.25",
    )
    row.save()
    for quarter in range(12):
        year, q = 2023 + quarter // 4, quarter % 4
        MetricSnapshot.objects.create(
            account=account,
            period_start=dt.date(year, q * 3 + 1, 1),
            run=run,
            revenue=Decimal(400000 + quarter * 10000),
            cost_to_serve=Decimal(30000),
            net_profit=Decimal(150000 + quarter * 1000),
            satisfaction=Decimal(70 + quarter),
            share_of_wallet_pct=Decimal("31.5"),
        )
    write_version(plan, actor=kam, note="Started")
    return plan, run
