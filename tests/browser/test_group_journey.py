"""Journey: a therapist of two teams starts an 8-week MBCT group for one of them (choosing the
team first), adds two members and takes the register for the first session."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from stepcare.accounts.permissions import Role
from stepcare.scheduling.models import Group
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.factories.accounts import (
    MembershipFactory,
    RoomFactory,
    SiteFactory,
    TeamFactory,
    TOTPDeviceFactory,
    UserFactory,
)
from tests.factories.patients import PatientFactory
from tests.factories.referrals import AllocatedReferralFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"group-{name}.png"), full_page=True)


def test_start_an_mbct_group_add_two_members_and_take_the_register(page: Page, live_server) -> None:
    team = TeamFactory(name="North team")
    therapist = UserFactory(username="ana.therapist", first_name="Ana", last_name="Okafor")
    MembershipFactory(user=therapist, team=team, role=Role.HIGH_INTENSITY_THERAPIST)
    south = TeamFactory(name="South team", service=team.service)
    MembershipFactory(user=therapist, team=south, role=Role.HIGH_INTENSITY_THERAPIST)
    MembershipFactory(
        user=UserFactory(first_name="Sunita", last_name="Southgate"),
        team=south,
        role=Role.HIGH_INTENSITY_THERAPIST,
    )
    TOTPDeviceFactory(user=therapist)
    RoomFactory(site=SiteFactory(service=team.service, name="Riverside"), name="Group room", capacity=16)
    marion = PatientFactory(team=team, given_name="Marion", family_name="Ashdown")
    kofi = PatientFactory(team=team, given_name="Kofi", family_name="Mensah")
    for patient in (marion, kofi):
        AllocatedReferralFactory(patient=patient)
    base = live_server.url
    tuesday = timezone.localdate() + dt.timedelta(days=(1 - timezone.localdate().weekday()) % 7 + 7)

    sign_in(page, base, "ana.therapist")
    page.get_by_role("link", name="Groups").first.click()
    page.get_by_role("link", name="Start a group").click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Choose the team the group is for.").first).to_be_visible()
    _shot(page, "0-team")
    page.get_by_label("North team").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("For North team")).to_be_visible()
    expect(page.get_by_label("Sunita Southgate")).to_have_count(0)
    page.get_by_label("Name").fill("MBCT Tuesday evenings")
    page.get_by_label("Kind of group").select_option(label="Mindfulness-based cognitive therapy (MBCT)")
    page.get_by_label("Places").fill("12")
    page.get_by_label("Ana Okafor").check()
    page.get_by_label("Room").select_option(label="Riverside: Group room")
    page.get_by_label("Date of the first session").fill(tuesday.strftime("%d/%m/%Y"))
    page.get_by_label("Start time").fill("17:30")
    page.get_by_label("Number of weekly sessions").fill("8")
    _shot(page, "1-new")
    page.get_by_role("button", name="Create group and book sessions").click()
    expect(page.get_by_text("MBCT Tuesday evenings created with 8 weekly sessions.")).to_be_visible()
    group = Group.objects.get()
    assert group.sessions.count() == 8

    for name in ("ASHDOWN, Marion", "MENSAH, Kofi"):
        page.get_by_role("link", name="Add a member").click()
        page.get_by_label("Find a patient").fill(name.split(",")[0].lower())
        page.get_by_role("button", name="Search").click()
        page.get_by_label("Patient", exact=True).select_option(
            label=next(
                o
                for o in page.get_by_label("Patient", exact=True).locator("option").all_inner_texts()
                if o.startswith(name)
            )
        )
        page.get_by_role("button", name="Add to group").click()
        expect(page.get_by_text(f"{name} added to MBCT Tuesday evenings.")).to_be_visible()
    expect(page.get_by_test_id("places")).to_contain_text("2 of 12 taken")
    expect(page.get_by_test_id("members")).to_contain_text("MENSAH, Kofi")

    first = group.sessions.order_by("starts_at").first()
    with time_machine.travel(first.starts_at + dt.timedelta(minutes=90)):
        sign_in(page, base, "ana.therapist")
        page.goto(f"{base}/diary/groups/{group.pk}/")
        page.get_by_role("link", name="Register for session 1").click()
        page.get_by_label("ASHDOWN, Marion").select_option(
            label="Attended on time, or before the clinician was ready"
        )
        page.get_by_label("MENSAH, Kofi").select_option(label="Did not attend, no advance warning")
        _shot(page, "2-register")
        page.get_by_role("button", name="Save the register").click()
        expect(page.get_by_text("Attendance recorded for 2 members.")).to_be_visible()
        register = page.get_by_test_id("register")
        expect(register.get_by_role("row", name="ASHDOWN, Marion")).to_contain_text("Attended on time")
        expect(register.get_by_role("row", name="MENSAH, Kofi")).to_contain_text("Did not attend")
        _shot(page, "3-group")

    codes = {a.patient_id: a.attendance for a in first.attendees.all()}
    assert codes == {marion.pk: "5", kofi.pk: "3"}
