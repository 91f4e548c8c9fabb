"""Patient pages: find, create, view, edit, risk flag, break-glass, access log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from stepcare.accounts.models import Team
from stepcare.accounts.permissions import Permission, has_permission, team_ids_with_permission
from stepcare.audit import actions as audit_actions
from stepcare.audit.fetch import fetch_patient
from stepcare.audit.models import AuditEvent
from stepcare.audit.selectors import patient_access_log
from stepcare.http import StaffRequest
from stepcare.patients import actions
from stepcare.patients.forms import (
    BreakGlassForm,
    ClearRiskFlagForm,
    EmploymentSupportForm,
    NewPatientForm,
    PatientForm,
    RecordDeathForm,
    RiskFlagForm,
    SearchForm,
)
from stepcare.patients.models import Patient, RiskFlag
from stepcare.patients.selectors import employment_advisers, search_patients, visible_to


def _require(request: HttpRequest, permission: Permission) -> None:
    if not has_permission(request.user, permission):
        raise PermissionDenied


@login_required
def search(request: StaffRequest) -> HttpResponse:
    _require(request, Permission.FIND_PATIENT)
    form = SearchForm(request.GET or None)
    can_audit = has_permission(request.user, Permission.VIEW_AUDIT)
    results: list[Patient] = []
    more = searched = whole_service = False
    if form.is_valid() and form.cleaned_data["q"].strip():
        searched = True
        whole_service = _whole_service(request, asked=form.cleaned_data["whole_service"], can_audit=can_audit)
        found = search_patients(user=request.user, query=form.cleaned_data["q"], whole_service=whole_service)
        results, more = found.patients, found.more
        audit_actions.record(
            by=request.user,
            action=AuditEvent.Action.SEARCH,
            detail={"query": form.cleaned_data["q"], "whole_service": whole_service, "results": len(results)},
            patients=results,
        )
    own_teams = team_ids_with_permission(request.user, Permission.VIEW_PATIENT)
    return render(
        request,
        "patients/search.html",
        {
            "form": form,
            "results": results,
            "more": more,
            "searched": searched,
            "whole_service": whole_service,
            "own_teams": own_teams,
            "can_create": has_permission(request.user, Permission.CREATE_PATIENT),
            "can_break_glass": has_permission(request.user, Permission.BREAK_GLASS),
            "can_audit": can_audit,
        },
    )


def _whole_service(request: StaffRequest, *, asked: bool, can_audit: bool) -> bool:
    """Search the whole service: asked for by someone who may break glass, or always for the
    IG officer (who finds any record to see who looked at it)."""
    if can_audit and not has_permission(request.user, Permission.VIEW_PATIENT):
        return True
    return asked and has_permission(request.user, Permission.BREAK_GLASS)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: StaffRequest) -> HttpResponse:
    _require(request, Permission.CREATE_PATIENT)
    teams = Team.objects.filter(id__in=team_ids_with_permission(request.user, Permission.CREATE_PATIENT))
    form = NewPatientForm(request.POST or None, teams=teams)
    duplicates: list[Patient] | None = None
    elsewhere = False
    blocking = False
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in {"team", "version"}}
        try:
            patient = actions.create_patient(
                by=request.user,
                team=form.cleaned_data["team"],
                data=data,
                confirmed_not_duplicate=bool(request.POST.get("confirm_not_duplicate")),
            )
        except actions.PossibleDuplicate as dup:
            # Another team's record is never named here: only that one exists.
            duplicates, elsewhere = visible_to(request.user, dup.matches)
            blocking = dup.blocking
            audit_actions.record_shown(by=request.user, patients=duplicates, page="patients:create")
        else:
            messages.success(request, f"Record created for {patient.display_name}.")
            return redirect("patients:detail", pk=patient.pk)
    return render(
        request,
        "patients/form.html",
        {
            "form": form,
            "duplicates": duplicates,
            "elsewhere": elsewhere,
            "blocking": blocking,
            "creating": True,
            "own_teams": team_ids_with_permission(request.user, Permission.VIEW_PATIENT),
        },
    )


@login_required
def detail(request: StaffRequest, pk: int) -> HttpResponse:
    _require(request, Permission.FIND_PATIENT)
    patient = fetch_patient(request, pk)
    return render(
        request,
        "patients/detail.html",
        {
            "patient": patient,
            "can_edit": has_permission(request.user, Permission.EDIT_PATIENT, obj=patient),
            "can_see_record": has_permission(request.user, Permission.VIEW_CLINICAL_RECORD, obj=patient),
            "can_flag_risk": has_permission(request.user, Permission.WRITE_CLINICAL_NOTES, obj=patient),
            "can_clear_risk": has_permission(request.user, Permission.CLEAR_RISK_FLAG, obj=patient),
            "risk_form": RiskFlagForm(),
            "employment": _employment_context(request, patient),
        },
    )


def _employment_context(request: StaffRequest, patient: Patient) -> dict[str, object] | None:
    """Who supports the patient with employment, and the form to refer (clinicians only)."""
    if not has_permission(request.user, Permission.CLEAR_RISK_FLAG, obj=patient):
        return None
    advisers = employment_advisers(team_id=patient.team_id)
    return {
        "current": list(patient.employment_support.filter(ended_at__isnull=True).select_related("adviser")),
        "form": EmploymentSupportForm(advisers=advisers),
    }


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: StaffRequest, pk: int) -> HttpResponse:
    patient = fetch_patient(request, pk, Permission.EDIT_PATIENT, audit_view=request.method == "GET")
    form = PatientForm(request.POST or None, instance=Patient.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            actions.update_patient(
                by=request.user,
                patient=patient,
                data=data,
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except actions.ConcurrentEdit as exc:
            form.add_error(None, str(exc))
        except actions.PossibleDuplicate as dup:
            form.add_error("nhs_number", f"{dup} Open the existing record instead of changing this one.")
        else:
            messages.success(request, "Changes saved.")
            return redirect("patients:detail", pk=patient.pk)
    return render(request, "patients/form.html", {"form": form, "patient": patient, "creating": False})


@login_required
@require_POST
def raise_risk(request: StaffRequest, pk: int) -> HttpResponse:
    patient = fetch_patient(request, pk, Permission.WRITE_CLINICAL_NOTES, audit_view=False)
    form = RiskFlagForm(request.POST)
    if form.is_valid():
        try:
            actions.raise_risk_flag(by=request.user, patient=patient, summary=form.cleaned_data["summary"])
        except actions.PatientChangeRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Risk concern recorded. It now shows on the banner.")
            return redirect("patients:detail", pk=pk)
    return render(
        request,
        "patients/detail.html",
        {
            "patient": patient,
            "risk_form": form,
            "can_flag_risk": True,
            "can_clear_risk": has_permission(request.user, Permission.CLEAR_RISK_FLAG, obj=patient),
            "can_edit": has_permission(request.user, Permission.EDIT_PATIENT, obj=patient),
        },
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def clear_risk(request: StaffRequest, pk: int, flag_pk: int) -> HttpResponse:
    # Clearing a risk concern is a clinical judgement: clinicians only (not employment advisers).
    patient = fetch_patient(request, pk, Permission.CLEAR_RISK_FLAG, audit_view=request.method == "GET")
    flag = get_object_or_404(RiskFlag, pk=flag_pk, patient=patient, cleared_at__isnull=True)
    form = ClearRiskFlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.clear_risk_flag(by=request.user, flag=flag, reason=form.cleaned_data["reason"])
        except actions.PatientChangeRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Risk concern marked as no longer current.")
            return redirect("patients:detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "patients/clear_risk.html", {"patient": patient, "flag": flag, "form": form}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def break_glass(request: StaffRequest, pk: int) -> HttpResponse:
    """Open a record outside one's teams, giving a reason. Shows no identifiers until granted."""
    _require(request, Permission.BREAK_GLASS)
    patient = get_object_or_404(Patient, pk=pk)
    if has_permission(request.user, Permission.VIEW_PATIENT, obj=patient):
        return redirect("patients:detail", pk=pk)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            audit_actions.break_glass(by=request.user, patient=patient, reason=form.cleaned_data["reason"])
        except audit_actions.BreakGlassRefused as exc:
            form.add_error("reason", str(exc))
        else:
            messages.warning(request, "Break-glass access granted until you sign out. It has been recorded.")
            return redirect("patients:detail", pk=pk)
    return render(request, "patients/break_glass.html", {"form": form, "pk": pk})


