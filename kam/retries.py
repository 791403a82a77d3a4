"""How a periodic Celery task retries: the transient failures worth a retry and the backoff."""

from __future__ import annotations

from django.db import OperationalError

# Transient failures worth a retry (the database went away or deadlocked), and how to retry:
# the conventions of the project's periodic tasks (kam.tasks and plans.tasks use them).
DATABASE_ERRORS = (OperationalError,)
RETRY = {"retry_backoff": True, "retry_backoff_max": 600, "retry_jitter": True, "max_retries": 5}
