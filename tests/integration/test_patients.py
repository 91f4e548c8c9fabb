"""Creating, finding, viewing and editing patients."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.patients.models import Patient
from tests.factories.patients import PatientFactory, RiskFlagFactory

VALID = {
    "given_name": "Jane",
    "family_name": "Smith",
    "date_of_birth": "15/03/1984",
    "nhs_number": "943 476 5919",
    "stated_sex": "2",
    "gender_identity": "2",
    "ethnic_category": "A",
    "preferred_language": "en",
    "may_phone": "on",
    "may_text": "on",
    "phone_mobile": "07700 900123",
    "may_post": "on",
}


def _create(client, team, **changes):
    return client.post(reverse("patients:create"), {**VALID, "team": team.pk, **changes})


def test_receptionist_creates_a_patient_and_the_creation_is_audited(service, client_for) -> None:
    response = _create(client_for(Role.ADMINISTRATOR), service.team)
    patient = Patient.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "patients:detail", args=[patient.pk]
    )
    assert patient.nhs_number == "9434765919"
    assert patient.team == service.team
    assert AuditEvent.objects.filter(patient=patient, action=AuditEvent.Action.CREATE).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nhs_number", "943 476 5918", "the last digit (the check digit) does not match"),
        ("nhs_number", "12345", "Enter the NHS number as 10 digits"),
        ("date_of_birth", "31/02/1984", "Enter the date of birth as day/month/year"),
        ("date_of_birth", "15/03/2099", "The date of birth must be in the past"),
        ("given_name", "", "Enter the patient&#x27;s first name"),
        ("phone_mobile", "12345", "Enter a UK phone number"),
        ("postcode", "LS1 ZZZ", "Enter a full UK postcode"),
        ("gp_practice_code", "12", "A GP practice code is a capital letter followed by five digits"),
        ("ethnic_category", "Q", "Select a valid choice"),
    ],
)
def test_wrong_values_are_refused_with_a_clear_message_and_typed_values_kept(
    service, client_for, field: str, value: str, message: str
) -> None:
    response = _create(client_for(Role.ADMINISTRATOR), service.team, **{field: value})
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert "There is a problem" in body
    assert 'value="Smith"' in body or field == "family_name"  # what was typed is kept
    assert not Patient.objects.exists()


def test_same_nhs_number_shows_the_existing_record_and_never_creates_a_second(service, client_for) -> None:
    existing = PatientFactory(team=service.team, nhs_number="9434765919", family_name="Smith")
    response = _create(client_for(Role.ADMINISTRATOR), service.team, confirm_not_duplicate="1")
    body = response.content.decode()
    assert "This patient is already known" in body
    assert reverse("patients:detail", args=[existing.pk]) in body
    assert Patient.objects.count() == 1


def test_same_name_and_birth_date_needs_confirmation_before_a_second_record(service, client_for) -> None:
    PatientFactory(
        team=service.team, nhs_number=None, given_name="Jane", family_name="Smith", date_of_birth="1984-03-15"
    )
    client = client_for(Role.ADMINISTRATOR)
    first = _create(client, service.team, nhs_number="")
    assert "This may be a patient already known" in first.content.decode()
    assert Patient.objects.count() == 1
    confirmed = _create(client, service.team, nhs_number="", confirm_not_duplicate="1")
    assert confirmed.status_code == 302
    assert Patient.objects.count() == 2


def test_the_database_refuses_two_records_with_one_nhs_number(service) -> None:
    PatientFactory(team=service.team, nhs_number="9434765919")
    with pytest.raises(IntegrityError), transaction.atomic():
        PatientFactory(team=service.team, nhs_number="9434765919")


def test_the_database_refuses_a_malformed_nhs_number(service) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        PatientFactory(team=service.team, nhs_number="94347659")


def test_editing_changes_demographics_and_audits_the_fields(service, client_for, patient) -> None:
    client = client_for(Role.ADMINISTRATOR)
    form = client.get(reverse("patients:edit", args=[patient.pk]))
    assert form.status_code == 200
    data = {
        **VALID,
        "nhs_number": patient.nhs_number,
        "version": patient.version,
        "family_name": "Smith-Jones",
        "interpreter_required": "on",
        "preferred_language": "pl",
    }
    response = client.post(reverse("patients:edit", args=[patient.pk]), data)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.family_name == "Smith-Jones" and patient.interpreter_required
    assert patient.version == 2
    event = AuditEvent.objects.get(patient=patient, action=AuditEvent.Action.UPDATE)
    assert "family_name" in event.detail["fields"]


def test_a_concurrent_edit_is_detected_and_nothing_is_overwritten(service, client_for, patient) -> None:
    client = client_for(Role.ADMINISTRATOR)
    stale_version = patient.version
    Patient.objects.filter(pk=patient.pk).update(
        family_name="Changed-By-Colleague", version=stale_version + 1
    )
    data = {**VALID, "nhs_number": patient.nhs_number, "version": stale_version, "family_name": "Mine"}
    response = client.post(reverse("patients:edit", args=[patient.pk]), data)
    assert "Someone else changed this record while you were editing it" in response.content.decode()
    patient.refresh_from_db()
    assert patient.family_name == "Changed-By-Colleague"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ashdown", True),
        ("ASHDOWN marion", True),
        ("marion ashdown", True),
        ("marion", True),
        ("943 476 5919", True),
        ("9434765919", True),
        ("ashdown 02/07/1979", True),
        ("ashdown 03/07/1979", False),
        ("07700 900456", True),
        ("+44 7700 900456", True),
        ("smith", False),
    ],
)
def test_search_by_name_nhs_number_birth_date_and_phone(
    service, client_for, query: str, expected: bool
) -> None:
    PatientFactory(
        team=service.team,
        given_name="Marion",
        family_name="Ashdown",
        nhs_number="9434765919",
        date_of_birth="1979-07-02",
        phone_mobile="07700 900456",
    )
    response = client_for(Role.PWP).get(reverse("patients:search"), {"q": query})
    assert ("ASHDOWN, Marion" in response.content.decode()) is expected


def test_search_shows_only_own_teams_unless_the_whole_service_is_asked_for(
    service, client_for, other_patient
) -> None:
    client = client_for(Role.HIGH_INTENSITY_THERAPIST)
    own = client.get(reverse("patients:search"), {"q": other_patient.nhs_number})
    assert other_patient.display_name not in own.content.decode()
    wide = client.get(reverse("patients:search"), {"q": other_patient.nhs_number, "whole_service": "on"})
    body = wide.content.decode()
    assert other_patient.display_name in body
    assert reverse("patients:break_glass", args=[other_patient.pk]) in body
    assert f'href="{reverse("patients:detail", args=[other_patient.pk])}"' not in body


def test_banner_shows_name_nhs_number_age_risk_and_clinician(service, client_for) -> None:
    clinician = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    patient = PatientFactory(
        team=service.team,
        given_name="Marion",
        family_name="Ashdown",
        nhs_number="9434765919",
        allocated_clinician=clinician,
        sensitive=True,
    )
    RiskFlagFactory(patient=patient, raised_by=clinician)
    body = client_for(Role.PWP).get(reverse("patients:detail", args=[patient.pk])).content.decode()
    banner = body[body.index('data-testid="patient-banner"') : body.index("</section>")]
    for text in (
        "ASHDOWN, Marion",
        "943 476 5919",
        f"({patient.age} years)",
        str(clinician),
        "Risk concerns recorded",
        "clinician judgement",
        "Sensitive record",
    ):
        assert text in banner


def test_no_risk_score_or_label_is_ever_shown(service, client_for, patient) -> None:
    RiskFlagFactory(patient=patient, raised_by=service.staff[Role.PWP])
    body = client_for(Role.PWP).get(reverse("patients:detail", args=[patient.pk])).content.decode().lower()
    for forbidden in ("risk score", "high risk", "medium risk", "low risk"):
        assert forbidden not in body


def test_raising_and_clearing_a_risk_flag(service, client_for, patient) -> None:
    client = client_for(Role.HIGH_INTENSITY_THERAPIST)
    empty = client.post(reverse("patients:raise_risk", args=[patient.pk]), {"summary": ""})
    assert empty.status_code == 400 and "Describe the risk concerns" in empty.content.decode()
    client.post(reverse("patients:raise_risk", args=[patient.pk]), {"summary": "Recent self-harm."})
    flag = patient.risk_flags.get()
    assert flag.cleared_at is None
    client.post(
        reverse("patients:clear_risk", args=[patient.pk, flag.pk]), {"reason": "Reviewed in supervision."}
    )
    flag.refresh_from_db()
    assert flag.cleared_at is not None and flag.cleared_by == service.staff[Role.HIGH_INTENSITY_THERAPIST]


def test_patient_page_query_count_is_fixed(service, client_for, patient, django_assert_num_queries) -> None:
    from tests.factories.referrals import ReferralFactory

    client = client_for(Role.PWP)
    client.get(reverse("patients:detail", args=[patient.pk]))
    with django_assert_num_queries(10):  # two for employment support: current advisers, the choice
        client.get(reverse("patients:detail", args=[patient.pk]))
    for _ in range(5):
        RiskFlagFactory(patient=patient, raised_by=service.staff[Role.PWP])
        ReferralFactory(patient=patient, team=service.team)
    with django_assert_num_queries(10):
        body = client.get(reverse("patients:detail", args=[patient.pk])).content.decode()
    assert len(re.findall(r'href="/referrals/\d+/"', body)) == 5
    assert reverse("scheduling:patient_appointments", args=[patient.pk]) in body


def test_search_page_query_count_does_not_grow_with_results(
    service, client_for, django_assert_num_queries
) -> None:
    client = client_for(Role.PWP)
    PatientFactory.create_batch(3, team=service.team, family_name="Ashdown")
    client.get(reverse("patients:search"), {"q": "ashdown"})
    # Surnames, then first names (the page not full); the search event names each patient shown.
    with django_assert_num_queries(8):
        client.get(reverse("patients:search"), {"q": "ashdown"})
    PatientFactory.create_batch(30, team=service.team, family_name="Ashdown")
    with django_assert_num_queries(7):  # the surnames fill the page: first names not looked up
        client.get(reverse("patients:search"), {"q": "ashdown"})


def test_prefix_search_treats_wildcards_and_apostrophes_as_plain_text(service, client_for) -> None:
    PatientFactory(team=service.team, given_name="Siobhan", family_name="O'Brien")
    PatientFactory(team=service.team, given_name="Ann", family_name="Obama")
    client = client_for(Role.PWP)
    found = client.get(reverse("patients:search"), {"q": "o'b"}).content.decode()
    assert "O&#x27;BRIEN, Siobhan" in found and "OBAMA" not in found
    for wildcard in ("%", "_", "o%"):
        body = client.get(reverse("patients:search"), {"q": wildcard}).content.decode()
        assert "BRIEN" not in body and "OBAMA" not in body
