"""The clinical record of a patient with several years of care.

Builds (once) a small demo service, then gives one patient --years years of weekly care:
appointments, signed session notes, risk reviews, letters with their dispatch, consent
decisions and the texts sent about appointments (hundreds of rows of each). Times the record
page (its timeline, first and deepest page, and filtered) through the real view, with its
query count, which must not grow with the record, and the subject-access export (JSON data
and PDF) of that patient.

    .venv/bin/python bench/bench_records.py [--years 4] [--database-url URL]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _timed(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), max(timings)


def _history(patient, referral, clinician, team, years: int) -> None:  # type: ignore[no-untyped-def]
    """Weekly care for ``years`` years, written in bulk (synthetic)."""
    from django.utils import timezone

    from stepcare.records.models import Consent, Letter, LetterDispatch, RiskAssessment, SessionNote
    from stepcare.scheduling.models import Appointment, AppointmentClinician, Attendee, Message

    now = timezone.now()
    weeks = 52 * years
    starts = [now - dt.timedelta(weeks=w, hours=3) for w in range(weeks, 0, -1)]
    appointments = Appointment.objects.bulk_create(
        [
            Appointment(
                team=team,
                app_type="02",
                delivery_mode="02",
                starts_at=s,
                ends_at=s + dt.timedelta(hours=1),
                created_by=clinician,
            )
            for s in starts
        ],
        batch_size=500,
    )
    AppointmentClinician.objects.bulk_create(
        [
            AppointmentClinician(appointment=a, clinician=clinician, starts_at=a.starts_at, ends_at=a.ends_at)
            for a in appointments
        ],
        batch_size=1000,
    )
    Attendee.objects.bulk_create(
        [
            Attendee(
                appointment=a,
                patient=patient,
                referral=referral,
                starts_at=a.starts_at,
                ends_at=a.ends_at,
                attendance="5",
                attendance_recorded_at=a.ends_at,
                attendance_recorded_by=clinician,
            )
            for a in appointments
        ],
        batch_size=1000,
    )
    Message.objects.bulk_create(
        [
            Message(
                referral=referral,
                patient=patient,
                appointment=a,
                channel="sms",
                kind="reminder",
                recipient="07700900000",
                template_id="bench",
                body="Reminder: you have an appointment tomorrow.",
                status="sent",
            )
            for a in appointments
        ],
        batch_size=1000,
    )
    signed = {"status": "signed", "signed_by": clinician, "author": clinician, "patient": patient}
    SessionNote.objects.bulk_create(
        [
            SessionNote(
                referral=referral,
                appointment=a,
                session_date=timezone.localtime(a.starts_at).date(),
                session_number=n % 20 + 1,
                attendance="5",
                delivery_mode="02",
                agenda="Review the week; behavioural experiment.",
                risk_check="No thoughts of self-harm since the last session.",
                signed_at=a.ends_at,
                **signed,
            )
            for n, a in enumerate(appointments)
        ],
        batch_size=500,
    )
    RiskAssessment.objects.bulk_create(
        [
            RiskAssessment(
                referral=referral,
                current_thoughts="Fleeting thoughts, no intent.",
                protective_factors="Family; work.",
                summary=f"Review {n}: no intent or plan.",
                actions="Safety plan reviewed.",
                review_date=timezone.localtime(a.starts_at).date() + dt.timedelta(days=28),
                signed_at=a.ends_at,
                **signed,
            )
            for n, a in enumerate(appointments[::4])
        ],
        batch_size=500,
    )
    letters = Letter.objects.bulk_create(
        [
            Letter(
                referral=referral,
                recipient_kind="patient",
                recipient_name="The patient",
                subject=f"Your appointments ({n})",
                body="Letter body.",
                signed_at=a.ends_at,
                **signed,
            )
            for n, a in enumerate(appointments[::3])
        ],
        batch_size=500,
    )
    LetterDispatch.objects.bulk_create(
        [
            LetterDispatch(
                letter=letter,
                patient=patient,
                route="post",
                dispatched_on=timezone.localtime(letter.signed_at).date(),
                dispatched_by=clinician,
            )
            for letter in letters
        ],
        batch_size=1000,
    )
    Consent.objects.bulk_create(
        [
            Consent(
                patient=patient,
                scope="contact_text",
                given=n % 2 == 0,
                decided_on=timezone.localtime(a.starts_at).date(),
                recorded_by=clinician,
            )
            for n, a in enumerate(appointments[::8])
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    url = args.database_url or (
        f"sqlite:///{Path(tempfile.gettempdir()) / f'stepcare-bench-records-{args.years}.sqlite3'}"
    )
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stepcare.settings")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from stepcare.demo.generator import DemoBuilder
    from stepcare.patients.models import Patient
    from stepcare.records import export
    from stepcare.referrals.models import Referral
    from stepcare.scheduling.models import Attendee

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    marker = "Bench-Record"
    if not Patient.objects.filter(family_name=marker).exists():
        call_command("flush", interactive=False, verbosity=0)
        started = time.perf_counter()
        DemoBuilder(seed=3, patients=60).build()
        referral = (
            Referral.objects.filter(allocated_to__isnull=False, patient__isnull=False).order_by("pk").first()
        )
        assert referral is not None and referral.patient is not None
        Patient.objects.filter(pk=referral.patient.pk).update(family_name=marker)
        _history(referral.patient, referral, referral.allocated_to, referral.team, args.years)
        print(
            f"built the demo service and {args.years} years of care in {time.perf_counter() - started:.1f} s"
        )
    patient = Patient.objects.get(family_name=marker)
    referral = Referral.objects.filter(patient=patient, allocated_to__isnull=False).order_by("pk").first()
    assert referral is not None
    clinician = referral.allocated_to
    assert clinician is not None
    device = TOTPDevice.objects.filter(user=clinician, confirmed=True).first() or TOTPDevice.objects.create(
        user=clinician, name="bench", confirmed=True
    )
    client = Client()
    client.force_login(clinician)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()

    counts = {
        "appointments": Attendee.objects.filter(patient=patient).count(),
        "documents": sum(m.objects.filter(patient=patient).count() for m in _kinds()),
    }
    print(
        f"database: {url.split('://')[0]}, patient's appointments: {counts['appointments']:,}, "
        f"documents: {counts['documents']:,}"
    )
    record = reverse("records:record", args=[patient.pk])
    deepest = counts["appointments"] // 25
    views = [
        ("record, first page", record),
        (f"record, page {deepest}", f"{record}?page={deepest}"),
        ("record, letters only", f"{record}?kind=letter"),
        ("record, appointments only", f"{record}?kind=appointment"),
    ]
    print(f"{'view':<32}{'queries':>8}{'median ms':>12}{'max ms':>10}")
    seen: list[int] = []
    for label, path in views:
        assert client.get(path).status_code == 200, path
        with _counting(connection) as queries:
            client.get(path)
        median, worst = _timed(lambda p=path: client.get(p), args.repeat)
        seen.append(len(queries))
        print(f"{label:<32}{len(queries):>8}{median:>12.2f}{worst:>10.2f}")
    data: dict[str, Any] = {}

    def as_json() -> None:
        data.update(export.subject_access_data(patient))

    with _counting(connection) as queries:
        as_json()
    median, worst = _timed(as_json, max(1, args.repeat // 5))
    print(f"{'subject access, data (JSON)':<32}{len(queries):>8}{median:>12.2f}{worst:>10.2f}")
    started = time.perf_counter()
    pdf = export.subject_access_pdf(data)
    print(
        f"{'subject access, PDF':<32}{'':>8}{(time.perf_counter() - started) * 1000:>12.2f}"
        f"{'':>10}  ({len(pdf) // 1024:,} KiB, {len(data['messages']):,} messages)"
    )
    if seen[0] != seen[1]:  # the deepest page reads more rows, never more queries
        print(f"the deepest page ran {seen[1]} queries, the first {seen[0]}")
        return 1
    return 0


@contextlib.contextmanager
def _counting(connection):  # type: ignore[no-untyped-def]
    """Every statement run on ``connection`` (a request resets Django's own query log)."""
    statements: list[str] = []

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield statements


def _kinds() -> Any:
    from stepcare.records.models import DOCUMENT_KINDS

    return DOCUMENT_KINDS.values()


if __name__ == "__main__":
    raise SystemExit(main())
