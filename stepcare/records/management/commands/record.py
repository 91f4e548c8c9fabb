"""``stepcare record export --nhs-number N -o FILE.pdf [--json]``: one patient's subject access."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from stepcare.audit.actions import record
from stepcare.audit.models import AuditEvent
from stepcare.patients.models import Patient
from stepcare.records import export


class Command(BaseCommand):
    help = "The clinical record: export one patient's record for a subject access request."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        exp = sub.add_parser("export", help="everything held about one patient, as PDF or JSON")
        exp.add_argument("--nhs-number", required=True)
        exp.add_argument("-o", "--output", required=True, help="file to write")
        exp.add_argument("--json", action="store_true", help="write JSON instead of PDF")

    def handle(self, *args: Any, **options: Any) -> None:
        number = "".join(c for c in options["nhs_number"] if c.isdigit())
        patient = Patient.objects.filter(nhs_number=number).first()
        if patient is None:
            raise CommandError(f"No patient with NHS number {options['nhs_number']}.")
        fmt = "json" if options["json"] else "pdf"
        with transaction.atomic():
            record(
                by=None,
                action=AuditEvent.Action.EXPORT,
                patient=patient,
                username="stepcare record export",
                detail={"subject_access": fmt},
            )
        data = export.subject_access_data(patient)
        if fmt == "json":
            with open(options["output"], "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, default=str)
        else:
            with open(options["output"], "wb") as handle:
                handle.write(export.subject_access_pdf(data))
        self.stdout.write(
            f"Wrote the record of NHS number {patient.formatted_nhs_number} to {options['output']}."
        )
