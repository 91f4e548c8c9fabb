"""Every write of outcome monitoring. Each runs in one transaction with its audit event.

Scores are always computed by `stepcare.measures.score` here, at the moment of recording; the
stored total, band and caseness are the core's. A response is never edited: a wrong one is
marked entered in error and the right answers are recorded as a new response.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.measures import MeasuresError, Registry, score
from stepcare.outcomes.models import MeasureResponse, Timepoint
from stepcare.outcomes.registry import service_registry
from stepcare.patients.models import Patient
from stepcare.referrals.models import Referral
from stepcare.reporting.course import refresh_course_outcome
from stepcare.scheduling.models import Appointment

MIN_ERROR_REASON = 10


class ResponseRefused(Exception):
    """A response that cannot be recorded, with a message fit to show the user."""


@transaction.atomic
def record_responses(
    *,
    by: User,
    patient: Patient,
    referral: Referral,
    appointment: Appointment | None,
    entries: Mapping[str, Sequence[int | None]],
    timepoint: str,
    session_number: int | None,
    completed_on: dt.date,
    problem_descriptor: str = "",
    registry: Registry | None = None,
) -> list[MeasureResponse]:
    """Score and store one or more completed questionnaires from one contact (or, without an
    appointment, from a referral or waiting-list check). All or nothing."""
    registry = registry or service_registry()
    if referral.patient_id != patient.pk:
        raise ResponseRefused("This referral belongs to another patient.")
    if referral.status == Referral.Status.ENTERED_IN_ERROR:
        raise ResponseRefused("This referral was entered in error; scores cannot be recorded against it.")
    if appointment is not None and not appointment.attendees.filter(patient=patient).exists():
        raise ResponseRefused("This patient is not in this appointment.")
    if timepoint not in Timepoint.values:
        raise ResponseRefused("Choose when the questionnaires were completed.")
    if completed_on > timezone.localdate():
        raise ResponseRefused("The date completed cannot be in the future.")
    if not entries:
        raise ResponseRefused("Enter the answers of at least one questionnaire.")
    saved = []
    for code, answers in entries.items():
        try:
            result = score(code, answers, registry=registry)
        except MeasuresError as exc:
            raise ResponseRefused(str(exc)) from exc
        response = MeasureResponse(
            patient=patient,
            referral=referral,
            appointment=appointment,
            measure=result.measure,
            answers=list(result.answers),
            total=float(result.total),
            severity=result.severity or "",
            caseness=result.caseness,
            item9=result.answers[8] if result.measure == "PHQ-9" else None,
            timepoint=timepoint,
            session_number=session_number,
            completed_on=completed_on,
            problem_descriptor=problem_descriptor,
            recorded_by=by,
        )
        try:
            with transaction.atomic():
                response.save()
        except IntegrityError as exc:
            raise ResponseRefused(
                f"{result.measure} is already recorded at this contact. To correct it, mark it entered "
                "in error and enter it again."
            ) from exc
        record(
            by=by,
            action=AuditEvent.Action.CREATE,
            patient=patient,
            obj=response,
            detail={"measure": result.measure, "timepoint": timepoint, "referral": referral.pk},
        )
        saved.append(response)
    refresh_course_outcome(referral)
    return saved


@transaction.atomic
def mark_entered_in_error(*, by: User, response: MeasureResponse, reason: str) -> MeasureResponse:
    """Take a response out of every score, chart and outcome, keeping it and why."""
    reason = reason.strip()
    locked = MeasureResponse.objects.select_for_update().get(pk=response.pk)
    if not locked.is_current:
        raise ResponseRefused("This response is already marked entered in error.")
    if len(reason) < MIN_ERROR_REASON:
        raise ResponseRefused(f"Say why this was entered in error (at least {MIN_ERROR_REASON} characters).")
    locked.status = MeasureResponse.Status.ENTERED_IN_ERROR
    locked.error_reason = reason
    locked.error_marked_by = by
    locked.error_marked_at = timezone.now()
    locked.save(update_fields=["status", "error_reason", "error_marked_by", "error_marked_at"])
    record(
        by=by,
        action=AuditEvent.Action.UPDATE,
        patient=locked.patient,
        obj=locked,
        detail={"entered_in_error": True, "measure": locked.measure, "reason": reason},
    )
    refresh_course_outcome(locked.referral_id)
    return locked
