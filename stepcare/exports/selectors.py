"""Reads for export jobs: who may see a job, and the recent jobs a person may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q

from stepcare.accounts.models import Team, User
from stepcare.accounts.permissions import Permission, team_ids_with_permission
from stepcare.exports.kinds import KINDS
from stepcare.exports.models import ExportJob

RECENT = 20


def managed_team_ids(user: User) -> set[int]:
    """Teams whose exports ``user`` may ask for and see (every kind needs VIEW_SERVICE_REPORTS)."""
    return team_ids_with_permission(user, Permission.VIEW_SERVICE_REPORTS)


def teams_for(user: User) -> Any:
    return Team.objects.filter(pk__in=managed_team_ids(user)).order_by("name")


def may_see(user: User, job: ExportJob) -> bool:
    """The requester, or someone holding the kind's permission in the job's team."""
    if job.requested_by_id == user.pk:
        return True
    kind = KINDS.get(job.kind)
    if kind is None:
        return False
    held = team_ids_with_permission(user, kind.permission)
    if kind.anywhere:
        return bool(held)  # e.g. any IG officer, as for the subject access page
    return kind.teams(job) <= held


def stalled(job: ExportJob, now: dt.datetime) -> bool:
    """Queued and not started, or running without a word of progress, for longer than
    STEPCARE_EXPORTS_STALLED_MINUTES: no background worker is running it (the page stops
    refreshing and offers to run it again)."""
    if not job.is_running:
        return False
    last = max(t for t in (job.created_at, job.started_at, job.progress_at) if t is not None)
    return now - last > dt.timedelta(minutes=settings.STEPCARE_EXPORTS_STALLED_MINUTES)


def expires_on(job: ExportJob) -> dt.datetime | None:
    """When a finished job's file will be deleted."""
    if job.status != ExportJob.Status.DONE or not job.result_file or job.finished_at is None:
        return None
    return job.finished_at + dt.timedelta(days=settings.STEPCARE_EXPORTS_KEEP_DAYS)


def recent_jobs(user: User) -> list[ExportJob]:
    """The latest jobs ``user`` may see (a report over several teams only if they manage all)."""
    managed = managed_team_ids(user)
    jobs = (
        ExportJob.objects.filter(Q(requested_by=user) | Q(team_id__in=managed))
        .select_related("team", "requested_by")
        .order_by("-created_at", "-id")[:RECENT]
    )
    return [
        job
        for job in jobs
        if job.requested_by_id == user.pk
        or (job.kind in KINDS and not KINDS[job.kind].anywhere and KINDS[job.kind].teams(job) <= managed)
    ]
