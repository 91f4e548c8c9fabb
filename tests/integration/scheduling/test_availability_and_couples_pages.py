"""Working patterns and leave, couples booking and the messages sent, through the pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.scheduling import notifications
from stepcare.scheduling.models import Appointment, Message, Unavailability, WorkingHours
from stepcare.scheduling.timeslots import local
from tests.factories.accounts import SiteFactory
from tests.factories.referrals import AllocatedReferralFactory
from tests.factories.scheduling import (
    UnavailabilityFactory,
    book,
    clinician_in,
    next_weekday,
    participant,
)

pytestmark = pytest.mark.django_db
HIT = Role.HIGH_INTENSITY_THERAPIST


def _pattern(**days: str) -> dict[str, str]:
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return {f"{d}_hours": days.get(d, "") for d in names}


def test_a_clinician_sets_a_part_time_pattern_with_a_late_shift(service, client_for) -> None:
    me = service.staff[HIT]
    site = SiteFactory(service=service.team.service, name="Riverside")
    client = client_for(HIT)
    assert client.get(reverse("scheduling:my_availability"))["Location"] == reverse(
        "scheduling:availability", args=[me.pk]
    )
    page = client.get(reverse("scheduling:availability", args=[me.pk])).content.decode()
    assert "the standard 37.5-hour week applies" in page
    response = client.post(
        reverse("scheduling:availability", args=[me.pk]),
        {
            **_pattern(monday="09:00-12:30, 13:00-17:00", tuesday="12:00-20:00", thursday="9:00 to 13:00"),
            "tuesday_site": site.pk,
        },
    )
    assert response.status_code == 302
    rows = [(r.weekday, r.starts, r.ends, r.site_id) for r in WorkingHours.objects.filter(clinician=me)]
    assert rows == [
        (0, dt.time(9), dt.time(12, 30), None),
        (0, dt.time(13), dt.time(17), None),
        (1, dt.time(12), dt.time(20), site.pk),
        (3, dt.time(9), dt.time(13), None),
    ]
    page = client.get(response["Location"]).content.decode()
    assert "19.5 hours a week" in page and 'value="12:00-20:00"' in page
    # Each day's list offers the sites (read once for all seven) and Tuesday's shows its own.
    assert page.count(f'<option value="{site.pk}"') == 7
    assert page.count(f'<option value="{site.pk}" selected>') == 1


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("17:00-09:00", "the end is before the start"),
        ("09:00-13:00, 12:00-17:00", "Two blocks of time on this day overlap."),
        ("nine till five", "could not be read. Write times like 09:00-17:00."),
    ],
)
def test_a_bad_working_pattern_is_refused_with_a_clear_message(service, client_for, hours, message) -> None:
    me = service.staff[HIT]
    response = client_for(HIT).post(reverse("scheduling:availability", args=[me.pk]), _pattern(monday=hours))
    body = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in body and message in body
    assert not WorkingHours.objects.exists()


def test_a_supervisor_sets_a_colleagues_pattern_but_a_therapist_cannot(service, client_for) -> None:
    colleague = clinician_in(service.team, Role.PWP)
    url = reverse("scheduling:availability", args=[colleague.pk])
    assert client_for(HIT).post(url, _pattern(monday="09:00-17:00")).status_code == 403
    assert client_for(Role.CLINICAL_SUPERVISOR).post(url, _pattern(friday="10:00-16:00")).status_code == 302
    assert list(WorkingHours.objects.filter(clinician=colleague).values_list("weekday", flat=True)) == [4]


def _leave(first: dt.date, last: dt.date, **changes) -> dict[str, str]:
    data = {
        "kind": "leave",
        "date": first.strftime("%d/%m/%Y"),
        "start": "09:00",
        "end_date": last.strftime("%d/%m/%Y"),
        "end": "17:00",
        "note": "",
    }
    data.update(changes)
    return data


def test_recording_leave_warns_of_appointments_already_booked_then(service, client_for) -> None:
    me = service.staff[HIT]
    monday = next_weekday(0)
    book(clinician=me, participants=[participant(team=service.team)], starts_at=local(monday, dt.time(10)))
    client = client_for(HIT)
    response = client.post(
        reverse("scheduling:add_leave", args=[me.pk]), _leave(monday, monday + dt.timedelta(days=4))
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Annual leave recorded." in page and "1 appointment is already booked in that time" in page
    assert 'data-testid="time-away"' in page
    assert Unavailability.objects.get().clinician == me


def test_overlapping_leave_and_an_end_before_the_start_are_refused(service, client_for) -> None:
    me = service.staff[HIT]
    monday = next_weekday(0)
    UnavailabilityFactory(
        clinician=me, starts_at=local(monday, dt.time(9)), ends_at=local(monday, dt.time(17))
    )
    client = client_for(HIT)
    url = reverse("scheduling:add_leave", args=[me.pk])
    overlap = client.post(url, _leave(monday, monday, kind="training", start="13:00")).content.decode()
    assert "This overlaps annual leave already recorded" in overlap
    backwards = client.post(url, _leave(monday + dt.timedelta(days=2), monday + dt.timedelta(days=1)))
    assert "The end must be after the start." in backwards.content.decode()
    assert Unavailability.objects.count() == 1


def test_withdrawn_leave_frees_the_time(service, client_for) -> None:
    me = service.staff[HIT]
    away = UnavailabilityFactory(clinician=me)
    client_for(HIT).post(reverse("scheduling:withdraw_leave", args=[me.pk, away.pk]))
    away.refresh_from_db()
    assert away.withdrawn_at is not None


def test_availability_page_query_count_is_pinned(service, client_for, django_assert_num_queries) -> None:
    me = service.staff[HIT]
    client = client_for(HIT)
    url = reverse("scheduling:availability", args=[me.pk])
    UnavailabilityFactory(clinician=me)
    # constant: the seven days' site lists share one reading of the sites (was 7); a form's
    # choices are read once however often the widget lists them (9 to 8)
    expected = 8
    with django_assert_num_queries(expected):
        client.get(url)
    for day in range(5):
        WorkingHours.objects.create(clinician=me, weekday=day, starts=dt.time(9), ends=dt.time(17))
        UnavailabilityFactory(clinician=me, starts_at=local(next_weekday(day, weeks_ahead=3), dt.time(9)))
    with django_assert_num_queries(expected):
        assert client.get(url).content.decode().count("Annual leave</td>") == 6


# Couples


def _couples_booking(service, patient, partner_referral, starts_at: dt.datetime) -> dict[str, str]:
    return {
        "referral": AllocatedReferralFactory(patient=patient).pk,
        "partner_referral": partner_referral.pk,
        "clinician": service.staff[HIT].pk,
        "app_type": "02",
        "delivery_mode": "02",
        "duration": "60",
        "from_date": next_weekday(0).strftime("%d/%m/%Y"),
        "repeat": "once",
        "occurrences": "12",
        "starts_at": starts_at.isoformat(),
        "confirm": "yes",
    }


def test_booking_a_couples_appointment_makes_both_partners_attendees(service, client_for, patient) -> None:
    partner = AllocatedReferralFactory(patient__team=service.team)
    starts_at = local(next_weekday(1), dt.time(10))
    response = client_for(Role.ADMINISTRATOR).post(
        reverse("scheduling:book", args=[patient.pk]), _couples_booking(service, patient, partner, starts_at)
    )
    appointment = Appointment.objects.get()
    assert response["Location"] == reverse("scheduling:appointment", args=[appointment.pk])
    assert appointment.kind == Appointment.Kind.COUPLE
    assert {(a.patient, a.referral) for a in appointment.attendees.all()} == {
        (patient, appointment.attendees.get(patient=patient).referral),
        (partner.patient, partner),
    }


def test_a_couples_booking_is_refused_when_the_partner_is_busy(service, client_for, patient) -> None:
    partner = AllocatedReferralFactory(patient__team=service.team)
    starts_at = local(next_weekday(1), dt.time(10))
    book(participants=[participant(partner.patient)], starts_at=starts_at)
    response = client_for(Role.ADMINISTRATOR).post(
        reverse("scheduling:book", args=[patient.pk]), _couples_booking(service, patient, partner, starts_at)
    )
    body = response.content.decode()
    assert "This time could not be booked" in body
    assert f"{partner.patient.display_name} already has an appointment" in body
    assert Appointment.objects.count() == 1


def test_the_free_times_for_a_couple_avoid_either_partners_bookings(service, client_for, patient) -> None:
    partner = AllocatedReferralFactory(patient__team=service.team)
    monday = next_weekday(0)
    book(participants=[participant(partner.patient)], starts_at=local(monday, dt.time(9)))
    query = _couples_booking(service, patient, partner, local(monday, dt.time(9)))
    query.pop("starts_at")
    query.pop("confirm")
    body = client_for(Role.ADMINISTRATOR).get(reverse("scheduling:book", args=[patient.pk]), query)
    first_day = body.content.decode().split('data-testid="slots"')[1].split("</ul>")[0]
    assert "09:00" not in first_day and "10:00" in first_day


def test_the_second_patient_is_found_by_search_not_picked_from_everyone(service, client_for, patient) -> None:
    AllocatedReferralFactory(patient=patient)
    wanted = AllocatedReferralFactory(patient__team=service.team, patient__family_name="Featherstonehaugh")
    others = [AllocatedReferralFactory(patient__team=service.team) for _ in range(3)]
    url = reverse("scheduling:book", args=[patient.pk])
    client = client_for(Role.ADMINISTRATOR)
    body = client.get(url).content.decode()
    assert wanted.reference not in body and not any(o.reference in body for o in others)
    body = client.get(url, {"partner_search": "featherston"}).content.decode()
    assert wanted.reference in body and not any(o.reference in body for o in others)


# Messages sent


def _send(attendee, kind: str, channel: str = "sms", status: str = "sent") -> Message:
    return notifications.record_message(
        attendee=attendee,
        channel=channel,
        kind=kind,
        recipient="07700900123",
        template_id="t",
        body="SECRET BODY TEXT",
        status=status,
    )


def test_patient_page_lists_messages_sent_without_their_text(
    service, client_for, django_assert_num_queries
) -> None:
    someone = participant(team=service.team)
    appointment = book(participants=[someone])
    attendee = appointment.attendees.get()
    baseline = Message.objects.filter(patient=someone.patient).count()
    _send(attendee, Message.Kind.REMINDER, channel="email", status="failed")
    client = client_for(Role.ADMINISTRATOR)
    url = reverse("scheduling:patient_appointments", args=[someone.patient.pk])
    expected = 12
    with django_assert_num_queries(expected):
        body = client.get(url).content.decode()
    assert 'data-testid="messages-sent"' in body and "Reminder" in body and "<strong>Failed</strong>" in body
    for _ in range(5):
        _send(attendee, Message.Kind.CHANGED)
    with django_assert_num_queries(expected):
        body = client.get(url).content.decode()
    table = body.split('data-testid="messages-sent"')[1].split("</table>")[0]
    assert table.count('<tr class="nhsuk-table__row"') == 1 + baseline + 6
    assert "SECRET BODY TEXT" not in body and "07700900123" not in body
