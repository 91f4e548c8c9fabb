"""The Celery application: background jobs (appointment reminders, exports).

Configured from Django's settings (the ``CELERY_`` names). With no ``REDIS_URL`` the
embedded default runs every job at once, in the process that asked for it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stepcare.settings")

app = Celery("stepcare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _refuse_to_start_without_services(process: str) -> None:
    """Celery logs and ignores exceptions from signal handlers, so leave outright."""
    from django.core.exceptions import ImproperlyConfigured

    from stepcare.startup import require_services

    try:
        require_services(process)
    except ImproperlyConfigured as exc:
        print(exc, file=sys.stderr, flush=True)
        raise SystemExit(1) from None


@worker_init.connect  # type: ignore[untyped-decorator]
def _worker_needs_its_services(**_: Any) -> None:
    _refuse_to_start_without_services("worker")


@beat_init.connect  # type: ignore[untyped-decorator]
def _beat_needs_its_services(**_: Any) -> None:
    _refuse_to_start_without_services("scheduler (beat)")


def _record_job_outcomes() -> None:
    from stepcare.jobs import connect_signals

    connect_signals()


_record_job_outcomes()
