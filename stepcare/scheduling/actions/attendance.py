"""Attendance (AttendOrDNA) and the follow-up after a missed appointment."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from stepcare.accounts.models import User
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.scheduling import referral_link
from stepcare.scheduling.actions.common import BookingRefused
from stepcare.scheduling.models import Appointment, Attendee, FollowUpTask
from stepcare.scheduling.timeslots import attendance_open

AttendOrDNA = Attendee.AttendOrDNA


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
