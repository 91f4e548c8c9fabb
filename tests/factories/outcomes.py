"""Outcome responses, recorded through the real actions so every score is the core's."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from stepcare.outcomes import actions
from stepcare.outcomes.models import OutcomeSettings
from stepcare.scheduling import actions as scheduling_actions
from stepcare.scheduling.models import Appointment
from stepcare.scheduling.timeslots import local


def contact(
    *,
    referral,
    clinician,
    days_ago: int,
    app_type: str = Appointment.Type.TREATMENT,
    attendance: str | None = "5",
    hour: int = 10,
) -> Appointment:
    """A past appointment for the referral's patient, with attendance recorded."""
    appointment = scheduling_actions.book_appointment(
        by=clinician,
        participants=[scheduling_actions.Participant(referral.patient, referral)],
        clinicians=[clinician],
        app_type=app_type,
        delivery_mode=Appointment.DeliveryMode.TELEPHONE,
        starts_at=local(timezone.localdate() - dt.timedelta(days=days_ago), dt.time(hour)),
        duration=dt.timedelta(minutes=60),
    )
    if attendance:
        scheduling_actions.record_attendance(
            by=clinician, attendee=appointment.attendees.get(), code=attendance
        )
    return appointment


def scores(*, appointment: Appointment, by, timepoint: str = "treatment", session_number=None, **entries):
    """Record questionnaires at a contact, e.g. ``scores(appointment=a, by=u, PHQ9=[...])``.

    Keyword names are measure codes without the hyphen (PHQ9, GAD7, SPIN, WSAS)."""
    attendee = appointment.attendees.select_related("patient", "referral").get()
    return actions.record_responses(
        by=by,
        patient=attendee.patient,
        referral=attendee.referral,
        appointment=appointment,
        entries=dict(entries.items()),
        timepoint=timepoint,
        session_number=session_number,
        completed_on=timezone.localtime(appointment.starts_at).date(),
    )


def phq9(total: int, item9: int = 0) -> list[int]:
    """PHQ-9 answers with the given total and item 9."""
    rest = total - item9
    answers = []
    for _ in range(8):
        take = min(3, rest)
        answers.append(take)
        rest -= take
    assert rest == 0, "total too high for item 9"
    return [*answers, item9]


def gad7(total: int) -> list[int]:
    answers = []
    rest = total
    for _ in range(7):
        take = min(3, rest)
        answers.append(take)
        rest -= take
    assert rest == 0
    return answers


class OutcomeSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutcomeSettings

    service = factory.SubFactory("tests.factories.accounts.ServiceFactory")
