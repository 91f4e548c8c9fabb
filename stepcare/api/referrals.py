"""``/api/v1/referrals``: the referrals of one's teams, one referral, its outcome measures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status
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
    text,
    user_of,
)
from stepcare.api.schemas import ReferralOut, ReferralPage, ResponseOut, ResponsePage, ResponsesIn
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.outcomes import actions as outcome_actions
from stepcare.outcomes.models import MeasureResponse
from stepcare.patients.models import Patient
from stepcare.referrals.models import Referral
from stepcare.scheduling.models import Appointment

referrals = Router(tags=["referrals"])


class ReferralFilters(Paging):
    status: str = Field("", max_length=20)
    patient_id: int | None = Field(None, ge=1, le=2_147_483_647)
    allocated_to: int | None = Field(None, ge=1, le=2_147_483_647)
    received_from: dt.date | None = None
    received_to: dt.date | None = None


@referrals.get("/", response=ReferralPage)
def list_referrals(request: HttpRequest, filters: Query[ReferralFilters]) -> dict[str, Any]:
    user = user_of(request)
    qs = Referral.objects.filter(team_id__in=team_ids_with_permission(user, Permission.MANAGE_REFERRALS))
    if text(filters.status):
        qs = qs.filter(status=filters.status)
    if filters.patient_id:
        qs = qs.filter(patient_id=filters.patient_id)
    if filters.allocated_to:
        qs = qs.filter(allocated_to_id=filters.allocated_to)
    if filters.received_from:
        qs = qs.filter(received_on__gte=filters.received_from)
    if filters.received_to:
        qs = qs.filter(received_on__lte=filters.received_to)
    items, total = page_of(qs.order_by("-received_on", "-id"), filters)
    audit_list(user, "referrals", [r.patient_id for r in items if r.patient_id], filters)
    return {"count": total, "limit": filters.limit, "offset": filters.offset, "items": items}


def _patient_of(referral: Referral) -> Patient | None:
    return referral.patient


def referral_for(request: HttpRequest, pk: int, permission: Permission, endpoint: str) -> Referral:
    return fetch(
        request, Referral.objects.select_related("patient"), pk, permission, endpoint, patient_of=_patient_of
    )


@referrals.get("/{referral_id}", response=ReferralOut)
def referral_detail(request: HttpRequest, referral_id: int = DB_ID) -> Referral:
    user = user_of(request)
    referral = referral_for(request, referral_id, Permission.MANAGE_REFERRALS, "referral")
    if referral.patient is not None:
        audit_view(user, "referral", referral.patient, referral)
    else:
        record(by=user, action=AuditEvent.Action.VIEW, obj=referral, detail={"api": "referral"})
    return referral


@referrals.get("/{referral_id}/responses", response=ResponsePage)
def list_responses(request: HttpRequest, filters: Query[Paging], referral_id: int = DB_ID) -> dict[str, Any]:
    referral = referral_for(request, referral_id, Permission.VIEW_OUTCOMES, "responses")
    qs = MeasureResponse.objects.filter(referral=referral).order_by("completed_on", "id")
    items, total = page_of(qs, filters)
    if referral.patient is not None:
        audit_view(user_of(request), "responses", referral.patient, referral)
    return {"count": total, "limit": filters.limit, "offset": filters.offset, "items": items}


@referrals.post("/{referral_id}/responses", response={201: list[ResponseOut]})
def record_responses(request: HttpRequest, payload: ResponsesIn, referral_id: int = DB_ID) -> Status[Any]:
    require_write(request)
    referral = referral_for(request, referral_id, Permission.RECORD_OUTCOMES, "record responses")
    if referral.patient is None:
        raise Problem(409, "Refused", "Confirm who this referral is for before recording scores.")
    appointment = None
    if payload.appointment_id is not None:
        appointment = Appointment.objects.filter(pk=payload.appointment_id, team_id=referral.team_id).first()
        if appointment is None:
            raise Problem(404, "Not found", "There is no such appointment in this referral's team.")
    saved = outcome_actions.record_responses(
        by=user_of(request),
        patient=referral.patient,
        referral=referral,
        appointment=appointment,
        entries=payload.entries,
        timepoint=payload.timepoint,
        session_number=payload.session_number,
        completed_on=payload.completed_on,
    )
    return Status(201, saved)