ACCESS_LOG_PAGE_SIZE = 50


@login_required
def access_log(request: StaffRequest, pk: int) -> HttpResponse:
    """Who looked at or changed this record, for the information-governance officer."""
    _require(request, Permission.VIEW_AUDIT)
    with transaction.atomic():
        patient = get_object_or_404(Patient.objects.for_banner(), pk=pk)
        audit_actions.record(
            by=request.user,
            action=AuditEvent.Action.VIEW,
            patient=patient,
            detail={"page": "access_log"},
        )
    log = Paginator(patient_access_log(patient=patient), ACCESS_LOG_PAGE_SIZE)
    page = log.get_page(request.GET.get("page"))
    return render(
        request,
        "patients/access_log.html",
        {"patient": patient, "events": list(page.object_list), "page": page, "query": ""},
    )


@login_required
@require_POST
def employment_support(request: StaffRequest, pk: int) -> HttpResponse:
    """A clinician refers the patient to an employment adviser of the team, or ends it
    (docs/adr/0012): the adviser sees only the patients referred to them."""
    patient = fetch_patient(request, pk, Permission.CLEAR_RISK_FLAG, audit_view=False, defer=False)
    advisers = employment_advisers(team_id=patient.team_id)
    form = EmploymentSupportForm(request.POST, advisers=advisers)
    if not form.is_valid():
        messages.error(request, "Choose an employment adviser of this patient's team.")
        return redirect("patients:detail", pk=pk)
    adviser = form.cleaned_data["adviser"]
    try:
        if form.cleaned_data["end"]:
            actions.end_employment_support(by=request.user, patient=patient, adviser=adviser)
            messages.success(request, f"Employment support with {adviser} ended.")
        else:
            actions.refer_for_employment_support(by=request.user, patient=patient, adviser=adviser)
            messages.success(request, f"Referred to {adviser} for employment support.")
    except actions.EmploymentSupportRefused as exc:
        messages.error(request, str(exc))
    return redirect("patients:detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def record_death(request: StaffRequest, pk: int) -> HttpResponse:
    """Record that the person has died (reported outside an ending): appointments to come are
    cancelled, reminders stop, open referrals end and the banner says so."""
    patient = fetch_patient(request, pk, Permission.EDIT_PATIENT, audit_view=request.method == "GET")
    form = RecordDeathForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_death(
                by=request.user,
                patient=patient,
                date_of_death=form.cleaned_data["date_of_death"],
                source=form.source_text,
            )
        except actions.PatientChangeRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"The death of {patient.display_name} is recorded. Appointments still to come are cancelled "
                "and their open referrals ended.",
            )
            return redirect("patients:detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "patients/record_death.html", {"patient": patient, "form": form}, status=status)
