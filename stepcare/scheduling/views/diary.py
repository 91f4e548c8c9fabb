"""Diaries: my day, my week, a clinician's, a team's or a room's day and week."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from stepcare.accounts.access import supported_patient_ids
from stepcare.accounts.models import Membership, Room, Team, User
from stepcare.accounts.permissions import (
    Permission,
    has_permission,
    team_ids_with_permission,
    teams_seen_whole,
)
from stepcare.audit import actions as audit_actions
from stepcare.audit.models import AuditEvent
from stepcare.http import StaffRequest
from stepcare.scheduling import selectors
from stepcare.scheduling.timeslots import week_start
from stepcare.scheduling.views.common import (
    _diary_team_ids,
    _requested_day,
    overseen_team_ids,
)
from stepcare.templatetags.diary import CardAccess, reach

TEAM_DIARY_PAGE_SIZE = 6  # clinicians per page of a team's diary


def _audit_diary(
    request: StaffRequest, kind: str, pk: int, first_day: dt.date, days: list[selectors.DiaryDay]
) -> None:
    """One event for the diary page, naming every patient whose name it shows (those of the
    viewer's own teams; other teams' bookings show as "Booked (another team)")."""
    access = card_access(request.user)
    shown = [
        attendee.patient
        for day in days
        for entry in day.entries
        if entry.appointment is not None and reach(entry.appointment, access)[0]
        for attendee in entry.appointment.card_attendees  # type: ignore[attr-defined]
    ]
    audit_actions.record(
        by=request.user,
        action=AuditEvent.Action.VIEW,
        detail={"diary": kind, "id": pk, "from": first_day.isoformat(), "patients_shown": len(set(shown))},
        patients=shown,
    )


def _diary_context(
    request: StaffRequest, first_day: dt.date, days: int, links: dict[str, Any] | None = None
) -> dict[str, Any]:
    scope = "day" if days == 1 else "week"
    step = dt.timedelta(days=days)
    return {
        **(links if links is not None else _diary_links(request.user)),
        "scope": scope,
        "first_day": first_day,
        "last_day": first_day + dt.timedelta(days=days - 1),
        "previous_day": first_day - step,
        "next_day": first_day + step,
        "today": timezone.localdate(),
        "card_access": card_access(request.user),
    }


def card_access(user: User) -> CardAccess:
    """What the diary cards show this user: patients' names for the teams whose patients they
    see (an employment adviser: the patients referred to them), and each link only where its
    page opens for them."""
    found: CardAccess | None = getattr(user, "_card_access", None)  # the page's audit asks too
    if found is None:
        names = teams_seen_whole(user, Permission.VIEW_PATIENT)
        as_adviser = team_ids_with_permission(user, Permission.VIEW_PATIENT) - names
        found = CardAccess(
            names=frozenset(names),
            supported=frozenset(supported_patient_ids(user)) if as_adviser else frozenset(),
            opens=frozenset(team_ids_with_permission(user, Permission.BOOK_APPOINTMENTS)),
            notes=frozenset(team_ids_with_permission(user, Permission.WRITE_CLINICAL_NOTES)),
            measures=frozenset(team_ids_with_permission(user, Permission.RECORD_OUTCOMES)),
        )
        user._card_access = found  # type: ignore[attr-defined]
    return found


def _scope(request: HttpRequest) -> tuple[dt.date, int]:
    day = _requested_day(request)
    if request.GET.get("view") == "day":
        return day, 1
    return week_start(day), 7


def _diary_links(user: User) -> dict[str, Any]:
    """The team and room diaries (and the waiting list) this person may open: the teams read
    with the user's memberships, the rooms in one query."""
    team_ids = _diary_team_ids(user)
    teams = sorted(
        (t for t in user.membership_teams().values() if t.pk in team_ids), key=lambda t: (t.name, t.pk)
    )
    rooms = list(
        Room.objects.filter(site__service_id__in={t.service_id for t in teams})
        .select_related("site")
        .order_by("site__name", "name")
    )
    return {
        "diary_teams": teams,
        "diary_rooms": rooms,
        "can_see_waiting_list": has_permission(user, Permission.MANAGE_REFERRALS)
        or has_permission(user, Permission.ALLOCATE),
    }


