"""The scoring engine: the set-based SQL that recomputes the whole portfolio.

A run is three stages, each a fixed number of SQL statements whatever the number of accounts:
1. plan (once): split the account ids into ranges (plan.chunk_bounds) and pick the snapshot
   quarters (plan.snapshot_start);
2. chunks (one per id range, in any order, on any worker): trailing-12-month figures and
   quarterly snapshots of the range's accounts (chunk.compute_chunk);
3. final (once, after every chunk): percentiles, contributions, scores, strength, quadrants,
   ranks and flags over all accounts (final.finalize_scores); old runs' rows are pruned
   meanwhile (plan.prune_runs).
The definitions of every figure are in the docstrings of chunk.py, final.py, window.py and
rates.py; the thresholds in rules.py; the SQL differences between PostgreSQL and SQLite in
dialect.py. The run's lifecycle (locking, progress, status) is in scoring.services.
"""

from scoring.engine.chunk import ChunkResult, compute_chunk
from scoring.engine.final import finalize_scores
from scoring.engine.plan import chunk_bounds, prune_runs, reclaim_pruned_rows, snapshot_start
from scoring.engine.rates import load_segments
from scoring.engine.window import Window

__all__ = [
    "ChunkResult",
    "Window",
    "chunk_bounds",
    "compute_chunk",
    "finalize_scores",
    "load_segments",
    "prune_runs",
    "reclaim_pruned_rows",
    "snapshot_start",
]
