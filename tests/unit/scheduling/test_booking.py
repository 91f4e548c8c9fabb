"""Booking, moving, cancelling: no clinician, patient or room is ever double-booked."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from stepcare.audit.models import AuditEvent
from stepcare.scheduling import actions
from stepcare.scheduling.models import Appointment, AppointmentClinician, Attendee
from stepcare.scheduling.timeslots import local
from tests.factories.accounts import RoomFactory
from tests.factories.scheduling import (
    AppointmentClinicianFactory,
    AppointmentFactory,
    AttendeeFactory,
    UnavailabilityFactory,
    book,
    clinician_in,
    next_weekday,
    participant,
)

pytestmark = pytest.mark.django_db
TUESDAY = next_weekday(1)


def at(hour: int, minute: int = 0, day: dt.date = TUESDAY) -> dt.datetime:
    return local(day, dt.time(hour, minute))


def test_booking_creates_an_audited_appointment_of_sixty_minutes(service, patient) -> None:
    clinician = service.staff[next(iter(service.staff))]
    appointment = book(clinician=clinician, patient=patient, starts_at=at(10))
    assert appointment.duration == dt.timedelta(minutes=60)
    assert appointment.team == patient.team
    assert appointment.attendees.get().patient == patient
    assert AuditEvent.objects.filter(patient=patient, action="create", object_id=str(appointment.pk)).exists()


def test_clinician_cannot_be_in_two_overlapping_appointments(service) -> None:
    clinician = clinician_in(service.team)
    book(clinician=clinician, starts_at=at(10))
    with pytest.raises(actions.SlotTaken, match=r"already has an appointment Tuesday .*, 10:00 to 11:00"):
        book(clinician=clinician, starts_at=at(10, 30))
    assert Appointment.objects.count() == 1


def test_back_to_back_appointments_are_allowed(service) -> None:
    clinician = clinician_in(service.team)
    book(clinician=clinician, starts_at=at(10))
    book(clinician=clinician, starts_at=at(11))
    assert Appointment.objects.count() == 2


def test_patient_cannot_be_in_two_overlapping_appointments(service, patient) -> None:
    someone = participant(patient)
    book(participants=[someone], starts_at=at(10))
    with pytest.raises(actions.SlotTaken, match=patient.display_name):
        book(participants=[someone], clinician=clinician_in(service.team), starts_at=at(10, 30))


def test_room_cannot_be_in_two_overlapping_appointments(service) -> None:
    room = RoomFactory()
    book(room=room, mode=Appointment.DeliveryMode.FACE_TO_FACE, starts_at=at(10))
    with pytest.raises(actions.SlotTaken, match="is already booked"):
        book(room=room, mode=Appointment.DeliveryMode.FACE_TO_FACE, starts_at=at(10, 30))


def test_face_to_face_needs_a_room_and_telephone_does_not(service) -> None:
    with pytest.raises(actions.BookingRefused, match="needs a room"):
        book(mode=Appointment.DeliveryMode.FACE_TO_FACE)
    assert book(mode=Appointment.DeliveryMode.TELEPHONE).room is None


def test_a_room_too_small_for_a_couple_is_refused(service) -> None:
    room = RoomFactory(capacity=2)
    with pytest.raises(actions.BookingRefused, match="holds 2 people"):
        book(
            participants=[participant(team=service.team), participant(team=service.team)],
            room=room,
            mode=Appointment.DeliveryMode.FACE_TO_FACE,
        )


def test_couples_appointment_has_two_patients(service) -> None:
    couple = [participant(team=service.team), participant(team=service.team)]
    appointment = book(participants=couple)
    assert appointment.kind == Appointment.Kind.COUPLE
    assert appointment.attendees.count() == 2


def test_booking_on_leave_is_refused(service) -> None:
    clinician = clinician_in(service.team)
    UnavailabilityFactory(clinician=clinician, starts_at=at(9), ends_at=at(17))
    with pytest.raises(actions.SlotTaken, match="is away then \\(annual leave"):
        book(clinician=clinician, starts_at=at(10))


def test_site_closed_is_refused(service) -> None:
    room = RoomFactory()
    with pytest.raises(actions.BookingRefused, match="closed at that time"):
        book(room=room, mode=Appointment.DeliveryMode.FACE_TO_FACE, starts_at=at(21))


def test_video_appointment_gets_a_joining_link(service) -> None:
    appointment = book(mode=Appointment.DeliveryMode.VIDEO)
    assert appointment.video_link.startswith("https://")


def test_cancelled_appointment_is_kept_with_who_and_why_and_frees_the_slot(service) -> None:
    clinician = clinician_in(service.team)
    first = book(clinician=clinician, starts_at=at(10))
    actions.cancel_appointment(
        by=clinician,
        appointment=first,
        cancelled_by="2",
        reason=Appointment.CancellationReason.PATIENT_UNWELL,
    )
    first.refresh_from_db()
    assert first.status == "cancelled" and first.cancelled_by == "2"
    assert first.attendees.get().attendance == Attendee.AttendOrDNA.CANCELLED_BY_PATIENT
    book(clinician=clinician, starts_at=at(10))  # the time is free again
    assert Appointment.objects.count() == 2


def test_cancellation_needs_a_known_reason(service) -> None:
    appointment = book()
    with pytest.raises(actions.BookingRefused, match="reason"):
        actions.cancel_appointment(
            by=appointment.created_by, appointment=appointment, cancelled_by="4", reason=""
        )


def test_moving_checks_the_new_time_but_not_against_itself(service) -> None:
    clinician = clinician_in(service.team)
    appointment = book(clinician=clinician, starts_at=at(10))
    book(clinician=clinician, starts_at=at(14))
    actions.move_appointment(by=clinician, appointment=appointment, starts_at=at(10, 30))
    with pytest.raises(actions.SlotTaken):
        actions.move_appointment(by=clinician, appointment=appointment, starts_at=at(13, 30))
    appointment.refresh_from_db()
    assert appointment.starts_at == at(10, 30)
    assert set(
        AppointmentClinician.objects.filter(appointment=appointment).values_list("starts_at", flat=True)
    ) == {at(10, 30)}


def test_rebooking_a_cancellation_copies_it_to_the_new_time_in_one_step(service) -> None:
    clinician = clinician_in(service.team)
    original = book(clinician=clinician, starts_at=at(10), mode=Appointment.DeliveryMode.VIDEO)
    actions.cancel_appointment(
        by=clinician,
        appointment=original,
        cancelled_by="4",
        reason=Appointment.CancellationReason.CLINICIAN_UNAVAILABLE,
    )
    new = actions.rebook(by=clinician, appointment=original, starts_at=at(15))
    assert new.rebooked_from == original
    assert new.app_type == original.app_type and new.delivery_mode == original.delivery_mode
    assert [a.patient_id for a in new.attendees.all()] == [a.patient_id for a in original.attendees.all()]
    assert new.clinicians == [clinician]


def test_a_booked_appointment_cannot_be_rebooked(service) -> None:
    appointment = book()
    with pytest.raises(actions.BookingRefused, match="Move this one instead"):
        actions.rebook(by=appointment.created_by, appointment=appointment, starts_at=at(15))


# The database's own refusals, bypassing the actions.


def test_database_refuses_a_cancellation_without_a_reason(service) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(status="cancelled", cancelled_by="2", cancellation_reason="")


def test_database_refuses_an_unknown_appointment_type(service) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(app_type="99")


def test_database_refuses_an_unknown_attendance_code(service) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendeeFactory(attendance="9")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL's")
def test_postgresql_refuses_overlapping_rows_for_one_clinician(service) -> None:
    row = AppointmentClinicianFactory()
    with pytest.raises(IntegrityError, match="appointment_clinician_no_overlap"), transaction.atomic():
        AppointmentClinicianFactory(
            clinician=row.clinician,
            appointment=AppointmentFactory(starts_at=row.starts_at + dt.timedelta(minutes=30)),
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL's")
def test_postgresql_refuses_overlapping_rows_for_one_patient_and_one_room(service) -> None:
    first = AttendeeFactory()
    with pytest.raises(IntegrityError, match="attendee_patient_no_overlap"), transaction.atomic():
        AttendeeFactory(
            patient=first.patient,
            referral=first.referral,
            appointment=AppointmentFactory(starts_at=first.starts_at),
        )
    room = RoomFactory()
    AppointmentFactory(room=room)
    with pytest.raises(IntegrityError, match="appointment_room_no_overlap"), transaction.atomic():
        AppointmentFactory(room=room)
