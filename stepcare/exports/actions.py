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
    return _queue(
        by=by, kind=kind, team_id=team.pk, params={"start": start.isoformat(), "end": end.isoformat()}
    )


@transaction.atomic
def request_service_report(
    *,
    by: User,
    team_ids: set[int],
    start: dt.date,
    end: dt.date,
    team: Team | None = None,
    clinician: User | None = None,
    step: str = "",
    descriptor: str = "",
    modality: str = "",
) -> ExportJob:
    """Queue every table of the dashboard and the equity page for the dashboard's choices:
    ``team`` if one is chosen, otherwise all of ``team_ids`` (each a team whose reports ``by``
    manages)."""
    scope = {team.pk} if team is not None else set(team_ids)
    if not scope or not scope <= team_ids_with_permission(by, KINDS["service_report"].permission):
        raise ExportRefused("You can report only on teams whose reports you manage.")
    check_period(start, end)
    params: dict[str, Any] = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "team_ids": sorted(scope),
        "team": team.pk if team is not None else None,
        "clinician": clinician.pk if clinician is not None else None,
        "step": step,
        "descriptor": descriptor,
        "modality": modality,
    }
    return _queue(by=by, kind="service_report", team_id=min(scope), params=params)


@transaction.atomic
def request_subject_access(*, by: User, patient: Patient) -> ExportJob:
    """Queue the whole record of ``patient`` (PDF and JSON) for a subject access request: for a
    long record, which takes too long to render inside a web request."""
    teams = team_ids_with_permission(by, KINDS["subject_access"].permission)
    if not teams:
        raise ExportRefused("Only an information governance officer can export a whole record.")
    params = {"patient": patient.pk, "nhs_number": patient.nhs_number or ""}
    return _queue(by=by, kind="subject_access", team_id=min(teams), params=params, patient=patient)


def _queue(
    *, by: User, kind: str, team_id: int, params: dict[str, Any], patient: Patient | None = None
) -> ExportJob:
    job = ExportJob.objects.create(kind=kind, requested_by=by, team_id=team_id, params=params)
    audit_actions.record(
        by=by,
        action=AuditEvent.Action.CREATE,
        patient=patient,
        obj=job,
        detail={"export": kind, "team": team_id, **params},
    )
    job_id = job.pk

    def start_job() -> None:
        from stepcare.exports.tasks import run_export_job

        run_export_job.delay(job_id)

    transaction.on_commit(start_job)
    return job


@transaction.atomic
def run_again(*, by: User, job: ExportJob, now: dt.datetime | None = None) -> ExportJob:
    """Queue a new job with the same kind and choices as ``job`` (which failed, expired, or never
    started: that one is marked failed so a worker that comes back does not run it twice)."""
    from stepcare.exports.selectors import may_see, stalled

    now = now or timezone.now()
    kind = KINDS.get(job.kind)
    if kind is None or not may_see(by, job):
        raise ExportRefused("You cannot run this export.")
    held = team_ids_with_permission(by, kind.permission)
    if not (held if kind.anywhere else kind.teams(job) <= held):
        raise ExportRefused("You can export only for teams whose reports you manage.")
    if job.is_running and not stalled(job, now):
        raise ExportRefused("This export is still running.")
    if job.status == ExportJob.Status.DONE:
        raise ExportRefused("This export has finished: download it from this page.")
    again = _queue(by=by, kind=job.kind, team_id=job.team_id, params=dict(job.params))
    ExportJob.objects.filter(
        pk=job.pk, status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING]
    ).update(
        status=ExportJob.Status.FAILED,
        error=f"It had not finished after {settings.STEPCARE_EXPORTS_STALLED_MINUTES} minutes (no "
        f"background worker running it?); asked for again as export {again.pk}.",
        finished_at=now,
    )
    return again


def expire_files(now: dt.datetime | None = None) -> int:
    """Delete the files of jobs that finished more than STEPCARE_EXPORTS_KEEP_DAYS ago and mark
    those jobs expired (the job, its audit events and its list of patients remain). Returns how
    many were expired. Run by Celery beat (``stepcare.exports.tasks.expire_export_files``)."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.STEPCARE_EXPORTS_KEEP_DAYS)
    due = ExportJob.objects.filter(status=ExportJob.Status.DONE, finished_at__lt=cutoff).exclude(
        result_file=""
    )
    expired = 0
    for pk, name in due.values_list("pk", "result_file").iterator():
        (exports_dir() / name).unlink(missing_ok=True)
        expired += ExportJob.objects.filter(pk=pk, status=ExportJob.Status.DONE).update(
            status=ExportJob.Status.EXPIRED, expired_at=now
        )
    if expired:
        logger.info(
            "Deleted the files of %s export jobs older than %s days",
            expired,
            settings.STEPCARE_EXPORTS_KEEP_DAYS,
        )
    return expired


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
            ExportJob.objects.filter(pk=job_id).update(
                progress_done=done, progress_total=total, progress_at=timezone.now()
            )

    work = Path(tempfile.mkdtemp(prefix=f"stepcare-export-{job_id}-"))
    try:
        files = work / "files"
        files.mkdir()
        result = kind.run(job, files, progress)
        name = ""
        if kind.has_file:
            name = kind.file_name(job)
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
        patient_ids=ids,
    )
