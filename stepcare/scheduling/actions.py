"""Every change to the diary. Each runs in one transaction with its audit events; messages to
patients are queued only once the change is committed.

No double booking: before writing, an action looks for a live appointment of the same
clinician, patient or room that overlaps, and refuses with a message naming it. Two people
booking the same slot at once cannot both pass that check: on SQLite each write transaction
takes the database's write lock when it begins (``transaction_mode=IMMEDIATE``), so the
second check runs after the first booking is committed; on PostgreSQL an exclusion
constraint refuses the second row and the action turns that into the same message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from stepcare.accounts.models import Room, Team, User
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.patients.models import Patient
from stepcare.scheduling import selectors
from stepcare.scheduling.models import (
    TREATMENT_TYPES,
    Appointment,
    AppointmentClinician,
    AppointmentSeries,
    Attendee,
    CalendarFeed,
    FollowUpTask,
    Group,
    GroupMember,
    Message,
    Unavailability,
    WorkingHours,
)
from stepcare.scheduling.timeslots import attendance_open, format_range, local, local_date, series_dates

AttendOrDNA = Attendee.AttendOrDNA
# A referral accepted for treatment (waiting, allocated or in treatment).
ACCEPTED_STATUSES = frozenset({"waiting", "allocated", "in_treatment"})
logger = logging.getLogger(__name__)


class BookingRefused(Exception):
    """The change cannot be made; the message says why, for the person at the desk."""


class SlotTaken(BookingRefused):
    """Someone or something needed is already booked at that time."""


@dataclass(frozen=True)
class Participant:
    """A patient taking part, under one of their referrals."""

    patient: Patient
    referral: Any  # referrals.Referral


# The names the database gives the exclusion constraints (see migration 0002).
OVERLAP_CONSTRAINTS = (
    "appointment_room_no_overlap",
    "appointment_clinician_no_overlap",
    "attendee_patient_no_overlap",
)


def _is_overlap(exc: IntegrityError) -> bool:
    return any(name in str(exc) for name in OVERLAP_CONSTRAINTS)


def _clashes(
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    clinicians: Sequence[User],
    patients: Sequence[Patient],
    room: Room | None,
    ignore: Iterable[int] = (),
) -> list[str]:
    """Sentences naming each live booking that would overlap, for the person booking."""
    ignore_ids = list(ignore)
    problems: list[str] = []
    when = Q(starts_at__lt=ends_at, ends_at__gt=starts_at, live=True)
    for row in (
        AppointmentClinician.objects.filter(when, clinician__in=clinicians)
        .exclude(appointment_id__in=ignore_ids)
        .select_related("clinician")
    ):
        problems.append(
            f"{row.clinician} already has an appointment {format_range(row.starts_at, row.ends_at)}."
        )
    for attendee in (
        Attendee.objects.filter(when, patient__in=patients)
        .exclude(appointment_id__in=ignore_ids)
        .select_related("patient")
    ):
        problems.append(
            f"{attendee.patient.display_name} already has an appointment "
            f"{format_range(attendee.starts_at, attendee.ends_at)}."
        )
    if room is not None:
        for appt in Appointment.objects.filter(
            room=room, status=Appointment.Status.BOOKED, starts_at__lt=ends_at, ends_at__gt=starts_at
        ).exclude(pk__in=ignore_ids):
            problems.append(f"{room} is already booked {format_range(appt.starts_at, appt.ends_at)}.")
    for away in Unavailability.objects.filter(
        clinician__in=clinicians, withdrawn_at__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).select_related("clinician"):
        problems.append(
            f"{away.clinician} is away then ({away.get_kind_display().lower()}, "
            f"{format_range(away.starts_at, away.ends_at)})."
        )
    return problems


def _check_room(*, room: Room | None, starts_at: dt.datetime, ends_at: dt.datetime, people: int) -> None:
    if room is None:
        return
    if room.capacity < people:
        raise BookingRefused(
            f"{room} holds {room.capacity} people; this appointment needs room for {people}. "
            "Choose a bigger room."
        )
    if not selectors.site_open(site_id=room.site_id, starts_at=starts_at, ends_at=ends_at):
        raise BookingRefused(f"{room.site} is closed at that time. Check the site's opening hours.")


def _check_participants(participants: Sequence[Participant], *, app_type: str) -> None:
    """Nothing is booked for a person who has died or on a referral that is not open, and
    treatment only on a referral accepted at step 2 or 3."""
    from stepcare.referrals.models import Referral

    referrals = Referral.objects.in_bulk([p.referral.pk for p in participants])
    for p in participants:
        referral = referrals[p.referral.pk]
        name = p.patient.display_name
        if Patient.objects.filter(pk=p.patient.pk, date_of_death__isnull=False).exists():
            raise BookingRefused(f"{name} has died: nothing can be booked for them.")
        if referral.patient_id != p.patient.pk:
            raise BookingRefused(f"Referral {referral.reference} is not {name}'s referral.")
        if not referral.is_open:
            raise BookingRefused(
                f"{name}'s referral {referral.reference} is {referral.get_status_display().lower()}: "
                "nothing can be booked on it. Re-open it as a new referral first."
            )
        if app_type in TREATMENT_TYPES and (
            referral.status not in ACCEPTED_STATUSES or referral.step not in ("2", "3")
        ):
            raise BookingRefused(
                f"{name}'s referral {referral.reference} has not been accepted for treatment yet "
                f"({referral.get_status_display().lower()}). Book an assessment, or accept the "
                "referral at step 2 or 3 first."
            )


def _video_link(mode: str, link: str) -> str:
    if mode != Appointment.DeliveryMode.VIDEO or link:
        return link
    base = settings.VIDEO_BASE_URL
    return f"{base}{secrets.token_urlsafe(12)}"


def _queue_messages(appointment: Appointment, kind: str) -> None:
    """After commit, send each patient in ``appointment`` a message of ``kind``."""
    from stepcare.scheduling import tasks

    attendee_ids = list(appointment.attendees.values_list("pk", flat=True))

    def send() -> None:
        for attendee_id in attendee_ids:
            try:
                tasks.send_appointment_message.delay(attendee_id, kind)
            except Exception:  # the booking stands; the failure is logged and the message recorded
                logger.exception("Could not queue the %s message for attendee %s", kind, attendee_id)

    transaction.on_commit(send)


def _audit(
    *,
    by: User | None,
    appointment: Appointment,
    patients: Iterable[Patient],
    detail: dict[str, Any],
    action: str = AuditEvent.Action.UPDATE,
) -> None:
    for patient in patients:
        record(by=by, action=action, patient=patient, obj=appointment, detail=detail)


def _create(
    *,
    by: User,
    team: Team,
    kind: str,
    app_type: str,
    delivery_mode: str,
    starts_at: dt.datetime,
    duration: dt.timedelta,
    clinicians: Sequence[User],
    participants: Sequence[Participant],
    room: Room | None,
    interpreter_needed: bool = False,
    interpreter_language: str = "",
    video_link: str = "",
    series: AppointmentSeries | None = None,
    series_position: int | None = None,
    group: Group | None = None,
    rebooked_from: Appointment | None = None,
) -> Appointment:
    ends_at = starts_at + duration
    if not clinicians:
        raise BookingRefused("Choose the clinician who will see the patient.")
    if duration < dt.timedelta(minutes=5) or duration > dt.timedelta(hours=4):
        raise BookingRefused("An appointment lasts between 5 minutes and 4 hours.")
    if kind == Appointment.Kind.INDIVIDUAL and len(participants) != 1:
        raise BookingRefused("A one-to-one appointment has one patient.")
    if kind == Appointment.Kind.COUPLE and len(participants) != 2:
        raise BookingRefused("A couples appointment has two patients.")
    if delivery_mode == Appointment.DeliveryMode.FACE_TO_FACE and room is None:
        raise BookingRefused("A face-to-face appointment needs a room.")
    _check_participants(participants, app_type=app_type)
    patients = [p.patient for p in participants]
    _check_room(room=room, starts_at=starts_at, ends_at=ends_at, people=len(patients) + len(clinicians))
    problems = _clashes(
        starts_at=starts_at, ends_at=ends_at, clinicians=clinicians, patients=patients, room=room
    )
    if problems:
        raise SlotTaken(" ".join(problems))
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                team=team,
                kind=kind,
                app_type=app_type,
                delivery_mode=delivery_mode,
                starts_at=starts_at,
                ends_at=ends_at,
                room=room,
                interpreter_needed=interpreter_needed,
                interpreter_language=interpreter_language if interpreter_needed else "",
                video_link=_video_link(delivery_mode, video_link),
                series=series,
                series_position=series_position,
                group=group,
                rebooked_from=rebooked_from,
                created_by=by,
            )
            AppointmentClinician.objects.bulk_create(
                AppointmentClinician(
                    appointment=appointment, clinician=c, starts_at=starts_at, ends_at=ends_at
                )
                for c in clinicians
            )
            Attendee.objects.bulk_create(
                Attendee(
                    appointment=appointment,
                    patient=p.patient,
                    referral=p.referral,
                    starts_at=starts_at,
                    ends_at=ends_at,
                )
                for p in participants
            )
    except IntegrityError as exc:
        if _is_overlap(exc):
            raise SlotTaken(
                "Someone else has just booked this time for the same clinician, patient or room. "
                "Choose another time."
            ) from exc
        raise
    _audit(
        by=by,
        appointment=appointment,
        patients=patients,
        action=AuditEvent.Action.CREATE,
        detail={
            "starts_at": starts_at.isoformat(),
            "clinicians": [c.pk for c in clinicians],
            "room": room.pk if room else None,
            **({"rebooked_from": rebooked_from.pk} if rebooked_from else {}),
            **({"series": series.pk, "position": series_position} if series else {}),
        },
    )
    return appointment


@transaction.atomic
def book_appointment(
    *,
    by: User,
    participants: Sequence[Participant],
    clinicians: Sequence[User],
    app_type: str,
    delivery_mode: str,
    starts_at: dt.datetime,
    duration: dt.timedelta = dt.timedelta(minutes=60),
    room: Room | None = None,
    interpreter_needed: bool = False,
    interpreter_language: str = "",
    video_link: str = "",
) -> Appointment:
    """Book one appointment for one patient (or a couple) and tell them."""
    if not participants:
        raise BookingRefused("Choose the patient to book.")
    appointment = _create(
        by=by,
        team=participants[0].patient.team,
        kind=Appointment.Kind.COUPLE if len(participants) == 2 else Appointment.Kind.INDIVIDUAL,
        app_type=app_type,
        delivery_mode=delivery_mode,
        starts_at=starts_at,
        duration=duration,
        clinicians=clinicians,
        participants=participants,
        room=room,
        interpreter_needed=interpreter_needed,
        interpreter_language=interpreter_language,
        video_link=video_link,
    )
    _queue_messages(appointment, Message.Kind.BOOKED)
    return appointment


@transaction.atomic
def book_series(
    *,
    by: User,
    participants: Sequence[Participant],
    clinicians: Sequence[User],
    app_type: str,
    delivery_mode: str,
    first_date: dt.date,
    local_time: dt.time,
    occurrences: int,
    interval_weeks: int = 1,
    duration: dt.timedelta = dt.timedelta(minutes=60),
    room: Room | None = None,
    skip: Iterable[dt.date] = (),
    interpreter_needed: bool = False,
    interpreter_language: str = "",
    video_link: str = "",
) -> AppointmentSeries:
    """Book ``occurrences`` appointments every ``interval_weeks`` weeks at the same
    Europe/London time. If any one cannot be booked, none is, and the message lists the
    weeks that clash."""
    if interval_weeks not in (1, 2):
        raise BookingRefused("A series is weekly or fortnightly.")
    if not 1 <= occurrences <= 52:
        raise BookingRefused("A series has between 1 and 52 sessions.")
    if not participants:
        raise BookingRefused("Choose the patient to book.")
    team = participants[0].patient.team
    dates = series_dates(first_date, interval_weeks=interval_weeks, occurrences=occurrences, skip=skip)
    patients = [p.patient for p in participants]
    problems: list[str] = []
    for day in dates:
        start = local(day, local_time)
        problems += _clashes(
            starts_at=start, ends_at=start + duration, clinicians=clinicians, patients=patients, room=room
        )
    if problems:
        raise SlotTaken(
            f"{len(problems)} of the {occurrences} sessions clash: "
            + " ".join(problems)
            + " Skip those weeks or choose another time."
        )
    series = AppointmentSeries.objects.create(
        team=team,
        interval_weeks=interval_weeks,
        occurrences=occurrences,
        local_time=local_time,
        first_date=dates[0],
        created_by=by,
    )
    video_link = _video_link(delivery_mode, video_link)  # one link for the whole course
    first: Appointment | None = None
    for position, day in enumerate(dates, start=1):
        appointment = _create(
            by=by,
            team=team,
            kind=Appointment.Kind.COUPLE if len(participants) == 2 else Appointment.Kind.INDIVIDUAL,
            app_type=app_type,
            delivery_mode=delivery_mode,
            starts_at=local(day, local_time),
            duration=duration,
            clinicians=clinicians,
            participants=participants,
            room=room,
            interpreter_needed=interpreter_needed,
            interpreter_language=interpreter_language,
            video_link=video_link,
            series=series,
            series_position=position,
        )
        first = first or appointment
    if first is not None:
        _queue_messages(first, Message.Kind.BOOKED)
    return series


def _refuse_if_settled(appointment: Appointment) -> None:
    if appointment.is_cancelled:
        raise BookingRefused("This appointment has been cancelled. Rebook it instead.")
    if appointment.attendees.exclude(attendance="").exclude(attendance__in=Attendee.CANCELLED).exists():
        raise BookingRefused(
            "Attendance has already been recorded for this appointment, so it cannot change."
        )


def _set_times(appointment: Appointment, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    appointment.starts_at, appointment.ends_at = starts_at, ends_at
    appointment.clinician_rows.update(starts_at=starts_at, ends_at=ends_at)
    appointment.attendees.update(starts_at=starts_at, ends_at=ends_at)


@transaction.atomic
def move_appointment(
    *,
    by: User,
    appointment: Appointment,
    starts_at: dt.datetime,
    duration: dt.timedelta | None = None,
    room: Room | None = None,
    keep_room: bool = True,
) -> Appointment:
    """Move one appointment (for example one week of a series) to another time or room."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    _refuse_if_settled(appointment)
    duration = duration or appointment.duration
    new_room = appointment.room if keep_room and room is None else room
    if appointment.delivery_mode == Appointment.DeliveryMode.FACE_TO_FACE and new_room is None:
        raise BookingRefused("A face-to-face appointment needs a room.")
    ends_at = starts_at + duration
    clinicians = list(User.objects.filter(appointment_rows__appointment=appointment))
    live_patients = list(
        Patient.objects.filter(appointment_rows__appointment=appointment, appointment_rows__live=True)
    )
    _check_room(
        room=new_room, starts_at=starts_at, ends_at=ends_at, people=len(clinicians) + len(live_patients)
    )
    problems = _clashes(
        starts_at=starts_at,
        ends_at=ends_at,
        clinicians=clinicians,
        patients=live_patients,
        room=new_room,
        ignore=[appointment.pk],
    )
    if problems:
        raise SlotTaken(" ".join(problems))
    before = (appointment.starts_at, appointment.room_id)
    try:
        with transaction.atomic():
            _set_times(appointment, starts_at, ends_at)
            appointment.room = new_room
            appointment.save(update_fields=["starts_at", "ends_at", "room", "updated_at"])
    except IntegrityError as exc:
        if _is_overlap(exc):
            raise SlotTaken("Someone else has just booked that time. Choose another time.") from exc
        raise
    _audit(
        by=by,
        appointment=appointment,
        patients=live_patients,
        detail={
            "moved_from": before[0].isoformat(),
            "moved_to": starts_at.isoformat(),
            "room_from": before[1],
            "room_to": new_room.pk if new_room else None,
        },
    )
    _queue_messages(appointment, Message.Kind.CHANGED)
    return appointment


