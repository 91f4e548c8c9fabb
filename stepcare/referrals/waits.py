"""Waiting times: days waited, pauses and breach dates. Pure date arithmetic.

The national clock runs from the referral's received date to the first attended treatment
appointment (42 days for the 6-week standard, 126 for 18 weeks). Patient-initiated pauses
(IDS108) stop the clock, so each paused day moves the breach dates on by a day. All dates are
calendar dates in Europe/London, so a change of the clocks never adds or loses a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

SIX_WEEKS = 42
EIGHTEEN_WEEKS = 126


@dataclass(frozen=True)
class Pause:
    start: dt.date
    end: dt.date | None  # None: still paused


def paused_days(pauses: Iterable[Pause], *, until: dt.date) -> int:
    """Days on which the clock was stopped, up to (not including) ``until``.

    A pause from the 3rd to the 5th stops the clock on the 3rd and 4th: the person is waiting
    again from the 5th. Overlapping pauses count each day once.
    """
    days: set[dt.date] = set()
    for p in pauses:
        end = min(p.end or until, until)
        day = p.start
        while day < end:
            days.add(day)
            day += dt.timedelta(days=1)
    return len(days)


def days_waited(*, received: dt.date, today: dt.date, pauses: Iterable[Pause] = ()) -> int:
    """Days on the clock from receipt to ``today``, less paused days."""
    return max(0, (today - received).days - paused_days(pauses, until=today))


def treat_by(*, received: dt.date, days: int, pauses: Iterable[Pause] = (), today: dt.date) -> dt.date:
    """The last day on which a first treatment still meets the ``days`` standard.

    An open pause counts up to ``today``; if it goes on, the date moves on a day each day.
    """
    closed = [Pause(p.start, p.end if p.end is not None else max(today, p.start)) for p in pauses]
    day = received + dt.timedelta(days=days)
    while days_waited(received=received, today=day + dt.timedelta(days=1), pauses=closed) <= days:
        day += dt.timedelta(days=1)
    return day


def wait_within(*, received: dt.date, first_treatment: dt.date, pauses: Iterable[Pause], days: int) -> bool:
    """Whether the first treatment came within ``days`` of receipt, pauses excluded."""
    return days_waited(received=received, today=first_treatment, pauses=pauses) <= days
