"""Letters from templates to the GP and others, only with consent or a legal basis; consent;
GP practices from the national file; subject access export."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent
from stepcare.records import actions
from stepcare.records.models import Consent, GPPractice, Letter, LetterTemplate, RelatedPerson
from tests.factories.patients import PatientFactory
from tests.factories.records import (
    ConsentFactory,
    GPPracticeFactory,
    LetterFactory,
    RelatedPersonFactory,
    SessionNoteFactory,
)
from tests.factories.referrals import ReferralFactory

R = Role
DEMO_FILE = Path(__file__).resolve().parents[3] / "stepcare" / "records" / "data" / "epraccur-demo.csv"


@pytest.fixture
def hit(service):
    return service.staff[R.HIGH_INTENSITY_THERAPIST]


@pytest.fixture
def gp_patient(service):
    GPPracticeFactory(ods_code="Y90001", name="Northbrook Medical Practice")
    return PatientFactory(
        team=service.team,
        family_name="Quenby",
        given_name="Ada",
        gp_practice_code="Y90001",
        gp_practice_name="Northbrook MP",
    )


def _pdf_text(response) -> str:
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)


def _draft_gp_letter(client, patient, template_name="GP letter after assessment"):
    template = LetterTemplate.objects.get(name=template_name)
    referral = ReferralFactory(team=patient.team, patient=patient)
    response = client.post(
        reverse("records:new", args=[patient.pk, "letter"]),
        {"template": template.pk, "recipient_kind": "gp", "referral": referral.pk},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Letter.objects.filter(patient=patient).latest("created_at")


def test_a_gp_letter_is_drafted_from_a_template_edited_signed_with_consent_and_read_back_from_its_pdf(
    client_for, gp_patient, hit
) -> None:
    ConsentFactory(patient=gp_patient, scope=Consent.Scope.SHARE_GP, recorded_by=hit)
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    letter = _draft_gp_letter(client, gp_patient)
    assert letter.recipient_kind == "gp" and letter.gp_practice.ods_code == "Y90001"
    assert letter.recipient_name == "The GP, Northbrook Medical Practice"
    assert "Ada Quenby" in letter.subject and gp_patient.formatted_nhs_number in letter.subject
    edited = client.post(
        reverse("records:edit", args=["letter", letter.pk]),
        {
            "recipient_name": letter.recipient_name,
            "recipient_address": letter.recipient_address,
            "subject": letter.subject,
            "body": letter.body + "\n\nShe would like to try a lower dose of sertraline.",
            "version": letter.version,
        },
    )
    assert edited.status_code == 302
    letter.refresh_from_db()
    assert (
        client.post(
            reverse("records:sign", args=["letter", letter.pk]), {"version": letter.version}
        ).status_code
        == 302
    )
    pdf = client.get(reverse("records:pdf", args=["letter", letter.pk]))
    text = _pdf_text(pdf)
    assert "Ada Quenby" in text and gp_patient.formatted_nhs_number in text
    assert "Northbrook Medical Practice" in text and "lower dose of sertraline" in text
    assert AuditEvent.objects.filter(
        action="export", object_type="records.Letter", patient=gp_patient
    ).exists()
    listed = client.get(reverse("records:record", args=[gp_patient.pk]) + "?kind=letter").content.decode()
    assert "Letter to The GP, Northbrook Medical Practice" in listed


def test_a_letter_is_refused_without_consent_unless_a_legal_basis_is_recorded(
    client_for, gp_patient, hit
) -> None:
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    letter = _draft_gp_letter(client, gp_patient, "GP letter about risk")
    sign_url = reverse("records:sign", args=["letter", letter.pk])
    refused = client.post(sign_url, {"version": letter.version})
    assert refused.status_code == 400
    assert "has not agreed to share" in refused.content.decode()
    assert not Letter.objects.get(pk=letter.pk).is_signed
    allowed = client.post(
        sign_url, {"version": letter.version, "legal_basis": "Safeguarding: risk to a child disclosed today."}
    )
    assert allowed.status_code == 302
    sent = Letter.objects.get(pk=letter.pk)
    assert sent.is_signed and sent.legal_basis.startswith("Safeguarding")
    event = AuditEvent.objects.filter(object_type="records.Letter", object_id=str(letter.pk)).latest("id")
    assert event.detail.get("shared_without_consent") is True


def test_consent_withdrawn_stops_the_next_letter(hit, gp_patient) -> None:
    consent = actions.record_consent(
        by=hit, patient=gp_patient, scope=Consent.Scope.SHARE_GP, given=True, decided_on=timezone.localdate()
    )
    first = LetterFactory(patient=gp_patient, author=hit)
    actions.sign_document(by=hit, document=first, expected_version=first.version)
    actions.withdraw_consent(
        by=hit, consent=consent, withdrawn_on=timezone.localdate(), reason="Changed her mind"
    )
    second = LetterFactory(patient=gp_patient, author=hit)
    with pytest.raises(actions.ConsentMissing):
        actions.sign_document(by=hit, document=second, expected_version=second.version)


def test_a_letter_to_a_named_person_needs_consent_to_involve_that_person(hit, patient) -> None:
    sister = RelatedPersonFactory(patient=patient, added_by=hit)
    letter = LetterFactory(
        patient=patient,
        author=hit,
        recipient_kind="related_person",
        related_person=sister,
        recipient_name=sister.name,
    )
    with pytest.raises(actions.ConsentMissing):
        actions.sign_document(by=hit, document=letter, expected_version=letter.version)
    actions.record_consent(
        by=hit,
        patient=patient,
        scope=Consent.Scope.INVOLVE_PERSON,
        given=True,
        related_person=sister,
        may_be_told="Appointment times and the safety plan",
        decided_on=timezone.localdate(),
    )
    assert actions.sign_document(by=hit, document=letter, expected_version=letter.version).is_signed


def test_a_letter_to_the_patient_needs_no_sharing_consent(hit, patient) -> None:
    letter = LetterFactory(patient=patient, author=hit, recipient_kind="patient", recipient_name="Ada")
    assert actions.sign_document(by=hit, document=letter, expected_version=letter.version).is_signed


def test_a_letter_names_only_its_own_patient_and_their_own_gp(client_for, service, gp_patient, hit) -> None:
    """Wrong patient on a letter: merge fields come from the letter's patient and referral only."""
    GPPracticeFactory(ods_code="Y90002", name="Riverside Surgery")
    other = PatientFactory(team=service.team, family_name="Zebedee", gp_practice_code="Y90002")
    ReferralFactory(team=service.team, patient=other)
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    letter = _draft_gp_letter(client, gp_patient)
    text = letter.subject + letter.body + letter.recipient_name + letter.recipient_address
    assert "Zebedee" not in text and "Riverside" not in text and other.formatted_nhs_number not in text
    with pytest.raises(actions.SigningRefused):  # a referral of another patient is refused
        actions.create_document(
            by=hit, kind=Letter, patient=gp_patient, referral=other.referrals.get(), data={"subject": "x"}
        )


