"""The final stage, once per run after every chunk: percentiles, scores, matrix, flags.

Over the units of selection only (AccountScore.is_unit: groups, rolled up by groups.py, and
standalone accounts); a group's members are neither normalised, scored, ranked nor flagged.

Selection score:
- Each active criterion's raw value per account: computed criteria read the run's AccountScore
  row or the account (revenue, contribution = net profit, revenue growth %, turnover, category
  spend, headroom, market growth %); rated criteria read the newest Rating of the account and
  criterion made on or before as_of. No rating, or no data (e.g. growth without previous revenue)
  => raw NULL. A category spend below our revenue (the spend_below_revenue flag) is wrong data:
  its category spend and headroom are NULL, so they earn nothing rather than a silent score.
- normalised = PERCENT_RANK() x 100 over the accounts with a raw value, per criterion, rounded to
  4 places: the lowest value gets 0, the highest 100, ties the same value, and one outlier cannot
  flatten the rest. A NULL raw value normalises to 0: no evidence earns no credit.
- contribution = ROUND(weight / sum of the run's active weights x normalised, 2); the
  attractiveness score is the sum of an account's contributions, so the stored explanation adds
  up to the stored score exactly (0 for every account when all weights are 0).
Portfolio matrix:
- relative strength = mean of four 0-100 components, rounded to 2 places: the account's share of
  wallet percentile (PERCENT_RANK x 100 among accounts with a share, else 0: a share is unknown
  when the category spend is below our revenue), its stage
  (thresholds.STAGE_STRENGTH), its satisfaction (missing => 0) and its DMU coverage (missing => 0).
- quadrant: attractiveness >= HIGH_ATTRACTIVENESS is high, strength >= HIGH_STRENGTH is high;
  Strategic (high, high), Star (high, low), Status (low, high), Streamline (low, low).
- rank: RANK() by attractiveness, highest first (ties share a rank).
Flags:
- is_pareto: accounts ranked by T12 revenue (highest first, then by id) whose cumulative revenue
  before them is below 80% of the total: the smallest set that makes up 80% of revenue.
- is_4x: revenue / 12 >= 4 x the average monthly revenue of the accounts with revenue > 0.
- is_misclassified: a key account ranked in the bottom half (rank > (n + 1) / 2), or a non-key
  account in the top decile (rank <= ceil(n / 10)).
- kam_overloaded: the account's KAM has more than KAM_MAX_KEY_ACCOUNTS key accounts.
Health: the same update copies each unit's HealthScore of the run (score and band, health.py,
judged before the scores) to its row, for the lists and the API; a unit without one, and every
member, keeps none (NULL and '').
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from accounts.models import Account, Quadrant
from scoring.engine import dialect
from scoring.engine.thresholds import (
    FOUR_X_FACTOR,
    HIGH_ATTRACTIVENESS,
    HIGH_STRENGTH,
    KAM_MAX_KEY_ACCOUNTS,
    KEY_STATUS,
    PARETO_DEN,
    PARETO_NUM,
    STAGE_STRENGTH,
)
from scoring.engine.whitespace import categories_sync_sql
from scoring.engine.window import Window
from scoring.models import AccountScore, CriterionSource, HealthScore, Rating, ScoreExplanation

ACCOUNT = Account._meta.db_table
SCORE = AccountScore._meta.db_table
EXPLANATION = ScoreExplanation._meta.db_table
RATING = Rating._meta.db_table
HEALTH = HealthScore._meta.db_table

# Where each computed criterion's raw value comes from: s = the run's AccountScore, a = Account.
COMPUTED_RAW = {
    CriterionSource.REVENUE: "s.revenue",
    CriterionSource.CONTRIBUTION: "s.net_profit",
    CriterionSource.REVENUE_GROWTH: "s.revenue_growth_pct",
    CriterionSource.TURNOVER: "s.turnover",
    CriterionSource.CATEGORY_SPEND: "CASE WHEN s.spend_below_revenue THEN NULL "
    "ELSE s.category_spend END",
    CriterionSource.HEADROOM: "s.headroom",
    CriterionSource.MARKET_GROWTH: "a.market_growth_pct",
}


# A stored explanation line, in this order (scoring.explanations reads it).
LINE_COLUMNS = ["criterion_id", "raw", "normalised", "weight", "contribution"]


def units(expr: str, places: int) -> str:
    """A decimal with at most `places` places as an exact integer count of 10**-places."""
    return f"CAST(ROUND(CAST({expr} * {10**places} AS NUMERIC)) AS bigint)"


def weight_units(weight: str) -> int:
    """A weight (at most 2 places) in hundredths."""
    return int(Decimal(weight) * 100)


def criteria_cte(criteria: list[dict]) -> tuple[str, dict]:
    """`crit(criterion_id, source, weight, weight_units)` from the run's weights (never empty:
    see caller); weight_units is the weight in hundredths."""
    params: dict = {}
    rows = []
    for i, criterion in enumerate(criteria):
        params[f"ci{i}"] = criterion["id"]
        params[f"cs{i}"] = criterion["source"]
        params[f"cw{i}"] = Decimal(criterion["weight"])
        params[f"cu{i}"] = weight_units(criterion["weight"])
        rows.append(
            f"({dialect.int_param(f'ci{i}')}, CAST(%(cs{i})s AS varchar(20)), "
            f"{dialect.number_param(f'cw{i}')}, {dialect.int_param(f'cu{i}')})"
        )
    columns = "crit(criterion_id, source, weight, weight_units)"
    return f"{columns} AS (VALUES {', '.join(rows)})", params


def explanations_sql(crit: str) -> str:
    """One ScoreExplanation row per unit: every criterion's line, in criterion id order, and
    their sum, the unit's attractiveness."""
    raw = "CASE c.source " + " ".join(
        f"WHEN '{source.value}' THEN {column}" for source, column in COMPUTED_RAW.items()
    )
    raw += " ELSE r.value END"
    return f"""
INSERT INTO {EXPLANATION} (run_id, account_id, lines, attractiveness)
WITH {crit},
latest_rating AS (
    SELECT account_id, criterion_id, value FROM (
        SELECT account_id, criterion_id, value,
               ROW_NUMBER() OVER (PARTITION BY account_id, criterion_id
                                  ORDER BY rated_at DESC, id DESC) AS newest
        FROM {RATING}
        WHERE rated_at < %(ratings_until)s
    ) ratings
    WHERE newest = 1
),
raw AS (
    SELECT s.account_id, c.criterion_id, c.weight, c.weight_units, {raw} AS raw
    FROM {SCORE} s
    JOIN {ACCOUNT} a ON a.id = s.account_id
    CROSS JOIN crit c
    LEFT JOIN latest_rating r ON r.account_id = s.account_id AND r.criterion_id = c.criterion_id
                             AND c.source = ''
    WHERE s.run_id = %(run)s AND s.is_unit
),
ranked AS (
    -- only the values there are get ranked (sorted); no value normalises to 0. product is
    -- weight x normalised in integer units (1/100 of a weight x 1/10000 of a point), so both
    -- databases split the score into contributions with exact integer arithmetic
    SELECT account_id, criterion_id, weight, raw, normalised,
           weight_units * {units("normalised", 4)} AS product
    FROM (
        SELECT raw.*,
               ROUND(CAST(100 * PERCENT_RANK() OVER (
                   PARTITION BY criterion_id ORDER BY raw) AS NUMERIC), 4) AS normalised
        FROM raw
        WHERE raw IS NOT NULL
    ) valued
    UNION ALL
    SELECT account_id, criterion_id, weight, raw, 0, 0 FROM raw WHERE raw IS NULL
),
units AS (
    SELECT ranked.*,
           product / %(denominator)s AS floor_cents,
           product - product / %(denominator)s * %(denominator)s AS remainder
    FROM ranked
),
apportioned AS (
    -- largest remainder: the cents the floors lack go to the largest remainders (all three
    -- windows share one sort, by account and remainder)
    SELECT units.*,
           (SUM(product) OVER whole + %(denominator)s / 2) / %(denominator)s
               - SUM(floor_cents) OVER whole AS missing_cents,
           ROW_NUMBER() OVER by_remainder AS remainder_rank
    FROM units
    WINDOW whole AS (PARTITION BY account_id),
           by_remainder AS (PARTITION BY account_id ORDER BY remainder DESC, criterion_id)
),
explained AS (
    SELECT account_id, criterion_id,
           CAST(raw AS NUMERIC(20, 4)) AS raw, CAST(normalised AS NUMERIC(7, 4)) AS normalised,
           CAST(weight AS NUMERIC(6, 2)) AS weight,
           CAST((floor_cents + CASE WHEN remainder_rank <= missing_cents THEN 1 ELSE 0 END)
                / 100.0 AS NUMERIC(7, 2)) AS contribution
    FROM apportioned
)
{dialect.lines_per_account("explained", LINE_COLUMNS, order="criterion_id", total="contribution")}
"""


