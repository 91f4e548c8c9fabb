"""Input that used to end in a server error now gets a clear message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.referrals.imports import parse_referral_csv
from stepcare.referrals.models import Referral
from stepcare.scheduling.models import Appointment
from tests.factories.accounts import RoomFactory, SiteFactory
from tests.factories.referrals import AllocatedReferralFactory
from tests.factories.scheduling import next_weekday
from tests.integration.referrals.test_import import GOOD, HEADER

pytestmark = pytest.mark.django_db


def test_a_csv_saved_with_cr_only_line_endings_is_read(service) -> None:
    data = (HEADER + "".join(GOOD)).replace("\n", "\r").encode()
    parsed = parse_referral_csv(data)
    assert parsed.file_problem == "" and len(parsed.good) == 2 and not parsed.bad


def test_a_cell_over_the_csv_field_limit_is_explained_and_nothing_is_imported(service, client_for) -> None:
    huge = GOOD[0].replace("Worry about work", '"' + "x" * 200_000 + '"')
    client = client_for(Role.ADMINISTRATOR)
    upload = SimpleUploadedFile("r.csv", (HEADER + GOOD[1] + huge).encode(), content_type="text/csv")
    response = client.post(reverse("referrals:import"), {"team": service.team.pk, "file": upload})
    assert response.status_code == 200
    assert "longer than 131072 characters" in response.content.decode()
    assert not Referral.objects.exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize("name", ["scheduling:my_week", "scheduling:team_diary"])
def test_diary_pages_at_the_calendars_edges_show_today_instead(service, client_for, day, name) -> None:
    url = reverse(name, kwargs={"team_pk": service.team.pk} if "team" in name else {})
    assert client_for(Role.HIGH_INTENSITY_THERAPIST).get(url, {"date": day}).status_code == 200


@pytest.mark.parametrize("day", ["31/12/9999", "01/01/0001"])
def test_booking_from_a_date_at_the_calendars_edge_is_refused_with_a_message(
    service, client_for, patient, day
) -> None:
    referral = AllocatedReferralFactory(patient=patient)
    response = client_for(Role.ADMINISTRATOR).get(
        reverse("scheduling:book", args=[patient.pk]),
        {
            "referral": referral.pk,
            "clinician": service.staff[Role.HIGH_INTENSITY_THERAPIST].pk,
            "app_type": "02",
            "delivery_mode": "02",
            "duration": "60",
            "from_date": day,
            "repeat": "once",
        },
    )
    assert response.status_code == 200 and "too far in the past or the future" in response.content.decode()


def test_ids_beyond_64_bits_are_refused_with_a_message(service, client_for) -> None:
    response = client_for(Role.HIGH_INTENSITY_THERAPIST).post(
        reverse("scheduling:group_new"), {"facilitators": ["99999999999999999999999"], "team": "1" * 30}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


def _booking(service, patient, **changes):
    referral = AllocatedReferralFactory(patient=patient)
    data = {
        "referral": referral.pk,
        "clinician": service.staff[Role.HIGH_INTENSITY_THERAPIST].pk,
        "app_type": "02",
        "delivery_mode": "01",
        "duration": "60",
        "from_date": next_weekday(0).strftime("%d/%m/%Y"),
        "repeat": "once",
        "starts_at": dt.datetime.combine(next_weekday(1), dt.time(10)).isoformat(),
    }
    data.update(changes)
    return data


def test_booking_refuses_a_room_at_another_site_or_for_a_telephone_appointment(
    service, client_for, patient
) -> None:
    here = SiteFactory(service=service.team.service)
    elsewhere = SiteFactory(service=service.team.service)
    foreign_service_room = RoomFactory()
    client = client_for(Role.ADMINISTRATOR)
    url = reverse("scheduling:book", args=[patient.pk])
    for room, mode, message in [
        (RoomFactory(site=elsewhere), "01", "not at the site chosen"),
        (RoomFactory(site=here), "02", "Only a face-to-face appointment has a room"),
        (foreign_service_room, "01", "not at the site chosen"),
    ]:
        response = client.post(
            url, _booking(service, patient, site=here.pk, room=room.pk, delivery_mode=mode)
        )
        assert message in response.content.decode(), (room, mode)
    assert not Appointment.objects.exists()
