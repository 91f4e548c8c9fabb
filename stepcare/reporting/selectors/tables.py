"""The dashboard's tables beside the figures: the monthly trend, ending reasons, attendance,
sessions per course against the NICE range, and the waiting list today. One query each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth

from stepcare.referrals.models import ProblemDescriptorRecord, Referral
from stepcare.reporting.rates import percent_text, rate
from stepcare.reporting.selectors.kpis import EIGHTEEN_WEEKS, SIX_WEEKS, cohort_filters, period_bounds
from stepcare.scheduling.models import Attendee


@dataclass(frozen=True)
class MonthRow:
    """One month of finished courses, for the trend chart and the table beside it."""

    month: dt.date
    finished: int
    not_at_caseness: int
    recovered: int
    reliably_improved: int

    @property
    def recovery_rate(self) -> float | None:
        return rate(self.recovered, self.finished - self.not_at_caseness)

    @property
    def reliable_improvement_rate(self) -> float | None:
        return rate(self.reliably_improved, self.finished)

    @property
    def recovery_text(self) -> str:
        return percent_text(self.recovery_rate)

    @property
    def reliable_improvement_text(self) -> str:
        return percent_text(self.reliable_improvement_rate)


def monthly_trend(period_start: dt.date, period_end: dt.date, referrals: Any) -> list[MonthRow]:
    """Recovery and reliable improvement by month of ending, in one grouped query."""
    filters = cohort_filters(period_start, period_end)
    rows = (
        referrals.filter(filters["finished_course"])
        .annotate(month=TruncMonth("discharge_date"))
        .values("month")
        .annotate(
            finished=Count("pk"),
            not_at_caseness=Count("pk", filter=Q(outcome_paired=True, outcome_at_caseness=False)),
            recovered=Count("pk", filter=Q(outcome_recovered=True)),
            reliably_improved=Count("pk", filter=Q(outcome_reliable_improvement=True)),
        )
        .order_by("month")
    )
    return [
        MonthRow(r["month"], r["finished"], r["not_at_caseness"], r["recovered"], r["reliably_improved"])
        for r in rows
    ]


@dataclass(frozen=True)
class EndingRow:
    """Referrals ended in the period with one ending reason (ENDCODE)."""

    code: str
    label: str
    count: int


def ending_reasons(period_start: dt.date, period_end: dt.date, referrals: Any) -> list[EndingRow]:
    """Referrals ended in the period by ending reason, most frequent first (one grouped query)."""
    from stepcare.referrals.models.codes import EndCode

    labels = dict(EndCode.choices)
    rows = (
        referrals.filter(cohort_filters(period_start, period_end)["ended"])
        .values("end_code")
        .annotate(count=Count("pk"))
        .order_by("-count", "end_code")
    )
    return [
        EndingRow(r["end_code"], labels.get(r["end_code"], "Not recorded"), int(r["count"])) for r in rows
    ]


@dataclass(frozen=True)
class AttendanceCounts:
    """Patients' appointments that started in the period, by what happened (one query)."""

    attended: int
    dna: int
    cancelled_by_patient: int
    cancelled_by_provider: int

    @property
    def total(self) -> int:
        return self.attended + self.dna + self.cancelled_by_patient + self.cancelled_by_provider

    def rows(self) -> list[tuple[str, int, str]]:
        """(label, count, share of all these appointments as text)."""
        return [
            (label, value, percent_text(rate(value, self.total)))
            for label, value in (
                ("Attended", self.attended),
                ("Did not attend, or too late to be seen (DNA)", self.dna),
                ("Cancelled by the patient", self.cancelled_by_patient),
                ("Cancelled by the service", self.cancelled_by_provider),
            )
        ]


def attendance(period_start: dt.date, period_end: dt.date, referrals: Any) -> AttendanceCounts:
    """Attended, missed and cancelled (by the patient, by the service) appointments of
    ``referrals`` starting in the period, cancelled appointments included (one query)."""
    start, end = period_bounds(period_start, period_end)
    row = Attendee.objects.filter(referral__in=referrals, starts_at__gte=start, starts_at__lt=end).aggregate(
        attended=Count("pk", filter=Q(attendance__in=Attendee.ATTENDED)),
        dna=Count("pk", filter=Q(attendance__in=Attendee.MISSED)),
        cancelled_by_patient=Count("pk", filter=Q(attendance=Attendee.AttendOrDNA.CANCELLED_BY_PATIENT)),
        cancelled_by_provider=Count("pk", filter=Q(attendance=Attendee.AttendOrDNA.CANCELLED_BY_PROVIDER)),
    )
    return AttendanceCounts(**{k: int(v or 0) for k, v in row.items()})


