"""Time arithmetic for the diary: Europe/London wall-clock times and free intervals.

Appointments are stored in UTC; people think in local time. A weekly series keeps its local
time (10:00 stays 10:00 across the clocks changing), so every occurrence is computed from
its local date and time, never by adding 7 × 24 hours to an instant.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

Interval = tuple[dt.datetime, dt.datetime]


def local(day: dt.date, time: dt.time) -> dt.datetime:
    """The instant that is ``time`` on ``day`` in Europe/London."""
    return dt.datetime.combine(day, time, tzinfo=LONDON)


def local_date(instant: dt.datetime) -> dt.date:
    return instant.astimezone(LONDON).date()


def attendance_open(starts_at: dt.datetime, now: dt.datetime) -> bool:
    """Attendance can be recorded from the start (local midnight) of the appointment's day,
    never for a later day: a clinician records the morning's sessions as the day goes."""
    return local_date(starts_at) <= local_date(now)


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week containing ``day``."""
    return day - dt.timedelta(days=day.weekday())


def day_bounds(day: dt.date, days: int = 1) -> Interval:
    """From local midnight on ``day`` to local midnight ``days`` later (23 or 25 hours on
    the days the clocks change)."""
    return local(day, dt.time.min), local(day + dt.timedelta(days=days), dt.time.min)


def series_dates(
    first: dt.date, *, interval_weeks: int, occurrences: int, skip: Iterable[dt.date] = ()
) -> list[dt.date]:
    """Dates of a series: ``occurrences`` sessions, every ``interval_weeks`` weeks, stepping
    over skipped dates (the series then ends later, still with ``occurrences`` sessions)."""
    skipped = set(skip)
    dates: list[dt.date] = []
    day = first
    while len(dates) < occurrences:
        if day not in skipped:
            dates.append(day)
        day += dt.timedelta(weeks=interval_weeks)
    return dates


def overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def subtract(free: Sequence[Interval], busy: Iterable[Interval]) -> list[Interval]:
    """``free`` with every ``busy`` interval taken out."""
    result = list(free)
    for b_start, b_end in busy:
        next_result: list[Interval] = []
        for start, end in result:
            if b_end <= start or b_start >= end:
                next_result.append((start, end))
                continue
            if start < b_start:
                next_result.append((start, b_start))
            if b_end < end:
                next_result.append((b_end, end))
        result = next_result
    return result


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a_start, a_end in a:
        for b_start, b_end in b:
            start, end = max(a_start, b_start), min(a_end, b_end)
            if start < end:
                out.append((start, end))
    return sorted(out)


def starts_within(
    free: Sequence[Interval], *, duration: dt.timedelta, step: dt.timedelta
) -> list[dt.datetime]:
    """Start times, on the hour and half hour (``step``), of ``duration`` inside ``free``."""
    starts: list[dt.datetime] = []
    for start, end in free:
        candidate = _round_up(start, step)
        while candidate + duration <= end:
            starts.append(candidate)
            candidate += step
    return starts


def _round_up(instant: dt.datetime, step: dt.timedelta) -> dt.datetime:
    local_instant = instant.astimezone(LONDON)
    midnight = local_instant.replace(hour=0, minute=0, second=0, microsecond=0)
    since = local_instant - midnight
    steps = -(-since // step)  # ceiling division of timedeltas
    return (midnight + steps * step).astimezone(LONDON)


def format_range(start: dt.datetime, end: dt.datetime) -> str:
    """'Tuesday 3 March 2026, 10:00 to 11:00' in Europe/London."""
    s, e = start.astimezone(LONDON), end.astimezone(LONDON)
    return f"{s:%A} {s.day} {s:%B %Y}, {s:%H:%M} to {e:%H:%M}"
