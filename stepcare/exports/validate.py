"""The dataset validator: every record of a period's submission with a missing or invalid
mandatory item, grouped by problem, each with a link to the page where it is fixed.

Errors stop a submission (``stepcare export dataset --validate-only`` exits 1); warnings are
shown but do not. The rules read the database in one filtered query each (checking ENDCODE
reuses ``referrals.actions.check_end_code``, the rule the ending form applies).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from nhs_number.validate import is_valid as nhs_number_is_valid

from stepcare.exports.dataset import CHUNK, Period, referrals_in_period
from stepcare.outcomes.models import MeasureResponse
from stepcare.outcomes.registry import service_registry
from stepcare.patients.codes import EthnicCategory
from stepcare.referrals.actions import check_end_code
from stepcare.referrals.models import Referral
from stepcare.referrals.transitions import MoveRefused
from stepcare.scheduling.models import Appointment, Attendee

ERROR = "error"
WARNING = "warning"
# Findings kept per problem: the count is always whole, the list stops here.
KEEP_PER_PROBLEM = 500

PROBLEMS: dict[str, tuple[str, str]] = {
    "nhs_number": (ERROR, "NHS number missing or not valid (IDS001 NHSNumber)"),
    "ethnicity": (ERROR, "Ethnic category not recorded (IDS001 EthnicCategory)"),
    "no_patient": (ERROR, "Referral not yet linked to a person (IDS001 LocalPatientId)"),
    "no_score_pair": (ERROR, "Finished course without a PHQ-9 and anxiety score pair (IDS101)"),
    "end_code": (ERROR, "Ending reason inconsistent with the contacts (IDS101 ENDCODE)"),
    "no_app_type": (ERROR, "Care contact without an appointment type (IDS201 AppType)"),
    "no_attendance": (ERROR, "Past care contact without attendance recorded (IDS201 AttendOrDNACode)"),
    "score_range": (ERROR, "Score outside the measure's range (IDS606/IDS607 PersScore)"),
    "no_snomed": (WARNING, "Measure without a SNOMED CT code configured (IDS606/IDS607 CodedAssToolType)"),
    "no_procedure": (
        WARNING,
        "Care activity without a therapy procedure code (IDS202 CodeProcAndProcStatus)",
    ),
}


@dataclass(frozen=True)
class Finding:
    problem: str
    record: str
    message: str
    link: str = ""
    patient_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "problem": self.problem,
            "record": self.record,
            "message": self.message,
            "link": self.link,
            "patient_id": self.patient_id,
        }


@dataclass
class Report:
    """The findings grouped by problem (each group's count is whole; its list is bounded)."""

    period_start: str
    period_end: str
    groups: dict[str, list[Finding]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, finding: Finding) -> None:
        self.counts[finding.problem] = self.counts.get(finding.problem, 0) + 1
        group = self.groups.setdefault(finding.problem, [])
        if len(group) < KEEP_PER_PROBLEM:
            group.append(finding)

    @property
    def errors(self) -> int:
        return sum(n for p, n in self.counts.items() if PROBLEMS[p][0] == ERROR)

    @property
    def warnings(self) -> int:
        return sum(n for p, n in self.counts.items() if PROBLEMS[p][0] == WARNING)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period_start": self.period_start,
            "period_end": self.period_end,
            "errors": self.errors,
            "warnings": self.warnings,
            "problems": [
                {
                    "problem": problem,
                    "severity": PROBLEMS[problem][0],
                    "title": PROBLEMS[problem][1],
                    "count": self.counts[problem],
                    "findings": [f.as_dict() for f in self.groups[problem]],
                }
                for problem in PROBLEMS
                if problem in self.counts
            ],
        }

    def lines(self) -> Iterator[str]:
        """The report as text, one line per finding under each problem."""
        for group in self.as_dict()["problems"]:
            yield f"{group['severity'].upper()}: {group['title']}: {group['count']}"
            for f in group["findings"]:
                link = f"  fix at {f['link']}" if f["link"] else ""
                yield f"  {f['record']}: {f['message']}{link}"
        yield f"{self.errors} errors, {self.warnings} warnings"


def validate(period: Period, team_ids: list[int] | None = None) -> Report:
    """Every missing or invalid mandatory item in the period's dataset."""
    referrals = referrals_in_period(period, team_ids)
    report = Report(period.start.isoformat(), period.end.isoformat())
    for check in (_people, _unlinked, _courses, _end_codes, _contacts, _scores, _codes):
        for finding in check(period, referrals):
            report.add(finding)
    return report


def _people(period: Period, referrals: Any) -> Iterator[Finding]:
    rows = (
        referrals.filter(patient__isnull=False)
        .order_by("patient_id", "pk")
        .values_list("reference", "patient_id", "patient__nhs_number", "patient__ethnic_category")
    )
    seen: int | None = None
    for reference, patient_id, nhs_number, ethnic in rows.iterator(chunk_size=CHUNK):
        if patient_id == seen:
            continue  # one finding per person, on their first referral in the period
        seen = patient_id
        edit = reverse("patients:edit", args=[patient_id])
        record = f"{reference} (patient {patient_id})"
        if not nhs_number:
            yield Finding("nhs_number", record, "No NHS number is recorded.", edit, patient_id)
        elif not nhs_number_is_valid(nhs_number):
            yield Finding(
                "nhs_number", record, "The NHS number's check digit does not match.", edit, patient_id
            )
        if ethnic in ("", EthnicCategory.NOT_KNOWN):
            yield Finding("ethnicity", record, "Ask the person and record their ethnic category "
                          "(or Z if they decline).", edit, patient_id)  # fmt: skip