@dataclass(frozen=True)
class SessionsRow:
    """Finished courses with one current primary problem descriptor: treatment contacts per
    course against the NICE range for that descriptor (and the chosen modality, CBT if none)."""

    descriptor: str
    label: str
    finished: int
    mean_sessions: float | None
    nice_range: str
    within_range: int | None

    @property
    def mean_text(self) -> str:
        return "–" if self.mean_sessions is None else f"{self.mean_sessions:.1f}"

    @property
    def within_text(self) -> str:
        if self.within_range is None:
            return "–"
        return f"{self.within_range} ({percent_text(rate(self.within_range, self.finished))})"


def sessions_per_course(
    period_start: dt.date, period_end: dt.date, referrals: Any, modality: str = ""
) -> list[SessionsRow]:
    """Attended treatment contacts per finished course by current primary problem descriptor,
    with the NICE range (``records.nice``) and how many courses fell within it (one query).

    The database counts courses by (descriptor, contact count), reading each course's current
    descriptor once; the means and the courses within range are summed from those few groups."""
    from stepcare.records import nice
    from stepcare.referrals.models.codes import ProblemDescriptor

    labels = dict(ProblemDescriptor.choices)
    ranges = {d: nice.range_for(modality or "cbt", d) for d in ProblemDescriptor.values}
    latest = ProblemDescriptorRecord.objects.filter(referral=OuterRef("pk")).order_by(
        "-recorded_on", "-recorded_at", "-id"
    )
    groups = (
        referrals.filter(cohort_filters(period_start, period_end)["finished_course"])
        .annotate(current_descriptor=Subquery(latest.values("primary")[:1]))
        .values("current_descriptor", "treatment_contact_count")
        .annotate(courses=Count("pk"))
        .order_by("current_descriptor", "treatment_contact_count")
    )
    by_descriptor: dict[str, list[tuple[int, int]]] = {}  # the database's order kept
    for g in groups:
        by_descriptor.setdefault(g["current_descriptor"] or "", []).append(
            (int(g["treatment_contact_count"]), int(g["courses"]))
        )
    result = []
    for code, counts in by_descriptor.items():
        found = ranges.get(code)
        finished = sum(n for _, n in counts)
        within = None
        if found is not None and found.unit == "sessions":
            within = sum(
                n
                for contacts, n in counts
                if (not found.low or contacts >= found.low) and (not found.high or contacts <= found.high)
            )
        result.append(
            SessionsRow(
                code,
                labels.get(code, "No problem descriptor recorded"),
                finished,
                sum(contacts * n for contacts, n in counts) / finished if finished else None,
                found.describe() if found else "No NICE range for this descriptor",
                within,
            )
        )
    return result


@dataclass(frozen=True)
class WaitingNow:
    """The waiting list today (accepted, no treatment yet), whatever the period: counts only."""

    waiting: int
    over_6_weeks: int
    over_18_weeks: int
    oldest_received: dt.date | None
    today: dt.date

    @property
    def oldest_wait_days(self) -> int | None:
        return None if self.oldest_received is None else (self.today - self.oldest_received).days


def waiting_now(referrals: Any, today: dt.date) -> WaitingNow:
    """How many wait for first treatment today, how many over 6 and 18 weeks since receipt,
    and the oldest wait (one aggregate query, unadjusted for pauses)."""
    from django.db.models import Min

    row = referrals.filter(status__in=Referral.WAITING_STATUSES).aggregate(
        waiting=Count("pk"),
        over_6_weeks=Count("pk", filter=Q(received_on__lt=today - SIX_WEEKS)),
        over_18_weeks=Count("pk", filter=Q(received_on__lt=today - EIGHTEEN_WEEKS)),
        oldest=Min("received_on"),
    )
    return WaitingNow(
        int(row["waiting"] or 0),
        int(row["over_6_weeks"] or 0),
        int(row["over_18_weeks"] or 0),
        row["oldest"],
        today,
    )
