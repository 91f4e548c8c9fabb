"""A clinician's private iCalendar feed.

By default an event says only what kind of appointment it is, how it is held and where:
never a patient's name, initials, NHS number or anything else that identifies them. The
clinician may choose to show patients' initials.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from icalendar import Calendar, Event

from stepcare.scheduling.models import Appointment, CalendarFeed


def _summary(appointment: Appointment, *, show_initials: bool) -> str:
    if appointment.kind == Appointment.Kind.GROUP:
        title = "Group session"
    else:
        title = f"{appointment.get_app_type_display()} appointment"
    if show_initials and appointment.kind != Appointment.Kind.GROUP:
        initials = " & ".join(
            f"{a.patient.given_name[:1]}{a.patient.family_name[:1]}".upper()
            for a in appointment.attendees.all()
        )
        title = f"{title} ({initials})"
    mode = appointment.get_delivery_mode_display()
    return f"Cancelled: {title}" if appointment.is_cancelled else f"{title} – {mode}"


def build_calendar(*, feed: CalendarFeed, appointments: Iterable[Appointment], host: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Stepcare//Diary//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Stepcare diary")
    cal.add("x-wr-timezone", "Europe/London")
    stamp = timezone.now().astimezone(dt.UTC)
    for appointment in appointments:
        event = Event()
        event.add("uid", f"appointment-{appointment.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", appointment.starts_at.astimezone(dt.UTC))
        event.add("dtend", appointment.ends_at.astimezone(dt.UTC))
        event.add("summary", _summary(appointment, show_initials=feed.show_initials))
        if appointment.room is not None:
            event.add("location", f"{appointment.room.site.name}, {appointment.room.name}")
        event.add("status", "CANCELLED" if appointment.is_cancelled else "CONFIRMED")
        event.add("transp", "OPAQUE")
        cal.add_component(event)
    return bytes(cal.to_ical())