def test_consent_page_records_people_decisions_and_withdrawals_with_dates(client_for, patient) -> None:
    client = client_for(R.HIGH_INTENSITY_THERAPIST)
    url = reverse("records:consent", args=[patient.pk])
    assert (
        client.post(
            reverse("records:add_person", args=[patient.pk]), {"name": "Sam Carer", "relationship": "carer"}
        ).status_code
        == 302
    )
    person = RelatedPerson.objects.get(patient=patient)
    today = timezone.localdate()
    response = client.post(
        url,
        {
            "scope": "involve_person",
            "given": "yes",
            "related_person": person.pk,
            "may_be_told": "Appointment times only",
            "decided_on": today.isoformat(),
        },
    )
    assert response.status_code == 302
    refused = client.post(url, {"scope": "share_agency", "given": "yes", "decided_on": today.isoformat()})
    assert refused.status_code == 400 and "Name the agency" in refused.content.decode()
    consent = Consent.objects.get(patient=patient)
    client.post(
        reverse("records:withdraw_consent", args=[patient.pk, consent.pk]),
        {"withdrawn_on": today.isoformat(), "reason": "Asked us to stop"},
    )
    page = client.get(url).content.decode()
    assert "Withdrawn" in page and "Sam Carer" in page and "Appointment times only" in page


def test_the_database_refuses_consent_to_involve_nobody(hit, patient) -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(
            patient=patient, scope="involve_person", given=True, decided_on=dt.date.today(), recorded_by=hit
        )


def test_gp_practices_load_from_the_national_file_layout_and_update_in_place(db) -> None:
    out = io.StringIO()
    call_command("import_gp_practices", str(DEMO_FILE), stdout=out)
    assert "13 GP practices added, 0 updated" in out.getvalue()
    practice = GPPractice.objects.get(ods_code="Y90001")
    assert practice.name == "Northbrook Medical Practice" and practice.postcode.startswith("NB")
    assert GPPractice.objects.get(ods_code="Y90099").status == "C"
    call_command("import_gp_practices", str(DEMO_FILE), stdout=out)
    assert "0 GP practices added, 13 updated" in out.getvalue()


def test_a_malformed_practice_file_imports_nothing(db, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        '"Y90001","ONE PRACTICE","Y63","QHM","1 HIGH ST","","","","","NB1 1AA","","","A"\n"Y90002","TWO"\n'
    )
    with pytest.raises(CommandError, match="Line 2"):
        call_command("import_gp_practices", str(bad))
    assert not GPPractice.objects.exists()


def test_subject_access_export_holds_that_patient_only_from_the_page_and_the_command(
    client_for, service, patient, hit, tmp_path
) -> None:
    # A surname no generated name (staff, patient) can contain, so its absence proves something.
    other_patient = PatientFactory(team=service.team, family_name="Quillerwynd")
    note = SessionNoteFactory(patient=patient, author=hit, agenda="Mine to see")
    actions.sign_document(by=hit, document=note, expected_version=note.version)
    SessionNoteFactory(patient=other_patient, author=hit, agenda="Somebody else's")
    ig = client_for(R.IG_OFFICER)
    data = json.loads(ig.get(reverse("records:subject_access", args=[patient.pk]) + "?format=json").content)
    assert data["patient"]["nhs_number"] == patient.nhs_number
    dumped = json.dumps(data)
    assert (
        "Mine to see" in dumped and "Somebody else" not in dumped and other_patient.family_name not in dumped
    )
    pdf = ig.get(reverse("records:subject_access", args=[patient.pk]))
    assert "Mine to see" in _pdf_text(pdf)
    assert (
        client_for(R.HIGH_INTENSITY_THERAPIST)
        .get(reverse("records:subject_access", args=[patient.pk]))
        .status_code
        == 403
    )

    out_json, out_pdf = tmp_path / "record.json", tmp_path / "record.pdf"
    call_command(
        "record",
        "export",
        "--nhs-number",
        patient.nhs_number,
        "-o",
        str(out_json),
        "--json",
        stdout=io.StringIO(),
    )
    assert "Somebody else" not in out_json.read_text() and "Mine to see" in out_json.read_text()
    call_command(
        "record", "export", "--nhs-number", patient.nhs_number, "-o", str(out_pdf), stdout=io.StringIO()
    )
    assert out_pdf.read_bytes().startswith(b"%PDF")
    assert (
        AuditEvent.objects.filter(action="export", patient=patient, username="stepcare record export").count()
        == 2
    )
