"""The working day: where each role lands, a clinician's "My day", links between a patient's
pages, and navigation that never leads to a page the person cannot see."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.referrals.models import Referral
from stepcare.scheduling import actions
from stepcare.scheduling.timeslots import local
from tests.conftest import sign_in
from tests.factories.accounts import RoomFactory, SiteFactory
from tests.factories.patients import PatientFactory, RiskFlagFactory
from tests.factories.referrals import AllocatedReferralFactory, ReferralFactory
from tests.factories.scheduling import book, participant

R = Role


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (R.HIGH_INTENSITY_THERAPIST, "scheduling:my_day"),
        (R.TRAINEE_HIGH_INTENSITY_THERAPIST, "scheduling:my_day"),
        (R.PWP, "scheduling:my_day"),
        (R.CLINICAL_SUPERVISOR, "scheduling:my_day"),
        (R.EMPLOYMENT_ADVISER, "scheduling:my_day"),
        (R.ADMINISTRATOR, "referrals:inbox"),
        (R.SERVICE_MANAGER, "scheduling:team_diary"),
        (R.IG_OFFICER, "audit:search"),
    ],
)
def test_after_sign_in_each_role_lands_on_its_working_page(service, client_for, role, landing) -> None:
    response = client_for(role).get(reverse("home"), follow=True)
    assert response.status_code == 200
    assert response.resolver_match.view_name == landing


def test_a_service_managers_team_diary_links_to_the_waiting_list(service, client_for) -> None:
    body = client_for(R.SERVICE_MANAGER).get(reverse("home"), follow=True).content.decode()
    assert reverse("referrals:waiting_list") in body


def _today_at(hour: int) -> dt.datetime:
    return local(timezone.localdate(), dt.time(hour))


def _fill_my_day(service, clinician, first: int, n: int) -> None:
    today = timezone.localdate()
    sunday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=6)
    for i in range(first, first + n):
        patient = PatientFactory(team=service.team, allocated_clinician=clinician)
        RiskFlagFactory(patient=patient, raised_by=clinician)
        at = dt.timedelta(minutes=61 * i)
        book(clinician=clinician, participants=[participant(patient)], starts_at=_today_at(0) + at)
        if sunday > today:
            book(
                clinician=clinician,
                participants=[participant(team=service.team)],
                starts_at=local(sunday, dt.time(0)) + at,
            )
        AllocatedReferralFactory(patient=PatientFactory(team=service.team), allocated_to=clinician)
        ReferralFactory(
            team=service.team,
            allocated_to=clinician,
            status=Referral.Status.IN_TREATMENT,
            step="3",
            first_treatment_date=timezone.localdate() - dt.timedelta(days=3),
            received_on=timezone.localdate() - dt.timedelta(days=40),
        )


def test_my_day_shows_todays_sessions_the_people_not_yet_seen_and_open_referrals_with_links(
    service, client_for
) -> None:
    clinician = service.staff[R.HIGH_INTENSITY_THERAPIST]
    patient = PatientFactory(team=service.team, family_name="Ravensworth", allocated_clinician=clinician)
    RiskFlagFactory(patient=patient, raised_by=clinician)
    appointment = book(clinician=clinician, participants=[participant(patient)], starts_at=_today_at(23))
    waiting = AllocatedReferralFactory(
        patient=PatientFactory(team=service.team, family_name="Tillingham"), allocated_to=clinician
    )
    treating = ReferralFactory(
        team=service.team,
        patient=PatientFactory(team=service.team, family_name="Oakhampton"),
        allocated_to=clinician,
        status=Referral.Status.IN_TREATMENT,
        step="3",
        first_treatment_date=timezone.localdate(),
        received_on=timezone.localdate() - dt.timedelta(days=30),
        acute_risk_identified=True,
    )
    someone_elses = AllocatedReferralFactory(patient=PatientFactory(team=service.team, family_name="Quenby"))

    body = client_for(R.HIGH_INTENSITY_THERAPIST).get(reverse("scheduling:my_day")).content.decode()

    assert "RAVENSWORTH" in body and "Risk concerns" in body
    assert reverse("patients:detail", args=[patient.pk]) in body
    assert reverse("scheduling:appointment", args=[appointment.pk]) in body
    assert "TILLINGHAM" in body and reverse("referrals:detail", args=[waiting.pk]) in body
    assert "OAKHAMPTON" in body and reverse("referrals:detail", args=[treating.pk]) in body
    assert "Acute risk noted at screening" in body
    assert "QUENBY" not in body and reverse("referrals:detail", args=[someone_elses.pk]) not in body
    event = AuditEvent.objects.filter(detail__page="my_day").get()
    assert set(event.detail["patients"]) == {patient.pk, waiting.patient_id, treating.patient_id}
    # Named as a list page names them, so the read is in each patient's access log.
    assert set(event.shown.values_list("patient_id", flat=True)) == set(event.detail["patients"])


def test_my_days_referral_lists_show_the_longest_waiting_with_the_count_and_the_way_to_the_rest(
    service, client_for
) -> None:
    from stepcare.scheduling.selectors import MY_DAY_LIMIT

    clinician = service.staff[R.HIGH_INTENSITY_THERAPIST]
    today = timezone.localdate()
    for n in range(MY_DAY_LIMIT + 3):
        ReferralFactory(
            team=service.team,
            allocated_to=clinician,
            status=Referral.Status.IN_TREATMENT,
            step="3",
            first_treatment_date=today - dt.timedelta(days=3),
            received_on=today - dt.timedelta(days=200 - n),
        )
    body = client_for(R.HIGH_INTENSITY_THERAPIST).get(reverse("scheduling:my_day")).content.decode()
    total = MY_DAY_LIMIT + 3
    assert f"The {MY_DAY_LIMIT} longest waiting of {total}" in body
    oldest = Referral.objects.filter(allocated_to=clinician).order_by("received_on").first()
    newest = Referral.objects.filter(allocated_to=clinician).order_by("-received_on").first()
    assert reverse("referrals:detail", args=[oldest.pk]) in body
    assert reverse("referrals:detail", args=[newest.pk]) not in body
    assert f"All {total} in my caseload" in body and reverse("outcomes:caseload") in body


def test_an_empty_day_says_so_in_sentences(service, client_for) -> None:
    body = client_for(R.PWP).get(reverse("scheduling:my_day")).content.decode()
    assert "No sessions booked for you today." in body
    assert "Nobody is allocated to you and waiting for a first session." in body
    assert "<table" not in body


def test_my_day_query_count_is_pinned_and_does_not_grow(
    service, client_for, django_assert_num_queries
) -> None:
    clinician = service.staff[R.HIGH_INTENSITY_THERAPIST]
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    _fill_my_day(service, clinician, 0, 1)
    # sign-in 4, sessions 3 (the appointments, their clinicians, their attendees with whether each
    # patient has risk concerns), two referral lists 3 each, audit 4 (the event and the patients
    # it names, each found in their access log)
    expected = 15
    with django_assert_num_queries(expected):
        assert client.get(reverse("scheduling:my_day")).status_code == 200
    _fill_my_day(service, clinician, 1, 6)
    with django_assert_num_queries(expected):
        body = client.get(reverse("scheduling:my_day")).content.decode()
    assert body.count('data-testid="my-day-session"') >= 7


def test_every_patient_page_links_to_the_record_appointments_and_referrals(service, client_for) -> None:
    patient = PatientFactory(team=service.team)
    referral = AllocatedReferralFactory(patient=patient)
    appointment = book(participants=[actions.Participant(patient, referral)])
    client = client_for(R.ADMINISTRATOR)
    pages = [
        reverse("patients:detail", args=[patient.pk]),
        reverse("scheduling:patient_appointments", args=[patient.pk]),
        reverse("referrals:patient_referrals", args=[patient.pk]),
        reverse("referrals:detail", args=[referral.pk]),
        reverse("scheduling:appointment", args=[appointment.pk]),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        nav = body[body.index('data-testid="patient-nav"') :]
        for name in ("patients:detail", "scheduling:patient_appointments", "referrals:patient_referrals"):
            assert reverse(name, args=[patient.pk]) in nav, (url, name)


def test_a_diary_card_reaches_the_patients_record_in_one_click(service, client_for) -> None:
    clinician = service.staff[R.HIGH_INTENSITY_THERAPIST]
    patient = PatientFactory(team=service.team)
    appointment = book(clinician=clinician, participants=[participant(patient)])
    day = appointment.starts_at.date().isoformat()
    body = (
        client_for(R.HIGH_INTENSITY_THERAPIST)
        .get(reverse("scheduling:my_week"), {"date": day})
        .content.decode()
    )
    assert (
        f'href="{reverse("patients:detail", args=[patient.pk])}" data-testid="diary-patient-record"' in body
    )


def test_the_patient_referrals_page_lists_the_patients_referrals(service, client_for) -> None:
    patient = PatientFactory(team=service.team)
    referral = ReferralFactory(team=service.team, patient=patient)
    body = client_for(R.PWP).get(reverse("referrals:patient_referrals", args=[patient.pk])).content.decode()
    assert referral.reference in body


class _NavLinks(HTMLParser):
    """The links inside every <nav> of a page (header and sub-navigation)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "nav":
            self.depth += 1
        elif tag == "a" and self.depth:
            href = dict(attrs).get("href") or ""
            if href.startswith("/"):
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self.depth -= 1


