"""The FHIR R4 export: one valid Bundle per patient, every reference inside it, nobody else's data."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command
from fhir.resources.R4B.bundle import Bundle

from stepcare.accounts.permissions import Role
from stepcare.api.fhir import NHS_NUMBER_SYSTEM, patient_bundle
from stepcare.audit.models import AuditEvent
from stepcare.records import actions as record_actions
from stepcare.referrals.models import ProblemDescriptorRecord
from tests.factories.outcomes import contact, gad7, phq9, scores
from tests.factories.patients import PatientFactory
from tests.factories.records import GoalFactory, LetterFactory
from tests.factories.referrals import AllocatedReferralFactory
from tests.factories.scheduling import clinician_in


def _course(team, family_name: str, *, letter: bool = True):
    """A patient with a referral, a problem descriptor, two scored contacts, a goal and a signed letter."""
    patient = PatientFactory(team=team, family_name=family_name)
    clinician = clinician_in(team)
    referral = AllocatedReferralFactory(patient=patient, allocated_to=clinician)
    ProblemDescriptorRecord.objects.create(
        referral=referral,
        primary="F41.1",
        secondary="F32",
        recorded_on=referral.received_on,
        recorded_by=clinician,
    )
    for days_ago, total in ((14, 18), (7, 12)):
        appointment = contact(referral=referral, clinician=clinician, days_ago=days_ago)
        scores(appointment=appointment, by=clinician, PHQ9=phq9(total), GAD7=gad7(total - 4))
    GoalFactory(patient=patient, referral=referral, set_by=clinician)
    if letter:
        draft = LetterFactory(patient=patient, referral=referral, author=clinician)
        record_actions.sign_document(
            by=clinician,
            document=draft,
            expected_version=draft.version,
            legal_basis="Shared with the GP under direct care (implied consent)",
        )
    return patient


def _references(value) -> list[str]:
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "reference" and isinstance(inner, str):
                found.append(inner)
            else:
                found += _references(inner)
    elif isinstance(value, list):
        for inner in value:
            found += _references(inner)
    return found


def _types(bundle) -> list[str]:
    return [e["resource"]["resourceType"] for e in bundle["entry"]]


def test_a_patient_s_bundle_validates_resolves_every_reference_and_holds_nobody_else(service) -> None:
    mine = _course(service.team, "Quillfeather")
    theirs = _course(service.team, "Marrowdene")
    bundle = patient_bundle(mine)
    Bundle.model_validate(bundle)
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert set(_references(bundle)) <= urls
    types = _types(bundle)
    for expected in (
        "Patient",
        "ServiceRequest",
        "Appointment",
        "Encounter",
        "Questionnaire",
        "QuestionnaireResponse",
        "Observation",
        "Condition",
        "Goal",
        "DocumentReference",
    ):
        assert expected in types, expected
    assert types.count("Patient") == 1
    text = json.dumps(bundle)
    assert "Marrowdene" not in text and theirs.nhs_number not in text
    patient = bundle["entry"][0]["resource"]
    assert patient["identifier"] == [{"system": NHS_NUMBER_SYSTEM, "value": mine.nhs_number}]


def test_phq9_and_gad7_totals_carry_loinc_codes_and_caseness(service) -> None:
    bundle = patient_bundle(_course(service.team, "Quillfeather", letter=False))
    observations = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    codes = {c["code"] for o in observations for c in o["code"].get("coding", [])}
    assert {"44261-6", "70274-6"} <= codes
    first_phq9 = next(o for o in observations if o["code"]["coding"][0]["code"] == "44261-6")
    assert first_phq9["valueQuantity"]["value"] == 18
    assert first_phq9["interpretation"][0]["text"].startswith("At or above")


def test_a_signed_letter_is_a_base64_pdf(service) -> None:
    import base64

    bundle = patient_bundle(_course(service.team, "Quillfeather"))
    document = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DocumentReference"
    )
    attachment = document["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert base64.b64decode(attachment["data"]).startswith(b"%PDF")


def test_the_command_exports_one_patient_by_nhs_number_and_audits_it(service, tmp_path) -> None:
    patient = _course(service.team, "Quillfeather", letter=False)
    _course(service.team, "Marrowdene", letter=False)
    out = tmp_path / "one.json"
    call_command("export", "fhir", "--nhs-number", patient.nhs_number, "-o", str(out))
    bundle = json.loads(out.read_text())
    Bundle.model_validate(bundle)
    assert "Marrowdene" not in out.read_text()
    event = AuditEvent.objects.get(action="export", patient=patient)
    assert event.detail["format"] == "fhir" and event.username.startswith("cli:")


def test_the_command_exports_everyone_with_activity_in_a_period_and_nobody_else(service, tmp_path) -> None:
    import datetime as dt

    first = _course(service.team, "Quillfeather", letter=False)
    second = _course(service.other_team, "Marrowdene", letter=False)
    PatientFactory(team=service.team)  # no activity at all
    today = dt.date.today()
    call_command(
        "export",
        "fhir",
        "--from",
        (today - dt.timedelta(days=30)).isoformat(),
        "--to",
        today.isoformat(),
        "-o",
        str(tmp_path),
    )
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == sorted([f"patient-{first.pk}.json", f"patient-{second.pk}.json"])
    for path in tmp_path.iterdir():
        bundle = json.loads(path.read_text())
        pk = int(re.search(r"(\d+)", path.name).group(1))
        assert [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"].__len__() == 1
        other = second if pk == first.pk else first
        assert other.family_name not in path.read_text()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.HIGH_INTENSITY_THERAPIST, 200),
        (Role.PWP, 200),
        (Role.ADMINISTRATOR, 404),
        (Role.IG_OFFICER, 404),
    ],
)
def test_the_api_returns_the_bundle_to_clinicians_in_the_team_only(service, api_for, role, status) -> None:
    patient = _course(service.team, "Quillfeather", letter=False)
    response = api_for(role).get(f"/patients/{patient.pk}/fhir")
    assert response.status_code == status
    if status == 200:
        Bundle.model_validate(response.json())
        assert AuditEvent.objects.filter(action="export", patient=patient, detail__api="fhir").exists()


def test_another_team_s_bundle_is_a_404(service, api_for) -> None:
    patient = _course(service.other_team, "Marrowdene", letter=False)
    response = api_for(Role.HIGH_INTENSITY_THERAPIST).get(f"/patients/{patient.pk}/fhir")
    assert response.status_code == 404 and "Marrowdene" not in response.content.decode()


def test_a_group_session_in_the_bundle_names_only_this_patient(service) -> None:
    from stepcare.scheduling import actions as scheduling_actions
    from tests.factories.scheduling import participant, start_group

    group = start_group(team=service.team)
    mine = PatientFactory(team=service.team, family_name="Quillfeather")
    theirs = PatientFactory(team=service.team, family_name="Marrowdene")
    for person in (mine, theirs):
        scheduling_actions.add_group_member(
            by=service.staff[Role.PWP], group=group, participant=participant(person)
        )
    bundle = patient_bundle(mine)
    appointments = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Appointment"]
    assert appointments and all(len(a["participant"]) == 1 for a in appointments)
    assert "Marrowdene" not in json.dumps(bundle) and str(theirs.pk) not in {
        e["fullUrl"] for e in bundle["entry"]
    }
