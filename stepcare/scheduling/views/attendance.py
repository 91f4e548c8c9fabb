"""Recording what happened at an appointment, and the follow-up after a missed one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from stepcare.http import StaffRequest
from stepcare.scheduling import actions, selectors
from stepcare.scheduling.forms import (
    AttendanceForm,
    FollowUpForm,
)
from stepcare.scheduling.models import Attendee
from stepcare.scheduling.views.appointments import _appointment_page
from stepcare.scheduling.views.common import (
    _get_appointment_for_user,
)


@login_required
@require_POST
def attendance(request: StaffRequest, appointment_pk: int) -> HttpResponse:
    appointment = _get_appointment_for_user(request, appointment_pk, audit_view=False)
    form = AttendanceForm(request.POST)
    if form.is_valid():
        attendee = next(
            (a for a in appointment.attendees.all() if a.pk == form.cleaned_data["attendee"]), None
        )
        if attendee is None:
            raise Http404
        code = form.cleaned_data["code"]
        try:
            actions.record_attendance(by=request.user, attendee=attendee, code=code)
        except actions.BookingRefused as exc:
            form.add_error(None, str(exc))
        else:
            label = Attendee.AttendOrDNA(code).label
            messages.success(request, f"Recorded for {attendee.patient.display_name}: {label.lower()}.")
            return redirect("scheduling:appointment", appointment_pk=appointment.pk)
    return _appointment_page(request, selectors.appointment_for_page(pk=appointment.pk), attendance_form=form)


@login_required
@require_POST
def follow_up(request: StaffRequest, appointment_pk: int) -> HttpResponse:
    appointment = _get_appointment_for_user(request, appointment_pk, audit_view=False)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        return redirect("scheduling:appointment", appointment_pk=appointment.pk)
    attendee = next((a for a in appointment.attendees.all() if a.pk == form.cleaned_data["attendee"]), None)
    if attendee is None:
        raise Http404
    clinicians = appointment.clinicians
    try:
        actions.add_follow_up_task(
            by=request.user,
            attendee=attendee,
            kind=form.cleaned_data["kind"],
            due_on=form.cleaned_data["due_on"],
            assigned_to=clinicians[0] if clinicians else request.user,
        )
    except actions.BookingRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Follow-up task added to the clinician's list.")
    return redirect("scheduling:appointment", appointment_pk=appointment.pk)
