"""The clinician's caseload: open referrals paged in the database, each with its latest
scores, trend, course status and risk, and the caseload against capacity."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from stepcare.accounts.models import Team, User
from stepcare.measures import Registry
from stepcare.outcomes import due as due_rules
from stepcare.outcomes.charts import sparkline_svg
from stepcare.outcomes.expected import ExpectedCurve, not_on_track
from stepcare.outcomes.models import MeasureResponse, OutcomeSettings
from stepcare.outcomes.registry import service_registry
from stepcare.outcomes.selectors.common import (
    ATTENDED,
    GAP_DAYS,
    STANDARD_WEEK_HOURS,
    _scores,
    outcome_settings,
)
from stepcare.outcomes.selectors.curves import service_curves
from stepcare.patients.models import RiskFlag
from stepcare.records import nice
from stepcare.records.models import TreatmentPlan
from stepcare.referrals.models import Allocation, ProblemDescriptorRecord, Referral
from stepcare.scheduling.models import TREATMENT_TYPES, WorkingHours
from stepcare.scheduling.timeslots import local

# The caseload ------------------------------------------------------------------------------------


SORTS: dict[str, tuple[Any, ...]] = {
    "name": ("patient__family_name", "patient__given_name", "pk"),
    "last_contact": (F("last_contact").asc(nulls_first=True), "pk"),
    "next": (F("next_appointment").asc(nulls_last=True), "pk"),
    "sessions": ("-sessions_used", "pk"),
    "received": ("received_on", "pk"),
}
FILTERS = ("all", "gap", "not_seen", "risk")


@dataclass
class CaseloadRow:
    referral: Referral
    last_contact: dt.datetime | None
    next_appointment: dt.datetime | None
    sessions_used: int
    has_risk: bool
    risk_flags: list[RiskFlag]
    latest: dict[str, MeasureResponse]
    sparkline: SafeString
    status: due_rules.CourseStatus
    anxiety_measure: str
    days_since_contact: int | None
    not_on_track: bool = False
    dnas: int = 0
    planned_sessions: int | None = None
    responses: list[MeasureResponse] = field(default_factory=list)
    descriptor: str | None = None
    # The measures (PHQ-9, the anxiety measure) whose latest score is above the expected range.
    off_track: list[str] = field(default_factory=list)
    # The NICE range for the agreed treatment plan's modality and problem descriptor.
    nice_range: nice.SessionRange | None = None

    @property
    def over_planned_sessions(self) -> bool:
        """More attended treatment sessions than the agreed (signed) treatment plan planned."""
        return self.planned_sessions is not None and self.sessions_used > self.planned_sessions

    @property
    def over_nice_range(self) -> bool:
        """More attended treatment sessions than the top of the NICE range for the plan."""
        r = self.nice_range
        return bool(r and r.unit == "sessions" and r.high and self.sessions_used > r.high)

    @property
    def no_reliable_change_after_six(self) -> bool:
        return self.sessions_used >= 6 and not self.status.outcome.reliable_improvement

    @property
    def item9_raised(self) -> bool:
        return any((r.item9 or 0) > 0 for r in self.responses)

    @property
    def gap_over_28_days(self) -> bool:
        return self.days_since_contact is not None and self.days_since_contact > GAP_DAYS

    @property
    def not_seen(self) -> bool:
        return self.last_contact is None


@dataclass
class Capacity:
    wte: float
    hours_per_week: float
    courses_per_wte_year: int
    source: str
    expected_courses_year: float
    finished_last_year: int
    open_cases: int


@dataclass
class Caseload:
    page: Page[Referral]
    rows: list[CaseloadRow]
    capacity: Capacity | None  # None when the page does not show it (the supervision pack)
    sort: str
    filter: str
    counts: dict[str, int]
    curve: ExpectedCurve
    curves: dict[str, ExpectedCurve] = field(default_factory=dict)


def _caseload_queryset(user: User, now: dt.datetime) -> Any:
    attended = Q(appointment_rows__attendance__in=ATTENDED)
    plan = TreatmentPlan.objects.signed().filter(referral=OuterRef("pk")).order_by("-signed_at", "-id")
    return (
        Referral.objects.open()
        .filter(allocated_to=user, patient__isnull=False)
        .select_related("patient")
        .annotate(
            last_contact=Max("appointment_rows__starts_at", filter=attended),
            next_appointment=Min(
                "appointment_rows__starts_at",
                filter=Q(appointment_rows__live=True, appointment_rows__starts_at__gt=now),
            ),
            sessions_used=Count(
                "appointment_rows",
                filter=attended & Q(appointment_rows__appointment__app_type__in=TREATMENT_TYPES),
            ),
            has_risk=Exists(RiskFlag.objects.filter(patient=OuterRef("patient"), cleared_at__isnull=True)),
            dnas=Count("appointment_rows", filter=Q(appointment_rows__attendance__in=("3", "7"))),
            # The agreed plan: the latest signed treatment plan of the referral.
            planned_sessions=Subquery(plan.values("planned_sessions")[:1]),
            plan_modality=Subquery(plan.values("modality")[:1]),
            plan_descriptor=Subquery(plan.values("problem_descriptor")[:1]),
        )
    )


def _filtered(qs: Any, name: str, now: dt.datetime) -> Any:
    if name == "gap":
        return qs.filter(last_contact__lt=now - dt.timedelta(days=GAP_DAYS))
    if name == "not_seen":
        return qs.filter(last_contact__isnull=True)
    if name == "risk":
        return qs.filter(has_risk=True)
    return qs


def service_of(user: User) -> int | None:
    """The service of the user's first active team (by name); one query, without loading the
    user's memberships when they are not loaded already."""
    return (
        Team.objects.filter(memberships__user=user, memberships__active=True)
        .values_list("service_id", flat=True)
        .first()
    )


