"""Relationship health, in the final stage after the groups stage and before the scores (whose
update copies it to the score rows): for every account the run scores (`units_sql`), a fixed
number of set-based statements whatever the number of accounts.

Health is absolute, never a percentile: a whole portfolio can be unhealthy. Each signal gets
0-100 points by a fixed rule (the rules are also the components' `rule` text, migration
scoring.0009, and DOMAIN.md); a component is the mean of its signals that have data; the score
is the weighted mean of the active components that have data (their weights renormalised
among them), rounded to 2 places.

A group is judged as one (DOMAIN.md "Relationship health", groups): its signals read its whole
subtree through `unit_of_sql` (each account -> its unit, mapped once per run by the groups
stage), grouped by the top: the decision makers, their attitudes and the latest contact with
one anywhere in the group; the commitments of every entity; the voice entries of every entity
(per metric, the mean of each entity's latest entry); the margin trend from the subtree's
snapshots. DMU coverage, revenue growth and the share of wallet come from the top's score row,
which holds the roll-up; the stage and the plan are the top's own (they belong to the group).

Signals and their points (as of the run's `as_of` day):
- relationship (always has data: an unknown relationship is not a healthy one):
  - coverage: the run's DMU coverage % of influential contacts (none known: 0);
  - attitude: 50 + 50 x (supporters - detractors) / decision makers (none known: 0);
  - recency: days since the latest contact with a decision maker: 100 up to RECENT_DAYS, 0 from
    STALE_DAYS on, evenly in between (never contacted, or no decision maker: 0);
  - stage: against the target stage of the current plan's stage objective (the latest due):
    100 at or above it, 25 less per rung below, 0 when disengaging (no target: left out).
- delivery: active commitments that are met (100), at risk (50) or breached (0), weighted by how
  recently their status was set (the last 90 days x1, the last 365 x0.5, older x0.25); none
  with such a status (none, or all still due): no data.
- plan (key accounts only; others: no data), of the current plan (plans.selectors.plans
  current_plan's rule: approved or under review with the day in its period, else the newest
  not archived):
  - approved: approved or under review 100, revised (awaiting re-approval) 50, else 0 (none: 0);
  - review: its review date on or after the day 100, else 0 (no plan: 0);
  - actions: 100 x (open - overdue) / open, open = open or in progress, overdue = due before
    the day (no open action: left out).
- value: revenue growth % vs the previous 12 months: 50 + 2.5 x growth; share-of-wallet change
  in points ((T12 - previous revenue) / the run's category spend x 100; needs previous revenue
  and a positive spend not below either year's revenue): 50 + 5 x change; net margin % of the last
  four complete quarters minus that of the four before (snapshots; both need revenue):
  50 + 5 x change; each held to 0-100 and left out without its figures.
- voice: the latest satisfaction, advocacy and retention entries dated on or before the day,
  each held to 0-100 (a group: the mean of its entities' latest ones); none: no data.
Band: red below amber_from, amber below green_from, green from there (defaults 50 / 75).
Early warning (`fell`): against the account's health in the previous succeeded run, a lower
band, or a fall of more than drop_points. The notification is sent by scoring.health, once per
run in which it fell (so once per change, however many runs it then stays down).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from accounts.models import STAGE_ORDER, Attitude, BuyingRole, Contact, Stage
from plans.models import (
    Action,
    ActionStatus,
    Commitment,
    CommitmentStatus,
    Objective,
    ObjectiveMetric,
    Plan,
    PlanStatus,
)
from scoring.engine import dialect
from scoring.engine.chunk import GROWTH_LIMIT, clamp
from scoring.engine.thresholds import KEY_STATUS
from scoring.engine.window import Window, add_months
from scoring.models import (
    AccountScore,
    HealthBand,
    HealthComponent,
    HealthComponentKey,
    HealthScore,
    MetricEntry,
    MetricKind,
    MetricSnapshot,
)

CONTACT = Contact._meta.db_table
PLAN = Plan._meta.db_table
OBJECTIVE = Objective._meta.db_table
ACTION = Action._meta.db_table
COMMITMENT = Commitment._meta.db_table
SCORE = AccountScore._meta.db_table
ENTRY = MetricEntry._meta.db_table
SNAPSHOT = MetricSnapshot._meta.db_table
HEALTH = HealthScore._meta.db_table
COMPONENT = HealthComponent._meta.db_table

# Recency of the last contact with a decision maker: full points up to RECENT_DAYS, none from
# STALE_DAYS on.
RECENT_DAYS, STALE_DAYS = 30, 180
# Delivery: a commitment's weight by the age of its status.
DELIVERY_RECENT_DAYS, DELIVERY_YEAR_DAYS = 90, 365
DELIVERY_WEIGHTS = (Decimal("1"), Decimal("0.5"), Decimal("0.25"))
# Points per rung below the target stage.
STAGE_RUNG_POINTS = 25
# Value: points per percent of revenue growth, per point of share or margin change (50 = flat).
GROWTH_POINTS, SHARE_POINTS, MARGIN_POINTS = Decimal("2.5"), 5, 5
APPROVED_PLAN = (PlanStatus.APPROVED.value, PlanStatus.UNDER_REVIEW.value)
RUNNING_PLAN = (*APPROVED_PLAN, PlanStatus.REVISED.value)
OPEN_ACTION = (ActionStatus.OPEN.value, ActionStatus.IN_PROGRESS.value)
VOICE = {
    "satisfaction": MetricKind.SATISFACTION.value,
    "advocacy": MetricKind.ADVOCACY.value,
    "retention": MetricKind.RETENTION.value,
}


def units_sql() -> str:
    """The accounts health is computed for: the units of selection the run scored (groups and
    standalone accounts; a member is judged with its group, and gets no health row of its own).
    One fragment (parameter `run`)."""
    return f"SELECT account_id FROM {SCORE} WHERE run_id = %(run)s AND is_unit"


def unit_of_sql() -> str:
    """`(account_id, unit_id)`: every account the run scored, mapped to its unit of selection,
    itself for a group's top or a standalone account. The groups stage (groups.py) mapped each
    member to the top of its tree once, whatever the depth, and stored it as the member's score
    row's `group`; this reads that mapping back, so a group's contacts, commitments, entries and
    snapshots are gathered from its whole subtree by a join, in the same statement."""
    return (
        f"SELECT account_id, COALESCE(group_id, account_id) AS unit_id FROM {SCORE} "
        "WHERE run_id = %(run)s "
        "AND COALESCE(group_id, account_id) IN (SELECT account_id FROM units)"
    )


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def _held(expr: str) -> str:
    """expr rounded to 2 places and held to 0-100."""
    value = f"ROUND(CAST({expr} AS NUMERIC), 2)"
    return f"(CASE WHEN {expr} < 0 THEN 0 WHEN {expr} > 100 THEN 100 ELSE {value} END)"


def _limited(expr: str) -> str:
    """expr rounded to 2 places and held to what a change column stores (a margin on a few
    cents of revenue can be millions of points)."""
    return clamp(f"ROUND(CAST({expr} AS NUMERIC), 2)", GROWTH_LIMIT)


def _mean(*exprs: str) -> str:
    """Mean of the non-NULL values, rounded to 2 places; NULL when all are NULL."""
    total = " + ".join(f"COALESCE({e}, 0)" for e in exprs)
    count = " + ".join(f"(CASE WHEN {e} IS NULL THEN 0 ELSE 1 END)" for e in exprs)
    return (
        f"(CASE WHEN ({count}) = 0 THEN NULL "
        f"ELSE ROUND(CAST(1.0 * ({total}) / ({count}) AS NUMERIC), 2) END)"
    )


def _days_since(column: str) -> str:
    as_of = dialect.date_param("as_of")
    if dialect.is_postgresql():
        return f"({as_of} - {column})"
    return f"CAST(julianday({as_of}) - julianday({column}) AS INTEGER)"


def _stage_rank(column: str) -> str:
    return (
        f"CASE {column} "
        + " ".join(f"WHEN '{stage}' THEN {rank}" for stage, rank in STAGE_ORDER.items())
        + " ELSE 0 END"
    )


def signals_sql(comp: str | None) -> str:
    """The run's HealthScore rows, complete: the signals and their points, the components'
    values from those points (as component_lines_sql reads them), the score and band, and
    the comparison with the previous run. `comp` is components_cte's (None: no component)."""
    d = dialect.date_param
    voice = ",\n           ".join(
        f"AVG(CASE WHEN metric = '{kind}' THEN value END) AS {name}" for name, kind in VOICE.items()
    )
    gap = f"({_stage_rank('target_stage')}) - ({_stage_rank('stage')})"
    overall = (
        f"""{comp},
vals AS (
    SELECT h.account_id, c.weight, {component_value_sql()} AS value
    FROM points h
    CROSS JOIN comp c
),
overall AS (
    SELECT account_id,
           CASE WHEN SUM(CASE WHEN value IS NULL THEN 0 ELSE weight END) = 0 THEN 0
                ELSE ROUND(CAST(1.0 * SUM(CASE WHEN value IS NULL THEN 0 ELSE weight * value END)
                                / SUM(CASE WHEN value IS NULL THEN 0 ELSE weight END)
                                AS NUMERIC), 2) END AS score
    FROM vals
    GROUP BY account_id
)"""
        if comp
        else "overall AS (SELECT account_id, 0 AS score FROM points WHERE 1 = 0)"
    )
    return f"""
INSERT INTO {HEALTH} (
    run_id, account_id, as_of, score, band, previous_score, previous_band, fell,
    dmu_coverage_pct, coverage_points, decision_makers, supporters, detractors, attitude_points,
    days_since_contact, recency_points, stage, target_stage, stage_points,
    commitments_met, commitments_at_risk, commitments_breached,
    delivery_weight, at_risk_weight, breached_weight,
    plan_status, plan_points, review_date, review_points, actions_open, actions_overdue,
    actions_points, revenue_growth_pct, revenue_points, share_change_pts, share_points,
    margin_change_pts, margin_points, satisfaction, advocacy, retention
)
WITH units AS ({units_sql()}),
unit_of AS ({unit_of_sql()}),
base AS (
    SELECT s.account_id, s.stage, s.status, s.dmu_coverage_pct, s.revenue, s.revenue_prev,
           s.revenue_growth_pct, s.spend_below_revenue, s.category_spend
    FROM {SCORE} s
    WHERE s.run_id = %(run)s AND s.account_id IN (SELECT account_id FROM units)
),
dm AS (
    SELECT u.unit_id AS account_id, COUNT(*) AS n,
           SUM(CASE WHEN c.attitude = '{Attitude.SUPPORTER.value}' THEN 1 ELSE 0 END) AS sup,
           SUM(CASE WHEN c.attitude = '{Attitude.DETRACTOR.value}' THEN 1 ELSE 0 END) AS det,
           MAX(CASE WHEN c.last_contact_on <= {d("as_of")} THEN c.last_contact_on END)
               AS last_contact
    FROM {CONTACT} c
    JOIN unit_of u ON u.account_id = c.account_id
    WHERE c.buying_role = '{BuyingRole.DECISION_MAKER.value}'
    GROUP BY u.unit_id
),
cplan AS (
    SELECT id, account_id, status, review_date FROM (
        SELECT p.id, p.account_id, p.status, p.review_date,
               ROW_NUMBER() OVER (
                   PARTITION BY p.account_id
                   ORDER BY CASE WHEN p.status IN {_in(RUNNING_PLAN)}
                                  AND p.period_start <= {d("as_of")}
                                  AND p.period_end >= {d("as_of")} THEN 0 ELSE 1 END,
                            p.period_start DESC, p.id DESC) AS pick
        FROM {PLAN} p
        WHERE p.status <> '{PlanStatus.ARCHIVED.value}'
          AND p.account_id IN (SELECT account_id FROM units)
    ) ranked
    WHERE pick = 1
),
target AS (
    SELECT plan_id, target_stage FROM (
        SELECT o.plan_id, o.target_stage,
               ROW_NUMBER() OVER (PARTITION BY o.plan_id ORDER BY o.due_date DESC, o.id DESC)
                   AS pick
        FROM {OBJECTIVE} o
        JOIN cplan ON cplan.id = o.plan_id
        WHERE o.metric = '{ObjectiveMetric.STAGE.value}' AND o.target_stage <> ''
    ) ranked
    WHERE pick = 1
),
acts AS (
    SELECT a.plan_id,
           SUM(CASE WHEN a.status IN {_in(OPEN_ACTION)} THEN 1 ELSE 0 END) AS open_n,
           SUM(CASE WHEN a.status IN {_in(OPEN_ACTION)} AND a.due_date < {d("as_of")}
                    THEN 1 ELSE 0 END) AS overdue_n
    FROM {ACTION} a
    JOIN cplan ON cplan.id = a.plan_id
    GROUP BY a.plan_id
),
weighted AS (
    SELECT u.unit_id AS account_id, c.status,
           CASE WHEN c.status_changed_at >= %(recent_since)s THEN {dialect.number_param("w0")}
                WHEN c.status_changed_at >= %(year_since)s THEN {dialect.number_param("w1")}
                ELSE {dialect.number_param("w2")} END AS w
    FROM {COMMITMENT} c
    JOIN unit_of u ON u.account_id = c.account_id
    WHERE c.active = TRUE
      AND c.status IN ('{CommitmentStatus.MET.value}', '{CommitmentStatus.AT_RISK.value}',
                       '{CommitmentStatus.BREACHED.value}')
),
deliv AS (
    SELECT account_id,
           SUM(CASE WHEN status = '{CommitmentStatus.MET.value}' THEN 1 ELSE 0 END) AS met_n,
           SUM(CASE WHEN status = '{CommitmentStatus.AT_RISK.value}' THEN 1 ELSE 0 END) AS risk_n,
           SUM(CASE WHEN status = '{CommitmentStatus.BREACHED.value}' THEN 1 ELSE 0 END)
               AS breach_n,
           SUM(w) AS total_w,
           SUM(CASE WHEN status = '{CommitmentStatus.AT_RISK.value}' THEN w ELSE 0 END) AS risk_w,
           SUM(CASE WHEN status = '{CommitmentStatus.BREACHED.value}' THEN w ELSE 0 END)
               AS breach_w
    FROM weighted
    GROUP BY account_id
),
voice AS (
    SELECT unit_id AS account_id,
           {voice}
    FROM (
        SELECT u.unit_id, e.metric,
               CASE WHEN e.value < 0 THEN 0 WHEN e.value > 100 THEN 100 ELSE e.value END
                   AS value,
               ROW_NUMBER() OVER (PARTITION BY e.account_id, e.metric
                                  ORDER BY e.period_start DESC) AS newest
        FROM {ENTRY} e
        JOIN unit_of u ON u.account_id = e.account_id
        WHERE e.metric IN {_in(tuple(VOICE.values()))} AND e.period_start <= {d("as_of")}
    ) latest
    WHERE newest = 1
    GROUP BY unit_id
),
margin AS (
    SELECT u.unit_id AS account_id,
           SUM(CASE WHEN m.period_start >= {d("recent_from")} THEN m.net_profit ELSE 0 END)
               AS net_r,
           SUM(CASE WHEN m.period_start >= {d("recent_from")} THEN m.revenue ELSE 0 END)
               AS rev_r,
           SUM(CASE WHEN m.period_start < {d("recent_from")} THEN m.net_profit ELSE 0 END)
               AS net_p,
           SUM(CASE WHEN m.period_start < {d("recent_from")} THEN m.revenue ELSE 0 END)
               AS rev_p
    FROM {SNAPSHOT} m
    JOIN unit_of u ON u.account_id = m.account_id
    WHERE m.period_start >= {d("previous_from")} AND m.period_start < {d("snap_to")}
    GROUP BY u.unit_id
),
signals AS (
    SELECT b.account_id, b.stage, b.status, b.dmu_coverage_pct,
           COALESCE(dm.n, 0) AS dms, COALESCE(dm.sup, 0) AS sup, COALESCE(dm.det, 0) AS det,
           {_days_since("dm.last_contact")} AS days,
           COALESCE(t.target_stage, '') AS target_stage,
           COALESCE(dv.met_n, 0) AS met_n, COALESCE(dv.risk_n, 0) AS risk_n,
           COALESCE(dv.breach_n, 0) AS breach_n,
           ROUND(CAST(COALESCE(dv.total_w, 0) AS NUMERIC), 2) AS total_w,
           ROUND(CAST(COALESCE(dv.risk_w, 0) AS NUMERIC), 2) AS risk_w,
           ROUND(CAST(COALESCE(dv.breach_w, 0) AS NUMERIC), 2) AS breach_w,
           COALESCE(cp.status, '') AS plan_status, cp.review_date, cp.id AS plan_id,
           COALESCE(ac.open_n, 0) AS open_n, COALESCE(ac.overdue_n, 0) AS overdue_n,
           b.revenue_growth_pct,
           CASE WHEN b.category_spend > 0 AND NOT b.spend_below_revenue
                     AND b.revenue_prev > 0 AND b.revenue_prev <= b.category_spend
                THEN {_limited("100.0 * (b.revenue - b.revenue_prev) / b.category_spend")}
           END AS share_change,
           CASE WHEN m.rev_r > 0 AND m.rev_p > 0
                THEN {_limited("100.0 * m.net_r / m.rev_r - 100.0 * m.net_p / m.rev_p")}
           END AS margin_change,
           v.satisfaction, v.advocacy, v.retention
    FROM base b
    LEFT JOIN dm ON dm.account_id = b.account_id
    LEFT JOIN cplan cp ON cp.account_id = b.account_id
    LEFT JOIN target t ON t.plan_id = cp.id
    LEFT JOIN acts ac ON ac.plan_id = cp.id
    LEFT JOIN deliv dv ON dv.account_id = b.account_id
    LEFT JOIN voice v ON v.account_id = b.account_id
    LEFT JOIN margin m ON m.account_id = b.account_id
),
points AS (
    SELECT account_id,
           dmu_coverage_pct, COALESCE(dmu_coverage_pct, 0) AS coverage_points,
           dms, sup, det,
           CASE WHEN dms > 0 THEN {_held("50 + 50.0 * (sup - det) / dms")} ELSE 0 END
               AS attitude_points,
           days,
           CASE WHEN days IS NULL OR days >= {STALE_DAYS} THEN 0
                WHEN days <= {RECENT_DAYS} THEN 100
                ELSE ROUND(CAST(100.0 * ({STALE_DAYS} - days) / {STALE_DAYS - RECENT_DAYS}
                                AS NUMERIC), 2) END AS recency_points,
           stage, target_stage,
           CASE WHEN target_stage = '' THEN NULL
                WHEN stage = '{Stage.DISENGAGING.value}' THEN 0
                WHEN {gap} <= 0 THEN 100
                WHEN {gap} >= 4 THEN 0
                ELSE 100 - {STAGE_RUNG_POINTS} * ({gap}) END AS stage_points,
           met_n, risk_n, breach_n, total_w AS delivery_weight, risk_w AS at_risk_weight,
           breach_w AS breached_weight,
           plan_status,
           CASE WHEN status <> %(key)s THEN NULL
                WHEN plan_status IN {_in(APPROVED_PLAN)} THEN 100
                WHEN plan_status = '{PlanStatus.REVISED.value}' THEN 50 ELSE 0 END AS plan_points,
           review_date,
           CASE WHEN status <> %(key)s THEN NULL
                WHEN review_date IS NOT NULL AND review_date >= {d("as_of")} THEN 100 ELSE 0 END
               AS review_points,
           open_n, overdue_n,
           CASE WHEN status <> %(key)s OR open_n = 0 THEN NULL
                ELSE ROUND(CAST(100.0 * (open_n - overdue_n) / open_n AS NUMERIC), 2) END
               AS actions_points,
           revenue_growth_pct,
           CASE WHEN revenue_growth_pct IS NOT NULL
                THEN {_held(f"50 + {GROWTH_POINTS} * revenue_growth_pct")} END AS revenue_points,
           share_change,
           CASE WHEN share_change IS NOT NULL
                THEN {_held(f"50 + {SHARE_POINTS} * share_change")} END AS share_points,
           margin_change,
           CASE WHEN margin_change IS NOT NULL
                THEN {_held(f"50 + {MARGIN_POINTS} * margin_change")} END AS margin_points,
           {_held("satisfaction")} AS satisfaction, {_held("advocacy")} AS advocacy,
           {_held("retention")} AS retention
    FROM signals
),
{overall},
scored AS (
    SELECT h.*, COALESCE(w.score, 0) AS score, p.score AS previous_score,
           p.band AS previous_band
    FROM points h
    LEFT JOIN overall w ON w.account_id = h.account_id
    LEFT JOIN {HEALTH} p ON p.account_id = h.account_id AND p.run_id = %(previous_run)s
),
banded AS (SELECT scored.*, {_band("scored.score")} AS band FROM scored)
SELECT %(run)s, account_id, {d("as_of")}, score, band, previous_score,
       COALESCE(previous_band, ''), {_fell()},
       dmu_coverage_pct, coverage_points, dms, sup, det, attitude_points, days, recency_points,
       stage, target_stage, stage_points, met_n, risk_n, breach_n,
       delivery_weight, at_risk_weight, breached_weight,
       plan_status, plan_points, review_date, review_points, open_n, overdue_n, actions_points,
       revenue_growth_pct, revenue_points, share_change, share_points,
       margin_change, margin_points, satisfaction, advocacy, retention
FROM banded
ORDER BY account_id
"""


