"""Export files expire: STEPCARE_EXPORTS_KEEP_DAYS after a job finished, the hourly Celery beat
job deletes its file and marks the job expired (its page says so and offers to run it again).
A job queued or running without progress for longer than STEPCARE_EXPORTS_STALLED_MINUTES is
shown as stalled (no background worker?): its page stops refreshing and offers to run it again."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.exports import actions, tasks
from stepcare.exports.models import ExportJob
from tests.factories.referrals import ReferralFactory

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
OCTOBER = {"start": "01/10/2026", "end": "31/10/2026"}


@pytest.fixture
def manager(service):
    return service.staff[Role.SERVICE_MANAGER]


def _finished_job(service, client, django_capture_on_commit_callbacks) -> ExportJob:
    ReferralFactory(team=service.team, received_on=dt.date(2026, 10, 2))
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("exports:dataset"), {"team": service.team.pk, "kind": "dataset", **OCTOBER})
    job = ExportJob.objects.get()
    assert job.status == "done" and job.finished_at == T0
    return job


def _page(client, job) -> str:
    response = client.get(reverse("exports:job", args=[job.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_beat_schedule_runs_the_expiry_hourly() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["export-files-expiry"]
    assert entry == {"task": "stepcare.exports.tasks.expire_export_files", "schedule": 3600}
    assert tasks.expire_export_files.name == entry["task"]


def test_a_file_is_kept_for_the_days_configured_then_deleted(
    service, client_for, django_capture_on_commit_callbacks, exports_dir
) -> None:
    assert settings.STEPCARE_EXPORTS_KEEP_DAYS == 7
    client = client_for(Role.SERVICE_MANAGER)
    job = _finished_job(service, client, django_capture_on_commit_callbacks)
    path = exports_dir / job.result_file
    assert path.is_file()
    with time_machine.travel(T0 + dt.timedelta(days=7) - dt.timedelta(minutes=1), tick=False):
        assert "will be deleted on 09/11/2026" in _page(client, job)
        assert tasks.expire_export_files() == 0
    assert path.is_file()
    with time_machine.travel(T0 + dt.timedelta(days=7, minutes=1), tick=False):
        assert tasks.expire_export_files() == 1
        assert tasks.expire_export_files() == 0  # once only
    job.refresh_from_db()
    assert not path.exists()
    assert job.status == "expired" and job.expired_at == T0 + dt.timedelta(days=7, minutes=1)
    assert job.result["patient_ids"]  # who was in the file stays on record
    page = _page(client, job)
    assert "The file was deleted on 09/11/2026" in page and "Expired (file deleted)" in page
    assert reverse("exports:download", args=[job.pk]) not in page
    assert reverse("exports:run_again", args=[job.pk]) in page and "http-equiv" not in page
    download = client.get(reverse("exports:download", args=[job.pk]))
    assert download.status_code == 302  # "There is no file to download for this export."


def test_the_retention_is_configurable(
    service, client_for, django_capture_on_commit_callbacks, exports_dir, settings
) -> None:
    settings.STEPCARE_EXPORTS_KEEP_DAYS = 2
    job = _finished_job(service, client_for(Role.SERVICE_MANAGER), django_capture_on_commit_callbacks)
    with time_machine.travel(T0 + dt.timedelta(days=2, seconds=1), tick=False):
        assert actions.expire_files() == 1
    assert not (exports_dir / job.result_file).exists()


def test_a_file_already_gone_still_expires_its_job(
    service, client_for, django_capture_on_commit_callbacks, exports_dir
) -> None:
    job = _finished_job(service, client_for(Role.SERVICE_MANAGER), django_capture_on_commit_callbacks)
    (exports_dir / job.result_file).unlink()
    assert actions.expire_files(now=T0 + dt.timedelta(days=8)) == 1
    job.refresh_from_db()
    assert job.status == "expired"


def test_report_only_and_unfinished_jobs_are_not_expired(service, manager) -> None:
    common = {
        "team": service.team,
        "requested_by": manager,
        "params": {"start": "2026-10-01", "end": "2026-10-31"},
    }
    ExportJob.objects.create(kind="dataset_validation", status="done", finished_at=T0, **common)
    ExportJob.objects.create(kind="dataset", status="running", **common)
    assert actions.expire_files(now=T0 + dt.timedelta(days=30)) == 0


def test_a_queued_job_never_started_stops_refreshing_and_offers_to_run_again(
    service, manager, client_for, django_capture_on_commit_callbacks
) -> None:
    client = client_for(Role.SERVICE_MANAGER)
    with time_machine.travel(T0, tick=False):
        job = ExportJob.objects.create(
            kind="dataset", team=service.team, requested_by=manager,
            params={"start": "2026-10-01", "end": "2026-10-31"},
        )  # fmt: skip
    with time_machine.travel(T0 + dt.timedelta(minutes=29), tick=False):
        page = _page(client, job)
        assert 'http-equiv="refresh"' in page and "background worker" not in page
    with time_machine.travel(T0 + dt.timedelta(minutes=31), tick=False):
        page = _page(client, job)
        assert "Not started — background worker not running?" in page
        assert "http-equiv" not in page and reverse("exports:run_again", args=[job.pk]) in page
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("exports:run_again", args=[job.pk]))
    again = ExportJob.objects.exclude(pk=job.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:job", args=[again.pk])
    assert again.status == "done" and again.params == job.params and again.requested_by == manager
    job.refresh_from_db()
    assert job.status == "failed" and f"export {again.pk}" in job.error
    assert actions.run_job(job.pk).status == "failed"  # a worker that comes back does not run it


def test_a_running_job_is_stalled_only_when_its_progress_stops(service, manager, client_for) -> None:
    client = client_for(Role.SERVICE_MANAGER)
    with time_machine.travel(T0, tick=False):
        job = ExportJob.objects.create(
            kind="dataset", team=service.team, requested_by=manager, status="running", started_at=T0,
            params={"start": "2026-10-01", "end": "2026-10-31"}, progress_total=10,
        )  # fmt: skip
    ExportJob.objects.filter(pk=job.pk).update(progress_at=T0 + dt.timedelta(minutes=20), progress_done=3)
    with time_machine.travel(T0 + dt.timedelta(minutes=45), tick=False):
        assert 'http-equiv="refresh"' in _page(client, job)
    with time_machine.travel(T0 + dt.timedelta(minutes=51), tick=False):
        page = _page(client, job)
        assert "Stopped — background worker not running?" in page and "http-equiv" not in page


def test_the_stalled_time_is_configurable(service, manager, client_for, settings) -> None:
    settings.STEPCARE_EXPORTS_STALLED_MINUTES = 5
    with time_machine.travel(T0, tick=False):
        job = ExportJob.objects.create(
            kind="dataset", team=service.team, requested_by=manager,
            params={"start": "2026-10-01", "end": "2026-10-31"},
        )  # fmt: skip
    with time_machine.travel(T0 + dt.timedelta(minutes=6), tick=False):
        assert "Not started" in _page(client_for(Role.SERVICE_MANAGER), job)


def test_a_job_still_running_or_finished_is_not_run_again(service, manager, client_for) -> None:
    client = client_for(Role.SERVICE_MANAGER)
    common = {"kind": "dataset", "team": service.team, "requested_by": manager}
    params = {"start": "2026-10-01", "end": "2026-10-31"}
    for status in ("queued", "done"):
        job = ExportJob.objects.create(status=status, params=params, **common)
        response = client.post(reverse("exports:run_again", args=[job.pk]), follow=True)
        assert response.status_code == 200
        assert "still running" in response.content.decode() or "has finished" in response.content.decode()
    assert ExportJob.objects.count() == 2


def test_another_teams_job_cannot_be_run_again(service, client_for) -> None:
    from tests.factories.accounts import MembershipFactory

    other = MembershipFactory(team=service.other_team, role=Role.SERVICE_MANAGER).user
    job = ExportJob.objects.create(
        kind="dataset", team=service.other_team, requested_by=other, status="failed", error="Boom",
        params={"start": "2026-10-01", "end": "2026-10-31"},
    )  # fmt: skip
    assert (
        client_for(Role.SERVICE_MANAGER).post(reverse("exports:run_again", args=[job.pk])).status_code == 404
    )
    assert ExportJob.objects.count() == 1


def test_the_new_states_of_the_job_page_cost_what_a_running_job_costs(service, manager, client_for) -> None:
    client = client_for(Role.SERVICE_MANAGER)
    common = {"kind": "dataset", "team": service.team, "requested_by": manager}
    params = {"start": "2026-10-01", "end": "2026-10-31"}
    now = timezone.now()
    running = ExportJob.objects.create(
        status="running", params=params, started_at=now, progress_at=now, **common
    )
    stalled = ExportJob.objects.create(status="queued", params=params, **common)
    ExportJob.objects.filter(pk=stalled.pk).update(created_at=now - dt.timedelta(hours=2))
    expired = ExportJob.objects.create(
        status="expired", params=params, finished_at=now, expired_at=now, result_file="gone.zip", **common
    )
    _page(client, running)  # warmed
    counts = []
    for job in (running, stalled, expired):
        with CaptureQueriesContext(connection) as queries:
            _page(client, job)
        counts.append(len(queries))
    assert counts == [JOB_PAGE_QUERIES] * 3


# Session, user, OTP device, memberships, the job (with its team and requester): as test_jobs.py.
JOB_PAGE_QUERIES = 5


def test_the_command_expires_files_where_beat_does_not_run(
    service, client_for, django_capture_on_commit_callbacks, exports_dir
) -> None:
    import io

    from django.core.management import call_command

    job = _finished_job(service, client_for(Role.SERVICE_MANAGER), django_capture_on_commit_callbacks)
    out = io.StringIO()
    with time_machine.travel(T0 + dt.timedelta(days=8), tick=False):
        call_command("export", "expire", stdout=out)
    assert out.getvalue() == "Deleted the files of 1 export jobs finished more than 7 days ago.\n"
    assert not (exports_dir / job.result_file).exists()