def _cancel(
    *, by: User, appointment: Appointment, cancelled_by: str, reason: str, note: str
) -> list[Patient]:
    if cancelled_by not in Appointment.CancelledBy.values:
        raise BookingRefused("Say who cancelled: the patient or the service.")
    if reason not in Appointment.CancellationReason.values:
        raise BookingRefused("Choose the reason for cancelling.")
    _refuse_if_settled(appointment)
    appointment.status = Appointment.Status.CANCELLED
    appointment.cancelled_by = cancelled_by
    appointment.cancellation_reason = reason
    appointment.cancellation_note = note.strip()[:300]
    appointment.cancelled_at = timezone.now()
    appointment.save(
        update_fields=[
            "status",
            "cancelled_by",
            "cancellation_reason",
            "cancellation_note",
            "cancelled_at",
            "updated_at",
        ]
    )
    appointment.clinician_rows.update(live=False)
    patients = list(
        Patient.objects.filter(appointment_rows__appointment=appointment, appointment_rows__live=True)
    )
    appointment.attendees.filter(live=True).update(live=False, attendance=cancelled_by)
    _audit(
        by=by,
        appointment=appointment,
        patients=patients,
        detail={"cancelled_by": cancelled_by, "reason": reason},
    )
    return patients


@transaction.atomic
def cancel_appointment(
    *, by: User, appointment: Appointment, cancelled_by: str, reason: str, note: str = ""
) -> Appointment:
    """Cancel: the appointment stays, with who cancelled (AttendOrDNA 2 or 4) and why."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    _cancel(by=by, appointment=appointment, cancelled_by=cancelled_by, reason=reason, note=note)
    _queue_messages(appointment, Message.Kind.CANCELLED)
    return appointment


@transaction.atomic
def cancel_rest_of_series(
    *, by: User, appointment: Appointment, cancelled_by: str, reason: str, note: str = ""
) -> list[Appointment]:
    """Cancel this occurrence and every later booked one in its series."""
    if appointment.series_id is None:
        raise BookingRefused("This appointment is not part of a series.")
    rest = list(
        Appointment.objects.select_for_update()
        .filter(
            series_id=appointment.series_id,
            starts_at__gte=appointment.starts_at,
            status=Appointment.Status.BOOKED,
        )
        .order_by("starts_at")
    )
    rest = [a for a in rest if not a.attendees.exclude(attendance="").exists()]
    for occurrence in rest:
        _cancel(by=by, appointment=occurrence, cancelled_by=cancelled_by, reason=reason, note=note)
    if rest:
        _queue_messages(rest[0], Message.Kind.SERIES_CANCELLED)
    return rest


@transaction.atomic
def skip_occurrence(
    *, by: User, appointment: Appointment, cancelled_by: str, add_at_end: bool = True
) -> Appointment | None:
    """Skip one week of a series; with ``add_at_end`` the course keeps its number of
    sessions by adding one after the last. Returns the added appointment, if any."""
    if appointment.series is None:
        raise BookingRefused("This appointment is not part of a series.")
    series = appointment.series
    _cancel(
        by=by,
        appointment=Appointment.objects.select_for_update().get(pk=appointment.pk),
        cancelled_by=cancelled_by,
        reason=Appointment.CancellationReason.WEEK_SKIPPED,
        note="",
    )
    if not add_at_end:
        _queue_messages(appointment, Message.Kind.CANCELLED)
        return None
    last = series.appointments.order_by("-series_position").first()
    assert last is not None
    next_day = local_date(last.starts_at) + dt.timedelta(weeks=series.interval_weeks)
    template = Appointment.objects.for_display().get(pk=appointment.pk)
    added = _create(
        by=by,
        team=series.team,
        kind=template.kind,
        app_type=template.app_type,
        delivery_mode=template.delivery_mode,
        starts_at=local(next_day, series.local_time),
        duration=template.duration,
        clinicians=template.clinicians,
        participants=[Participant(a.patient, a.referral) for a in template.attendees.all()],
        room=template.room,
        interpreter_needed=template.interpreter_needed,
        interpreter_language=template.interpreter_language,
        video_link=template.video_link,
        series=series,
        series_position=(last.series_position or 0) + 1,
    )
    _queue_messages(appointment, Message.Kind.CHANGED)
    return added


@transaction.atomic
def withdraw_referral(*, by: User, referral: Any, reason: str, note: str, notify: bool) -> int:
    """The referral has ended, was entered in error, or the person has died: every place it
    holds in an appointment still to come is cancelled by the service with ``reason``, it
    leaves its groups, and so no reminder will be queued for it. A one-to-one appointment is
    cancelled; in a group or couple only this person's place is. Returns how many places."""
    if reason not in Appointment.CancellationReason.values:
        raise BookingRefused("Choose the reason for cancelling.")
    now = timezone.now()
    places = list(
        Attendee.objects.select_for_update()
        .filter(
            referral_id=referral.pk,
            live=True,
            starts_at__gt=now,
            appointment__status=Appointment.Status.BOOKED,
        )
        .select_related("appointment", "patient")
    )
    for place in places:
        appointment = Appointment.objects.select_for_update().get(pk=place.appointment_id)
        shared = appointment.attendees.filter(live=True).exclude(pk=place.pk).exists()
        if appointment.kind == Appointment.Kind.GROUP or shared:
            Attendee.objects.filter(pk=place.pk).update(
                live=False, attendance=AttendOrDNA.CANCELLED_BY_PROVIDER
            )
            record(
                by=by,
                action=AuditEvent.Action.UPDATE,
                patient=place.patient,
                obj=appointment,
                detail={"place_cancelled": True, "cancelled_by": "4", "reason": reason, "note": note},
            )
        else:
            _cancel(
                by=by,
                appointment=appointment,
                cancelled_by=Appointment.CancelledBy.PROVIDER,
                reason=reason,
                note=note,
            )
            if notify:
                _queue_messages(appointment, Message.Kind.CANCELLED)
    GroupMember.objects.filter(referral_id=referral.pk, left_at__isnull=True).update(left_at=now)
    return len(places)