def _finished_courses(user: User, today: dt.date) -> Any:
    """The user's courses finished in the last year, as the user's allocations that ended them:
    referrals ended with at least two attended treatment contacts (the referral's count, kept
    by the diary, as the KPI reports read it) whose last allocation was the user's. Ending a
    referral ends its allocation and clears ``allocated_to``, so the allocations say who treated
    it; a course handed on counts for the clinician who finished it. An allocation ends when its
    referral ends, on or after the discharge date, so the therapist's allocations ended in the
    year are read (index ``allocation_ended_by_therapist``), not their whole history."""
    since = today - dt.timedelta(days=365)
    handed_on = Allocation.objects.filter(referral=OuterRef("referral"), pk__gt=OuterRef("pk"))
    return Allocation.objects.filter(
        therapist=user,
        ended_at__gte=local(since, dt.time.min),
        referral__status=Referral.Status.ENDED,
        referral__discharge_date__gt=since,
        referral__treatment_contact_count__gte=2,
    ).exclude(Exists(handed_on))


def service_and_settings(
    user: User, *, finished_by: dt.date | None = None
) -> tuple[int | None, OutcomeSettings, int | None]:
    """`service_of(user)`, that service's outcome settings (or the defaults, not saved) and,
    given `finished_by`, the number of the user's courses finished in the year to that day: one
    query, the settings and the count read beside the team's service."""
    names = [f.attname for f in OutcomeSettings._meta.concrete_fields if f.attname != "service_id"]
    mine = OutcomeSettings.objects.filter(service_id=OuterRef("service_id")).order_by("pk")
    extra: dict[str, Any] = {}
    if finished_by is not None:
        finished = _finished_courses(user, finished_by).order_by().values("therapist")
        extra["s_finished"] = Coalesce(Subquery(finished.annotate(n=Count("pk")).values("n")[:1]), 0)
    found = (
        Team.objects.filter(memberships__user=user, memberships__active=True)
        .annotate(**{f"s_{name}": Subquery(mine.values(name)[:1]) for name in names}, **extra)
        .values("service_id", *(f"s_{name}" for name in names), *extra)
        .first()
    )
    if found is None:
        return None, OutcomeSettings(), None
    service_id = found["service_id"]
    count = found.get("s_finished")
    if found["s_id"] is None:
        return service_id, OutcomeSettings(service_id=service_id), count
    prefs = OutcomeSettings(service_id=service_id, **{name: found[f"s_{name}"] for name in names})
    return service_id, prefs, count


def capacity_for(
    user: User,
    *,
    open_cases: int,
    today: dt.date,
    service_id: int | None,
    prefs: OutcomeSettings | None = None,
    finished: int | None = None,
) -> Capacity:
    """Caseload against capacity: WTE from the working pattern (the standard 37.5-hour week when
    none is recorded), finished courses a year per WTE from the service's settings."""
    blocks = list(WorkingHours.objects.filter(clinician=user))
    hours = sum(b.hours for b in blocks) if blocks else STANDARD_WEEK_HOURS
    if prefs is None:
        prefs = outcome_settings(service_id) if service_id else OutcomeSettings()
    if finished is None:
        finished = _finished_courses(user, today).count()
    wte = round(hours / STANDARD_WEEK_HOURS, 2)
    return Capacity(
        wte=wte,
        hours_per_week=hours,
        courses_per_wte_year=prefs.finished_courses_per_wte_year,
        source=prefs.finished_courses_source,
        expected_courses_year=round(wte * prefs.finished_courses_per_wte_year, 1),
        finished_last_year=finished,
        open_cases=open_cases,
    )


# The columns of a score the caseload and the supervision pack read: not the answers (a JSON
# document per score, a course of weekly scores is a few hundred) nor who recorded or corrected it.
ROW_SCORE_FIELDS = (
    "referral_id",
    "appointment_id",
    "measure",
    "total",
    "severity",
    "caseness",
    "item9",
    "timepoint",
    "session_number",
    "completed_on",
    "recorded_at",
    "status",
)


