"""Every link a page shows opens for the person it is shown to: no link leads to a refusal.

For each role of a small service with a patient, a referral and a booked appointment, the
pages a day starts from (my week, the team's and a colleague's diary, the patient's page, the
referral's page) are read, and every link on them is followed. Before, a service manager's
team diary linked each appointment, its note and its measures (all three refused them), the
referral page offered a booking and the patient page the clinical record they may not open,
and a colleague's diary linked their working pattern to people who may not see it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.patients.actions import refer_for_employment_support
from stepcare.records.models import SessionNote
from stepcare.scheduling.timeslots import local
from tests.factories.patients import PatientFactory
from tests.factories.records import SessionNoteFactory
from tests.factories.scheduling import book, next_weekday, participant, start_group

pytestmark = pytest.mark.django_db
SKIPPED = re.compile(r"^/(static|media)/|sign-out|/logout|\.(ics|pdf|csv)$|/download|export")


def _links(body: str) -> set[str]:
    return {
        href.replace("&amp;", "&")
        for href in re.findall(r'href="(/[^"#]*)', body)
        if not SKIPPED.search(href)
    }


def _refused_links(client, pages: list[str]) -> list[tuple[str, str, int]]:
    """Every link of each page the client opens, followed: those that did not open. A page this
    role does not open is not linked for it (the access matrix checks it)."""
    refused = []
    for page in pages:
        response = client.get(page)
        if response.status_code != 200:
            continue
        for link in sorted(_links(response.content.decode())):
            status = client.get(link, follow=True).status_code
            if status != 200:
                refused.append((page, link, status))
    return refused


def _an_advisers_client_booked_today(service):
    """Today: an appointment with a patient referred to the team's employment adviser, and one
    with a patient who is not, both with the team's high-intensity therapist."""
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    theirs = participant(team=service.team, given_name="Ada", family_name="Lovell")
    other = participant(team=service.team, given_name="Bea", family_name="Marsh")
    refer_for_employment_support(
        by=hit, patient=theirs.patient, adviser=service.staff[Role.EMPLOYMENT_ADVISER]
    )
    today = timezone.localdate()
    ours = book(clinician=hit, participants=[theirs], starts_at=local(today, dt.time(0, 5)))
    book(clinician=hit, participants=[other], starts_at=local(today, dt.time(1, 30)))
    return hit, today, theirs, ours


@pytest.mark.parametrize(
    "role",
    [
        Role.SERVICE_MANAGER,
        Role.HIGH_INTENSITY_THERAPIST,
        Role.PWP,
        Role.CLINICAL_SUPERVISOR,
        Role.ADMINISTRATOR,
    ],
)
def test_every_link_on_the_pages_a_day_starts_from_opens(service, client_for, role) -> None:
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    week = next_weekday(0)
    part = participant(team=service.team, given_name="Ada", family_name="Lovell")
    book(clinician=hit, participants=[part], mode="02", starts_at=local(week, dt.time(10)))
    client = client_for(role)
    pages = [
        reverse("scheduling:my_week") + f"?date={week.isoformat()}",
        reverse("scheduling:team_diary", args=[service.team.pk]) + f"?date={week.isoformat()}",
        reverse("scheduling:clinician_diary", args=[hit.pk]) + f"?date={week.isoformat()}",
        reverse("patients:detail", args=[part.patient.pk]),
        reverse("referrals:detail", args=[part.referral.pk]),
    ]
    refused = _refused_links(client, pages)
    assert not refused, refused


ROLES_WITH_ADVISER = [
    Role.SERVICE_MANAGER,
    Role.HIGH_INTENSITY_THERAPIST,
    Role.PWP,
    Role.CLINICAL_SUPERVISOR,
    Role.ADMINISTRATOR,
    Role.EMPLOYMENT_ADVISER,
]


@pytest.mark.parametrize("role", ROLES_WITH_ADVISER)
def test_every_link_on_the_pages_one_reaches_next_opens(service, client_for, role) -> None:
    """One step further: a patient's appointments, an appointment's page, the list of groups,
    the drafts not signed, and the diaries as an employment adviser sees them (their own
    client's appointment named and linked, other patients' neither). Before, a service
    manager's list of a patient's appointments linked each one, an administrator's appointment
    page linked the session note and the measures, the patient's page linked each referral to
    an adviser, and an adviser's groups list and team diary linked pages refused to them."""
    hit, today, client_of_adviser, ours = _an_advisers_client_booked_today(service)
    start_group(team=service.team, facilitator=hit)
    moved = PatientFactory(team=service.other_team)
    SessionNoteFactory(patient=moved, author=service.staff[role])  # a draft left before a move
    SessionNote.objects.filter(patient=moved).update(created_at=timezone.now() - dt.timedelta(days=30))
    client = client_for(role)
    pages = [
        reverse("scheduling:patient_appointments", args=[client_of_adviser.patient.pk]),
        reverse("scheduling:appointment", args=[ours.pk]),
        reverse("scheduling:groups"),
        reverse("records:drafts"),
        reverse("patients:detail", args=[client_of_adviser.patient.pk]),
        reverse("scheduling:team_diary", args=[service.team.pk]) + f"?date={today.isoformat()}",
        reverse("scheduling:clinician_diary", args=[hit.pk]) + f"?date={today.isoformat()}&view=day",
        reverse("scheduling:my_day"),
    ]
    refused = _refused_links(client, pages)
    assert not refused, refused


def test_an_adviser_sees_their_own_clients_appointments_in_the_diary_and_no_one_elses(service, client_for):
    hit, today, theirs, ours = _an_advisers_client_booked_today(service)
    adviser = service.staff[Role.EMPLOYMENT_ADVISER]
    response = client_for(Role.EMPLOYMENT_ADVISER).get(
        reverse("scheduling:clinician_diary", args=[hit.pk]) + f"?date={today.isoformat()}&view=day"
    )
    body = response.content.decode()
    assert "LOVELL, Ada" in body
    assert "MARSH" not in body and "Booked (another team)" in body
    assert reverse("scheduling:appointment", args=[ours.pk]) in body
    shown = AuditEvent.objects.filter(user=adviser, action=AuditEvent.Action.VIEW).latest("id")
    named = {shown.patient_id} | set(shown.shown.values_list("patient_id", flat=True))
    assert named - {None} == {theirs.patient.pk}


def test_a_draft_about_a_patient_since_moved_is_listed_without_a_link(service, client_for) -> None:
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    moved = PatientFactory(team=service.other_team)
    note = SessionNoteFactory(patient=moved, author=hit)
    SessionNote.objects.filter(pk=note.pk).update(created_at=timezone.now() - dt.timedelta(days=30))
    body = client_for(Role.HIGH_INTENSITY_THERAPIST).get(reverse("records:drafts")).content.decode()
    assert reverse("records:document", args=[SessionNote.KIND, note.pk]) not in body
    assert "the patient is now with South team" in body
