"""The REST API, version 1: ``/api/v1/`` with its OpenAPI schema at ``/api/v1/openapi.json``.

Every request authenticates with a personal access token and acts with exactly its user's
roles and teams (``has_permission``). Every read that shows a patient is audited like a page
view; another team's patient is a 404; every error is ``application/problem+json``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Path, Query, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from pydantic import Field

from stepcare.accounts.models import User
from stepcare.accounts.permissions import Permission, has_permission, team_ids_with_permission
from stepcare.api.auth import RateLimited, TokenAuth
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.outcomes import actions as outcome_actions
from stepcare.outcomes.models import MeasureResponse
from stepcare.patients.models import Patient
from stepcare.patients.selectors import patient_matches
from stepcare.referrals.models import Referral
from stepcare.scheduling import actions as scheduling_actions
from stepcare.scheduling.models import Appointment, Attendee

MAX_PAGE_SIZE = 100
PROBLEM = "application/problem+json"


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str = "") -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail


def problem_response(status: int, title: str, detail: str = "", **headers: str) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail or title}
    response = HttpResponse(json.dumps(body), status=status, content_type=PROBLEM)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


api = NinjaAPI(
    title="Stepcare API",
    version="1",
    urls_namespace="api_v1",
    auth=TokenAuth(),
    docs_url=None,
    description="Read patients, referrals, appointments and outcome measures; record attendance "
    "and questionnaire responses. Authenticate with a personal access token: "
    "`Authorization: Bearer <token>`. Errors are application/problem+json.",
)


@api.exception_handler(Problem)
def _problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    return problem_response(exc.status, exc.title, exc.detail)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(
        401,
        "Unauthorised",
        "Send a live personal access token as Authorization: Bearer <token>.",
        WWW_Authenticate='Bearer realm="stepcare"',
    )


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    return problem_response(
        429, "Too many requests", f"Try again in {exc.retry_after} seconds.", Retry_After=str(exc.retry_after)
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    parts = []
    for error in exc.errors[:10]:
        where = ".".join(str(p) for p in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return problem_response(422, "Invalid request", "; ".join(parts) or "The request is not valid.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem_response(exc.status_code, "Request refused", str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(404, "Not found", "There is nothing here that you can see.")


@api.exception_handler(scheduling_actions.BookingRefused)
def _booking_refused(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(409, "Refused", str(exc))


@api.exception_handler(outcome_actions.ResponseRefused)
def _response_refused(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem_response(409, "Refused", str(exc))


# --- helpers -------------------------------------------------------------------------------


class Paging(Schema):
    limit: int = Field(20, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(0, ge=0, le=1_000_000)


def _user(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]
    return user


def _text(value: str) -> str:
    """A text filter, refused if it holds a NUL (PostgreSQL cannot compare one)."""
    if "\x00" in value:
        raise Problem(422, "Invalid request", "Text filters cannot contain NUL characters.")
    return value.strip()


def _require_write(request: HttpRequest) -> None:
    token = getattr(request, "api_token", None)
    if token is None or not token.can_write:
        raise Problem(403, "Forbidden", "This token is read only; create a token with write scope.")


def _page(qs: QuerySet[Any], paging: Paging) -> tuple[list[Any], int]:
    total = qs.count()
    return list(qs[paging.offset : paging.offset + paging.limit]), total


def _audit_list(user: User, endpoint: str, patient_ids: list[int], paging: Paging) -> None:
    record(
        by=user,
        action=AuditEvent.Action.VIEW,
        detail={"api": endpoint, "offset": paging.offset, "patients": sorted(set(patient_ids))},
    )


def _audit_view(user: User, endpoint: str, patient: Patient, obj: Any = None) -> None:
    record(by=user, action=AuditEvent.Action.VIEW, patient=patient, obj=obj, detail={"api": endpoint})


def _refuse(user: User, endpoint: str, patient: Patient | None) -> Problem:
    """Another team's object: audited, then a 404 that confirms nothing."""
    record(by=user, action=AuditEvent.Action.ACCESS_DENIED, patient=patient, detail={"api": endpoint})
    return Problem(404, "Not found", "There is nothing here that you can see.")


# --- schemas -------------------------------------------------------------------------------


