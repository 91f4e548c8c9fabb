"""Journey: a service manager of a service of many clinicians narrows the waiting list to one
therapist by typing their name (no list of every clinician to scroll), then types a name nobody
has and is told so (axe-core checks every page shown)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from stepcare.accounts.permissions import Role
from stepcare.referrals.forms.staff import CLINICIAN_CHOICES_MOST
from stepcare.referrals.models import Referral
from tests.browser.conftest import sign_in
from tests.factories.accounts import MembershipFactory, TeamFactory, TOTPDeviceFactory, UserFactory
from tests.factories.referrals import AllocatedReferralFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_finds_one_therapists_waiting_list_by_name(page: Page, live_server) -> None:
    team = TeamFactory(name="North team")
    manager = UserFactory(username="rachel.manager", first_name="Rachel", last_name="Moss")
    MembershipFactory(user=manager, team=team, role=Role.SERVICE_MANAGER)
    TOTPDeviceFactory(user=manager)
    therapists = [
        MembershipFactory(
            user=UserFactory(first_name="Hana", last_name=f"Therapist{i:02d}"),
            team=team,
            role=Role.HIGH_INTENSITY_THERAPIST,
        ).user
        for i in range(CLINICIAN_CHOICES_MOST)
    ]
    ben = MembershipFactory(
        user=UserFactory(first_name="Ben", last_name="Hughes"), team=team, role=Role.HIGH_INTENSITY_THERAPIST
    ).user
    AllocatedReferralFactory(
        patient__team=team, patient__given_name="Marion", patient__family_name="Ashdown", allocated_to=ben
    )
    AllocatedReferralFactory(
        patient__team=team,
        patient__given_name="Kofi",
        patient__family_name="Mensah",
        allocated_to=therapists[0],
    )
    assert Referral.objects.count() == 2

    sign_in(page, live_server.url, "rachel.manager")
    page.goto(f"{live_server.url}/referrals/waiting-list/")
    expect(page.get_by_test_id("list-count")).to_contain_text("2 ")
    therapist = page.get_by_label("Therapist")
    expect(therapist).to_have_attribute("type", "text")  # a name to type, not 41 options
    therapist.fill("ben hu")
    page.get_by_role("button", name="Show").click()
    rows = page.get_by_test_id("list-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ASHDOWN, Marion")

    page.get_by_label("Therapist").fill("zed")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("No clinician of these teams has a name starting “zed”.").first).to_be_visible()
    expect(page.get_by_test_id("list-row")).to_have_count(2)  # refused: the list unfiltered
