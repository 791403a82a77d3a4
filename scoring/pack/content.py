"""What a review pack holds, read once for both formats.

`pack_content` reads the plan (plans.selectors `plan_page`), the account's quarterly
snapshots, its contacts and the commitments' measurements in a fixed number of queries, and
keeps only what the audience may see: the customer-facing pack never carries internal
economics (cost to serve, net profit, margins, investment, share of wallet, scores, warnings)
nor the DMU's attitudes. Every value is already formatted as the pages show it (dates
"3 Dec 2026", money "1,234.56 EUR"), so the PDF and the deck read the same.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import dateformat
from django.utils.timesince import timesince

from accounts.models import Contact, Stage
from kam.templatetags.kam_format import NOT_AVAILABLE, compact, grouped
from plans.models import (
    CUSTOMER_HIDDEN_METRICS,
    CUSTOMER_SECTIONS,
    ActionStatus,
    CommitmentStatus,
    Comparison,
    Measurement,
    ObjectiveMetric,
    Plan,
    PlanStatus,
)
from plans.selectors.plans import OPEN_ACTION_STATUSES, newest_version_number, plan_page
from scoring.account_page import trend_snapshots


class Audience:
    INTERNAL = "internal"
    CUSTOMER = "customer"
    CHOICES = ((INTERNAL, "Internal"), (CUSTOMER, "Customer-facing"))
    LABELS = dict(CHOICES)


# How much of each list a pack shows (a pack is a meeting document, not an export).
MEASUREMENTS_PER_COMMITMENT = 8
NEXT_STEPS = 12
DONE_ACTIONS = 25
DUE_ACTIONS = 40


def date_text(day: dt.date | dt.datetime | None) -> str:
    return dateformat.format(day, "j M Y") if day else NOT_AVAILABLE


def money_text(value: Any) -> str:
    if value is None or value == "":
        return NOT_AVAILABLE
    return f"{grouped(value)} {settings.KAM_CURRENCY}".strip()


def pct_text(value: Any, places: int = 1) -> str:
    return NOT_AVAILABLE if value is None else f"{grouped(value, places)} %"


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]


@dataclass(frozen=True)
class Chart:
    title: str
    unit: str  # "money", "pct" or "points"
    labels: list[str]
    series: list[Series]

    def value_text(self, value: float | None) -> str:
        if value is None:
            return NOT_AVAILABLE
        if self.unit == "money":
            return grouped(value, 0)
        return grouped(value, 1)


@dataclass(frozen=True)
class ObjectiveLine:
    metric: str
    description: str
    target: str
    due: str
    progress: str
    percent: int  # 0-100, for a bar
    reached: bool


@dataclass(frozen=True)
class SolutionLine:
    title: str
    description: str
    value_measure: str
    value: str


@dataclass(frozen=True)
class ActionLine:
    family: str
    title: str
    owner: str
    due: str
    status: str
    overdue: bool


@dataclass(frozen=True)
class CommitmentLine:
    category: str
    promise: str
    target: str
    status: str
    measurements: list[tuple[str, str]]  # (period, value), newest first


@dataclass(frozen=True)
class ContactLine:
    name: str
    title: str
    buying_role: str
    influence: int
    attitude: str


@dataclass
class PackContent:
    audience: str
    account_name: str
    plan_title: str
    period: str
    plan_status: str
    plan_version: int
    generated_on: str
    stage: str
    stage_since: str
    time_in_stage: str
    kam: str
    review_date: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    sections: list[tuple[str, str]] = field(default_factory=list)
    objectives: list[ObjectiveLine] = field(default_factory=list)
    solutions: list[SolutionLine] = field(default_factory=list)
    actions_done: list[ActionLine] = field(default_factory=list)
    actions_due: list[ActionLine] = field(default_factory=list)
    commitments: list[CommitmentLine] = field(default_factory=list)
    contacts: list[ContactLine] = field(default_factory=list)
    next_steps: list[ActionLine] = field(default_factory=list)

    @property
    def internal(self) -> bool:
        return self.audience == Audience.INTERNAL

    @property
    def audience_label(self) -> str:
        return Audience.LABELS[self.audience]

    @property
    def footer(self) -> str:
        return (
            f"{self.account_name} · {self.plan_title} · plan version {self.plan_version} · "
            f"{self.audience_label} · made {self.generated_on}"
        )

    @property
    def file_stem(self) -> str:
        safe = "".join(ch if ch.isalnum() else "-" for ch in self.account_name).strip("-")
        return f"review-pack-{safe[:60] or 'account'}-{self.audience}"


def _quarter(day: dt.date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def _series(snapshots: list[Any], name: str) -> list[float | None]:
    return [None if getattr(s, name) is None else float(getattr(s, name)) for s in snapshots]


def _charts(snapshots: list[Any], *, internal: bool) -> list[Chart]:
    labels = [_quarter(s.period_start) for s in snapshots]
    if internal:
        return [
            Chart(
                "Revenue, cost to serve and net profit by quarter",
                "money",
                labels,
                [
                    Series("Revenue", _series(snapshots, "revenue")),
                    Series("Cost to serve", _series(snapshots, "cost_to_serve")),
                    Series("Net profit", _series(snapshots, "net_profit")),
                ],
            ),
            Chart(
                "Share of wallet and satisfaction",
                "pct",
                labels,
                [
                    Series("Share of wallet %", _series(snapshots, "share_of_wallet_pct")),
                    Series("Satisfaction (0-100)", _series(snapshots, "satisfaction")),
                ],
            ),
        ]
    return [
        Chart(
            "Business together by quarter",
            "money",
            labels,
            [Series("Revenue", _series(snapshots, "revenue"))],
        ),
        Chart(
            "Satisfaction (0-100)",
            "points",
            labels,
            [Series("Satisfaction", _series(snapshots, "satisfaction"))],
        ),
    ]


def _objective_line(row: Any) -> ObjectiveLine:
    objective, progress = row.objective, row.progress
    if objective.metric == ObjectiveMetric.STAGE:
        target = objective.get_target_stage_display()
        actual = progress.actual_stage
    elif objective.metric == ObjectiveMetric.SHARE_OF_WALLET:
        target = pct_text(objective.target_value)
        actual = pct_text(progress.actual) if progress.actual is not None else ""
    else:
        target = money_text(objective.target_value)
        actual = money_text(progress.actual) if progress.actual is not None else ""
    if not progress.computed:
        text = progress.note
    else:
        bits = []
        if objective.metric == ObjectiveMetric.STAGE:
            bits.append(f"now {Stage(actual).label}")
        elif actual:
            bits.append(f"now {actual}")
        if progress.percent is not None:
            bits.append(f"{grouped(progress.percent, 1)} % of the way")
        if progress.reached:
            bits.append("reached")
        if progress.note:
            bits.append(progress.note)
        text = ", ".join(bits) or NOT_AVAILABLE
    return ObjectiveLine(
        metric=objective.get_metric_display(),
        description=objective.description,
        target=target,
        due=date_text(objective.due_date),
        progress=text,
        percent=progress.bar_percent,
        reached=progress.reached,
    )


def _action_line(action: Any, today: dt.date) -> ActionLine:
    return ActionLine(
        family=action.get_family_display(),
        title=action.title,
        owner=str(action.owner),
        due=date_text(action.due_date),
        status=action.get_status_display(),
        overdue=action.status in OPEN_ACTION_STATUSES and action.due_date < today,
    )


def commitment_target(commitment: Any) -> str:
    if commitment.comparison == Comparison.BY_DATE:
        return f"delivered by {date_text(commitment.due_date)}"
    word = "at least" if commitment.comparison == Comparison.AT_LEAST else "at most"
    return f"{word} {compact(commitment.target_value)} {commitment.unit}".strip()


def measurement_history(
    commitment_ids: list[int], *, points: int = MEASUREMENTS_PER_COMMITMENT
) -> dict[int, list[Measurement]]:
    """Each commitment's newest `points` measurements, newest first, in one query."""
    if not commitment_ids:
        return {}
    ranked = (
        Measurement.objects.filter(commitment_id__in=commitment_ids)
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=[F("commitment_id")],
                order_by=[F("period_end").desc(), F("recorded_at").desc(), F("pk").desc()],
            )
        )
        .filter(recency__lte=points)
        .order_by("commitment_id", "recency")
    )
    found: dict[int, list[Measurement]] = defaultdict(list)
    for measurement in ranked:
        found[measurement.commitment_id].append(measurement)
    return found


