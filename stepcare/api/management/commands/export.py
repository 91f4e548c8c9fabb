"""``stepcare export fhir``: FHIR R4 Bundles for one patient, or everyone with activity in a
period. Each patient exported is an audit event (format fhir) naming the operator."""

from __future__ import annotations

import datetime as dt
import getpass
import json
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
    help = "Export records. fhir: a FHIR R4 Bundle per patient (--nhs-number, or --from and --to)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("format", choices=["fhir"])
        parser.add_argument("--nhs-number", default="")
        parser.add_argument("--from", dest="start", default="")
        parser.add_argument("--to", dest="end", default="")
        parser.add_argument("-o", "--output", required=True, help="a .json file (a folder with --from/--to)")
        parser.add_argument("--no-letters", action="store_true", help="leave out the PDFs of signed letters")

    def handle(self, *args: Any, **options: Any) -> None:
        operator = f"cli:{getpass.getuser()}"
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
