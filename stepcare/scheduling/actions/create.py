"""The one place an appointment is written, and the helper that copies one to a new time
(used when a skipped week is added at the end of a series and when rebooking)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from stepcare.accounts.models import Room, Team, User
from stepcare.audit.models import AuditEvent
from stepcare.scheduling.actions.common import (
    BookingDetails,
    BookingRefused,
    SlotTaken,
    _audit,
    _check_participants,
    _check_room,
    _clashes,
    _is_overlap,
    _video_link,
)
from stepcare.scheduling.models import (
    APPOINTMENT_LENGTH,
    Appointment,
    AppointmentClinician,
    AppointmentSeries,
    Attendee,
    Group,
)


def _check_details(*, kind: str, details: BookingDetails, starts_at: dt.datetime) -> None:
    """Refuse a booking that cannot be made, with the reason, before anything is written."""
    ends_at = starts_at + details.duration
    if not details.clinicians:
        raise BookingRefused("Choose the clinician who will see the patient.")
    if not APPOINTMENT_LENGTH.allows(details.duration):
        raise BookingRefused("An appointment lasts between 5 minutes and 4 hours.")
    if kind == Appointment.Kind.INDIVIDUAL and len(details.participants) != 1:
        raise BookingRefused("A one-to-one appointment has one patient.")
    if kind == Appointment.Kind.COUPLE and len(details.participants) != 2:
        raise BookingRefused("A couples appointment has two patients.")
    if details.delivery_mode == Appointment.DeliveryMode.FACE_TO_FACE and details.room is None:
        raise BookingRefused("A face-to-face appointment needs a room.")
    _check_participants(details.participants, app_type=details.app_type)
    people = len(details.participants) + len(details.clinicians)
    _check_room(room=details.room, starts_at=starts_at, ends_at=ends_at, people=people)
    problems = _clashes(
        starts_at=starts_at,
        ends_at=ends_at,
        clinicians=details.clinicians,
        patients=details.patients,
        room=details.room,
    )
    if problems:
        raise SlotTaken(" ".join(problems))


def _insert(*, appointment: Appointment, details: BookingDetails) -> None:
    """Write the appointment and its clinician and patient rows; an overlap the database
    refuses (two people booking at once) becomes the same refusal as a clash."""
    starts_at, ends_at = appointment.starts_at, appointment.ends_at
    try:
        with transaction.atomic():
            appointment.save(force_insert=True)
            AppointmentClinician.objects.bulk_create(
                AppointmentClinician(
                    appointment=appointment, clinician=c, starts_at=starts_at, ends_at=ends_at
                )
                for c in details.clinicians
            )
            Attendee.objects.bulk_create(
                Attendee(
                    appointment=appointment,
                    patient=p.patient,
                    referral=p.referral,
                    starts_at=starts_at,
                    ends_at=ends_at,
                )
                for p in details.participants
            )
    except IntegrityError as exc:
        if _is_overlap(exc):
            raise SlotTaken(
                "Someone else has just booked this time for the same clinician, patient or room. "
                "Choose another time."
            ) from exc
        raise


def _create(
    *,
    by: User,
    team: Team,
    kind: str,
    details: BookingDetails,
    starts_at: dt.datetime,
    series: AppointmentSeries | None = None,
    series_position: int | None = None,
    group: Group | None = None,
    rebooked_from: Appointment | None = None,
) -> Appointment:
    _check_details(kind=kind, details=details, starts_at=starts_at)
    appointment = Appointment(
        team=team,
        kind=kind,
        app_type=details.app_type,
        delivery_mode=details.delivery_mode,
        starts_at=starts_at,
        ends_at=starts_at + details.duration,
        room=details.room,
        interpreter_needed=details.interpreter_needed,
        interpreter_language=details.interpreter_language if details.interpreter_needed else "",
        video_link=_video_link(details.delivery_mode, details.video_link),
        series=series,
        series_position=series_position,
        group=group,
        rebooked_from=rebooked_from,
        created_by=by,
    )
    _insert(appointment=appointment, details=details)
    room = details.room
    _audit(
        by=by,
        appointment=appointment,
        patients=details.patients,
        action=AuditEvent.Action.CREATE,
        detail={
            "starts_at": starts_at.isoformat(),
            "clinicians": [c.pk for c in details.clinicians],
            "room": room.pk if room else None,
            **({"rebooked_from": rebooked_from.pk} if rebooked_from else {}),
            **({"series": series.pk, "position": series_position} if series else {}),
        },
    )
    return appointment


def copy_to_new_time(
    *,
    by: User,
    original: Appointment,
    starts_at: dt.datetime,
    room: Room | None = None,
    series: AppointmentSeries | None = None,
    series_position: int | None = None,
    rebooked_from: Appointment | None = None,
) -> Appointment:
    """A new appointment like ``original`` (loaded ``for_display``) at ``starts_at``: the same
    people, type, delivery, length and interpreter, in ``room`` or the original's."""
    return _create(
        by=by,
        team=original.team,
        kind=original.kind,
        details=BookingDetails.of(original, room=room),
        starts_at=starts_at,
        series=series,
        series_position=series_position,
        rebooked_from=rebooked_from,
    )