def scores_update_sql() -> str:
    stage = "CASE s.stage " + " ".join(
        f"WHEN '{stage}' THEN {points}" for stage, points in STAGE_STRENGTH.items()
    )
    stage += " ELSE 0 END"
    cents = units("s.revenue", 2)
    return f"""
UPDATE {SCORE}
SET attractiveness = m.attractiveness,
    relative_strength = m.strength,
    quadrant = CASE
        WHEN m.attractiveness >= {HIGH_ATTRACTIVENESS} AND m.strength >= {HIGH_STRENGTH}
            THEN '{Quadrant.STRATEGIC.value}'
        WHEN m.attractiveness >= {HIGH_ATTRACTIVENESS} THEN '{Quadrant.STAR.value}'
        WHEN m.strength >= {HIGH_STRENGTH} THEN '{Quadrant.STATUS.value}'
        ELSE '{Quadrant.STREAMLINE.value}' END,
    "rank" = m.attractiveness_rank,
    is_pareto = ({PARETO_DEN} * m.cents_before < {PARETO_NUM} * m.cents_total),
    is_4x = (m.cents > 0 AND m.cents * m.positive_accounts >= {FOUR_X_FACTOR} * m.positive_cents),
    is_misclassified = (
        (m.status = %(key)s AND 2 * m.attractiveness_rank > m.n + 1)
        OR (m.status <> %(key)s AND m.attractiveness_rank <= (m.n + 9) / 10)
    ),
    kam_overloaded = (m.kam_key_accounts > {KAM_MAX_KEY_ACCOUNTS}),
    health = m.health,
    health_band = m.health_band
FROM (
WITH kam_load AS (
    SELECT kam_id, COUNT(*) AS key_accounts
    FROM {ACCOUNT} WHERE status = %(key)s AND kam_id IS NOT NULL
    GROUP BY kam_id
),
base AS (
    SELECT s.id, s.account_id, s.status, s.share_of_wallet_pct AS share,
           COALESCE(c.attractiveness, 0) AS attractiveness,
           {cents} AS cents,
           {stage} AS stage_points,
           COALESCE(s.satisfaction, 0) AS satisfaction,
           COALESCE(s.dmu_coverage_pct, 0) AS dmu,
           COALESCE(k.key_accounts, 0) AS kam_key_accounts,
           h.score AS health, COALESCE(h.band, '') AS health_band
    FROM {SCORE} s
    JOIN {ACCOUNT} a ON a.id = s.account_id
    LEFT JOIN {EXPLANATION} c ON c.run_id = %(run)s AND c.account_id = s.account_id
    LEFT JOIN kam_load k ON k.kam_id = a.kam_id
    LEFT JOIN {HEALTH} h ON h.run_id = %(run)s AND h.account_id = s.account_id
    WHERE s.run_id = %(run)s AND s.is_unit
),
ranked AS (
    SELECT b.*,
           RANK() OVER (ORDER BY attractiveness DESC) AS attractiveness_rank,
           COUNT(*) OVER () AS n,
           CASE WHEN share IS NULL THEN 0
                ELSE ROUND(CAST(100 * PERCENT_RANK() OVER (
                         PARTITION BY share IS NULL ORDER BY share) AS NUMERIC), 2)
           END AS share_points,
           COALESCE(SUM(cents) OVER (ORDER BY cents DESC, account_id
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
               AS cents_before,
           SUM(cents) OVER () AS cents_total,
           SUM(CASE WHEN cents > 0 THEN cents ELSE 0 END) OVER () AS positive_cents,
           SUM(CASE WHEN cents > 0 THEN 1 ELSE 0 END) OVER () AS positive_accounts
    FROM base b
),
matrix AS (
    -- the mean of four 2-place components, rounded half up in integer cents
    SELECT r.*,
           ({units("share_points", 2)} + 100 * stage_points + {units("satisfaction", 2)}
            + {units("dmu", 2)} + 2) / 4 / 100.0 AS strength
    FROM ranked r
)
SELECT * FROM matrix
) m
WHERE {SCORE}.id = m.id
"""


