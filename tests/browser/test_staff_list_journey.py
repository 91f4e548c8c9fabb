"""Journey: a service manager finds staff in a long list: pages on, searches by name, narrows
to a team, shows the switched-off accounts, and sends a wrong search (axe-core checks every
page shown)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from stepcare.accounts.permissions import Role
from tests.browser.conftest import sign_in
from tests.factories.accounts import MembershipFactory, TeamFactory, TOTPDeviceFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_pages_searches_filters_and_sees_switched_off_accounts(page: Page, live_server) -> None:
    north = TeamFactory(name="North team")
    south = TeamFactory(name="South team", service=north.service)
    manager = UserFactory(username="rachel.manager", first_name="Rachel", last_name="Moss")
    MembershipFactory(user=manager, team=north, role=Role.SERVICE_MANAGER)
    MembershipFactory(user=manager, team=south, role=Role.SERVICE_MANAGER)
    TOTPDeviceFactory(user=manager)
    for i in range(28):
        MembershipFactory(user=UserFactory(last_name=f"Northcote{i:02d}"), team=north, role=Role.PWP)
    MembershipFactory(user=UserFactory(first_name="Priya", last_name="Southall"), team=south)
    MembershipFactory(user=UserFactory(first_name="Len", last_name="Leaver", is_active=False), team=north)

    # 1. The first page of 25, and the next.
    sign_in(page, live_server.url, "rachel.manager")
    page.goto(f"{live_server.url}/account/staff/")
    expect(page.get_by_test_id("list-count")).to_have_text("30 members of staff: 1 to 25 shown")
    expect(page.get_by_test_id("switched-off-hint")).to_be_visible()
    page.get_by_role("link", name="Next page").click()
    expect(page.get_by_test_id("list-count")).to_have_text("30 members of staff: 26 to 30 shown")

    # 2. A search by part of a name.
    page.get_by_label("Name or username").fill("SOUTHA")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("list-count")).to_have_text("1 member of staff matching the filters")
    expect(page.get_by_test_id("staff-list")).to_contain_text("Priya Southall")

    # 3. One team, then the switched-off accounts too.
    page.get_by_role("link", name="Clear the filters").click()
    page.get_by_label("Team").select_option(label="South team")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("list-count")).to_have_text("2 members of staff matching the filters")
    page.get_by_role("link", name="Clear the filters").click()
    page.get_by_role("link", name="show switched-off accounts too").click()
    expect(page.get_by_label("Accounts")).to_have_value("all")
    expect(page.get_by_test_id("list-count")).to_have_text(
        "31 members of staff matching the filters: 1 to 25 shown"
    )
    expect(page.get_by_test_id("staff-list")).to_contain_text("Len Leaver")
    page.get_by_label("Accounts").select_option(label="Switched off")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("list-count")).to_have_text("1 member of staff matching the filters")
    expect(page.get_by_test_id("staff-list")).to_contain_text("Switched off")

    # 4. A wrong search is explained and the default list shown.
    page.goto(f"{live_server.url}/account/staff/?q={'x' * 101}&team=999")
    expect(page.get_by_test_id("filters-refused")).to_be_visible()
    expect(page.get_by_text("Choose one of your teams from the list.")).to_be_visible()
    expect(page.get_by_test_id("list-count")).to_have_text("30 members of staff: 1 to 25 shown")
