"""Journey: a self-referral is submitted, appears in the inbox, is screened, accepted at step 3
with a problem descriptor, waits, is allocated, is signposted (with a letter) and is ended."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from stepcare.accounts.permissions import Role
from stepcare.referrals.models import Referral
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.factories.accounts import MembershipFactory, TeamFactory, TOTPDeviceFactory, UserFactory
from tests.factories.referrals import (
    AgencyFactory,
    IntakeTeamFactory,
    QualificationFactory,
    SuitabilityRuleFactory,
    TherapistProfileFactory,
)
from tests.factories.scheduling import attend

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"referral-journey-{name}.png"), full_page=True)


def test_self_referral_to_discharge_with_a_signposting_letter(page: Page, live_server, settings) -> None:
    settings.REFERRAL_FORM_MIN_SECONDS = 0
    team = TeamFactory(name="North team")
    IntakeTeamFactory(team=team)
    lead = UserFactory(username="amara.lead", first_name="Amara", last_name="Okafor")
    MembershipFactory(user=lead, team=team, role=Role.CLINICAL_SUPERVISOR)
    TOTPDeviceFactory(user=lead)
    therapist = UserFactory(username="nia.jones", first_name="Nia", last_name="Jones")
    MembershipFactory(user=therapist, team=team, role=Role.HIGH_INTENSITY_THERAPIST)
    TherapistProfileFactory(user=therapist, caseload_capacity=24)
    QualificationFactory(user=therapist, level="11")
    SuitabilityRuleFactory(
        name="PTSD and social anxiety go straight to step 3",
        codes=["F43.1", "F40.1"],
        source="NICE NG116, CG159",
    )
    AgencyFactory(
        name="Northbrook Housing Options", phone="0113 496 0101", description="Council housing advice."
    )

    # 1. The person refers themselves, with crisis help shown first.
    page.goto(f"{live_server.url}/refer/")
    expect(page.get_by_test_id("crisis-information")).to_contain_text("116 123")
    page.get_by_label("First name").fill("Imogen")
    page.get_by_label("Last name").fill("Thistlewood")
    page.get_by_label("Date of birth").fill("12/08/1992")
    page.get_by_label("Phone number").fill("07700 900321")
    page.get_by_label("Postcode").fill("NB1 2AB")
    page.get_by_label("What would you like help with?").fill(
        "Since a car crash last year I have nightmares and flashbacks and I avoid driving. "
        "I am also behind with my rent and worried about losing my flat."
    )
    page.get_by_label("No", exact=True).check()
    # Sent without agreeing: the error summary takes the focus, the title says so.
    page.get_by_role("button", name="Send my referral").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_test_id("error-summary")).to_be_focused()
    expect(page.get_by_test_id("error-summary")).to_contain_text("phone us on")
    page.get_by_label("I agree that the service may keep these details").check()
    _shot(page, "1-self-referral")
    page.get_by_role("button", name="Send my referral").click()
    expect(page.get_by_role("heading", name="Referral sent")).to_be_visible()
    reference = page.get_by_test_id("reference").inner_text()
    assert reference == Referral.objects.get().reference
    _shot(page, "2-thanks")

    # 2. It appears in the inbox.
    sign_in(page, live_server.url, "amara.lead")
    page.get_by_role("link", name="Referrals").first.click()
    expect(page.get_by_test_id("inbox")).to_contain_text(reference)
    _shot(page, "3-inbox")
    page.get_by_role("link", name="THISTLEWOOD, Imogen").click()
    expect(page.get_by_test_id("referral-status")).to_contain_text("New")

    # 3. Screened, with a problem descriptor.
    page.get_by_role("link", name="Screen").click()
    page.get_by_label("Screening notes").fill(
        "Telephone screen: trauma symptoms after a road traffic collision."
    )
    page.get_by_role("button", name="Save screening").click()
    expect(page.get_by_test_id("referral-status")).to_contain_text("Screened")
    page.get_by_role("link", name="Problem descriptor").click()
    page.get_by_label("Primary problem descriptor").select_option("F43.1")
    page.get_by_role("button", name="Save problem descriptor").click()
    expect(page.get_by_test_id("problem")).to_contain_text("Post-traumatic stress disorder")

    # 4. Accepted at step 3; the decision screen shows which rule applied and why.
    page.get_by_role("link", name="Decide suitability").click()
    rules = page.get_by_test_id("rules")
    expect(rules).to_contain_text("PTSD and social anxiety go straight to step 3")
    expect(rules).to_contain_text("Problem descriptor: F43.1")
    _shot(page, "4-decision")
    page.get_by_label("Accept at step 3 (high intensity)").check()
    page.get_by_label("Reason for the decision").fill("PTSD after a collision: trauma-focused CBT at step 3.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_test_id("referral-status")).to_contain_text("on the waiting list")

    # 5. Waits: on the step-3 waiting list with position, days and the 6- and 18-week dates.
    page.get_by_role("link", name="Waiting list").first.click()
    waiting = page.get_by_test_id("waiting-list")
    expect(waiting).to_contain_text("THISTLEWOOD, Imogen")
    expect(waiting).to_contain_text("North team, step 3")
    _shot(page, "5-waiting-list")
    waiting.get_by_role("link", name="THISTLEWOOD, Imogen").click()

    # 6. Allocated to a therapist, seeing caseload, capacity and qualification.
    page.get_by_role("link", name="Allocate").click()
    expect(page.get_by_test_id("therapists")).to_contain_text("CBT therapist")
    _shot(page, "6-allocate")
    page.get_by_label("Allocate to Nia Jones").check()
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_test_id("therapist")).to_contain_text("Nia Jones")

    # 7. Signposted for the housing worry; a letter is produced.
    page.get_by_role("link", name="Signpost or refer on").click()
    page.get_by_label("Search the directory").fill("housing")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Choose Northbrook Housing Options").check()
    page.get_by_label("Why", exact=True).fill(
        "Rent arrears are adding to the stress; housing advice can help."
    )
    page.get_by_role("button", name="Record and make the letter").click()
    letter = page.get_by_test_id("letter")
    expect(letter).to_contain_text("Dear Imogen Thistlewood")
    expect(letter).to_contain_text("Northbrook Housing Options")
    expect(letter).to_contain_text("0113 496 0101")
    _shot(page, "7-letter")
    page.get_by_role("link", name="Back to the referral").click()

    # 8. Treatment begins in the diary (the first attended treatment appointment), then the
    # referral is ended with a reason: once treatment began, only the 'taken on' reasons are offered.
    attend(Referral.objects.get())
    page.reload()
    expect(page.get_by_test_id("first-treatment")).not_to_contain_text("Not started")
    page.get_by_role("link", name="End the referral").click()
    offered = page.get_by_label("Ending reason").locator("option").all_inner_texts()
    assert "Signposted (11)" not in offered and "Mutually agreed completion of treatment (46)" in offered
    page.get_by_label("Ending reason").select_option(label="Mutually agreed completion of treatment (46)")
    page.get_by_label("Discharge summary").fill("Completed trauma-focused CBT.")
    page.get_by_role("button", name="End the referral").click()
    expect(page.get_by_test_id("referral-status")).to_contain_text("Ended")
    expect(page.get_by_test_id("ending")).to_contain_text(
        "Mutually agreed completion of treatment (ENDCODE 46)"
    )
    referral = Referral.objects.get()
    assert (referral.status, referral.end_code, referral.step) == ("ended", "46", "3")