class PatientOut(Schema):
    id: int
    nhs_number: str | None
    given_name: str
    family_name: str
    preferred_name: str
    date_of_birth: dt.date
    stated_sex: str
    team_id: int
    allocated_clinician_id: int | None
    gp_practice_code: str


class PatientPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[PatientOut]


class ReferralOut(Schema):
    id: int
    reference: str
    patient_id: int | None
    team_id: int
    status: str
    source: str
    received_on: dt.date
    urgency: str
    step: str
    allocated_to_id: int | None
    assessment_date: dt.date | None
    first_treatment_date: dt.date | None
    last_treatment_date: dt.date | None
    treatment_contact_count: int
    discharge_date: dt.date | None
    end_code: str


class ReferralPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ReferralOut]


class AttendeeOut(Schema):
    patient_id: int
    referral_id: int | None
    attendance: str
    live: bool


class AppointmentOut(Schema):
    id: int
    team_id: int
    kind: str
    app_type: str
    delivery_mode: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    clinician_ids: list[int]
    attendees: list[AttendeeOut]


class AppointmentPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AppointmentOut]


class AttendanceIn(Schema):
    patient_id: int = Field(ge=1, le=2_147_483_647)
    code: str = Field(
        max_length=2, description="AttendOrDNA: 5 or 6 attended, 7 arrived late, 3 did not attend"
    )


class ResponseOut(Schema):
    id: int
    referral_id: int
    patient_id: int
    appointment_id: int | None
    measure: str
    answers: list[int | None]
    total: float
    severity: str
    caseness: bool | None
    timepoint: str
    session_number: int | None
    completed_on: dt.date
    status: str


class ResponsePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ResponseOut]


class ResponsesIn(Schema):
    entries: dict[str, list[int | None]] = Field(
        description='Answers per measure, e.g. {"PHQ-9": [1, 2, 0, 1, 2, 1, 0, 1, 0]}', max_length=10
    )
    timepoint: str = Field(max_length=12)
    completed_on: dt.date
    session_number: int | None = Field(None, ge=0, le=999)
    appointment_id: int | None = Field(None, ge=1, le=2_147_483_647)


DB_ID: Any = Path(..., ge=1, le=2_147_483_647)  # type: ignore[type-arg]


def _appointment_out(a: Appointment) -> AppointmentOut:
    return AppointmentOut(
        id=a.pk,
        team_id=a.team_id,
        kind=a.kind,
        app_type=a.app_type,
        delivery_mode=a.delivery_mode,
        starts_at=a.starts_at,
        ends_at=a.ends_at,
        status=a.status,
        clinician_ids=sorted({row.clinician_id for row in a.clinician_rows.all() if row.live}),
        attendees=[
            AttendeeOut(
                patient_id=t.patient_id, referral_id=t.referral_id, attendance=t.attendance, live=t.live
            )
            for t in a.attendees.all()
        ],
    )


# --- patients -------------------------------------------------------------------------------

patients = Router(tags=["patients"])


class PatientFilters(Paging):
    q: str = Field("", max_length=100, description="A name, NHS number, phone number or date of birth")


@patients.get("/", response=PatientPage)
def list_patients(request: HttpRequest, filters: Query[PatientFilters]) -> dict[str, Any]:
    user = _user(request)
    qs = Patient.objects.filter(team_id__in=team_ids_with_permission(user, Permission.VIEW_PATIENT))
    if _text(filters.q):
        condition = patient_matches(filters.q)
        qs = qs.filter(condition) if condition is not None else qs.none()
    items, total = _page(qs.order_by("search_name", "id"), filters)
    _audit_list(user, "patients", [p.pk for p in items], filters)
    return {"count": total, "limit": filters.limit, "offset": filters.offset, "items": items}


def _patient_for(
    user: User, pk: int, endpoint: str, permission: Permission = Permission.VIEW_PATIENT
) -> Patient:
    patient = Patient.objects.filter(pk=pk).first()
    if patient is None:
        raise Problem(404, "Not found", "There is nothing here that you can see.")
    if not has_permission(user, permission, obj=patient):
        raise _refuse(user, endpoint, patient)
    return patient


