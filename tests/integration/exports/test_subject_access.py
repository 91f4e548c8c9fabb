"""A subject access request as a background export job: the IG officer asks for it from the
patient's access log page (a long record takes too long to render inside a web request); the job
writes that patient's whole record (PDF and JSON) into a zip. Only the requester and other IG
officers reach the job, and each download is audited naming the patient."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent, AuditEventPatient
from stepcare.exports.models import ExportJob
from stepcare.records import actions as record_actions
from tests.conftest import sign_in
from tests.factories.accounts import MembershipFactory, TOTPDeviceFactory, UserFactory
from tests.factories.patients import PatientFactory
from tests.factories.records import SessionNoteFactory

# A surname no generated name (staff, patient) can contain, so its absence proves something.
OTHER_SURNAME = "Quillerwynd"


@pytest.fixture
def records(service, patient):
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    note = SessionNoteFactory(patient=patient, author=hit, agenda="Mine to see")
    record_actions.sign_document(by=hit, document=note, expected_version=note.version)
    other = PatientFactory(team=service.team, family_name=OTHER_SURNAME)
    SessionNoteFactory(patient=other, author=hit, agenda="Somebody else's")
    return other


def _ask(client, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("records:subject_access", args=[patient.pk]))


def _download(client, job) -> zipfile.ZipFile:
    response = client.get(reverse("exports:download", args=[job.pk]))
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _ig_officer_of(team) -> Client:
    user = UserFactory(username="second.ig")
    MembershipFactory(user=user, team=team, role=Role.IG_OFFICER)
    TOTPDeviceFactory(user=user)
    return sign_in(Client(), user)


def test_the_access_log_page_has_the_button(client_for, patient) -> None:
    page = client_for(Role.IG_OFFICER).get(reverse("patients:access_log", args=[patient.pk])).content.decode()
    assert f'action="{reverse("records:subject_access", args=[patient.pk])}"' in page
    assert "Produce as a background job" in page


def test_the_job_holds_that_patients_record_only_and_its_download_is_audited(
    service, patient, records, client_for, django_capture_on_commit_callbacks
) -> None:
    ig = client_for(Role.IG_OFFICER)
    response = _ask(ig, patient, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:job", args=[job.pk])
    assert job.kind == "subject_access" and job.status == "done", job.error
    assert job.progress_done == job.progress_total == 2
    created = AuditEvent.objects.get(action="create", object_id=str(job.pk))
    assert created.patient_id == patient.pk

    archive = _download(ig, job)
    name = f"subject-access-{patient.nhs_number}"
    assert sorted(archive.namelist()) == [f"{name}.json", f"{name}.pdf"]
    pdf = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(archive.read(f"{name}.pdf"))).pages)
    assert patient.family_name in pdf and patient.nhs_number in pdf.replace(" ", "")
    assert "Mine to see" in pdf and "Somebody else" not in pdf and OTHER_SURNAME not in pdf
    data = json.loads(archive.read(f"{name}.json"))
    assert data["patient"]["nhs_number"] == patient.nhs_number
    dumped = json.dumps(data)
    assert "Mine to see" in dumped and "Somebody else" not in dumped and OTHER_SURNAME not in dumped

    download = AuditEvent.objects.get(action="export", object_id=str(job.pk))
    assert download.user == service.staff[Role.IG_OFFICER]
    assert list(AuditEventPatient.objects.filter(event=download).values_list("patient_id", flat=True)) == [
        patient.pk
    ]
    assert not AuditEventPatient.objects.filter(patient=records).exists()

    page = ig.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "Download the record (zip of a PDF and JSON)" in page and patient.nhs_number in page
    assert AuditEvent.objects.filter(action="view", patient=patient, object_id=str(job.pk)).exists()


def test_another_ig_officer_reaches_the_job_and_no_other_role_does(
    service, patient, client_for, django_capture_on_commit_callbacks
) -> None:
    job_pk = _ask(client_for(Role.IG_OFFICER), patient, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert job_pk.status_code == 302
    colleague = _ig_officer_of(service.other_team)  # as on the subject access page: any team
    assert colleague.get(reverse("exports:job", args=[job.pk])).status_code == 200
    _download(colleague, job)
    others = (Role.SERVICE_MANAGER, Role.HIGH_INTENSITY_THERAPIST, Role.PWP, Role.ADMINISTRATOR)
    for role in others:
        client = client_for(role)
        assert client.get(reverse("exports:job", args=[job.pk])).status_code == 404, role
        assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404, role
        assert client.post(reverse("exports:run_again", args=[job.pk])).status_code == 404, role
        assert _ask(client, patient, django_capture_on_commit_callbacks).status_code == 403, role
    # Not on the service manager's list of exports either.
    page = client_for(Role.SERVICE_MANAGER).get(reverse("exports:dataset")).content.decode()
    assert reverse("exports:job", args=[job.pk]) not in page
    assert ExportJob.objects.count() == 1


def test_the_direct_downloads_still_work(patient, records, client_for) -> None:
    ig = client_for(Role.IG_OFFICER)
    pdf = ig.get(reverse("records:subject_access", args=[patient.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    data = ig.get(reverse("records:subject_access", args=[patient.pk]) + "?format=json")
    assert json.loads(data.content)["patient"]["nhs_number"] == patient.nhs_number


def test_asking_and_the_job_page_query_counts(patient, client_for, django_assert_num_queries) -> None:
    # (The job itself starts once the request's transaction commits: not counted here.)
    ig = client_for(Role.IG_OFFICER)
    ig.get(reverse("home"))
    url = reverse("records:subject_access", args=[patient.pk])
    with django_assert_num_queries(QUERIES_ASK):
        response = ig.post(url)
    assert response.status_code == 302
    job = ExportJob.objects.get()
    with django_assert_num_queries(QUERIES_JOB_PAGE):
        assert ig.get(reverse("exports:job", args=[job.pk])).status_code == 200


QUERIES_ASK = 9  # the patient is read without the banner's risk concerns (a download)
QUERIES_JOB_PAGE = 6