@transaction.atomic
def rebook(
    *, by: User, appointment: Appointment, starts_at: dt.datetime, room: Room | None = None
) -> Appointment:
    """Book a new appointment like a cancelled or missed one, in one step."""
    original = Appointment.objects.for_display().get(pk=appointment.pk)
    missed = any(a.is_missed for a in original.attendees.all())
    if not (original.is_cancelled or missed):
        raise BookingRefused("Only a cancelled or missed appointment can be rebooked. Move this one instead.")
    if original.group_id is not None:
        raise BookingRefused("Group sessions are rescheduled from the group's page.")
    new = _create(
        by=by,
        team=original.team,
        kind=original.kind,
        app_type=original.app_type,
        delivery_mode=original.delivery_mode,
        starts_at=starts_at,
        duration=original.duration,
        clinicians=original.clinicians,
        participants=[Participant(a.patient, a.referral) for a in original.attendees.all()],
        room=room if room is not None else original.room,
        interpreter_needed=original.interpreter_needed,
        interpreter_language=original.interpreter_language,
        video_link=original.video_link,
        rebooked_from=original,
    )
    _queue_messages(new, Message.Kind.BOOKED)
    return new


@transaction.atomic
def record_attendance(*, by: User, attendee: Attendee, code: str) -> Attendee:
    """Record or correct what happened (AttendOrDNA 5, 6, 7 or 3), from the start of the appointment's day.

    The referral's treatment dates and contact count are recomputed from the diary in the
    same transaction (the first attended treatment appointment ends the national
    waiting-time clock); an attended assessment is recorded on the referral.
    """
    attendee = (
        Attendee.objects.select_for_update().select_related("appointment", "patient").get(pk=attendee.pk)
    )
    appointment = attendee.appointment
    if code not in AttendOrDNA.values:
        raise BookingRefused("Choose what happened.")
    if code in (AttendOrDNA.CANCELLED_BY_PATIENT, AttendOrDNA.CANCELLED_BY_PROVIDER):
        if appointment.kind != Appointment.Kind.GROUP:
            raise BookingRefused("To record a cancellation, cancel the appointment and give the reason.")
        if attendee.is_attended or attendee.is_missed:
            raise BookingRefused("Attendance has already been recorded for this person.")
    elif not attendance_open(appointment.starts_at, timezone.now()):
        raise BookingRefused(
            "This appointment is on a later day. Record attendance on the day, "
            "or cancel it if it will not go ahead."
        )
    if appointment.is_cancelled:
        raise BookingRefused("This appointment was cancelled, so there is no attendance to record.")
    if not attendee.live and attendee.is_cancelled:
        raise BookingRefused("This person's place was cancelled.")
    previous = attendee.attendance
    attendee.attendance = code
    attendee.attendance_recorded_at = timezone.now()
    attendee.attendance_recorded_by = by
    attendee.live = code not in Attendee.CANCELLED
    attendee.save(update_fields=["attendance", "attendance_recorded_at", "attendance_recorded_by", "live"])
    record(
        by=by,
        action=AuditEvent.Action.UPDATE,
        patient=attendee.patient,
        obj=appointment,
        detail={"attendance": code, **({"previous": previous} if previous else {})},
    )
    if code != previous:
        _tell_referral(by=by, attendee=attendee, previous=previous)
    return attendee


