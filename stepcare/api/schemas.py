"""What the REST API reads and writes: its request and response schemas."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from stepcare.scheduling.models import Appointment


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


def appointment_out(a: Appointment) -> AppointmentOut:
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
