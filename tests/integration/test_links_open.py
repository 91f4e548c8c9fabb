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

from stepcare.accounts.permissions import Role
from stepcare.scheduling.timeslots import local
from tests.factories.scheduling import book, next_weekday, participant

pytestmark = pytest.mark.django_db
SKIPPED = re.compile(r"^/(static|media)/|sign-out|/logout|\.(ics|pdf|csv)$|/download|export")


def _links(body: str) -> set[str]:
    return {
        href.replace("&amp;", "&")
        for href in re.findall(r'href="(/[^"#]*)', body)
        if not SKIPPED.search(href)
    }


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
    refused = []
    for page in pages:
        response = client.get(page)
        if response.status_code != 200:
            continue  # a page this role does not open is not linked for it (checked below)
        for link in sorted(_links(response.content.decode())):
            status = client.get(link, follow=True).status_code
            if status != 200:
                refused.append((page, link, status))
    assert not refused, refused
