"""Journey: the information-governance officer looks through a long audit trail: the newest
events counted up to the limit, a search for one patient, that patient's access log paged, and
a surname too common to search by (axe-core checks every page shown)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from stepcare.accounts.permissions import Role
from stepcare.audit import actions as audit_actions
from stepcare.audit.models import AuditEvent
from tests.browser.conftest import sign_in
from tests.factories.accounts import MembershipFactory, TeamFactory, TOTPDeviceFactory, UserFactory
from tests.factories.patients import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_ig_officer_searches_a_long_trail_and_pages_a_patients_access_log(
    page: Page, live_server, monkeypatch
) -> None:
    monkeypatch.setattr("stepcare.audit.search.AUDIT_COUNT_LIMIT", 100)
    monkeypatch.setattr("stepcare.audit.search.PATIENT_MATCH_LIMIT", 3)
    team = TeamFactory(name="North team")
    officer = UserFactory(username="ivy.officer", first_name="Ivy", last_name="Okafor")
    MembershipFactory(user=officer, team=team, role=Role.IG_OFFICER)
    TOTPDeviceFactory(user=officer)
    therapist = UserFactory(username="tom.therapist", first_name="Tom", last_name="Tate")
    MembershipFactory(user=therapist, team=team, role=Role.HIGH_INTENSITY_THERAPIST)
    looked_at = PatientFactory(team=team, given_name="Ada", family_name="Quayle")
    others = [PatientFactory(team=team, family_name="Smith") for _ in range(4)]
    for _ in range(60):
        audit_actions.record(by=therapist, action=AuditEvent.Action.VIEW, patient=looked_at)
        audit_actions.record_shown(by=therapist, patients=[looked_at, *others], page="referrals:inbox")

    # 1. The newest events, counted up to the limit, with a hint to narrow the search.
    sign_in(page, live_server.url, "ivy.officer")
    page.goto(f"{live_server.url}/audit/")
    expect(page.get_by_test_id("list-count")).to_contain_text("More than 100 events")
    expect(page.get_by_test_id("narrow-the-search")).to_be_visible()

    # 2. One patient by NHS number, then their access log, paged.
    page.get_by_label("Patient").fill(looked_at.nhs_number)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("list-count")).to_contain_text("More than 100 events match the search")
    page.get_by_role("link", name=re.compile(r"Quayle.*: who looked at this record", re.I)).first.click()
    expect(page.get_by_role("heading", name="Who has looked at this record")).to_be_visible()
    expect(page.get_by_test_id("list-count")).to_contain_text("events, newest first: 1 to 50 shown")
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_test_id("list-count")).to_contain_text("51 to 100 shown")

    # 3. A surname alone that names too many people: asked for more, nothing lost.
    page.goto(f"{live_server.url}/audit/")
    page.get_by_label("Patient").fill("Smith")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("“Smith” matches more than 3 people")).to_be_visible()
    expect(page.get_by_label("Patient")).to_have_value("Smith")
