"""Letters: merge fields filled from the record, and who a letter goes to."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.patients.models import Patient
from stepcare.records.models import (
    Assessment,
    GPPractice,
    Letter,
    LetterTemplate,
    RelatedPerson,
    RiskAssessment,
)
from stepcare.referrals.models import Agency, Referral

# The merge fields a template may use, with what each holds.
MERGE_FIELDS = {
    "patient_name": "The patient's full name (First Last)",
    "patient_first_name": "The patient's first name (or the name they prefer)",
    "nhs_number": "NHS number, spaced 3-3-4",
    "date_of_birth": "Date of birth",
    "patient_address": "The patient's address",
    "referral_reference": "The referral's reference",
    "referral_received": "The date the referral was received",
    "assessment_date": "The date of the signed assessment",
    "problem_descriptor": "The provisional problem descriptor",
    "plan": "The plan from the signed assessment",
    "scores": "Questionnaire scores (first and latest of each measure) with their meaning",
    "risk_summary": "The clinician's summary from the latest signed risk formulation",
    "risk_actions": "The actions from the latest signed risk formulation",
    "clinician": "The signing clinician's name",
    "gp_practice": "The patient's GP practice",
    "service_name": "The service's name",
    "today": "Today's date",
}


class _Keep(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def merge(text: str, values: dict[str, str]) -> str:
    """Fill ``{field}``s; unknown fields stay as typed so the clinician sees and fixes them."""
    formatter = string.Formatter()
    try:
        return formatter.vformat(text, (), _Keep(values))
    except (ValueError, IndexError):
        return text


def merge_values(*, patient: Patient, referral: Referral | None, by: User) -> dict[str, str]:
    assessment = (
        Assessment.objects.signed().filter(patient=patient).order_by("-signed_at").first()
        if referral is None
        else Assessment.objects.signed().filter(referral=referral).order_by("-signed_at").first()
    )
    risk = RiskAssessment.objects.signed().filter(patient=patient).order_by("-signed_at").first()
    descriptor = ""
    if assessment and assessment.problem_descriptor:
        descriptor = assessment.get_problem_descriptor_display()
    elif referral is not None:
        latest = referral.problem_descriptors.order_by("-recorded_on", "-id").first()
        descriptor = latest.get_primary_display() if latest else ""
    return {
        "patient_name": f"{patient.given_name} {patient.family_name}",
        "patient_first_name": patient.preferred_name or patient.given_name,
        "nhs_number": patient.formatted_nhs_number,
        "date_of_birth": f"{patient.date_of_birth:%d/%m/%Y}",
        "patient_address": "\n".join(x for x in [patient.address, patient.postcode] if x),
        "referral_reference": referral.reference if referral else "",
        "referral_received": f"{referral.received_on:%d/%m/%Y}" if referral else "",
        "assessment_date": f"{assessment.assessment_date:%d/%m/%Y}"
        if assessment and assessment.assessment_date
        else "",
        "problem_descriptor": descriptor or "not yet recorded",
        "plan": assessment.plan if assessment else "",
        "scores": scores_text(patient=patient, referral=referral),
        "risk_summary": risk.summary if risk else "",
        "risk_actions": risk.actions if risk else "",
        "clinician": by.get_full_name() or by.username,
        "gp_practice": patient.gp_practice_name,
        "service_name": patient.team.service.name if patient.team_id else "",
        "today": f"{timezone.localdate():%d/%m/%Y}",
    }


def _score(r: Any) -> str:
    meaning = [m for m in (r.severity, _caseness(r.caseness)) if m]
    return f"{r.total_text} on {r.completed_on:%d/%m/%Y}" + (f" ({'; '.join(meaning)})" if meaning else "")


def _caseness(caseness: bool | None) -> str:
    if caseness is None:
        return ""
    return "above the clinical cut-off" if caseness else "below the clinical cut-off"


def scores_text(*, patient: Patient, referral: Referral | None) -> str:
    """Each measure's first and latest current score, with the core's band and caseness:
    "PHQ-9: 18 on 01/02/2026 (moderately severe; above the clinical cut-off), latest 9 on ..."."""
    from stepcare.outcomes.models import MeasureResponse

    rows = MeasureResponse.objects.current().filter(patient=patient)
    if referral is not None:
        rows = rows.filter(referral=referral)
    by_measure: dict[str, list[Any]] = {}
    for r in rows.order_by("completed_on", "recorded_at", "id")[:500]:
        by_measure.setdefault(r.measure, []).append(r)
    if not by_measure:
        return "no questionnaire scores recorded yet"
    lines = []
    for measure, found in by_measure.items():
        first, latest = found[0], found[-1]
        line = f"{measure}: {_score(first)}"
        if latest.pk != first.pk:
            line += f", latest {_score(latest)}"
        lines.append(line)
    return "\n".join(lines)


@dataclass(frozen=True)
class Recipient:
    kind: str
    name: str
    address: str
    gp_practice: GPPractice | None = None
    related_person: RelatedPerson | None = None
    agency: Agency | None = None

    def links(self) -> dict[str, Any]:
        return {
            "recipient_kind": self.kind,
            "gp_practice": self.gp_practice,
            "related_person": self.related_person,
            "agency": self.agency,
        }


class NoRecipient(Exception):
    pass


def recipient_for(
    kind: str,
    *,
    patient: Patient,
    related_person: RelatedPerson | None = None,
    agency: Agency | None = None,
    name: str = "",
    address: str = "",
) -> Recipient:
    """Who the letter goes to; the patient's GP comes from the national practice directory."""
    R = Letter.Recipient
    if kind == R.GP:
        practice = (
            GPPractice.objects.filter(ods_code=patient.gp_practice_code).first()
            if patient.gp_practice_code
            else None
        )
        if practice is None and not patient.gp_practice_name:
            raise NoRecipient("The patient has no GP practice recorded: add it to their details first.")
        if practice is not None:
            return Recipient(kind, f"The GP, {practice.name}", practice.address, gp_practice=practice)
        return Recipient(kind, f"The GP, {patient.gp_practice_name}", "")
    if kind == R.PATIENT:
        return Recipient(
            kind,
            f"{patient.given_name} {patient.family_name}",
            "\n".join(x for x in [patient.address, patient.postcode] if x),
        )
    if kind == R.RELATED_PERSON:
        if related_person is None or related_person.patient_id != patient.pk:
            raise NoRecipient("Choose one of the patient's named people.")
        return Recipient(kind, related_person.name, related_person.address, related_person=related_person)
    if agency is not None:
        return Recipient(kind, agency.name, agency.address, agency=agency)
    if not name.strip():
        raise NoRecipient("Choose the agency, or type the name of the organisation or employer.")
    return Recipient(kind, name.strip(), address.strip())


def draft_from_template(
    template: LetterTemplate | None, *, patient: Patient, referral: Referral | None, by: User
) -> dict[str, str]:
    if template is None:
        return {"subject": "", "body": ""}
    values = merge_values(patient=patient, referral=referral, by=by)
    return {"subject": merge(template.subject, values), "body": merge(template.body, values)}
