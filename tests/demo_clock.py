"""Build the demo at a fixed time of day, so that what it has already happened (attended today
or still to come) does not change with the hour the suite runs at.

The clock is stopped while the demo is built (no ticking): the same seed at the same time then
gives the same service, row for row."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

import time_machine
from django.core.management import call_command
from django.utils import timezone

HALF_PAST_EIGHT = dt.time(8, 30)
LONDON = zoneinfo.ZoneInfo("Europe/London")


def half_past_eight_today() -> dt.datetime:
    """08:30 (London) on today's date."""
    return dt.datetime.combine(timezone.localdate(), HALF_PAST_EIGHT, tzinfo=LONDON)


@contextmanager
def at_half_past_eight() -> Iterator[dt.datetime]:
    """The clock stopped at 08:30 today for the duration of the block."""
    morning = half_past_eight_today()
    with time_machine.travel(morning, tick=False):
        yield morning


def build_demo_at_half_past_eight(*args: str) -> str:
    """`stepcare demo ARGS` run at 08:30 today; what it printed."""
    out = io.StringIO()
    with at_half_past_eight():
        call_command("demo", *args, stdout=out)
    return out.getvalue()
