"""Choosing people by search (a second patient, a group member) and confirming a booking:
each page asks the database a fixed number of questions, however many patients there are."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.scheduling.models import Appointment, GroupMember
from stepcare.scheduling.timeslots import local
from tests.factories.referrals import AllocatedReferralFactory
from tests.factories.scheduling import next_weekday, start_group

ADMIN = Role.ADMINISTRATOR


def _team_of(service, n: int, family_name: str = "") -> None:
    for _ in range(n):
        AllocatedReferralFactory(
            patient__team=service.team, **({"patient__family_name": family_name} if family_name else {})
        )


def _finder(service, referral, **changes) -> dict[str, str]:
    query = {
        "referral": str(referral.pk),
        "clinician": str(service.staff[Role.HIGH_INTENSITY_THERAPIST].pk),
        "app_type": "02",
        "delivery_mode": "02",
        "duration": "60",
        "from_date": next_weekday(0).strftime("%d/%m/%Y"),
        "repeat": "once",
        "occurrences": "12",
        "partner_search": "pemberton",
    }
    query.update(changes)
    return query


def test_the_finder_with_a_partner_search_asks_a_fixed_number_of_questions(
    service, client_for, django_assert_num_queries
) -> None:
    own = AllocatedReferralFactory(patient__team=service.team)
    url = reverse("scheduling:book", args=[own.patient.pk])
    client = client_for(ADMIN)
    _team_of(service, 2, "Pemberton")
    client.get(url)
    # With the allocated clinician as the default and one audit event naming the patients listed;
    # the clinician's and the patients' busy times are one query (23 to 21); the form's referral
    # and clinician choices are read once each, not again when the page lists them (21 to 19);
    # a filled-in finder does not look for a default clinician, and whether the patient has a
    # referral to book under is read from the referral choices listed anyway (19 to 16); the
    # referral and clinician chosen are checked against the options listed (16 to 14).
    expected = 14
    with django_assert_num_queries(expected):
        first = client.get(url, _finder(service, own)).content.decode()
    _team_of(service, 15, "Pemberton")
    _team_of(service, 15)
    with django_assert_num_queries(expected):
        body = client.get(url, _finder(service, own)).content.decode()
    assert first.count("PEMBERTON") < body.count("PEMBERTON") <= 20 + first.count("PEMBERTON")


def test_the_booking_summary_asks_a_fixed_number_of_questions_and_books_nothing(
    service, client_for, django_assert_num_queries
) -> None:
    own = AllocatedReferralFactory(patient__team=service.team)
    url = reverse("scheduling:book", args=[own.patient.pk])
    client = client_for(ADMIN)
    client.get(url)
    data = {**_finder(service, own), "starts_at": local(next_weekday(1), dt.time(10)).isoformat()}
    expected = 10  # with the audit row of the patient shown
    with django_assert_num_queries(expected):
        assert "Check the booking" in client.post(url, data).content.decode()
    _team_of(service, 20, "Pemberton")
    with django_assert_num_queries(expected):
        assert client.post(url, data).status_code == 200
    assert not Appointment.objects.exists()
    assert AuditEvent.objects.filter(patient=own.patient, detail__page="booking summary").count() == 2


def test_the_add_member_search_asks_a_fixed_number_of_questions(
    service, client_for, django_assert_num_queries
) -> None:
    group = start_group(team=service.team)
    url = reverse("scheduling:group_add_member", args=[group.pk])
    client = client_for(ADMIN)
    _team_of(service, 2, "Pemberton")
    client.get(url)
    expected = 9  # with one audit event naming the people found
    with django_assert_num_queries(expected):
        client.get(url, {"q": "pemberton"})
    _team_of(service, 30, "Pemberton")
    with django_assert_num_queries(expected):
        body = client.get(url, {"q": "pemberton"}).content.decode()
    assert body.count("PEMBERTON") == 20  # at most twenty found, never the whole team
    assert not GroupMember.objects.exists()
