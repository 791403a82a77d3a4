"""Reads of the scoring run's results from a streaming read replica, when one is configured.

`DATABASE_REPLICA_URL` adds a `replica` database alias. The run's results (the models named
in `KAM_REPLICA_MODELS`: runs, scores, criterion scores, snapshots) are written only by the
nightly run and read by the dashboards, lists and API; those reads may go to the replica.
Everything else, and every read that could follow the reader's own write, stays on the
primary:

- only safe requests (GET, HEAD, OPTIONS) read from the replica (`ReplicaReadsMiddleware`);
  tasks, commands and the run itself never do (the default outside a request);
- a request that writes (any other method) pins its browser or API client to the primary for
  `KAM_REPLICA_PIN_SECONDS` with a cookie, so the page it redirects to, and the reads just
  after, see what it wrote even while the replica lags;
- a related object loaded from an instance follows the instance's database.

A streaming replica applies the primary's transactions in commit order, so a run that reads
as finished on the replica has all its scores there too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "kam_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_replica_reads: ContextVar[bool] = ContextVar("kam_replica_reads", default=False)


def replica_configured() -> bool:
    return bool(getattr(settings, "KAM_READ_REPLICA", False)) and REPLICA in settings.DATABASES


@contextmanager
def replica_reads(allowed: bool = True) -> Iterator[None]:
    """Within the block, run results may be read from the replica (when one is configured)."""
    token = _replica_reads.set(allowed)
    try:
        yield
    finally:
        _replica_reads.reset(token)


class ReadReplicaRouter:
    """Sends reads of the run's results to the replica inside `replica_reads`; else primary."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        if not _replica_reads.get() or not replica_configured():
            return None
        if model._meta.label_lower not in settings.KAM_REPLICA_MODELS:
            return None
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db
        return REPLICA

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return None  # always the primary

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == REPLICA else None


class ReplicaReadsMiddleware:
    """Safe requests may read run results from the replica; a write pins to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        safe = request.method in SAFE_METHODS
        pinned = PIN_COOKIE in request.COOKIES
        with replica_reads(safe and not pinned and replica_configured()):
            response = self.get_response(request)
        if not safe and replica_configured():
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.KAM_REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
