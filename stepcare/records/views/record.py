"""The record as a whole: its timeline, one's overdue drafts, the diary's way into a session
note, and the whole record for a subject access request."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from stepcare.accounts.permissions import has_permission, team_ids_with_permission
from stepcare.audit import actions as audit_actions
from stepcare.audit.fetch import fetch_patient
from stepcare.audit.models import AuditEvent
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient
from stepcare.pdf import pdf_response
from stepcare.records import export, selectors
from stepcare.records.models import DOCUMENT_KINDS, SessionNote
from stepcare.records.views.common import P


@login_required
def record(request: StaffRequest, pk: int) -> HttpResponse:
    """A patient's clinical record: new documents, and the timeline filtered by kind and paged."""
    patient = fetch_patient(request, pk, P.VIEW_CLINICAL_RECORD)
    kind = request.GET.get("kind", "")
    if kind not in selectors.TIMELINE_KINDS:
        kind = ""
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    entries, more = selectors.timeline(patient=patient, kind=kind, page=page)
    return render(
        request,
        "records/record.html",
        {
            "patient": patient,
            "entries": entries,
            "kind": kind,
            "kinds": selectors.TIMELINE_KINDS,
            "page": page,
            "more": more,
            "document_kinds": DOCUMENT_KINDS.values(),
            "can_write": has_permission(request.user, P.WRITE_CLINICAL_NOTES, obj=patient),
            "can_export": has_permission(request.user, P.EXPORT_RECORD),
        },
    )


@login_required
def drafts(request: StaffRequest) -> HttpResponse:
    """One's own drafts unsigned for too long, and (for supervisors) their teams'."""
    if not has_permission(request.user, P.WRITE_CLINICAL_NOTES):
        raise PermissionDenied
    found = selectors.overdue_drafts(user=request.user)
    unsent = selectors.unsent_letters(user=request.user)
    # One event naming every patient listed (found in each one's access log), none if none.
    shown = [d.patient for d in found["own"] + found["team"] + unsent["own"] + unsent["team"]]
    audit_actions.record_shown(by=request.user, patients=shown, page="records:drafts")
    return render(
        request,
        "records/drafts.html",
        {
            "own": found["own"],
            "team": found["team"],
            "days": settings.RECORDS_DRAFT_OVERDUE_DAYS,
            "unsent_own": unsent["own"],
            "unsent_team": unsent["team"],
            "unsent_days": settings.RECORDS_UNSENT_LETTER_DAYS,
            # A document opens where one writes notes: one about a patient since moved to a
            # team of someone else's is listed without a link (its new supervisors see it).
            "writing_teams": team_ids_with_permission(request.user, P.WRITE_CLINICAL_NOTES),
        },
    )


@login_required
def appointment_note(request: StaffRequest, appointment_pk: int) -> HttpResponse:
    """From the diary: the session note of this appointment, new (prefilled) or the one written."""
    from stepcare.scheduling.models import Appointment

    appointment = get_object_or_404(Appointment.objects.prefetch_related("attendees"), pk=appointment_pk)
    attendees = list(appointment.attendees.all())
    wanted = request.GET.get("patient")
    attendee = next(
        (a for a in attendees if str(a.patient_id) == wanted), attendees[0] if attendees else None
    )
    if attendee is None:
        raise Http404
    patient = fetch_patient(request, attendee.patient_id, P.WRITE_CLINICAL_NOTES, audit_view=False)
    existing = SessionNote.objects.filter(appointment=appointment, patient=patient).first()
    if existing is not None:
        return redirect("records:document", kind=SessionNote.KIND, doc_pk=existing.pk)
    url = reverse("records:new", kwargs={"pk": patient.pk, "kind": SessionNote.KIND})
    return redirect(f"{url}?appointment={appointment.pk}")


@login_required
def subject_access(request: StaffRequest, pk: int) -> HttpResponse:
    """The whole record of one patient for a subject access request (IG officer), PDF or JSON;
    a POST asks for it as a background export job (a long record takes too long to render here)."""
    if not has_permission(request.user, P.EXPORT_RECORD):
        raise PermissionDenied
    patient = get_object_or_404(Patient, pk=pk)  # a download: no banner to show
    if request.method == "POST":
        from stepcare.exports import actions as export_actions

        try:
            job = export_actions.request_subject_access(by=request.user, patient=patient)
        except export_actions.ExportRefused as refused:
            messages.error(request, str(refused))
            return redirect("patients:access_log", pk=patient.pk)
        return redirect("exports:job", job_pk=job.pk)
    fmt = "json" if request.GET.get("format") == "json" else "pdf"
    audit_actions.record(
        by=request.user, action=AuditEvent.Action.EXPORT, patient=patient, detail={"subject_access": fmt}
    )
    data = export.subject_access_data(patient)
    name = f"subject-access-{patient.nhs_number or patient.pk}"
    if fmt == "json":
        response = HttpResponse(json.dumps(data, indent=2, default=str), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        return response
    return pdf_response(export.subject_access_pdf(data), f"{name}.pdf")
