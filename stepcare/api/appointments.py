"""``/api/v1/appointments``: the diary of one's teams, one appointment, recording attendance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from pydantic import Field

from stepcare.accounts.permissions import Permission, team_ids_with_permission
from stepcare.api.common import (
    DB_ID,
    Paging,
    Problem,
    audit_list,
    audit_view,
    fetch,
    page_of,
    require_write,
    user_of,
)
from stepcare.api.schemas import AppointmentOut, AppointmentPage, AttendanceIn, appointment_out
from stepcare.patients.models import Patient
from stepcare.scheduling import actions as scheduling_actions
from stepcare.scheduling.models import Appointment, Attendee

appointments = Router(tags=["appointments"])


class AppointmentFilters(Paging):
    start: dt.date
    end: dt.date
    clinician_id: int | None = Field(None, ge=1, le=2_147_483_647)


def _appointments() -> QuerySet[Appointment]:
    return Appointment.objects.prefetch_related("clinician_rows", "attendees")


@appointments.get("/", response=AppointmentPage)
def list_appointments(request: HttpRequest, filters: Query[AppointmentFilters]) -> dict[str, Any]:
    user = user_of(request)
    if filters.end < filters.start or (filters.end - filters.start).days > 92:
        raise Problem(422, "Invalid request", "end must be on or after start, and at most 92 days later.")
    qs = _appointments().filter(
        team_id__in=team_ids_with_permission(user, Permission.BOOK_APPOINTMENTS),
        starts_at__date__gte=filters.start,
        starts_at__date__lte=filters.end,
    )
    if filters.clinician_id:
        qs = qs.filter(
            Q(clinician_rows__clinician_id=filters.clinician_id, clinician_rows__live=True)
        ).distinct()
    items, total = page_of(qs.order_by("starts_at", "id"), filters)
    shown = [t.patient_id for a in items for t in a.attendees.all()]
    audit_list(user, "appointments", shown, filters)
    return {
        "count": total,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [appointment_out(a) for a in items],
    }


def _first_patient(appointment: Appointment) -> Patient | None:
    first = next(iter(appointment.attendees.all()), None)
    return first.patient if first else None


def _patients(appointment: Appointment) -> list[Patient]:
    return [attendee.patient for attendee in appointment.attendees.all()]


def appointment_for(request: HttpRequest, pk: int, endpoint: str) -> Appointment:
    return fetch(
        request,
        _appointments(),
        pk,
        Permission.BOOK_APPOINTMENTS,
        endpoint,
        patient_of=_first_patient,
        patients_of=_patients,
    )


@appointments.get("/{appointment_id}", response=AppointmentOut)
def appointment_detail(request: HttpRequest, appointment_id: int = DB_ID) -> AppointmentOut:
    user = user_of(request)
    appointment = appointment_for(request, appointment_id, "appointment")
    for attendee in appointment.attendees.all():
        audit_view(user, "appointment", attendee.patient, appointment)
    return appointment_out(appointment)


@appointments.post("/{appointment_id}/attendance", response=AppointmentOut)
def record_attendance(
    request: HttpRequest, payload: AttendanceIn, appointment_id: int = DB_ID
) -> AppointmentOut:
    require_write(request)
    appointment = appointment_for(request, appointment_id, "attendance")
    attendee = Attendee.objects.filter(appointment=appointment, patient_id=payload.patient_id).first()
    if attendee is None:
        raise Problem(404, "Not found", "This person is not in this appointment.")
    with transaction.atomic():
        scheduling_actions.record_attendance(by=user_of(request), attendee=attendee, code=payload.code)
    return appointment_out(_appointments().get(pk=appointment.pk))