def _unlinked(period: Period, referrals: Any) -> Iterator[Finding]:
    for pk, reference in referrals.filter(patient__isnull=True).order_by("pk").values_list("pk", "reference"):
        yield Finding(
            "no_patient",
            reference,
            "Check who the person is and link the referral to their record.",
            reverse("referrals:identity", args=[pk]),
        )


def _finished_in(period: Period) -> Q:
    return Q(
        status=Referral.Status.ENDED,
        discharge_date__gte=period.start,
        discharge_date__lte=period.end,
        treatment_contact_count__gte=2,
    )


def _courses(period: Period, referrals: Any) -> Iterator[Finding]:
    rows = referrals.filter(_finished_in(period), outcome_paired=False).order_by("pk")
    for pk, reference, patient_id in rows.values_list("pk", "reference", "patient_id").iterator(
        chunk_size=CHUNK
    ):
        yield Finding(
            "no_score_pair",
            reference,
            "The course finished with two or more treatment contacts but has no first and last "
            "PHQ-9 and anxiety measure: record the scores collected at the sessions.",
            reverse("referrals:detail", args=[pk]),
            patient_id,
        )


def _end_codes(period: Period, referrals: Any) -> Iterator[Finding]:
    ended = referrals.filter(
        status=Referral.Status.ENDED, discharge_date__gte=period.start, discharge_date__lte=period.end
    ).order_by("pk")
    for referral in ended.iterator(chunk_size=CHUNK):
        try:
            check_end_code(referral, referral.end_code)
        except MoveRefused as refused:
            yield Finding(
                "end_code",
                f"{referral.reference} (ENDCODE {referral.end_code})",
                str(refused),
                reverse("referrals:detail", args=[referral.pk]),
                referral.patient_id,
            )


def _contacts(period: Period, referrals: Any) -> Iterator[Finding]:
    start, end = period.bounds
    now = timezone.now()
    contacts = Attendee.objects.filter(referral__in=referrals, starts_at__gte=start, starts_at__lt=end)
    missing_type = contacts.filter(appointment__app_type="").order_by("pk")
    for pk, appointment_id, reference, patient_id in missing_type.values_list(
        "pk", "appointment_id", "referral__reference", "patient_id"
    ).iterator(chunk_size=CHUNK):
        yield Finding("no_app_type", f"{reference} contact {pk}", "Record the appointment type.",
                      reverse("scheduling:appointment", args=[appointment_id]), patient_id)  # fmt: skip
    unrecorded = contacts.filter(
        attendance="", live=True, starts_at__lt=now, appointment__status=Appointment.Status.BOOKED
    ).order_by("starts_at", "pk")
    for pk, appointment_id, reference, patient_id, starts in unrecorded.values_list(
        "pk", "appointment_id", "referral__reference", "patient_id", "starts_at"
    ).iterator(chunk_size=CHUNK):
        when = timezone.localtime(starts)
        yield Finding("no_attendance", f"{reference} contact {pk}",
                      f"Record whether the person attended on {when:%d/%m/%Y at %H:%M}.",
                      reverse("scheduling:appointment", args=[appointment_id]), patient_id)  # fmt: skip
    procedures = contacts.filter(attendance__in=sorted(Attendee.ATTENDED)).count()
    if procedures:
        yield Finding(
            "no_procedure",
            f"{procedures} attended contacts",
            "Stepcare does not yet record the SNOMED CT procedure of the therapy given; IDS202 is "
            "sent without CodeProcAndProcStatus.",
        )


def _scores(period: Period, referrals: Any) -> Iterator[Finding]:
    registry = service_registry()
    outside = [Q(measure=m.code) & (Q(total__lt=m.total_min) | Q(total__gt=m.total_max)) for m in registry]
    unknown = ~Q(measure__in=[m.code for m in registry])
    responses = (
        MeasureResponse.objects.current()
        .filter(referral__in=referrals, completed_on__gte=period.start, completed_on__lte=period.end)
        .filter(reduce(or_, outside, unknown))
        .order_by("pk")
    )
    for (
        reference,
        referral_id,
        appointment_id,
        patient_id,
        measure,
        total,
        completed,
    ) in responses.values_list(
        "referral__reference",
        "referral_id",
        "appointment_id",
        "patient_id",
        "measure",
        "total",
        "completed_on",
    ).iterator(chunk_size=CHUNK):
        link = (
            reverse("scheduling:appointment", args=[appointment_id])
            if appointment_id
            else reverse("outcomes:progress", args=[referral_id])
        )
        found = registry.find(measure)
        allowed = f" ({found.total_range_text()})" if found else " (not a measure Stepcare knows)"
        yield Finding(
            "score_range",
            f"{reference} {measure} on {completed:%d/%m/%Y}",
            f"The total {total:g} is outside the range{allowed}: mark the response entered in "
            "error and enter the answers again.",
            link,
            patient_id,
        )


def _codes(period: Period, referrals: Any) -> Iterator[Finding]:
    registry = service_registry()
    used = (
        MeasureResponse.objects.current()
        .filter(referral__in=referrals, completed_on__gte=period.start, completed_on__lte=period.end)
        .order_by("measure")
        .values_list("measure", flat=True)
        .distinct()
    )
    for code in used:
        measure = registry.find(code)
        if measure is not None and not measure.snomed_code:
            yield Finding(
                "no_snomed",
                code,
                f"{code} responses are sent with an empty CodedAssToolType: set its SNOMED CT code in "
                "the measures configuration (measures.<code>.codes, with its source).",
            )


def period_from_text(start: str, end: str) -> Period:
    """A period from two ISO dates; DatasetRefused with a message when they are not."""
    from stepcare.exports.dataset import DatasetRefused

    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError as exc:
        raise DatasetRefused(
            f"Dates are YYYY-MM-DD, for example 2026-10-01 (got {start!r}, {end!r})."
        ) from exc
    return Period(first, last)
