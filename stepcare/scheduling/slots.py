"""Free-slot search: when a clinician works and is free, the patients are free and (for a
face-to-face appointment) a big-enough room at the site is free and the site open.

It asks the database a fixed number of questions (the clinician's pattern and bookings,
the patients' bookings, the rooms and their bookings, the site's opening hours) and does
the interval arithmetic of ``timeslots.py`` in Python.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from stepcare.accounts.models import Room, Site, User
from stepcare.patients.models import Patient
from stepcare.scheduling.models import (
    Appointment,
    AppointmentClinician,
    Attendee,
    OpeningHours,
    Unavailability,
    WorkingHours,
)
from stepcare.scheduling.models.appointments import LONGEST_APPOINTMENT
from stepcare.scheduling.models.availability import (
    DEFAULT_OPENING,
    DEFAULT_WORKING_DAY,
    DEFAULT_WORKING_WEEKDAYS,
)
from stepcare.scheduling.timeslots import (
    LONDON,
    Interval,
    day_bounds,
    intersect,
    local,
    local_date,
    overlaps,
    series_dates,
    starts_within,
    subtract,
)

PARTS_OF_DAY: dict[str, tuple[dt.time, dt.time]] = {
    "morning": (dt.time(0, 0), dt.time(12, 0)),
    "afternoon": (dt.time(12, 0), dt.time(17, 0)),
    "evening": (dt.time(17, 0), dt.time(23, 59)),
}
SLOT_STEP = dt.timedelta(minutes=30)

Pattern = dict[int, list[tuple[dt.time, dt.time]]]
Busy = dict[dt.date, list[Interval]]


def _pattern_by_weekday(rows: Iterable[WorkingHours]) -> Pattern:
    by_day: Pattern = defaultdict(list)
    found = False
    for row in rows:
        found = True
        by_day[row.weekday].append((row.starts, row.ends))
    if not found:
        for weekday in DEFAULT_WORKING_WEEKDAYS:
            by_day[weekday] = list(DEFAULT_WORKING_DAY)
    return by_day


def _working_on(pattern: Pattern, day: dt.date) -> list[Interval]:
    return [(local(day, s), local(day, e)) for s, e in pattern.get(day.weekday(), [])]


def _opening_by_weekday(rows: Iterable[OpeningHours]) -> Pattern:
    by_day: Pattern = defaultdict(list)
    found = False
    for row in rows:
        found = True
        by_day[row.weekday].append((row.opens, row.closes))
    if not found:
        for weekday in range(5):
            by_day[weekday] = [DEFAULT_OPENING]
    return by_day


def _is_open(opening: Pattern, start: dt.datetime, end: dt.datetime) -> bool:
    day = local_date(start)
    return any(local(day, o) <= start and end <= local(day, c) for o, c in opening.get(day.weekday(), []))


def site_open(*, site_id: int, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    """Is the site open for the whole of this time?"""
    return _is_open(_opening_by_weekday(OpeningHours.objects.filter(site_id=site_id)), starts_at, ends_at)


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    room: Room | None = None
    occurrences: tuple[dt.datetime, ...] = ()

    @property
    def local_start(self) -> dt.datetime:
        return self.starts_at.astimezone(LONDON)


def _by_day(intervals: Iterable[Interval]) -> Busy:
    out: Busy = defaultdict(list)
    for start, end in intervals:
        day = local_date(start)
        while True:
            out[day].append((start, end))
            day += dt.timedelta(days=1)
            if local(day, dt.time.min) >= end:
                break
    return out


def _clear(interval: Interval, busy: Busy) -> bool:
    return not any(overlaps(interval, b) for b in busy.get(local_date(interval[0]), []))


def _person_busy(
    *, clinician: User, patients: Sequence[Patient], start: dt.datetime, end: dt.datetime
) -> Busy:
    """The clinician's bookings and time away, and the patients' bookings, by local day: one
    query, the union of the three (each part read by its own index)."""
    within = {"starts_at__lt": end, "ends_at__gt": start}
    # Appointments (unlike time away) are never longer than LONGEST_APPOINTMENT: bound the start
    # from below too, so the (..., starts_at) indexes read only the window's rows.
    booked = {"starts_at__gt": start - LONGEST_APPOINTMENT, **within}
    parts = [
        AppointmentClinician.objects.filter(clinician=clinician, live=True, **booked),
        Unavailability.objects.filter(clinician=clinician, withdrawn_at__isnull=True, **within),
    ]
    if patients:
        parts.append(Attendee.objects.filter(patient__in=list(patients), live=True, **booked))
    first, *rest = (part.order_by().values_list("starts_at", "ends_at") for part in parts)
    return _by_day(list(first.union(*rest, all=True)))


@dataclass
class _Rooms:
    """The rooms at a site big enough for the appointment, their bookings and its hours."""

    rooms: list[Room] = field(default_factory=list)
    busy: dict[int, Busy] = field(default_factory=dict)
    opening: Pattern = field(default_factory=dict)

    @classmethod
    def at(cls, *, site: Site, people: int, start: dt.datetime, end: dt.datetime) -> _Rooms:
        rooms = list(
            Room.objects.filter(site=site, capacity__gte=people).select_related("site").order_by("name")
        )
        per_room: dict[int, list[Interval]] = defaultdict(list)
        for room_id, s, e in Appointment.objects.filter(
            room__in=rooms,
            status=Appointment.Status.BOOKED,
            starts_at__gt=start - LONGEST_APPOINTMENT,
            starts_at__lt=end,
            ends_at__gt=start,
        ).values_list("room_id", "starts_at", "ends_at"):
            per_room[room_id].append((s, e))
        busy = {room.pk: _by_day(per_room[room.pk]) for room in rooms}
        return cls(rooms, busy, _opening_by_weekday(OpeningHours.objects.filter(site=site)))

    def free_for(self, times: Sequence[dt.datetime], duration: dt.timedelta) -> Room | None:
        """The first room free, with the site open, at every one of ``times``."""
        for room in self.rooms:
            if all(
                _is_open(self.opening, t, t + duration) and _clear((t, t + duration), self.busy[room.pk])
                for t in times
            ):
                return room
        return None


@dataclass(frozen=True)
class _Search:
    pattern: Pattern
    busy: Busy
    duration: dt.timedelta
    wanted_parts: list[tuple[dt.time, dt.time]]

    def fits_person(self, start: dt.datetime) -> bool:
        end = start + self.duration
        working = _working_on(self.pattern, local_date(start))
        return any(ws <= start and end <= we for ws, we in working) and _clear((start, end), self.busy)

    def starts_on(self, day: dt.date) -> list[dt.datetime]:
        free = subtract(_working_on(self.pattern, day), self.busy.get(day, []))
        if self.wanted_parts:
            free = intersect(free, [(local(day, s), local(day, e)) for s, e in self.wanted_parts])
        return starts_within(free, duration=self.duration, step=SLOT_STEP)


def free_slots(
    *,
    clinician: User,
    from_day: dt.date,
    days: int = 14,
    duration: dt.timedelta = dt.timedelta(minutes=60),
    patients: Sequence[Patient] = (),
    site: Site | None = None,
    people: int = 2,
    weekdays: Iterable[int] | None = None,
    parts_of_day: Iterable[str] | None = None,
    interval_weeks: int = 1,
    occurrences: int = 1,
    skip: Iterable[dt.date] = (),
    limit: int = 24,
    now: dt.datetime | None = None,
) -> list[Slot]:
    """Times when the clinician works and is free, the patient(s) are free and (when
    ``site`` is given) a big-enough room there is free and the site open. For a series,
    every occurrence must fit, in the same room."""
    now = now or timezone.now()
    skip = list(skip)
    wanted_days = set(weekdays) if weekdays else None
    last_day = from_day + dt.timedelta(days=days + 7 * interval_weeks * (occurrences + len(skip)))
    range_start, range_end = day_bounds(from_day, (last_day - from_day).days + 1)
    search = _Search(
        pattern=_pattern_by_weekday(WorkingHours.objects.filter(clinician=clinician)),
        busy=_person_busy(clinician=clinician, patients=patients, start=range_start, end=range_end),
        duration=duration,
        wanted_parts=[PARTS_OF_DAY[p] for p in parts_of_day or () if p in PARTS_OF_DAY],
    )
    rooms = None
    if site is not None:
        rooms = _Rooms.at(site=site, people=people, start=range_start, end=range_end)
        if not rooms.rooms:
            return []
    slots: list[Slot] = []
    for offset in range(days):
        day = from_day + dt.timedelta(days=offset)
        if wanted_days is not None and day.weekday() not in wanted_days:
            continue
        for start in search.starts_on(day):
            if start <= now:
                continue
            local_time = start.astimezone(LONDON).time()
            dates = series_dates(day, interval_weeks=interval_weeks, occurrences=occurrences, skip=skip)
            times = [local(d, local_time) for d in dates]
            if not all(search.fits_person(t) for t in times[1:]):
                continue
            room = rooms.free_for(times, duration) if rooms is not None else None
            if rooms is not None and room is None:
                continue
            slots.append(Slot(start, start + duration, room, tuple(times)))
            if len(slots) >= limit:
                return slots
    return slots


def rebooking_slots(*, appointment: Appointment, from_day: dt.date) -> list[Slot]:
    """Up to 16 times in the fortnight from ``from_day`` to rebook an appointment: its first
    clinician's, for its length and people, at its site (none when it has no clinician)."""
    clinicians = appointment.clinicians
    if not clinicians:
        return []
    return free_slots(
        clinician=clinicians[0],
        from_day=from_day,
        days=14,
        duration=appointment.duration,
        patients=appointment.patients,
        site=appointment.room.site if appointment.room else None,
        people=len(clinicians) + len(appointment.patients),
        limit=16,
    )
