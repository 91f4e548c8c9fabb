"""A weekly or fortnightly course of appointments: book it, cancel the rest of it, skip a
week (adding one at the end)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction

from stepcare.accounts.models import Room, User
from stepcare.scheduling.actions.booking import _cancel, cancel_appointment
from stepcare.scheduling.actions.common import (
    BookingDetails,
    BookingRefused,
    Participant,
    SlotTaken,
    _clashes,
    _video_link,
    individual_kind,
)
from stepcare.scheduling.actions.create import _create, copy_to_new_time
from stepcare.scheduling.actions.messages import _queue_messages
from stepcare.scheduling.models import Appointment, AppointmentSeries, Message
from stepcare.scheduling.timeslots import local, local_date, series_dates


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
    details = BookingDetails(
        participants=tuple(participants),
        clinicians=tuple(clinicians),
        app_type=app_type,
        delivery_mode=delivery_mode,
        duration=duration,
        room=room,
        interpreter_needed=interpreter_needed,
        interpreter_language=interpreter_language,
        video_link=_video_link(delivery_mode, video_link),  # one link for the whole course
    )
    dates = series_dates(first_date, interval_weeks=interval_weeks, occurrences=occurrences, skip=skip)
    _refuse_clashing_weeks(details, dates=dates, local_time=local_time)
    return _book_weeks(
        by=by, details=details, dates=dates, local_time=local_time, interval_weeks=interval_weeks
    )


def _refuse_clashing_weeks(details: BookingDetails, *, dates: Sequence[dt.date], local_time: dt.time) -> None:
    problems: list[str] = []
    for day in dates:
        start = local(day, local_time)
        problems += _clashes(
            starts_at=start,
            ends_at=start + details.duration,
            clinicians=details.clinicians,
            patients=details.patients,
            room=details.room,
        )
    if problems:
        raise SlotTaken(
            f"{len(problems)} of the {len(dates)} sessions clash: "
            + " ".join(problems)
            + " Skip those weeks or choose another time."
        )


def _book_weeks(
    *, by: User, details: BookingDetails, dates: Sequence[dt.date], local_time: dt.time, interval_weeks: int
) -> AppointmentSeries:
    team = details.participants[0].patient.team
    series = AppointmentSeries.objects.create(
        team=team,
        interval_weeks=interval_weeks,
        occurrences=len(dates),
        local_time=local_time,
        first_date=dates[0],
        created_by=by,
    )
    first: Appointment | None = None
    for position, day in enumerate(dates, start=1):
        appointment = _create(
            by=by,
            team=team,
            kind=individual_kind(details),
            details=details,
            starts_at=local(day, local_time),
            series=series,
            series_position=position,
        )
        first = first or appointment
    if first is not None:
        _queue_messages(first, Message.Kind.BOOKED)
    return series


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
    added = copy_to_new_time(
        by=by,
        original=Appointment.objects.for_display().get(pk=appointment.pk),
        starts_at=local(next_day, series.local_time),
        series=series,
        series_position=(last.series_position or 0) + 1,
    )
    _queue_messages(appointment, Message.Kind.CHANGED)
    return added


# Which appointments a cancellation covers (the values of the cancel form's "scope" choice).
CANCEL_ONE = "one"
CANCEL_SKIP = "skip"
CANCEL_REST = "rest"


@dataclass(frozen=True)
class Cancelled:
    """What a cancellation did: how many appointments it cancelled, and the session added at
    the end of the series when a week was skipped (None when none was added)."""

    scope: str
    count: int
    added: Appointment | None = None


def cancel_in_scope(
    *, by: User, appointment: Appointment, scope: str, cancelled_by: str, reason: str, note: str
) -> Cancelled:
    """Cancel this appointment only, skip this week of its series, or cancel the rest of it."""
    if scope == CANCEL_REST:
        done = cancel_rest_of_series(
            by=by, appointment=appointment, cancelled_by=cancelled_by, reason=reason, note=note
        )
        return Cancelled(scope=scope, count=len(done))
    if scope == CANCEL_SKIP:
        added = skip_occurrence(by=by, appointment=appointment, cancelled_by=cancelled_by)
        return Cancelled(scope=scope, count=1, added=added)
    cancel_appointment(by=by, appointment=appointment, cancelled_by=cancelled_by, reason=reason, note=note)
    return Cancelled(scope=CANCEL_ONE, count=1)