def start_final_step() -> None:
    """Open a step of the final stage on PostgreSQL (nothing on SQLite): the session tuning of
    its big statements, for the step's transaction."""
    with connection.cursor() as cursor:
        for statement in dialect.session_tuning_statements(256, nested_loops=True):
            cursor.execute(statement)


def refresh_score_statistics() -> None:
    """Fresh statistics of the chunks' score rows (PostgreSQL), which the groups stage, the
    health, the explanations and the scores read by run next."""
    with connection.cursor() as cursor:
        for statement in dialect.refresh_statistics_statements(SCORE, ["run_id", "account_id"]):
            cursor.execute(statement)


def explain_scores(*, run_id: int, window: Window, criteria: list[dict]) -> dict[str, int]:
    """Write the run's ScoreExplanation rows, each unit's attractiveness with its lines (one
    statement, and the delete that makes it idempotent), from the rolled-up score rows and the
    ratings; nothing else reads or writes them before the scores' update, so it may run beside
    the health, in a transaction of its own."""
    params = {
        "run": run_id,
        "ratings_until": dialect.adapt_datetime(window.ratings_until),
    }
    # The sum of the weights in hundredths; contribution cents = w x n / (that x 100).
    total_units = sum(weight_units(c["weight"]) for c in criteria)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {EXPLANATION} WHERE run_id = %s", [run_id])
        if not criteria:
            return {"criterion_scores": 0}
        crit, crit_params = criteria_cte(criteria)
        cursor.execute(
            explanations_sql(crit),
            {**params, **crit_params, "denominator": total_units * 100 or 1},
        )
        # Every unit is explained by every criterion of the run: the lines written.
        return {"criterion_scores": cursor.rowcount * len(criteria)}


def finalize_scores(*, run_id: int) -> dict[str, int]:
    """Complete the run's AccountScore rows from its explanations and its health (one update),
    and sync the product categories; idempotent, after explain_scores and the health."""
    params = {"run": run_id, "key": KEY_STATUS}
    with connection.cursor() as cursor:
        cursor.execute(scores_update_sql(), params)
        scored = cursor.rowcount
        cursor.execute(categories_sync_sql(), params)
    return {"accounts_scored": scored}
