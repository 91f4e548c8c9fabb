"""``stepcare import-gp-practices FILE``: load GP practices from the national epraccur file."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stepcare.records import actions
from stepcare.records.gp_practices import BadPracticeFile, read_epraccur


class Command(BaseCommand):
    help = "Load or update GP practices from a file in the national epraccur layout (CSV, no header)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to epraccur.csv")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["file"], encoding="utf-8-sig", newline="") as handle:
                practices = list(read_epraccur(handle))
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc}") from exc
        except BadPracticeFile as exc:
            raise CommandError(f"Nothing imported. {exc}") from exc
        added, updated = actions.import_gp_practices(by=None, practices=practices)
        self.stdout.write(f"{added} GP practices added, {updated} updated.")
