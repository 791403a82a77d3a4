"""Data migrations tested on the test database: back to the migration before, rows written
with the models of then, forward through the migration, then on to the latest state whatever
happened."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@contextmanager
def migrating(app: str, before: str, after: str) -> Iterator[Apps]:
    """Yield the models as of `before` (the database migrated back to it); on leaving, migrate
    forward to `after`, then to the latest migrations."""
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([(app, before)])
        yield executor.loader.project_state([(app, before)]).apps
        MigrationExecutor(connection).migrate([(app, after)])
    finally:
        latest = MigrationExecutor(connection)
        latest.migrate(latest.loader.graph.leaf_nodes())
