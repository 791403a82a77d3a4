"""Reads of a plan's opportunities: its pipeline and what it weighs against the revenue
objective (DOMAIN.md, "White space": opportunities)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from plans.models import Objective, ObjectiveMetric, Opportunity, OpportunityStatus, Plan

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Pipeline:
    """The plan's opportunities summed: open ones weighted by their probability, won ones at
    their value."""

    open_value: Decimal
    weighted_open: Decimal  # sum of value x probability / 100 over open opportunities
    won_value: Decimal
    lost_value: Decimal
    open_count: int
    won_count: int
    lost_count: int

    @property
    def expected(self) -> Decimal:
        """Pipeline as it counts against a revenue target: weighted open value plus won value."""
        return self.weighted_open + self.won_value


@dataclass(frozen=True)
class AgainstTarget:
    """The pipeline against a revenue objective's growth: target minus baseline (the target
    alone without a baseline)."""

    pipeline: Decimal
    growth: Decimal

    @property
    def percent(self) -> Decimal | None:
        if self.growth <= 0:
            return None
        return (HUNDRED * self.pipeline / self.growth).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


def plan_opportunities(plan: Plan) -> list[Opportunity]:
    """The plan's opportunities, open first, then by expected close (one query)."""
    order = {OpportunityStatus.OPEN: 0, OpportunityStatus.WON: 1, OpportunityStatus.LOST: 2}
    rows = list(
        Opportunity.objects.filter(plan=plan)
        .select_related("category", "member", "owner")
        .order_by("expected_close", "pk")
    )
    return sorted(rows, key=lambda o: order[o.status])


def pipeline_of(opportunities: list[Opportunity]) -> Pipeline:
    """The totals of loaded opportunities (no query)."""
    by_status = {
        status: [o for o in opportunities if o.status == status]
        for status in OpportunityStatus.values
    }
    weighted = sum(
        (o.estimated_value * o.probability / HUNDRED for o in by_status[OpportunityStatus.OPEN]),
        Decimal(0),
    )
    return Pipeline(
        open_value=_sum(by_status[OpportunityStatus.OPEN]),
        weighted_open=weighted.quantize(CENT, rounding=ROUND_HALF_UP),
        won_value=_sum(by_status[OpportunityStatus.WON]),
        lost_value=_sum(by_status[OpportunityStatus.LOST]),
        open_count=len(by_status[OpportunityStatus.OPEN]),
        won_count=len(by_status[OpportunityStatus.WON]),
        lost_count=len(by_status[OpportunityStatus.LOST]),
    )


def _sum(opportunities: list[Opportunity]) -> Decimal:
    return sum((o.estimated_value for o in opportunities), Decimal(0))


def against_target(objective: Objective, pipeline: Pipeline) -> AgainstTarget | None:
    """A revenue objective's target growth and the pipeline against it; None for the others."""
    if objective.metric != ObjectiveMetric.REVENUE or objective.target_value is None:
        return None
    growth = objective.target_value - (objective.baseline_value or Decimal(0))
    return AgainstTarget(pipeline=pipeline.expected, growth=growth)
