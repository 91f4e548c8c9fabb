"""The demo service's diary: a year of appointments that keep the diary's rules."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db.models import Count, Min

from stepcare.scheduling.models import Appointment, AppointmentClinician, Attendee, Group, Unavailability
from tests.demo_clock import build_demo_at_half_past_eight

pytestmark = pytest.mark.django_db


def _overlaps(rows: list[tuple[int, object, object]]) -> int:
    clashes, last = 0, {}
    for key, start, end in sorted(rows, key=lambda r: (r[0], r[1])):
        if key in last and start < last[key]:
            clashes += 1
        last[key] = max(end, last.get(key, end))
    return clashes


def test_demo_builds_a_year_of_appointments_with_no_double_booking() -> None:
    build_demo_at_half_past_eight("--patients", "200", "--seed", "5")
    appointments = Appointment.objects.all()
    assert appointments.count() > 300
    span = appointments.aggregate(first=Min("starts_at"))
    assert (appointments.order_by("-starts_at").first().starts_at - span["first"]).days > 200
    codes = Counter(Attendee.objects.exclude(attendance="").values_list("attendance", flat=True))
    assert codes["5"] > codes["3"] > 0 and codes["2"] > 0
    modes = Counter(appointments.values_list("delivery_mode", flat=True))
    assert {"01", "02", "11"} <= set(modes)
    assert Group.objects.annotate(n=Count("members")).get().n >= 4
    assert Unavailability.objects.filter(kind="leave").exists()
    live = AppointmentClinician.objects.filter(live=True).values_list("clinician_id", "starts_at", "ends_at")
    assert _overlaps(list(live)) == 0
    patients = Attendee.objects.filter(live=True).values_list("patient_id", "starts_at", "ends_at")
    assert _overlaps(list(patients)) == 0
    rooms = appointments.filter(status="booked", room__isnull=False).values_list(
        "room_id", "starts_at", "ends_at"
    )
    assert _overlaps(list(rooms)) == 0
