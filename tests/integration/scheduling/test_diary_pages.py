"""The diary pages through the test client: book, series, move, cancel, attendance, rebook,
week views with a fixed number of queries, and the private calendar feed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from stepcare.accounts.permissions import Role
from stepcare.scheduling import actions
from stepcare.scheduling.models import Appointment, Attendee, FollowUpTask
from stepcare.scheduling.timeslots import LONDON, local
from tests.factories.accounts import RoomFactory, SiteFactory
from tests.factories.referrals import AllocatedReferralFactory
from tests.factories.scheduling import book, clinician_in, next_weekday, participant

pytestmark = pytest.mark.django_db
HIT = Role.HIGH_INTENSITY_THERAPIST


def _finder(service, patient, **changes):
    referral = AllocatedReferralFactory(patient=patient)
    query = {
        "referral": referral.pk,
        "clinician": service.staff[HIT].pk,
        "app_type": "02",
        "delivery_mode": "02",
        "duration": "60",
        "from_date": next_weekday(0).strftime("%d/%m/%Y"),
        "repeat": "once",
        "occurrences": "12",
    }
    query.update(changes)
    return query


def test_finding_free_times_lists_slots_within_the_working_week(service, client_for, patient) -> None:
    response = client_for(Role.ADMINISTRATOR).get(
        reverse("scheduling:book", args=[patient.pk]), _finder(service, patient)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="slots"' in body
    assert "09:00" in body and "12:30" not in body.split('data-testid="slots"')[1].split("</ul>")[0]


def test_booking_a_weekly_series_of_twelve_from_a_slot(service, client_for, patient) -> None:
    query = _finder(service, patient, repeat="1")
    starts_at = local(next_weekday(1), dt.time(10))
    response = client_for(Role.ADMINISTRATOR).post(
        reverse("scheduling:book", args=[patient.pk]),
        {**query, "starts_at": starts_at.isoformat(), "confirm": "yes"},
    )
    assert response.status_code == 302
    appointments = Appointment.objects.order_by("starts_at")
    assert appointments.count() == 12
    assert {a.starts_at.astimezone(LONDON).time() for a in appointments} == {dt.time(10)}


def test_choosing_a_slot_shows_who_when_where_and_how_and_books_nothing_until_confirmed(
    service, client_for, patient
) -> None:
    starts_at = local(next_weekday(1), dt.time(10))
    client = client_for(Role.ADMINISTRATOR)
    url = reverse("scheduling:book", args=[patient.pk])
    response = client.post(url, {**_finder(service, patient), "starts_at": starts_at.isoformat()})
    body = response.content.decode()
    assert response.status_code == 200 and "Check the booking" in body
    summary = body.split('data-testid="booking-summary"')[1].split("</dl>")[0]
    assert patient.display_name in summary and str(service.staff[HIT]) in summary
    assert starts_at.strftime("%H:%M") in summary and "Telephone" in summary and "Not in person" in summary
    assert not Appointment.objects.exists()
    assert 'name="confirm" value="yes"' in body
    response = client.post(
        url, {**_finder(service, patient), "starts_at": starts_at.isoformat(), "confirm": "yes"}
    )
    assert response.status_code == 302 and Appointment.objects.count() == 1


def test_booking_a_taken_time_says_who_is_busy_and_books_nothing(service, client_for, patient) -> None:
    starts_at = local(next_weekday(1), dt.time(10))
    book(clinician=service.staff[HIT], starts_at=starts_at)
    response = client_for(Role.ADMINISTRATOR).post(
        reverse("scheduling:book", args=[patient.pk]),
        {**_finder(service, patient), "starts_at": starts_at.isoformat(), "confirm": "yes"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "This time could not be booked" in body and "already has an appointment" in body
    assert Appointment.objects.count() == 1


def test_face_to_face_search_needs_a_site(service, client_for, patient) -> None:
    response = client_for(Role.ADMINISTRATOR).get(
        reverse("scheduling:book", args=[patient.pk]), _finder(service, patient, delivery_mode="01")
    )
    assert "Choose a site: a face-to-face appointment needs a room." in response.content.decode()


def test_move_cancel_and_rebook_through_the_pages(service, client_for) -> None:
    client = client_for(Role.ADMINISTRATOR)
    appointment = book(
        participants=[participant(team=service.team)], starts_at=local(next_weekday(1), dt.time(10))
    )
    new_day = next_weekday(3)
    response = client.post(
        reverse("scheduling:move", args=[appointment.pk]),
        {"date": new_day.strftime("%d/%m/%Y"), "time": "14:30"},
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.starts_at == local(new_day, dt.time(14, 30))
    response = client.post(
        reverse("scheduling:cancel", args=[appointment.pk]),
        {"cancelled_by": "2", "reason": "patient_unwell", "rebook": "1"},
    )
    assert response["Location"] == reverse("scheduling:rebook", args=[appointment.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Rebook on" in page
    slot = local(next_weekday(4), dt.time(11))
    response = client.post(
        reverse("scheduling:rebook", args=[appointment.pk]), {"starts_at": slot.isoformat()}
    )
    new = Appointment.objects.get(rebooked_from=appointment)
    assert response["Location"] == reverse("scheduling:appointment", args=[new.pk])
    assert new.starts_at == slot


def test_recording_a_dna_offers_the_policy_suggestion_and_adds_the_task_only_when_asked(
    service, client_for
) -> None:
    appointment = book(participants=[participant(team=service.team)])
    attendee = appointment.attendees.get()
    url = reverse("scheduling:attendance", args=[appointment.pk])
    early = client_for(Role.ADMINISTRATOR).post(url, {"attendee": attendee.pk, "code": "3"})
    assert "is on a later day" in early.content.decode()
    with time_machine.travel(appointment.starts_at + dt.timedelta(minutes=15)):
        client = client_for(Role.ADMINISTRATOR)
        assert client.post(url, {"attendee": attendee.pk, "code": "3"}).status_code == 302
        page = client.get(reverse("scheduling:appointment", args=[appointment.pk])).content.decode()
    assert "suggests contacting the patient" in page and "nothing happens unless you choose it" in page
    assert not FollowUpTask.objects.exists()
    client.post(
        reverse("scheduling:follow_up", args=[appointment.pk]),
        {"attendee": attendee.pk, "kind": "contact_after_dna", "due_on": "2030-01-02"},
    )
    assert FollowUpTask.objects.get().assigned_to == appointment.clinicians[0]
    attendee.refresh_from_db()
    assert attendee.attendance == Attendee.AttendOrDNA.DID_NOT_ATTEND


def _fill_week(service, clinician, week: dt.date, count: int) -> None:
    for n in range(count):
        day = week + dt.timedelta(days=n % 5)
        book(
            clinician=clinician,
            participants=[participant(team=service.team)],
            starts_at=local(day, dt.time(9 + n // 5)),
        )


@pytest.mark.parametrize("url_name", ["scheduling:my_week", "scheduling:team_diary"])
def test_week_view_query_count_is_pinned_and_does_not_grow(
    service, client_for, django_assert_num_queries, url_name
) -> None:
    clinician = service.staff[HIT]
    week = next_weekday(0)
    url = reverse(url_name, kwargs={"team_pk": service.team.pk} if "team" in url_name else {})
    client = client_for(HIT)
    _fill_week(service, clinician, week, 3)
    # risk flags for the cards; team and room diaries to link to; the audit event and the patients it names
    # (the diary's owner and the team are not read a second time; the teams to link to are read
    # with the user's memberships, the rooms alone: 15 to 14; whether each card's patient has
    # risk concerns is read with the attendees: 14 to 13)
    expected = 13
    with django_assert_num_queries(expected):
        assert client.get(url, {"date": week.isoformat()}).status_code == 200
    for n in range(20):  # a busier week, and a year of appointments elsewhere
        book(
            clinician=clinician,
            participants=[participant(team=service.team)],
            starts_at=local(week + dt.timedelta(days=n % 5), dt.time(13 + n // 5)),
        )
        book(
            clinician=clinician,
            participants=[participant(team=service.team)],
            starts_at=local(week + dt.timedelta(weeks=2 + n), dt.time(10)),
        )
    with django_assert_num_queries(expected):
        body = client.get(url, {"date": week.isoformat()}).content.decode()
    assert body.count('data-testid="diary-appointment"') == 23


def test_diary_names_only_patients_of_the_viewers_own_teams(service, client_for) -> None:
    clinician = clinician_in(service.team)
    clinician.memberships.create(team=service.other_team, role=Role.PWP)
    theirs = participant(team=service.other_team, family_name="Zebedee")
    book(clinician=clinician, participants=[theirs])
    ours = participant(team=service.team, family_name="Applewood")
    book(clinician=clinician, participants=[ours], starts_at=local(next_weekday(1), dt.time(14)))
    body = (
        client_for(HIT)
        .get(
            reverse("scheduling:clinician_diary", args=[clinician.pk]), {"date": next_weekday(1).isoformat()}
        )
        .content.decode()
    )
    assert "APPLEWOOD" in body and "ZEBEDEE" not in body and "Booked (another team)" in body


def test_room_diary_shows_the_rooms_bookings(service, client_for) -> None:
    room = RoomFactory(site=SiteFactory(service=service.team.service))
    book(room=room, mode="01", participants=[participant(team=service.team)])
    body = (
        client_for(Role.ADMINISTRATOR)
        .get(reverse("scheduling:room_diary", args=[room.pk]), {"date": next_weekday(1).isoformat()})
        .content.decode()
    )
    assert body.count('data-testid="diary-appointment"') == 1


def test_calendar_feed_parses_and_names_no_patient(service, client, client_for) -> None:
    clinician = service.staff[HIT]
    someone = participant(team=service.team, given_name="Rosalind", family_name="Featherstonehaugh")
    appointment = book(clinician=clinician, participants=[someone], mode="11")
    cancelled = book(
        clinician=clinician, participants=[someone], starts_at=appointment.starts_at + dt.timedelta(days=1)
    )
    actions.cancel_appointment(by=clinician, appointment=cancelled, cancelled_by="2", reason="patient_unwell")
    response = client_for(HIT).post(reverse("scheduling:calendar_settings"), {})
    url = response.context["feed_url"]
    feed = client.get(url)  # no sign-in
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    text = feed.content.decode()
    for identifying in (
        "Rosalind",
        "Featherstonehaugh",
        "FEATHERSTONEHAUGH",
        someone.patient.nhs_number,
        "RF",
    ):
        assert identifying not in text
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    assert len(events) == 2
    by_uid = {str(e["UID"]): e for e in events}
    event = by_uid[f"appointment-{appointment.pk}@testserver"]
    assert event.decoded("DTSTART") == appointment.starts_at
    assert str(event["SUMMARY"]) == "Treatment appointment – Video"
    assert str(by_uid[f"appointment-{cancelled.pk}@testserver"]["STATUS"]) == "CANCELLED"


def test_revoked_calendar_address_stops_working(service, client, client_for) -> None:
    signed_in = client_for(HIT)
    url = signed_in.post(reverse("scheduling:calendar_settings"), {}).context["feed_url"]
    assert client.get(url).status_code == 200
    signed_in.post(reverse("scheduling:calendar_settings"), {"action": "revoke"})
    assert client.get(url).status_code == 404


def test_calendar_may_show_initials_when_the_clinician_chooses(service, client, client_for) -> None:
    clinician = service.staff[HIT]
    book(
        clinician=clinician,
        participants=[participant(team=service.team, given_name="Rosalind", family_name="Kemp")],
    )
    url = (
        client_for(HIT)
        .post(reverse("scheduling:calendar_settings"), {"show_initials": "on"})
        .context["feed_url"]
    )
    assert "(RK)" in client.get(url).content.decode()


def test_risk_concerns_show_on_the_diary_card_for_the_clinicians_own_team(service, client_for) -> None:
    from tests.factories.patients import RiskFlagFactory

    clinician = service.staff[HIT]
    week = next_weekday(0)
    flagged = participant(team=service.team)
    RiskFlagFactory(patient=flagged.patient, raised_by=clinician)
    book(clinician=clinician, participants=[flagged], starts_at=local(week, dt.time(10)))
    book(
        clinician=clinician, participants=[participant(team=service.team)], starts_at=local(week, dt.time(12))
    )
    body = client_for(HIT).get(reverse("scheduling:my_week"), {"date": week.isoformat()}).content.decode()
    assert body.count('data-testid="diary-risk"') == 1
