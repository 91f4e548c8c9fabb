"""Groups through the pages: start a group with its weekly sessions, add and remove members
(refused when full), take the register for a session; the group page's query count is pinned."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.scheduling import actions
from stepcare.scheduling.models import Appointment, Attendee, Group, GroupMember
from stepcare.scheduling.timeslots import LONDON
from tests.factories.accounts import MembershipFactory, RoomFactory, SiteFactory
from tests.factories.referrals import AllocatedReferralFactory
from tests.factories.scheduling import clinician_in, next_weekday, participant, start_group

pytestmark = pytest.mark.django_db
ADMIN = Role.ADMINISTRATOR


def _new_group_form(service, **changes) -> dict:
    room = RoomFactory(site=SiteFactory(service=service.team.service), capacity=16)
    data = {
        "name": "MBCT Tuesday evenings",
        "kind": "mbct",
        "team": service.team.pk,
        "capacity": "12",
        "facilitators": [service.staff[Role.HIGH_INTENSITY_THERAPIST].pk],
        "delivery_mode": "01",
        "room": room.pk,
        "first_date": next_weekday(1).strftime("%d/%m/%Y"),
        "time": "17:30",
        "duration": "120",
        "sessions": "8",
    }
    data.update(changes)
    return data


def test_starting_an_mbct_group_books_eight_weekly_sessions(service, client_for) -> None:
    response = client_for(ADMIN).post(reverse("scheduling:group_new"), _new_group_form(service))
    group = Group.objects.get()
    assert response["Location"] == reverse("scheduling:group", args=[group.pk])
    sessions = list(group.sessions.order_by("starts_at"))
    assert len(sessions) == 8
    assert {s.starts_at.astimezone(LONDON).time() for s in sessions} == {dt.time(17, 30)}
    assert sessions[1].starts_at - sessions[0].starts_at in (
        dt.timedelta(weeks=1),
        dt.timedelta(weeks=1, hours=1),
        dt.timedelta(weeks=1, hours=-1),
    )
    assert all(s.kind == Appointment.Kind.GROUP and s.duration_minutes == 120 for s in sessions)
    assert list(group.facilitators.all()) == [service.staff[Role.HIGH_INTENSITY_THERAPIST]]


def test_a_face_to_face_group_without_a_room_is_refused_with_a_clear_message(service, client_for) -> None:
    response = client_for(ADMIN).post(reverse("scheduling:group_new"), _new_group_form(service, room=""))
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and "Choose a room: a face-to-face group needs one." in body
    assert not Group.objects.exists()


def test_a_room_too_small_for_the_group_is_refused(service, client_for) -> None:
    small = RoomFactory(site=SiteFactory(service=service.team.service), capacity=4)
    response = client_for(ADMIN).post(
        reverse("scheduling:group_new"), _new_group_form(service, room=small.pk)
    )
    assert "too small for this group" in response.content.decode()
    assert not Group.objects.exists() and not Appointment.objects.exists()


def test_adding_members_joins_them_to_every_session_and_refuses_when_full(service, client_for) -> None:
    group = start_group(team=service.team, capacity=2, sessions=4)
    client = client_for(ADMIN)
    url = reverse("scheduling:group_add_member", args=[group.pk])
    first, second, third = (AllocatedReferralFactory(patient__team=service.team) for _ in range(3))
    page = client.get(url).content.decode()
    assert first.patient.display_name not in page and "2 places left" in page  # a search, not a list
    page = client.get(url, {"q": first.patient.family_name}).content.decode()
    assert first.patient.display_name in page and second.patient.display_name not in page
    assert client.post(url, {"referral": first.pk}).status_code == 302
    assert client.post(url, {"referral": second.pk}).status_code == 302
    assert Attendee.objects.filter(appointment__group=group, patient=first.patient).count() == 4
    refused = client.post(url, {"referral": third.pk})
    body = refused.content.decode()
    assert refused.status_code == 200
    assert "There is a problem" in body and f"{group.name} is full (2 places)." in body
    assert GroupMember.objects.filter(group=group).count() == 2


def test_only_open_referrals_of_the_groups_team_can_be_added(service, client_for) -> None:
    group = start_group(team=service.team)
    elsewhere = AllocatedReferralFactory(patient__team=service.other_team)
    response = client_for(ADMIN).post(
        reverse("scheduling:group_add_member", args=[group.pk]), {"referral": elsewhere.pk}
    )
    assert "Select a valid choice" in response.content.decode()
    assert not GroupMember.objects.exists()


def test_removing_a_member_cancels_their_later_places_only(service, client_for) -> None:
    group = start_group(team=service.team, sessions=3)
    member = actions.add_group_member(
        by=service.staff[ADMIN], group=group, participant=participant(team=service.team)
    )
    response = client_for(ADMIN).post(reverse("scheduling:group_remove_member", args=[group.pk, member.pk]))
    assert response["Location"] == reverse("scheduling:group", args=[group.pk])
    member.refresh_from_db()
    assert member.left_at is not None
    places = Attendee.objects.filter(patient=member.patient)
    assert places.count() == 3 and not places.filter(live=True).exists()
    assert set(places.values_list("attendance", flat=True)) == {"2"}


def test_the_register_records_each_members_attendance_for_one_session(service, client_for) -> None:
    group = start_group(team=service.team, sessions=2)
    members = [
        actions.add_group_member(
            by=service.staff[ADMIN], group=group, participant=participant(team=service.team)
        )
        for _ in range(3)
    ]
    session = group.sessions.order_by("starts_at").first()
    url = reverse("scheduling:group_attendance", args=[group.pk, session.pk])
    attendees = {a.patient_id: a for a in session.attendees.all()}
    codes = {
        f"attendee_{attendees[m.patient_id].pk}": code
        for m, code in zip(members, ["5", "3", ""], strict=True)
    }
    early = client_for(ADMIN).post(url, codes)
    assert "is on a later day" in early.content.decode()
    assert not session.attendees.exclude(attendance="").exists()  # none recorded when one is refused
    with time_machine.travel(session.starts_at + dt.timedelta(minutes=30)):
        client = client_for(ADMIN)
        assert "Save the register" in client.get(url).content.decode()
        response = client.post(url, codes)
        assert response["Location"] == reverse("scheduling:group", args=[group.pk])
        page = client.get(response["Location"]).content.decode()
    recorded = {a.patient_id: a.attendance for a in session.attendees.all()}
    assert [recorded[m.patient_id] for m in members] == ["5", "3", ""]
    assert (
        'Attended on time, or before the clinician was ready <span class="nhsuk-body-s stepcare-code">(5)'
        in page
    )


def test_a_member_may_cancel_their_place_before_the_session(service, client_for) -> None:
    group = start_group(team=service.team, sessions=2)
    member = actions.add_group_member(
        by=service.staff[ADMIN], group=group, participant=participant(team=service.team)
    )
    session = group.sessions.order_by("starts_at").first()
    attendee = session.attendees.get(patient=member.patient)
    client_for(ADMIN).post(
        reverse("scheduling:group_attendance", args=[group.pk, session.pk]), {f"attendee_{attendee.pk}": "2"}
    )
    attendee.refresh_from_db()
    assert attendee.attendance == "2" and not attendee.live


def test_group_page_query_count_is_pinned_and_does_not_grow(
    service, client_for, django_assert_num_queries
) -> None:
    group = start_group(team=service.team, sessions=2, capacity=30)
    actions.add_group_member(by=service.staff[ADMIN], group=group, participant=participant(team=service.team))
    client = client_for(ADMIN)
    url = reverse("scheduling:group", args=[group.pk])
    expected = 9
    with django_assert_num_queries(expected + 1):  # one audit event about the member viewed
        assert client.get(url).status_code == 200
    bigger = start_group(team=service.team, sessions=12, capacity=30, first_date=next_weekday(2))
    for _ in range(6):
        actions.add_group_member(
            by=service.staff[ADMIN], group=bigger, participant=participant(team=service.team)
        )
    with django_assert_num_queries(expected + 2):  # one audit event naming the six members
        body = client.get(reverse("scheduling:group", args=[bigger.pk])).content.decode()
    assert body.count('stepcare-register__cell"') == 6 * 12


def test_group_list_query_count_is_pinned(service, client_for, django_assert_num_queries) -> None:
    start_group(team=service.team, sessions=2)
    client = client_for(ADMIN)
    expected = 6  # the list is paged: its count, then one page of groups (5 before it was paged)
    with django_assert_num_queries(expected):
        client.get(reverse("scheduling:groups"))
    facilitator = clinician_in(service.team)
    for n in range(4):
        start_group(
            team=service.team,
            sessions=2,
            facilitator=facilitator,
            first_date=next_weekday(n % 5, weeks_ahead=2 + n),
            name=f"Group {n}",
        )
    with django_assert_num_queries(expected):
        body = client.get(reverse("scheduling:groups")).content.decode()
    assert body.count('<td class="nhsuk-table__cell"><a href="/diary/groups/') == 5 and "Group 3" in body


def test_someone_booking_for_two_teams_chooses_the_team_first_and_is_offered_its_clinicians_only(
    service, client_for
) -> None:
    """Starting a group asks the team first of someone who books for several teams, then offers
    that team's clinicians as facilitators: the form is the size of one team, not the service."""
    MembershipFactory(user=service.staff[ADMIN], team=service.other_team, role=ADMIN)
    south = clinician_in(service.other_team, user__first_name="Sunita", user__last_name="Southgate")
    north = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    client = client_for(ADMIN)
    url = reverse("scheduling:group_new")
    first = client.get(url).content.decode()
    assert "Which team is the group for?" in first and "North team" in first and "South team" in first
    assert 'name="facilitators"' not in first
    form = client.get(url, {"team": service.other_team.pk}).content.decode()
    assert "For South team" in form and "choose another team" in form
    assert south.get_full_name() in form and north.get_full_name() not in form
    refused = client.post(url, _new_group_form(service, team=service.other_team.pk)).content.decode()
    assert "There is a problem" in refused and "Select a valid choice" in refused  # a North clinician
    assert not Group.objects.exists()
    room = RoomFactory(site=SiteFactory(service=service.other_team.service), capacity=16)
    started = client.post(
        url, _new_group_form(service, team=service.other_team.pk, facilitators=[south.pk], room=room.pk)
    )
    group = Group.objects.get()
    assert started.status_code == 302 and group.team == service.other_team
    assert list(group.facilitators.all()) == [south]


