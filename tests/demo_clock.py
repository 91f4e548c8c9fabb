"""Build the demo at a fixed time of day, so that what it has already happened (attended today
or still to come) does not change with the hour the suite runs at."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import time_machine
from django.core.management import call_command
from django.utils import timezone


def build_demo_at_half_past_eight(*args: str) -> None:
    today = timezone.localdate()
    morning = dt.datetime.combine(today, dt.time(8, 30), tzinfo=zoneinfo.ZoneInfo("Europe/London"))
    with time_machine.travel(morning, tick=True):
        call_command("demo", *args, stdout=io.StringIO())
