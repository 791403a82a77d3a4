"""The scoring engine: the set-based SQL that recomputes the whole portfolio.

A run is three stages, each a fixed number of SQL statements whatever the number of accounts:
1. set-up (once): split the account ids into ranges (housekeeping.chunk_bounds) and pick the
   snapshot quarters (housekeeping.snapshot_start);
2. chunks (one per id range, in any order, on any worker): trailing-12-month figures and
   quarterly snapshots of the range's accounts (chunk.compute_chunk);
3. groups (once, after every chunk, in a transaction of its own that records on the run that
   it is done, so a retried final stage does not roll up twice): every group's subtree rolled
   up into its top's row, members marked, group snapshots written (groups.roll_up_groups);
4. final: relationship health (judgement.judge_health: health.py) and the score explanations
   (final.explain_scores: percentiles and contributions over the units of selection), side by
   side in transactions of their own; then, in the last transaction, the scores, strength,
   quadrants, ranks and flags, the health copied in the same update (final.finalize_scores),
   investment fit (judgement.judge_investment: investment.py) and the run's success; old
   runs' rows are pruned meanwhile (housekeeping.prune_runs).
The definitions of every figure are in the docstrings of chunk.py, groups.py, final.py,
window.py and rates.py; the thresholds in thresholds.py; the SQL differences between
PostgreSQL and SQLite in dialect.py. The run's lifecycle (locking, progress, status) is in
scoring.services. Import each name from the module that defines it.
"""
