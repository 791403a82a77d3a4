"""Relationship health around the engine (scoring/engine/health.py): the run's health stage and
its early warning, the explanation of a score, an account's health history, and the director's
settings.

Early warning: an account whose health fell in a run (a lower band, or more than the set points
since the previous succeeded run: HealthScore.fell) notifies its KAM and every sales director,
in the app and by e-mail, once: the dedupe key names the account and the run in which it fell,
so a retried final stage sends nothing twice and the runs after it, where the health stays down
without falling further, send nothing at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse

from accounts.models import Account, Stage, User
from kam import rules as kam_rules
from kam.errors import InvalidInput
from kam.permissions import require
from kam.records import validated
from plans.models import Notification, PlanStatus
from plans.services.plans import notification_emails_enqueue
from scoring.engine import judgement
from scoring.engine.health import component_lines
from scoring.engine.window import Window
from scoring.models import (
    HealthBand,
    HealthComponent,
    HealthComponentKey,
    HealthScore,
    RunStatus,
    ScoringRun,
    WarningSettings,
)

HEALTH_HISTORY_ENTRIES = 100
HUNDRED = Decimal(100)


# --- The run's health stage ----------------------------------------------------------------


def previous_run_id(run: ScoringRun) -> int | None:
    """The newest succeeded run before `run`: the health it is compared with."""
    return (
        ScoringRun.objects.filter(status=RunStatus.SUCCEEDED)
        .exclude(pk=run.pk)
        .order_by("-finished_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )


def health_stage(run: ScoringRun) -> dict[str, int]:
    """A step of the final stage, in a transaction of its own, after the groups stage and
    before the scores (their update copies each unit's health to its score row), beside the
    score explanations: the run's health. A fixed number of queries. A run started before
    health existed has its configuration frozen now: its health's component lines are read
    with it."""
    if not run.health_config:
        run.health_config = judgement.frozen_config()
        ScoringRun.objects.filter(pk=run.pk).update(health_config=run.health_config)
    return judgement.judge_health(
        run_id=run.pk,
        window=Window(run.as_of),
        config=run.health_config,
        previous_run_id=previous_run_id(run),
    )


def warnings_stage(run: ScoringRun) -> dict[str, int]:
    """Inside the final stage's last transaction, after the scores: investment fit and the
    early warnings of the accounts whose health fell. A fixed number of queries."""
    counts = judgement.judge_investment(
        run_id=run.pk, window=Window(run.as_of), config=run.health_config
    )
    counts["health_fell"] = health_alerts_send(run)
    return counts


def fall_dedupe_key(account_id: int, run_id: int) -> str:
    return f"health-fall:{account_id}:{run_id}"


def fall_reason(health: HealthScore, explanation: HealthExplanation) -> str:
    """Why an account's health fell, in words: from what to what, and what costs it most."""
    band = HealthBand(health.band).label.lower()
    previous = HealthBand(health.previous_band).label.lower() if health.previous_band else ""
    change = (
        f"fell from {health.previous_score} ({previous}) to {health.score} ({band})"
        if health.previous_score is not None
        else f"is {health.score} ({band})"
    )
    why = "a band lower" if previous and previous != band else "a fall of more points than set"
    top = explanation.top
    costs = f" What costs it most: {top.advice}." if top else ""
    return f"Relationship health {change}: {why}.{costs}"


def health_alerts_send(run: ScoringRun) -> int:
    """Notify the KAM and the sales directors of each account whose health fell in the run
    (4 queries and a bulk insert, whatever the number of accounts); e-mails once the run's
    transaction commits. Returns how many accounts fell."""
    fallen = list(
        HealthScore.objects.filter(run=run, fell=True)
        .select_related("account__kam")
        .order_by("account_id")
    )
    if not fallen:
        return 0
    lines = component_lines_by_account(run)
    directors = list(
        User.objects.filter(is_active=True, **kam_rules.director_group_filter())
        .values_list("pk", flat=True)
        .distinct()
    )
    notifications = []
    for health in fallen:
        account = health.account
        explanation = explain(health, lines.get(account.pk, []))
        recipients = set(directors)
        if account.kam is not None and account.kam.is_active:
            recipients.add(account.kam_id)
        subject = f"{account.name}: relationship health fell to {health.score} ({health.band})"
        body = fall_reason(health, explanation)
        url = reverse("accounts:detail", args=[account.pk])
        notifications.extend(
            Notification(
                recipient_id=recipient,
                subject=subject[:200],
                body=body,
                url=url,
                dedupe_key=fall_dedupe_key(account.pk, run.pk),
            )
            for recipient in sorted(recipients)
        )
    # A retried final stage finds its notifications there already (the dedupe key).
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    keys = {fall_dedupe_key(h.account_id, run.pk) for h in fallen}
    ids = list(
        Notification.objects.filter(dedupe_key__in=keys, emailed_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    if ids:
        notification_emails_enqueue(ids)
    return len(fallen)


# --- Explanation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Signal:
    """One signal of a component: what was found (`raw`), its 0-100 points (None: no data) and
    how many points of the health score it costs (`cost`: what raising it to full would add)."""

    label: str
    raw: str
    points: Decimal | None
    cost: Decimal = Decimal(0)

    @property
    def advice(self) -> str:
        """ "2 breached commitments: -18.0": the signal and the points it costs."""
        return f"{self.raw}: -{self.cost:.1f}"


@dataclass
class ComponentLine:
    key: str
    label: str
    rule: str
    value: Decimal | None
    weight: Decimal
    contribution: Decimal
    signals: list[Signal] = field(default_factory=list)
    missing: str = ""

    @property
    def top(self) -> Signal | None:
        costly = [s for s in self.signals if s.cost > 0]
        return max(costly, key=lambda s: s.cost, default=None)


@dataclass
class HealthExplanation:
    health: HealthScore
    lines: list[ComponentLine]

    @property
    def top(self) -> Signal | None:
        """What would raise the score most."""
        tops = [line.top for line in self.lines if line.top]
        return max(tops, key=lambda s: s.cost, default=None)


@dataclass(frozen=True)
class ComponentValue:
    """A component's part of an account's health in a run: its 0-100 value (None: no data,
    left out), weight and contribution, read from the health row's points
    (engine.health.component_lines)."""

    account_id: int
    component: HealthComponent
    value: Decimal | None
    weight: Decimal
    contribution: Decimal


def _cents(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def component_lines_by_account(
    run: ScoringRun, account_ids: list[int] | None = None
) -> dict[int, list[ComponentValue]]:
    """Each account's component values in the run, in the components' order (one query; None:
    the accounts whose health fell in it)."""
    grouped: dict[int, list[ComponentValue]] = defaultdict(list)
    rows = component_lines(run_id=run.pk, config=run.health_config or {}, account_ids=account_ids)
    for account_id, component_id, key, label, rule, value, weight, contribution in rows:
        grouped[account_id].append(
            ComponentValue(
                account_id=account_id,
                component=HealthComponent(id=component_id, key=key, label=label, rule=rule),
                value=None if value is None else _cents(value),
                weight=_cents(weight),
                contribution=_cents(contribution),
            )
        )
    return grouped


def _pct(value: Decimal | None) -> str:
    return f"{value:.0f}%" if value is not None else "—"


def _signed(value: Decimal, unit: str) -> str:
    return f"{value:+.1f}{unit}"


def _signals(h: HealthScore, key: str) -> tuple[list[tuple[str, str, Decimal | None]], str]:
    """(label, raw signal in words, points) of a component's signals, and why it has no data."""
    if key == HealthComponentKey.RELATIONSHIP:
        coverage = (
            f"DMU coverage {_pct(h.dmu_coverage_pct)} of influential contacts"
            if h.dmu_coverage_pct is not None
            else "no influential contact known"
        )
        attitude = (
            f"{h.supporters} supporters, {h.detractors} detractors among "
            f"{h.decision_makers} decision makers"
            if h.decision_makers
            else "no decision maker known"
        )
        recency = (
            f"{h.days_since_contact} days since the last contact with a decision maker"
            if h.days_since_contact is not None
            else "no contact with a decision maker recorded"
        )
        if h.target_stage:
            stage = f"stage {Stage(h.stage).label}, plan's target {Stage(h.target_stage).label}"
        else:
            stage = "no target stage in the plan (left out)"
        return [
            ("DMU coverage", coverage, h.coverage_points),
            ("Decision makers' attitude", attitude, h.attitude_points),
            ("Contact with decision makers", recency, h.recency_points),
            ("Stage vs target", stage, h.stage_points),
        ], ""
    if key == HealthComponentKey.DELIVERY:
        return [], (
            ""
            if h.delivery_weight > 0
            else "no commitment met, at risk or breached yet: left out of the score"
        )
    if key == HealthComponentKey.PLAN:
        if h.plan_points is None:
            return [], "not a key account (no plan expected): left out of the score"
        status = PlanStatus(h.plan_status).label.lower() if h.plan_status else "no current plan"
        review = f"review date {h.review_date:%Y-%m-%d}" if h.review_date else "no review date"
        actions = (
            f"{h.actions_overdue} of {h.actions_open} open actions overdue"
            if h.actions_open
            else "no open action (left out)"
        )
        return [
            ("Approved plan", f"plan {status}", h.plan_points),
            ("Review on time", review, h.review_points),
            ("Actions on time", actions, h.actions_points),
        ], ""
    if key == HealthComponentKey.VALUE:
        signals = [
            (
                "Revenue trend",
                f"revenue {_signed(h.revenue_growth_pct, '%')} on the previous 12 months"
                if h.revenue_growth_pct is not None
                else "no revenue in the previous 12 months (left out)",
                h.revenue_points,
            ),
            (
                "Share-of-wallet trend",
                f"share of wallet {_signed(h.share_change_pts, ' points')}"
                if h.share_change_pts is not None
                else "no usable category spend (left out)",
                h.share_points,
            ),
            (
                "Margin trend",
                f"net margin {_signed(h.margin_change_pts, ' points')} on the year before"
                if h.margin_change_pts is not None
                else "no revenue in one of the two years' quarters (left out)",
                h.margin_points,
            ),
        ]
        missing = "" if any(p is not None for _, _, p in signals) else "no trend figures"
        return signals, missing and f"{missing}: left out of the score"
    signals = [
        (
            label,
            f"{label.lower()} {value:.0f}"
            if value is not None
            else f"no {label.lower()} entry (left out)",
            value,
        )
        for label, value in (
            ("Satisfaction", h.satisfaction),
            ("Advocacy", h.advocacy),
            ("Retention", h.retention),
        )
    ]
    missing = "" if any(p is not None for _, _, p in signals) else "no entries"
    return signals, missing and f"{missing}: left out of the score"


def explain(h: HealthScore, rows: list[ComponentValue]) -> HealthExplanation:
    """Each component's signals, value, weight and contribution, and what each signal costs the
    score: a signal at p points in a component of n signals with data and share s of the weights
    with data costs s x (100 - p) / n; a breached commitment costs s x 100 x its share of the
    commitments' weight, one at risk half that."""
    weight_with_data = sum((row.weight for row in rows if row.value is not None), Decimal(0))
    lines = []
    for row in rows:
        share = row.weight / weight_with_data if row.value is not None and weight_with_data else 0
        found, missing = _signals(h, row.component.key)
        signals: list[Signal] = []
        if row.component.key == HealthComponentKey.DELIVERY and h.delivery_weight > 0:
            signals.append(
                Signal(
                    "Commitments",
                    f"{h.commitments_met} met, {h.commitments_at_risk} at risk, "
                    f"{h.commitments_breached} breached",
                    row.value,
                )
            )
            if h.commitments_breached:
                cost = share * HUNDRED * h.breached_weight / h.delivery_weight
                signals.append(
                    Signal(
                        "Breached",
                        f"{h.commitments_breached} breached commitment"
                        f"{'s' if h.commitments_breached != 1 else ''}",
                        None,
                        cost,
                    )
                )
            if h.commitments_at_risk:
                cost = share * 50 * h.at_risk_weight / h.delivery_weight
                signals.append(
                    Signal(
                        "At risk",
                        f"{h.commitments_at_risk} commitment"
                        f"{'s' if h.commitments_at_risk != 1 else ''} at risk",
                        None,
                        cost,
                    )
                )
        else:
            counted = [points for _, _, points in found if points is not None]
            for label, raw, points in found:
                cost = (
                    share * (HUNDRED - points) / len(counted)
                    if points is not None and counted
                    else Decimal(0)
                )
                signals.append(Signal(label, raw, points, Decimal(cost)))
        lines.append(
            ComponentLine(
                key=row.component.key,
                label=row.component.label,
                rule=row.component.rule,
                value=row.value,
                weight=row.weight,
                contribution=row.contribution,
                signals=signals,
                missing=missing if row.value is None else "",
            )
        )
    return HealthExplanation(health=h, lines=lines)


def account_health(account: Account, run: ScoringRun | None) -> HealthExplanation | None:
    """The account's health in `run` with its explanation (2 queries), None without one."""
    if run is None:
        return None
    health = HealthScore.objects.filter(run=run, account=account).first()
    if health is None:
        return None
    return explain(health, component_lines_by_account(run, [account.pk]).get(account.pk, []))


def health_history(account: Account, *, limit: int = HEALTH_HISTORY_ENTRIES) -> list[HealthScore]:
    """The account's health in each succeeded run, newest first (one query)."""
    return list(
        HealthScore.objects.filter(account=account, run__status=RunStatus.SUCCEEDED)
        .select_related("run")
        .order_by("-as_of", "-run_id")[:limit]
    )


def health_history_queryset(account_ids: Any) -> QuerySet[HealthScore]:
    return HealthScore.objects.filter(
        account_id__in=account_ids, run__status=RunStatus.SUCCEEDED
    ).order_by("-as_of", "-run_id", "pk")


# --- Settings ------------------------------------------------------------------------------


SETTINGS_FIELDS = judgement.SETTINGS_FIELDS


@transaction.atomic
def warning_settings_save(
    *,
    actor: User,
    weights: Mapping[str, Decimal],
    values: Mapping[str, Any],
    reason: str = "",
) -> WarningSettings:
    """Directors (and admins) set the health components' weights (key -> weight, >= 0, at least
    one active component above zero) and the thresholds of the bands, the early warning and the
    investment-fit rules. Each changed row gets a history row with the actor and the reason; the
    next run uses them."""
    require(
        actor,
        "scoring.change_warning_settings",
        message="Only a sales director changes the health and investment settings.",
    )
    components = {c.key: c for c in HealthComponent.objects.select_for_update().order_by("pk")}
    unknown = set(weights) - set(components)
    if unknown:
        raise InvalidInput({"weights": [f"Unknown component: {', '.join(sorted(unknown))}."]})
    errors = {key: ["A weight cannot be negative."] for key, w in weights.items() if w < 0}
    if errors:
        raise InvalidInput(errors)
    proposed = {key: weights.get(key, c.weight) for key, c in components.items()}
    if not any(proposed[key] > 0 for key, c in components.items() if c.active):
        raise InvalidInput({"weights": ["At least one component needs a weight above zero."]})
    unknown_values = set(values) - set(SETTINGS_FIELDS)
    if unknown_values:
        raise InvalidInput({name: ["Unknown setting."] for name in unknown_values})
    settings = WarningSettings.objects.select_for_update().filter(pk=1).first()
    settings = settings or WarningSettings(pk=1)
    changed = settings._state.adding or any(
        getattr(settings, name) != value for name, value in values.items()
    )
    for name, value in values.items():
        setattr(settings, name, value)
    validated(settings)
    if settings.amber_from > settings.green_from:
        raise InvalidInput({"amber_from": ["Amber must start at or below green."]})
    note = (reason or "").strip()[:100] or "Health and investment settings changed"
    for key, component in components.items():
        if key in weights and component.weight != weights[key]:
            component.weight = weights[key]
            component._change_reason = note
            component._history_user = actor
            component.save(update_fields=["weight", "updated_at"])
    if changed:
        settings._change_reason = note
        settings._history_user = actor
        settings.save()
    return settings
