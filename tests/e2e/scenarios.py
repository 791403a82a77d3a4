"""Data the browser journeys share."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import Account, User
from plans import services
from plans.models import Commitment, CommitmentStatus, Measurement
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
    services.commitments_evaluate()
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.MET
    return MetPromise(operations, kam, account, commitment, previous_end)
