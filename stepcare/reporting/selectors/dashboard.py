"""Everything the KPI dashboard computes for one choice of period and filters, kept for a few
minutes in Django's cache (Redis in production).

The dashboard aggregates a whole period of a service (a financial year of a large service is
tens of thousands of referrals and hundreds of thousands of appointments): about a second of
database work, which does not change from one minute to the next. The figures are kept under a
key naming the user's report teams, the period and every filter, and the day, for
``REPORTING_DASHBOARD_CACHE_SECONDS`` (5 minutes in service; 0 computes them on every view).
The page says when its figures were computed (hazard H56). The drill-down lists, downloads and
the national dataset export always count afresh.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from stepcare.reporting.selectors.kpis import kpi_counts, period_bounds, with_rates
from stepcare.reporting.selectors.tables import (
    AttendanceCounts,
    EndingRow,
    MonthRow,
    SessionsRow,
    WaitingNow,
    ending_reasons,
    monthly_trend,
    sessions_per_course,
    waiting_now,
)
from stepcare.scheduling.models import Appointment, Attendee

DASHBOARD_KEY_VERSION = 1


@dataclass(frozen=True)
class DashboardData:
    """The dashboard's counts and rates and the tables beside them, and when they were computed."""

    result: dict[str, Any]
    trend: list[MonthRow]
    endings: list[EndingRow]
    attendance: AttendanceCounts
    sessions: list[SessionsRow]
    waiting: WaitingNow
    computed_at: dt.datetime


T = TypeVar("T")


def dashboard_cache_key(team_ids: Iterable[int], scope: dict[str, Any], today: dt.date) -> str:
    """The key of one user's view: their report teams, the period and filters, and the day."""
    raw = json.dumps({"teams": sorted(team_ids), "scope": scope, "today": today}, sort_keys=True, default=str)
    return f"stepcare:dashboard:v{DASHBOARD_KEY_VERSION}:{hashlib.sha256(raw.encode()).hexdigest()}"


def attendance_and_dna(
    start: dt.date, end: dt.date, referrals: Any
) -> tuple[AttendanceCounts, dict[str, int]]:
    """``tables.attendance`` and ``kpis.dna_counts`` in one pass over the period's attendances
    (one query): the DNA rate counts booked appointments only, the attendance table all."""
    begins, ends = period_bounds(start, end)
    booked = Q(appointment__status=Appointment.Status.BOOKED)
    row = Attendee.objects.filter(
        referral__in=referrals, starts_at__gte=begins, starts_at__lt=ends
    ).aggregate(
        attended=Count("pk", filter=Q(attendance__in=Attendee.ATTENDED)),
        dna=Count("pk", filter=Q(attendance__in=Attendee.MISSED)),
        cancelled_by_patient=Count("pk", filter=Q(attendance=Attendee.AttendOrDNA.CANCELLED_BY_PATIENT)),
        cancelled_by_provider=Count("pk", filter=Q(attendance=Attendee.AttendOrDNA.CANCELLED_BY_PROVIDER)),
        booked_dna=Count("pk", filter=booked & Q(attendance__in=Attendee.MISSED)),
        booked_attended_or_missed=Count(
            "pk", filter=booked & Q(attendance__in=Attendee.ATTENDED | Attendee.MISSED)
        ),
    )
    counts = {k: int(v or 0) for k, v in row.items()}
    dna = {"dna": counts.pop("booked_dna"), "attended_or_missed": counts.pop("booked_attended_or_missed")}
    return AttendanceCounts(**counts), dna


def compute_dashboard(
    start: dt.date, end: dt.date, referrals: Callable[[], Any], *, modality: str, today: dt.date
) -> DashboardData:
    """Every figure and table of the dashboard, counted now (``referrals`` makes the queryset)."""
    counted, dna = attendance_and_dna(start, end, referrals())
    return DashboardData(
        result=with_rates({**kpi_counts(start, end, referrals()), **dna}),
        trend=monthly_trend(start, end, referrals()),
        endings=ending_reasons(start, end, referrals()),
        attendance=counted,
        sessions=sessions_per_course(start, end, referrals(), modality),
        waiting=waiting_now(referrals(), today),
        computed_at=timezone.now(),
    )


def dashboard(
    start: dt.date,
    end: dt.date,
    referrals: Callable[[], Any],
    *,
    team_ids: Iterable[int],
    scope: dict[str, Any],
    modality: str = "",
) -> DashboardData:
    """The dashboard's figures from the cache when computed in the last few minutes for the same
    teams, period and filters on the same day; otherwise counted now and kept."""
    today = timezone.localdate()
    return kept_for_a_while(
        team_ids,
        {**scope, "start": start, "end": end, "modality": modality},
        lambda: compute_dashboard(start, end, referrals, modality=modality, today=today),
        today=today,
        kind=DashboardData,
    )


def kept_for_a_while(
    team_ids: Iterable[int], scope: dict[str, Any], compute: Callable[[], T], *, today: dt.date, kind: type[T]
) -> T:
    """A report's figures from the cache when computed in the last few minutes
    (``REPORTING_DASHBOARD_CACHE_SECONDS``) for the same teams, period and filters (``scope``)
    on the same day; otherwise ``compute()``, kept. Counting a year of a large service's courses
    takes a good part of a second; the page says when its figures were counted."""
    seconds = int(getattr(settings, "REPORTING_DASHBOARD_CACHE_SECONDS", 0) or 0)
    if seconds <= 0:
        return compute()
    key = dashboard_cache_key(team_ids, scope, today)
    found = cache.get(key)
    if isinstance(found, kind):
        return found
    data = compute()
    cache.set(key, data, seconds)
    return data
