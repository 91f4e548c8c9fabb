from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.scheduling import actions
from stepcare.scheduling.models import (
    Appointment,
    AppointmentClinician,
    Attendee,
    DnaPolicy,
    Group,
    OpeningHours,
    Unavailability,
    WorkingHours,
)
from stepcare.scheduling.timeslots import local
from tests.factories.accounts import MembershipFactory, RoomFactory, UserFactory
from tests.factories.patients import PatientFactory
from tests.factories.referrals import AllocatedReferralFactory


def clinician_in(team, role: Role = Role.HIGH_INTENSITY_THERAPIST, **kwargs):
    return MembershipFactory(team=team, role=role, **kwargs).user


def next_weekday(weekday: int, *, weeks_ahead: int = 1) -> dt.date:
    """A date ``weeks_ahead`` weeks from now falling on ``weekday`` (0 = Monday)."""
    today = timezone.localdate()
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


def participant(patient=None, *, team=None, **kwargs) -> actions.Participant:
    """A patient with an open referral, ready to book."""
    if patient is None:
        patient = PatientFactory(**({"team": team} if team is not None else {}), **kwargs)
    return actions.Participant(patient, AllocatedReferralFactory(patient=patient))


def book(
    *,
    by=None,
    clinician=None,
    patient=None,
    starts_at: dt.datetime | None = None,
    minutes: int = 60,
    room=None,
    mode: str = Appointment.DeliveryMode.TELEPHONE,
    app_type: str = Appointment.Type.TREATMENT,
    participants=None,
) -> Appointment:
    """Book through the real action (so every invariant holds)."""
    if participants is None:
        participants = [participant(patient)]
    team = participants[0].patient.team
    clinician = clinician or clinician_in(team)
    return actions.book_appointment(
        by=by or clinician,
        participants=participants,
        clinicians=[clinician],
        app_type=app_type,
        delivery_mode=mode,
        starts_at=starts_at or local(next_weekday(1), dt.time(10)),
        duration=dt.timedelta(minutes=minutes),
        room=room,
    )


def start_group(*, team, facilitator=None, capacity: int = 10, sessions: int = 8, first_date=None, **kwargs):
    """A face-to-face group with its weekly sessions booked, through the real action."""
    from tests.factories.accounts import SiteFactory

    facilitator = facilitator or clinician_in(team)
    return actions.start_group(
        by=facilitator,
        team=team,
        name=kwargs.pop("name", "MBCT Tuesday evenings"),
        kind=kwargs.pop("kind", Group.Kind.MBCT),
        capacity=capacity,
        facilitators=[facilitator],
        room=kwargs.pop("room", None) or RoomFactory(site=SiteFactory(service=team.service), capacity=40),
        delivery_mode=Appointment.DeliveryMode.FACE_TO_FACE,
        first_date=first_date or next_weekday(1),
        local_time=kwargs.pop("local_time", dt.time(17, 30)),
        sessions=sessions,
        duration=dt.timedelta(hours=2),
        **kwargs,
    )


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingHours

    clinician = factory.SubFactory(UserFactory)
    weekday = 0
    starts = dt.time(9)
    ends = dt.time(17)


class UnavailabilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unavailability

    clinician = factory.SubFactory(UserFactory)
    kind = Unavailability.Kind.ANNUAL_LEAVE
    starts_at = factory.LazyFunction(lambda: local(next_weekday(1), dt.time(9)))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=8))
    created_by = factory.SelfAttribute("clinician")


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    site = factory.SubFactory("tests.factories.accounts.SiteFactory")
    weekday = 0
    opens = dt.time(8)
    closes = dt.time(18)


class DnaPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DnaPolicy

    contact_after_each_dna = True
    review_for_discharge_after = 2


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"MBCT group {n}")
    kind = Group.Kind.MBCT
    capacity = 10
    room = factory.SubFactory(RoomFactory, capacity=14)
    created_by = factory.SubFactory(UserFactory)


# Rows made directly (bypassing the actions) are only for tests of the database's own refusals.
class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    team = factory.SubFactory("tests.factories.accounts.TeamFactory")
    app_type = Appointment.Type.TREATMENT
    delivery_mode = Appointment.DeliveryMode.TELEPHONE
    starts_at = factory.LazyFunction(lambda: local(next_weekday(1), dt.time(10)))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=1))
    created_by = factory.SubFactory(UserFactory)


class AppointmentClinicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentClinician

    appointment = factory.SubFactory(AppointmentFactory)
    clinician = factory.SubFactory(UserFactory)
    starts_at = factory.SelfAttribute("appointment.starts_at")
    ends_at = factory.SelfAttribute("appointment.ends_at")


class AttendeeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendee

    appointment = factory.SubFactory(AppointmentFactory)
    patient = factory.SubFactory(PatientFactory)
    referral = factory.SubFactory(AllocatedReferralFactory, patient=factory.SelfAttribute("..patient"))
    starts_at = factory.SelfAttribute("appointment.starts_at")
    ends_at = factory.SelfAttribute("appointment.ends_at")


def attend(
    referral,
    *,
    on: dt.date | None = None,
    hour: int = 10,
    clinician=None,
    app_type: str = Appointment.Type.TREATMENT,
    code: str = Attendee.AttendOrDNA.ATTENDED_ON_TIME,
) -> Attendee:
    """Book an appointment on ``referral`` on a past day (today by default, at ``hour``:00
    London time, taken as already begun) and record ``code`` through the real actions."""
    day = on or timezone.localdate()
    starts_at = local(day, dt.time(hour))
    if starts_at > timezone.now():
        # Earlier today, and still today just after midnight (the day is what the tests check).
        starts_at = max(timezone.now() - dt.timedelta(minutes=90 - hour), local(day, dt.time(0)))
    clinician = clinician or referral.allocated_to or clinician_in(referral.team)
    appointment = actions.book_appointment(
        by=clinician,
        participants=[actions.Participant(referral.patient, referral)],
        clinicians=[clinician],
        app_type=app_type,
        delivery_mode=Appointment.DeliveryMode.TELEPHONE,
        starts_at=starts_at,
        duration=dt.timedelta(minutes=50),
    )
    attendee = appointment.attendees.get()
    return actions.record_attendance(by=clinician, attendee=attendee, code=code)
