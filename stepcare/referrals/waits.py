"""Waiting times: days waited, pauses and breach dates. Pure date arithmetic.

Two waits, never mixed up:

- the **national** wait (``national_wait``): days from the referral's received date to the
  first attended treatment appointment, *not* adjusted for pauses, exactly as NHS England
  publishes the 6- and 18-week measures (42 and 126 days);
- the **local**, pause-adjusted wait (``days_waited``, ``treat_by``): patient-initiated pauses
  (IDS108) stop the clock, so each paused day moves the breach dates on by a day. Shown
  separately and labelled local.

Pauses are clipped to the referral's dates when counted: a day before the referral was
received, or after the wait ended, is never a paused day. The wait between the first and
second attended treatment appointments (the "hidden wait") is flagged over 28 and over 90 days.
All dates are calendar dates in Europe/London, so a change of the clocks never adds or loses a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

SIX_WEEKS = 42
EIGHTEEN_WEEKS = 126
# NHS England tracks the first-to-second treatment wait over these numbers of days.
FIRST_TO_SECOND_FLAGS = (28, 90)


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


def clipped(pauses: Iterable[Pause], *, received: dt.date) -> list[Pause]:
    """The pauses with any part before the referral was received cut off (a pause wholly
    before it is dropped). ``paused_days`` cuts each off at its ``until`` date."""
    out = []
    for p in pauses:
        if p.end is not None and p.end <= received:
            continue
        out.append(Pause(max(p.start, received), p.end))
    return out


def days_waited(*, received: dt.date, today: dt.date, pauses: Iterable[Pause] = ()) -> int:
    """The local wait: days on the clock from receipt to ``today``, less paused days (each
    pause clipped to the referral's dates)."""
    return max(0, (today - received).days - paused_days(clipped(pauses, received=received), until=today))


def national_wait(*, received: dt.date, first_treatment: dt.date | None, today: dt.date) -> int:
    """The national wait: days from receipt to the first attended treatment appointment (or
    to ``today`` while still waiting), NOT adjusted for pauses, as published."""
    end = first_treatment or today
    return max(0, (end - received).days)


def local_wait(
    *, received: dt.date, first_treatment: dt.date | None, today: dt.date, pauses: Iterable[Pause] = ()
) -> int:
    """The local wait, adjusted for the person's pauses: shown separately from the national one."""
    return days_waited(received=received, today=first_treatment or today, pauses=pauses)


@dataclass(frozen=True)
class FirstToSecond:
    """The wait between the first and second attended treatment appointments."""

    days: int

    @property
    def over_28_days(self) -> bool:
        return self.days > FIRST_TO_SECOND_FLAGS[0]

    @property
    def over_90_days(self) -> bool:
        return self.days > FIRST_TO_SECOND_FLAGS[1]


def first_to_second(*, first: dt.date | None, second: dt.date | None) -> FirstToSecond | None:
    """Days from the first to the second attended treatment appointment, or None before the
    second one."""
    if first is None or second is None:
        return None
    return FirstToSecond((second - first).days)


def waiting_for_second(
    *, first: dt.date | None, second: dt.date | None, today: dt.date
) -> FirstToSecond | None:
    """Days since the first attended treatment appointment while the second has not happened
    yet (the "hidden wait" still running), flagged like the first-to-second wait."""
    if first is None or second is not None:
        return None
    return FirstToSecond(max(0, (today - first).days))


def treat_by(*, received: dt.date, days: int, pauses: Iterable[Pause] = (), today: dt.date) -> dt.date:
    """The last day on which a first treatment still meets the ``days`` standard.

    An open pause counts up to ``today``; if it goes on, the date moves on a day each day.
    """
    closed = [
        Pause(p.start, p.end if p.end is not None else max(today, p.start))
        for p in clipped(pauses, received=received)
    ]
    day = received + dt.timedelta(days=days)
    while days_waited(received=received, today=day + dt.timedelta(days=1), pauses=closed) <= days:
        day += dt.timedelta(days=1)
    return day


def wait_within(*, received: dt.date, first_treatment: dt.date, pauses: Iterable[Pause], days: int) -> bool:
    """Whether the first treatment came within ``days`` of receipt on the local,
    pause-adjusted clock (the national measure ignores pauses: use ``national_wait``)."""
    return days_waited(received=received, today=first_treatment, pauses=pauses) <= days
