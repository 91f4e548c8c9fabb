"""Journey: a receptionist finds a free slot and books a weekly series of 12, moves one
session; then the sessions happen: one attended, one missed; the missed one is rebooked."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from stepcare.accounts.permissions import Role
from stepcare.scheduling.models import Appointment
from stepcare.scheduling.timeslots import LONDON
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.factories.accounts import MembershipFactory, TeamFactory, TOTPDeviceFactory, UserFactory
from tests.factories.patients import PatientFactory
from tests.factories.referrals import AllocatedReferralFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"diary-{name}.png"), full_page=True)


def test_book_a_weekly_series_move_one_record_attendance_and_a_dna_then_rebook(
    page: Page, live_server
) -> None:
    team = TeamFactory(name="North team")
    receptionist = UserFactory(username="mo.reception", first_name="Mo", last_name="Rahman")
    MembershipFactory(user=receptionist, team=team, role=Role.ADMINISTRATOR)
    TOTPDeviceFactory(user=receptionist)
    therapist = UserFactory(username="ben.therapist", first_name="Ben", last_name="Hughes")
    MembershipFactory(user=therapist, team=team, role=Role.HIGH_INTENSITY_THERAPIST)
    patient = PatientFactory(
        team=team, given_name="Marion", family_name="Ashdown", allocated_clinician=therapist
    )
    AllocatedReferralFactory(patient=patient, allocated_to=therapist)
    base = live_server.url
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())

    sign_in(page, base, "mo.reception")
    page.goto(f"{base}/diary/patient/{patient.pk}/")
    expect(page.get_by_test_id("patient-banner")).to_contain_text("ASHDOWN, Marion")
    page.get_by_role("link", name="Book an appointment").click()

    # Find a free slot for a weekly series of 12 telephone sessions.
    page.get_by_label("Clinician").select_option(label="Ben Hughes")
    page.get_by_label("How it will be held").select_option(label="Telephone")
    page.get_by_label("Look from").fill(monday.strftime("%d/%m/%Y"))
    page.get_by_label("Tuesday").check()
    page.get_by_label("Every week").check()
    page.get_by_label("Number of sessions").fill("12")
    page.get_by_role("button", name="Find free times").click()
    slots = page.get_by_test_id("slots")
    expect(slots).to_contain_text("09:00")
    _shot(page, "1-free-slots")
    slots.get_by_role("button").first.click()
    summary = page.get_by_test_id("booking-summary")
    expect(summary).to_contain_text("ASHDOWN, Marion")
    expect(summary).to_contain_text("Telephone")
    expect(summary).to_contain_text("12 sessions in all")
    assert not Appointment.objects.exists()  # nothing is booked before it is confirmed
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("12 appointments booked, every week at 09:00")).to_be_visible()
    assert Appointment.objects.count() == 12
    first, second, third = Appointment.objects.order_by("starts_at")[:3]

    # Move the third session to the Wednesday afternoon of its week.
    page.goto(f"{base}/diary/appointment/{third.pk}/")
    page.get_by_role("link", name="Move").click()
    wednesday = third.starts_at.astimezone(LONDON).date() + dt.timedelta(days=1)
    page.get_by_label("New date").fill(wednesday.strftime("%d/%m/%Y"))
    page.get_by_label("New start time").fill("15:00")
    page.get_by_role("button", name="Move appointment").click()
    expect(page.get_by_text("Appointment moved")).to_be_visible()
    third.refresh_from_db()
    assert third.starts_at.astimezone(LONDON) == dt.datetime.combine(wednesday, dt.time(15), tzinfo=LONDON)

    # The therapist's week shows the session.
    page.goto(f"{base}/diary/clinician/{therapist.pk}/?date={first.starts_at.astimezone(LONDON).date()}")
    expect(
        page.get_by_test_id("diary").get_by_role("link", name="ASHDOWN, Marion", exact=True)
    ).to_be_visible()
    _shot(page, "2-week")

    # The first session happens: attended.
    with time_machine.travel(first.starts_at + dt.timedelta(minutes=50)):
        sign_in(page, base, "mo.reception")
        page.goto(f"{base}/diary/appointment/{first.pk}/")
        page.get_by_label("Attended on time, or before the clinician was ready").check()
        page.get_by_role("button", name="Record attendance").click()
        expect(page.get_by_text("Recorded for ASHDOWN, Marion: attended on time")).to_be_visible()

    # The second: missed. The policy suggests a follow-up; the receptionist adds it, then rebooks.
    with time_machine.travel(second.starts_at + dt.timedelta(minutes=20)):
        sign_in(page, base, "mo.reception")
        page.goto(f"{base}/diary/appointment/{second.pk}/")
        page.get_by_label("Did not attend, no advance warning").check()
        page.get_by_role("button", name="Record attendance").click()
        suggestion = page.get_by_test_id("dna-suggestion")
        expect(suggestion).to_contain_text("suggests contacting the patient")
        _shot(page, "3-dna")
        suggestion.get_by_role("button", name="Add follow-up task").click()
        expect(page.get_by_text("Follow-up task added")).to_be_visible()
        page.get_by_role("link", name="Rebook").click()
        page.get_by_test_id("slots").get_by_role("button").first.click()
        expect(page.get_by_text("Rebooked. The patient will be told.")).to_be_visible()
        _shot(page, "4-rebooked")

    rebooked = Appointment.objects.get(rebooked_from=second)
    assert rebooked.clinicians == [therapist]
    assert [a.patient for a in rebooked.attendees.all()] == [patient]
    assert first.attendees.get().attendance == "5" and second.attendees.get().attendance == "3"
