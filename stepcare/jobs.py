"""What the background jobs are doing: ``stepcare jobs status``.

- queued: messages waiting in the Redis queue (the broker's list for each queue);
- running: what each worker is doing now (``celery inspect active``);
- failed in the last hour: each job that ended in failure, recorded by the worker.

Outcomes are recorded by Celery signal handlers in the worker into Redis sorted sets scored by
time (``stepcare:jobs:failed`` with the job's name, id and error; ``stepcare:jobs:succeeded``
with the job's name and id), trimmed to the last 7 days. Redis is the broker too, so when it is
lost the queue is lost with it; the durable record of what was sent to patients is the
``Message`` table. Without ``REDIS_URL`` jobs run at once in the web process and nothing is
recorded here.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

FAILED_KEY = "stepcare:jobs:failed"
SUCCEEDED_KEY = "stepcare:jobs:succeeded"
KEEP_SECONDS = 7 * 24 * 60 * 60


def _redis() -> Any:
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3, socket_timeout=3)


def record_outcome(*, key: str, name: str, job_id: str, error: str = "") -> None:
    """Add one job outcome to ``key``, dropping entries older than a week."""
    if not settings.REDIS_URL:
        return
    now = time.time()
    entry = json.dumps({"at": now, "name": name, "id": job_id, "error": error[:500]})
    client = _redis()
    try:
        pipe = client.pipeline()
        pipe.zadd(key, {entry: now})
        pipe.zremrangebyscore(key, "-inf", now - KEEP_SECONDS)
        pipe.execute()
    finally:
        client.close()


def connect_signals() -> None:
    """Record each job's outcome from the worker (called by stepcare.celery)."""
    from celery.signals import task_failure, task_success

    def failed(
        sender: Any = None, task_id: str = "", exception: BaseException | None = None, **_: Any
    ) -> None:
        record_outcome(
            key=FAILED_KEY,
            name=getattr(sender, "name", str(sender)),
            job_id=str(task_id),
            error=f"{type(exception).__name__}: {exception}" if exception else "",
        )

    def succeeded(sender: Any = None, **_: Any) -> None:
        request = getattr(sender, "request", None)
        record_outcome(
            key=SUCCEEDED_KEY,
            name=getattr(sender, "name", str(sender)),
            job_id=str(getattr(request, "id", "")),
        )

    task_failure.connect(failed, weak=False, dispatch_uid="stepcare-job-failed")
    task_success.connect(succeeded, weak=False, dispatch_uid="stepcare-job-succeeded")


@dataclass
class Status:
    queued: dict[str, int] = field(default_factory=dict)
    running: dict[str, list[str]] | None = None  # worker -> job names; None: no worker answered
    failed: list[dict[str, Any]] = field(default_factory=list)
    succeeded_count: int = 0


def status(*, since_seconds: int = 60 * 60, inspect_timeout: float = 2.0) -> Status:
    """Queued, running and failed jobs (failed and succeeded in the last ``since_seconds``)."""
    from stepcare.celery import app

    client = _redis()
    try:
        queues = {app.conf.task_default_queue or "celery"}
        queued = {queue: int(client.llen(queue)) for queue in sorted(queues)}
        since = time.time() - since_seconds
        failed = [json.loads(e) for e in client.zrangebyscore(FAILED_KEY, since, "+inf")]
        succeeded = int(client.zcount(SUCCEEDED_KEY, since, "+inf"))
    finally:
        client.close()
    active = app.control.inspect(timeout=inspect_timeout).active()
    running = None
    if active is not None:
        running = {worker: [job.get("name", "?") for job in jobs] for worker, jobs in active.items()}
    return Status(queued=queued, running=running, failed=failed, succeeded_count=succeeded)
