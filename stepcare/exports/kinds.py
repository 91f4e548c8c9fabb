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
}


def kind_of(job: ExportJob) -> Kind:
    return KINDS[job.kind]
