"""The white-space stage of a chunk: per account and product category, the trailing-12-month
revenue (the map's actuals), and each account's category spend from its spend estimates.

Definitions:
- category revenue: the sum of the account's sales lines dated in the T12 window, per product
  category as the sales line names it (blank: "Uncategorised"); one statement per chunk, so the
  query count does not grow with accounts or categories.
- estimated category spend: per product category, the estimate of the latest year up to the
  run's as_of year; summed over the categories. An account with no estimate keeps the category
  spend entered on it (customers import, account form): `spend_cte` gives
  `estimated(account_id, spend)` for the chunk's range and the scores read
  COALESCE(estimated.spend, account.category_spend).
"""

from __future__ import annotations

from accounts.models import ProductCategory, SalesLine
from scoring.engine import dialect
from scoring.models import CategoryRevenue, SpendEstimate

SALES = SalesLine._meta.db_table
CATEGORY_REVENUE = CategoryRevenue._meta.db_table
ESTIMATE = SpendEstimate._meta.db_table
CATEGORY = ProductCategory._meta.db_table
UNCATEGORISED = "Uncategorised"


def spend_cte() -> str:
    """`estimated(account_id, spend)`: the chunk's accounts with at least one estimate."""
    return f"""estimated AS (
    SELECT account_id, SUM(estimated_spend) AS spend FROM (
        SELECT account_id, estimated_spend,
               ROW_NUMBER() OVER (PARTITION BY account_id, category_id
                                  ORDER BY year DESC) AS newest
        FROM {ESTIMATE}
        WHERE account_id BETWEEN %(lo)s AND %(hi)s AND year <= %(spend_year)s
    ) latest
    WHERE newest = 1
    GROUP BY account_id
)"""


def category_revenue_sql() -> str:
    d = dialect.date_param
    return f"""
INSERT INTO {CATEGORY_REVENUE} (run_id, account_id, category, revenue)
SELECT %(run)s, account_id,
       CASE WHEN product_category = '' THEN '{UNCATEGORISED}' ELSE product_category END,
       SUM(revenue)
FROM {SALES}
WHERE account_id BETWEEN %(lo)s AND %(hi)s
  AND date >= {d("t12_start")} AND date < {d("t12_end")}
GROUP BY account_id,
         CASE WHEN product_category = '' THEN '{UNCATEGORISED}' ELSE product_category END
"""


def delete_category_revenue_sql() -> str:
    return (
        f"DELETE FROM {CATEGORY_REVENUE} "
        "WHERE run_id = %(run)s AND account_id BETWEEN %(lo)s AND %(hi)s"
    )


def categories_sync_sql() -> str:
    """Add the product categories the run found on sales lines to the managed list."""
    now = "CURRENT_TIMESTAMP"
    return f"""
INSERT INTO {CATEGORY} (name, created_at)
SELECT DISTINCT c.category, {now}
FROM {CATEGORY_REVENUE} c
WHERE c.run_id = %(run)s AND c.category <> '{UNCATEGORISED}'
  AND NOT EXISTS (SELECT 1 FROM {CATEGORY} p WHERE p.name = c.category)
"""