def caseload(
    *,
    user: User,
    sort: str = "last_contact",
    filter_name: str = "all",
    page_number: int | str = 1,
    per_page: int = 25,
    registry: Registry | None = None,
    with_capacity: bool = True,
) -> Caseload:
    """Open referrals allocated to `user`, sorted, filtered and paged in the database, with the
    latest scores, trend, live course status and risk for the page's rows only; and, unless
    `with_capacity` is false, the caseload against the clinician's capacity."""
    registry = registry or service_registry()
    now = timezone.now()
    sort = sort if sort in SORTS else "last_contact"
    filter_name = filter_name if filter_name in FILTERS else "all"
    base = _caseload_queryset(user, now)
    counts_row = base.aggregate(
        all=Count("pk"),
    )
    qs = _filtered(base, filter_name, now).order_by(*SORTS[sort])
    paginator = Paginator(qs, per_page)
    if filter_name == "all":
        paginator.count = counts_row["all"]  # counted just above: not a second time
    page = paginator.get_page(page_number)
    referrals = list(page.object_list)
    ids = [r.pk for r in referrals]
    by_referral: dict[int, list[MeasureResponse]] = defaultdict(list)
    for response in (
        MeasureResponse.objects.current().filter(referral_id__in=ids).in_order().only(*ROW_SCORE_FIELDS)
    ):
        by_referral[response.referral_id].append(response)
    descriptors: dict[int, str] = {}
    for d in ProblemDescriptorRecord.objects.filter(
        referral_id__in=ids, recorded_on__lte=timezone.localdate()
    ).order_by("referral_id", "recorded_on", "recorded_at", "id"):
        descriptors[d.referral_id] = d.primary
    flags: dict[int, list[RiskFlag]] = defaultdict(list)
    for flag in RiskFlag.objects.filter(
        patient_id__in=[r.patient_id for r in referrals], cleared_at__isnull=True
    ).order_by("-raised_at"):
        flags[flag.patient_id].append(flag)
    rows = []
    today = timezone.localdate()
    finished: int | None = None
    if with_capacity:
        service_id, prefs, finished = service_and_settings(user, finished_by=today)
    else:
        service_id, prefs = service_of(user), None
    anxiety_codes = {
        r.pk: due_rules.anxiety_measure_for(descriptors.get(r.pk), registry).code for r in referrals
    }
    curves = service_curves(service_id, {due_rules.DEPRESSION, *anxiety_codes.values()}, today=today)
    curve = curves[due_rules.DEPRESSION]
    for r in referrals:
        responses = by_referral[r.pk]
        code = descriptors.get(r.pk)
        latest = {x.measure: x for x in responses}
        phq = [x.total for x in responses if x.measure == due_rules.DEPRESSION]
        anxiety = anxiety_codes[r.pk]
        off_track = [due_rules.DEPRESSION] if not_on_track(phq, curve) else []
        if not_on_track([x.total for x in responses if x.measure == anxiety], curves[anxiety]):
            off_track.append(anxiety)
        plan_descriptor = r.plan_descriptor or code or ""
        phq9 = registry.get(due_rules.DEPRESSION)
        last_contact: dt.datetime | None = r.last_contact
        rows.append(
            CaseloadRow(
                referral=r,
                last_contact=last_contact,
                next_appointment=r.next_appointment,
                sessions_used=r.sessions_used,
                has_risk=r.has_risk,
                risk_flags=flags[r.patient_id] if r.patient_id else [],
                latest=latest,
                sparkline=mark_safe(  # noqa: S308 - numbers and escaped text only
                    sparkline_svg(phq[-8:], low=phq9.total_min, high=phq9.total_max, label="PHQ-9 trend")
                ),
                status=due_rules.course_status(descriptor=code, scores=_scores(responses), registry=registry),
                anxiety_measure=anxiety,
                days_since_contact=(today - timezone.localdate(last_contact)).days if last_contact else None,
                not_on_track=bool(off_track),
                dnas=r.dnas,
                planned_sessions=r.planned_sessions,
                responses=responses,
                descriptor=code,
                off_track=off_track,
                nice_range=nice.range_for(r.plan_modality, plan_descriptor) if r.plan_modality else None,
            )
        )
    counts = {"all": counts_row["all"]}
    capacity = (
        capacity_for(
            user,
            open_cases=counts["all"],
            today=today,
            service_id=service_id,
            prefs=prefs,
            finished=finished,
        )
        if with_capacity
        else None
    )
    return Caseload(
        page=page,
        rows=rows,
        capacity=capacity,
        sort=sort,
        filter=filter_name,
        counts=counts,
        curve=curve,
        curves=curves,
    )