def _nav_links(body: str) -> list[str]:
    parser = _NavLinks()
    parser.feed(body)
    return parser.links


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_navigation_link_leads_to_a_page_the_person_can_see(service, role) -> None:
    patient = PatientFactory(team=service.team)
    referral = AllocatedReferralFactory(patient=patient)
    appointment = book(participants=[actions.Participant(patient, referral)])
    RoomFactory(site=SiteFactory(service=service.team.service))
    client = sign_in(Client(), service.staff[role])
    start = [
        reverse("home"),
        reverse("patients:detail", args=[patient.pk]),
        reverse("referrals:detail", args=[referral.pk]),
        reverse("scheduling:appointment", args=[appointment.pk]),
        reverse("scheduling:patient_appointments", args=[patient.pk]),
        reverse("patients:access_log", args=[patient.pk]),
    ]
    seen: set[str] = set()
    to_visit: list[str] = []
    for url in start:
        response = client.get(url, follow=True)
        if response.status_code != 200:
            continue  # not this role's page: only the links of pages it can open are walked
        to_visit += _nav_links(response.content.decode())
    walked = 0
    while to_visit and walked < 60:
        url = to_visit.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, (role, url, response.status_code)
        walked += 1
        to_visit += [u for u in _nav_links(response.content.decode()) if u not in seen]
    assert walked >= 1


