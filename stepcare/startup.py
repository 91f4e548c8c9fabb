"""Checks that long-running processes (gunicorn, Celery worker and beat) make at start-up.

The settings module refuses incomplete configuration for every process. These further checks
need the network, so they run only where the process cannot work without it: the web and
worker processes refuse to start in production when Redis does not answer. Management
commands (``stepcare check``, ``migrate``, ``backup`` ...) still run, and ``stepcare check``
reports the same problem as a warning.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register
from django.core.exceptions import ImproperlyConfigured


def redis_problem(url: str) -> str:
    """Why Redis at ``url`` cannot be used, or "" when it answers."""
    if not url:
        return ""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError) as exc:
        return f"REDIS_URL does not answer ({type(exc).__name__}: {exc}); start Redis or correct REDIS_URL"
    return ""


def production_problems() -> list[str]:
    """Every reason a production web or worker process cannot start (empty when it can)."""
    if not settings.PRODUCTION:
        return []
    problems = []
    problem = redis_problem(settings.REDIS_URL)
    if problem:
        problems.append(problem)
    return problems


def require_services(process: str) -> None:
    """Refuse to start ``process`` in production when a service it needs is unreachable."""
    problems = production_problems()
    if problems:
        raise ImproperlyConfigured(f"Stepcare {process} cannot start:\n  - " + "\n  - ".join(problems))


@register(deploy=True)
def check_services(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``stepcare check --deploy`` names the same problems without stopping the command."""
    return [Warning(problem, id="stepcare.W001") for problem in production_problems()]
