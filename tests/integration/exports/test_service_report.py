"""The service report: every table of the KPI dashboard and the equity page for the chosen
period and filters, as one zip of CSV files made by an export job (one progress step per table),
asked for from a button on the dashboard. Each CSV in the zip is byte for byte its own download;
the report has the dashboard's access, and names no patient."""

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
from stepcare.referrals.models import Referral
from stepcare.reporting import equity
from tests.conftest import sign_in
from tests.factories.accounts import MembershipFactory
from tests.factories.patients import PatientFactory
from tests.factories.referrals import ReferralFactory

REPORT = reverse("reporting:service_report")
PERIOD = {"period": "dates", "from": "01/04/2026", "to": "31/10/2026"}
# The dashboard's five tables and the equity page's one per characteristic.
TABLES = 5 + len(equity.DIMENSIONS)


def _finished(team, *, recovered: bool, ethnic_category: str = "A") -> Referral:
    received = dt.date(2026, 4, 1)
    first = received + dt.timedelta(days=20)
    return ReferralFactory(
        team=team,
        patient=PatientFactory(team=team, ethnic_category=ethnic_category, family_name="Applethwaite"),
        received_on=received,
        status=Referral.Status.ENDED,
        end_code="46",
        discharge_date=dt.date(2026, 9, 1),
        first_treatment_date=first,
        second_treatment_date=first + dt.timedelta(days=7),
        last_treatment_date=first + dt.timedelta(days=7),
        treatment_contact_count=2,
        outcome_paired=True,
        outcome_at_caseness=True,
        outcome_recovered=recovered,
    )


@pytest.fixture
def courses(service):
    for recovered in (True, True, False):
        _finished(service.team, recovered=recovered)
    _finished(service.team, recovered=True, ethnic_category="H")  # a group of one: suppressed
    _finished(service.other_team, recovered=False)


