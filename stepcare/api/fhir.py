"""One patient's record as a FHIR R4 Bundle (fhir.resources' R4B models, which are R4-compatible
for every resource used here).

Everything is read for exactly one patient: group appointments list only this patient as a
participant, and every reference points at a resource inside the Bundle (``urn:uuid`` full URLs).
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from stepcare.measures import MeasuresError
from stepcare.outcomes.models import MeasureResponse
from stepcare.outcomes.registry import service_registry
from stepcare.patients.models import Patient
from stepcare.referrals.models import ProblemDescriptorRecord, Referral
from stepcare.scheduling.models import Appointment, Attendee

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
STEPCARE = "https://stepcare.example/fhir"
# LOINC panel totals for the two paired measures; others use the registry's SNOMED CT code.
LOINC_TOTALS = {
    "PHQ-9": ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score"),
    "GAD-7": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score"),
}
_NAMESPACE = uuid.UUID("0f6a8c52-3c1e-4a57-9d62-8e8f0a7d1c11")


def _uuid(kind: str, pk: Any) -> str:
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}/{pk}')}"


def _ref(full_url: str) -> dict[str, str]:
    return {"reference": full_url}


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


class _Builder:
    def __init__(self, patient: Patient) -> None:
        self.patient = patient
        self.entries: list[dict[str, Any]] = []
        self.urls: set[str] = set()
        self.patient_url = _uuid("Patient", patient.pk)

    def add(self, full_url: str, resource: dict[str, Any]) -> str:
        if full_url not in self.urls:
            self.urls.add(full_url)
            resource.setdefault("id", full_url.rsplit(":", 1)[-1])
            self.entries.append({"fullUrl": full_url, "resource": resource})
        return full_url

    def patient_resource(self) -> None:
        p = self.patient
        resource: dict[str, Any] = {
            "resourceType": "Patient",
            "name": [{"use": "official", "family": p.family_name, "given": [p.given_name]}],
            "birthDate": _iso(p.date_of_birth),
            "gender": {"1": "male", "2": "female", "9": "other"}.get(p.stated_sex, "unknown"),
        }
        if p.nhs_number:
            resource["identifier"] = [{"system": NHS_NUMBER_SYSTEM, "value": p.nhs_number}]
        if p.date_of_death:
            resource["deceasedDateTime"] = _iso(p.date_of_death)
        self.add(self.patient_url, resource)

    def referrals(self) -> dict[int, str]:
        urls = {}
        for r in Referral.objects.filter(patient=self.patient).order_by("received_on", "id"):
            statuses: dict[str, str] = {
                Referral.Status.ENTERED_IN_ERROR: "entered-in-error",
                Referral.Status.ENDED: "completed",
            }
            status = statuses.get(r.status, "active")
            urls[r.pk] = self.add(
                _uuid("ServiceRequest", r.pk),
                {
                    "resourceType": "ServiceRequest",
                    "identifier": [{"system": f"{STEPCARE}/referral", "value": r.reference}],
                    "status": status,
                    "intent": "order",
                    "code": {"text": "NHS Talking Therapies for anxiety and depression"},
                    "subject": _ref(self.patient_url),
                    "authoredOn": _iso(r.received_on),
                    "note": [{"text": f"Stepcare status: {r.get_status_display()}"}],
                },
            )
        return urls

    def appointments(self, referral_urls: dict[int, str]) -> dict[int, str]:
        encounters: dict[int, str] = {}
        rows = (
            Attendee.objects.filter(patient=self.patient)
            .select_related("appointment")
            .order_by("appointment__starts_at", "id")
        )
        for row in rows:
            a: Appointment = row.appointment
            if a.is_cancelled or row.is_cancelled:
                status = "cancelled"
            elif row.is_missed:
                status = "noshow"
            elif row.is_attended:
                status = "fulfilled"
            else:
                status = "booked"
            resource: dict[str, Any] = {
                "resourceType": "Appointment",
                "status": status,
                "description": a.get_app_type_display(),
                "start": _iso(row.starts_at),
                "end": _iso(row.ends_at),
                "participant": [{"actor": _ref(self.patient_url), "status": "accepted"}],
            }
            if row.referral_id in referral_urls:
                resource["basedOn"] = [_ref(referral_urls[row.referral_id])]
            appointment_url = self.add(_uuid("Appointment", f"{a.pk}/{row.patient_id}"), resource)
            if status == "fulfilled":
                encounter: dict[str, Any] = {
                    "resourceType": "Encounter",
                    "status": "finished",
                    "class": {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                        "code": "AMB" if a.delivery_mode == "01" else "VR",
                    },
                    "subject": _ref(self.patient_url),
                    "appointment": [_ref(appointment_url)],
                    "period": {"start": _iso(row.starts_at), "end": _iso(row.ends_at)},
                }
                if row.referral_id in referral_urls:
                    encounter["basedOn"] = [_ref(referral_urls[row.referral_id])]
                encounters[a.pk] = self.add(_uuid("Encounter", f"{a.pk}/{row.patient_id}"), encounter)
        return encounters

    def measures(self, encounters: dict[int, str]) -> None:
        registry = service_registry()
        for m in MeasureResponse.objects.filter(patient=self.patient).order_by("completed_on", "id"):
            try:
                measure = registry.get(m.measure)
                snomed = measure.snomed_code
                items = len(measure.items)
            except MeasuresError:  # a measure no longer configured still exports its stored values
                snomed, items = None, len(m.answers)
            questionnaire_url = f"{STEPCARE}/Questionnaire/{m.measure}"
            self.add(
                _uuid("Questionnaire", m.measure),
                {
                    "resourceType": "Questionnaire",
                    "url": questionnaire_url,
                    "name": m.measure.replace("-", ""),
                    "title": m.measure,
                    "status": "active",
                    "item": [
                        {"linkId": str(i + 1), "text": f"Item {i + 1}", "type": "integer"}
                        for i in range(max(items, len(m.answers)))
                    ],
                },
            )
            error = m.status == MeasureResponse.Status.ENTERED_IN_ERROR
            response: dict[str, Any] = {
                "resourceType": "QuestionnaireResponse",
                "questionnaire": questionnaire_url,
                "status": "entered-in-error" if error else "completed",
                "subject": _ref(self.patient_url),
                "authored": _iso(m.completed_on),
                "item": [
                    {"linkId": str(i + 1), "answer": [{"valueInteger": int(v)}]}
                    for i, v in enumerate(m.answers)
                    if v is not None
                ],
            }
            if m.appointment_id in encounters:
                response["encounter"] = _ref(encounters[m.appointment_id])
            response_url = self.add(_uuid("QuestionnaireResponse", m.pk), response)
            if m.measure in LOINC_TOTALS:
                code, display = LOINC_TOTALS[m.measure]
                coding = [{"system": LOINC, "code": code, "display": display}]
            elif snomed:
                coding = [
                    {
                        "system": SNOMED,
                        "code": snomed,
                        "display": f"{m.measure} (code from the measures registry)",
                    }
                ]
            else:
                coding = []
            observation: dict[str, Any] = {
                "resourceType": "Observation",
                "status": "entered-in-error" if error else "final",
                "code": {"coding": coding, "text": f"{m.measure} total"}
                if coding
                else {"text": f"{m.measure} total"},
                "subject": _ref(self.patient_url),
                "effectiveDateTime": _iso(m.completed_on),
                "valueQuantity": {"value": m.total},
                "derivedFrom": [_ref(response_url)],
            }
            if m.caseness is not None:
                observation["interpretation"] = [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                                "code": "H" if m.caseness else "N",
                            }
                        ],
                        "text": "At or above the caseness threshold"
                        if m.caseness
                        else "Below the caseness threshold",
                    }
                ]
            if m.appointment_id in encounters:
                observation["encounter"] = _ref(encounters[m.appointment_id])
            self.add(_uuid("Observation", m.pk), observation)

    def conditions(self) -> None:
        for d in ProblemDescriptorRecord.objects.filter(referral__patient=self.patient).order_by(
            "recorded_on", "id"
        ):
            for code, label in (
                (d.primary, d.get_primary_display()),
                (d.secondary, d.get_secondary_display()),
            ):
                if not code:
                    continue
                system = SNOMED if code.isdigit() else ICD10
                self.add(
                    _uuid("Condition", f"{d.pk}/{code}"),
                    {
                        "resourceType": "Condition",
                        "clinicalStatus": {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                    "code": "active",
                                }
                            ]
                        },
                        "verificationStatus": {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                    "code": "provisional",
                                }
                            ]
                        },
                        "code": {"coding": [{"system": system, "code": code}], "text": label},
                        "subject": _ref(self.patient_url),
                        "recordedDate": _iso(d.recorded_on),
                    },
                )

    def care_plans(self) -> None:
        from stepcare.records.models import Goal, TreatmentPlan

        goal_urls = []
        for g in Goal.objects.filter(patient=self.patient).order_by("set_on", "id"):
            goal_urls.append(
                self.add(
                    _uuid("Goal", g.pk),
                    {
                        "resourceType": "Goal",
                        "lifecycleStatus": "active",
                        "description": {"text": g.description},
                        "subject": _ref(self.patient_url),
                        "startDate": _iso(g.set_on),
                    },
                )
            )
        for plan in TreatmentPlan.objects.filter(patient=self.patient, status="signed").order_by(
            "signed_at", "id"
        ):
            resource: dict[str, Any] = {
                "resourceType": "CarePlan",
                "status": "active",
                "intent": "plan",
                "title": "Treatment plan",
                "description": plan.goals or plan.notes or "Treatment plan",
                "subject": _ref(self.patient_url),
                "created": _iso(plan.signed_at),
            }
            if goal_urls:
                resource["goal"] = [_ref(u) for u in goal_urls]
            self.add(_uuid("CarePlan", plan.pk), resource)

    def letters(self) -> None:
        from stepcare.pdf import render_pdf
        from stepcare.records import selectors as record_selectors
        from stepcare.records.models import Letter

        for letter in Letter.objects.filter(patient=self.patient, status="signed").order_by(
            "signed_at", "id"
        ):
            context = {
                "patient": self.patient,
                "document": letter,
                "model": Letter,
                "content": letter.content(),
                "addenda": record_selectors.addenda_for(letter),
                "team": self.patient.team,
            }
            pdf = render_pdf("records/print.html", context)
            self.add(
                _uuid("DocumentReference", letter.pk),
                {
                    "resourceType": "DocumentReference",
                    "status": "current",
                    "docStatus": "final",
                    "type": {"text": "Letter"},
                    "subject": _ref(self.patient_url),
                    "date": _iso(letter.signed_at),
                    "content": [
                        {
                            "attachment": {
                                "contentType": "application/pdf",
                                "data": base64.b64encode(pdf).decode(),
                                "title": f"letter-{letter.pk}.pdf",
                            }
                        }
                    ],
                },
            )


def patient_bundle(patient: Patient, *, letters: bool = True) -> dict[str, Any]:
    """The FHIR Bundle (type collection) for ``patient``, validated by fhir.resources."""
    builder = _Builder(patient)
    builder.patient_resource()
    referral_urls = builder.referrals()
    encounters = builder.appointments(referral_urls)
    builder.measures(encounters)
    builder.conditions()
    builder.care_plans()
    if letters:
        builder.letters()
    data: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": builder.entries,
    }
    Bundle.model_validate(data)
    return data
