"""Outcome monitoring pages: measures at a contact, a course's progress, my caseload."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from stepcare.accounts.models import Membership, User
from stepcare.accounts.permissions import Permission, Role, has_permission, team_ids_with_permission
from stepcare.audit import actions as audit_actions
from stepcare.audit.models import AuditEvent
from stepcare.http import StaffRequest
from stepcare.measures import MeasuresError, score
from stepcare.outcomes import actions, selectors
from stepcare.outcomes.forms import (
    CaseloadFilterForm,
    EnteredInErrorForm,
    MeasuresForm,
    answers_from_text,
    field_name,
)
from stepcare.outcomes.models import MeasureResponse
from stepcare.outcomes.registry import service_registry
from stepcare.patients.models import Patient
from stepcare.referrals.models import Referral
from stepcare.scheduling import selectors as scheduling_selectors
from stepcare.scheduling.models import Appointment, Attendee


def _page_name(request: StaffRequest) -> dict[str, str]:
    return {"page": request.resolver_match.view_name} if request.resolver_match else {}


def _refuse(request: StaffRequest, *, patient: Patient | None, obj: Any, permission: Permission) -> None:
    audit_actions.record(
        by=request.user,
        action=AuditEvent.Action.ACCESS_DENIED,
        patient=patient,
        obj=obj,
        detail={"permission": permission.value},
    )
    raise PermissionDenied


def _get_contact_for_user(
    request: StaffRequest, appointment_pk: int, *, audit_view: bool
) -> tuple[Appointment, Attendee, Patient]:
    """The appointment and the one patient in it this page is about; reads and refusals audited."""
    try:
        appointment = scheduling_selectors.appointment_for_measures(pk=appointment_pk)
    except Appointment.DoesNotExist:
        raise Http404 from None
    attendees = list(appointment.attendees.all())
    if not attendees:
        raise Http404
    wanted = request.POST.get("patient") or request.GET.get("patient")
    attendee = next((a for a in attendees if str(a.patient_id) == wanted), attendees[0])
    if not has_permission(request.user, Permission.RECORD_OUTCOMES, obj=appointment):
        _refuse(request, patient=attendee.patient, obj=appointment, permission=Permission.RECORD_OUTCOMES)
    patient = Patient.objects.for_banner().get(pk=attendee.patient_id)
    if audit_view:
        audit_actions.record(
            by=request.user,
            action=AuditEvent.Action.VIEW,
            patient=patient,
            obj=appointment,
            detail=_page_name(request),
        )
    return appointment, attendee, patient


def _contact_page(
    request: StaffRequest,
    appointment: Appointment,
    attendee: Attendee,
    patient: Patient,
    *,
    form: MeasuresForm | None = None,
    error_form: EnteredInErrorForm | None = None,
    error_response_id: int | None = None,
) -> HttpResponse:
    registry = service_registry()
    contact = selectors.contact_measures(appointment=appointment, attendee=attendee, registry=registry)
    if form is None:
        form = MeasuresForm(
            measures=[d.measure for d in contact.to_enter],
            registry=registry,
            initial={
                "completed_on": timezone.localtime(appointment.starts_at).date(),
                "timepoint": contact.timepoint,
            },
        )
    return render(
        request,
        "outcomes/contact.html",
        {
            "appointment": appointment,
            "attendee": attendee,
            "attendees": list(appointment.attendees.all()),
            "patient": patient,
            "contact": contact,
            "form": form,
            "error_form": error_form,
            "error_response_id": error_response_id,
            "started": appointment.starts_at <= timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_measures(request: StaffRequest, appointment_pk: int) -> HttpResponse:
    appointment, attendee, patient = _get_contact_for_user(request, appointment_pk, audit_view=True)
    if request.method == "GET":
        return _contact_page(request, appointment, attendee, patient)
    registry = service_registry()
    contact = selectors.contact_measures(appointment=appointment, attendee=attendee, registry=registry)
    form = MeasuresForm(request.POST, measures=[d.measure for d in contact.to_enter], registry=registry)
    if form.is_valid():
        try:
            saved = actions.record_responses(
                by=request.user,
                patient=patient,
                referral=attendee.referral,
                appointment=appointment,
                entries=form.entries,
                timepoint=form.cleaned_data["timepoint"],
                session_number=contact.session_number,
                completed_on=form.cleaned_data["completed_on"],
                problem_descriptor=contact.descriptor.primary if contact.descriptor else "",
                registry=registry,
            )
        except actions.ResponseRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, "Recorded: " + ", ".join(f"{r.measure} {r.total_text}" for r in saved) + "."
            )
            return redirect(f"{reverse('outcomes:contact', args=[appointment.pk])}?patient={patient.pk}")
    return _contact_page(request, appointment, attendee, patient, form=form)


@login_required
@require_POST
def entered_in_error(request: StaffRequest, appointment_pk: int) -> HttpResponse:
    appointment, attendee, patient = _get_contact_for_user(request, appointment_pk, audit_view=False)
    form = EnteredInErrorForm(request.POST)
    response_id = None
    if form.is_valid():
        response_id = form.cleaned_data["response"]
        response = MeasureResponse.objects.filter(
            pk=response_id, appointment=appointment, patient=patient
        ).first()
        if response is None:
            form.add_error(None, "That response is not part of this contact.")
        else:
            try:
                actions.mark_entered_in_error(
                    by=request.user, response=response, reason=form.cleaned_data["reason"]
                )
            except actions.ResponseRefused as exc:
                form.add_error("reason", str(exc))
            else:
                messages.success(
                    request, f"{response.measure} marked entered in error. Enter the right answers below."
                )
                return redirect(f"{reverse('outcomes:contact', args=[appointment.pk])}?patient={patient.pk}")
    audit_actions.record(
        by=request.user,
        action=AuditEvent.Action.VIEW,
        patient=patient,
        obj=appointment,
        detail=_page_name(request),
    )
    return _contact_page(
        request, appointment, attendee, patient, error_form=form, error_response_id=response_id
    )


@login_required
@require_POST
def score_preview(request: StaffRequest) -> HttpResponse:
    """The live score of what has been typed so far, computed by the core (nothing is saved)."""
    if not has_permission(request.user, Permission.RECORD_OUTCOMES):
        raise PermissionDenied
    registry = service_registry()
    measure = registry.find(request.POST.get("measure", ""))
    # The box posts under its own name (htmx sends the element's value); "answers" also works.
    text = request.POST.get("answers") or (request.POST.get(field_name(measure), "") if measure else "")
    context: dict[str, Any] = {"text": text}
    if measure is None:
        context["message"] = "Type the answers, one digit per item."
    elif not text.strip():
        context["message"] = f"{len(measure.items)} answers, each {measure.item_min} to {measure.item_max}."
    else:
        try:
            result = score(measure.code, answers_from_text(measure.code, text, registry), registry=registry)
        except MeasuresError as exc:
            context["message"] = str(exc)
        else:
            context["result"] = result
            context["measure"] = measure
    return render(request, "outcomes/_score_preview.html", context)


@login_required
def referral_progress(request: StaffRequest, referral_pk: int) -> HttpResponse:
    referral = Referral.objects.filter(pk=referral_pk).select_related("patient", "team").first()
    if referral is None:
        raise Http404
    if referral.patient_id is None:
        raise Http404
    if not has_permission(request.user, Permission.VIEW_OUTCOMES, obj=referral):
        _refuse(request, patient=referral.patient, obj=referral, permission=Permission.VIEW_OUTCOMES)
    patient = Patient.objects.for_banner().get(pk=referral.patient_id)
    audit_actions.record(
        by=request.user,
        action=AuditEvent.Action.VIEW,
        patient=patient,
        obj=referral,
        detail=_page_name(request),
    )
    data = selectors.progress(referral=referral)
    return render(
        request,
        "outcomes/progress.html",
        {"referral": referral, "patient": patient, "progress": data, "registry": service_registry()},
    )


@login_required
def my_caseload(request: StaffRequest) -> HttpResponse:
    if not has_permission(request.user, Permission.RECORD_OUTCOMES):
        raise PermissionDenied
    form = CaseloadFilterForm(request.GET or None)
    sort, show = "last_contact", "all"
    if form.is_valid():
        sort = form.cleaned_data["sort"] or sort
        show = form.cleaned_data["show"] or show
    data = selectors.caseload(
        user=request.user, sort=sort, filter_name=show, page_number=request.GET.get("page", 1)
    )
    audit_actions.record_shown(
        by=request.user,
        patients=[row.referral.patient for row in data.rows],
        page=_page_name(request).get("page", request.path),
    )
    return render(
        request, "outcomes/caseload.html", {"caseload": data, "form": form, "sort": sort, "show": show}
    )


SUPERVISEES_PER_PAGE = 25  # a page of the supervisor's team colleagues


@login_required
def supervisee_list(request: StaffRequest) -> HttpResponse:
    if not has_permission(request.user, Permission.SUPERVISE):
        raise PermissionDenied
    people = Paginator(selectors.supervisees(request.user), SUPERVISEES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "outcomes/supervisees.html", {"people": people, "page": people})


@login_required
def supervision_pack(request: StaffRequest, clinician_pk: int) -> HttpResponse:
    """A supervisee's pack: only for a supervisor in one of the supervisee's teams."""
    teams = team_ids_with_permission(request.user, Permission.SUPERVISE)
    # Whether the supervisee is in one of those teams is read with the supervisee (one query).
    supervisee = (
        User.objects.filter(pk=clinician_pk, is_active=True)
        .annotate(
            in_my_teams=Exists(
                Membership.objects.filter(user=OuterRef("pk"), active=True, team_id__in=teams or [0])
            ),
            trainee=Exists(
                Membership.objects.filter(
                    user=OuterRef("pk"), active=True, role=Role.TRAINEE_HIGH_INTENSITY_THERAPIST
                )
            ),
        )
        .first()
    )
    if supervisee is None:
        raise Http404
    if not teams or not supervisee.in_my_teams:
        raise PermissionDenied
    pack = selectors.supervision_pack(
        supervisee=supervisee, page_number=request.GET.get("page", 1), trainee=supervisee.trainee
    )
    audit_actions.record_shown(
        by=request.user,
        patients=[row.referral.patient for row in pack.caseload.rows]
        + [doc.patient for doc in pack.awaiting_countersignature],
        page=_page_name(request).get("page", request.path),
        detail={"supervisee": supervisee.pk},
    )
    return render(request, "outcomes/supervision_pack.html", {"pack": pack, "supervisee": supervisee})


def _get_waiting_referral_for_user(request: StaffRequest, referral_pk: int, *, audit_view: bool) -> Referral:
    referral = Referral.objects.filter(pk=referral_pk).select_related("patient", "team").first()
    if referral is None or referral.patient_id is None:
        raise Http404
    if not has_permission(request.user, Permission.RECORD_OUTCOMES, obj=referral):
        _refuse(request, patient=referral.patient, obj=referral, permission=Permission.RECORD_OUTCOMES)
    if audit_view:
        audit_actions.record(
            by=request.user,
            action=AuditEvent.Action.VIEW,
            patient=referral.patient,
            obj=referral,
            detail=_page_name(request),
        )
    return referral


@login_required
def waiting_list_monitor(request: StaffRequest) -> HttpResponse:
    """Monitoring while waiting: who is due a phone check, and who needs a call back."""
    if not has_permission(request.user, Permission.RECORD_OUTCOMES):
        raise PermissionDenied
    teams = team_ids_with_permission(request.user, Permission.RECORD_OUTCOMES)
    data = selectors.waiting_monitor(team_ids=teams, page_number=request.GET.get("page", 1))
    audit_actions.record_shown(
        by=request.user,
        patients=[row.referral.patient for row in data.rows],
        page=_page_name(request).get("page", request.path),
    )
    return render(request, "outcomes/waiting.html", {"monitor": data})


@login_required
@require_http_methods(["GET", "POST"])
def waiting_check(request: StaffRequest, referral_pk: int) -> HttpResponse:
    """PHQ-9 and GAD-7 taken by phone while someone waits; no appointment needed."""
    referral = _get_waiting_referral_for_user(request, referral_pk, audit_view=True)
    registry = service_registry()
    patient = Patient.objects.for_banner().get(pk=referral.patient.pk if referral.patient else 0)
    measures = [registry.get(code) for code in selectors.WAITING_MEASURES]
    form = MeasuresForm(
        request.POST or None,
        measures=measures,
        registry=registry,
        initial={"completed_on": timezone.localdate(), "timepoint": "waiting"},
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _record_waiting_check(request, form, patient, referral)
    ):
        return redirect("outcomes:waiting_check", referral_pk=referral.pk)
    history = selectors.waiting_history(referral)
    return render(
        request,
        "outcomes/waiting_check.html",
        {
            "referral": referral,
            "patient": patient,
            "form": form,
            "history": history,
            "flags": selectors.waiting_flags(history, registry),
        },
    )


def _record_waiting_check(
    request: StaffRequest, form: MeasuresForm, patient: Patient, referral: Referral
) -> bool:
    """Records the scores taken while waiting; False, with the refusal on the form, if refused."""
    try:
        saved = actions.record_responses(
            by=request.user,
            patient=patient,
            referral=referral,
            appointment=None,
            entries=form.entries,
            timepoint=form.cleaned_data["timepoint"],
            session_number=None,
            completed_on=form.cleaned_data["completed_on"],
            problem_descriptor=_descriptor_now(referral),
            registry=service_registry(),
        )
    except actions.ResponseRefused as exc:
        form.add_error(None, str(exc))
        return False
    messages.success(request, _recorded(saved))
    return True


def _descriptor_now(referral: Referral) -> str:
    record = selectors.descriptor_on(referral, timezone.localdate())
    return record.primary if record else ""


def _recorded(saved: list[MeasureResponse]) -> str:
    return "Recorded: " + ", ".join(f"{r.measure} {r.total_text}" for r in saved) + "."
