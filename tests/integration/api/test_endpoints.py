"""The REST API acts with exactly the token user's roles and teams, audits every read,
pages every list and answers every error with problem+json."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from stepcare.accounts.permissions import Permission, Role, permissions_for_role
from stepcare.audit.models import AuditEvent
from stepcare.outcomes.models import MeasureResponse
from stepcare.scheduling.models import Attendee
from tests.factories.patients import PatientFactory
from tests.factories.referrals import AllocatedReferralFactory, ReferralFactory
from tests.factories.scheduling import book, participant

PHQ9 = [1, 2, 1, 2, 1, 2, 1, 1, 0]


def _can(role: Role, permission: Permission) -> bool:
    return permission in permissions_for_role(role)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_a_patient_is_shown_to_exactly_the_roles_that_may_view_it_and_never_to_another_team(
    service, api_for, role: Role
) -> None:
    own = PatientFactory(team=service.team, family_name="Quillfeather")
    other = PatientFactory(team=service.other_team, family_name="Marrowdene")
    api = api_for(role)
    own_response = api.get(f"/patients/{own.pk}")
    # An employment adviser sees only the patients referred to them (docs/adr/0012); this one is not.
    may_see = _can(role, Permission.VIEW_PATIENT) and role != Role.EMPLOYMENT_ADVISER
    assert own_response.status_code == (200 if may_see else 404)
    other_response = api.get(f"/patients/{other.pk}")
    assert other_response.status_code == 404
    assert other_response["Content-Type"] == "application/problem+json"
    assert "Marrowdene" not in other_response.content.decode()
    listed = api.get("/patients/", limit=100).json()["items"]
    assert other.pk not in [p["id"] for p in listed]


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_referrals_are_listed_and_shown_only_within_the_token_user_s_teams(
    service, api_for, role: Role
) -> None:
    own = ReferralFactory(team=service.team)
    other = ReferralFactory(team=service.other_team)
    api = api_for(role)
    allowed = _can(role, Permission.MANAGE_REFERRALS)
    assert api.get(f"/referrals/{own.pk}").status_code == (200 if allowed else 404)
    assert api.get(f"/referrals/{other.pk}").status_code == 404
    ids = [r["id"] for r in api.get("/referrals/").json()["items"]]
    assert ids == ([own.pk] if allowed else [])


def test_another_team_s_appointment_is_a_404_that_names_nobody(service, api_for) -> None:
    other_patient = PatientFactory(team=service.other_team, family_name="Marrowdene")
    appointment = book(participants=[participant(other_patient)])
    response = api_for(Role.ADMINISTRATOR).get(f"/appointments/{appointment.pk}")
    assert response.status_code == 404 and "Marrowdene" not in response.content.decode()
    assert AuditEvent.objects.filter(action="access_denied", patient=other_patient).exists()


def test_reading_a_patient_writes_an_audit_row_naming_them(service, api_for) -> None:
    patient = PatientFactory(team=service.team)
    api_for(Role.PWP).get(f"/patients/{patient.pk}")
    event = AuditEvent.objects.get(action="view", patient=patient)
    assert event.user == service.staff[Role.PWP] and event.detail["api"] == "patient"
    assert event.path == f"/api/v1/patients/{patient.pk}"


def test_a_list_writes_one_audit_event_naming_exactly_the_patients_on_the_page(service, api_for) -> None:
    patients = [PatientFactory(team=service.team) for _ in range(5)]
    api = api_for(Role.PWP)
    body = api.get("/patients/", limit=2, offset=1).json()
    assert body["count"] == 5 and len(body["items"]) == 2
    event = AuditEvent.objects.filter(action="view", detail__api="patients").get()
    assert event.detail["patients"] == sorted(p["id"] for p in body["items"])
    assert set(event.detail["patients"]) <= {p.pk for p in patients}
    # Each patient listed finds the read in their access log, as a page's list names them.
    assert sorted(event.shown.values_list("patient_id", flat=True)) == event.detail["patients"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "ten"}])
def test_page_sizes_outside_the_bounds_are_refused_as_problem_json(service, api_for, params) -> None:
    response = api_for(Role.PWP).get("/patients/", **params)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()) >= {"type", "title", "status", "detail"}


def test_the_largest_page_is_one_hundred(service, api_for) -> None:
    PatientFactory.create_batch(3, team=service.team)
    body = api_for(Role.PWP).get("/patients/", limit=100).json()
    assert body["limit"] == 100 and body["count"] == 3


def test_patients_can_be_searched_by_nhs_number(service, api_for) -> None:
    wanted = PatientFactory(team=service.team)
    PatientFactory(team=service.team)
    items = api_for(Role.PWP).get("/patients/", q=wanted.nhs_number).json()["items"]
    assert [p["id"] for p in items] == [wanted.pk]


def test_appointments_are_listed_by_date_range_and_clinician(service, api_for) -> None:
    appointment = book(participants=[participant(PatientFactory(team=service.team))])
    day = timezone.localtime(appointment.starts_at).date()
    api = api_for(Role.ADMINISTRATOR)
    clinician = appointment.clinician_rows.get().clinician_id
    body = api.get(
        "/appointments/", start=day.isoformat(), end=day.isoformat(), clinician_id=clinician
    ).json()
    assert [a["id"] for a in body["items"]] == [appointment.pk]
    assert body["items"][0]["clinician_ids"] == [clinician]
    empty = api.get(
        "/appointments/", start=day.isoformat(), end=day.isoformat(), clinician_id=clinician + 999
    )
    assert empty.json()["items"] == []
    backwards = api.get("/appointments/", start=day.isoformat(), end=(day - dt.timedelta(days=1)).isoformat())
    assert backwards.status_code == 422 and backwards["Content-Type"] == "application/problem+json"


def test_a_read_token_cannot_record_attendance_and_a_write_token_can(service, api_for) -> None:
    patient = PatientFactory(team=service.team)
    appointment = book(
        participants=[participant(patient)],
        starts_at=timezone.now() - dt.timedelta(minutes=70),
        minutes=50,
    )
    body = {"patient_id": patient.pk, "code": Attendee.AttendOrDNA.ATTENDED_ON_TIME}
    refused = api_for(Role.ADMINISTRATOR).post(f"/appointments/{appointment.pk}/attendance", body)
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    done = api_for(Role.ADMINISTRATOR, scope="write").post(f"/appointments/{appointment.pk}/attendance", body)
    assert done.status_code == 200
    assert done.json()["attendees"][0]["attendance"] == Attendee.AttendOrDNA.ATTENDED_ON_TIME
    assert AuditEvent.objects.filter(action="update", patient=patient, detail__attendance="5").exists()


def test_a_refusal_from_the_booking_rules_is_a_409_problem_not_a_500(service, api_for) -> None:
    patient = PatientFactory(team=service.team)
    appointment = book(participants=[participant(patient)])  # next week: too early to record
    response = api_for(Role.ADMINISTRATOR, scope="write").post(
        f"/appointments/{appointment.pk}/attendance", {"patient_id": patient.pk, "code": "5"}
    )
    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
    assert "later day" in response.json()["detail"]


def test_a_write_token_records_a_phq9_and_the_scores_are_listed_then_a_duplicate_is_refused(
    service, api_for
) -> None:
    referral = AllocatedReferralFactory(patient=PatientFactory(team=service.team))
    api = api_for(Role.PWP, scope="write")
    body = {
        "entries": {"PHQ-9": PHQ9},
        "timepoint": "waiting",
        "completed_on": timezone.localdate().isoformat(),
    }
    created = api.post(f"/referrals/{referral.pk}/responses", body)
    assert created.status_code == 201, created.content
    assert created.json()[0]["total"] == 11
    listed = api.get(f"/referrals/{referral.pk}/responses").json()
    assert listed["count"] == 1 and listed["items"][0]["measure"] == "PHQ-9"
    assert MeasureResponse.objects.filter(referral=referral).count() == 1


def test_a_response_with_wrong_answers_is_a_409_problem(service, api_for) -> None:
    referral = AllocatedReferralFactory(patient=PatientFactory(team=service.team))
    body = {
        "entries": {"PHQ-9": [9, 9]},
        "timepoint": "waiting",
        "completed_on": timezone.localdate().isoformat(),
    }
    response = api_for(Role.PWP, scope="write").post(f"/referrals/{referral.pk}/responses", body)
    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"


def test_malformed_json_is_a_problem_not_a_500(service, api_for) -> None:
    referral = AllocatedReferralFactory(patient=PatientFactory(team=service.team))
    api = api_for(Role.PWP, scope="write")
    response = api.client.post(
        f"/api/v1/referrals/{referral.pk}/responses", "{not json", content_type="application/json"
    )
    assert response.status_code in {400, 422} and response["Content-Type"] == "application/problem+json"


def test_another_team_s_referral_scores_are_a_404(service, api_for) -> None:
    referral = AllocatedReferralFactory(patient=PatientFactory(team=service.other_team))
    api = api_for(Role.PWP, scope="write")
    assert api.get(f"/referrals/{referral.pk}/responses").status_code == 404
    body = {
        "entries": {"PHQ-9": PHQ9},
        "timepoint": "waiting",
        "completed_on": timezone.localdate().isoformat(),
    }
    assert api.post(f"/referrals/{referral.pk}/responses", body).status_code == 404
    assert not MeasureResponse.objects.exists()


def test_the_openapi_schema_is_served_without_a_token(db, client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/patients/" in response.json()["paths"]


def test_a_page_of_appointments_costs_the_same_queries_for_two_or_six(service, api_for) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = api_for(Role.ADMINISTRATOR)
    first = book(participants=[participant(PatientFactory(team=service.team))])
    day = timezone.localtime(first.starts_at).date()
    params = {"start": day.isoformat(), "end": day.isoformat()}

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            api.get("/appointments/", **params)
        return len(ctx)

    book(
        participants=[participant(PatientFactory(team=service.team))],
        starts_at=first.starts_at + dt.timedelta(hours=1),
    )
    two = queries()
    for hour in range(2, 6):
        book(
            participants=[participant(PatientFactory(team=service.team))],
            starts_at=first.starts_at + dt.timedelta(hours=hour),
        )
    assert queries() == two <= 14


def test_a_page_of_patients_is_a_fixed_number_of_queries(
    service, api_for, django_assert_max_num_queries
) -> None:
    PatientFactory.create_batch(20, team=service.team)
    api = api_for(Role.PWP)
    with django_assert_max_num_queries(12):
        assert len(api.get("/patients/", limit=20).json()["items"]) == 20


def test_kpis_are_served_for_a_team_the_user_reports_on_and_another_team_is_a_404(service, token_for) -> None:

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(Role.SERVICE_MANAGER)}")
    params = {"start": "2026-04-01", "end": "2027-03-31"}
    response = client.get("/api/v1/kpis/", {**params, "team_id": service.team.pk})
    assert response.status_code == 200
    body = response.json()
    assert body["period_start"] == "2026-04-01" and "recovery_rate" in body and "finished_course" in body
    assert AuditEvent.objects.filter(detail__api="kpis").exists()
    other = client.get("/api/v1/kpis/", {**params, "team_id": service.other_team.pk})
    assert other.status_code == 404 and other["Content-Type"] == "application/problem+json"
    clinician = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(Role.HIGH_INTENSITY_THERAPIST)}")
    assert clinician.get("/api/v1/kpis/", {**params, "team_id": service.team.pk}).status_code == 404
    backwards = client.get(
        "/api/v1/kpis/", {"start": "2027-03-31", "end": "2026-04-01", "team_id": service.team.pk}
    )
    assert backwards.status_code == 422
