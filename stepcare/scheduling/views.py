"""Diary pages: my week, a clinician's, team's or room's day and week, booking, and one
appointment's page (move, cancel, attendance, rebook). Thin: check, validate, call an action."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from stepcare.accounts.models import Membership, Room, Site, Team, User
from stepcare.accounts.permissions import (
    Permission,
    Role,
    has_permission,
    team_ids_with_permission,
    teams_seen_whole,
)
from stepcare.audit import actions as audit_actions
from stepcare.audit.context import audit_if_redisplayed
from stepcare.audit.models import AuditEvent
from stepcare.fields import date_in_range
from stepcare.http import StaffRequest
from stepcare.patients.models import Patient
from stepcare.patients.views import _get_patient_for_user
from stepcare.referrals.models import Referral
from stepcare.scheduling import actions, ical, selectors
from stepcare.scheduling.forms import (
    AttendanceForm,
    BookSlotForm,
    CalendarFeedForm,
    CancelForm,
    FindSlotForm,
    FollowUpForm,
    GroupAttendanceForm,
    GroupForm,
    GroupMemberForm,
    GroupMemberSearchForm,
    MoveForm,
    RebookForm,
    UnavailabilityForm,
    WorkingPatternForm,
)
from stepcare.scheduling.models import Appointment, Attendee, CalendarFeed, Group, GroupMember, Unavailability
from stepcare.scheduling.timeslots import LONDON, attendance_open, local_date, week_start

DIARY_PERMISSIONS = (Permission.BOOK_APPOINTMENTS, Permission.VIEW_TEAM_CASELOAD)


def _diary_team_ids(user: User) -> set[int]:
    """Teams whose diaries this person may see: where they book or oversee the caseload."""
    teams: set[int] = set()
    for permission in DIARY_PERMISSIONS:
        teams |= team_ids_with_permission(user, permission)
    return teams


def _requested_day(request: HttpRequest) -> dt.date:
    raw = request.GET.get("date", "")
    try:
        day = dt.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return timezone.localdate()
    # A date the calendar cannot step around (0001-01-01, 9999-12-31): show today instead.
    return day if date_in_range(day) else timezone.localdate()


def _audit_diary(
    request: StaffRequest, kind: str, pk: int, first_day: dt.date, days: list[selectors.DiaryDay]
) -> None:
    """One event for the diary page, naming every patient whose name it shows (those of the
    viewer's own teams; other teams' bookings show as "Booked (another team)")."""
    visible = teams_seen_whole(request.user, Permission.VIEW_PATIENT)
    shown = [
        attendee.patient
        for day in days
        for entry in day.entries
        if entry.appointment is not None and entry.appointment.team_id in visible
        for attendee in entry.appointment.attendees.all()
    ]
    audit_actions.record(
        by=request.user,
        action=AuditEvent.Action.VIEW,
        detail={"diary": kind, "id": pk, "from": first_day.isoformat(), "patients_shown": len(set(shown))},
        patients=shown,
    )


def _diary_context(request: StaffRequest, first_day: dt.date, days: int) -> dict[str, Any]:
    scope = "day" if days == 1 else "week"
    step = dt.timedelta(days=days)
    return {
        **_diary_links(request.user),
        "scope": scope,
        "first_day": first_day,
        "last_day": first_day + dt.timedelta(days=days - 1),
        "previous_day": first_day - step,
        "next_day": first_day + step,
        "today": timezone.localdate(),
        # Patient names show for the teams whose patients one sees (not an adviser's teams).
        "visible_teams": teams_seen_whole(request.user, Permission.VIEW_PATIENT),
    }


def _scope(request: HttpRequest) -> tuple[dt.date, int]:
    day = _requested_day(request)
    if request.GET.get("view") == "day":
        return day, 1
    return week_start(day), 7


def _diary_links(user: User) -> dict[str, Any]:
    """The team and room diaries (and the waiting list) this person may open (two queries)."""
    team_ids = _diary_team_ids(user)
    teams = list(Team.objects.filter(pk__in=team_ids).order_by("name"))
    rooms = list(
        Room.objects.filter(site__service_id__in={t.service_id for t in teams})
        .select_related("site")
        .order_by("site__name", "name")
    )
    return {
        "diary_teams": teams,
        "diary_rooms": rooms,
        "can_see_waiting_list": has_permission(user, Permission.MANAGE_REFERRALS)
        or has_permission(user, Permission.ALLOCATE),
    }


@login_required
def my_day(request: StaffRequest) -> HttpResponse:
    """Where a clinician starts the day: today's and this week's sessions, people allocated
    to them and not yet seen, and their open referrals."""
    if not _diary_team_ids(request.user):
        raise PermissionDenied
    day = selectors.my_day(user=request.user)
    audit_actions.record(
        by=request.user,
        action=AuditEvent.Action.VIEW,
        detail={"page": "my_day", "patients": day.patient_ids},
    )
    return render(
        request,
        "scheduling/my_day.html",
        {
            "day": day,
            "today": timezone.localdate(),
            "visible_teams": team_ids_with_permission(request.user, Permission.VIEW_PATIENT),
            "limit": selectors.MY_DAY_LIMIT,
        },
    )


@login_required
def my_week(request: StaffRequest) -> HttpResponse:
    return clinician_diary(request, request.user.pk)


@login_required
def clinician_diary(request: StaffRequest, clinician_pk: int) -> HttpResponse:
    clinician = get_object_or_404(User, pk=clinician_pk, is_active=True)
    if clinician != request.user:
        their_teams = set(
            Membership.objects.filter(user=clinician, active=True).values_list("team_id", flat=True)
        )
        if not their_teams & _diary_team_ids(request.user):
            raise PermissionDenied
    elif not _diary_team_ids(request.user) and not has_permission(request.user, Permission.VIEW_PATIENT):
        raise PermissionDenied
    first_day, days = _scope(request)
    (diary,) = selectors.clinician_diaries(clinicians=[clinician], first_day=first_day, days=days)
    _audit_diary(request, "clinician", clinician.pk, first_day, diary.days)
    if days == 7:  # a weekend shows only when someone works or is booked then
        diary.days = [d for d in diary.days if d.day.weekday() < 5 or d.entries]
    return render(
        request,
        "scheduling/clinician_diary.html",
        {
            **_diary_context(request, first_day, days),
            "diary": diary,
            "clinician": clinician,
            "is_me": clinician == request.user,
            "tasks": list(selectors.open_follow_up_tasks(user=clinician)[:20])
            if clinician == request.user
            else [],
        },
    )


@login_required
def team_diary(request: StaffRequest, team_pk: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_pk)
    if team.pk not in _diary_team_ids(request.user):
        raise PermissionDenied
    first_day, days = _scope(request)
    clinicians = list(selectors.clinicians_in_teams([team.pk]))
    diaries = selectors.clinician_diaries(clinicians=clinicians, first_day=first_day, days=days)
    _audit_diary(request, "team", team.pk, first_day, [d for diary in diaries for d in diary.days])
    return render(
        request,
        "scheduling/team_diary.html",
        {
            **_diary_context(request, first_day, days),
            "team": team,
            "diaries": diaries,
            "day_list": [first_day + dt.timedelta(days=i) for i in range(days)],
        },
    )


@login_required
def room_diary(request: StaffRequest, room_pk: int) -> HttpResponse:
    room = get_object_or_404(Room.objects.select_related("site"), pk=room_pk)
    allowed_services = set(
        Team.objects.filter(pk__in=_diary_team_ids(request.user)).values_list("service_id", flat=True)
    )
    if room.site.service_id not in allowed_services:
        raise PermissionDenied
    first_day, days = _scope(request)
    diary_days = selectors.room_diary(room=room, first_day=first_day, days=days)
    _audit_diary(request, "room", room.pk, first_day, diary_days)
    return render(
        request,
        "scheduling/room_diary.html",
        {**_diary_context(request, first_day, days), "room": room, "days": diary_days},
    )


# A patient's appointments and booking


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
    patient = _get_patient_for_user(request, pk)
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
            "sent_messages": list(selectors.messages_for_patient(patient_id=patient.pk)),
        },
    )


def _found_referrals(partners: Any, found: list[Referral], chosen: str) -> list[Referral]:
    """The search results, plus the one already chosen (kept when the search changes)."""
    if chosen.isdigit() and all(r.pk != int(chosen) for r in found):
        found = [*found, *partners.filter(pk=int(chosen))]
    return found


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


@login_required
@require_http_methods(["GET", "POST"])
def book(request: StaffRequest, pk: int) -> HttpResponse:
    # Audited once below, naming every patient the page lists.
    patient = _get_patient_for_user(request, pk, Permission.BOOK_APPOINTMENTS, audit_view=False, defer=False)
    kwargs = _finder_form_kwargs(patient, request.POST if request.method == "POST" else request.GET)
    slots: list[selectors.Slot] = []
    searched = False
    booking_error = ""
    if request.method == "POST":
        form: FindSlotForm = BookSlotForm(request.POST, **kwargs)
        if form.is_valid() and request.POST.get("confirm") != "yes":
            assert isinstance(form, BookSlotForm)
            return _confirm_booking(request, patient, form)
        if form.is_valid():
            data = form.cleaned_data
            participants = [actions.Participant(patient, data["referral"])]
            partner = data.get("partner_referral")
            if partner is not None:
                participants.append(actions.Participant(partner.patient, partner))
            common = {
                "by": request.user,
                "participants": participants,
                "clinicians": [data["clinician"]],
                "app_type": data["app_type"],
                "delivery_mode": data["delivery_mode"],
                "duration": dt.timedelta(minutes=data["duration"]),
                "room": data.get("room"),
                "interpreter_needed": data["interpreter_needed"],
                "interpreter_language": patient.get_preferred_language_display()
                if data["interpreter_needed"]
                else "",
            }
            try:
                if form.occurrence_count > 1:
                    start = data["starts_at"].astimezone(LONDON)
                    series = actions.book_series(
                        **common,
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
                appointment = actions.book_appointment(**common, starts_at=data["starts_at"])
            except actions.BookingRefused as exc:
                booking_error = str(exc)
            else:
                messages.success(request, "Appointment booked.")
                return redirect("scheduling:appointment", appointment_pk=appointment.pk)
    else:
        form = FindSlotForm(
            request.GET or None, initial={"clinician": _default_clinician_id(patient)}, **kwargs
        )
    if form.is_valid():
        searched = True
        data = form.cleaned_data
        slots = selectors.free_slots(
            clinician=data["clinician"],
            from_day=data["from_date"],
            days=21,
            duration=dt.timedelta(minutes=data["duration"]),
            patients=[patient, *([data["partner_referral"].patient] if data.get("partner_referral") else [])],
            people=3 if data.get("partner_referral") else 2,
            site=data.get("site") if data["delivery_mode"] == Appointment.DeliveryMode.FACE_TO_FACE else None,
            weekdays=data.get("weekdays") or None,
            parts_of_day=data.get("parts_of_day") or None,
            interval_weeks=form.interval_weeks,
            occurrences=form.occurrence_count,
        )
    # The couples-therapy choice lists other patients of the team: the page names them too.
    audit_actions.record_shown(
        by=request.user,
        patients=[patient, *(r.patient for r in kwargs["partner_choices"])],
        obj=patient,
        page="scheduling:book",
    )
    return render(
        request,
        "scheduling/book.html",
        {
            "patient": patient,
            "form": form,
            "slots": slots,
            "searched": searched,
            "booking_error": booking_error,
            "no_referral": not kwargs["referrals"].exists(),
            "series": form.is_valid() and form.occurrence_count > 1,
            "occurrences": form.occurrence_count if form.is_valid() else 1,
            "interval_weeks": form.interval_weeks if form.is_valid() else 1,
            "finder_query": request.GET if request.method == "GET" else request.POST,
        },
    )


# One appointment


def _get_appointment_for_user(
    request: StaffRequest,
    pk: int,
    permission: Permission = Permission.BOOK_APPOINTMENTS,
    *,
    audit_view: bool = True,
) -> Appointment:
    try:
        appointment = selectors.appointment_for_page(pk=pk)
    except Appointment.DoesNotExist:
        raise Http404 from None
    if not has_permission(request.user, permission, obj=appointment):
        raise PermissionDenied
    patients = [attendee.patient for attendee in appointment.attendees.all()]
    if audit_view:
        audit_actions.record_shown(
            by=request.user, patients=patients, obj=appointment, page="scheduling:appointment"
        )
    elif request.method == "POST":
        audit_if_redisplayed(request, patients=patients, obj=appointment)
    return appointment


def outcomes_context(appointment: Appointment, attendees: list[Attendee]) -> dict[str, Any]:
    from stepcare.outcomes.selectors import pair_gaps

    one = attendees[0].patient_id if len(attendees) == 1 else None
    return {
        "patient": Patient.objects.for_banner().get(pk=one) if one else None,
        "pair_gaps": pair_gaps(appointment, attendees),
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
            "settled": appointment.is_cancelled or any(a.is_attended or a.is_missed for a in attendees),
            "can_rebook": not appointment.group_id
            and (appointment.is_cancelled or any(a.is_missed for a in attendees))
            and not appointment.rebookings.all(),
            "outcome_choices": [(c.value, c.label) for c in Attendee.OUTCOMES],
            # Outcome measures: the banner's PHQ-9 item 9 prompt and scores missing for the pair.
            **outcomes_context(appointment, attendees),
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


def _single_patient(appointment: Appointment) -> Patient | None:
    attendees = list(appointment.attendees.all())
    return attendees[0].patient if len(attendees) == 1 else None


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: StaffRequest, appointment_pk: int) -> HttpResponse:
    appointment = _get_appointment_for_user(request, appointment_pk, audit_view=request.method == "GET")
    form = CancelForm(request.POST or None, in_series=appointment.series_id is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        scope = data.get("scope", CancelForm.SCOPE_ONE)
        try:
            if scope == CancelForm.SCOPE_REST:
                done = actions.cancel_rest_of_series(
                    by=request.user,
                    appointment=appointment,
                    cancelled_by=data["cancelled_by"],
                    reason=data["reason"],
                    note=data["note"],
                )
                messages.success(request, f"{len(done)} appointments cancelled.")
            elif scope == CancelForm.SCOPE_SKIP:
                added = actions.skip_occurrence(
                    by=request.user, appointment=appointment, cancelled_by=data["cancelled_by"]
                )
                if added is not None:
                    when = added.starts_at.astimezone(LONDON)
                    messages.success(
                        request,
                        f"Week skipped. A session has been added on {when:%A} {when.day} {when:%B} "
                        f"at {when:%H:%M}.",
                    )
            else:
                actions.cancel_appointment(
                    by=request.user,
                    appointment=appointment,
                    cancelled_by=data["cancelled_by"],
                    reason=data["reason"],
                    note=data["note"],
                )
                messages.success(request, "Appointment cancelled. The patient will be told.")
        except actions.BookingRefused as exc:
            form.add_error(None, str(exc))
        else:
            if "rebook" in request.POST:
                return redirect("scheduling:rebook", appointment_pk=appointment.pk)
            return redirect("scheduling:appointment", appointment_pk=appointment.pk)
    return render(
        request,
        "scheduling/cancel.html",
        {"appointment": appointment, "form": form, "patient": _single_patient(appointment)},
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
@require_http_methods(["GET", "POST"])
def rebook(request: StaffRequest, appointment_pk: int) -> HttpResponse:
    appointment = _get_appointment_for_user(request, appointment_pk, audit_view=request.method == "GET")
    error = ""
    if request.method == "POST":
        form = RebookForm(request.POST)
        room = form.cleaned_data.get("room") if form.is_valid() else None
        if room is not None and (appointment.room is None or room.site_id != appointment.room.site_id):
            error = "Choose one of the times offered: that room is not at this appointment's site."
        elif form.is_valid():
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
        else:
            error = "Choose a time from the list."
    clinicians = appointment.clinicians
    day = (
        _requested_day(request)
        if request.GET.get("date")
        else max(timezone.localdate(), local_date(appointment.starts_at))
    )
    slots = (
        selectors.free_slots(
            clinician=clinicians[0],
            from_day=day,
            days=14,
            duration=appointment.duration,
            patients=appointment.patients,
            site=appointment.room.site if appointment.room else None,
            people=len(clinicians) + len(appointment.patients),
            limit=16,
        )
        if clinicians
        else []
    )
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


# Calendar feed


@login_required
@require_http_methods(["GET", "POST"])
def calendar_settings(request: StaffRequest) -> HttpResponse:
    form = CalendarFeedForm(request.POST if request.method == "POST" else None)
    feed_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            actions.revoke_calendar_feeds(by=request.user)
            messages.success(request, "Your calendar address has stopped working.")
            return redirect("scheduling:calendar_settings")
        if form.is_valid():
            _feed, token = actions.create_calendar_feed(
                by=request.user, show_initials=form.cleaned_data["show_initials"]
            )
            feed_url = request.build_absolute_uri(reverse("calendar:feed", kwargs={"token": token}))
    live = CalendarFeed.objects.filter(clinician=request.user, revoked_at__isnull=True).first()
    return render(
        request, "scheduling/calendar_settings.html", {"form": form, "feed_url": feed_url, "live": live}
    )


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private iCalendar address: no sign-in (calendar apps cannot), a secret instead."""
    feed = selectors.live_feed(token_hash=actions.feed_token_hash(token))
    if feed is None:
        raise Http404
    with transaction.atomic():
        type(feed).objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    body = ical.build_calendar(
        feed=feed,
        appointments=selectors.feed_appointments(clinician=feed.clinician),
        host=request.get_host().split(":")[0],
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


# Groups


def _group_team_ids(user: User) -> set[int]:
    return team_ids_with_permission(user, Permission.BOOK_APPOINTMENTS)


def _get_group_for_user(request: StaffRequest, group_pk: int) -> Group:
    group = get_object_or_404(Group.objects.select_related("team", "room__site"), pk=group_pk)
    if not has_permission(request.user, Permission.BOOK_APPOINTMENTS, obj=group):
        raise PermissionDenied
    return group


@login_required
def group_list(request: StaffRequest) -> HttpResponse:
    team_ids = _group_team_ids(request.user)
    if not team_ids:
        raise PermissionDenied
    return render(
        request, "scheduling/group_list.html", {"groups": list(selectors.groups_in_teams(team_ids=team_ids))}
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_new(request: StaffRequest) -> HttpResponse:
    team_ids = _group_team_ids(request.user)
    if not team_ids:
        raise PermissionDenied
    teams = Team.objects.filter(pk__in=team_ids).order_by("name")
    form = GroupForm(
        request.POST or None,
        teams=teams,
        facilitators=selectors.clinicians_in_teams(team_ids),
        rooms=Room.objects.filter(site__service_id__in={t.service_id for t in teams})
        .select_related("site")
        .order_by("site__name", "name"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group = actions.start_group(
                by=request.user,
                team=data["team"],
                name=data["name"],
                kind=data["kind"],
                capacity=data["capacity"],
                facilitators=list(data["facilitators"]),
                room=data["room"],
                delivery_mode=data["delivery_mode"],
                first_date=data["first_date"],
                local_time=data["time"],
                sessions=data["sessions"],
                duration=dt.timedelta(minutes=data["duration"]),
            )
        except actions.BookingRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{group.name} created with {data['sessions']} weekly sessions.")
            return redirect("scheduling:group", group_pk=group.pk)
    return render(request, "scheduling/group_new.html", {"form": form})


@login_required
def group_detail(request: StaffRequest, group_pk: int) -> HttpResponse:
    group = _get_group_for_user(request, group_pk)
    page = selectors.group_page(group=group)
    audit_actions.record_shown(
        by=request.user, patients=[m.patient for m in page.members], obj=group, page="scheduling:group"
    )
    return render(
        request,
        "scheduling/group_detail.html",
        {"group": group, "page": page, "full": len(page.members) >= group.capacity, "now": timezone.now()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_add_member(request: StaffRequest, group_pk: int) -> HttpResponse:
    group = _get_group_for_user(request, group_pk)
    member_ids = set(
        GroupMember.objects.filter(group=group, left_at__isnull=True).values_list("patient_id", flat=True)
    )
    referrals = selectors.open_referrals_in_team(team_id=group.team_id).exclude(patient_id__in=member_ids)
    search = GroupMemberSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    found = [
        r
        for r in selectors.search_open_referrals(team_id=group.team_id, query=query)
        if r.patient_id not in member_ids
    ]
    found = _found_referrals(referrals, found, request.POST.get("referral", ""))
    form = GroupMemberForm(request.POST or None, referrals=referrals, found=found)
    if request.method == "POST" and form.is_valid():
        referral = form.cleaned_data["referral"]
        try:
            member = actions.add_group_member(
                by=request.user, group=group, participant=actions.Participant(referral.patient, referral)
            )
        except actions.BookingRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{member.patient.display_name} added to {group.name}.")
            return redirect("scheduling:group", group_pk=group.pk)
    # The page names the people found by the search: one audit event lists them.
    audit_actions.record_shown(
        by=request.user, patients=[r.patient for r in found], obj=group, page="scheduling:group_add_member"
    )
    return render(
        request,
        "scheduling/group_add_member.html",
        {
            "group": group,
            "form": form,
            "search": search,
            "searched": bool(query),
            "found": found,
            "places_left": max(group.capacity - len(member_ids), 0),
        },
    )


@login_required
@require_POST
def group_remove_member(request: StaffRequest, group_pk: int, member_pk: int) -> HttpResponse:
    group = _get_group_for_user(request, group_pk)
    member = get_object_or_404(GroupMember.objects.select_related("patient"), pk=member_pk, group=group)
    try:
        actions.remove_group_member(by=request.user, member=member)
    except actions.BookingRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{member.patient.display_name} has left {group.name}. "
            "Their places in later sessions are cancelled.",
        )
    return redirect("scheduling:group", group_pk=group.pk)


@login_required
@require_http_methods(["GET", "POST"])
def group_attendance(request: StaffRequest, group_pk: int, appointment_pk: int) -> HttpResponse:
    group = _get_group_for_user(request, group_pk)
    try:
        session = selectors.group_session(group=group, pk=appointment_pk)
    except Appointment.DoesNotExist:
        raise Http404 from None
    attendees = [a for a in session.attendees.all() if a.live or a.attendance]
    form = GroupAttendanceForm(request.POST or None, attendees=attendees)
    if request.method == "POST" and form.is_valid():
        try:
            changed = actions.record_group_attendance(by=request.user, session=session, codes=form.codes())
        except actions.BookingRefused as exc:
            form.add_error(None, str(exc))
        else:
            plural = "s" if changed != 1 else ""
            messages.success(request, f"Attendance recorded for {changed} member{plural}.")
            return redirect("scheduling:group", group_pk=group.pk)
    # Shown (GET, or the register again after a refused POST): one event naming the members.
    audit_actions.record_shown(
        by=request.user,
        patients=[a.patient for a in attendees],
        obj=session,
        page="scheduling:group_attendance",
    )
    return render(
        request,
        "scheduling/group_attendance.html",
        {
            "group": group,
            "session": session,
            "form": form,
            "started": attendance_open(session.starts_at, timezone.now()),
        },
    )


# Working patterns and leave


def _get_clinician_for_user(request: StaffRequest, clinician_pk: int) -> User:
    """The member of staff whose pattern this is: oneself, or someone in a team one manages
    or supervises."""
    clinician = get_object_or_404(User, pk=clinician_pk, is_active=True)
    if clinician == request.user:
        return clinician
    overseen = team_ids_with_permission(request.user, Permission.MANAGE_STAFF) | team_ids_with_permission(
        request.user, Permission.SUPERVISE
    )
    if not overseen & selectors.team_ids_of(clinician):
        raise PermissionDenied
    return clinician


def _pattern_sites(request: StaffRequest, clinician: User) -> Any:
    services = Team.objects.filter(pk__in=selectors.team_ids_of(clinician)).values("service_id")
    return Site.objects.filter(service_id__in=services).order_by("name")


@login_required
def my_availability(request: StaffRequest) -> HttpResponse:
    return redirect("scheduling:availability", clinician_pk=request.user.pk)


@login_required
@require_http_methods(["GET", "POST"])
def availability(request: StaffRequest, clinician_pk: int) -> HttpResponse:
    """A clinician's weekly working pattern, and their leave and other time away."""
    clinician = _get_clinician_for_user(request, clinician_pk)
    sites = _pattern_sites(request, clinician)
    rows = selectors.working_pattern(clinician)
    pattern_form = WorkingPatternForm(
        request.POST if request.method == "POST" else None,
        sites=sites,
        initial=WorkingPatternForm.initial_for(rows),
    )
    if request.method == "POST" and pattern_form.is_valid():
        try:
            actions.set_working_pattern(
                by=request.user, clinician=clinician, blocks=pattern_form.cleaned_data["blocks"]
            )
        except actions.BookingRefused as exc:
            pattern_form.add_error(None, str(exc))
        else:
            messages.success(request, "Working pattern saved.")
            return redirect("scheduling:availability", clinician_pk=clinician.pk)
    return _availability_page(request, clinician, rows, pattern_form, UnavailabilityForm())


def _availability_page(
    request: StaffRequest,
    clinician: User,
    rows: list[Any],
    pattern_form: WorkingPatternForm,
    leave_form: UnavailabilityForm,
) -> HttpResponse:
    return render(
        request,
        "scheduling/availability.html",
        {
            "clinician": clinician,
            "is_me": clinician == request.user,
            "rows": rows,
            "uses_default": not rows,
            "weekly_hours": sum(r.hours for r in rows) if rows else 37.5,
            "pattern_form": pattern_form,
            "leave_form": leave_form,
            "away": list(selectors.time_away(clinician=clinician)),
        },
    )


@login_required
@require_POST
def add_leave(request: StaffRequest, clinician_pk: int) -> HttpResponse:
    clinician = _get_clinician_for_user(request, clinician_pk)
    form = UnavailabilityForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            away = actions.add_unavailability(
                by=request.user,
                clinician=clinician,
                kind=data["kind"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                note=data["note"],
            )
        except actions.BookingRefused as exc:
            form.add_error(None, str(exc))
        else:
            booked = selectors.booked_during(
                clinician=clinician, starts_at=away.starts_at, ends_at=away.ends_at
            )
            messages.success(request, f"{away.get_kind_display()} recorded.")
            if booked:
                messages.warning(
                    request,
                    f"{booked} appointment{'s are' if booked != 1 else ' is'} already booked in that time. "
                    "Move or cancel them from the diary: nothing is moved automatically.",
                )
            return redirect("scheduling:availability", clinician_pk=clinician.pk)
    rows = selectors.working_pattern(clinician)
    pattern_form = WorkingPatternForm(
        sites=_pattern_sites(request, clinician), initial=WorkingPatternForm.initial_for(rows)
    )
    return _availability_page(request, clinician, rows, pattern_form, form)


@login_required
@require_POST
def withdraw_leave(request: StaffRequest, clinician_pk: int, away_pk: int) -> HttpResponse:
    clinician = _get_clinician_for_user(request, clinician_pk)
    away = get_object_or_404(Unavailability, pk=away_pk, clinician=clinician, withdrawn_at__isnull=True)
    actions.withdraw_unavailability(by=request.user, away=away)
    messages.success(request, f"{away.get_kind_display()} removed.")
    return redirect("scheduling:availability", clinician_pk=clinician.pk)
