"""Journeys through a working day.

A therapist's Monday: they land on their day, open a patient from the diary, record the
morning's attendance and book next week's session after checking the summary.

An administrator's morning: they filter the referral inbox to the urgent referrals, screen
one, book the assessment (checking the summary), and on the day record that the person came;
the referral then shows the assessment.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from stepcare.accounts.permissions import Role
from stepcare.referrals.models import Referral
from stepcare.scheduling import actions
from stepcare.scheduling.models import Appointment
from stepcare.scheduling.timeslots import LONDON, local
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.factories.accounts import MembershipFactory, TeamFactory, TOTPDeviceFactory, UserFactory
from tests.factories.patients import PatientFactory, RiskFlagFactory
from tests.factories.referrals import AllocatedReferralFactory, ReferralFactory
from tests.factories.scheduling import book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"day-{name}.png"), full_page=True)


def _next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


def test_a_therapists_monday_from_my_day_to_next_weeks_booking(page: Page, live_server) -> None:
    team = TeamFactory(name="North team")
    therapist = UserFactory(username="ben.therapist", first_name="Ben", last_name="Hughes")
    MembershipFactory(user=therapist, team=team, role=Role.HIGH_INTENSITY_THERAPIST)
    TOTPDeviceFactory(user=therapist)
    patient = PatientFactory(
        team=team, given_name="Marion", family_name="Ashdown", allocated_clinician=therapist
    )
    RiskFlagFactory(patient=patient, raised_by=therapist)
    referral = AllocatedReferralFactory(patient=patient, allocated_to=therapist)
    waiting = AllocatedReferralFactory(
        patient=PatientFactory(team=team, given_name="Kofi", family_name="Mensah"), allocated_to=therapist
    )
    monday = _next_monday()
    session = book(
        clinician=therapist,
        participants=[actions.Participant(patient, referral)],
        starts_at=local(monday, dt.time(10)),
    )
    base = live_server.url

    with time_machine.travel(local(monday, dt.time(8, 45)), tick=True):
        # Ben signs in and lands on his day.
        sign_in(page, base, "ben.therapist")
        expect(page.get_by_role("heading", name="My day")).to_be_visible()
        today = page.get_by_test_id("today")
        expect(today).to_contain_text("ASHDOWN, Marion")
        expect(today.get_by_test_id("my-day-risk")).to_be_visible()
        expect(page.get_by_test_id("not-seen")).to_contain_text("MENSAH, Kofi")
        expect(page.get_by_test_id("not-seen")).to_contain_text(waiting.reference)
        _shot(page, "1-my-day")

        # From the diary, one click opens Marion's record.
        page.get_by_role("link", name="Diary").first.click()
        page.get_by_test_id("diary").get_by_test_id("diary-patient-record").first.click()
        expect(page.get_by_role("heading", name="Patient details")).to_be_visible()
        expect(page.get_by_test_id("patient-banner")).to_contain_text("ASHDOWN, Marion")

        # The sub-navigation leads to her appointments; the 10:00 session is recorded at 08:45
        # (the session is today, so attendance can be recorded already).
        page.get_by_test_id("patient-nav").get_by_role("link", name="Appointments").click()
        page.get_by_test_id("upcoming").get_by_role("link").first.click()
        page.get_by_label("Attended on time, or before the clinician was ready").check()
        page.get_by_role("button", name="Record attendance").click()
        expect(page.get_by_text("Recorded for ASHDOWN, Marion: attended on time")).to_be_visible()
        _shot(page, "2-attended")

        # Next week's session, booked after checking who, when, where and how.
        page.get_by_test_id("patient-nav").get_by_role("link", name="Appointments").click()
        page.get_by_role("link", name="Book an appointment").click()
        page.get_by_label("Clinician").select_option(label="Ben Hughes")
        page.get_by_label("How it will be held").select_option(label="Telephone")
        page.get_by_label("Look from").fill((monday + dt.timedelta(days=7)).strftime("%d/%m/%Y"))
        page.get_by_label("Monday").check()
        page.get_by_role("button", name="Find free times").click()
        page.get_by_test_id("slots").get_by_role("button", name="10:00").first.click()
        summary = page.get_by_test_id("booking-summary")
        expect(summary).to_contain_text("ASHDOWN, Marion")
        expect(summary).to_contain_text(f"Monday {(monday + dt.timedelta(days=7)).day}")
        expect(summary).to_contain_text("10:00 to 11:00")
        expect(summary).to_contain_text("Telephone")
        _shot(page, "3-confirm")
        page.get_by_role("button", name="Confirm booking").click()
        expect(page.get_by_text("Appointment booked.")).to_be_visible()

    session.refresh_from_db()
    assert session.attendees.get().attendance == "5"
    booked = Appointment.objects.exclude(pk=session.pk).get()
    assert booked.starts_at.astimezone(LONDON) == local(monday + dt.timedelta(days=7), dt.time(10))
    assert booked.clinicians == [therapist]


def test_an_administrators_morning_from_the_inbox_to_an_attended_assessment(page: Page, live_server) -> None:
    team = TeamFactory(name="North team")
    admin = UserFactory(username="mo.reception", first_name="Mo", last_name="Rahman")
    MembershipFactory(user=admin, team=team, role=Role.ADMINISTRATOR)
    TOTPDeviceFactory(user=admin)
    therapist = UserFactory(username="nia.jones", first_name="Nia", last_name="Jones")
    MembershipFactory(user=therapist, team=team, role=Role.HIGH_INTENSITY_THERAPIST)
    today = timezone.localdate()
    for n in range(3):
        ReferralFactory(team=team, received_on=today - dt.timedelta(days=20 + n))
    urgent = ReferralFactory(
        team=team,
        urgency="urgent",
        source="gp",
        received_on=today - dt.timedelta(days=2),
        patient=PatientFactory(team=team, given_name="Imogen", family_name="Thistlewood"),
    )
    base = live_server.url

    # Mo lands on the inbox and narrows it to the urgent referrals.
    sign_in(page, base, "mo.reception")
    expect(page.get_by_role("heading", name="Referral inbox")).to_be_visible()
    expect(page.get_by_test_id("list-count")).to_contain_text("4 referrals to triage")
    page.get_by_label("Urgency").select_option(label="Urgent")
    page.get_by_role("button", name="Show").click()
    inbox = page.get_by_test_id("inbox")
    expect(page.get_by_test_id("list-count")).to_contain_text("1 referral to triage matching the filters")
    _shot(page, "4-inbox-filtered")
    inbox.get_by_role("link", name="THISTLEWOOD, Imogen").click()

    # Screened.
    page.get_by_role("link", name="Screen").click()
    page.get_by_label("Screening notes").fill(
        "Urgent GP referral: low mood after bereavement. No acute risk."
    )
    page.get_by_role("button", name="Save screening").click()
    expect(page.get_by_test_id("referral-status")).to_contain_text("Screened")

    # The assessment is booked for a day next week, after checking the summary.
    monday = _next_monday()
    page.get_by_role("link", name="Book an appointment").click()
    page.get_by_label("Clinician").select_option(label="Nia Jones")
    page.get_by_label("Appointment type").select_option(label="Assessment")
    page.get_by_label("How it will be held").select_option(label="Telephone")
    page.get_by_label("Look from").fill(monday.strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Find free times").click()
    page.get_by_test_id("slots").get_by_role("button").first.click()
    summary = page.get_by_test_id("booking-summary")
    expect(summary).to_contain_text("THISTLEWOOD, Imogen")
    expect(summary).to_contain_text("Assessment, 60 minutes")
    expect(summary).to_contain_text(urgent.reference)
    _shot(page, "5-confirm-assessment")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_text("Appointment booked.")).to_be_visible()
    assessment = Appointment.objects.get()
    assert assessment.app_type == Appointment.Type.ASSESSMENT

    # On the day, before it starts, Mo records that Imogen came.
    with time_machine.travel(local(assessment.starts_at.astimezone(LONDON).date(), dt.time(8)), tick=True):
        sign_in(page, base, "mo.reception")
        page.goto(f"{base}/diary/appointment/{assessment.pk}/")
        page.get_by_label("Attended on time, or before the clinician was ready").check()
        page.get_by_role("button", name="Record attendance").click()
        expect(page.get_by_text("Recorded for THISTLEWOOD, Imogen: attended on time")).to_be_visible()
        # The patient's pages link to each other; the referral is one click away.
        page.get_by_test_id("patient-nav").get_by_role("link", name="Referrals").click()
        expect(page.get_by_test_id("patient-referrals")).to_contain_text(urgent.reference)
        # The attended assessment is recorded on the referral.
        page.get_by_role("link", name=urgent.reference).click()
        expect(page.get_by_test_id("referral-status")).to_contain_text("Assessed")
        _shot(page, "6-attended")

    assert assessment.attendees.get().attendance == "5"
    urgent.refresh_from_db()
    assert urgent.status == Referral.Status.ASSESSED
    assert urgent.assessment_date == assessment.starts_at.astimezone(LONDON).date()
