"""Health checks for load balancers and orchestrators.

- ``/health/`` (liveness, ``stepcare.views.health``): the app answers and its database answers.
- ``/health/ready/`` (readiness): the database answers, Redis answers when it is configured,
  and no migration is waiting to be applied. Otherwise 503, naming each failing check, so a
  new release is not sent traffic before ``stepcare migrate`` has run.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse


def _database() -> str:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _redis() -> str:
    url = settings.REDIS_URL
    if not url:
        return "not configured"
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def unapplied_migrations() -> list[str]:
    """``app.name`` of every migration on disk not yet applied to the database."""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    targets = executor.loader.graph.leaf_nodes()
    return [f"{m.app_label}.{m.name}" for m, _backwards in executor.migration_plan(targets)]


def _migrations() -> str:
    pending = unapplied_migrations()
    if pending:
        raise RuntimeError(f"{len(pending)} unapplied: {', '.join(pending[:5])}")
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {
    "database": _database,
    "redis": _redis,
    "migrations": _migrations,
}


def readiness() -> tuple[bool, dict[str, str]]:
    """Run every check; (all passed, {check: "ok" | "not configured" | what failed})."""
    results: dict[str, str] = {}
    ready = True
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # any failure is reported by name, never raised
            ready = False
            results[name] = f"failed: {type(exc).__name__}: {exc}".strip()[:300]
    return ready, results


def ready(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 when every check passes, else 503 naming the failing checks."""
    ok, results = readiness()
    failing = [name for name, result in results.items() if result.startswith("failed")]
    body = {"status": "ok" if ok else "unavailable", "checks": results}
    if failing:
        body["failing"] = failing  # type: ignore[assignment]
    return JsonResponse(body, status=200 if ok else 503)
