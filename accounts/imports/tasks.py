"""The Celery task of a large import: a thin wrapper over accounts.imports.services.

Celery finds it through CELERY_IMPORTS (settings): autodiscovery only looks at `<app>.tasks`.
"""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from accounts.imports import services

TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    name="accounts.imports.run_import_job",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=3,
)
def run_import_job(job_id: int, commit: bool) -> str:
    """Dry-run or import a job's file; a redelivered or retried task finds the job's status
    moved on and does nothing, or runs again from the start (the import is one transaction)."""
    return services.import_job_run(job_id=job_id, commit=commit).status