def component_value_sql() -> str:
    """Each component's 0-100 value from the stored signal points (NULL: no data)."""
    h = "h."
    delivery = (
        f"CASE WHEN {h}delivery_weight > 0 THEN ROUND(CAST("
        f"(100.0 * ({h}delivery_weight - {h}at_risk_weight - {h}breached_weight) "
        f"+ 50.0 * {h}at_risk_weight) / {h}delivery_weight AS NUMERIC), 2) END"
    )
    values = {
        HealthComponentKey.RELATIONSHIP: _mean(
            "h.coverage_points", "h.attitude_points", "h.recency_points", "h.stage_points"
        ),
        HealthComponentKey.DELIVERY: delivery,
        HealthComponentKey.PLAN: _mean("h.plan_points", "h.review_points", "h.actions_points"),
        HealthComponentKey.VALUE: _mean("h.revenue_points", "h.share_points", "h.margin_points"),
        HealthComponentKey.VOICE: _mean("h.satisfaction", "h.advocacy", "h.retention"),
    }
    return (
        "CASE c.key "
        + " ".join(f"WHEN '{key.value}' THEN {expr}" for key, expr in values.items())
        + " END"
    )


def components_cte(components: list[dict]) -> tuple[str, dict]:
    """`comp(component_id, key, weight)` from the run's frozen configuration."""
    params: dict = {}
    rows = []
    for i, component in enumerate(components):
        params[f"hi{i}"] = component["id"]
        params[f"hk{i}"] = component["key"]
        params[f"hw{i}"] = Decimal(component["weight"])
        rows.append(
            f"({dialect.int_param(f'hi{i}')}, CAST(%(hk{i})s AS varchar(16)), "
            f"{dialect.number_param(f'hw{i}')})"
        )
    return f"comp(component_id, key, weight) AS (VALUES {', '.join(rows)})", params