@patients.get("/{patient_id}", response=PatientOut)
def patient_detail(request: HttpRequest, patient_id: int = DB_ID) -> Patient:
    user = _user(request)
    patient = _patient_for(user, patient_id, "patient")
    _audit_view(user, "patient", patient, patient)
    return patient


@patients.get("/{patient_id}/fhir", response=dict[str, Any])
def patient_fhir(request: HttpRequest, patient_id: int = DB_ID) -> dict[str, Any]:
    """The patient's record as a FHIR R4 Bundle (type collection)."""
    from stepcare.api.fhir import patient_bundle

    user = _user(request)
    patient = _patient_for(user, patient_id, "fhir", Permission.VIEW_CLINICAL_RECORD)
    bundle = patient_bundle(patient)
    record(
        by=user,
        action=AuditEvent.Action.EXPORT,
        patient=patient,
        obj=patient,
        detail={"api": "fhir", "format": "fhir", "resources": len(bundle["entry"])},
    )
    return bundle


# --- referrals ------------------------------------------------------------------------------

referrals = Router(tags=["referrals"])


class ReferralFilters(Paging):
    status: str = Field("", max_length=20)
    patient_id: int | None = Field(None, ge=1, le=2_147_483_647)
    allocated_to: int | None = Field(None, ge=1, le=2_147_483_647)
    received_from: dt.date | None = None
    received_to: dt.date | None = None


@referrals.get("/", response=ReferralPage)
def list_referrals(request: HttpRequest, filters: Query[ReferralFilters]) -> dict[str, Any]:
    user = _user(request)
    qs = Referral.objects.filter(team_id__in=team_ids_with_permission(user, Permission.MANAGE_REFERRALS))
    if _text(filters.status):
        qs = qs.filter(status=filters.status)
    if filters.patient_id:
        qs = qs.filter(patient_id=filters.patient_id)
    if filters.allocated_to:
        qs = qs.filter(allocated_to_id=filters.allocated_to)
    if filters.received_from:
        qs = qs.filter(received_on__gte=filters.received_from)
    if filters.received_to:
        qs = qs.filter(received_on__lte=filters.received_to)
    items, total = _page(qs.order_by("-received_on", "-id"), filters)
    _audit_list(user, "referrals", [r.patient_id for r in items if r.patient_id], filters)
    return {"count": total, "limit": filters.limit, "offset": filters.offset, "items": items}


def _referral_for(user: User, pk: int, permission: Permission, endpoint: str) -> Referral:
    referral = Referral.objects.select_related("patient").filter(pk=pk).first()
    if referral is None:
        raise Problem(404, "Not found", "There is nothing here that you can see.")
    if not has_permission(user, permission, obj=referral):
        raise _refuse(user, endpoint, referral.patient)
    return referral


@referrals.get("/{referral_id}", response=ReferralOut)
def referral_detail(request: HttpRequest, referral_id: int = DB_ID) -> Referral:
    user = _user(request)
    referral = _referral_for(user, referral_id, Permission.MANAGE_REFERRALS, "referral")
    if referral.patient is not None:
        _audit_view(user, "referral", referral.patient, referral)
    else:
        record(by=user, action=AuditEvent.Action.VIEW, obj=referral, detail={"api": "referral"})
    return referral


@referrals.get("/{referral_id}/responses", response=ResponsePage)
def list_responses(request: HttpRequest, filters: Query[Paging], referral_id: int = DB_ID) -> dict[str, Any]:
    user = _user(request)
    referral = _referral_for(user, referral_id, Permission.VIEW_OUTCOMES, "responses")
    qs = MeasureResponse.objects.filter(referral=referral).order_by("completed_on", "id")
    items, total = _page(qs, filters)
    if referral.patient is not None:
        _audit_view(user, "responses", referral.patient, referral)
    return {"count": total, "limit": filters.limit, "offset": filters.offset, "items": items}


