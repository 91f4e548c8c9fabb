"""A team's diary shows a page of its clinicians at a time: the page costs the same in a team
of five or of fifty, and no page runs more than 15 queries."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.scheduling.selectors import clinicians_in_teams
from stepcare.scheduling.timeslots import local
from stepcare.scheduling.views.diary import TEAM_DIARY_PAGE_SIZE
from tests.factories.scheduling import book, clinician_in, next_weekday, participant


def test_a_large_team_is_shown_a_page_of_clinicians_at_a_time(
    service, client_for, django_assert_max_num_queries
) -> None:
    week = next_weekday(0)
    for n in range(TEAM_DIARY_PAGE_SIZE + 2):
        clinician = clinician_in(service.team)
        book(
            clinician=clinician,
            participants=[participant(team=service.team)],
            starts_at=local(week, dt.time(9 + n % 8)),
        )
    everyone = list(clinicians_in_teams([service.team.pk]))
    assert len(everyone) > 2 * TEAM_DIARY_PAGE_SIZE
    url = reverse("scheduling:team_diary", kwargs={"team_pk": service.team.pk})
    client = client_for(Role.HIGH_INTENSITY_THERAPIST)
    client.get(url, {"date": week.isoformat()})
    seen: list[str] = []
    pages = -(-len(everyone) // TEAM_DIARY_PAGE_SIZE)
    for number in range(1, pages + 1):
        with django_assert_max_num_queries(15):
            response = client.get(url, {"date": week.isoformat(), "page": number})
        diaries = response.context["diaries"]
        assert len(diaries) <= TEAM_DIARY_PAGE_SIZE
        seen += [d.clinician.username for d in diaries]
        body = response.content.decode()
        assert f"of {len(everyone)}" in body and 'data-testid="team-diary-pages"' in body
    assert seen == [c.username for c in everyone]  # every clinician once, in order
    assert "Next clinicians" not in body and "Previous clinicians" in body
