"""``stepcare kpis``: the national NHS Talking Therapies KPIs for a period, as one JSON object."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stepcare.accounts.models import Team, User
from stepcare.reporting.selectors import ReportRefused, kpis

HELP_EPILOG = """
Counts are of referrals (entered-in-error ones never count); the period is inclusive
Europe/London dates. Outcomes and waits are of finished courses (ended in the period with at
least two attended treatment appointments). Rates are fractions from 0 to 1, null when the
denominator is 0: recovery_rate and reliable_recovery_rate over (finished_course -
not_at_caseness); reliable_improvement_rate, reliable_deterioration_rate and the wait rates over
finished_course. The wait keys are COUNTS: first_treatment_within_6_weeks (<=42 days from
receipt to first treatment), first_treatment_within_18_weeks (<=126 days),
first_to_second_over_28_days and first_to_second_over_90_days (days from first to second
treatment); each has a *_rate twin. Waits are not adjusted for pauses (the published measure).
"""


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f"{option} {text!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-04-01."
        ) from None


class Command(BaseCommand):
    help = "Print the national KPIs for a period as one JSON object." + HELP_EPILOG

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--from", dest="start", required=True, help="First day of the period, YYYY-MM-DD."
        )
        parser.add_argument(
            "--to", dest="end", required=True, help="Last day of the period, YYYY-MM-DD (inclusive)."
        )
        parser.add_argument("--team", help="Only this team's referrals (the team's name).")
        parser.add_argument(
            "--clinician",
            help="Only referrals last allocated to this therapist, ended or not (username).",
        )
        parser.add_argument(
            "--json", action="store_true", help="JSON output (the only format; accepted for scripts)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        start = _date(options["start"], "--from")
        end = _date(options["end"], "--to")
        team = None
        if options["team"]:
            team = Team.objects.filter(name=options["team"]).first()
            if team is None:
                raise CommandError(f"No team is called {options['team']!r}.")
        clinician = None
        if options["clinician"]:
            clinician = User.objects.filter(username=options["clinician"]).first()
            if clinician is None:
                raise CommandError(f"No staff member has the username {options['clinician']!r}.")
        try:
            result = kpis(start, end, team=team, clinician=clinician)
        except ReportRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, indent=2))
