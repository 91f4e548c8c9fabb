"""The diary queries read the week shown, not the years before it (PostgreSQL's planner).

Appointments are laid down for a few clinicians over N weeks of history and then 10N, with the
same week ahead each time. The queries the diary pages run (taken from the selectors as they
run) are explained with `EXPLAIN (ANALYZE, FORMAT JSON)`: the rows read from the tables must
stay under a fixed multiple of the rows returned, at both sizes. The lists' oldest-first
sorts are checked the same way over many closed referrals.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stepcare.accounts.permissions import Role
from stepcare.referrals import selectors as referral_selectors
from stepcare.referrals.models import Referral
from stepcare.scheduling import selectors
from stepcare.scheduling.models import Appointment, AppointmentClinician, Attendee
from stepcare.scheduling.timeslots import local
from tests.factories.accounts import RoomFactory
from tests.factories.referrals import AllocatedReferralFactory, ReferralFactory
from tests.factories.scheduling import clinician_in, next_weekday

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the query plans checked are PostgreSQL's"
)

CLINICIANS = 3
PER_DAY = 2  # appointments per clinician per weekday
HOURS = (10, 14)
SMALL_HISTORY, LARGE_HISTORY = 8, 80  # weeks
MULTIPLE = 12  # rows read may be at most this many times the rows returned (plus a little)
SLACK = 30

SCAN_NODES = {"Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan"}


def rows_read(plan: dict[str, Any]) -> int:
    """Rows every table scan in the plan produced or threw away, over all its loops."""
    total = 0
    if plan["Node Type"] in SCAN_NODES:
        kept = plan.get("Actual Rows", 0)
        removed = plan.get("Rows Removed by Filter", 0) + plan.get("Rows Removed by Index Recheck", 0)
        total += round((kept + removed) * plan.get("Actual Loops", 1))
    for child in plan.get("Plans", []):
        total += rows_read(child)
    return total


def explain(sql: str) -> tuple[int, int, dict[str, Any]]:
    """(rows read, rows returned, plan) of one query, run for real."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (document,) = cursor.fetchone()
    plan = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
    return rows_read(plan), plan["Actual Rows"], plan


def main_query(run: Callable[[], object], table: str, marker: str = "starts_at") -> str:
    """The first query a selector runs against `table` with `marker` in it, as sent."""
    with CaptureQueriesContext(connection) as captured:
        run()
    for query in captured.captured_queries:
        if f'FROM "{table}"' in query["sql"] and marker in query["sql"]:
            return query["sql"]
    raise AssertionError(f"no query on {table}: {[q['sql'][:80] for q in captured.captured_queries]}")


@pytest.fixture
def diary(db):
    referral = AllocatedReferralFactory()
    team = referral.team
    clinicians = [clinician_in(team) for _ in range(CLINICIANS)]
    rooms = [RoomFactory() for _ in range(CLINICIANS)]
    referrals = [referral] + [AllocatedReferralFactory(patient__team=team) for _ in range(CLINICIANS * 2)]
    return {"team": team, "clinicians": clinicians, "rooms": rooms, "referrals": referrals}


