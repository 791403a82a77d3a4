"""Reads for the director's portfolio dashboard: tiles, warnings and chart series.

Everything here reads the precomputed results of the current scoring run (AccountScore,
MetricSnapshot) and small live tables (Account status and KAM, stage changes, plans, actions,
commitments). Each function is a fixed number of set-based queries, whatever the number of
accounts: sums, counts and window functions run in the database, and any list that could grow
with the portfolio is cut to a bounded length with its full count beside it.

Two kinds of reads:
- the run's results (sums, shares, flags, matrix, curves, effectiveness trends) use the run's
  own snapshot of each account (AccountScore.status, stage and flags), so they never change
  once the run has finished and are cached per run, filters and period;
- live counts (key accounts now, KAM loads, stages, stage movements, overdue plans, actions and
  commitments) are read on every request from small, indexed tables, so a designation or a
  stage move shows at once.

The code: `base` (size rules, scope, period), `tiles`, `warnings`, `charts`, `overdue` and
`dashboard` (all of it, cached per run); everything is re-exported here, so
`from scoring import portfolio` keeps one namespace.
"""