def _tell_referral(*, by: User, attendee: Attendee, previous: str) -> None:
    """Recompute the referral's treatment dates and assessment from the diary, in this
    transaction: the first attended treatment appointment ends the waiting clock."""
    from stepcare.scheduling import referral_link

    try:
        referral_link.attendance_changed(by=by, attendee=attendee, previous=previous)
    except referral_link.ReferralDisagrees as exc:
        raise BookingRefused(str(exc)) from exc


@transaction.atomic
def add_follow_up_task(
    *, by: User, attendee: Attendee, kind: str, due_on: dt.date, assigned_to: User
) -> FollowUpTask:
    """Add the follow-up that the service's missed-appointment policy suggests.

    Stepcare only ever suggests: a person chooses to add the task, and nobody is ever
    discharged automatically.
    """
    if kind not in FollowUpTask.Kind.values:
        raise BookingRefused("Choose what needs doing.")
    if not attendee.is_missed:
        raise BookingRefused("A follow-up is added after a missed appointment.")
    task, created = FollowUpTask.objects.get_or_create(
        appointment=attendee.appointment,
        patient=attendee.patient,
        kind=kind,
        status=FollowUpTask.Status.OPEN,
        defaults={
            "team": attendee.appointment.team,
            "referral": attendee.referral,
            "assigned_to": assigned_to,
            "due_on": due_on,
            "created_by": by,
        },
    )
    if created:
        record(
            by=by, action=AuditEvent.Action.CREATE, patient=attendee.patient, obj=task, detail={"kind": kind}
        )
    return task


