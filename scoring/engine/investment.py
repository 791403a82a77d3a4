"""Investment that fits the stage and the quadrant, in the final stage after the scores: the
rules in one place, one INSERT for all of them, for the accounts the run scores
(health.units_sql). The thresholds are the director's (scoring.models.WarningSettings, frozen
in the run's health_config).

Figures (the run's trailing 12 months): cost-to-serve share = cost to serve / revenue x 100
(accounts with revenue only); action count = the non-cancelled actions of the account's plans
that are not archived, due from the start of T12 on. Medians are over the run's key accounts
(the mean of the middle two of an even count); a rule whose median has no value flags nothing.

- over_served: a key account in Streamline or Status whose cost-to-serve share is above
  over_served_factor x the key-account median share (value: its share; threshold: that).
- under_invested: a key account in Star whose cost to serve is below under_invested_factor x the
  key-account median cost to serve AND whose action count is below the same factor x the
  median action count (value / threshold, value_2 / threshold_2).
- stage_too_high: an account at interdependent or strategic stage whose attractiveness
  percentile (PERCENT_RANK x 100 over the run's accounts) is below bottom_attractiveness_pct
  (default 50: the bottom half) (value: percentile; value_2: attractiveness).
- loss_making: a key account whose net profit after cost to serve is negative in each of the
  last loss_quarters complete quarters (MetricSnapshot; default 2) (value: their total net
  profit; value_2: the best of those quarters).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from accounts.models import Quadrant, Stage
from plans.models import Action, ActionStatus, Plan, PlanStatus
from scoring.engine import dialect
from scoring.engine.health import units_sql
from scoring.engine.thresholds import KEY_STATUS
from scoring.engine.window import Window, add_months
from scoring.models import AccountScore, InvestmentRule, InvestmentWarning, MetricSnapshot

SCORE = AccountScore._meta.db_table
PLAN = Plan._meta.db_table
ACTION = Action._meta.db_table
SNAPSHOT = MetricSnapshot._meta.db_table
WARNING = InvestmentWarning._meta.db_table

OVER_SERVED_QUADRANTS = (Quadrant.STREAMLINE.value, Quadrant.STATUS.value)
HIGH_STAGES = (Stage.INTERDEPENDENT.value, Stage.STRATEGIC.value)


def _median(column: str, source: str) -> str:
    return f"""(
        SELECT AVG({column}) FROM (
            SELECT {column}, ROW_NUMBER() OVER (ORDER BY {column}) AS rn,
                   COUNT(*) OVER () AS n
            FROM {source} WHERE {column} IS NOT NULL
        ) ordered
        WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
    )"""


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def warnings_sql() -> str:
    d = dialect.date_param
    n = dialect.number_param
    return f"""
INSERT INTO {WARNING} (run_id, account_id, rule, value, threshold, value_2, threshold_2)
WITH units AS ({units_sql()}),
acts AS (
    SELECT p.account_id, COUNT(*) AS n
    FROM {ACTION} a
    JOIN {PLAN} p ON p.id = a.plan_id
    WHERE p.status <> '{PlanStatus.ARCHIVED.value}'
      AND a.status <> '{ActionStatus.CANCELLED.value}'
      AND a.due_date >= {d("t12_start")}
      AND p.account_id IN (SELECT account_id FROM units)
    GROUP BY p.account_id
),
s AS (
    SELECT sc.account_id, sc.status, sc.stage, sc.quadrant, sc.attractiveness,
           sc.cost_to_serve,
           CASE WHEN sc.revenue > 0
                THEN ROUND(CAST(100.0 * sc.cost_to_serve / sc.revenue AS NUMERIC), 2) END
               AS cts_pct,
           COALESCE(acts.n, 0) AS actions,
           ROUND(CAST(100 * PERCENT_RANK() OVER (ORDER BY sc.attractiveness) AS NUMERIC), 2)
               AS percentile
    FROM {SCORE} sc
    LEFT JOIN acts ON acts.account_id = sc.account_id
    WHERE sc.run_id = %(run)s AND sc.account_id IN (SELECT account_id FROM units)
),
k AS (SELECT * FROM s WHERE status = %(key)s),
medians AS (
    SELECT ROUND(CAST({n("over")} * {_median("cts_pct", "k")} AS NUMERIC), 2) AS share_limit,
           ROUND(CAST({n("under")} * {_median("cost_to_serve", "k")} AS NUMERIC), 2)
               AS cts_limit,
           ROUND(CAST({n("under")} * {_median("actions", "k")} AS NUMERIC), 2) AS actions_limit
),
losses AS (
    SELECT account_id, SUM(net_profit) AS total, MAX(net_profit) AS best
    FROM {SNAPSHOT}
    WHERE period_start >= {d("loss_from")} AND period_start < {d("snap_to")}
      AND account_id IN (SELECT account_id FROM k)
    GROUP BY account_id
    HAVING COUNT(*) = %(loss_quarters)s AND MAX(net_profit) < 0
)
SELECT %(run)s, k.account_id, '{InvestmentRule.OVER_SERVED.value}', k.cts_pct, m.share_limit,
       NULL, NULL
FROM k CROSS JOIN medians m
WHERE k.quadrant IN {_in(OVER_SERVED_QUADRANTS)} AND k.cts_pct > m.share_limit
UNION ALL
SELECT %(run)s, k.account_id, '{InvestmentRule.UNDER_INVESTED.value}', k.cost_to_serve,
       m.cts_limit, k.actions, m.actions_limit
FROM k CROSS JOIN medians m
WHERE k.quadrant = '{Quadrant.STAR.value}'
  AND k.cost_to_serve < m.cts_limit AND k.actions < m.actions_limit
UNION ALL
SELECT %(run)s, s.account_id, '{InvestmentRule.STAGE_TOO_HIGH.value}', s.percentile,
       {n("bottom")}, s.attractiveness, NULL
FROM s
WHERE s.stage IN {_in(HIGH_STAGES)} AND s.percentile < {n("bottom")}
UNION ALL
SELECT %(run)s, l.account_id, '{InvestmentRule.LOSS_MAKING.value}', l.total, 0, l.best, NULL
FROM losses l
"""


def compute_investment_warnings(*, run_id: int, window: Window, config: dict) -> int:
    """Write the run's InvestmentWarning rows (2 statements); idempotent, the caller wraps it in
    a transaction."""
    quarters = int(config["loss_quarters"])
    params = {
        "run": run_id,
        "key": KEY_STATUS,
        "t12_start": dialect.adapt_date(window.t12_start),
        "snap_to": dialect.adapt_date(window.snapshot_end),
        "loss_from": dialect.adapt_date(add_months(window.snapshot_end, -3 * quarters)),
        "loss_quarters": quarters,
        "over": Decimal(config["over_served_factor"]),
        "under": Decimal(config["under_invested_factor"]),
        "bottom": Decimal(config["bottom_attractiveness_pct"]),
    }
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {WARNING} WHERE run_id = %s", [run_id])
        cursor.execute(warnings_sql(), params)
        return cursor.rowcount
