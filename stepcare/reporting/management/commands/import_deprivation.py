"""``stepcare import-deprivation FILE.csv [--skip-bad-rows] [--replace]``: load the postcode
deprivation lookup (postcode,lsoa_code,imd_decile; see ``stepcare/reporting/deprivation.py``).

All or nothing by default: if any row is wrong nothing is imported, and every bad row is
listed by its line with what is wrong. With --skip-bad-rows the good rows are imported and the
bad ones listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stepcare.reporting.actions import import_deprivation
from stepcare.reporting.deprivation import parse_deprivation_csv


class Command(BaseCommand):
    help = (
        "Load the postcode to IMD decile lookup from a CSV file with the columns "
        "postcode,lsoa_code,imd_decile (all or nothing unless --skip-bad-rows)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="path to the lookup CSV")
        parser.add_argument(
            "--skip-bad-rows", action="store_true", help="Import the good rows, list the bad."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Remove the previous lookup first (a new edition of the indices).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}. Nothing was imported.") from None
        parsed = parse_deprivation_csv(data)
        if parsed.file_problem:
            raise CommandError(f"{parsed.file_problem}\nNothing was imported.")
        for problem in parsed.bad:
            self.stderr.write(str(problem))
        if parsed.bad and not options["skip_bad_rows"]:
            raise CommandError(
                f"Nothing was imported: {len(parsed.bad)} row(s) need correcting (listed above). "
                "Correct them, or run again with --skip-bad-rows to import the good rows only."
            )
        if not parsed.good:
            raise CommandError("The file has no postcodes to import. Nothing was imported.")
        added, updated, removed = import_deprivation(by=None, rows=parsed.good, replace=options["replace"])
        self.stdout.write(
            f"{added} postcodes added, {updated} updated"
            + (f", {removed} from the previous lookup removed" if options["replace"] else "")
            + "."
            + (f" Left out {len(parsed.bad)} bad row(s)." if parsed.bad else "")
        )
