"""``stepcare export fhir``: FHIR R4 Bundles for one patient, or everyone with activity in a
period. Each patient exported is an audit event (format fhir) naming the operator.

``stepcare export dataset --from D --to D --out DIR``: the national dataset, one CSV per table
(stepcare.exports.dataset), written to a temporary folder beside DIR and renamed into place when
complete, with a progress bar on stderr; one audit event (format dataset) naming each patient.
``--validate-only`` prints the validator's findings instead and exits 1 when there are errors.

``stepcare export expire``: delete export jobs' files older than STEPCARE_EXPORTS_KEEP_DAYS (what
the hourly Celery beat job does; for a deployment without beat)."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import shutil
import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from stepcare.api.fhir import patient_bundle
from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.patients.models import Patient


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"Dates are YYYY-MM-DD, not {text!r}.") from exc


def patients_active_between(start: dt.date, end: dt.date) -> list[Patient]:
    """Patients with a referral received, an appointment or a questionnaire in [start, end]."""
    condition = (
        Q(referrals__received_on__range=(start, end))
        | Q(appointment_rows__starts_at__date__range=(start, end))
        | Q(measure_responses__completed_on__range=(start, end))
    )
    return list(Patient.objects.filter(condition).distinct().order_by("id"))


class Command(BaseCommand):
    help = (
        "Export records. fhir: a FHIR R4 Bundle per patient (--nhs-number, or --from and --to). "
        "dataset: the national dataset CSVs for --from/--to into --out DIR (or --validate-only)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("format", choices=["fhir", "dataset", "expire"])
        parser.add_argument("--nhs-number", default="")
        parser.add_argument("--from", dest="start", default="")
        parser.add_argument("--to", dest="end", default="")
        parser.add_argument(
            "-o", "--output", "--out", dest="output", default="",
            help="fhir: a .json file (a folder with --from/--to); dataset: a new folder for the CSVs",
        )  # fmt: skip
        parser.add_argument("--no-letters", action="store_true", help="leave out the PDFs of signed letters")
        parser.add_argument("--team", type=int, default=None, help="dataset: one team's records (its id)")
        parser.add_argument(
            "--validate-only",
            action="store_true",
            help="dataset: print the validator's findings; exit 1 on errors",
        )
        parser.add_argument("--no-progress", action="store_true", help="dataset: no progress bar on stderr")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["format"] == "expire":
            from django.conf import settings

            from stepcare.exports.actions import expire_files

            count = expire_files()
            days = settings.STEPCARE_EXPORTS_KEEP_DAYS
            self.stdout.write(f"Deleted the files of {count} export jobs finished more than {days} days ago.")
            return
        if options["format"] == "dataset":
            self._dataset(options)
            return
        operator = f"cli:{getpass.getuser()}"
        if not options["output"]:
            raise CommandError("the following arguments are required: -o/--output")
        output = Path(options["output"])
        letters = not options["no_letters"]
        if options["nhs_number"]:
            patient = Patient.objects.filter(nhs_number=options["nhs_number"].replace(" ", "")).first()
            if patient is None:
                raise CommandError("No patient has that NHS number.")
            self._write(patient, output, operator, letters)
            self.stdout.write(f"Exported 1 patient to {output}")
            return
        if not (options["start"] and options["end"]):
            raise CommandError("Give --nhs-number, or both --from and --to.")
        start, end = _date(options["start"]), _date(options["end"])
        if end < start:
            raise CommandError("--to must be on or after --from.")
        output.mkdir(parents=True, exist_ok=True)
        found = patients_active_between(start, end)
        for patient in found:
            self._write(patient, output / f"patient-{patient.pk}.json", operator, letters)
        self.stdout.write(f"Exported {len(found)} patients to {output}")

    def _write(self, patient: Patient, path: Path, operator: str, letters: bool) -> None:
        bundle = patient_bundle(patient, letters=letters)
        path.write_text(json.dumps(bundle, indent=1))
        record(
            by=None,
            username=operator,
            action=AuditEvent.Action.EXPORT,
            patient=patient,
            detail={"format": "fhir", "file": str(path), "resources": len(bundle["entry"])},
        )

    def _dataset(self, options: dict[str, Any]) -> None:
        from stepcare.accounts.models import Team
        from stepcare.exports.dataset import DatasetRefused, patient_ids, write_dataset
        from stepcare.exports.validate import period_from_text, validate

        if not (options["start"] and options["end"]):
            raise CommandError("Give both --from and --to (YYYY-MM-DD).")
        try:
            period = period_from_text(options["start"], options["end"])
        except DatasetRefused as refused:
            raise CommandError(str(refused)) from refused
        team_ids = None
        if options["team"] is not None:
            if not Team.objects.filter(pk=options["team"]).exists():
                raise CommandError(f"No team has the id {options['team']}.")
            team_ids = [options["team"]]
        if options["validate_only"]:
            report = validate(period, team_ids)
            for line in report.lines():
                self.stdout.write(line)
            if report.errors:
                raise SystemExit(1)
            return
        if not options["output"]:
            raise CommandError("Give --out DIR: a new folder for the CSV files.")
        target = Path(options["output"])
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise CommandError(f"{target} already exists and is not an empty folder; choose a new one.")
        target.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{target.name}-partial-", dir=target.parent))
        bar = None if options["no_progress"] else _ProgressBar(self.stderr)
        try:
            rows = write_dataset(period, work, team_ids=team_ids, progress=bar)
            if target.exists():
                target.rmdir()
            work.rename(target)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        finally:
            if bar is not None:
                bar.finish()
        named = patient_ids(period, team_ids)
        record(
            by=None,
            username=f"cli:{getpass.getuser()}",
            action=AuditEvent.Action.EXPORT,
            detail={"format": "dataset", "folder": str(target), "from": options["start"],
                    "to": options["end"], "rows": rows, "patients": len(named)},
            patient_ids=named,
        )  # fmt: skip
        summary = ", ".join(f"{name} {count}" for name, count in rows.items())
        self.stdout.write(f"Wrote the dataset for {period.start} to {period.end} to {target}: {summary}")


class _ProgressBar:
    """A one-line progress bar on a stream: [#####-----] 50% 500/1000 records."""

    WIDTH = 30

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        filled = self.WIDTH if not total else int(self.WIDTH * done / total)
        percent = 100 if not total else int(100 * done / total)
        self.stream.write(
            f"\r[{'#' * filled}{'-' * (self.WIDTH - filled)}] {percent:3d}% {done}/{total} records", ending=""
        )
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("")
            self.stream.flush()