def component_lines_sql(comp: str, accounts: int | None) -> str:
    """The component lines of the run's health rows: `(account_id, component_id, key, label,
    rule, value, weight, contribution)`, each value from the row's stored points
    (component_value_sql, as the score was computed), in the components' order. They are not
    stored: a run's frozen components and its health rows are all they are read from.
    `accounts` parameters `a0`... name the rows (None: the rows that fell)."""
    with_data = "SUM(CASE WHEN value IS NULL THEN 0 ELSE weight END) OVER (PARTITION BY account_id)"
    chosen = (
        "h.fell"
        if accounts is None
        else "h.account_id IN (" + ", ".join(f"%(a{i})s" for i in range(accounts)) + ")"
    )
    return f"""
WITH {comp},
vals AS (
    SELECT h.account_id, c.component_id, c.weight, {component_value_sql()} AS value
    FROM {HEALTH} h
    CROSS JOIN comp c
    WHERE h.run_id = %(run)s AND {chosen}
),
shared AS (SELECT vals.*, {with_data} AS weight_with_data FROM vals)
SELECT s.account_id, s.component_id, hc.key, hc.label, hc.rule, s.value, s.weight,
       CASE WHEN s.value IS NULL OR s.weight_with_data = 0 THEN 0
            ELSE ROUND(CAST(1.0 * s.weight * s.value / s.weight_with_data AS NUMERIC), 2) END
FROM shared s
JOIN {COMPONENT} hc ON hc.id = s.component_id
ORDER BY s.account_id, hc.position, hc.key
"""


