"""The kinds of export job: what each needs (a permission, its parameters) and how it runs.

Adding another report as a background job is one ``Kind`` here: a title, the permission it needs
in the job's team, and a ``run(job, folder, progress)`` that writes its files into ``folder``
(they are zipped into the job's result file) and returns what to keep in ``job.result``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stepcare.accounts.models import Team, User
from stepcare.accounts.permissions import Permission
from stepcare.exports import dataset
from stepcare.exports.models import ExportJob
from stepcare.exports.validate import validate

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Kind:
    code: str
    title: str
    permission: Permission
    run: Callable[[ExportJob, Path, Progress], dict[str, Any]]
    # Whether the job leaves a file to download (which names patients, so is audited).
    has_file: bool = True
    # What the download button says.
    file_label: str = "Download the dataset (zip of CSV files)"
    # The teams whose records the job reads: whoever else reaches the job needs the kind's
    # permission in every one of them. Most kinds read the job's one team.
    teams: Callable[[ExportJob], set[int]] = lambda job: {job.team_id}
    # The permission is needed in some team, not in the job's teams: a subject access request,
    # which an IG officer answers for any patient (as the subject access page allows).
    anywhere: bool = False
    # The result file's name.
    file_name: Callable[[ExportJob], str] = lambda job: (
        f"{job.kind}-{job.pk}-{job.params['start']}-to-{job.params['end']}.zip"
    )


def _period(job: ExportJob) -> dataset.Period:
    return dataset.Period(
        dt.date.fromisoformat(job.params["start"]), dt.date.fromisoformat(job.params["end"])
    )


def _run_dataset(job: ExportJob, folder: Path, progress: Progress) -> dict[str, Any]:
    period = _period(job)
    rows = dataset.write_dataset(period, folder, team_ids=[job.team_id], progress=progress)
    return {"rows": rows, "patient_ids": dataset.patient_ids(period, [job.team_id])}


def _run_validation(job: ExportJob, folder: Path, progress: Progress) -> dict[str, Any]:
    progress(0, 1)
    report = validate(_period(job), [job.team_id])
    progress(1, 1)
    return {"report": report.as_dict()}


def _report_teams(job: ExportJob) -> set[int]:
    return {int(pk) for pk in job.params.get("team_ids", [job.team_id])}


def _run_service_report(job: ExportJob, folder: Path, progress: Progress) -> dict[str, Any]:
    """Every table of the KPI dashboard and the equity page for the chosen period and filters,
    one CSV each (the same bytes as its download), one progress step per table. The tables are
    counts, suppressed as on the pages: the file names no patient."""
    from stepcare.reporting import downloads, selectors

    p = job.params
    start, end = dt.date.fromisoformat(p["start"]), dt.date.fromisoformat(p["end"])
    team_ids = _report_teams(job)
    team = Team.objects.filter(pk=p["team"]).first() if p.get("team") else None
    clinician = User.objects.filter(pk=p["clinician"]).first() if p.get("clinician") else None

    def referrals() -> Any:
        return selectors.report_referrals(
            team_ids, team, clinician, step=p.get("step", ""), descriptor=p.get("descriptor", ""),
            modality=p.get("modality", ""),
        )  # fmt: skip

    tables = downloads.service_report(start, end, referrals, p.get("modality", ""))
    rows: dict[str, int] = {}
    progress(0, len(tables))
    for done, build in enumerate(tables, start=1):
        table = build()
        rows[table.filename(start, end)] = downloads.write_table(table, folder, start, end)
        progress(done, len(tables))
    return {"rows": rows}


def _run_subject_access(job: ExportJob, folder: Path, progress: Progress) -> dict[str, Any]:
    """One patient's whole record (docs/adr/0009): the PDF and the JSON of the subject access
    page, for a record too long to render inside a web request."""
    import json

    from stepcare.patients.models import Patient
    from stepcare.records import export

    patient = Patient.objects.for_banner().get(pk=job.params["patient"])
    progress(0, 2)
    data = export.subject_access_data(patient)
    name = _subject_access_name(job)
    (folder / f"{name}.json").write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    progress(1, 2)
    (folder / f"{name}.pdf").write_bytes(export.subject_access_pdf(data))
    progress(2, 2)
    return {"patient_ids": [patient.pk]}


def _subject_access_name(job: ExportJob) -> str:
    return f"subject-access-{job.params.get('nhs_number') or job.params['patient']}"


KINDS: dict[str, Kind] = {
    "dataset": Kind(
        "dataset", "National dataset (NHS Talking Therapies)", Permission.VIEW_SERVICE_REPORTS, _run_dataset
    ),
    "dataset_validation": Kind(
        "dataset_validation",
        "Dataset validation report",
        Permission.VIEW_SERVICE_REPORTS,
        _run_validation,
        has_file=False,
    ),
    "service_report": Kind(
        "service_report",
        "Service report: every table of the dashboard and equity page",
        Permission.VIEW_SERVICE_REPORTS,
        _run_service_report,
        file_label="Download every table (zip of CSV files)",
        teams=_report_teams,
    ),
    "subject_access": Kind(
        "subject_access",
        "Subject access request: one patient's whole record",
        Permission.EXPORT_RECORD,
        _run_subject_access,
        file_label="Download the record (zip of a PDF and JSON)",
        anywhere=True,
        file_name=lambda job: f"{_subject_access_name(job)}-{job.pk}.zip",
    ),
}


def kind_of(job: ExportJob) -> Kind:
    return KINDS[job.kind]
