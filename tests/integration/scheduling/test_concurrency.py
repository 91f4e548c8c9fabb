"""Fifty people booking the same slot at the same moment: exactly one succeeds.

Each attempt runs in its own thread with its own database connection, released together by a
barrier. On SQLite the write lock serialises the check and the insert; on PostgreSQL the
exclusion constraint refuses what a concurrent check could not see.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

import pytest
from django.db import OperationalError, connection

from stepcare.scheduling import actions
from stepcare.scheduling.models import Appointment, AppointmentClinician
from stepcare.scheduling.timeslots import local
from tests.factories.accounts import RoomFactory
from tests.factories.scheduling import clinician_in, next_weekday, participant

pytestmark = pytest.mark.django_db(transaction=True)
ATTEMPTS = 50


def _with_retry_while_locked(book: Callable[[], object]) -> None:
    """Try again while SQLite says the database is locked.

    The test database is SQLite's shared-cache in-memory database, which reports a lock at
    once where a database file (the embedded set-up) waits up to its busy timeout. Trying
    again is that wait, for up to a minute (counted in time, not in tries: on a machine busy
    with other work, fifty threads can each take many seconds to get their turn). PostgreSQL
    never needs it.
    """
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            book()
            return
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc):
                raise
            connection.close()
            time.sleep(0.005)
    raise AssertionError("The database stayed locked")


def test_fifty_simultaneous_bookings_of_one_slot_make_exactly_one_appointment(service) -> None:
    clinician = clinician_in(service.team)
    room = RoomFactory(capacity=2)
    people = [participant(team=service.team) for _ in range(ATTEMPTS)]
    starts_at = local(next_weekday(2), dt.time(11))
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(someone: actions.Participant) -> None:
        try:
            barrier.wait(timeout=30)
            _with_retry_while_locked(
                lambda: actions.book_appointment(
                    by=clinician,
                    participants=[someone],
                    clinicians=[clinician],
                    app_type=Appointment.Type.TREATMENT,
                    delivery_mode=Appointment.DeliveryMode.FACE_TO_FACE,
                    starts_at=starts_at,
                    room=room,
                )
            )
            outcome = "booked"
        except actions.SlotTaken as refusal:
            outcome = "refused" if str(refusal) else "refused without a message"
        except Exception as exc:  # anything else is a failure of the test
            outcome = f"error: {type(exc).__name__}: {exc}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(set(outcomes)) == ["booked", "refused"], outcomes
    assert outcomes.count("booked") == 1
    assert outcomes.count("refused") == ATTEMPTS - 1
    assert Appointment.objects.count() == 1
    assert AppointmentClinician.objects.filter(clinician=clinician, live=True).count() == 1
