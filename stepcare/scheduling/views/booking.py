"""A patient's appointments, and booking one (or a series): find a slot, confirm, book."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from stepcare.accounts.models import Site
from stepcare.accounts.permissions import (
    Permission,
    Role,
    has_permission,
    team_ids_with_permission,
)
from stepcare.audit import actions as audit_actions
from stepcare.audit.fetch import fetch_patient
from stepcare.audit.models import AuditEvent
from stepcare.fields import ModelChoiceField, list_choices
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient
from stepcare.referrals.models import Referral
from stepcare.scheduling import actions, selectors
from stepcare.scheduling.forms import (
    BookSlotForm,
    FindSlotForm,
)
from stepcare.scheduling.models import Appointment
from stepcare.scheduling.slots import Slot, free_slots
from stepcare.scheduling.timeslots import LONDON
from stepcare.scheduling.views.common import (
    _found_referrals,
)

# A patient's page of appointments lists their latest texts and emails (each names its appointment).
MESSAGES_SHOWN = 50


def _bookable_referrals(patient: Patient) -> Any:
    return Referral.objects.open().filter(patient=patient).order_by("-received_on")


def _default_clinician_id(patient: Patient) -> int | None:
    """The booking form starts with the clinician allocated to the patient's open referral;
    without one, a therapist in the patient's team (never an employment adviser)."""
    allocated: int | None = (
        _bookable_referrals(patient)
        .filter(allocated_to__isnull=False)
        .values_list("allocated_to_id", flat=True)
        .first()
    )
    if allocated is None:
        allocated = (
            selectors.clinicians_in_teams([patient.team_id])
            .filter(memberships__role__in=THERAPY_ROLES, memberships__team_id=patient.team_id)
            .values_list("pk", flat=True)
            .first()
        )
    return allocated


# Roles that deliver therapy: the booking form's default clinician holds one.
THERAPY_ROLES = (
    Role.HIGH_INTENSITY_THERAPIST,
    Role.TRAINEE_HIGH_INTENSITY_THERAPIST,
    Role.PWP,
    Role.CLINICAL_SUPERVISOR,
)


@login_required
def patient_appointments(request: StaffRequest, pk: int) -> HttpResponse:
    patient = fetch_patient(request, pk)
    appointments = list(selectors.patient_appointments(patient=patient))
    now = timezone.now()
    return render(
        request,
        "scheduling/patient_appointments.html",
        {
            "patient": patient,
            "upcoming": [a for a in appointments if a.ends_at >= now and not a.is_cancelled],
            "past": [a for a in reversed(appointments) if a.ends_at < now or a.is_cancelled],
            "can_book": has_permission(request.user, Permission.BOOK_APPOINTMENTS, obj=patient),
            # An appointment's page opens for those who book in its team (ADR 0012's advisers
            # reach this page only for the patients referred to them).
            "opening_teams": team_ids_with_permission(request.user, Permission.BOOK_APPOINTMENTS),
            "sent_messages": list(selectors.messages_for_patient(patient_id=patient.pk)[:MESSAGES_SHOWN]),
            "messages_shown": MESSAGES_SHOWN,
        },
    )


def _finder_form_kwargs(patient: Patient, data: Any) -> dict[str, Any]:
    partners = selectors.open_referrals_in_team(team_id=patient.team_id).exclude(patient=patient)
    found = selectors.search_open_referrals(
        team_id=patient.team_id, query=data.get("partner_search", ""), exclude_patient_id=patient.pk
    )
    return {
        "referrals": _bookable_referrals(patient),
        "partners": partners,
        "partner_choices": _found_referrals(partners, found, data.get("partner_referral", "")),
        "clinicians": selectors.clinicians_in_teams([patient.team_id]),
        "sites": Site.objects.filter(service_id=patient.team.service_id).order_by("name"),
    }


def _confirm_booking(request: StaffRequest, patient: Patient, form: BookSlotForm) -> HttpResponse:
    """Before anything is booked: who, when, where and how, to confirm or change."""
    data = form.cleaned_data
    partner = data.get("partner_referral")
    start = data["starts_at"].astimezone(LONDON)
    for shown in (patient, *([partner.patient] if partner else [])):
        audit_actions.record(
            by=request.user, action=AuditEvent.Action.VIEW, patient=shown, detail={"page": "booking summary"}
        )
    hidden = [
        (key, value)
        for key, values in request.POST.lists()
        if key not in ("csrfmiddlewaretoken", "confirm")
        for value in values
    ]
    finder = request.POST.copy()
    for key in ("csrfmiddlewaretoken", "confirm", "starts_at", "room"):
        finder.pop(key, None)
    return render(
        request,
        "scheduling/book_confirm.html",
        {
            "patient": patient,
            "partner": partner.patient if partner else None,
            "data": data,
            "start": start,
            "end": start + dt.timedelta(minutes=data["duration"]),
            "mode": Appointment.DeliveryMode(data["delivery_mode"]).label,
            "app_type": Appointment.Type(data["app_type"]).label,
            "occurrences": form.occurrence_count,
            "interval_weeks": form.interval_weeks,
            "hidden": hidden,
            "finder_query": finder.urlencode(),
        },
    )


def _booking_details(patient: Patient, data: dict[str, Any]) -> actions.BookingDetails:
    """The booking form's answers as the details every week of the booking shares."""
    participants = [actions.Participant(patient, data["referral"])]
    partner = data.get("partner_referral")
    if partner is not None:
        participants.append(actions.Participant(partner.patient, partner))
    return actions.BookingDetails(
        participants=tuple(participants),
        clinicians=(data["clinician"],),
        app_type=data["app_type"],
        delivery_mode=data["delivery_mode"],
        duration=dt.timedelta(minutes=data["duration"]),
        room=data.get("room"),
        interpreter_needed=data["interpreter_needed"],
        interpreter_language=patient.get_preferred_language_display() if data["interpreter_needed"] else "",
    )


