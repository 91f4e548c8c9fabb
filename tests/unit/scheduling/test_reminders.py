"""Texts and emails: preferences honoured, nothing for cancelled appointments, all recorded."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from stepcare.scheduling import actions, notifications, tasks
from stepcare.scheduling.models import Appointment, Message
from tests.factories.patients import PatientFactory
from tests.factories.scheduling import book, participant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def outbox():
    notifications.FakeNotifyAdapter.outbox.clear()
    yield notifications.FakeNotifyAdapter.outbox
    notifications.FakeNotifyAdapter.outbox.clear()


def _book_for(patient, django_capture_on_commit_callbacks, **kwargs) -> Appointment:
    with django_capture_on_commit_callbacks(execute=True):
        return book(participants=[participant(patient)], **kwargs)


def test_booking_sends_a_text_when_the_patient_agreed_and_records_it_against_the_referral(
    service, django_capture_on_commit_callbacks, outbox
) -> None:
    patient = PatientFactory(team=service.team, may_text=True, may_email=False, email="a@example.com")
    appointment = _book_for(patient, django_capture_on_commit_callbacks)
    message = Message.objects.get()
    attendee = appointment.attendees.get()
    assert message.channel == "sms" and message.kind == "booked" and message.status == "sent"
    assert message.referral == attendee.referral and message.patient == patient
    assert [m.channel for m in outbox] == ["sms"]
    assert "you have an appointment on" in message.body
    assert patient.family_name not in message.body  # no more than is needed


def test_no_channel_the_patient_refused_is_used(service, django_capture_on_commit_callbacks, outbox) -> None:
    patient = PatientFactory(team=service.team, may_text=False, may_email=False, email="a@example.com")
    _book_for(patient, django_capture_on_commit_callbacks)
    assert outbox == [] and not Message.objects.exists()


def test_email_is_used_when_the_patient_agreed_to_email(
    service, django_capture_on_commit_callbacks, outbox
) -> None:
    patient = PatientFactory(team=service.team, may_text=False, may_email=True, email="a@example.com")
    _book_for(patient, django_capture_on_commit_callbacks)
    assert [(m.channel, m.to) for m in outbox] == [("email", "a@example.com")]


def test_video_appointment_messages_carry_the_joining_link(
    service, django_capture_on_commit_callbacks
) -> None:
    patient = PatientFactory(team=service.team)
    appointment = _book_for(patient, django_capture_on_commit_callbacks, mode=Appointment.DeliveryMode.VIDEO)
    assert appointment.video_link in Message.objects.get().body


def test_reminder_goes_once_the_day_before_and_never_twice(service, outbox) -> None:
    appointment = book(participants=[participant(team=service.team)])
    with time_machine.travel(appointment.starts_at - dt.timedelta(hours=30)):
        assert tasks.send_due_reminders() == 0
    with time_machine.travel(appointment.starts_at - dt.timedelta(hours=20)):
        assert tasks.send_due_reminders() == 1
        assert tasks.send_due_reminders() == 0
    assert Message.objects.filter(kind="reminder").count() == 1


def test_no_reminder_for_a_cancelled_appointment(service, outbox) -> None:
    appointment = book(participants=[participant(team=service.team)])
    attendee = appointment.attendees.get()
    actions.cancel_appointment(
        by=appointment.created_by, appointment=appointment, cancelled_by="2", reason="patient_unwell"
    )
    with time_machine.travel(appointment.starts_at - dt.timedelta(hours=20)):
        assert tasks.send_due_reminders() == 0
        # Even a reminder already queued before the cancellation is not sent.
        assert tasks.send_appointment_message(attendee.pk, "reminder") == 0
    assert not Message.objects.filter(kind="reminder").exists()
    assert outbox == []


def test_cancellation_sends_a_cancellation_message(service, django_capture_on_commit_callbacks) -> None:
    appointment = book(participants=[participant(team=service.team)])
    with django_capture_on_commit_callbacks(execute=True):
        actions.cancel_appointment(
            by=appointment.created_by,
            appointment=appointment,
            cancelled_by="4",
            reason="clinician_unavailable",
        )
    assert list(Message.objects.values_list("kind", flat=True)) == ["cancelled"]


def test_a_failed_send_is_recorded_and_does_not_undo_the_booking(
    service, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    def refuse(self, **kwargs):
        raise notifications.NotificationError("GOV.UK Notify is unavailable")

    monkeypatch.setattr(notifications.FakeNotifyAdapter, "send_sms", refuse)
    monkeypatch.setattr(tasks.send_appointment_message, "max_retries", 0)
    appointment = _book_for(PatientFactory(team=service.team), django_capture_on_commit_callbacks)
    assert Appointment.objects.filter(pk=appointment.pk).exists()
    assert Message.objects.filter(status="failed", error__contains="unavailable").exists()


def test_notify_adapter_signs_its_token_with_the_key_secret() -> None:
    key = (
        "stepcare_test-"
        + "11111111-2222-3333-4444-555555555555"
        + "-"
        + "66666666-7777-8888-9999-000000000000"
    )
    adapter = notifications.GovUkNotifyAdapter(api_key=key)
    assert adapter.service_id == "11111111-2222-3333-4444-555555555555"
    header, claims, signature = adapter.token(now=1_700_000_000).split(".")
    assert header and claims and len(signature) == 43
