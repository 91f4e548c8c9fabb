"""Journey: a new member of staff signs in, enrols MFA, finds a patient and opens the record."""

from __future__ import annotations

import base64
import time

import pytest
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from stepcare.accounts.permissions import Role
from tests.factories.accounts import TEST_PASSWORD, MembershipFactory, UserFactory
from tests.factories.patients import PatientFactory, RiskFlagFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_therapist_enrols_mfa_finds_a_patient_and_sees_the_banner(page: Page, live_server) -> None:
    user = UserFactory(username="new.therapist", first_name="Nia", last_name="Jones")
    membership = MembershipFactory(user=user, role=Role.HIGH_INTENSITY_THERAPIST)
    patient = PatientFactory(
        team=membership.team,
        given_name="Marion",
        family_name="Ashdown",
        nhs_number="9434765919",
        allocated_clinician=user,
    )
    RiskFlagFactory(patient=patient, raised_by=user)

    page.goto(f"{live_server.url}/patients/")
    expect(page).to_have_url(f"{live_server.url}/account/sign-in/?next=/patients/")
    page.get_by_label("Username").fill("new.therapist")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # No authenticator yet: the enrolment page, with a QR code and the key to type.
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    secret = page.get_by_test_id("mfa-secret").inner_text().replace(" ", "")
    page.get_by_label("6-digit code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_text("That code is not right").first).to_be_visible()
    assert page.get_by_test_id("mfa-secret").inner_text().replace(" ", "") == secret
    time.sleep(1.5)  # a wrong code delays the next try by a second (django-otp throttling)
    code = totp(base64.b32decode(secret))
    page.get_by_label("6-digit code from your authenticator app").fill(f"{code:06d}")
    page.get_by_role("button", name="Confirm and continue").click()

    expect(page.get_by_role("heading", name="Find a patient")).to_be_visible()
    page.get_by_label("Name, NHS number, date of birth or phone").fill("ashdown")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="ASHDOWN, Marion").click()

    banner = page.get_by_test_id("patient-banner")
    expect(banner).to_contain_text("ASHDOWN, Marion")
    expect(banner).to_contain_text("943 476 5919")
    expect(banner).to_contain_text("Nia Jones")
    expect(page.get_by_test_id("banner-risk")).to_contain_text("Risk concerns recorded")
