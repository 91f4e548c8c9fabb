"""stepcare import-referrals FILE.csv [--skip-bad-rows] [--team NAME]

All or nothing by default: if any row is wrong nothing is imported, and every bad row is
listed with what is wrong. With --skip-bad-rows the good rows are imported and the bad ones
listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stepcare.accounts.models import Team
from stepcare.referrals.actions import import_referrals
from stepcare.referrals.imports import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    parse_referral_csv,
    report_arrival_conflicts,
)
from stepcare.referrals.public import intake_team


class Command(BaseCommand):
    help = "Import referrals from a CSV file (all or nothing unless --skip-bad-rows)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--skip-bad-rows", action="store_true", help="Import the good rows, list the bad."
        )
        parser.add_argument("--team", help="Team receiving the referrals (default: the default intake team).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file at {path}.")
        if options["team"]:
            try:
                team = Team.objects.get(name=options["team"])
            except Team.DoesNotExist:
                names = ", ".join(Team.objects.values_list("name", flat=True))
                raise CommandError(f"No team called {options['team']!r}. Teams: {names}.") from None
        else:
            try:
                team = intake_team()
            except LookupError as exc:
                raise CommandError(str(exc)) from None
        parsed = parse_referral_csv(path.read_bytes())
        if parsed.file_problem:
            raise CommandError(
                f"{parsed.file_problem}\nRequired columns: {', '.join(REQUIRED_COLUMNS)}; "
                f"optional: {', '.join(OPTIONAL_COLUMNS)}.\nNothing was imported."
            )
        report_arrival_conflicts(parsed, team=team)
        for problem in parsed.bad:
            self.stderr.write(str(problem))
        if parsed.bad and not options["skip_bad_rows"]:
            raise CommandError(
                f"Nothing was imported: {len(parsed.bad)} row(s) need correcting (listed above). "
                "Correct them, or run again with --skip-bad-rows to import the good rows only."
            )
        created = import_referrals(
            by=None, team=team, submissions=parsed.good, channel="import-referrals command"
        )
        needing_check = sum(1 for r in created if r.patient_id is None)
        self.stdout.write(
            f"Imported {len(created)} referral(s) into {team.name}."
            + (
                f" {needing_check} need a check of who the person is (see the inbox)."
                if needing_check
                else ""
            )
            + (f" Left out {len(parsed.bad)} bad row(s)." if parsed.bad else "")
        )
