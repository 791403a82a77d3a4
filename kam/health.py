"""Liveness and readiness probes for load balancers and docker-compose."""

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kam.replica import REPLICA, replica_configured


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """The database (and any read replica) and, when configured, Redis answer; 503 names
    what does not."""
    checks: dict[str, str] = {}
    aliases = {"database": "default"}
    if replica_configured():
        aliases["replica"] = REPLICA
    for name, alias in aliases.items():
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
            checks[name] = "ok"
        except Exception as exc:  # any driver error means "not ready", reported by class name
            checks[name] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"error: {exc.__class__.__name__}"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", **checks}, status=200 if ready else 503
    )
