"""Background jobs: export jobs (``stepcare.exports.actions.run_job``) and the expiry of their
files (``expire_files``, on Celery beat)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="stepcare.exports.tasks.run_export_job", acks_late=False)  # type: ignore[untyped-decorator]
def run_export_job(job_id: int) -> str:
    """Run one export job; returns its status."""
    from stepcare.exports.actions import run_job

    return str(run_job(job_id).status)


@shared_task(name="stepcare.exports.tasks.expire_export_files")  # type: ignore[untyped-decorator]
def expire_export_files() -> int:
    """Delete export files older than STEPCARE_EXPORTS_KEEP_DAYS (Celery beat, hourly)."""
    from stepcare.exports.actions import expire_files

    return expire_files()
