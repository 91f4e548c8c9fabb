"""Writes for export jobs: ask for one, run one (the Celery task calls ``run_job``), and
record a download (the file names patients, so every download is an audit event)."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from stepcare.accounts.models import Team, User
from stepcare.accounts.permissions import team_ids_with_permission
from stepcare.audit import actions as audit_actions
from stepcare.audit.models import AuditEvent
from stepcare.exports.dataset import DatasetRefused, Period
from stepcare.exports.kinds import KINDS, kind_of
from stepcare.exports.models import ExportJob
from stepcare.patients.models import Patient

logger = logging.getLogger(__name__)
# Progress is written to the database at most this often (seconds).
PROGRESS_EVERY = 1.0
MAX_PERIOD_DAYS = 5 * 366


class ExportRefused(Exception):
    """An export that cannot be asked for, with a message for the page."""


def check_period(start: dt.date, end: dt.date) -> Period:
    try:
        period = Period(start, end)
    except DatasetRefused as refused:
        raise ExportRefused(str(refused)) from refused
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ExportRefused("Choose a period of at most five years.")
    return period


@transaction.atomic
def request_export(*, by: User, kind: str, team: Team, start: dt.date, end: dt.date) -> ExportJob:
    """Queue a job of ``kind`` for ``team``'s records in [start, end]; it starts once committed."""
    if kind not in KINDS:
        raise ExportRefused("Choose a kind of export.")
    if team.pk not in team_ids_with_permission(by, KINDS[kind].permission):
        raise ExportRefused("You can export only for teams whose reports you manage.")
    check_period(start, end)
    job = ExportJob.objects.create(
        kind=kind, requested_by=by, team=team, params={"start": start.isoformat(), "end": end.isoformat()}
    )
    audit_actions.record(
        by=by,
        action=AuditEvent.Action.CREATE,
        obj=job,
        detail={"export": kind, "team": team.pk, **job.params},
    )
    job_id = job.pk

    def start_job() -> None:
        from stepcare.exports.tasks import run_export_job

        run_export_job.delay(job_id)

    transaction.on_commit(start_job)
    return job


def exports_dir() -> Path:
    folder = Path(settings.STEPCARE_EXPORTS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def run_job(job_id: int) -> ExportJob:
    """Run a queued job: its files are written to a temporary folder, zipped, and moved into
    the exports folder only when complete, so a crash leaves no half-written file."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=timezone.now()
    )
    job = ExportJob.objects.get(pk=job_id)
    if not claimed:
        return job  # already run (a redelivered message)
    kind = kind_of(job)
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY or done >= total:
            last[0] = now
            ExportJob.objects.filter(pk=job_id).update(progress_done=done, progress_total=total)

    work = Path(tempfile.mkdtemp(prefix=f"stepcare-export-{job_id}-"))
    try:
        files = work / "files"
        files.mkdir()
        result = kind.run(job, files, progress)
        name = ""
        if kind.has_file:
            name = f"{job.kind}-{job.pk}-{job.params['start']}-to-{job.params['end']}.zip"
            partial = work / name
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(files.iterdir()):
                    archive.write(path, arcname=path.name)
            shutil.move(str(partial), str(exports_dir() / (name + ".part")))
            (exports_dir() / (name + ".part")).replace(exports_dir() / name)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.DONE, result=result, result_file=name, finished_at=timezone.now()
        )
    except Exception as exc:
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000] or "failed",
            finished_at=timezone.now(),
        )  # fmt: skip
        if not isinstance(exc, DatasetRefused):
            logger.exception("Export job %s failed", job_id)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    job.refresh_from_db()
    return job


def result_path(job: ExportJob) -> Path | None:
    """The job's file, when it finished and the file is still there."""
    if job.status != ExportJob.Status.DONE or not job.result_file:
        return None
    path = exports_dir() / job.result_file
    return path if path.is_file() else None


def record_download(*, by: User, job: ExportJob) -> AuditEvent:
    """One audit event naming every patient in the file."""
    ids: list[Any] = job.result.get("patient_ids", [])
    return audit_actions.record(
        by=by,
        action=AuditEvent.Action.EXPORT,
        obj=job,
        detail={"export": job.kind, "file": job.result_file, "patients": len(ids), **job.params},
        patients=[Patient(pk=pk) for pk in ids],
    )
