"""One appointment's page: see it, move it, cancel it (or skip a week), rebook it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from stepcare.accounts.access import has_permission
from stepcare.accounts.models import Room
from stepcare.accounts.roles import Permission
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient
from stepcare.scheduling import actions, selectors
from stepcare.scheduling.forms import (
    AttendanceForm,
    CancelForm,
    MoveForm,
    RebookForm,
)
from stepcare.scheduling.models import Appointment, Attendee
from stepcare.scheduling.slots import rebooking_slots
from stepcare.scheduling.timeslots import LONDON, attendance_open, local_date
from stepcare.scheduling.views.common import (
    _get_appointment_for_user,
    _requested_day,
    _single_patient,
)


def outcomes_context(appointment: Appointment, attendees: list[Attendee]) -> dict[str, Any]:
    from stepcare.outcomes.selectors import pair_gaps

    # The one patient's banner: read with the attendees (``for_display``), else read here.
    one = attendees[0].patient if len(attendees) == 1 else None
    if one is not None and not hasattr(one, "risk_reviewed_at"):
        one = Patient.objects.for_banner().get(pk=one.pk)
    return {
        "patient": one,
        "pair_gaps": pair_gaps(appointment, attendees),
    }


def links_context(user: Any, appointment: Appointment, attendees: list[Attendee]) -> dict[str, Any]:
    """Which of the page's clinical links open for the user: each patient's session note and
    the contact's outcome measures (an administrator books, but writes neither)."""
    notes = Permission.WRITE_CLINICAL_NOTES
    return {
        "note_patient_ids": {a.patient_id for a in attendees if has_permission(user, notes, obj=a.patient)},
        "may_record_measures": has_permission(user, Permission.RECORD_OUTCOMES, obj=appointment),
    }


def _appointment_page(request: StaffRequest, appointment: Appointment, **extra: Any) -> HttpResponse:
    attendees = list(appointment.attendees.all())
    suggestions = {}
    for attendee in attendees:
        if attendee.is_missed:
            suggestions[attendee.pk] = selectors.dna_suggestion(
                attendee=attendee, service_id=appointment.team.service_id
            )
    open_tasks = {(t.patient_id, t.kind) for t in appointment.follow_up_tasks.all() if t.status == "open"}
    started = attendance_open(appointment.starts_at, timezone.now())
    return render(
        request,
        "scheduling/appointment.html",
        {
            "appointment": appointment,
            "attendees": attendees,
            "suggestions": [
                (a, suggestions[a.pk], (a.patient_id, suggestions[a.pk].kind) in open_tasks)
                for a in attendees
                if a.pk in suggestions and suggestions[a.pk].kind
            ],
            "attendance_form": extra.pop("attendance_form", None) or AttendanceForm(),
            "started": started,
            "settled": appointment.is_settled,
            "can_rebook": appointment.can_be_rebooked and not appointment.rebookings.all(),
            "outcome_choices": [(c.value, c.label) for c in Attendee.OUTCOMES],
            # A group member's place can be cancelled from the register (AttendOrDNA 2).
            "place_cancelled_code": Attendee.AttendOrDNA.CANCELLED_BY_PATIENT.value,
            # Outcome measures: the banner's PHQ-9 item 9 prompt and scores missing for the pair.
            **outcomes_context(appointment, attendees),
            **links_context(request.user, appointment, attendees),
            **extra,
        },
    )


@login_required
def appointment_detail(request: StaffRequest, appointment_pk: int) -> HttpResponse:
    appointment = _get_appointment_for_user(request, appointment_pk)
    return _appointment_page(request, appointment)


@login_required
@require_http_methods(["GET", "POST"])
def move(request: StaffRequest, appointment_pk: int) -> HttpResponse:
    appointment = _get_appointment_for_user(request, appointment_pk, audit_view=request.method == "GET")
    rooms = Room.objects.filter(site__service_id=appointment.team.service_id).select_related("site")
    start = appointment.starts_at.astimezone(LONDON)
    form = MoveForm(
        request.POST or None,
        rooms=rooms,
        initial={"date": start.date(), "time": start.time(), "room": appointment.room_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.move_appointment(
                by=request.user,
                appointment=appointment,
                starts_at=form.cleaned_data["starts_at"],
                room=form.cleaned_data["room"],
                keep_room=False,
            )
        except actions.BookingRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Appointment moved. The patient will be told.")
            return redirect("scheduling:appointment", appointment_pk=appointment.pk)
    return render(
        request,
        "scheduling/move.html",
        {"appointment": appointment, "form": form, "patient": _single_patient(appointment)},
    )


def _cancelled_message(done: actions.Cancelled) -> str | None:
    if done.scope == actions.CANCEL_REST:
        return f"{done.count} appointments cancelled."
    if done.scope == actions.CANCEL_SKIP:
        if done.added is None:
            return None
        when = done.added.starts_at.astimezone(LONDON)
        return f"Week skipped. A session has been added on {when:%A} {when.day} {when:%B} at {when:%H:%M}."
    return "Appointment cancelled. The patient will be told."


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: StaffRequest, appointment_pk: int) -> HttpResponse:
    appointment = _get_appointment_for_user(request, appointment_pk, audit_view=request.method == "GET")
    form = CancelForm(request.POST or None, in_series=appointment.series_id is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = actions.cancel_in_scope(
                by=request.user,
                appointment=appointment,
                scope=data.get("scope", CancelForm.SCOPE_ONE),
                cancelled_by=data["cancelled_by"],
                reason=data["reason"],
                note=data["note"],
            )
        except actions.BookingRefused as exc:
            form.add_error(None, str(exc))
        else:
            if message := _cancelled_message(done):
                messages.success(request, message)
            if "rebook" in request.POST:
                return redirect("scheduling:rebook", appointment_pk=appointment.pk)
            return redirect("scheduling:appointment", appointment_pk=appointment.pk)
    return render(
        request,
        "scheduling/cancel.html",
        {"appointment": appointment, "form": form, "patient": _single_patient(appointment)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rebook(request: StaffRequest, appointment_pk: int) -> HttpResponse:
    diary_view = Appointment.objects.for_display()  # its rebookings and follow-up tasks are not shown
    appointment = _get_appointment_for_user(
        request, appointment_pk, audit_view=request.method == "GET", queryset=diary_view
    )
    error = ""
    if request.method == "POST":
        form = RebookForm(request.POST, appointment=appointment)
        if not form.is_valid():
            error = form.error_message
        else:
            try:
                new = actions.rebook(
                    by=request.user,
                    appointment=appointment,
                    starts_at=form.cleaned_data["starts_at"],
                    room=form.cleaned_data["room"],
                )
            except actions.BookingRefused as exc:
                error = str(exc)
            else:
                messages.success(request, "Rebooked. The patient will be told.")
                return redirect("scheduling:appointment", appointment_pk=new.pk)
    day = (
        _requested_day(request)
        if request.GET.get("date")
        else max(timezone.localdate(), local_date(appointment.starts_at))
    )
    slots = rebooking_slots(appointment=appointment, from_day=day)
    return render(
        request,
        "scheduling/rebook.html",
        {
            "appointment": appointment,
            "slots": slots,
            "error": error,
            "from_day": day,
            "patient": _single_patient(appointment),
        },
    )
