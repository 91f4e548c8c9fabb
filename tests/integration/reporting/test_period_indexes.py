"""The KPI counts and the equity tables read a period's referrals, not the years before it
(PostgreSQL's planner, issue 15).

A report of a quarter asks for the referrals received, entered into treatment or ended in it.
Without an index on the treatment and discharge dates the count read every referral the
service ever held (a whole-table scan, 34 ms at the large demo); the two partial indexes let
it read the period's referrals only. Explained over a history that grows 20-fold.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stepcare.referrals.models import Referral
from stepcare.reporting.equity import equity
from stepcare.reporting.selectors.kpis import kpi_counts
from tests.factories.referrals import ReferralFactory
from tests.integration.referrals.test_list_indexes import (
    SMALL_HISTORY,
    _explain,
    _history,
    _walk,
    postgresql_only,
)

pytestmark = pytest.mark.django_db

IN_PERIOD = 60  # ended in the quarter reported, half after a course of treatment


def test_the_period_indexes_cover_the_cohorts_conditions() -> None:
    conditions = {index.name: index.condition for index in Referral._meta.indexes}
    assert conditions["referral_ended_on"].children == [("status", "ended")]  # type: ignore[union-attr]
    assert conditions["referral_entered_treatment"].children == [  # type: ignore[union-attr]
        ("first_treatment_date__isnull", False)
    ]


def _last_query(run: object) -> str:
    with CaptureQueriesContext(connection) as captured:
        run()  # type: ignore[operator]
    return str(captured.captured_queries[-1]["sql"])


@postgresql_only
def test_a_quarters_report_reads_the_quarter_not_the_history(service) -> None:
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=90), today
    anchor = ReferralFactory(team=service.team)
    Referral.objects.bulk_create(
        [
            Referral(
                reference=f"SC-Q{n:07d}",
                team=service.team,
                patient=anchor.patient,
                source="self",
                received_on=today - dt.timedelta(days=120 + n),
                status=Referral.Status.ENDED,
                end_code="46" if n % 2 else "50",
                first_treatment_date=today - dt.timedelta(days=80) if n % 2 else None,
                treatment_contact_count=6 if n % 2 else 0,
                discharge_date=today - dt.timedelta(days=1 + n),
                presenting_difficulties="Ended this quarter.",
                consent_given=True,
            )
            for n in range(IN_PERIOD)
        ]
    )
    referrals = Referral.objects.all()
    figures = {}
    for size, first, count in (("small", 0, SMALL_HISTORY), ("large", SMALL_HISTORY, 20 * SMALL_HISTORY)):
        _history(service.team, anchor.patient, first, count)
        counts = _last_query(lambda: kpi_counts(start, end, referrals))
        table = _last_query(lambda: equity(start, end, referrals, "gender"))
        figures[size] = {"KPI counts": _explain(counts), "equity": _explain(table)}
    assert kpi_counts(start, end, referrals)["ended"] == IN_PERIOD
    for name, index in (("KPI counts", "referral_ended_on"), ("equity", "referral_ended_on")):
        read_small, _, _ = figures["small"][name]
        read_large, _, indexes = figures["large"][name]
        report = f"{name}: {read_small} then {read_large} referral rows read, {IN_PERIOD} ended in the period"
        print(report)  # shown with -s: the figures for a report
        assert read_large <= 2 * IN_PERIOD + 10, report
        assert index in indexes, (report, indexes)


@postgresql_only
def test_a_clinicians_finished_courses_read_their_year_not_their_history(service) -> None:
    """The caseload page's count of the clinician's courses finished in the last year reads the
    allocations they ended in the year (``allocation_ended_by_therapist``), however many courses
    they and the service ended before it: explained over a history that grows 20-fold."""
    from stepcare.accounts.permissions import Role
    from stepcare.outcomes.selectors.caseload import _finished_courses
    from stepcare.referrals.models import Allocation

    today = timezone.localdate()
    hit = service.staff[Role.HIGH_INTENSITY_THERAPIST]
    anchor = ReferralFactory(team=service.team)
    for n, contacts in enumerate((0, 1, 2, 6, 12)):
        ended = ReferralFactory(
            team=service.team,
            patient=anchor.patient,
            status=Referral.Status.ENDED,
            end_code="46" if contacts else "50",
            received_on=today - dt.timedelta(days=200),
            first_treatment_date=today - dt.timedelta(days=150) if contacts else None,
            treatment_contact_count=contacts,
            discharge_date=today - dt.timedelta(days=10 + n),
        )
        Allocation.objects.create(referral=ended, therapist=hit, allocated_by=hit, ended_at=timezone.now())
    figures = {}
    for size, first, count in (("small", 0, SMALL_HISTORY), ("large", SMALL_HISTORY, 20 * SMALL_HISTORY)):
        _history(service.team, anchor.patient, first, count)
        long_ago = timezone.now() - dt.timedelta(days=800)
        Allocation.objects.bulk_create(
            Allocation(referral=r, therapist=hit, allocated_by=hit, ended_at=long_ago)
            for r in Referral.objects.filter(reference__startswith="SC-E", allocations__isnull=True)
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE referrals_allocation")
        figures[size] = _entries_read(_last_query(lambda: _finished_courses(hit, today).count()))
    assert _finished_courses(hit, today).count() == 3  # two treatment contacts or more
    print(f"a clinician's finished courses: {figures['small']} then {figures['large']} entries read")
    assert figures["large"] <= figures["small"] + 5 and figures["large"] <= 40, figures


def _entries_read(sql: str) -> int:
    """Rows and index entries the plan of ``sql`` read (bitmap index scans included, which
    ``_explain`` does not count: they read entries, not the table's rows)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        (document,) = cursor.fetchone()
    plan = (json.loads(document) if isinstance(document, str) else document)[0]["Plan"]
    return sum(
        round(
            (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * node.get("Actual Loops", 1)
        )
        for node in _walk(plan)
        if node["Node Type"] in {"Bitmap Index Scan", "Index Scan", "Index Only Scan", "Seq Scan"}
    )
