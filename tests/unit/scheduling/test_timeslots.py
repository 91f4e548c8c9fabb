"""Local-time arithmetic: series keep their Europe/London time across clock changes."""

from __future__ import annotations

import datetime as dt

from stepcare.scheduling.timeslots import (
    LONDON,
    day_bounds,
    format_range,
    local,
    series_dates,
    starts_within,
    subtract,
)

UTC = dt.UTC


def test_series_dates_step_over_skipped_weeks_and_keep_the_count() -> None:
    dates = series_dates(dt.date(2026, 1, 6), interval_weeks=1, occurrences=3, skip=[dt.date(2026, 1, 13)])
    assert dates == [dt.date(2026, 1, 6), dt.date(2026, 1, 20), dt.date(2026, 1, 27)]


def test_fortnightly_series_dates() -> None:
    dates = series_dates(dt.date(2026, 3, 2), interval_weeks=2, occurrences=3)
    assert dates == [dt.date(2026, 3, 2), dt.date(2026, 3, 16), dt.date(2026, 3, 30)]


def test_ten_oclock_is_ten_oclock_either_side_of_the_spring_clock_change() -> None:
    # The clocks go forward on Sunday 29 March 2026.
    before, after = local(dt.date(2026, 3, 24), dt.time(10)), local(dt.date(2026, 3, 31), dt.time(10))
    assert before.astimezone(UTC).hour == 10  # GMT
    assert after.astimezone(UTC).hour == 9  # BST
    assert after.astimezone(LONDON).hour == 10


def test_the_day_the_clocks_change_has_23_or_25_hours() -> None:
    start, end = day_bounds(dt.date(2026, 3, 29))
    assert end.astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(hours=23)
    start, end = day_bounds(dt.date(2026, 10, 25))
    assert end.astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(hours=25)


def test_subtract_takes_busy_time_out_of_free_time() -> None:
    day = dt.date(2026, 2, 2)
    free = [(local(day, dt.time(9)), local(day, dt.time(17)))]
    busy = [
        (local(day, dt.time(10)), local(day, dt.time(11))),
        (local(day, dt.time(16)), local(day, dt.time(18))),
    ]
    assert subtract(free, busy) == [
        (local(day, dt.time(9)), local(day, dt.time(10))),
        (local(day, dt.time(11)), local(day, dt.time(16))),
    ]


def test_slot_starts_fall_on_the_hour_and_half_hour() -> None:
    day = dt.date(2026, 2, 2)
    starts = starts_within(
        [(local(day, dt.time(9, 10)), local(day, dt.time(11)))],
        duration=dt.timedelta(minutes=60),
        step=dt.timedelta(minutes=30),
    )
    assert [s.astimezone(LONDON).time() for s in starts] == [dt.time(9, 30), dt.time(10)]


def test_format_range_reads_in_london_time() -> None:
    start = dt.datetime(2026, 7, 7, 9, 0, tzinfo=UTC)  # 10:00 BST
    assert format_range(start, start + dt.timedelta(hours=1)) == "Tuesday 7 July 2026, 10:00 to 11:00"
