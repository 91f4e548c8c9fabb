"""``stepcare check-derived``: recompute every referral's derived treatment fields (first,
second and last attended treatment dates, attended treatment contact count) from the diary,
and its course outcome (paired first and last scores and national flags) from its current
responses, and report each mismatch. Exits non-zero when any is found."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from stepcare.reporting.course import outcome_mismatches
from stepcare.scheduling.referral_link import derived_mismatches


class Command(BaseCommand):
    help = (
        "Recompute the referrals' derived treatment fields from the diary and course outcomes from "
        "the responses, and report any mismatch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fix", action="store_true", help="Store the recomputed values (the report still lists them)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            problems = derived_mismatches(fix=options["fix"])
            problems += outcome_mismatches(fix=options["fix"])
        for line in problems:
            self.stdout.write(line)
        if problems:
            verb = "corrected" if options["fix"] else "found"
            raise CommandError(
                f"{len(problems)} referral(s) with derived fields that disagree with the diary or the "
                f"responses {verb}."
            )
        self.stdout.write(
            self.style.SUCCESS(
                "Derived treatment fields agree with the diary and course outcomes with the responses."
            )
        )