@login_required
def my_day(request: StaffRequest) -> HttpResponse:
    """Where a clinician starts the day: today's and this week's sessions, people allocated
    to them and not yet seen, and their open referrals."""
    if not _diary_team_ids(request.user):
        raise PermissionDenied
    day = selectors.my_day(user=request.user)
    audit_actions.record(
        by=request.user,
        action=AuditEvent.Action.VIEW,
        detail={"page": "my_day", "patients": day.patient_ids},
        patient_ids=day.patient_ids,  # each patient listed finds this read in their access log
    )
    return render(
        request,
        "scheduling/my_day.html",
        {
            "day": day,
            "today": timezone.localdate(),
            "card_access": card_access(request.user),  # the sessions as the diary's cards show them
            "limit": selectors.MY_DAY_LIMIT,
            "can_see_caseload": has_permission(request.user, Permission.RECORD_OUTCOMES),
        },
    )


@login_required
def my_week(request: StaffRequest) -> HttpResponse:
    return _clinician_diary(request, request.user)  # signed in, so active: not read again


@login_required
def clinician_diary(request: StaffRequest, clinician_pk: int) -> HttpResponse:
    if clinician_pk == request.user.pk:
        return _clinician_diary(request, request.user)
    # The colleague, whether they share a diary team with the user, and whether the user
    # oversees one of their teams (their pattern's link), in one query.
    colleague = get_object_or_404(
        User.objects.annotate(
            shares_diary=_member_of(_diary_team_ids(request.user)),
            overseen=_member_of(overseen_team_ids(request.user)),
        ),
        pk=clinician_pk,
        is_active=True,
    )
    if not colleague.shares_diary:  # type: ignore[attr-defined]
        raise PermissionDenied
    return _clinician_diary(request, colleague, can_see_pattern=colleague.overseen)  # type: ignore[attr-defined]


def _member_of(team_ids: set[int]) -> Exists:
    return Exists(Membership.objects.filter(user=OuterRef("pk"), active=True, team_id__in=team_ids))


def _clinician_diary(
    request: StaffRequest, clinician: User, *, can_see_pattern: bool = False
) -> HttpResponse:
    mine = clinician == request.user
    if (
        mine
        and not _diary_team_ids(request.user)
        and not has_permission(request.user, Permission.VIEW_PATIENT)
    ):
        raise PermissionDenied
    first_day, days = _scope(request)
    (diary,) = selectors.clinician_diaries(clinicians=[clinician], first_day=first_day, days=days)
    _audit_diary(request, "clinician", clinician.pk, first_day, diary.days)
    if days == 7:  # a weekend shows only when someone works or is booked then
        diary.days = [d for d in diary.days if d.day.weekday() < 5 or d.entries]
    return render(
        request,
        "scheduling/clinician_diary.html",
        {
            **_diary_context(request, first_day, days),
            "diary": diary,
            "clinician": clinician,
            "is_me": mine,
            # Links only to pages that open: a colleague's pattern for those who manage or
            # supervise their team, the groups for those who book.
            "can_see_pattern": can_see_pattern,
            "can_see_groups": bool(team_ids_with_permission(request.user, Permission.BOOK_APPOINTMENTS)),
            "tasks": list(selectors.open_follow_up_tasks(user=clinician)[:20]) if mine else [],
        },
    )


@login_required
def team_diary(request: StaffRequest, team_pk: int) -> HttpResponse:
    links = _diary_links(request.user)
    # The team is one of those listed in the page's links when the user may see its diary.
    team = next((t for t in links["diary_teams"] if t.pk == team_pk), None)
    if team is None:
        get_object_or_404(Team, pk=team_pk)
        raise PermissionDenied
    first_day, days = _scope(request)
    # A page of the team's clinicians: the page costs the same in a team of 5 or of 50.
    page = Paginator(list(selectors.clinicians_in_teams([team.pk])), TEAM_DIARY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    diaries = selectors.clinician_diaries(clinicians=list(page.object_list), first_day=first_day, days=days)
    _audit_diary(request, "team", team.pk, first_day, [d for diary in diaries for d in diary.days])
    return render(
        request,
        "scheduling/team_diary.html",
        {
            **_diary_context(request, first_day, days, links),
            "team": team,
            "diaries": diaries,
            "day_list": [first_day + dt.timedelta(days=i) for i in range(days)],
            "page": page,
        },
    )


@login_required
def room_diary(request: StaffRequest, room_pk: int) -> HttpResponse:
    room = get_object_or_404(Room.objects.select_related("site"), pk=room_pk)
    teams = request.user.membership_teams()
    allowed_services = {teams[team_id].service_id for team_id in _diary_team_ids(request.user)}
    if room.site.service_id not in allowed_services:
        raise PermissionDenied
    first_day, days = _scope(request)
    diary_days = selectors.room_diary(room=room, first_day=first_day, days=days)
    _audit_diary(request, "room", room.pk, first_day, diary_days)
    return render(
        request,
        "scheduling/room_diary.html",
        {**_diary_context(request, first_day, days), "room": room, "days": diary_days},
    )
