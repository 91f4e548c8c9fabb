"""Journey: a therapist searches a surname many patients share, is told more match than the
screen shows, narrows the search with a first name and opens the record (axe-core checks every
page shown)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from stepcare.accounts.permissions import Role
from tests.browser.conftest import sign_in
from tests.factories.accounts import MembershipFactory, TOTPDeviceFactory, UserFactory
from tests.factories.patients import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_common_surname_is_narrowed_with_a_first_name(page: Page, live_server, tmp_path) -> None:
    therapist = UserFactory(username="hit.therapist", first_name="Ola", last_name="Bright")
    membership = MembershipFactory(user=therapist, role=Role.HIGH_INTENSITY_THERAPIST)
    TOTPDeviceFactory(user=therapist)
    for i in range(24):
        PatientFactory(team=membership.team, family_name="Thomas", given_name=f"Alex{i:02d}")
    PatientFactory(team=membership.team, family_name="Thomas", given_name="Rhiannon")

    sign_in(page, live_server.url, "hit.therapist")
    page.goto(f"{live_server.url}/patients/")
    page.get_by_label("Name, NHS number, date of birth or phone").fill("thomas")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_test_id("search-results")
    expect(results).to_contain_text("The first 20 patients found: more match")
    expect(results.locator("tbody tr")).to_have_count(20)
    expect(page.get_by_role("link", name="THOMAS, Rhiannon")).to_have_count(0)  # beyond the screen
    page.screenshot(path=tmp_path / "search-more.png", full_page=True)

    page.get_by_label("Name, NHS number, date of birth or phone").fill("thomas rhiannon")
    page.get_by_role("button", name="Search").click()
    expect(results).to_contain_text("1 patient found")
    page.get_by_role("link", name="THOMAS, Rhiannon").click()
    expect(page.get_by_test_id("patient-banner")).to_contain_text("THOMAS, Rhiannon")