def _book_confirmed(request: StaffRequest, patient: Patient, form: BookSlotForm) -> HttpResponse:
    """Book what was confirmed (one appointment or a series) and go to the (first) appointment.
    A refusal propagates as ``BookingRefused`` for the page to show."""
    data = form.cleaned_data
    details = _booking_details(patient, data)
    if form.occurrence_count <= 1:
        appointment = actions.book_details(by=request.user, details=details, starts_at=data["starts_at"])
        messages.success(request, "Appointment booked.")
        return redirect("scheduling:appointment", appointment_pk=appointment.pk)
    start = data["starts_at"].astimezone(LONDON)
    series = actions.book_series(
        by=request.user,
        participants=details.participants,
        clinicians=details.clinicians,
        app_type=details.app_type,
        delivery_mode=details.delivery_mode,
        duration=details.duration,
        room=details.room,
        interpreter_needed=details.interpreter_needed,
        interpreter_language=details.interpreter_language,
        first_date=start.date(),
        local_time=start.time(),
        occurrences=form.occurrence_count,
        interval_weeks=form.interval_weeks,
    )
    first = series.appointments.order_by("starts_at").first()
    messages.success(
        request,
        f"{form.occurrence_count} appointments booked, "
        f"{'every week' if form.interval_weeks == 1 else 'every two weeks'} "
        f"at {start:%H:%M}, starting {start:%A} {start.day} {start:%B}.",
    )
    assert first is not None
    return redirect("scheduling:appointment", appointment_pk=first.pk)


def _find_slots(patient: Patient, form: FindSlotForm) -> list[Slot]:
    data = form.cleaned_data
    partner = data.get("partner_referral")
    face_to_face = data["delivery_mode"] == Appointment.DeliveryMode.FACE_TO_FACE
    return free_slots(
        clinician=data["clinician"],
        from_day=data["from_date"],
        days=21,
        duration=dt.timedelta(minutes=data["duration"]),
        patients=[patient, *([partner.patient] if partner else [])],
        people=3 if partner else 2,
        site=data.get("site") if face_to_face else None,
        weekdays=data.get("weekdays") or None,
        parts_of_day=data.get("parts_of_day") or None,
        interval_weeks=form.interval_weeks,
        occurrences=form.occurrence_count,
    )


@login_required
@require_http_methods(["GET", "POST"])
def book(request: StaffRequest, pk: int) -> HttpResponse:
    """The booking page: find free times (GET), then confirm and book one (POST)."""
    # Audited once on the page, naming every patient it lists.
    patient = fetch_patient(request, pk, Permission.BOOK_APPOINTMENTS, audit_view=False, defer=False)
    if request.method == "POST":
        return book_slot(request, patient)
    return find_slots(request, patient)


def find_slots(request: StaffRequest, patient: Patient) -> HttpResponse:
    """The free times matching the finder's choices (none until it is filled in)."""
    kwargs = _finder_form_kwargs(patient, request.GET)
    # The default clinician only for the empty finder (a filled-in one says whom it asks about).
    initial = None if request.GET else {"clinician": _default_clinician_id(patient)}
    form = FindSlotForm(request.GET or None, initial=initial, **kwargs)
    list_choices(form, "referral", "clinician")  # the finder lists them, then checks the answers
    slots = _find_slots(patient, form) if form.is_valid() else []
    return _book_page(request, patient, form, kwargs, slots=slots, booking_error="")


def book_slot(request: StaffRequest, patient: Patient) -> HttpResponse:
    """One time chosen: shown for confirmation, then booked (``confirm=yes``); a refusal shows
    the finder again with the reason and the times still free."""
    kwargs = _finder_form_kwargs(patient, request.POST)
    form = BookSlotForm(request.POST, **kwargs)
    booking_error = ""
    if form.is_valid():
        if request.POST.get("confirm") != "yes":
            return _confirm_booking(request, patient, form)
        try:
            return _book_confirmed(request, patient, form)
        except actions.BookingRefused as exc:
            booking_error = str(exc)
    slots = _find_slots(patient, form) if form.is_valid() else []
    return _book_page(request, patient, form, kwargs, slots=slots, booking_error=booking_error)


def _book_page(
    request: StaffRequest,
    patient: Patient,
    form: FindSlotForm,
    kwargs: dict[str, Any],
    *,
    slots: list[Slot],
    booking_error: str,
) -> HttpResponse:
    # The couples-therapy choice lists other patients of the team: the page names them too.
    audit_actions.record_shown(
        by=request.user,
        patients=[patient, *(r.patient for r in kwargs["partner_choices"])],
        obj=patient,
        page="scheduling:book",
    )
    valid = form.is_valid()
    return render(
        request,
        "scheduling/book.html",
        {
            "patient": patient,
            "form": form,
            "slots": slots,
            "searched": valid,
            "booking_error": booking_error,
            # The referral choices the form lists anyway (read once): none means nothing to book.
            "no_referral": not cast(ModelChoiceField, form.fields["referral"]).choices,
            "series": valid and form.occurrence_count > 1,
            "occurrences": form.occurrence_count if valid else 1,
            "interval_weeks": form.interval_weeks if valid else 1,
            "finder_query": request.GET if request.method == "GET" else request.POST,
        },
    )