def _ask(client, data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(REPORT, data)


def _download(client, job) -> zipfile.ZipFile:
    response = client.get(reverse("exports:download", args=[job.pk]))
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _individual(client, name: str, query: dict) -> bytes:
    response = client.get(reverse(f"reporting:{name}"), query)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_the_dashboard_has_the_button(client_for) -> None:
    page = client_for(Role.SERVICE_MANAGER).get(reverse("reporting:dashboard"), PERIOD).content.decode()
    assert f'action="{REPORT}"' in page and "Download every table as a background job" in page
    assert 'name="from" value="01/04/2026"' in page


@pytest.mark.parametrize("filters", [{}, {"team": "own"}, {"step": "2"}], ids=["all", "team", "step"])
def test_each_csv_in_the_zip_is_its_own_download(
    service, courses, client_for, django_capture_on_commit_callbacks, filters
) -> None:
    client = client_for(Role.SERVICE_MANAGER)
    query = {**PERIOD, **filters}
    if filters.get("team"):
        query["team"] = str(service.team.pk)
    response = _ask(client, query, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:job", args=[job.pk])
    assert job.kind == "service_report" and job.status == "done", job.error
    assert job.progress_done == job.progress_total == TABLES  # one step per table
    archive = _download(client, job)
    assert len(archive.namelist()) == TABLES
    expected = {
        "figures_csv": "stepcare-kpis-2026-04-01-to-2026-10-31.csv",
        "trend_csv": "stepcare-recovery-by-month-2026-04-01-to-2026-10-31.csv",
        "attendance_csv": "stepcare-attendance-2026-04-01-to-2026-10-31.csv",
        "sessions_csv": "stepcare-sessions-per-course-2026-04-01-to-2026-10-31.csv",
        "endings_csv": "stepcare-ending-reasons-2026-04-01-to-2026-10-31.csv",
    }
    for view, name in expected.items():
        assert archive.read(name) == _individual(client, view, query), view
    for dimension in equity.DIMENSIONS:
        name = f"stepcare-outcomes-by-{dimension.replace('_', '-')}-2026-04-01-to-2026-10-31.csv"
        assert archive.read(name) == _individual(client, "equity_csv", {**query, "by": dimension}), dimension
    ethnic = archive.read("stepcare-outcomes-by-ethnic-category-2026-04-01-to-2026-10-31.csv").decode()
    if "step" not in filters:  # (no course here has a step)
        assert "*" in ethnic  # the group of one is suppressed, exactly as on the page
    assert "Applethwaite" not in "".join(archive.read(n).decode() for n in archive.namelist())
    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert "Download every table (zip of CSV files)" in page and "will be deleted on" in page


def test_the_report_counts_only_the_managers_teams(
    service, courses, client_for, django_capture_on_commit_callbacks
):
    client = client_for(Role.SERVICE_MANAGER)
    _ask(client, PERIOD, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert job.params["team_ids"] == [service.team.pk] and job.team == service.team
    figures = _download(client, job).read("stepcare-kpis-2026-04-01-to-2026-10-31.csv").decode()
    assert figures == _individual(client, "figures_csv", PERIOD).decode()


@pytest.mark.parametrize("role", [Role.PWP, Role.ADMINISTRATOR, Role.IG_OFFICER, Role.CLINICAL_SUPERVISOR])
def test_only_service_managers_may_ask(service, role, django_capture_on_commit_callbacks) -> None:
    client = sign_in(Client(), service.staff[role])
    assert _ask(client, PERIOD, django_capture_on_commit_callbacks).status_code == 403
    assert not ExportJob.objects.exists()


def test_another_teams_team_is_refused_with_a_message(
    service, client_for, django_capture_on_commit_callbacks
) -> None:
    client = client_for(Role.SERVICE_MANAGER)
    response = _ask(client, {**PERIOD, "team": service.other_team.pk}, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"].startswith(reverse("reporting:dashboard"))
    assert not ExportJob.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Choose one of your teams." in page


def test_a_get_is_not_allowed(client_for) -> None:
    assert client_for(Role.SERVICE_MANAGER).get(REPORT).status_code == 405


def test_a_manager_of_only_some_of_the_teams_cannot_reach_the_job(
    service, client_for, django_capture_on_commit_callbacks
) -> None:
    # A manager of both teams asks for both; a manager of one of them does not reach the job.
    both = MembershipFactory(team=service.team, role=Role.SERVICE_MANAGER).user
    MembershipFactory(team=service.other_team, role=Role.SERVICE_MANAGER, user=both)
    _ask(sign_in(Client(), both), PERIOD, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert job.params["team_ids"] == sorted([service.team.pk, service.other_team.pk])
    one = client_for(Role.SERVICE_MANAGER)
    assert one.get(reverse("exports:job", args=[job.pk])).status_code == 404
    assert one.get(reverse("exports:download", args=[job.pk])).status_code == 404
    assert reverse("exports:job", args=[job.pk]) not in one.get(reverse("exports:dataset")).content.decode()
    listed = sign_in(Client(), both).get(reverse("exports:dataset")).content.decode()
    assert reverse("exports:job", args=[job.pk]) in listed and "2 teams" in listed


def test_the_download_is_audited_and_names_no_patient(
    service, courses, client_for, django_capture_on_commit_callbacks
) -> None:
    client = client_for(Role.SERVICE_MANAGER)
    _ask(client, PERIOD, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CREATE, object_id=str(job.pk)).exists()
    _download(client, job)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT, object_id=str(job.pk))
    assert event.detail["export"] == "service_report" and event.detail["patients"] == 0
    assert not AuditEventPatient.objects.filter(event=event).exists()


def test_a_refused_request_is_an_export_refused(service) -> None:
    manager = service.staff[Role.SERVICE_MANAGER]
    with pytest.raises(actions.ExportRefused):
        actions.request_service_report(
            by=manager, team_ids={service.other_team.pk}, start=dt.date(2026, 4, 1), end=dt.date(2026, 10, 31)
        )


def test_the_dashboard_with_the_button_and_the_report_job_page_have_pinned_query_counts(
    service, courses, client_for, django_capture_on_commit_callbacks
) -> None:
    client = client_for(Role.SERVICE_MANAGER)
    _ask(client, PERIOD, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    dataset_job = ExportJob.objects.create(
        kind="dataset", team=service.team, requested_by=job.requested_by, status="done",
        params={"start": "2026-10-01", "end": "2026-10-31"},
    )  # fmt: skip
    client.get(reverse("exports:job", args=[dataset_job.pk]))  # warmed
    with CaptureQueriesContext(connection) as dataset_page:
        client.get(reverse("exports:job", args=[dataset_job.pk]))
    with CaptureQueriesContext(connection) as report_page:
        assert client.get(reverse("exports:job", args=[job.pk])).status_code == 200
    # The report's page costs what a dataset job's page costs.
    assert len(report_page) == len(dataset_page) == DONE_JOB_PAGE_QUERIES


DONE_JOB_PAGE_QUERIES = 5