def test_the_patient_referrals_page_query_count_is_pinned_and_does_not_grow(
    service, client_for, django_assert_num_queries
) -> None:
    patient = PatientFactory(team=service.team)
    ReferralFactory(team=service.team, patient=patient)
    client = client_for(R.PWP)
    url = reverse("referrals:patient_referrals", args=[patient.pk])
    client.get(url)
    expected = 8
    with django_assert_num_queries(expected):
        client.get(url)
    for _ in range(5):
        ReferralFactory(
            team=service.team, patient=patient, status=Referral.Status.ENTERED_IN_ERROR, error_reason="x"
        )
    with django_assert_num_queries(expected):
        assert client.get(url).content.decode().count("SC-T") >= 6


def test_the_room_diary_query_count_is_pinned_and_does_not_grow(
    service, client_for, django_assert_num_queries
) -> None:
    room = RoomFactory(site=SiteFactory(service=service.team.service))
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    client = client_for(R.ADMINISTRATOR)
    url = reverse("scheduling:room_diary", args=[room.pk])
    book(
        room=room,
        mode="01",
        participants=[participant(team=service.team)],
        starts_at=local(monday, dt.time(9)),
    )
    client.get(url, {"date": monday.isoformat()})
    # with one audit event naming the patients on the diary (14 before: the cards' risk concerns
    # are read with the attendees, the team links with the user's memberships, and the room's
    # service is checked against those teams without reading them again)
    expected = 11
    with django_assert_num_queries(expected):
        client.get(url, {"date": monday.isoformat()})
    for hour in range(10, 16):
        book(
            room=room,
            mode="01",
            participants=[participant(team=service.team)],
            starts_at=local(monday, dt.time(hour)),
        )
    with django_assert_num_queries(expected):
        body = client.get(url, {"date": monday.isoformat()}).content.decode()
    assert body.count('data-testid="diary-appointment"') == 7
