"""MDT meetings and the patients one may add to their agenda."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator

from stepcare.accounts.models import User
from stepcare.accounts.permissions import Permission, teams_seen_whole
from stepcare.patients.models import Patient
from stepcare.supervision.models import (
    MdtMeeting,
)
from stepcare.supervision.selectors.sessions import _discussions

AGENDA_SEARCH_LIMIT = 20


def meetings(*, user: User, page_number: int | str = 1, per_page: int = 25) -> Page[Any]:
    from django.db.models import Count

    teams = teams_seen_whole(user, Permission.VIEW_CLINICAL_RECORD)
    qs = (
        MdtMeeting.objects.filter(team_id__in=teams)
        .select_related("team")
        .annotate(agenda=Count("cases", distinct=True))
        .order_by("-held_on", "-id")
    )
    return Paginator(qs, per_page).get_page(page_number)


def meeting_detail(pk: int) -> MdtMeeting | None:
    return (
        MdtMeeting.objects.filter(pk=pk)
        .select_related("team", "created_by")
        .prefetch_related("attendees", _discussions())
        .first()
    )


def agenda_candidates(*, meeting: MdtMeeting, query: str) -> list[Patient]:
    """Patients of the meeting's team matching a name, NHS number or date of birth (at most 20)."""
    from stepcare.patients.selectors import patient_matches

    condition = patient_matches(query)
    if condition is None:
        return []
    return list(
        Patient.objects.filter(team_id=meeting.team_id)
        .filter(condition)
        .order_by("search_name", "id")[:AGENDA_SEARCH_LIMIT]
    )
