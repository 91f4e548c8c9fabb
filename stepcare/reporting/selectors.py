"""The national NHS Talking Therapies KPIs for a period (DOMAIN.md §2-3), counted in the database.

Every count is at referral level, from the referral's derived fields (treatment dates and
contact count from the diary, the course outcome from ``stepcare.measures.classify_course``):
one aggregate query over referrals and one over attendances, whatever the size of the service.
Referrals entered in error never count.

Definitions (the period is inclusive Europe/London dates):
- ``referrals_received``: received in the period.
- ``entered_treatment``: first attended treatment appointment in the period.
- ``ended``: discharged (status ended) in the period; ``ended_before_treatment`` with no
  attended treatment contact, ``ended_after_one_treatment`` with exactly one.
- ``finished_course``: ended in the period with at least two attended treatment contacts.
  Every outcome and wait below is of finished courses.
- ``at_caseness`` / ``not_at_caseness``: the paired first scores at / below caseness. A finished
  course without a score pair is neither, and stays in every denominator.
- ``recovery_rate`` and ``reliable_recovery_rate``: over ``finished_course - not_at_caseness``;
  ``reliable_improvement_rate``, ``reliable_deterioration_rate`` and
  ``no_reliable_change_rate``: over ``finished_course``.
- Waits, unadjusted for pauses (the published measure): ``first_treatment_within_6_weeks`` is a
  COUNT of finished courses whose first treatment was at most 42 days after receipt,
  ``first_treatment_within_18_weeks`` at most 126 days; ``first_to_second_over_28_days`` and
  ``first_to_second_over_90_days`` COUNT finished courses whose second treatment came more
  than 28 / 90 days after the first. Each has a ``_rate`` twin over ``finished_course``.
- ``dna_rate``: missed (codes 3 and 7) over attended plus missed, of the booked appointments
  (of any type) that started in the period; ``dna`` and ``attended_or_missed`` are its counts.
Rates are fractions from 0 to 1, None when the denominator is 0.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncMonth

from stepcare.accounts.models import Team, User
from stepcare.referrals.models import Allocation, ProblemDescriptorRecord, Referral
from stepcare.reporting.rates import percent_text, rate
from stepcare.scheduling.models import Appointment, Attendee

LONDON = zoneinfo.ZoneInfo("Europe/London")
SIX_WEEKS = dt.timedelta(days=42)
EIGHTEEN_WEEKS = dt.timedelta(days=126)
HIDDEN_WAIT = dt.timedelta(days=28)
LONG_HIDDEN_WAIT = dt.timedelta(days=90)

COUNT_KEYS = (
    "referrals_received",
    "entered_treatment",
    "ended",
    "ended_before_treatment",
    "ended_after_one_treatment",
    "finished_course",
    "paired",
    "not_paired",
    "at_caseness",
    "not_at_caseness",
    "recovered",
    "reliably_improved",
    "reliably_deteriorated",
    "reliably_recovered",
    "no_reliable_change",
    "first_treatment_within_6_weeks",
    "first_treatment_within_18_weeks",
    "first_to_second_over_28_days",
    "first_to_second_over_90_days",
)

# Each rate: (numerator key, how its denominator is made).
RATES: dict[str, tuple[str, str]] = {
    "recovery_rate": ("recovered", "finished_course - not_at_caseness"),
    "reliable_improvement_rate": ("reliably_improved", "finished_course"),
    "reliable_deterioration_rate": ("reliably_deteriorated", "finished_course"),
    "reliable_recovery_rate": ("reliably_recovered", "finished_course - not_at_caseness"),
    "no_reliable_change_rate": ("no_reliable_change", "finished_course"),
    "first_treatment_within_6_weeks_rate": ("first_treatment_within_6_weeks", "finished_course"),
    "first_treatment_within_18_weeks_rate": ("first_treatment_within_18_weeks", "finished_course"),
    "first_to_second_over_28_days_rate": ("first_to_second_over_28_days", "finished_course"),
    "first_to_second_over_90_days_rate": ("first_to_second_over_90_days", "finished_course"),
}


class ReportRefused(Exception):
    """A report that cannot be produced (bad period, unknown team or clinician), with a message."""


def denominator(counts: dict[str, Any], how: str) -> int:
    """A rate's denominator from the counts: "finished_course" or "finished_course - not_at_caseness"."""
    if how == "finished_course - not_at_caseness":
        return int(counts["finished_course"]) - int(counts["not_at_caseness"])
    return int(counts[how])


