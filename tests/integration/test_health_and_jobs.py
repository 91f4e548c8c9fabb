"""Liveness and readiness checks, and `stepcare jobs status`."""

from __future__ import annotations

import io
import uuid

import pytest
import redis
from django.core.management import call_command
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

from stepcare import jobs
from stepcare.scheduling import tasks

pytestmark = pytest.mark.django_db
REDIS = "redis://127.0.0.1:6379/14"


def test_liveness_and_readiness_answer_when_everything_is_in_place() -> None:
    assert Client().get("/health/").json() == {"status": "ok"}
    response = Client().get("/health/ready/")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "not configured", "migrations": "ok"}


def test_readiness_names_an_unapplied_migration_while_liveness_stays_up() -> None:
    last = MigrationRecorder.Migration.objects.filter(app="scheduling").order_by("-id").first()
    MigrationRecorder.Migration.objects.filter(pk=last.pk).delete()  # as if a release added it
    response = Client().get("/health/ready/")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["migrations"]
    assert f"scheduling.{last.name}" in body["checks"]["migrations"]
    assert Client().get("/health/").status_code == 200


def test_readiness_names_redis_when_it_does_not_answer(settings) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    response = Client().get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["failing"] == ["redis"]
    assert "ConnectionError" in response.json()["checks"]["redis"]


def test_readiness_checks_redis_when_configured(settings) -> None:
    settings.REDIS_URL = REDIS
    assert Client().get("/health/ready/").json()["checks"]["redis"] == "ok"


def test_jobs_status_without_redis_says_jobs_run_at_once() -> None:
    out = io.StringIO()
    call_command("jobs", "status", stdout=out)
    assert "No REDIS_URL" in out.getvalue()


@pytest.fixture
def job_records(settings):
    settings.REDIS_URL = REDIS
    client = redis.Redis.from_url(REDIS)
    client.delete(jobs.FAILED_KEY, jobs.SUCCEEDED_KEY)
    yield client
    client.delete(jobs.FAILED_KEY, jobs.SUCCEEDED_KEY)
    client.close()


def test_a_failed_job_is_recorded_and_listed_by_jobs_status(job_records, settings) -> None:
    from stepcare.celery import app

    # A queue of its own, so the count is of this test's jobs only.
    queue = f"stepcare-test-{uuid.uuid4()}"
    app.conf.task_default_queue = queue
    try:
        result = tasks.send_appointment_message.apply(args=(987654321, "booked"), throw=False)
        assert result.failed()
        jobs.record_outcome(
            key=jobs.SUCCEEDED_KEY, name="stepcare.scheduling.tasks.send_due_reminders", job_id="a"
        )
        out = io.StringIO()
        settings.CELERY_BROKER_URL = REDIS
        call_command("jobs", "status", stdout=out)
    finally:
        app.conf.task_default_queue = "celery"
    text = out.getvalue()
    assert f"queued: 0 (queue {queue})" in text
    assert "succeeded in the last 60 minutes: 1" in text
    assert "failed in the last 60 minutes: 1" in text
    assert "stepcare.scheduling.tasks.send_appointment_message" in text and "DoesNotExist" in text
