"""What a new document starts with, so that a typical one is written in a couple of minutes.

A session note takes the date, attendance, mode and the scores recorded at the session from
the appointment, the session number
from the notes before it, the homework and plan from the previous note, and for the first
session the modality and goals from the treatment plan. The risk check is
never copied forward: it is asked afresh each session, with the last review shown beside it.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from stepcare.patients.models import Patient
from stepcare.records.models import RiskAssessment, SafetyPlan, SessionNote, TreatmentPlan
from stepcare.referrals.models import Referral


def session_note(*, patient: Patient, referral: Referral | None, appointment: Any = None) -> dict[str, Any]:
    notes = SessionNote.objects.filter(patient=patient)
    if referral is not None:
        notes = notes.filter(referral=referral)
    previous = notes.signed().order_by("-session_date", "-signed_at").first()
    initial: dict[str, Any] = {
        "session_date": timezone.localdate(),
        "session_number": notes.count() + 1,
    }
    if appointment is not None:
        initial["session_date"] = timezone.localtime(appointment.starts_at).date()
        initial["delivery_mode"] = appointment.delivery_mode
        attendee = next((a for a in appointment.attendees.all() if a.patient_id == patient.pk), None)
        if attendee is not None and attendee.attendance:
            initial["attendance"] = attendee.attendance
        measures = _measures_at(appointment, patient)
        if measures:
            initial["measures_reviewed"] = measures
    if previous is not None:
        initial["homework_reviewed"] = previous.homework_set
        initial["agenda"] = previous.plan_next
        initial["interventions"] = previous.interventions
    else:
        plans = TreatmentPlan.objects.signed().filter(patient=patient)
        plan = (
            (plans.filter(referral=referral) if referral is not None else plans)
            .order_by("-signed_at")
            .first()
        )
        if plan is not None:
            initial["agenda"] = f"Goals: {plan.goals}" if plan.goals else ""
            initial["interventions"] = plan.get_modality_display()
    return initial


def _measures_at(appointment: Any, patient: Patient) -> str:
    """The scores recorded at this session, with the core's band: "PHQ-9 12 (moderate); GAD-7 9"."""
    from stepcare.outcomes.models import MeasureResponse

    rows = MeasureResponse.objects.current().filter(appointment=appointment, patient=patient)
    return "; ".join(
        f"{r.measure} {r.total_text}" + (f" ({r.severity})" if r.severity else "")
        for r in rows.order_by("measure")[:20]
    )


def risk_assessment(*, patient: Patient) -> dict[str, Any]:
    """A review starts from the last signed formulation; what changes is shown on signing."""
    last = RiskAssessment.objects.signed().filter(patient=patient).order_by("-signed_at").first()
    if last is None:
        return {}
    return {n: getattr(last, n) for n in RiskAssessment.CONTENT_FIELDS if n != "review_date"}


def safety_plan(*, patient: Patient) -> tuple[dict[str, Any], dict[str, Any]]:
    """The latest plan's content (a new version starts from it), and its links."""
    last = SafetyPlan.objects.signed().filter(patient=patient).order_by("-signed_at").first()
    if last is None:
        return {"professionals": "My therapist at the service (office hours)\nMy GP"}, {}
    return (
        {n: getattr(last, n) for n in SafetyPlan.CONTENT_FIELDS},
        {"previous": last, "plan_number": last.plan_number + 1},
    )
