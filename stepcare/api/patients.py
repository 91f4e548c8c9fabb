"""``/api/v1/patients``: the patients of one's teams, one patient, one patient as FHIR."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import Field

from stepcare.accounts.permissions import Permission, team_ids_with_permission
from stepcare.api.common import DB_ID, Paging, audit_list, audit_view, fetch, page_of, text, user_of
from stepcare.api.schemas import PatientOut, PatientPage
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.patients.models import Patient
from stepcare.patients.selectors import patient_matches

patients = Router(tags=["patients"])


class PatientFilters(Paging):
    q: str = Field("", max_length=100, description="A name, NHS number, phone number or date of birth")


@patients.get("/", response=PatientPage)
def list_patients(request: HttpRequest, filters: Query[PatientFilters]) -> dict[str, Any]:
    user = user_of(request)
    qs = Patient.objects.filter(team_id__in=team_ids_with_permission(user, Permission.VIEW_PATIENT))
    if text(filters.q):
        condition = patient_matches(filters.q)
        qs = qs.filter(condition) if condition is not None else qs.none()
    items, total = page_of(qs.order_by("search_name", "id"), filters)
    audit_list(user, "patients", [p.pk for p in items], filters)
    return {"count": total, "limit": filters.limit, "offset": filters.offset, "items": items}


def _itself(patient: Patient) -> Patient:
    return patient


def patient_for(
    request: HttpRequest, pk: int, endpoint: str, permission: Permission = Permission.VIEW_PATIENT
) -> Patient:
    return fetch(request, Patient.objects.all(), pk, permission, endpoint, patient_of=_itself)


@patients.get("/{patient_id}", response=PatientOut)
def patient_detail(request: HttpRequest, patient_id: int = DB_ID) -> Patient:
    patient = patient_for(request, patient_id, "patient")
    audit_view(user_of(request), "patient", patient, patient)
    return patient


@patients.get("/{patient_id}/fhir", response=dict[str, Any])
def patient_fhir(request: HttpRequest, patient_id: int = DB_ID) -> dict[str, Any]:
    """The patient's record as a FHIR R4 Bundle (type collection)."""
    from stepcare.api.fhir import patient_bundle

    patient = patient_for(request, patient_id, "fhir", Permission.VIEW_CLINICAL_RECORD)
    bundle = patient_bundle(patient)
    record(
        by=user_of(request),
        action=AuditEvent.Action.EXPORT,
        patient=patient,
        obj=patient,
        detail={"api": "fhir", "format": "fhir", "resources": len(bundle["entry"])},
    )
    return bundle
