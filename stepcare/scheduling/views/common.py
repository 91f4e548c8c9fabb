"""What the diary pages share: whose diaries one may see, the day asked for, and fetching
one appointment for the signed-in user (audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.accounts.permissions import (
    Permission,
    team_ids_with_permission,
)
from stepcare.audit import actions as audit_actions
from stepcare.audit.context import audit_if_redisplayed
from stepcare.audit.fetch import fetch_for_user
from stepcare.fields import date_in_range
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient
from stepcare.referrals.models import Referral
from stepcare.scheduling import selectors
from stepcare.scheduling.models import Appointment

DIARY_PERMISSIONS = (Permission.BOOK_APPOINTMENTS, Permission.VIEW_TEAM_CASELOAD)


def _diary_team_ids(user: User) -> set[int]:
    """Teams whose diaries this person may see: where they book or oversee the caseload."""
    teams: set[int] = set()
    for permission in DIARY_PERMISSIONS:
        teams |= team_ids_with_permission(user, permission)
    return teams


def _requested_day(request: HttpRequest) -> dt.date:
    raw = request.GET.get("date", "")
    try:
        day = dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()
    # A date the calendar cannot step around (0001-01-01, 9999-12-31): show today instead.
    return day if date_in_range(day) else timezone.localdate()


def _found_referrals(partners: Any, found: list[Referral], chosen: str) -> list[Referral]:
    """The search results, plus the one already chosen (kept when the search changes)."""
    if chosen.isdigit() and all(r.pk != int(chosen) for r in found):
        found = [*found, *partners.filter(pk=int(chosen))]
    return found


def _get_appointment_for_user(
    request: StaffRequest,
    pk: int,
    permission: Permission = Permission.BOOK_APPOINTMENTS,
    *,
    audit_view: bool = True,
    queryset: Any = None,
) -> Appointment:
    """The appointment if this user may see it, read with `queryset` (by default, everything
    the appointment's own page shows), its patients given the banner's risk values; reads audited."""
    found: Appointment = fetch_for_user(
        request,
        selectors.appointments_for_page() if queryset is None else queryset,
        pk,
        permission,
        patients_of=lambda a: a.patients,
    )
    appointment = selectors.with_banner_risk(found)
    patients = [attendee.patient for attendee in appointment.attendees.all()]
    if audit_view:
        audit_actions.record_shown(
            by=request.user, patients=patients, obj=appointment, page="scheduling:appointment"
        )
    elif request.method == "POST":
        audit_if_redisplayed(request, patients=patients, obj=appointment)
    return appointment


def _single_patient(appointment: Appointment) -> Patient | None:
    attendees = list(appointment.attendees.all())
    return attendees[0].patient if len(attendees) == 1 else None


def overseen_team_ids(user: User) -> set[int]:
    """Teams whose members' working patterns and leave the user may open: those they manage
    or supervise (the pattern page's rule, and the diaries' link to it)."""
    return team_ids_with_permission(user, Permission.MANAGE_STAFF) | team_ids_with_permission(
        user, Permission.SUPERVISE
    )
