"""Journey: a service manager opens the year's KPIs, drills from the recovery rate into the
referrals behind it, switches to a team, opens the equity view by deprivation decile and
downloads the tables as CSV (axe-core checks every page shown)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from stepcare.accounts.permissions import Role
from stepcare.referrals.models import Referral
from stepcare.reporting.models import PostcodeDeprivation
from stepcare.reporting.views import preset_period
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.factories.accounts import MembershipFactory, TeamFactory, TOTPDeviceFactory, UserFactory
from tests.factories.patients import PatientFactory
from tests.factories.referrals import ReferralFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"reporting-journey-{name}.png"), full_page=True)


def _finished(team, ended: dt.date, *, recovered: bool, family_name: str, postcode: str) -> Referral:
    received = ended - dt.timedelta(days=70)
    first = received + dt.timedelta(days=20)
    return ReferralFactory(
        team=team,
        patient=PatientFactory(team=team, family_name=family_name, postcode=postcode),
        received_on=received,
        status=Referral.Status.ENDED,
        end_code="46",
        discharge_date=ended,
        first_treatment_date=first,
        second_treatment_date=first + dt.timedelta(days=7),
        last_treatment_date=first + dt.timedelta(days=14),
        treatment_contact_count=3,
        outcome_paired=True,
        outcome_anxiety_measure="GAD-7",
        outcome_at_caseness=True,
        outcome_recovered=recovered,
    )


def test_a_manager_reads_the_year_drills_in_switches_team_and_downloads(page: Page, live_server) -> None:
    north = TeamFactory(name="North team")
    south = TeamFactory(name="South team", service=north.service)
    manager = UserFactory(username="rachel.manager", first_name="Rachel", last_name="Moss")
    MembershipFactory(user=manager, team=north, role=Role.SERVICE_MANAGER)
    MembershipFactory(user=manager, team=south, role=Role.SERVICE_MANAGER)
    TOTPDeviceFactory(user=manager)
    PostcodeDeprivation.objects.create(postcode="NB11AA", lsoa_code="E01990001", imd_decile=1)
    PostcodeDeprivation.objects.create(postcode="NB99ZZ", lsoa_code="E01990009", imd_decile=10)
    start, _end = preset_period("this_fy", timezone.localdate())
    ended = start + (timezone.localdate() - start) / 2
    for i in range(6):
        _finished(north, ended, recovered=i < 4, family_name=f"Northcote{i}", postcode="NB1 1AA")
    for i in range(6):
        _finished(south, ended, recovered=i < 1, family_name=f"Southwell{i}", postcode="NB9 9ZZ")
    recovered_south = Referral.objects.get(patient__family_name="Southwell0")

    # 1. The year, for the whole service: recovery 5 of 12 against the 50% target.
    sign_in(page, live_server.url, "rachel.manager")
    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("heading", name="Service KPIs")).to_be_visible()
    recovered = page.get_by_test_id("figure-recovered")
    expect(recovered).to_contain_text("12 finished courses minus those not at caseness")
    expect(recovered).to_contain_text("41.7%")
    expect(recovered).to_contain_text("50.0% (not met)")
    _shot(page, "1-year")

    # 2. Drill into the referrals behind the recovery rate.
    recovered.get_by_role("link", name="5 referrals: Recovered").click()
    expect(page.get_by_role("heading", name="Recovered: 5")).to_be_visible()
    expect(page.get_by_test_id("referrals")).to_contain_text(recovered_south.reference)
    expect(page.get_by_test_id("referrals")).to_contain_text("NORTHCOTE0")
    with page.expect_download() as listed:
        page.get_by_role("link", name="Download all 5 referrals: recovered (CSV)").click()
    rows = list(csv.reader(io.StringIO(listed.value.path().read_text(encoding="utf-8-sig"))))
    assert len(rows) == 6 and recovered_south.reference in {r[0] for r in rows}
    page.get_by_role("link", name="Back to the figures").click()

    # 3. Switch to the South team.
    page.get_by_label("Team").select_option(label="South team")
    page.get_by_role("button", name="Show figures").click()
    expect(page.get_by_text("South team").first).to_be_visible()
    expect(page.get_by_test_id("figure-recovered")).to_contain_text("16.7%")
    with page.expect_download() as figures:
        page.get_by_role("link", name="Download the figures (CSV)").click()
    rows = list(csv.reader(io.StringIO(figures.value.path().read_text(encoding="utf-8-sig"))))
    assert next(r for r in rows if r[0] == "Recovered")[:3] == ["Recovered", "1", "6"]
    _shot(page, "2-team")

    # 4. The equity view for that team, by deprivation decile, and its CSV.
    page.get_by_role("link", name="Outcomes and waits by ethnic category").click()
    page.get_by_label("Group by").select_option(
        label="Deprivation decile (from the postcode; 1 is the most deprived)"
    )
    page.get_by_role("button", name="Group").click()
    table = page.get_by_test_id("equity")
    expect(table).to_contain_text("10 (least deprived)")
    expect(table).not_to_contain_text("1 (most deprived)")  # North's patients are not in this team
    _shot(page, "3-equity")
    with page.expect_download() as by_decile:
        page.get_by_role("link", name="Download outcomes by deprivation decile (CSV)").click()
    rows = list(csv.reader(io.StringIO(by_decile.value.path().read_text(encoding="utf-8-sig"))))
    assert rows[0][0].startswith("Deprivation decile")
    assert rows[1][:2] == ["10 (least deprived)", "6"]