@referrals.post("/{referral_id}/responses", response={201: list[ResponseOut]})
def record_responses(request: HttpRequest, payload: ResponsesIn, referral_id: int = DB_ID) -> Status[Any]:
    _require_write(request)
    user = _user(request)
    referral = _referral_for(user, referral_id, Permission.RECORD_OUTCOMES, "record responses")
    if referral.patient is None:
        raise Problem(409, "Refused", "Confirm who this referral is for before recording scores.")
    appointment = None
    if payload.appointment_id is not None:
        appointment = Appointment.objects.filter(pk=payload.appointment_id, team_id=referral.team_id).first()
        if appointment is None:
            raise Problem(404, "Not found", "There is no such appointment in this referral's team.")
    saved = outcome_actions.record_responses(
        by=user,
        patient=referral.patient,
        referral=referral,
        appointment=appointment,
        entries=payload.entries,
        timepoint=payload.timepoint,
        session_number=payload.session_number,
        completed_on=payload.completed_on,
    )
    return Status(201, saved)


# --- appointments ---------------------------------------------------------------------------

appointments = Router(tags=["appointments"])


class AppointmentFilters(Paging):
    start: dt.date
    end: dt.date
    clinician_id: int | None = Field(None, ge=1, le=2_147_483_647)


def _appointments() -> QuerySet[Appointment]:
    return Appointment.objects.prefetch_related("clinician_rows", "attendees")


@appointments.get("/", response=AppointmentPage)
def list_appointments(request: HttpRequest, filters: Query[AppointmentFilters]) -> dict[str, Any]:
    user = _user(request)
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
    items, total = _page(qs.order_by("starts_at", "id"), filters)
    shown = [t.patient_id for a in items for t in a.attendees.all()]
    _audit_list(user, "appointments", shown, filters)
    return {
        "count": total,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_appointment_out(a) for a in items],
    }


def _appointment_for(user: User, pk: int, endpoint: str) -> Appointment:
    appointment = _appointments().filter(pk=pk).first()
    if appointment is None:
        raise Problem(404, "Not found", "There is nothing here that you can see.")
    if not has_permission(user, Permission.BOOK_APPOINTMENTS, obj=appointment):
        first = next(iter(appointment.attendees.all()), None)
        raise _refuse(user, endpoint, first.patient if first else None)
    return appointment


@appointments.get("/{appointment_id}", response=AppointmentOut)
def appointment_detail(request: HttpRequest, appointment_id: int = DB_ID) -> AppointmentOut:
    user = _user(request)
    appointment = _appointment_for(user, appointment_id, "appointment")
    for attendee in appointment.attendees.all():
        _audit_view(user, "appointment", attendee.patient, appointment)
    return _appointment_out(appointment)


@appointments.post("/{appointment_id}/attendance", response=AppointmentOut)
def record_attendance(
    request: HttpRequest, payload: AttendanceIn, appointment_id: int = DB_ID
) -> AppointmentOut:
    _require_write(request)
    user = _user(request)
    appointment = _appointment_for(user, appointment_id, "attendance")
    attendee = Attendee.objects.filter(appointment=appointment, patient_id=payload.patient_id).first()
    if attendee is None:
        raise Problem(404, "Not found", "This person is not in this appointment.")
    with transaction.atomic():
        scheduling_actions.record_attendance(by=user, attendee=attendee, code=payload.code)
    return _appointment_out(_appointments().get(pk=appointment.pk))


kpis = Router(tags=["kpis"])


class KpiFilters(Schema):
    start: dt.date
    end: dt.date
    team_id: int = Field(ge=1, le=2_147_483_647)


@kpis.get("/", response=dict[str, Any])
def service_kpis(request: HttpRequest, filters: Query[KpiFilters]) -> dict[str, Any]:
    """The national KPIs for one team the user reports on, as `stepcare kpis --json` prints them."""
    from stepcare.accounts.models import Team
    from stepcare.reporting import selectors as reporting

    user = _user(request)
    if filters.end < filters.start or (filters.end - filters.start).days > 3 * 366:
        raise Problem(422, "Invalid request", "end must be on or after start, and at most three years later.")
    if filters.team_id not in team_ids_with_permission(user, Permission.VIEW_SERVICE_REPORTS):
        raise Problem(404, "Not found", "There is no team here that you report on.")
    team = Team.objects.get(pk=filters.team_id)
    record(by=user, action=AuditEvent.Action.VIEW, detail={"api": "kpis", "team": team.pk})
    return reporting.kpis(filters.start, filters.end, team=team)


api.add_router("/patients", patients)
api.add_router("/referrals", referrals)
api.add_router("/appointments", appointments)
api.add_router("/kpis", kpis)