def _measurement_text(measurement: Measurement, unit: str) -> tuple[str, str]:
    period = f"{date_text(measurement.period_start)} to {date_text(measurement.period_end)}"
    return period, f"{compact(measurement.value)} {unit}".strip()


def _warnings(page: Any, commitments: list[Any]) -> list[str]:
    warnings = []
    score = page.score
    if score is not None:
        if score.is_misclassified:
            warnings.append("Review the account's status: the scoring run finds it misclassified.")
        if score.kam_overloaded:
            warnings.append("The KAM has more than 5 key accounts.")
        if score.spend_below_revenue:
            warnings.append("Data: the customer's category spend is below our revenue.")
        if score.net_profit is not None and score.net_profit < 0:
            warnings.append("The account loses money: net profit is negative.")
    breached = sum(1 for c in commitments if c.status == CommitmentStatus.BREACHED)
    at_risk = sum(1 for c in commitments if c.status == CommitmentStatus.AT_RISK)
    if breached:
        warnings.append(f"{breached} service commitment(s) breached.")
    if at_risk:
        warnings.append(f"{at_risk} service commitment(s) at risk.")
    if page.overdue_actions:
        warnings.append(f"{page.overdue_actions} action(s) overdue.")
    if page.plan.review_date < page.today and page.plan.status != PlanStatus.ARCHIVED:
        warnings.append("The plan's review date has passed.")
    return warnings


