"""Journey: after a session, the therapist enters PHQ-9 and GAD-7 by keyboard, sees the score
as they type, saves; the banner shows item 9 and the progress chart shows the scores. Their
supervisor then sees an off-track patient in the pack, records a supervision decision, and the
decision appears in that patient's record."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from stepcare.accounts.permissions import Role
from stepcare.outcomes.models import MeasureResponse
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.factories.accounts import MembershipFactory, TeamFactory, TOTPDeviceFactory, UserFactory
from tests.factories.outcomes import contact, gad7, phq9, scores
from tests.factories.patients import PatientFactory
from tests.factories.referrals import AllocatedReferralFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enter_scores_by_keyboard_see_them_scored_live_and_on_the_chart(page: Page, live_server) -> None:
    team = TeamFactory(name="North team")
    therapist = UserFactory(username="ben.therapist", first_name="Ben", last_name="Hughes")
    MembershipFactory(user=therapist, team=team, role=Role.HIGH_INTENSITY_THERAPIST)
    TOTPDeviceFactory(user=therapist)
    patient = PatientFactory(
        team=team, given_name="Marion", family_name="Ashdown", allocated_clinician=therapist
    )
    referral = AllocatedReferralFactory(patient=patient, allocated_to=therapist)
    first = contact(referral=referral, clinician=therapist, days_ago=8)
    scores(appointment=first, by=therapist, PHQ9=phq9(18), GAD7=gad7(14))
    today = contact(referral=referral, clinician=therapist, days_ago=1)
    base = live_server.url

    sign_in(page, base, "ben.therapist")
    page.goto(f"{base}/diary/appointment/{today.pk}/")
    page.get_by_test_id("measures-link").click()
    expect(page.get_by_test_id("due-measures")).to_contain_text("PHQ-9")

    box = page.get_by_label("PHQ-9", exact=False).first
    box.fill("")
    box.press_sequentially("111111112", delay=20)
    expect(page.get_by_test_id("live-total").first).to_contain_text("PHQ-9 total 10")
    expect(page.locator("#live-m_phq9")).to_contain_text("Item 9 answered 2")
    page.locator("#id_m_gad7").press_sequentially("1111111", delay=20)
    page.get_by_role("button", name="Save scores").click()
    expect(page.get_by_text("Recorded: PHQ-9 10, GAD-7 7")).to_be_visible()
    expect(page.get_by_test_id("banner-item9")).to_contain_text("Answered 2")
    expect(page.get_by_test_id("item9-prompt")).to_be_visible()
    assert MeasureResponse.objects.filter(appointment=today).count() == 2

    page.get_by_role("link", name="Progress chart and course status").click()
    chart = page.get_by_test_id("progress-chart")
    expect(chart).to_be_visible()
    values = page.locator('g[data-measure="PHQ-9"] circle.score').evaluate_all(
        "els => els.map(e => e.getAttribute('data-value'))"
    )
    assert values == ["18", "10"]
    expect(page.get_by_test_id("status-reliable-change")).to_contain_text("Reliable improvement")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "outcomes-progress.png"), full_page=True)

    # The supervisor's pack: a course stuck above its expected range, then a supervision decision.
    supervisor = UserFactory(username="amara.supervisor", first_name="Amara", last_name="Okafor")
    MembershipFactory(user=supervisor, team=team, role=Role.CLINICAL_SUPERVISOR)
    TOTPDeviceFactory(user=supervisor)
    stuck = AllocatedReferralFactory(
        patient=PatientFactory(team=team, given_name="Rhys", family_name="Calloway"), allocated_to=therapist
    )
    for n, total in enumerate((16, 16, 16, 17)):
        visit = contact(referral=stuck, clinician=therapist, days_ago=29 - 7 * n, hour=14)
        scores(appointment=visit, by=therapist, PHQ9=phq9(total), GAD7=gad7(10))
    page.context.clear_cookies()
    sign_in(page, base, "amara.supervisor")
    page.goto(f"{base}/outcomes/supervision/")
    page.get_by_role("link", name="Ben Hughes", exact=True).click()
    item = page.locator(f'[data-testid="pack-item"][data-referral="{stuck.pk}"]')
    expect(item).to_contain_text("Not on track (PHQ-9 above the expected range)")
    expect(item.get_by_test_id("progress-chart")).to_be_visible()
    page.get_by_test_id("record-supervision-link").click()
    case = page.locator(f'[data-testid="case"][data-case="c{stuck.pk}"]')
    expect(case).to_contain_text("CALLOWAY")
    case.get_by_label("Decision about", exact=False).fill("Revisit the formulation; review at session 6.")
    case.get_by_label("Action 1 agreed for", exact=False).fill("Plan review with the patient")
    case.get_by_label("Action 1 due by").fill(f"{dt.date.today() + dt.timedelta(days=7):%d/%m/%Y}")
    page.get_by_role("button", name="Save supervision record").click()
    expect(page.get_by_text("Supervision recorded")).to_be_visible()
    page.goto(f"{base}/records/patients/{stuck.patient.pk}/")
    expect(page.get_by_text("Decision: Revisit the formulation; review at session 6.")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "supervision-decision-in-record.png"), full_page=True)
