"""Reads for export jobs: who may see a job, and the recent jobs a person may see."""

from __future__ import annotations

from typing import Any

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
    return kind is not None and job.team_id in team_ids_with_permission(user, kind.permission)


def recent_jobs(user: User) -> Any:
    return (
        ExportJob.objects.filter(Q(requested_by=user) | Q(team_id__in=managed_team_ids(user)))
        .select_related("team", "requested_by")
        .order_by("-created_at", "-id")[:RECENT]
    )
