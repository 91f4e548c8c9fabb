"""The information-governance officer's pages over a long audit trail (docs/adr/0022).

Every page view writes an audit event, so a service's trail reaches millions of events a year.
This benchmark tops up the trail of a PostgreSQL database holding the demo service to
``--events`` synthetic events (page views, searches, refusals, sign-ins spread over three years,
by every account, about the demo's patients; a third of the page views without a patient of
their own name eight patients shown, as list pages do), then times each of the officer's
searches and a patient's access log through Django's test client as the demo's IG officer, and
prints the fastest of ``--repeat`` requests, the query count and the page's caption.

    .venv/bin/python bench/audit_trail.py --database-url postgresql://postgres@localhost:5432/stepcare_big
    .venv/bin/python bench/audit_trail.py --database-url ... --events 5000000 --repeat 3

The events it adds are synthetic and stay (the trail is append-only): use a database built for
benchmarks, never a service's. Topping up 5,000,000 events takes about four minutes here.

Measured (30 November 2026, the shared 2-core development machine, the large demo with
5,008,865 events and 4,332,316 rows of patients shown; fastest of 3, ms): no filter 54, by NHS
number 80, a surname alone (asks for more) 12, by member of staff 49, a failed sign-in's
username 12, access refused only 42, break-glass only 11, one month 69, a patient's access log
23 a page. Before docs/adr/0022: 896, 10,296, 3,076, 1,053, 945, 449, 10, 427 and 14,973.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

OFFICER = "priya.nair"  # the demo's information-governance officer

TOP_UP = """
WITH staff AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(username ORDER BY id) AS names
               FROM accounts_user),
     people AS (SELECT array_agg(id ORDER BY id) AS ids FROM patients_patient)
INSERT INTO audit_auditevent (at, user_id, username, role, patient_id, action, object_type,
                              object_id, detail, ip_address, path)
SELECT now() - random() * interval '1095 days',
       staff.ids[1 + g %% cardinality(staff.ids)], staff.names[1 + g %% cardinality(staff.ids)],
       'High-intensity therapist',
       CASE WHEN g %% 10 < 7 THEN people.ids[1 + (g * 7919) %% cardinality(people.ids)] END,
       (ARRAY['view', 'view', 'view', 'search', 'create', 'update', 'access_denied', 'sign_in',
              'view'])[1 + g %% 9],
       'patients.Patient', (g %% 100000)::text, '{"page": "bench"}'::jsonb, '10.0.0.1', '/bench/'
FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS g, staff, people
"""
# The patients joined by their place in order (a hash join): subscripting an array of every
# patient's id for each row copied the array each time, hours at 120,000 patients.
SHOWN = """
WITH people AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM patients_patient),
     size AS (SELECT count(*) AS c FROM patients_patient)
INSERT INTO audit_auditeventpatient (event_id, patient_id)
SELECT e.id, people.id
FROM audit_auditevent AS e CROSS JOIN generate_series(1, 8) AS k CROSS JOIN size
JOIN people ON people.n = (e.id * 31 + k * 104729) %% size.c
WHERE e.id > %(after)s AND e.patient_id IS NULL AND e.action = 'view' AND e.id %% 3 = 0
ON CONFLICT DO NOTHING
"""
BATCH = 1_000_000


def top_up(events: int) -> None:
    from django.db import connection, transaction

    from stepcare.audit.models import AuditEvent

    have = AuditEvent.objects.count()
    if have >= events:
        print(f"the trail holds {have:,} events already", file=sys.stderr)
        return
    started = time.perf_counter()
    after = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    for first in range(have + 1, events + 1, BATCH):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(TOP_UP, {"first": first, "last": min(first + BATCH - 1, events)})
        print(f"  {min(first + BATCH - 1, events):,} events", file=sys.stderr)
    with connection.cursor() as cursor:
        # Statistics first: planned over the empty trail's, the join below ran for over ten
        # minutes (a hash of every new event) instead of about half a minute.
        cursor.execute("ANALYZE audit_auditevent")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SHOWN, {"after": after})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")
        cursor.execute("ANALYZE audit_auditeventpatient")
    took = time.perf_counter() - started
    print(f"topped up the trail to {events:,} events in {took:.0f} s", file=sys.stderr)


def pages() -> list[tuple[str, str]]:
    from django.db.models import Count

    from stepcare.audit.models import AuditEvent
    from stepcare.patients.models import Patient

    patient = Patient.objects.order_by("id").first()
    assert patient is not None, "the database holds no demo service"
    # The most common surname: a search too broad to run, which asks for more.
    common = Patient.objects.values("family_name").annotate(n=Count("id")).order_by("-n")[0]["family_name"]
    latest = AuditEvent.objects.order_by("-at").values_list("at", flat=True).first()
    start = latest.strftime("01/%m/%Y") if latest else "01/01/2026"
    return [
        ("no filter", "/audit/"),
        ("page 100", "/audit/?page=100"),
        ("by NHS number", f"/audit/?patient={patient.nhs_number}"),
        ("a surname alone", f"/audit/?patient={common}"),
        ("member of staff", "/audit/?staff=ben.hughes"),
        ("typed username", "/audit/?staff=no.such.account"),
        ("refused only", "/audit/?refused_only=on"),
        ("break-glass only", "/audit/?break_glass_only=on"),
        ("one month", f"/audit/?date_from={start}"),
        ("access log", f"/patients/{patient.pk}/access-log/"),
        ("access log p2", f"/patients/{patient.pk}/access-log/?page=2"),
    ]


def measure(repeat: int) -> None:
    from bench_pages import _QueryLog, _signed_in
    from django.db import connection

    client = _signed_in(OFFICER)
    print(f"{'page':<18} {'fastest ms':>10} {'queries':>8}  caption")
    for label, path in pages():
        response = client.get(path)
        assert response.status_code == 200, (label, response.status_code)
        times = []
        for _ in range(repeat):
            log = _QueryLog()
            with connection.execute_wrapper(log):
                started = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
        found = re.search(r'data-testid="list-count">([^<]*)<', response.content.decode())
        body = response.content.decode()
        caption = found.group(1) if found else "asks for more" if "matches more than" in body else "none"
        print(f"{label:<18} {min(times):>10.1f} {len(log):>8}  {caption[:70]}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--events", type=int, default=1_000_000, help="the trail's size to top up to")
    parser.add_argument("--repeat", type=int, default=3, help="requests a page (the fastest is shown)")
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("give the PostgreSQL database holding the demo: --database-url or DATABASE_URL")
    if args.events < 0 or args.repeat < 1:
        parser.error("--events must be 0 or more and --repeat at least 1")
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "STEPCARE_ENV": "test",
            "DJANGO_SETTINGS_MODULE": "stepcare.settings",
        }
    )
    import django

    django.setup()
    top_up(args.events)
    measure(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