@transaction.atomic
def complete_follow_up_task(*, by: User, task: FollowUpTask) -> FollowUpTask:
    task.status = FollowUpTask.Status.DONE
    task.save(update_fields=["status"])
    record(by=by, action=AuditEvent.Action.UPDATE, patient=task.patient, obj=task, detail={"done": True})
    return task


# Working patterns, leave and admin time


@transaction.atomic
def set_working_pattern(
    *, by: User, clinician: User, blocks: Sequence[tuple[int, dt.time, dt.time, Any]]
) -> list[WorkingHours]:
    """Replace a clinician's weekly pattern with ``blocks`` of (weekday, start, end, site)."""
    for weekday, start, end, _site in blocks:
        if not 0 <= weekday <= 6:
            raise BookingRefused("Choose a day of the week.")
        if end <= start:
            raise BookingRefused("Each working block must end after it starts.")
    ordered = sorted(blocks, key=lambda b: (b[0], b[1]))
    for (day_a, _s, end_a, _x), (day_b, start_b, _e, _y) in pairwise(ordered):
        if day_a == day_b and start_b < end_a:
            raise BookingRefused("Two working blocks on the same day overlap.")
    WorkingHours.objects.filter(clinician=clinician).delete()  # a pattern is not clinical data
    rows = WorkingHours.objects.bulk_create(
        WorkingHours(clinician=clinician, weekday=d, starts=s, ends=e, site=site) for d, s, e, site in ordered
    )
    record(
        by=by,
        action=AuditEvent.Action.UPDATE,
        obj=clinician,
        detail={"working_pattern": [[d, s.isoformat(), e.isoformat()] for d, s, e, _ in ordered]},
    )
    return rows