@pytest.mark.parametrize("team", ["abc", "-1", "99999", "1" * 30])
def test_a_team_not_the_users_is_refused_with_a_message(service, client_for, team) -> None:
    MembershipFactory(user=service.staff[ADMIN], team=service.other_team, role=ADMIN)
    response = client_for(ADMIN).get(reverse("scheduling:group_new"), {"team": team})
    body = response.content.decode()
    assert response.status_code == 200 and "Choose one of your teams." in body
    assert 'name="facilitators"' not in body


def test_someone_booking_for_one_team_goes_straight_to_the_form(service, client_for) -> None:
    body = client_for(ADMIN).get(reverse("scheduling:group_new")).content.decode()
    assert 'name="facilitators"' in body and "For North team" in body and "choose another team" not in body


def test_the_group_list_is_paged_running_groups_first(service, client_for, monkeypatch) -> None:
    """Years of groups are not one list: a page of them, those with a session to come first."""
    from stepcare.scheduling.views import groups as group_views

    facilitator = clinician_in(service.team)
    with time_machine.travel(dt.datetime.now(tz=LONDON) - dt.timedelta(weeks=4)):
        for n in range(3):  # groups whose sessions are all past
            start_group(
                team=service.team,
                sessions=1,
                facilitator=facilitator,
                name=f"Finished {n}",
                first_date=next_weekday(n, weeks_ahead=1),
            )
    start_group(
        team=service.team,
        sessions=2,
        facilitator=facilitator,
        name="Zebra running",
        first_date=next_weekday(3, weeks_ahead=1),
    )
    client = client_for(ADMIN)
    monkeypatch.setattr(group_views, "GROUPS_PAGE_SIZE", 2)
    first = client.get(reverse("scheduling:groups")).content.decode()
    second = client.get(reverse("scheduling:groups"), {"page": 2}).content.decode()
    assert first.index("Zebra running") < first.index("Finished 0") and "Finished 1" not in first
    assert "Page 1 of 2 (4 groups)" in first and "Finished 1" in second and "Finished 2" in second
