"""Waiting times: days waited, pauses and the 6- and 18-week dates, in London dates."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import time_machine
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from stepcare.referrals.waits import EIGHTEEN_WEEKS, SIX_WEEKS, Pause, days_waited, paused_days, treat_by

D = dt.date
LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_days_waited_counts_calendar_days_from_receipt() -> None:
    assert days_waited(received=D(2025, 1, 1), today=D(2025, 1, 1)) == 0
    assert days_waited(received=D(2025, 1, 1), today=D(2025, 2, 12)) == 42


def test_a_pause_stops_the_clock_for_its_days() -> None:
    pauses = [Pause(D(2025, 1, 10), D(2025, 1, 17))]  # 7 days paused
    assert paused_days(pauses, until=D(2025, 2, 1)) == 7
    assert days_waited(received=D(2025, 1, 1), today=D(2025, 2, 1), pauses=pauses) == 31 - 7


def test_an_open_pause_counts_up_to_today() -> None:
    pauses = [Pause(D(2025, 1, 10), None)]
    assert days_waited(received=D(2025, 1, 1), today=D(2025, 1, 20), pauses=pauses) == 9


def test_overlapping_pauses_count_each_day_once() -> None:
    pauses = [Pause(D(2025, 1, 10), D(2025, 1, 15)), Pause(D(2025, 1, 12), D(2025, 1, 20))]
    assert paused_days(pauses, until=D(2025, 3, 1)) == 10


def test_the_six_and_eighteen_week_dates_are_42_and_126_days_from_receipt() -> None:
    received = D(2025, 1, 1)
    assert treat_by(received=received, days=SIX_WEEKS, today=received) == D(2025, 2, 12)
    assert treat_by(received=received, days=EIGHTEEN_WEEKS, today=received) == D(2025, 5, 7)
    # Treatment on the date meets the standard; the day after does not.
    assert days_waited(received=received, today=D(2025, 2, 12)) == SIX_WEEKS
    assert days_waited(received=received, today=D(2025, 2, 13)) == SIX_WEEKS + 1


def test_pauses_move_the_breach_dates_on_by_the_days_paused() -> None:
    received = D(2025, 1, 1)
    pauses = [Pause(D(2025, 1, 20), D(2025, 1, 30))]  # 10 days
    assert treat_by(received=received, days=SIX_WEEKS, pauses=pauses, today=D(2025, 2, 1)) == D(2025, 2, 22)
    # A pause that starts after the 6-week date leaves it alone but moves the 18-week date.
    late = [Pause(D(2025, 3, 1), D(2025, 3, 8))]
    assert treat_by(received=received, days=SIX_WEEKS, pauses=late, today=D(2025, 3, 10)) == D(2025, 2, 12)
    assert treat_by(received=received, days=EIGHTEEN_WEEKS, pauses=late, today=D(2025, 3, 10)) == D(
        2025, 5, 14
    )


def test_an_open_pause_moves_the_date_on_each_day_it_lasts() -> None:
    received = D(2025, 1, 1)
    pauses = [Pause(D(2025, 1, 10), None)]
    first = treat_by(received=received, days=SIX_WEEKS, pauses=pauses, today=D(2025, 1, 15))
    later = treat_by(received=received, days=SIX_WEEKS, pauses=pauses, today=D(2025, 1, 20))
    assert (later - first).days == 5


def test_waits_across_the_spring_clock_change_lose_no_day() -> None:
    # Clocks went forward at 01:00 GMT on 30 March 2025: that day has 23 hours.
    received = D(2025, 3, 28)
    with time_machine.travel(dt.datetime(2025, 4, 1, 0, 30, tzinfo=LONDON), tick=False):
        today = timezone.localdate()
    assert today == D(2025, 4, 1)  # 23:30 UTC on 31 March is already 1 April in London
    assert days_waited(received=received, today=today) == 4


def test_waits_across_the_autumn_clock_change_gain_no_day_and_pauses_still_count() -> None:
    # Clocks went back at 02:00 BST on 26 October 2025: that day has 25 hours.
    received = D(2025, 10, 20)
    pauses = [Pause(D(2025, 10, 25), D(2025, 10, 28))]  # 3 days, spanning the change
    with time_machine.travel(dt.datetime(2025, 10, 31, 23, 59, tzinfo=LONDON), tick=False):
        today = timezone.localdate()
    assert today == D(2025, 10, 31)
    assert days_waited(received=received, today=today, pauses=pauses) == 11 - 3
    assert treat_by(received=received, days=SIX_WEEKS, pauses=pauses, today=today) == D(2025, 12, 4)


def test_a_referral_late_on_a_summer_evening_is_received_on_the_london_date() -> None:
    # 23:30 UTC on 30 June is 00:30 BST on 1 July: the referral date is 1 July.
    with time_machine.travel(dt.datetime(2025, 6, 30, 23, 30, tzinfo=dt.UTC), tick=False):
        assert timezone.localdate() == D(2025, 7, 1)
    with time_machine.travel(dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        assert timezone.localdate() == D(2025, 12, 31)


@given(
    received=st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 1, 1)),
    wait=st.integers(min_value=0, max_value=400),
    pause_start=st.integers(min_value=0, max_value=400),
    pause_length=st.integers(min_value=0, max_value=100),
)
def test_paused_days_and_days_waited_add_up_to_the_calendar_days(
    received: dt.date, wait: int, pause_start: int, pause_length: int
) -> None:
    today = received + dt.timedelta(days=wait)
    start = received + dt.timedelta(days=min(pause_start, wait))
    pauses = [Pause(start, start + dt.timedelta(days=pause_length))]
    assert (
        days_waited(received=received, today=today, pauses=pauses) + paused_days(pauses, until=today) == wait
    )


@given(
    received=st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 1, 1)),
    pause_start=st.integers(min_value=0, max_value=200),
    pause_length=st.integers(min_value=0, max_value=60),
)
def test_treatment_on_the_six_week_date_meets_the_standard_and_the_day_after_does_not(
    received: dt.date, pause_start: int, pause_length: int
) -> None:
    start = received + dt.timedelta(days=pause_start)
    pauses = [Pause(start, start + dt.timedelta(days=pause_length))]
    today = received + dt.timedelta(days=300)
    last = treat_by(received=received, days=SIX_WEEKS, pauses=pauses, today=today)
    assert days_waited(received=received, today=last, pauses=pauses) == SIX_WEEKS
    assert days_waited(received=received, today=last + dt.timedelta(days=1), pauses=pauses) == SIX_WEEKS + 1