def _figures(page: Any, *, internal: bool) -> list[tuple[str, str]]:
    score = page.score
    if score is None:
        return [("Figures", "Not yet computed: no scoring run has scored this account.")]
    as_of = f" (12 months to {date_text(page.run.as_of)})" if page.run is not None else ""
    figures = [(f"Revenue{as_of}", money_text(score.revenue))]
    if internal:
        figures += [
            ("Cost to serve", money_text(score.cost_to_serve)),
            ("Net profit", money_text(score.net_profit)),
            ("Share of wallet", pct_text(score.share_of_wallet_pct)),
            ("Attractiveness score", f"{grouped(score.attractiveness)} / 100"),
            ("Relative strength score", f"{grouped(score.relative_strength)} / 100"),
            ("Quadrant", score.get_quadrant_display() if score.quadrant else NOT_AVAILABLE),
            ("Investment required", money_text(page.plan.investment_budget)),
        ]
    return figures


def pack_content(*, plan: Plan, run: Any, audience: str, today: dt.date) -> PackContent:
    """The pack of `plan` (loaded with its account and KAM, as plans.selectors
    `plan_for_page` loads it) for `audience`. The caller has checked the permissions."""
    if audience not in Audience.LABELS:
        raise ValueError(f"Unknown audience {audience!r}")
    internal = audience == Audience.INTERNAL
    page = plan_page(plan=plan, run=run, today=today)
    account = plan.account
    snapshots = trend_snapshots(account)
    commitments = [c for c in page.commitments if c.active]
    history = measurement_history([c.pk for c in commitments])
    content = PackContent(
        audience=audience,
        account_name=account.name,
        plan_title=plan.title,
        period=f"{date_text(plan.period_start)} to {date_text(plan.period_end)}",
        plan_status=plan.get_status_display(),
        plan_version=newest_version_number(plan),
        generated_on=date_text(today),
        stage=account.get_stage_display(),
        stage_since=date_text(account.stage_since),
        time_in_stage=timesince(account.stage_since) if account.stage_since else NOT_AVAILABLE,
        kam=str(account.kam) if account.kam else "None assigned",
        review_date=date_text(plan.review_date),
        figures=_figures(page, internal=internal),
        warnings=_warnings(page, commitments) if internal else [],
        charts=_charts(snapshots, internal=internal) if snapshots else [],
    )
    content.sections = [
        (row.label, row.body)
        for row in page.sections
        if row.body.strip() and (internal or row.kind in CUSTOMER_SECTIONS)
    ]
    content.objectives = [
        _objective_line(row)
        for row in page.objectives
        if internal or row.objective.metric not in CUSTOMER_HIDDEN_METRICS
    ]
    content.solutions = [
        SolutionLine(s.title, s.description, s.value_measure, money_text(s.value_amount))
        for s in page.solutions
    ]
    done = [a for a in page.actions if a.status == ActionStatus.DONE]
    done.sort(
        key=lambda a: (a.completed_at or dt.datetime.min.replace(tzinfo=dt.UTC), a.pk), reverse=True
    )
    content.actions_done = [_action_line(a, today) for a in done[:DONE_ACTIONS]]
    due = [a for a in page.actions if a.status in OPEN_ACTION_STATUSES]
    content.actions_due = [_action_line(a, today) for a in due[:DUE_ACTIONS]]
    content.next_steps = [_action_line(a, today) for a in due if a.due_date >= today][:NEXT_STEPS]
    content.commitments = [
        CommitmentLine(
            category=c.get_category_display(),
            promise=c.promise,
            target=commitment_target(c),
            status=c.get_status_display(),
            measurements=[_measurement_text(m, c.unit) for m in history.get(c.pk, [])],
        )
        for c in commitments
    ]
    if internal:
        content.contacts = [
            ContactLine(
                c.name, c.title, c.get_buying_role_display(), c.influence, c.get_attitude_display()
            )
            for c in Contact.objects.filter(account=account).order_by("-influence", "name", "pk")
        ]
    return content