@transaction.atomic
def add_unavailability(
    *, by: User, clinician: User, kind: str, starts_at: dt.datetime, ends_at: dt.datetime, note: str = ""
) -> Unavailability:
    """Record leave, training or admin time. Appointments already booked then are listed for
    rebooking by the caller; they are never moved silently."""
    if ends_at <= starts_at:
        raise BookingRefused("The end must be after the start.")
    if kind not in Unavailability.Kind.values:
        raise BookingRefused("Choose the kind of absence.")
    overlapping = (
        Unavailability.objects.select_for_update()
        .filter(clinician=clinician, withdrawn_at__isnull=True, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .first()
    )
    if overlapping is not None:
        raise BookingRefused(
            f"This overlaps {overlapping.get_kind_display().lower()} already recorded "
            f"{format_range(overlapping.starts_at, overlapping.ends_at)}. "
            "Change that entry or choose other dates."
        )
    away = Unavailability.objects.create(
        clinician=clinician, kind=kind, starts_at=starts_at, ends_at=ends_at, note=note.strip(), created_by=by
    )
    record(by=by, action=AuditEvent.Action.CREATE, obj=away, detail={"clinician": clinician.pk, "kind": kind})
    return away


@transaction.atomic
def withdraw_unavailability(*, by: User, away: Unavailability) -> Unavailability:
    away.withdrawn_at = timezone.now()
    away.save(update_fields=["withdrawn_at"])
    record(by=by, action=AuditEvent.Action.UPDATE, obj=away, detail={"withdrawn": True})
    return away


# Groups


@transaction.atomic
def create_group(
    *,
    by: User,
    team: Team,
    name: str,
    kind: str,
    capacity: int,
    facilitators: Sequence[User],
    room: Room | None = None,
    delivery_mode: str = Appointment.DeliveryMode.FACE_TO_FACE,
) -> Group:
    if not facilitators:
        raise BookingRefused("A group needs at least one facilitator.")
    if room is not None and room.capacity < capacity + len(facilitators):
        raise BookingRefused(f"{room} holds {room.capacity} people: too small for this group.")
    group = Group.objects.create(
        team=team,
        name=name.strip(),
        kind=kind,
        capacity=capacity,
        room=room,
        delivery_mode=delivery_mode,
        created_by=by,
    )
    group.facilitators.set(facilitators)
    record(by=by, action=AuditEvent.Action.CREATE, obj=group, detail={"name": group.name})
    return group


@transaction.atomic
def add_group_member(*, by: User, group: Group, participant: Participant) -> GroupMember:
    """Add a patient to a group and to its sessions still to come."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    if group.members.filter(left_at__isnull=True).count() >= group.capacity:
        raise BookingRefused(f"{group.name} is full ({group.capacity} places).")
    if group.members.filter(left_at__isnull=True, patient=participant.patient).exists():
        raise BookingRefused(f"{participant.patient.display_name} is already in this group.")
    _check_participants([participant], app_type=Appointment.Type.TREATMENT)
    member = GroupMember.objects.create(
        group=group, patient=participant.patient, referral=participant.referral
    )
    for session in group.sessions.filter(status=Appointment.Status.BOOKED, starts_at__gt=timezone.now()):
        problems = _clashes(
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            clinicians=[],
            patients=[participant.patient],
            room=None,
        )
        if problems:
            raise SlotTaken(" ".join(problems))
        Attendee.objects.create(
            appointment=session,
            patient=participant.patient,
            referral=participant.referral,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
        )
    record(
        by=by,
        action=AuditEvent.Action.CREATE,
        patient=participant.patient,
        obj=member,
        detail={"group": group.pk},
    )
    return member


@transaction.atomic
def remove_group_member(*, by: User, member: GroupMember) -> GroupMember:
    """Take a patient off a group's list. Their places in sessions still to come are
    cancelled (AttendOrDNA 2: they are leaving); attendance already recorded stays."""
    member = GroupMember.objects.select_for_update().select_related("group", "patient").get(pk=member.pk)
    if member.left_at is not None:
        raise BookingRefused(f"{member.patient.display_name} has already left this group.")
    member.left_at = timezone.now()
    member.save(update_fields=["left_at"])
    places = Attendee.objects.filter(
        appointment__group=member.group,
        appointment__status=Appointment.Status.BOOKED,
        patient=member.patient,
        starts_at__gt=member.left_at,
        attendance="",
    )
    cancelled = places.update(live=False, attendance=AttendOrDNA.CANCELLED_BY_PATIENT)
    record(
        by=by,
        action=AuditEvent.Action.UPDATE,
        patient=member.patient,
        obj=member,
        detail={"group": member.group_id, "left": True, "places_cancelled": cancelled},
    )
    return member


@transaction.atomic
def start_group(
    *,
    by: User,
    team: Team,
    name: str,
    kind: str,
    capacity: int,
    facilitators: Sequence[User],
    room: Room | None,
    delivery_mode: str,
    first_date: dt.date,
    local_time: dt.time,
    sessions: int,
    duration: dt.timedelta = dt.timedelta(hours=2),
) -> Group:
    """Create a group and book its weekly sessions in one step: both happen or neither."""
    if not 1 <= sessions <= 52:
        raise BookingRefused("A group has between 1 and 52 weekly sessions.")
    if delivery_mode == Appointment.DeliveryMode.FACE_TO_FACE and room is None:
        raise BookingRefused("A face-to-face group needs a room.")
    group = create_group(
        by=by,
        team=team,
        name=name,
        kind=kind,
        capacity=capacity,
        facilitators=facilitators,
        room=room,
        delivery_mode=delivery_mode,
    )
    schedule_group_sessions(
        by=by, group=group, first_date=first_date, local_time=local_time, sessions=sessions, duration=duration
    )
    return group


@transaction.atomic
def record_group_attendance(*, by: User, session: Appointment, codes: dict[int, str]) -> int:
    """Record attendance for several members of one group session at once (attendee id to
    AttendOrDNA code). If any one cannot be recorded, none is. Returns how many changed."""
    if session.group_id is None:
        raise BookingRefused("This is not a group session.")
    attendees = {a.pk: a for a in Attendee.objects.filter(appointment=session).select_related("patient")}
    changed = 0
    for attendee_id, code in codes.items():
        attendee = attendees.get(attendee_id)
        if attendee is None:
            raise BookingRefused("That person is not in this session.")
        if not code or code == attendee.attendance:
            continue
        try:
            record_attendance(by=by, attendee=attendee, code=code)
        except BookingRefused as exc:
            raise BookingRefused(f"{attendee.patient.display_name}: {exc}") from exc
        changed += 1
    return changed


@transaction.atomic
def schedule_group_sessions(
    *,
    by: User,
    group: Group,
    first_date: dt.date,
    local_time: dt.time,
    sessions: int,
    duration: dt.timedelta = dt.timedelta(hours=2),
    app_type: str = Appointment.Type.TREATMENT,
    skip: Iterable[dt.date] = (),
) -> AppointmentSeries:
    """Book a group's weekly sessions (e.g. 8 weekly two-hour MBCT sessions) for its
    facilitators, its room and every current member."""
    facilitators = list(group.facilitators.all())
    members = [
        Participant(m.patient, m.referral)
        for m in group.members.filter(left_at__isnull=True).select_related("patient", "referral")
    ]
    series = AppointmentSeries.objects.create(
        team=group.team,
        interval_weeks=1,
        occurrences=sessions,
        local_time=local_time,
        first_date=first_date,
        created_by=by,
    )
    for position, day in enumerate(
        series_dates(first_date, interval_weeks=1, occurrences=sessions, skip=skip), 1
    ):
        _create(
            by=by,
            team=group.team,
            kind=Appointment.Kind.GROUP,
            app_type=app_type,
            delivery_mode=group.delivery_mode,
            starts_at=local(day, local_time),
            duration=duration,
            clinicians=facilitators,
            participants=members,
            room=group.room,
            series=series,
            series_position=position,
            group=group,
        )
    record(
        by=by,
        action=AuditEvent.Action.UPDATE,
        obj=group,
        detail={"sessions": sessions, "first_date": first_date.isoformat(), "time": local_time.isoformat()},
    )
    return series


# Messages and calendar feeds


@transaction.atomic
def record_message(
    *,
    attendee: Attendee,
    channel: str,
    kind: str,
    recipient: str,
    template_id: str,
    body: str,
    status: str,
    provider_reference: str = "",
    error: str = "",
) -> Message:
    """Record a message sent (or that failed) against the patient's referral."""
    message = Message.objects.create(
        referral=attendee.referral,
        patient=attendee.patient,
        appointment=attendee.appointment,
        channel=channel,
        kind=kind,
        recipient=recipient,
        template_id=template_id,
        body=body,
        status=status,
        provider_reference=provider_reference,
        error=error[:300],
    )
    record(
        by=None,
        username="stepcare notifications",
        action=AuditEvent.Action.CREATE,
        patient=attendee.patient,
        obj=message,
        detail={"channel": channel, "kind": kind, "status": status},
    )
    return message


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_calendar_feed(*, by: User, show_initials: bool = False) -> tuple[CalendarFeed, str]:
    """A new private calendar address for ``by``; any previous one stops working.

    Returns the feed and its secret, which is shown once and never stored.
    """
    revoke_calendar_feeds(by=by)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        clinician=by, token_hash=feed_token_hash(token), show_initials=show_initials
    )
    record(by=by, action=AuditEvent.Action.CREATE, obj=feed, detail={"show_initials": show_initials})
    return feed, token


@transaction.atomic
def revoke_calendar_feeds(*, by: User) -> int:
    count = CalendarFeed.objects.filter(clinician=by, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if count:
        record(by=by, action=AuditEvent.Action.UPDATE, detail={"calendar_feed_revoked": count})
    return count