def component_lines(
    *, run_id: int, config: dict, account_ids: list[int] | None = None
) -> list[tuple]:
    """component_lines_sql's rows for the given accounts' health in the run (None: the
    accounts whose health fell), one query; none without components."""
    components = config.get("components") or []
    if not components or account_ids == []:
        return []
    comp, params = components_cte(components)
    params["run"] = run_id
    if account_ids is not None:
        params.update({f"a{i}": pk for i, pk in enumerate(account_ids)})
    sql = component_lines_sql(comp, None if account_ids is None else len(account_ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _band_rank(band: str) -> str:
    return (
        f"CASE {band} WHEN '{HealthBand.RED.value}' THEN 0 "
        f"WHEN '{HealthBand.AMBER.value}' THEN 1 ELSE 2 END"
    )


def _band(score: str) -> str:
    amber, green = dialect.number_param("amber_from"), dialect.number_param("green_from")
    return (
        f"CASE WHEN {score} >= {green} THEN '{HealthBand.GREEN.value}' "
        f"WHEN {score} >= {amber} THEN '{HealthBand.AMBER.value}' "
        f"ELSE '{HealthBand.RED.value}' END"
    )


def _fell() -> str:
    """The early warning, against the previous run's score and band."""
    return (
        f"(previous_score IS NOT NULL AND (({_band_rank('band')}) < "
        f"({_band_rank('previous_band')}) "
        f"OR previous_score - score > {dialect.number_param('drop_points')}))"
    )


def compute_health(
    *, run_id: int, window: Window, config: dict, previous_run_id: int | None
) -> dict[str, int]:
    """Write the run's HealthScore rows, complete (2 statements, and an ANALYZE on
    PostgreSQL; their component lines are read from them, component_lines); idempotent (this
    run's rows are deleted first), the caller wraps it in a transaction, before the scores:
    their update (final.py) copies the score and band to the AccountScore rows, so each row is
    rewritten once. It reads only figures the chunks and the groups stage wrote. `config` is
    the run's frozen health_config."""
    as_of_start = dt.datetime.combine(window.as_of, dt.time())

    def since(days: int) -> object:
        return dialect.adapt_datetime(
            timezone.make_aware(as_of_start - dt.timedelta(days=days - 1))
        )

    recent_from = add_months(window.snapshot_end, -12)
    params = {
        "run": run_id,
        "previous_run": previous_run_id or 0,
        "key": KEY_STATUS,
        "as_of": dialect.adapt_date(window.as_of),
        "recent_since": since(DELIVERY_RECENT_DAYS),
        "year_since": since(DELIVERY_YEAR_DAYS),
        "w0": DELIVERY_WEIGHTS[0],
        "w1": DELIVERY_WEIGHTS[1],
        "w2": DELIVERY_WEIGHTS[2],
        "recent_from": dialect.adapt_date(recent_from),
        "previous_from": dialect.adapt_date(add_months(recent_from, -12)),
        "snap_to": dialect.adapt_date(window.snapshot_end),
        "amber_from": Decimal(config["amber_from"]),
        "green_from": Decimal(config["green_from"]),
        "drop_points": Decimal(config["drop_points"]),
    }
    components = config.get("components") or []
    comp, comp_params = components_cte(components) if components else (None, {})
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {HEALTH} WHERE run_id = %s", [run_id])
        cursor.execute(signals_sql(comp), {**params, **comp_params})
        scored = cursor.rowcount
        # The rows just written are the next statement's input (the scores' update): without
        # fresh statistics PostgreSQL took this run's 35,000 health rows for one, and a join
        # on them ran for minutes instead of a second (50,000 accounts, the second run on a
        # database).
        for statement in dialect.refresh_statistics_statements(HEALTH, ["run_id", "account_id"]):
            cursor.execute(statement)
    return {"health_scores": scored}
