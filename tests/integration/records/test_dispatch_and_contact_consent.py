"""Letters are sent after signing (post, nhs.net email, by hand), recorded beside the signed
letter; contact-channel consent and the patient's contact flags agree, and reminders respect
a withdrawn channel; subject access includes messages and dispatch history."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.patients import actions as patient_actions
from stepcare.patients.models import Patient
from stepcare.records import actions, export, selectors
from stepcare.records.models import Consent, Letter, LetterDispatch, SignedDocumentIsImmutable
from stepcare.scheduling import notifications, tasks
from stepcare.scheduling.models import Message
from tests.factories.patients import PatientFactory
from tests.factories.records import ConsentFactory, LetterFactory
from tests.factories.scheduling import book, participant

R = Role
TODAY = timezone.localdate


@pytest.fixture
def hit(service):
    return service.staff[R.HIGH_INTENSITY_THERAPIST]


@pytest.fixture(autouse=True)
def outbox():
    notifications.FakeNotifyAdapter.outbox.clear()
    yield notifications.FakeNotifyAdapter.outbox
    notifications.FakeNotifyAdapter.outbox.clear()


def _signed_gp_letter(patient, hit) -> Letter:
    ConsentFactory(patient=patient, scope=Consent.Scope.SHARE_GP, recorded_by=hit)
    letter = LetterFactory(patient=patient, author=hit)
    return actions.sign_document(by=hit, document=letter, expected_version=letter.version)  # type: ignore[return-value]


# Dispatch ---------------------------------------------------------------------------------------


def test_a_signed_letter_awaits_dispatch_until_recorded_as_sent_and_the_signed_row_never_changes(
    client_for, patient, hit
) -> None:
    letter = _signed_gp_letter(patient, hit)
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    record = client.get(reverse("records:record", args=[patient.pk]) + "?kind=letter").content.decode()
    assert "Signed, awaiting dispatch" in record
    page = client.get(reverse("records:document", args=["letter", letter.pk])).content.decode()
    assert 'data-testid="awaiting-dispatch"' in page and "Record as sent" in page
    before = Letter.objects.filter(pk=letter.pk).values().get()
    response = client.post(
        reverse("records:dispatch", args=["letter", letter.pk]),
        {"route": "post", "dispatched_on": TODAY().isoformat(), "note": "Second class"},
    )
    assert response.status_code == 302
    assert Letter.objects.filter(pk=letter.pk).values().get() == before  # the signed letter is untouched
    sent = LetterDispatch.objects.get(letter=letter)
    assert sent.route == "post" and sent.dispatched_by == hit and sent.dispatched_on == TODAY()
    event = AuditEvent.objects.get(object_type="records.LetterDispatch", object_id=str(sent.pk))
    assert event.patient_id == patient.pk and event.detail["route"] == "post"
    record = client.get(reverse("records:record", args=[patient.pk]) + "?kind=letter").content.decode()
    assert f"Sent {TODAY():%d/%m/%Y}, by post (printed)" in record
    page = client.get(reverse("records:document", args=["letter", letter.pk])).content.decode()
    assert "By post (printed)" in page and "Second class" in page
    with pytest.raises(SignedDocumentIsImmutable):
        sent.save()
    with pytest.raises(SignedDocumentIsImmutable):
        sent.delete()


def test_the_three_states_draft_signed_and_sent(patient, hit) -> None:
    draft = LetterFactory(patient=patient, author=hit, recipient_kind="patient")
    assert selectors.letter_state(draft) == "Draft"
    letter = _signed_gp_letter(patient, hit)
    assert selectors.letter_state(letter) == "Signed, awaiting dispatch"
    actions.dispatch_letter(
        by=hit,
        letter=letter,
        route="secure_email",
        dispatched_on=TODAY(),
        email_address="northbrook.gp@NHS.net",
    )
    assert selectors.letter_state(letter).startswith("Sent")
    assert LetterDispatch.objects.get().email_address == "northbrook.gp@nhs.net"


def test_secure_email_only_to_an_nhs_net_address_shown_as_a_message(client_for, patient, hit) -> None:
    letter = _signed_gp_letter(patient, hit)
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    url = reverse("records:dispatch", args=["letter", letter.pk])
    refused = client.post(
        url, {"route": "secure_email", "email_address": "gp@gmail.com", "dispatched_on": TODAY().isoformat()}
    )
    assert refused.status_code == 400
    assert "Secure email goes only to an nhs.net address" in refused.content.decode()
    assert not LetterDispatch.objects.exists()
    assert AuditEvent.objects.filter(detail__page="dispatch refused", patient=patient).exists()
    assert client.post(url, {"dispatched_on": TODAY().isoformat()}).status_code == 400  # no route


def test_dispatch_refused_for_a_draft_a_future_date_and_a_hand_delivered_gp_letter(patient, hit) -> None:
    draft = LetterFactory(patient=patient, author=hit)
    with pytest.raises(actions.DispatchRefused, match="Sign the letter"):
        actions.dispatch_letter(by=hit, letter=draft, route="post", dispatched_on=TODAY())
    letter = _signed_gp_letter(patient, hit)
    with pytest.raises(actions.DispatchRefused, match="between the day"):
        actions.dispatch_letter(by=hit, letter=letter, route="post", dispatched_on=TODAY() + dt.timedelta(1))
    with pytest.raises(actions.DispatchRefused, match="Only a letter to the patient"):
        actions.dispatch_letter(by=hit, letter=letter, route="by_hand", dispatched_on=TODAY())
    to_patient = LetterFactory(patient=patient, author=hit, recipient_kind="patient", recipient_name="Ada")
    actions.sign_document(by=hit, document=to_patient, expected_version=to_patient.version)
    assert actions.dispatch_letter(by=hit, letter=to_patient, route="by_hand", dispatched_on=TODAY()).pk


def test_a_letter_whose_consent_was_withdrawn_after_signing_is_not_sent_without_a_legal_basis(
    patient, hit
) -> None:
    letter = _signed_gp_letter(patient, hit)
    consent = Consent.objects.get(patient=patient, scope=Consent.Scope.SHARE_GP)
    actions.withdraw_consent(by=hit, consent=consent, withdrawn_on=TODAY(), reason="Changed her mind")
    with pytest.raises(actions.ConsentMissing):
        actions.dispatch_letter(by=hit, letter=letter, route="post", dispatched_on=TODAY())
    assert not LetterDispatch.objects.exists()
    safeguarding = LetterFactory(patient=patient, author=hit)
    actions.sign_document(
        by=hit,
        document=safeguarding,
        expected_version=safeguarding.version,
        legal_basis="Safeguarding: child",
    )
    assert actions.dispatch_letter(by=hit, letter=safeguarding, route="post", dispatched_on=TODAY()).pk


def test_letters_signed_but_not_sent_are_listed_for_their_author_after_n_days(
    client_for, service, patient, hit, settings
) -> None:
    settings.RECORDS_UNSENT_LETTER_DAYS = 2
    waiting = _signed_gp_letter(patient, hit)
    sent = LetterFactory(patient=patient, author=hit)
    actions.sign_document(by=hit, document=sent, expected_version=sent.version)
    actions.dispatch_letter(by=hit, letter=sent, route="post", dispatched_on=TODAY())
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    assert 'data-testid="own-unsent-letters"' in (
        page := client.get(reverse("records:drafts")).content.decode()
    )
    assert f"records/letter/{waiting.pk}/" not in page  # not yet two days
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        found = selectors.unsent_letters(user=hit)
        assert found["own"] == [waiting]
        page = client_for(R.HIGH_INTENSITY_THERAPIST).get(reverse("records:drafts")).content.decode()
        assert f"/records/letter/{waiting.pk}/#dispatch" in page
        assert f"/records/letter/{sent.pk}/" not in page
        other = service.staff[R.PWP]
        assert selectors.unsent_letters(user=other)["own"] == []


# Contact channels: consent and flags ------------------------------------------------------------


def test_a_channel_consent_and_its_withdrawal_set_the_patients_contact_flag_in_the_same_transaction(
    patient, hit
) -> None:
    patient.may_email = False
    patient.save()
    version = Patient.objects.get(pk=patient.pk).version
    consent = actions.record_consent(
        by=hit, patient=patient, scope=Consent.Scope.CONTACT_EMAIL, given=True, decided_on=TODAY()
    )
    after = Patient.objects.get(pk=patient.pk)
    assert after.may_email is True and after.version == version + 1
    actions.withdraw_consent(by=hit, consent=consent, withdrawn_on=TODAY(), reason="")
    assert Patient.objects.get(pk=patient.pk).may_email is False
    actions.record_consent(
        by=hit, patient=patient, scope=Consent.Scope.CONTACT_POST, given=False, decided_on=TODAY()
    )
    assert Patient.objects.get(pk=patient.pk).may_post is False
    assert AuditEvent.objects.filter(object_type="patients.Patient", detail__fields=["may_post"]).exists()


def test_withdrawing_an_older_decision_leaves_the_flag_to_the_newer_one(patient, hit) -> None:
    old = actions.record_consent(
        by=hit,
        patient=patient,
        scope=Consent.Scope.CONTACT_TEXT,
        given=True,
        decided_on=TODAY() - dt.timedelta(days=5),
    )
    actions.record_consent(
        by=hit, patient=patient, scope=Consent.Scope.CONTACT_TEXT, given=True, decided_on=TODAY()
    )
    actions.withdraw_consent(by=hit, consent=old, withdrawn_on=TODAY(), reason="")
    assert Patient.objects.get(pk=patient.pk).may_text is True


def test_changing_a_contact_flag_on_the_patient_form_records_the_consent_decision(
    client_for, patient, hit
) -> None:
    current = Patient.objects.get(pk=patient.pk)
    patient_actions.update_patient(
        by=hit, patient=current, data={"may_text": False, "may_phone": True}, expected_version=current.version
    )
    decisions = list(Consent.objects.filter(patient=patient))
    assert [(c.scope, c.given, c.decided_on) for c in decisions] == [("contact_text", False, TODAY())]
    page = client_for(R.HIGH_INTENSITY_THERAPIST).get(reverse("records:consent", args=[patient.pk]))
    assert "Contact by text message" in page.content.decode()


def test_consent_then_withdrawal_then_no_reminder_by_that_channel(
    service, hit, outbox, django_capture_on_commit_callbacks
) -> None:
    patient = PatientFactory(team=service.team, may_text=False, may_email=False, email="a@example.com")
    consent = actions.record_consent(
        by=hit, patient=patient, scope=Consent.Scope.CONTACT_TEXT, given=True, decided_on=TODAY()
    )
    actions.record_consent(
        by=hit, patient=patient, scope=Consent.Scope.CONTACT_EMAIL, given=True, decided_on=TODAY()
    )
    patient.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(
            participants=[participant(patient)], starts_at=timezone.now() + dt.timedelta(days=3)
        )
    assert sorted(m.channel for m in outbox) == ["email", "sms"]  # the booking confirmation, both ways
    actions.withdraw_consent(by=hit, consent=consent, withdrawn_on=TODAY(), reason="Shares a phone")
    outbox.clear()
    with time_machine.travel(appointment.starts_at - dt.timedelta(hours=20)):
        assert tasks.send_due_reminders() == 1
    assert [m.channel for m in outbox] == ["email"]
    assert not Message.objects.filter(kind="reminder", channel="sms").exists()


def test_a_withdrawn_channel_is_not_used_even_if_the_flag_was_set_behind_the_records_back(
    service, hit, outbox, django_capture_on_commit_callbacks
) -> None:
    patient = PatientFactory(team=service.team, may_text=True, may_email=False)
    consent = actions.record_consent(
        by=hit, patient=patient, scope=Consent.Scope.CONTACT_TEXT, given=True, decided_on=TODAY()
    )
    actions.withdraw_consent(by=hit, consent=consent, withdrawn_on=TODAY(), reason="")
    Patient.objects.filter(pk=patient.pk).update(may_text=True)  # e.g. a console or an old import
    with django_capture_on_commit_callbacks(execute=True):
        book(participants=[participant(Patient.objects.get(pk=patient.pk))])
    assert outbox == [] and not Message.objects.exists()
    assert selectors.refused_message_channels(patient.pk) == {"sms"}


# Subject access ---------------------------------------------------------------------------------


def test_subject_access_holds_the_patients_messages_and_letter_dispatches_and_no_one_elses(
    client_for, service, hit, django_capture_on_commit_callbacks
) -> None:
    patient = PatientFactory(
        team=service.team, may_text=True, phone_mobile="07700900111", family_name="Quill"
    )
    other = PatientFactory(team=service.team, may_text=True, phone_mobile="07700900999", family_name="Zed")
    with django_capture_on_commit_callbacks(execute=True):
        book(participants=[participant(patient)])
        book(participants=[participant(other)])
    assert Message.objects.filter(patient=other).exists()
    letter = _signed_gp_letter(patient, hit)
    actions.dispatch_letter(
        by=hit, letter=letter, route="secure_email", dispatched_on=TODAY(), email_address="gp.y90001@nhs.net"
    )
    data = export.subject_access_data(patient)
    assert [m["to"] for m in data["messages"]] == ["07700900111"]
    assert data["messages"][0]["kind"] == "Appointment booked" and data["messages"][0]["text"]
    (sent,) = [d for d in data["documents"] if d["kind"] == "Letter"]
    assert sent["dispatches"][0]["how"] == "By secure email (nhs.net)"
    assert sent["dispatches"][0]["to_email"] == "gp.y90001@nhs.net"
    text = json.dumps(data, default=str)
    assert "07700900999" not in text and "Zed" not in text
    ig = client_for(R.IG_OFFICER)
    pdf = ig.get(reverse("records:subject_access", args=[patient.pk]))
    body = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Texts and emails sent to you" in body and "07700900111" in body
    assert "gp.y90001@nhs.net" in body and "07700900999" not in body
    as_json = json.loads(
        ig.get(reverse("records:subject_access", args=[patient.pk]) + "?format=json").content
    )
    assert len(as_json["messages"]) == 1


def test_a_signed_letters_page_runs_a_fixed_number_of_queries_whatever_its_dispatches(
    client_for, patient, hit, django_assert_num_queries
) -> None:
    letter = _signed_gp_letter(patient, hit)
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    url = reverse("records:document", args=["letter", letter.pk])
    client.get(url)
    with django_assert_num_queries(11) as one:  # the document page with its dispatch list
        client.get(url)
    for _ in range(3):
        actions.dispatch_letter(by=hit, letter=letter, route="post", dispatched_on=TODAY())
    with django_assert_num_queries(len(one.captured_queries)):
        assert "By post (printed)" in client.get(url).content.decode()
