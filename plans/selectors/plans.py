"""Reads of account plans: the plan page, a plan's snapshot for its versions, objective progress.

Every read of a plan starts from `Plan.objects.visible_to(user)`: a person outside the account's
team (operations included) never loads a plan, and gets the same 404 as for a missing one.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from accounts.models import STAGE_ORDER, Account, Stage, User
from accounts.runs import account_score
from accounts.selectors.accounts import plan_team
from kam.formats import day
from plans.models import (
    Action,
    ActionFamily,
    ActionStatus,
    Commitment,
    CommitmentCategory,
    Comparison,
    Objective,
    ObjectiveMetric,
    Opportunity,
    Plan,
    PlanSection,
    PlanStatus,
    PlanText,
    PlanVersion,
    SectionKind,
    Solution,
)
from plans.selectors.opportunities import (
    AgainstTarget,
    Pipeline,
    against_target,
    pipeline_of,
    plan_opportunities,
)

OPEN_ACTION_STATUSES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
# A plan in one of these statuses is the one the account is being run by.
# A revised plan still runs by its approved version until the revision is approved.
RUNNING_STATUSES = (PlanStatus.APPROVED, PlanStatus.UNDER_REVIEW, PlanStatus.REVISED)
PLAN_PAGE_VERSIONS = 10
ONE_DECIMAL = Decimal("0.1")


def visible_plans(user: Any) -> QuerySet[Plan]:
    return Plan.objects.visible_to(user)


def plan_for_page(*, user: Any, pk: int) -> Plan:
    """A plan the user may read, with its account and people; Plan.DoesNotExist otherwise."""
    return (
        visible_plans(user)
        .select_related(
            "account", "account__kam", "created_by", "approved_by", "previous", "approved_version"
        )
        .get(pk=pk)
    )


def current_plan(plans: Iterable[Plan], today: dt.date) -> Plan | None:
    """The plan the account is run by: an approved (or under review) plan whose period holds
    today, else the newest plan that is not archived. `plans` are already loaded."""
    active = [plan for plan in plans if plan.status != PlanStatus.ARCHIVED]
    running = [
        plan
        for plan in active
        if plan.status in RUNNING_STATUSES and plan.period_start <= today <= plan.period_end
    ]
    candidates = running or active
    return max(candidates, key=lambda plan: (plan.period_start, plan.pk), default=None)


def new_plan_defaults(account: Account, today: dt.date) -> dict[str, Any]:
    """What a new plan form starts with: twelve months from this quarter, reviewed after three."""
    start = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    end = dt.date(start.year + 1, start.month, 1) - dt.timedelta(days=1)
    review_month = start.month + 3
    review = dt.date(start.year + (review_month - 1) // 12, (review_month - 1) % 12 + 1, 1)
    return {
        "title": f"{account.name}: account plan {start:%b %Y}-{end:%b %Y}"[:200],
        "period_start": start,
        "period_end": end,
        "review_date": review,
    }


# --- Snapshots: what a PlanVersion keeps -------------------------------------------------------


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def plan_snapshots(plans: list[Plan]) -> dict[int, dict[str, Any]]:
    """The JSON snapshot of each plan (fields, sections, objectives, solutions, actions with
    their owners' names, the service commitments proposed in it and not withdrawn), in five
    queries however many plans and rows there are."""
    ids = [plan.pk for plan in plans]
    sections: dict[int, dict[str, str]] = defaultdict(dict)
    for section in PlanSection.objects.filter(plan_id__in=ids).order_by("plan_id", "kind"):
        sections[section.plan_id][section.kind] = section.body
    objectives: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for o in Objective.objects.filter(plan_id__in=ids).order_by("plan_id", "pk"):
        objectives[o.plan_id].append(
            {
                "metric": o.metric,
                "description": o.description,
                "baseline_value": _text(o.baseline_value),
                "target_value": _text(o.target_value),
                "target_stage": o.target_stage,
                "due_date": o.due_date.isoformat(),
            }
        )
    solutions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for s in Solution.objects.filter(plan_id__in=ids).order_by("plan_id", "pk"):
        solutions[s.plan_id].append(
            {
                "title": s.title,
                "description": s.description,
                "value_measure": s.value_measure,
                "value_amount": _text(s.value_amount),
            }
        )
    actions: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in (
        Action.objects.filter(plan_id__in=ids).select_related("owner").order_by("plan_id", "pk")
    ):
        actions[a.plan_id].append(
            {
                "family": a.family,
                "title": a.title,
                "description": a.description,
                "owner": a.owner.username,
                "owner_name": str(a.owner),
                "due_date": a.due_date.isoformat(),
                "status": a.status,
            }
        )
    commitments: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for c in Commitment.objects.filter(plan_id__in=ids, active=True).order_by("plan_id", "pk"):
        commitments[c.plan_id].append(
            {
                "category": c.category,
                "promise": c.promise,
                "comparison": c.comparison,
                "target_value": _text(c.target_value),
                "unit": c.unit,
                "due_date": c.due_date.isoformat() if c.due_date else None,
            }
        )
    return {
        plan.pk: {
            "title": plan.title,
            "status": plan.status,
            "period_start": plan.period_start.isoformat(),
            "period_end": plan.period_end.isoformat(),
            "review_date": plan.review_date.isoformat(),
            "investment_budget": _text(plan.investment_budget),
            "sections": sections[plan.pk],
            "objectives": objectives[plan.pk],
            "solutions": solutions[plan.pk],
            "actions": actions[plan.pk],
            "commitments": commitments[plan.pk],
        }
        for plan in plans
    }


# A text longer than this is kept once per plan as a PlanText and named in the snapshot by
# {"sha256": digest}; a shorter one stays inline (its reference would be about as long).
# Snapshots written before PlanText, and the demo's first versions, hold every text inline;
# both read the same way.
INLINE_TEXT = 100
TEXT_REF = "sha256"


def _text_slots(snapshot: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """Where a snapshot holds long texts: every section, every solution's and action's
    description (objectives' descriptions are short)."""
    sections = snapshot.get("sections", {})
    for kind in sections:
        yield sections, kind
    for part in ("solutions", "actions"):
        for item in snapshot.get(part, []):
            if "description" in item:
                yield item, "description"


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def snapshot_text_refs(snapshot: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The snapshot as a PlanVersion stores it, each long text replaced by its reference, and
    those texts by digest (for PlanText)."""
    stored = copy.deepcopy(snapshot)
    texts: dict[str, str] = {}
    for holder, key in _text_slots(stored):
        value = holder[key]
        if isinstance(value, str) and len(value) > INLINE_TEXT:
            digest = text_digest(value)
            texts[digest] = value
            holder[key] = {TEXT_REF: digest}
    return stored, texts


def version_snapshots(versions: Iterable[PlanVersion]) -> dict[int, dict[str, Any]]:
    """Each version's snapshot (by version id) with its texts in place, as plan_snapshots
    made it; one query for the texts of all of them."""
    versions = list(versions)
    snapshots = {version.pk: copy.deepcopy(version.snapshot) for version in versions}
    refs = [
        (version.plan_id, holder, key)
        for version in versions
        for holder, key in _text_slots(snapshots[version.pk])
        if isinstance(holder[key], dict)
    ]
    if refs:
        rows = PlanText.objects.filter(
            plan_id__in={plan_id for plan_id, _, _ in refs},
            digest__in={holder[key][TEXT_REF] for _, holder, key in refs},
        ).values_list("plan_id", "digest", "body")
        texts = {(plan_id, digest): body for plan_id, digest, body in rows}
        for plan_id, holder, key in refs:
            holder[key] = texts[(plan_id, holder[key][TEXT_REF])]
    return snapshots


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "-"


def _amount(value: Any) -> str:
    """A stored number in one canonical form ("16000" and "16000.00" read the same), so
    snapshots written by older code compare equal to new ones."""
    if value in (None, ""):
        return ""
    try:
        return f"{Decimal(str(value)).quantize(Decimal('0.01')):,}"
    except ArithmeticError:
        return str(value)


def _day(value: str | None) -> str:
    """A snapshot's ISO date in the app's format (as stored when not a date)."""
    if not value:
        return ""
    try:
        return day(dt.date.fromisoformat(value))
    except (TypeError, ValueError):
        return str(value)


def _one_line(text: str) -> str:
    return " / ".join(line.strip() for line in (text or "").splitlines() if line.strip())


def snapshot_parts(snapshot: dict[str, Any]) -> list[tuple[str, str]]:
    """A snapshot as named parts of text, in the order the plan reads, for comparing versions.
    Snapshots written by older code (owners by username only) read the same way."""
    details = "\n".join(
        [
            f"Title: {snapshot.get('title', '')}",
            f"Status: {_label(PlanStatus, snapshot.get('status', ''))}",
            f"Period: {_day(snapshot.get('period_start'))} to {_day(snapshot.get('period_end'))}",
            f"Review date: {_day(snapshot.get('review_date'))}",
            f"Investment required: {_amount(snapshot.get('investment_budget')) or 'not set'}",
        ]
    )
    sections = snapshot.get("sections", {})
    parts = [("Plan details", details)]
    parts += [(str(kind.label), sections.get(kind.value, "")) for kind in SectionKind]
    objectives = []
    for o in snapshot.get("objectives", []):
        if o.get("metric") == ObjectiveMetric.STAGE:
            target = _label(Stage, o.get("target_stage", ""))
        else:
            target = _amount(o.get("target_value")) or "-"
        line = f"{_label(ObjectiveMetric, o.get('metric', ''))}: target {target}"
        if o.get("baseline_value"):
            line += f" from baseline {_amount(o['baseline_value'])}"
        line += f" by {_day(o.get('due_date'))}"
        if o.get("description"):
            line += f" ({_one_line(o['description'])})"
        objectives.append(line)
    parts.append(("Measurable objectives", "\n".join(objectives)))
    solutions = []
    for s in snapshot.get("solutions", []):
        line = f"{s.get('title', '')}: {s.get('value_measure', '')}"
        if s.get("value_amount"):
            line += f"; estimated value {_amount(s['value_amount'])} a year"
        if s.get("description"):
            line += f" ({_one_line(s['description'])})"
        solutions.append(line)
    parts.append(("Solutions", "\n".join(solutions)))
    actions = []
    for a in snapshot.get("actions", []):
        owner = a.get("owner_name") or a.get("owner", "")
        actions.append(
            f"[{_label(ActionFamily, a.get('family', ''))}] {a.get('title', '')}: {owner}, "
            f"due {_day(a.get('due_date'))}, {_label(ActionStatus, a.get('status', ''))}"
        )
    parts.append(("Relationship-building actions", "\n".join(actions)))
    # Snapshots written before commitments were kept have none: an empty part, as today's
    # plan without commitments.
    promises = []
    for c in snapshot.get("commitments", []):
        if c.get("comparison") == Comparison.BY_DATE:
            target = f"delivered by {_day(c.get('due_date'))}"
        else:
            comparison = _label(Comparison, c.get("comparison", ""))
            target = f"{comparison} {_amount(c.get('target_value'))} {c.get('unit', '')}".strip()
        category = _label(CommitmentCategory, c.get("category", ""))
        promises.append(f"[{category}] {c.get('promise', '')}: {target}")
    parts.append(("Service commitments", "\n".join(promises)))
    return parts


# --- Objective progress --------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """How far an objective has come, from actual data (never typed).

    A reached objective says by how much it passed its target (`over`: above it for growth,
    below it for a reduction; `steps_over` for a stage), never "505.9 % of the way"; one that
    went backwards says how far behind its baseline it is (`behind_baseline`), never a negative
    percentage."""

    computed: bool
    actual: Decimal | None = None
    actual_stage: str = ""
    percent: Decimal | None = None
    reached: bool = False
    note: str = ""
    over: Decimal | None = None
    reduction: bool = False
    behind_baseline: Decimal | None = None
    steps_over: int = 0

    @property
    def shown_percent(self) -> Decimal | None:
        """The percentage of the way while not reached: 0 to 99.9 (rounding never says 100)."""
        if self.percent is None:
            return None
        if self.reached:
            return Decimal(100)
        return min(max(self.percent, Decimal(0)), Decimal("99.9"))

    @property
    def bar_percent(self) -> int:
        """The percentage clamped to 0-100 for a progress bar."""
        if self.reached:
            return 100
        shown = self.shown_percent
        return 0 if shown is None else int(shown)


ACTUAL_OF = {
    ObjectiveMetric.REVENUE: "revenue",
    ObjectiveMetric.PROFIT: "net_profit",
    ObjectiveMetric.SHARE_OF_WALLET: "share_of_wallet_pct",
}


def ladder_rank(stage: str) -> int:
    """A stage's place on the ladder; disengaging sits below exploratory (a relationship in
    decline is further from strategic than a courtship)."""
    return -1 if stage == Stage.DISENGAGING else STAGE_ORDER[stage]


def objective_progress(objective: Objective, *, score: Any, stage: str) -> Progress:
    """Progress of an objective: revenue, net profit and share of wallet from the current run's
    score of the account (trailing 12 months), the stage from the account itself.

    % of the way = (actual - baseline) / (target - baseline) x 100 when a baseline is set, else
    actual / target x 100 (for a positive target). Reached at or above the target; a reached
    objective shows how far past it, not a percentage over 100. Objectives are growth
    objectives (plans.services.items refuses a target below the baseline); one stored with a
    target below its baseline before that rule is read as a reduction, reached at or below it.
    """
    if objective.metric == ObjectiveMetric.STAGE:
        target = objective.target_stage
        if stage == Stage.DISENGAGING:
            return Progress(True, actual_stage=stage, note="The relationship is disengaging.")
        steps = STAGE_ORDER[target] - STAGE_ORDER[stage]
        if steps <= 0:
            return Progress(
                True, actual_stage=stage, percent=Decimal(100), reached=True, steps_over=-steps
            )
        note = f"{steps} step{'' if steps == 1 else 's'} to go"
        return Progress(True, actual_stage=stage, note=note)
    if score is None:
        return Progress(False, note="Not yet computed: no scoring run has scored this account.")
    actual = getattr(score, ACTUAL_OF[objective.metric])
    if actual is None:
        return Progress(False, note="Not known: the customer's category spend is not recorded.")
    target, baseline = objective.target_value, objective.baseline_value
    reduction = baseline is not None and target < baseline
    percent = None
    if baseline is not None and target != baseline:
        percent = (actual - baseline) / (target - baseline) * 100
    elif baseline is None and target > 0:
        percent = actual / target * 100
    if percent is not None:
        percent = percent.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)
    reached = actual <= target if reduction else actual >= target
    behind = None
    if not reached and baseline is not None:
        went_back = actual > baseline if reduction else actual < baseline
        behind = abs(actual - baseline) if went_back else None
    return Progress(
        True,
        actual=actual,
        percent=percent,
        reached=reached,
        over=abs(actual - target) if reached else None,
        reduction=reduction,
        behind_baseline=behind,
    )


# --- The plan page -------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionRow:
    """A free-text section; a section never saved has version 0 and no row yet."""

    kind: str
    label: str
    section: PlanSection | None

    @property
    def body(self) -> str:
        return self.section.body if self.section else ""

    @property
    def version(self) -> int:
        return self.section.version if self.section else 0


@dataclass(frozen=True)
class ObjectiveRow:
    objective: Objective
    progress: Progress
    against_target: AgainstTarget | None = None  # revenue objectives: the pipeline against it


@dataclass(frozen=True)
class ActionGroup:
    family: str
    label: str
    actions: list[Action]


@dataclass
class PlanPage:
    plan: Plan
    sections: list[SectionRow]
    objectives: list[ObjectiveRow]
    solutions: list[Solution]
    action_groups: list[ActionGroup]
    commitments: list[Commitment]
    versions: list[PlanVersion]
    opportunities: list[Opportunity]
    pipeline: Pipeline
    team: list[User]
    run: Any  # the current scoring run (accounts.runs), None before the first
    score: Any  # the account's AccountScore in it, if scored
    today: dt.date
    actions: list[Action] = field(default_factory=list)

    @property
    def open_actions(self) -> int:
        return sum(1 for action in self.actions if action.status in OPEN_ACTION_STATUSES)

    @property
    def overdue_actions(self) -> int:
        return sum(
            1
            for action in self.actions
            if action.status in OPEN_ACTION_STATUSES and action.due_date < self.today
        )

    @property
    def more_versions(self) -> bool:
        return len(self.versions) > PLAN_PAGE_VERSIONS

    @property
    def shown_versions(self) -> list[PlanVersion]:
        return self.versions[:PLAN_PAGE_VERSIONS]


def section_rows(plan: Plan) -> list[SectionRow]:
    """All the plan's sections in reading order (one query)."""
    saved = {section.kind: section for section in plan.sections.select_related("updated_by")}
    return [SectionRow(kind.value, str(kind.label), saved.get(kind.value)) for kind in SectionKind]


def plan_actions(plan: Plan) -> list[Action]:
    actions = list(
        Action.objects.filter(plan=plan).select_related("owner").order_by("due_date", "title", "pk")
    )
    for action in actions:
        action.plan = plan  # loaded already: asking who may change an action reads its account
    return actions


def action_groups(actions: list[Action]) -> list[ActionGroup]:
    """Actions under the five families, in the families' order."""
    by_family: dict[str, list[Action]] = defaultdict(list)
    for action in actions:
        by_family[action.family].append(action)
    return [
        ActionGroup(family.value, str(family.label), by_family[family.value])
        for family in ActionFamily
    ]


def plan_page(*, plan: Plan, run: Any, today: dt.date) -> PlanPage:
    """Everything the plan page shows, in a fixed number of queries (one per part)."""
    score = account_score(plan.account, run)
    stage = plan.account.stage
    opportunities = plan_opportunities(plan)
    pipeline = pipeline_of(opportunities)
    objectives = [
        ObjectiveRow(
            objective,
            objective_progress(objective, score=score, stage=stage),
            against_target(objective, pipeline),
        )
        for objective in Objective.objects.filter(plan=plan).order_by("due_date", "pk")
    ]
    actions = plan_actions(plan)
    for action in actions:
        action.is_overdue = action.status in OPEN_ACTION_STATUSES and action.due_date < today
    return PlanPage(
        plan=plan,
        sections=section_rows(plan),
        objectives=objectives,
        solutions=list(Solution.objects.filter(plan=plan).order_by("pk")),
        action_groups=action_groups(actions),
        actions=actions,
        commitments=list(
            Commitment.objects.filter(plan=plan)
            .select_related("responsible_team")
            .order_by("category", "pk")
        ),
        versions=list(
            PlanVersion.objects.filter(plan=plan)
            .select_related("created_by")
            .defer("snapshot")
            .order_by("-number")[: PLAN_PAGE_VERSIONS + 1]
        ),
        opportunities=opportunities,
        pipeline=pipeline,
        team=plan_team(plan.account),
        run=run,
        score=score,
        today=today,
    )


def newest_version_number(plan: Plan) -> int:
    """The number of the plan's newest version (0 before the first)."""
    return PlanVersion.objects.filter(plan=plan).aggregate(newest=Max("number"))["newest"] or 0


def plan_versions(plan: Plan) -> QuerySet[PlanVersion]:
    """A plan's versions, newest first, without their snapshots (the list does not need them)."""
    return (
        PlanVersion.objects.filter(plan=plan)
        .select_related("created_by")
        .defer("snapshot")
        .order_by("-number")
    )


def plan_version_pair(plan: Plan, first: int, second: int) -> tuple[PlanVersion, PlanVersion]:
    """Two versions of the plan by number, older first; PlanVersion.DoesNotExist if missing."""
    older, newer = sorted((first, second))
    found = {
        version.number: version
        for version in PlanVersion.objects.filter(
            plan=plan, number__in=[older, newer]
        ).select_related("created_by")
    }
    if older not in found or newer not in found:
        raise PlanVersion.DoesNotExist
    return found[older], found[newer]


@dataclass(frozen=True)
class ActionCounts:
    open: int
    overdue: int


def open_action_counts(plan: Plan | None, today: dt.date) -> ActionCounts:
    """Open and overdue actions of a plan, in one aggregate query (asked even without a plan,
    so the page's query count does not depend on whether the account has one)."""
    plan_id = plan.pk if plan is not None else None
    counts = Action.objects.filter(plan_id=plan_id, status__in=OPEN_ACTION_STATUSES).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today))
    )
    return ActionCounts(counts["open"], counts["overdue"])
