"""Diary views on a large service: a year and more of appointments.

Builds (once) a demo service with --patients patients (default 5,000, which gives roughly
twenty thousand appointments over fifteen months) and times the week views the diary pages
draw: one clinician's week, and a whole team's week, through the same selectors the pages use.

    .venv/bin/python bench/bench_diary.py [--patients 5000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _timed(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), max(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=5_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    url = args.database_url or (
        f"sqlite:///{Path(tempfile.gettempdir()) / f'stepcare-bench-diary-{args.patients}.sqlite3'}"
    )
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stepcare.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from stepcare.accounts.models import Team
    from stepcare.demo.generator import DemoBuilder
    from stepcare.patients.models import Patient
    from stepcare.scheduling import selectors
    from stepcare.scheduling.models import Appointment

    call_command("migrate", verbosity=0)
    if Patient.objects.count() != args.patients:
        call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        DemoBuilder(seed=3, patients=args.patients).build()
        print(f"built the demo service in {time.perf_counter() - started:.1f} s")

    today = timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday())
    team = Team.objects.order_by("pk").first()
    assert team is not None
    clinicians = list(selectors.clinicians_in_teams([team.pk]))
    busiest = max(
        clinicians,
        key=lambda c: Appointment.objects.filter(clinician_rows__clinician=c).count(),
    )
    print(
        f"database: {url.split('://')[0]}, patients: {Patient.objects.count():,}, "
        f"appointments: {Appointment.objects.count():,}, team clinicians: {len(clinicians)}"
    )

    def one_week() -> None:
        selectors.clinician_diaries(clinicians=[busiest], first_day=monday, days=7)

    def team_week() -> None:
        selectors.clinician_diaries(clinicians=clinicians, first_day=monday, days=7)

    print(f"{'view':<28}{'queries':>8}{'median ms':>12}{'max ms':>10}")
    for label, fn in (("one clinician, week", one_week), ("whole team, week", team_week)):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            fn()
        median, worst = _timed(fn, args.repeat)
        print(f"{label:<28}{len(queries):>8}{median:>12.2f}{worst:>10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
