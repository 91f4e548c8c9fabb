"""One appointment: book, move, cancel and rebook it, and cancel a referral's places when
the referral ends. Each runs in one transaction with its audit events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from stepcare.accounts.models import Room, User
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.patients.models import Patient
from stepcare.scheduling.actions.common import (
    BookingDetails,
    BookingRefused,
    Participant,
    SlotTaken,
    _audit,
    _check_room,
    _clashes,
    _is_overlap,
    individual_kind,
)
from stepcare.scheduling.actions.create import _create, copy_to_new_time
from stepcare.scheduling.actions.messages import _queue_messages
from stepcare.scheduling.models import Appointment, Attendee, GroupMember, Message

AttendOrDNA = Attendee.AttendOrDNA


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
    details = BookingDetails(
        participants=tuple(participants),
        clinicians=tuple(clinicians),
        app_type=app_type,
        delivery_mode=delivery_mode,
        duration=duration,
        room=room,
        interpreter_needed=interpreter_needed,
        interpreter_language=interpreter_language,
        video_link=video_link,
    )
    return book_details(by=by, details=details, starts_at=starts_at)


@transaction.atomic
def book_details(*, by: User, details: BookingDetails, starts_at: dt.datetime) -> Appointment:
    """Book one appointment described by ``details`` at ``starts_at`` and tell the patients."""
    if not details.participants:
        raise BookingRefused("Choose the patient to book.")
    appointment = _create(
        by=by,
        team=details.participants[0].patient.team,
        kind=individual_kind(details),
        details=details,
        starts_at=starts_at,
    )
    _queue_messages(appointment, Message.Kind.BOOKED)
    return appointment


def _refuse_if_settled(appointment: Appointment) -> None:
    if appointment.is_cancelled:
        raise BookingRefused("This appointment has been cancelled. Rebook it instead.")
    if appointment.is_settled:
        raise BookingRefused(
            "Attendance has already been recorded for this appointment, so it cannot change."
        )


def _set_times(appointment: Appointment, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    appointment.starts_at, appointment.ends_at = starts_at, ends_at
    appointment.clinician_rows.update(starts_at=starts_at, ends_at=ends_at)
    appointment.attendees.update(starts_at=starts_at, ends_at=ends_at)


def _live_patients(appointment: Appointment) -> list[Patient]:
    return list(
        Patient.objects.filter(appointment_rows__appointment=appointment, appointment_rows__live=True)
    )


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
    live_patients = _live_patients(appointment)
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
    _save_move(appointment, starts_at=starts_at, ends_at=ends_at, room=new_room)
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


def _save_move(
    appointment: Appointment, *, starts_at: dt.datetime, ends_at: dt.datetime, room: Room | None
) -> None:
    try:
        with transaction.atomic():
            _set_times(appointment, starts_at, ends_at)
            appointment.room = room
            appointment.save(update_fields=["starts_at", "ends_at", "room", "updated_at"])
    except IntegrityError as exc:
        if _is_overlap(exc):
            raise SlotTaken("Someone else has just booked that time. Choose another time.") from exc
        raise


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
    patients = _live_patients(appointment)
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
def rebook(
    *, by: User, appointment: Appointment, starts_at: dt.datetime, room: Room | None = None
) -> Appointment:
    """Book a new appointment like a cancelled or missed one, in one step."""
    original = Appointment.objects.for_display().get(pk=appointment.pk)
    if not (original.is_cancelled or original.was_missed):
        raise BookingRefused("Only a cancelled or missed appointment can be rebooked. Move this one instead.")
    if not original.can_be_rebooked:
        raise BookingRefused("Group sessions are rescheduled from the group's page.")
    new = copy_to_new_time(by=by, original=original, starts_at=starts_at, room=room, rebooked_from=original)
    _queue_messages(new, Message.Kind.BOOKED)
    return new


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
        _withdraw_place(by=by, place=place, reason=reason, note=note, notify=notify)
    GroupMember.objects.filter(referral_id=referral.pk, left_at__isnull=True).update(left_at=now)
    return len(places)


def _withdraw_place(*, by: User, place: Attendee, reason: str, note: str, notify: bool) -> None:
    appointment = Appointment.objects.select_for_update().get(pk=place.appointment_id)
    shared = appointment.attendees.filter(live=True).exclude(pk=place.pk).exists()
    if appointment.kind == Appointment.Kind.GROUP or shared:
        Attendee.objects.filter(pk=place.pk).update(live=False, attendance=AttendOrDNA.CANCELLED_BY_PROVIDER)
        record(
            by=by,
            action=AuditEvent.Action.UPDATE,
            patient=place.patient,
            obj=appointment,
            detail={
                "place_cancelled": True,
                "cancelled_by": AttendOrDNA.CANCELLED_BY_PROVIDER.value,
                "reason": reason,
                "note": note,
            },
        )
        return
    _cancel(
        by=by,
        appointment=appointment,
        cancelled_by=Appointment.CancelledBy.PROVIDER,
        reason=reason,
        note=note,
    )
    if notify:
        _queue_messages(appointment, Message.Kind.CANCELLED)
