"""Project-wide Celery tasks: the daily housekeeping of what would otherwise grow for ever.

Celery finds this module through CELERY_IMPORTS (settings): `kam` is not an app, so
autodiscovery (`<app>.tasks`) misses it.
"""

from __future__ import annotations

import logging
from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from accounts.imports.services import import_jobs_expire
from kam.retries import DATABASE_ERRORS, RETRY

logger = logging.getLogger(__name__)


def sessions_clear_expired() -> int:
    """Delete the expired sessions of the configured session engine; returns how many there
    were (counted just before, for a database-backed engine; 0 for the others)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    expired = 0
    if hasattr(store, "get_model_class"):
        model = store.get_model_class()
        expired = model.objects.filter(expire_date__lt=timezone.now()).count()
    store.clear_expired()
    return expired


@shared_task(autoretry_for=DATABASE_ERRORS, **RETRY)
def housekeeping() -> dict[str, int]:
    """Daily (beat): delete expired sessions and drop the uploads of old import jobs. Both work
    on state, so a second run or a retry finds nothing more to do."""
    sessions = sessions_clear_expired()
    uploads = import_jobs_expire()
    logger.info(
        "Housekeeping: %d expired sessions deleted, %d old import uploads cleared",
        sessions,
        uploads,
    )
    return {"sessions": sessions, "import_uploads": uploads}
