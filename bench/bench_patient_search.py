"""Patient search on a large service: 100,000 synthetic patients.

Prints the median and worst time of each kind of search (name, surname + first name, NHS
number, date of birth + name, phone) through the same selector the search page uses.

    .venv/bin/python bench/bench_patient_search.py [--patients 100000] [--database-url URL]

Without --database-url it builds (once) an SQLite file in the system temp folder. A database
given is built into only when it is empty; one that holds a service is searched as it is.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    url = args.database_url or (
        f"sqlite:///{Path(tempfile.gettempdir()) / f'stepcare-bench-{args.patients}.sqlite3'}"
    )
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stepcare.settings")
    os.environ["AXES_ENABLED"] = "false"

    import django

    django.setup()
    from django.core.management import call_command

    from stepcare.accounts.models import Membership, User
    from stepcare.accounts.permissions import Role
    from stepcare.demo.generator import DemoBuilder
    from stepcare.patients.models import Patient
    from stepcare.patients.selectors import search_patients

    call_command("migrate", verbosity=0)
    held = Patient.objects.count()
    if held and held != args.patients and args.database_url:
        # A database given holds a service already (a demo of another size, say): search it as
        # it is; never empty a database the benchmark was pointed at.
        print(f"searching the {held:,} patients the database holds (not building {args.patients:,})")
    elif held != args.patients:
        call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        DemoBuilder(seed=1, patients=args.patients).build()
        print(f"built {args.patients:,} patients in {time.perf_counter() - started:.1f} s")

    manager = User.objects.get(memberships__role=Role.SERVICE_MANAGER, memberships__team__name="North team")
    assert Membership.objects.filter(user=manager).count() == 3
    sample = Patient.objects.exclude(nhs_number=None).order_by("id")[Patient.objects.count() // 2]
    queries = {
        "surname prefix": sample.family_name[:4],
        "surname + first name": f"{sample.family_name} {sample.given_name}",
        "NHS number": sample.nhs_number or "",
        "surname + date of birth": f"{sample.family_name} {sample.date_of_birth:%d/%m/%Y}",
        "phone": sample.phone_mobile,
    }
    print(f"database: {url.split('://')[0]}, patients: {Patient.objects.count():,}")
    print(f"{'search':<26}{'results':>8}{'median ms':>12}{'max ms':>10}")
    for label, text in queries.items():
        timings = []
        found = 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            found = len(search_patients(user=manager, query=text, whole_service=True).patients)
            timings.append((time.perf_counter() - started) * 1000)
        print(f"{label:<26}{found:>8}{statistics.median(timings):>12.2f}{max(timings):>10.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
