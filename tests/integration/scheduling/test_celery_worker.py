"""A real Celery worker, on the local Redis, sends a reminder.

Everywhere else the jobs run eagerly (no REDIS_URL); this test proves the production path:
the job is serialised, goes through Redis, is picked up by a worker and writes its record.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
import redis
import time_machine
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from kombu import pools as kombu_pools

from stepcare.celery import app
from stepcare.scheduling import notifications, tasks
from stepcare.scheduling.models import Message
from tests.factories.scheduling import book, participant

pytestmark = pytest.mark.django_db(transaction=True)
REDIS = "redis://127.0.0.1:6379/15"


@pytest.fixture
def worker_on_redis():
    try:
        redis.Redis.from_url(REDIS).ping()
    except redis.ConnectionError:
        pytest.fail("This test needs Redis on 127.0.0.1:6379 (.ci/run starts it).", pytrace=False)
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    # A queue of its own, so that test runs sharing this Redis never take each other's jobs.
    app.conf.update(
        broker_url=REDIS, task_always_eager=False, task_default_queue=f"stepcare-test-{uuid.uuid4()}"
    )
    _forget_connections()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
            yield
    finally:
        app.conf.update(saved)
        _forget_connections()


def _forget_connections() -> None:
    """Drop every connection and producer pool made for the previous broker (eager runs make
    them too): kombu keeps them in a process-wide registry keyed by broker address."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    kombu_pools.reset()


def test_a_real_worker_sends_a_reminder_through_redis(service, worker_on_redis) -> None:
    notifications.FakeNotifyAdapter.outbox.clear()
    appointment = book(participants=[participant(team=service.team)])
    attendee = appointment.attendees.get()
    with time_machine.travel(appointment.starts_at - dt.timedelta(hours=20)):
        job_id = str(uuid.uuid4())
        done = threading.Event()
        failures: list[str] = []

        def finished(sender=None, task_id=None, state=None, **kwargs) -> None:
            if task_id == job_id:
                if state != "SUCCESS":
                    failures.append(f"{state}: {kwargs.get('retval')!r}")
                done.set()

        task_postrun.connect(finished, weak=False)
        try:
            tasks.send_appointment_message.apply_async((attendee.pk, Message.Kind.REMINDER), task_id=job_id)
            assert done.wait(timeout=30), "the worker did not run the reminder job within 30 seconds"
        finally:
            task_postrun.disconnect(finished)
    assert not failures, failures
    message = Message.objects.get(kind=Message.Kind.REMINDER)
    assert message.referral_id == attendee.referral_id and message.status == "sent"
    references = [m.reference for m in notifications.FakeNotifyAdapter.outbox]
    assert f"appointment-{appointment.pk}-{attendee.patient_id}-reminder" in references
