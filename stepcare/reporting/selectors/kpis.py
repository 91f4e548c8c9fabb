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
from typing import Any

from django.db.models import Count, F, OuterRef, Q, Subquery

from stepcare.accounts.models import Team, User
from stepcare.referrals.models import Allocation, ProblemDescriptorRecord, Referral
from stepcare.reporting.rates import rate
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
