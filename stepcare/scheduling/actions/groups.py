"""Groups: start one with its weekly sessions, add and remove members, record a session's
register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from stepcare.accounts.models import Room, Team, User
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.scheduling.actions.attendance import record_attendance
from stepcare.scheduling.actions.common import (
    BookingDetails,
    BookingRefused,
    Participant,
    SlotTaken,
    _check_participants,
    _clashes,
)
from stepcare.scheduling.actions.create import _create
from stepcare.scheduling.models import Appointment, AppointmentSeries, Attendee, Group, GroupMember
from stepcare.scheduling.timeslots import local, series_dates

AttendOrDNA = Attendee.AttendOrDNA


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
    details = BookingDetails(
        participants=tuple(
            Participant(m.patient, m.referral)
            for m in group.members.filter(left_at__isnull=True).select_related("patient", "referral")
        ),
        clinicians=tuple(group.facilitators.all()),
        app_type=app_type,
        delivery_mode=group.delivery_mode,
        duration=duration,
        room=group.room,
    )
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
            details=details,
            starts_at=local(day, local_time),
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
