"""Journey: from the diary a therapist opens today's session, writes the prefilled note, signs
it and adds an addendum; then writes a GP letter from a template and reads back its PDF."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from stepcare.accounts.permissions import Role
from stepcare.records.defaults import ensure_defaults
from stepcare.records.models import Consent, FormulationTemplate, Letter, LetterTemplate, SessionNote
from stepcare.scheduling.actions import Participant
from stepcare.scheduling.models import Appointment, Attendee
from stepcare.scheduling.timeslots import local
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.factories.accounts import MembershipFactory, TeamFactory, TOTPDeviceFactory, UserFactory
from tests.factories.patients import PatientFactory
from tests.factories.records import ConsentFactory, GPPracticeFactory
from tests.factories.referrals import AllocatedReferralFactory
from tests.factories.scheduling import book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"record-{name}.png"), full_page=True)


def test_write_sign_and_correct_a_session_note_from_the_diary_then_send_a_gp_letter(
    page: Page, live_server
) -> None:
    ensure_defaults(LetterTemplate, FormulationTemplate)  # an earlier browser test emptied the database
    team = TeamFactory(name="North team")
    therapist = UserFactory(username="ben.therapist", first_name="Ben", last_name="Hughes")
    MembershipFactory(user=therapist, team=team, role=Role.HIGH_INTENSITY_THERAPIST)
    TOTPDeviceFactory(user=therapist)
    GPPracticeFactory(ods_code="Y90001", name="Northbrook Medical Practice")
    patient = PatientFactory(
        team=team,
        given_name="Marion",
        family_name="Ashdown",
        allocated_clinician=therapist,
        gp_practice_code="Y90001",
    )
    referral = AllocatedReferralFactory(patient=patient, allocated_to=therapist)
    ConsentFactory(patient=patient, scope=Consent.Scope.SHARE_GP, recorded_by=therapist)
    starts = local(timezone.localdate(), dt.time(23, 0)) - dt.timedelta(hours=2)
    appointment = book(
        clinician=therapist,
        participants=[Participant(patient, referral)],
        starts_at=starts,
        mode=Appointment.DeliveryMode.TELEPHONE,
    )
    Attendee.objects.filter(appointment=appointment).update(attendance="5")
    base = live_server.url

    sign_in(page, base, "ben.therapist")
    page.goto(f"{base}/diary/")
    page.get_by_test_id("diary-note-link").first.click()
    expect(page.get_by_test_id("from-appointment")).to_be_visible()
    expect(page.get_by_label("Mode")).to_have_value("02")  # telephone, from the appointment
    expect(page.get_by_label("Attendance")).to_have_value("5")
    page.get_by_label("Agenda").fill("Review activity diary; plan graded exposure.")
    page.get_by_label("Interventions used").fill("Behavioural activation.")
    page.get_by_label("Risk check").fill("No thoughts of self-harm this week.")
    _shot(page, "1-note")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Session note saved as a draft")).to_be_visible()
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_test_id("document-status")).to_contain_text("Signed by Ben Hughes")
    expect(page.get_by_role("link", name="Edit draft")).to_have_count(0)
    page.get_by_label("Addendum").fill("Correction: the session was by video, not telephone.")
    page.get_by_role("button", name="Add addendum").click()
    expect(page.get_by_test_id("addendum")).to_contain_text("session was by video")
    _shot(page, "2-signed-with-addendum")
    note = SessionNote.objects.get(appointment=appointment)
    assert note.is_signed and note.agenda.startswith("Review activity diary")

    # A letter to the GP from the assessment template, edited, signed and sent, read as PDF.
    page.goto(f"{base}/records/patients/{patient.pk}/")
    page.get_by_role("link", name="New letter").click()
    page.get_by_label("Template").select_option(label="GP letter after assessment")
    page.get_by_role("button", name="Draft the letter").click()
    expect(page.get_by_text("Check and edit it before sending")).to_be_visible()
    body = page.get_by_label("Body")
    body.fill(body.input_value() + "\n\nMarion has agreed a plan of twelve CBT sessions.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_test_id("consent-state")).to_contain_text("agreed to share")
    page.get_by_role("button", name="Sign letter").click()
    expect(page.get_by_test_id("document-status")).to_contain_text("awaiting dispatch")
    expect(page.get_by_test_id("awaiting-dispatch")).to_be_visible()
    # Sent by secure email: only to an nhs.net address.
    page.get_by_label("By secure email (nhs.net)").check()
    page.get_by_label("Secure email address (nhs.net), if sent by email").fill("northbrook.practice@nhs.net")
    page.get_by_role("button", name="Record as sent").click()
    expect(page.get_by_test_id("document-status")).to_contain_text("sent")
    expect(page.get_by_test_id("dispatches")).to_contain_text("northbrook.practice@nhs.net")
    _shot(page, "3-letter-sent")
    letter = Letter.objects.get(patient=patient)
    response = page.request.get(f"{base}/records/letter/{letter.pk}/pdf/")
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "Marion Ashdown" in text and patient.formatted_nhs_number in text
    assert "Northbrook Medical Practice" in text and "twelve CBT sessions" in text
