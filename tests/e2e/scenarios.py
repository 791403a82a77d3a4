"""Data and steps the browser journeys share."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Account, User
from plans.models import Commitment, CommitmentStatus, Measurement
from plans.services import commitments
from tests import factories


@dataclass(frozen=True)
class MetPromise:
    operations: User
    kam: User
    account: Account
    commitment: Commitment
    previous_end: dt.date  # the end of the last measured period


def met_delivery_promise(today: dt.date) -> MetPromise:
    """Olga of operations (Logistics team) and Karl, KAM of Acme Brakes GmbH, whose promise of
    at least 98% on-time delivery (margin 1, every 30 days) was met a fortnight ago: 99.4%."""
    operations = factories.OperationsFactory(username="olga-ops")
    kam = factories.KamFactory(username="karl-kam")
    team = factories.ServiceTeamFactory(name="Logistics")
    team.members.add(operations)
    account = factories.KeyAccountFactory(kam=kam, name="Acme Brakes GmbH")
    commitment = factories.CommitmentFactory(
        account=account,
        responsible_team=team,
        promise="On-time delivery of at least 98%",
        target_value=Decimal("98"),
        at_risk_margin=Decimal("1"),
        cadence_days=30,
    )
    previous_end = today - dt.timedelta(days=15)  # measured a fortnight ago: not yet late
    Measurement.objects.create(
        commitment=commitment,
        value=Decimal("99.4"),
        period_start=previous_end - dt.timedelta(days=13),
        period_end=previous_end,
    )
    commitments.commitments_evaluate()
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.MET
    return MetPromise(operations, kam, account, commitment, previous_end)


def plan_2026(kam: User, account: Account):
    """The KAM's plan for the account over 2026, not due for review (30 June 2099)."""
    return factories.started_plan(
        account, kam, title=f"{account.name}: plan 2026", review_date=dt.date(2099, 6, 30)
    )


def add_graz_line_audit(actions) -> None:
    """In the plan's actions region, add the technical-support action "Line audit at the Graz
    plant", owned by Karl Kam and due 30 September 2026, and see it confirmed."""
    actions.get_by_text("Add an action").click()
    form = actions.get_by_role("form", name="Add an action")
    form.get_by_label("Family").select_option(label="Technical support")
    form.get_by_label("Title").fill("Line audit at the Graz plant")
    form.get_by_label("Owner").select_option(label="Karl Kam")
    form.get_by_label("Due date").fill("2026-09-30")
    form.get_by_role("button", name="Add action").click()
    expect(actions.get_by_role("status")).to_have_text("Added “Line audit at the Graz plant”.")


def big_buyers_and_small_shops(kam: User) -> tuple[list[Account], list[Account]]:
    """Two key accounts of the KAM (Big Buyer 1, 2) and four small shops, with last-but-one
    month's revenue 900k, 700k, 30k, 20k, 10k, 5k. The smallest shop is the strategic one:
    ratings normalise by percentile, so its 5 is worth 100 and the big buyers' 1s less, and
    weighting strategic value heavily brings it into the top N."""
    sale_day = timezone.localdate().replace(day=1) - dt.timedelta(days=40)
    big = [factories.KeyAccountFactory(kam=kam, name=f"Big Buyer {i}") for i in (1, 2)]
    small = [factories.AccountFactory(name=f"Small Shop {i}") for i in range(1, 5)]
    revenues = [900_000, 700_000, 30_000, 20_000, 10_000, 5_000]
    for account, revenue in zip(big + small, revenues, strict=True):
        factories.SalesLineFactory(
            account=account, date=sale_day, revenue=Decimal(revenue), cost_of_goods=0
        )
    factories.RatingFactory(account=small[3], value=5)
    for account in big:
        factories.RatingFactory(account=account, value=1)
    return big, small