def period_bounds(period_start: dt.date, period_end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The period as aware datetimes [start, end): Europe/London midnights, clock changes included."""
    if period_end < period_start:
        raise ReportRefused(
            f"The period ends ({period_end:%d/%m/%Y}) before it starts ({period_start:%d/%m/%Y})."
        )
    start = dt.datetime.combine(period_start, dt.time.min, tzinfo=LONDON)
    end = dt.datetime.combine(period_end + dt.timedelta(days=1), dt.time.min, tzinfo=LONDON)
    return start, end


def scoped_referrals(
    team: Team | None = None,
    clinician: User | None = None,
    *,
    team_ids: Iterable[int] | None = None,
    step: str = "",
    problem_descriptor: str = "",
) -> Any:
    """Referrals that count, for a team and/or the therapist of their latest allocation (current,
    or ended with the referral); optionally only within ``team_ids``, at a step, or with a
    current primary descriptor."""
    qs = Referral.objects.counted()
    if team is not None:
        qs = qs.filter(team=team)
    if team_ids is not None:
        qs = qs.filter(team_id__in=list(team_ids))
    if clinician is not None:
        # Ending a referral clears ``allocated_to``, so the therapist is the latest allocation's.
        latest_allocation = Allocation.objects.filter(referral=OuterRef("pk")).order_by(
            "-allocated_at", "-id"
        )
        qs = qs.annotate(last_therapist=Subquery(latest_allocation.values("therapist_id")[:1])).filter(
            last_therapist=clinician.pk
        )
    if step:
        qs = qs.filter(step=step)
    if problem_descriptor:
        latest = ProblemDescriptorRecord.objects.filter(referral=OuterRef("pk")).order_by(
            "-recorded_on", "-recorded_at", "-id"
        )
        qs = qs.annotate(current_descriptor=Subquery(latest.values("primary")[:1])).filter(
            current_descriptor=problem_descriptor
        )
    return qs


def cohort_filters(period_start: dt.date, period_end: dt.date) -> dict[str, Q]:
    """The condition each referral-level count applies (also used by the drill-down lists)."""
    in_period = {"gte": period_start, "lte": period_end}
    ended = Q(
        status=Referral.Status.ENDED,
        discharge_date__gte=in_period["gte"],
        discharge_date__lte=in_period["lte"],
    )
    finished = ended & Q(treatment_contact_count__gte=2)
    paired = finished & Q(outcome_paired=True)
    return {
        "referrals_received": Q(received_on__gte=period_start, received_on__lte=period_end),
        "entered_treatment": Q(first_treatment_date__gte=period_start, first_treatment_date__lte=period_end),
        "ended": ended,
        "ended_before_treatment": ended & Q(treatment_contact_count=0),
        "ended_after_one_treatment": ended & Q(treatment_contact_count=1),
        "finished_course": finished,
        "paired": paired,
        "not_paired": finished & Q(outcome_paired=False),
        "at_caseness": paired & Q(outcome_at_caseness=True),
        "not_at_caseness": paired & Q(outcome_at_caseness=False),
        "recovered": finished & Q(outcome_recovered=True),
        "reliably_improved": finished & Q(outcome_reliable_improvement=True),
        "reliably_deteriorated": finished & Q(outcome_reliable_deterioration=True),
        "reliably_recovered": finished & Q(outcome_reliable_recovery=True),
        "no_reliable_change": paired & Q(outcome_no_reliable_change=True),
        "first_treatment_within_6_weeks": finished
        & Q(first_treatment_date__lte=F("received_on") + SIX_WEEKS),
        "first_treatment_within_18_weeks": finished
        & Q(first_treatment_date__lte=F("received_on") + EIGHTEEN_WEEKS),
        "first_to_second_over_28_days": finished
        & Q(second_treatment_date__gt=F("first_treatment_date") + HIDDEN_WAIT),
        "first_to_second_over_90_days": finished
        & Q(second_treatment_date__gt=F("first_treatment_date") + LONG_HIDDEN_WAIT),
    }


def kpi_counts(period_start: dt.date, period_end: dt.date, referrals: Any) -> dict[str, int]:
    """Every referral-level count in one aggregate query over ``referrals``."""
    filters = cohort_filters(period_start, period_end)
    touched = filters["referrals_received"] | filters["entered_treatment"] | filters["ended"]
    row = referrals.filter(touched).aggregate(**{key: Count("pk", filter=filters[key]) for key in COUNT_KEYS})
    return {key: int(row[key] or 0) for key in COUNT_KEYS}


def dna_counts(period_start: dt.date, period_end: dt.date, referrals: Any) -> dict[str, int]:
    """Missed and attended-or-missed appointments that started in the period (one query)."""
    start, end = period_bounds(period_start, period_end)
    row = Attendee.objects.filter(
        referral__in=referrals,
        starts_at__gte=start,
        starts_at__lt=end,
        appointment__status=Appointment.Status.BOOKED,
    ).aggregate(
        dna=Count("pk", filter=Q(attendance__in=Attendee.MISSED)),
        attended_or_missed=Count("pk", filter=Q(attendance__in=Attendee.ATTENDED | Attendee.MISSED)),
    )
    return {"dna": int(row["dna"] or 0), "attended_or_missed": int(row["attended_or_missed"] or 0)}


def with_rates(counts: dict[str, int]) -> dict[str, Any]:
    """The counts with every rate beside them, each through ``rates.rate``."""
    result: dict[str, Any] = dict(counts)
    for key, (numerator, how) in RATES.items():
        result[key] = rate(counts[numerator], denominator(counts, how))
    result["dna_rate"] = rate(counts["dna"], counts["attended_or_missed"])
    return result


def kpis_for(period_start: dt.date, period_end: dt.date, referrals: Any) -> dict[str, Any]:
    """Every count and rate for ``referrals`` (a queryset from ``scoped_referrals``), two queries."""
    period_bounds(period_start, period_end)  # refuses a period that ends before it starts
    counts = kpi_counts(period_start, period_end, referrals)
    counts.update(dna_counts(period_start, period_end, referrals))
    return with_rates(counts)


def kpis(
    period_start: dt.date,
    period_end: dt.date,
    team: Team | None = None,
    clinician: User | None = None,
) -> dict[str, Any]:
    """The service's KPIs for an inclusive period as one plain dict (two queries).

    Keys: see the module docstring. Counts are ints; rates are fractions 0-1 or None."""
    result = kpis_for(period_start, period_end, scoped_referrals(team, clinician))
    result["period_start"] = period_start.isoformat()
    result["period_end"] = period_end.isoformat()
    result["team"] = team.name if team is not None else None
    result["clinician"] = clinician.username if clinician is not None else None
    return result


@dataclass(frozen=True)
class Figure:
    """One figure of the dashboard: what it counts, over what, and the target beside it."""

    key: str
    label: str
    numerator: int
    denominator: int | None
    denominator_label: str
    rate: float | None
    target: float | None

    @property
    def rate_text(self) -> str:
        return percent_text(self.rate)

    @property
    def target_text(self) -> str:
        return "" if self.target is None else percent_text(self.target)

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or self.rate is None:
            return None
        return self.rate >= self.target


# (label, numerator key, rate key or None, target key or None)
DASHBOARD: tuple[tuple[str, str, str | None, str | None], ...] = (
    ("Referrals received", "referrals_received", None, None),
    ("Entered treatment", "entered_treatment", None, None),
    ("Ended", "ended", None, None),
    ("Ended before treatment", "ended_before_treatment", None, None),
    ("Ended after one treatment", "ended_after_one_treatment", None, None),
    ("Finished a course of treatment", "finished_course", None, None),
    ("Finished without a score pair", "not_paired", None, None),
    ("At caseness at the start", "at_caseness", None, None),
    ("Not at caseness at the start", "not_at_caseness", None, None),
    ("Recovered", "recovered", "recovery_rate", "recovery"),
    ("Reliably improved", "reliably_improved", "reliable_improvement_rate", "reliable_improvement"),
    ("Reliably recovered", "reliably_recovered", "reliable_recovery_rate", "reliable_recovery"),
    ("Reliably deteriorated", "reliably_deteriorated", "reliable_deterioration_rate", None),
    ("No reliable change", "no_reliable_change", "no_reliable_change_rate", None),
    (
        "First treatment within 6 weeks (42 days)",
        "first_treatment_within_6_weeks",
        "first_treatment_within_6_weeks_rate",
        "six_weeks",
    ),
    (
        "First treatment within 18 weeks (126 days)",
        "first_treatment_within_18_weeks",
        "first_treatment_within_18_weeks_rate",
        "eighteen_weeks",
    ),
    (
        "First to second treatment over 28 days",
        "first_to_second_over_28_days",
        "first_to_second_over_28_days_rate",
        None,
    ),
    (
        "First to second treatment over 90 days",
        "first_to_second_over_90_days",
        "first_to_second_over_90_days_rate",
        None,
    ),
)
DENOMINATOR_LABELS = {
    "finished_course": "finished courses",
    "finished_course - not_at_caseness": "finished courses minus those not at caseness",
}


def figures(result: dict[str, Any], targets: dict[str, float]) -> list[Figure]:
    """The dashboard's figures, each with numerator, denominator, rate and target."""
    rows = []
    for label, key, rate_key, target_key in DASHBOARD:
        if rate_key is None:
            rows.append(Figure(key, label, result[key], None, "", None, None))
            continue
        how = RATES[rate_key][1]
        rows.append(
            Figure(
                key,
                label,
                result[key],
                denominator(result, how),
                DENOMINATOR_LABELS[how],
                result[rate_key],
                targets.get(target_key) if target_key else None,
            )
        )
    rows.append(
        Figure("dna", "Appointments missed (DNA)", result["dna"], result["attended_or_missed"],
               "appointments attended or missed", result["dna_rate"], None)
    )  # fmt: skip
    return rows


DRILLDOWN_KEYS = frozenset(COUNT_KEYS)


def drilldown(key: str, period_start: dt.date, period_end: dt.date, referrals: Any) -> Any:
    """The referrals behind a count, oldest first (a queryset to page in the database)."""
    if key not in DRILLDOWN_KEYS:
        raise ReportRefused("Choose a figure from the dashboard.")
    return (
        referrals.filter(cohort_filters(period_start, period_end)[key])
        .select_related("patient", "team", "allocated_to")
        .order_by("received_on", "pk")
    )


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


def latest_modality() -> Any:
    """The modality of a referral's latest signed treatment plan, as a subquery to annotate."""
    from stepcare.records.models import TreatmentPlan

    plans = TreatmentPlan.objects.filter(referral=OuterRef("pk"), status="signed").order_by(
        "-signed_at", "-id"
    )
    return Subquery(plans.values("modality")[:1])


def report_referrals(
    team_ids: Iterable[int],
    team: Team | None = None,
    clinician: User | None = None,
    *,
    step: str = "",
    descriptor: str = "",
    modality: str = "",
) -> Any:
    """The referrals a report counts: the dashboard's choices within ``team_ids`` (the user's
    report teams), and the modality of the latest signed treatment plan when one is chosen."""
    qs = scoped_referrals(team, clinician, team_ids=team_ids, step=step, problem_descriptor=descriptor)
    return with_modality(qs, modality) if modality else qs


def with_modality(referrals: Any, modality: str) -> Any:
    """Only referrals whose latest signed treatment plan is of ``modality`` (e.g. "cbt")."""
    return referrals.annotate(current_modality=latest_modality()).filter(current_modality=modality)


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
    with the NICE range (``records.nice``) and how many courses fell within it (one query)."""
    from django.db.models import Avg

    from stepcare.records import nice
    from stepcare.referrals.models.codes import ProblemDescriptor

    labels = dict(ProblemDescriptor.choices)
    ranges = {d: nice.range_for(modality or "cbt", d) for d in ProblemDescriptor.values}
    within = Q(pk__in=[])
    for code, found in ranges.items():
        if found is None or found.unit != "sessions":
            continue
        bounds = Q(current_descriptor=code)
        if found.low:
            bounds &= Q(treatment_contact_count__gte=found.low)
        if found.high:
            bounds &= Q(treatment_contact_count__lte=found.high)
        within |= bounds
    latest = ProblemDescriptorRecord.objects.filter(referral=OuterRef("pk")).order_by(
        "-recorded_on", "-recorded_at", "-id"
    )
    rows = (
        referrals.filter(cohort_filters(period_start, period_end)["finished_course"])
        .annotate(current_descriptor=Subquery(latest.values("primary")[:1]))
        .values("current_descriptor")
        .annotate(
            finished=Count("pk"), mean=Avg("treatment_contact_count"), within=Count("pk", filter=within)
        )
        .order_by("current_descriptor")
    )
    result = []
    for r in rows:
        code = r["current_descriptor"] or ""
        found = ranges.get(code)
        counted = found is not None and found.unit == "sessions"
        result.append(
            SessionsRow(
                code,
                labels.get(code, "No problem descriptor recorded"),
                int(r["finished"]),
                None if r["mean"] is None else float(r["mean"]),
                found.describe() if found else "No NICE range for this descriptor",
                int(r["within"]) if counted else None,
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
