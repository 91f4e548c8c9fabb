"""Recording a death from the patient's record (outside an ending): every contact stops, the
referrals end with the code that agrees with the diary, the banner says so, and anything new
(booking, re-opening, a new referral) is refused with a message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.patients.models import Patient
from stepcare.referrals import actions
from stepcare.referrals.models import Referral
from stepcare.scheduling import actions as diary
from stepcare.scheduling import notifications, tasks
from stepcare.scheduling.models import Appointment, Message
from stepcare.scheduling.selectors import due_reminders
from stepcare.scheduling.timeslots import local
from tests.factories.referrals import ReferralFactory
from tests.factories.scheduling import attend, next_weekday

pytestmark = pytest.mark.django_db
S = Referral.Status


def _d(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _accepted(service, *, received_days_ago: int = 60) -> Referral:
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    referral = ReferralFactory(
        team=service.team, received_on=timezone.localdate() - dt.timedelta(days=received_days_ago)
    )
    actions.screen(by=hit, referral=referral, notes="", acute_risk=False, secondary_care=False)
    actions.decide(by=hit, referral=referral, outcome="accept_3", reason="CBT.", rules_shown=[])
    actions.allocate(by=service.staff[Role.SERVICE_MANAGER], referral=referral, therapist=hit)
    referral.refresh_from_db()
    return referral


def _book_future(referral: Referral) -> Appointment:
    return diary.book_appointment(
        by=referral.allocated_to,
        participants=[diary.Participant(referral.patient, referral)],
        clinicians=[referral.allocated_to],
        app_type=Appointment.Type.TREATMENT,
        delivery_mode=Appointment.DeliveryMode.TELEPHONE,
        starts_at=local(next_weekday(2), dt.time(11)),
    )


def _death(client, patient: Patient, **data: str):
    values = {
        "date_of_death": _d(timezone.localdate() - dt.timedelta(days=1)),
        "source": "Family member or carer",
        "source_detail": "Her sister, by phone",
        "confirm": "on",
    }
    values.update(data)
    return client.post(reverse("patients:record_death", args=[patient.pk]), values)


@pytest.mark.parametrize("role", [Role.HIGH_INTENSITY_THERAPIST, Role.ADMINISTRATOR])
def test_a_death_recorded_from_the_record_stops_everything_and_shows_on_the_banner(
    service, client_for, role, django_capture_on_commit_callbacks
) -> None:
    referral = _accepted(service)
    future = _book_future(referral)
    client = client_for(role)
    record = client.get(reverse("patients:detail", args=[referral.patient_id])).content.decode()
    assert reverse("patients:record_death", args=[referral.patient_id]) in record

    with django_capture_on_commit_callbacks(execute=True):
        response = _death(client, referral.patient)

    assert response.status_code == 302
    patient = Patient.objects.get(pk=referral.patient_id)
    assert patient.date_of_death == timezone.localdate() - dt.timedelta(days=1)
    assert patient.death_source == "Family member or carer: Her sister, by phone"
    future.refresh_from_db()
    assert future.is_cancelled and future.cancelled_by == Appointment.CancelledBy.PROVIDER
    assert future.cancellation_reason == "service_other"
    assert not Message.objects.filter(kind=Message.Kind.CANCELLED).exists()
    referral.refresh_from_db()
    # Accepted and allocated, never assessed nor treated: "50 – Not assessed".
    assert referral.status == S.ENDED and referral.end_code == "50"
    assert referral.discharge_date == patient.date_of_death
    assert referral.allocated_to is None and patient.allocated_clinician is None
    assert not referral.allocations.filter(ended_at__isnull=True).exists()
    page = client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert 'data-testid="banner-deceased"' in page
    assert 'data-testid="record-death"' not in page
    event = AuditEvent.objects.filter(patient=patient, detail__date_of_death__isnull=False).get()
    assert event.detail["source"] == "Family member or carer: Her sister, by phone"
    assert event.detail["referrals_ended"] == [referral.reference]


def test_each_open_referral_ends_with_the_code_that_agrees_with_the_diary(service, client_for) -> None:
    treated = _accepted(service)
    attend(treated, on=timezone.localdate() - dt.timedelta(days=14))
    assessed = ReferralFactory(
        team=service.team,
        patient=treated.patient,
        received_on=timezone.localdate() - dt.timedelta(days=20),
    )
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    actions.record_assessment(
        by=hit, referral=assessed, assessment_date=timezone.localdate() - dt.timedelta(days=10)
    )
    response = _death(client_for(Role.HIGH_INTENSITY_THERAPIST), treated.patient)
    assert response.status_code == 302
    treated.refresh_from_db()
    assessed.refresh_from_db()
    assert (treated.status, treated.end_code) == (S.ENDED, "49")
    assert (assessed.status, assessed.end_code) == (S.ENDED, "17")


def test_a_reminder_is_not_sent_after_a_death_recorded_on_the_page(service, client_for) -> None:
    notifications.FakeNotifyAdapter.outbox.clear()
    referral = _accepted(service)
    future = _book_future(referral)
    queued = future.attendees.get()  # a reminder already queued for it
    assert due_reminders(now=future.starts_at - dt.timedelta(hours=2)).filter(pk=queued.pk).exists()
    assert _death(client_for(Role.ADMINISTRATOR), referral.patient).status_code == 302
    assert not due_reminders(now=future.starts_at - dt.timedelta(hours=2)).exists()
    assert tasks.send_appointment_message(queued.pk, Message.Kind.REMINDER) == 0
    assert notifications.FakeNotifyAdapter.outbox == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date_of_death": "__tomorrow__"}, "cannot be in the future"),
        ({"date_of_death": "01/01/1980"}, "cannot be before the date of birth"),
        ({"confirm": ""}, "Confirm that you have checked this is the right person"),
        ({"source": ""}, "Say where the information came from"),
        ({"source": "Other", "source_detail": ""}, "Say who told the service"),
    ],
)
def test_a_wrong_death_form_is_refused_with_a_message_and_changes_nothing(
    service, client_for, data, message
) -> None:
    referral = _accepted(service)
    if data.get("date_of_death") == "__tomorrow__":
        data = {"date_of_death": _d(timezone.localdate() + dt.timedelta(days=1))}
    response = _death(client_for(Role.HIGH_INTENSITY_THERAPIST), referral.patient, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Patient.objects.get(pk=referral.patient_id).date_of_death is None
    referral.refresh_from_db()
    assert referral.is_open


def test_a_death_dated_before_an_attended_appointment_is_refused_with_a_message(service, client_for) -> None:
    referral = _accepted(service)
    attend(referral, on=timezone.localdate() - dt.timedelta(days=2))
    response = _death(
        client_for(Role.HIGH_INTENSITY_THERAPIST),
        referral.patient,
        date_of_death=_d(timezone.localdate() - dt.timedelta(days=5)),
    )
    assert response.status_code == 400
    assert "after the date of death given" in response.content.decode()
    assert Patient.objects.get(pk=referral.patient_id).date_of_death is None


def test_after_a_death_booking_reopening_and_referring_are_refused_with_messages(service, client_for) -> None:
    referral = _accepted(service)
    client = client_for(Role.ADMINISTRATOR)
    assert _death(client, referral.patient).status_code == 302
    patient = Patient.objects.get(pk=referral.patient_id)
    appointments = Appointment.objects.count()

    # Book: the action refuses, and so does the page (never a server error).
    with pytest.raises(diary.BookingRefused, match="has died"):
        _book_future(ReferralFactory(team=service.team, patient=patient, status=S.ALLOCATED, step="3"))
    page = client.get(reverse("scheduling:book", args=[patient.pk])).content.decode()
    assert 'data-testid="booking-deceased"' in page and "nothing can be booked for them" in page
    booking = client.post(
        reverse("scheduling:book", args=[patient.pk]),
        {
            "referral": referral.pk,
            "clinician": service.staff[Role.HIGH_INTENSITY_THERAPIST].pk,
            "app_type": "02",
            "delivery_mode": "02",
            "duration": "60",
            "from_date": _d(next_weekday(0)),
            "repeat": "once",
            "occurrences": "1",
            "starts_at": local(next_weekday(1), dt.time(10)).isoformat(),
            "confirm": "yes",
        },
    )
    assert booking.status_code < 500 and Appointment.objects.count() == appointments
    assert "nothing can be booked for them" in booking.content.decode()

    # Re-open: a message on the page.
    reopened = client.post(reverse("referrals:reopen", args=[referral.pk]), {"reason": "Asked again."})
    assert reopened.status_code == 400 and "cannot be re-opened" in reopened.content.decode()

    # A new referral typed by staff for the same person: a message, the typed values kept.
    new = client.post(
        reverse("referrals:new"),
        {
            "team": service.team.pk,
            "source": "gp",
            "received_on": _d(timezone.localdate()),
            "urgency": "routine",
            "presenting_difficulties": "Typed by the desk.",
            "given_name": patient.given_name,
            "family_name": patient.family_name,
            "date_of_birth": _d(patient.date_of_birth),
            "nhs_number": patient.nhs_number,
            "preferred_contact": "phone",
            "preferred_language": "en",
            "phone_mobile": "07700 900123",
            "consent": "on",
        },
    )
    body = new.content.decode()
    assert new.status_code == 400 and "no referral can be opened for them" in body
    assert "Typed by the desk." in body
    assert Referral.objects.filter(patient=patient).count() == 2  # the two ended ones above

    # A referral waiting in the inbox cannot be linked to them either.
    waiting = ReferralFactory(
        team=service.team,
        patient=None,
        submitted_details={
            "given_name": patient.given_name,
            "family_name": patient.family_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
        },
    )
    linked = client.post(reverse("referrals:identity", args=[waiting.pk]), {"patient": patient.pk})
    assert linked.status_code == 400 and "no referral can be opened for them" in linked.content.decode()
    waiting.refresh_from_db()
    assert waiting.patient_id is None


def test_the_death_page_of_a_person_already_recorded_as_dead_says_so(service, client_for) -> None:
    referral = _accepted(service)
    client = client_for(Role.HIGH_INTENSITY_THERAPIST)
    _death(client, referral.patient)
    page = client.get(reverse("patients:record_death", args=[referral.patient_id])).content.decode()
    assert 'data-testid="death-recorded"' in page and "Her sister" in page
    again = _death(client, referral.patient)
    assert again.status_code == 400 and "already recorded" in again.content.decode()


def test_discharging_as_deceased_ends_the_persons_other_open_referral_too(service) -> None:
    referral = _accepted(service)
    attend(referral, on=timezone.localdate() - dt.timedelta(days=7))
    other = ReferralFactory(team=service.team, patient=referral.patient)
    actions.end_referral(
        by=service.staff[Role.HIGH_INTENSITY_THERAPIST],
        referral=referral,
        end_code="49",
        discharge_date=timezone.localdate() - dt.timedelta(days=1),
        summary="Died in hospital.",
    )
    referral.refresh_from_db()
    other.refresh_from_db()
    assert (referral.status, referral.end_code) == (S.ENDED, "49")
    assert (other.status, other.end_code) == (S.ENDED, "50")
    patient = Patient.objects.get(pk=referral.patient_id)
    assert patient.date_of_death == timezone.localdate() - dt.timedelta(days=1)
    assert referral.reference in patient.death_source