def lay_down(diary: dict[str, Any], weeks: range) -> None:
    """PER_DAY appointments a weekday for each clinician in each week (0 = the week shown)."""
    monday = next_weekday(0)
    clinicians, rooms, referrals = diary["clinicians"], diary["rooms"], diary["referrals"]
    creator = clinicians[0]
    made = []
    for week in weeks:
        for day in range(5):
            date = monday - dt.timedelta(weeks=week) + dt.timedelta(days=day)
            for slot, hour in enumerate(HOURS[:PER_DAY]):
                for n, clinician in enumerate(clinicians):
                    starts = local(date, dt.time(hour))
                    made.append(
                        (
                            Appointment(
                                team=diary["team"],
                                app_type=Appointment.Type.TREATMENT,
                                delivery_mode=Appointment.DeliveryMode.FACE_TO_FACE,
                                room=rooms[n],
                                starts_at=starts,
                                ends_at=starts + dt.timedelta(hours=1),
                                created_by=creator,
                            ),
                            clinician,
                            referrals[(n * PER_DAY + slot) % len(referrals)],
                        )
                    )
    Appointment.objects.bulk_create([a for a, _, _ in made], batch_size=2000)
    AppointmentClinician.objects.bulk_create(
        [
            AppointmentClinician(appointment=a, clinician=c, starts_at=a.starts_at, ends_at=a.ends_at)
            for a, c, _ in made
        ],
        batch_size=2000,
    )
    Attendee.objects.bulk_create(
        [
            Attendee(appointment=a, patient=r.patient, referral=r, starts_at=a.starts_at, ends_at=a.ends_at)
            for a, _, r in made
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def diary_queries(diary: dict[str, Any]) -> dict[str, str]:
    monday = next_weekday(0)
    clinician, room = diary["clinicians"][0], diary["rooms"][0]
    team_clinicians = list(selectors.clinicians_in_teams([diary["team"].pk]))
    table = Appointment._meta.db_table
    return {
        "my week": main_query(
            lambda: selectors.clinician_diaries(clinicians=[clinician], first_day=monday), table
        ),
        "team week": main_query(
            lambda: selectors.clinician_diaries(clinicians=team_clinicians, first_day=monday), table
        ),
        "room week": main_query(lambda: selectors.room_diary(room=room, first_day=monday), table),
        "free slots": main_query(
            lambda: selectors.free_slots(
                clinician=clinician,
                patients=[diary["referrals"][0].patient],
                from_day=monday,
                days=7,
            ),
            AppointmentClinician._meta.db_table,
        ),
    }


def test_a_weeks_diary_reads_rows_in_proportion_to_the_week_not_the_history(diary) -> None:
    lay_down(diary, range(SMALL_HISTORY + 1))
    small = {name: explain(sql) for name, sql in diary_queries(diary).items()}
    lay_down(diary, range(SMALL_HISTORY + 1, LARGE_HISTORY + 1))
    large = {name: explain(sql) for name, sql in diary_queries(diary).items()}
    appointments = Appointment.objects.count()
    assert appointments == (LARGE_HISTORY + 1) * 5 * PER_DAY * CLINICIANS
    for name in small:
        (read_small, returned_small, _), (read_large, returned_large, plan) = small[name], large[name]
        assert returned_large == returned_small, name  # the same week, whatever lies before it
        report = f"{name}: {read_small} then {read_large} rows read for {returned_large} returned"
        print(report)  # shown with -s: the figures for a report
        assert read_large <= MULTIPLE * max(returned_large, 1) + SLACK, (report, plan)
        assert read_large <= 2 * read_small + SLACK, report
    assert large["my week"][1] == 5 * PER_DAY
    assert large["team week"][1] == 5 * PER_DAY * CLINICIANS


def _closed_and_open_referrals(team, closed: int, open_: int, *, first: int = 0) -> None:
    today = timezone.localdate()
    patient_referral = ReferralFactory(team=team)
    patient = patient_referral.patient
    rows = [
        Referral(
            reference=f"SC-H{first + n:07d}",
            team=team,
            patient=patient,
            source="self",
            received_on=today - dt.timedelta(days=3000 - n % 2900),  # before the open ones
            status=Referral.Status.ENDED,
            end_code="50",
            discharge_date=today - dt.timedelta(days=2900 - n % 2900),
            presenting_difficulties="Historic referral.",
            consent_given=True,
        )
        for n in range(closed)
    ]
    rows += [
        Referral(
            reference=f"SC-O{n:07d}",
            team=team,
            patient=patient,
            source="self",
            received_on=today - dt.timedelta(days=100 - n % 90),
            status=Referral.Status.RECEIVED if n % 2 else Referral.Status.WAITING,
            step="3",
            presenting_difficulties="Waiting.",
            consent_given=True,
        )
        for n in range(open_)
    ]
    Referral.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def test_the_inbox_and_waiting_list_pages_read_the_open_referrals_not_the_closed_ones(service) -> None:
    admin = service.staff[Role.ADMINISTRATOR]
    manager = service.staff[Role.SERVICE_MANAGER]
    table = Referral._meta.db_table
    results = {}
    for size, closed, first in (("small", 500, 0), ("large", 4500, 500)):
        _closed_and_open_referrals(service.team, closed, 200 if size == "small" else 0, first=first)
        results[size] = {
            "inbox": explain(main_query(lambda: referral_selectors.inbox(user=admin), table, "LIMIT")),
            "waiting list": explain(
                main_query(lambda: referral_selectors.waiting_list(user=manager), table, "LIMIT")
            ),
        }
    for name in results["small"]:
        read_small, returned, _ = results["small"][name]
        read_large, returned_large, plan = results["large"][name]
        assert returned_large == returned == referral_selectors.PAGE_SIZE, name
        report = f"{name}: {read_small} then {read_large} rows read for {returned_large} returned"
        print(report)  # shown with -s: the figures for a report
        assert read_large <= 2 * read_small + SLACK, (report, plan)
