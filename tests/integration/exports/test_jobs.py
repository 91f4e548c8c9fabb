"""Export jobs from the pages: a service manager asks for the dataset or its validation, follows
the job's progress, reads the report and downloads the file (an audit event naming each patient);
nobody else reaches another's job. Query counts of the new pages are pinned."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from stepcare.accounts.permissions import Role
from stepcare.audit.models import AuditEvent, AuditEventPatient
from stepcare.exports import actions
from stepcare.exports.models import ExportJob
from tests.conftest import sign_in
from tests.factories.accounts import MembershipFactory
from tests.factories.patients import PatientFactory
from tests.factories.referrals import ReferralFactory

DATASET = reverse("exports:dataset")
OCTOBER = {"start": "01/10/2026", "end": "31/10/2026"}


@pytest.fixture
def manager(service):
    return service.staff[Role.SERVICE_MANAGER]


@pytest.fixture
def records(service):
    named = PatientFactory(team=service.team, ethnic_category="A", family_name="Applethwaite")
    unknown = PatientFactory(team=service.team, family_name="Brackenridge")  # ethnicity not known
    ReferralFactory(team=service.team, patient=named, received_on=dt.date(2026, 10, 2))
    ReferralFactory(team=service.team, patient=unknown, received_on=dt.date(2026, 10, 3))
    ReferralFactory(team=service.other_team, received_on=dt.date(2026, 10, 4))
    return named, unknown


def _ask(client, service, kind: str, django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(DATASET, {"team": service.team.pk, "kind": kind, **OCTOBER, **extra})


def test_the_reports_page_links_to_the_export(client_for) -> None:
    page = client_for(Role.SERVICE_MANAGER).get(reverse("reporting:dashboard")).content.decode()
    assert DATASET in page


def test_a_dataset_job_runs_and_its_download_is_audited(
    service, manager, records, client_for, django_capture_on_commit_callbacks
) -> None:
    client = client_for(Role.SERVICE_MANAGER)
    response = _ask(client, service, "dataset", django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:job", args=[job.pk])
    assert job.status == "done" and job.requested_by == manager and job.team == service.team
    assert job.progress_done == job.progress_total > 0
    assert job.result["rows"]["IDS101"] == 2  # the other team's referral is not in it
    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert reverse("exports:download", args=[job.pk]) in page and "http-equiv" not in page
    download = client.get(reverse("exports:download", args=[job.pk]))
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert "IDS101.csv" in archive.namelist() and "IDS607.csv" in archive.namelist()
    assert "Applethwaite" not in archive.read("IDS001.csv").decode()  # no names in the dataset
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, user=manager)
    assert event.object_id == str(job.pk)
    assert set(AuditEventPatient.objects.filter(event=event).values_list("patient_id", flat=True)) == {
        p.pk for p in records
    }


def test_the_validation_report_groups_problems_with_links_to_fix_them(
    service, records, client_for, django_capture_on_commit_callbacks
) -> None:
    client = client_for(Role.SERVICE_MANAGER)
    _ask(client, service, "dataset_validation", django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "1 error" in page and "Ethnic category not recorded" in page
    assert reverse("patients:edit", args=[records[1].pk]) in page
    assert reverse("exports:download", args=[job.pk]) not in page
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_id=str(job.pk)).exists()


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        ({"start": "31/10/2026", "end": "01/10/2026"}, "on or after the first day"),
        ({"start": "32/10/2026", "end": "01/11/2026"}, "Enter a valid date"),
        ({"start": "01/01/2019", "end": "01/01/2026"}, "at most five years"),
    ],
)
def test_a_bad_period_is_refused_with_a_message(
    service, client_for, dates, message, django_capture_on_commit_callbacks
) -> None:
    response = _ask(
        client_for(Role.SERVICE_MANAGER), service, "dataset", django_capture_on_commit_callbacks, **dates
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not ExportJob.objects.exists()


def test_another_teams_team_cannot_be_chosen(service, client_for, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(Role.SERVICE_MANAGER).post(
            DATASET, {"team": service.other_team.pk, "kind": "dataset", **OCTOBER}
        )
    assert response.status_code == 400 and not ExportJob.objects.exists()


def _job(service, team, requested_by, **kwargs) -> ExportJob:
    return ExportJob.objects.create(
        kind="dataset", team=team, requested_by=requested_by,
        params={"start": "2026-10-01", "end": "2026-10-31"}, **kwargs,
    )  # fmt: skip


def test_a_running_job_shows_its_progress_and_refreshes(service, manager, client_for) -> None:
    job = _job(service, service.team, manager, status="running", progress_done=250, progress_total=1000)
    page = client_for(Role.SERVICE_MANAGER).get(reverse("exports:job", args=[job.pk])).content.decode()
    assert '<meta http-equiv="refresh"' in page and "25% done" in page
    assert reverse("exports:download", args=[job.pk]) not in page


def test_a_failed_job_says_why(service, manager, client_for) -> None:
    job = _job(service, service.team, manager, status="failed", error="DatasetRefused: bad period")
    page = client_for(Role.SERVICE_MANAGER).get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "The export failed" in page and "bad period" in page


def test_a_job_that_fails_is_marked_failed_not_left_running(service, manager, monkeypatch) -> None:
    from stepcare.exports import dataset

    def crash(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(dataset, "write_dataset", crash)
    job = _job(service, service.team, manager)
    done = actions.run_job(job.pk)
    assert done.status == "failed" and "database went away" in done.error and not done.result_file
    assert list(actions.exports_dir().iterdir()) == []


def test_only_the_requester_or_a_manager_of_the_team_reaches_a_job(
    service, manager, records, django_capture_on_commit_callbacks
) -> None:
    client = sign_in(Client(), manager)
    _ask(client, service, "dataset", django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    urls = [reverse("exports:job", args=[job.pk]), reverse("exports:download", args=[job.pk])]
    # Another service manager of the same team may; the team's clinicians and a manager of
    # another team may not (404: not even that the job exists).
    colleague = MembershipFactory(team=service.team, role=Role.SERVICE_MANAGER).user
    elsewhere = MembershipFactory(team=service.other_team, role=Role.SERVICE_MANAGER).user
    for user, allowed in ((colleague, True), (service.staff[Role.PWP], False), (elsewhere, False)):
        c = sign_in(Client(), user)
        for url in urls:
            response = c.get(url)
            assert response.status_code == (200 if allowed else 404), (user, url)
            if response.streaming:
                b"".join(response.streaming_content)  # read to the end, which closes the file
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 1  # the colleague's
    for role in (Role.PWP, Role.ADMINISTRATOR, Role.IG_OFFICER):
        assert sign_in(Client(), service.staff[role]).get(DATASET).status_code == 403


def test_query_counts_of_the_pages_are_pinned(
    service, manager, client_for, django_capture_on_commit_callbacks
) -> None:
    client = client_for(Role.SERVICE_MANAGER)
    _job(service, service.team, manager, status="done")
    client.get(DATASET)  # sessions and the like warmed
    with CaptureQueriesContext(connection) as few:
        client.get(DATASET)
    for _ in range(5):
        _job(service, service.team, manager, status="done")
    with CaptureQueriesContext(connection) as many:
        assert client.get(DATASET).status_code == 200
    assert len(few) == len(many) == PAGE_QUERIES
    job = _job(service, service.team, manager, status="running", progress_total=10)
    with CaptureQueriesContext(connection) as job_page:
        assert client.get(reverse("exports:job", args=[job.pk])).status_code == 200
    assert len(job_page) == JOB_PAGE_QUERIES


PAGE_QUERIES = 6  # the form's team choices read once, not again when listed (7 before)
JOB_PAGE_QUERIES = 5


def _report(patients) -> dict:
    findings = [
        {
            "problem": "ethnicity",
            "record": f"SC-{p.pk}",
            "message": "Record it.",
            "link": f"/patients/{p.pk}/edit/",
            "patient_id": p.pk,
        }
        for p in patients
    ]
    group = {
        "problem": "ethnicity",
        "severity": "error",
        "title": "Ethnic category not recorded",
        "count": len(findings),
        "findings": findings,
    }
    report = {
        "period_start": "2026-10-01",
        "period_end": "2026-10-31",
        "errors": len(findings),
        "warnings": 0,
    }
    return {"report": {**report, "problems": [group]}}


def test_the_validation_report_page_costs_the_same_for_more_findings(service, manager, client_for) -> None:
    client = client_for(Role.SERVICE_MANAGER)
    counts = []
    for size in (1, 6):
        patients = [PatientFactory(team=service.team) for _ in range(size)]
        job = ExportJob.objects.create(
            kind="dataset_validation", team=service.team, requested_by=manager, status="done",
            params={"start": "2026-10-01", "end": "2026-10-31"}, result=_report(patients),
        )  # fmt: skip
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
        assert f"{size} error" in page
        counts.append(len(queries))
        event = AuditEvent.objects.filter(object_id=str(job.pk)).latest("pk")
        assert AuditEventPatient.objects.filter(event=event).count() == (size if size > 1 else 0)
    assert counts[0] <= counts[1] == REPORT_PAGE_QUERIES


REPORT_PAGE_QUERIES = 7
