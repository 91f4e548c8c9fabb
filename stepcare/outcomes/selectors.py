"""Reads for outcome monitoring: what is due at a contact, a course's progress and status, the
clinician's caseload, and the PHQ-9 item 9 prompt. Every score shown was computed by
`stepcare.measures` (stored at recording) or is classified by it here."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from stepcare.accounts.models import Team, User
from stepcare.measures import Registry
from stepcare.outcomes import due as due_rules
from stepcare.outcomes.charts import Marker, Point, Series, progress_chart_svg, sparkline_svg
from stepcare.outcomes.expected import ExpectedCurve, curve_from_courses, default_curve_for, not_on_track
from stepcare.outcomes.models import MeasureResponse, OutcomeSettings, Timepoint
from stepcare.outcomes.registry import service_registry
from stepcare.patients.models import RiskFlag
from stepcare.records import nice
from stepcare.records.models import TreatmentPlan
from stepcare.referrals.models import ProblemDescriptorRecord, Referral, StepChange
from stepcare.scheduling.models import TREATMENT_TYPES, Appointment, Attendee, WorkingHours

ATTENDED = ("5", "6")
GAP_DAYS = 28
STANDARD_WEEK_HOURS = 37.5
TIMEPOINT_FOR_APP_TYPE: dict[str, str] = {
    Appointment.Type.ASSESSMENT: Timepoint.ASSESSMENT,
    Appointment.Type.FOLLOW_UP: Timepoint.FOLLOW_UP,
}


# PHQ-9 item 9 ------------------------------------------------------------------------------------


def item9_annotations(patient_ref: str = "pk") -> dict[str, Any]:
    """Annotations for a Patient queryset: the latest PHQ-9 item 9 answered above 0 and its date.

    Subqueries in the same SELECT, so the banner costs no extra query."""
    latest = (
        MeasureResponse.objects.current()
        .filter(patient=OuterRef(patient_ref), measure=due_rules.DEPRESSION, item9__gt=0)
        .order_by("-completed_on", "-recorded_at", "-id")
    )
    return {
        "item9_answer": Subquery(latest.values("item9")[:1]),
        "item9_on": Subquery(latest.values("completed_on")[:1]),
    }


def risk_check_required(appointment: Appointment) -> bool:
    """Whether PHQ-9 item 9 was answered above 0 at this appointment (a current response).

    For the session note's signing: the clinician must record that risk was explored. It is a
    prompt to ask, never a risk score."""
    return (
        MeasureResponse.objects.current()
        .filter(appointment=appointment, measure=due_rules.DEPRESSION, item9__gt=0)
        .exists()
    )


# Settings and descriptors -----------------------------------------------------------------------


def outcome_settings(service_id: int) -> OutcomeSettings:
    """The service's settings, or the defaults (not saved) when it has none."""
    found = OutcomeSettings.objects.filter(service_id=service_id).first()
    return found or OutcomeSettings(service_id=service_id)


def descriptor_on(referral: Referral, on: dt.date) -> ProblemDescriptorRecord | None:
    """The primary problem descriptor in force on a date (the latest recorded by then)."""
    return (
        ProblemDescriptorRecord.objects.filter(referral=referral, recorded_on__lte=on)
        .order_by("-recorded_on", "-recorded_at", "-id")
        .first()
    )


def service_curve(service_id: int | None, *, today: dt.date | None = None) -> ExpectedCurve:
    """The expected-response curve for PHQ-9: from the service's own finished courses of the
    last two years when there are enough, otherwise the configured default (one query)."""
    return service_curves(service_id, [due_rules.DEPRESSION], today=today)[due_rules.DEPRESSION]


def service_curves(
    service_id: int | None, measures: Iterable[str], *, today: dt.date | None = None
) -> dict[str, ExpectedCurve]:
    """The expected-response curve of each measure (PHQ-9, GAD-7, an ADSM): from the service's
    own finished courses of the last two years when there are enough, otherwise the default
    configured in ``OUTCOMES_EXPECTED_CURVES`` or Stepcare's illustrative one, each with its
    source (one query for all the measures)."""
    today = today or timezone.localdate()
    wanted = sorted(set(measures))
    courses: dict[str, dict[int, list[float]]] = {m: defaultdict(list) for m in wanted}
    if service_id is not None and wanted:
        rows = (
            MeasureResponse.objects.current()
            .filter(
                measure__in=wanted,
                referral__team__service_id=service_id,
                referral__status=Referral.Status.ENDED,
                referral__discharge_date__gte=today - dt.timedelta(days=730),
            )
            .order_by("referral_id", "completed_on", "recorded_at", "id")
            .values_list("measure", "referral_id", "total")
        )
        for measure, referral_id, total in rows:
            courses[measure][referral_id].append(total)
    configured = getattr(settings, "OUTCOMES_EXPECTED_CURVES", None) or {}
    return {
        m: curve_from_courses(courses[m].values(), default=default_curve_for(m, configured), measure=m)
        for m in wanted
    }


# One contact -------------------------------------------------------------------------------------


@dataclass
class DueRow:
    due: due_rules.Due
    response: MeasureResponse | None


@dataclass
class ContactMeasures:
    appointment: Appointment
    attendee: Attendee
    descriptor: ProblemDescriptorRecord | None
    timepoint: str
    session_number: int | None
    rows: list[DueRow]
    others: list[MeasureResponse]  # recorded here but not due (or entered in error)
    change_notice: str
    missing_for_pair: list[str]
    item9_response: MeasureResponse | None

    @property
    def to_enter(self) -> list[due_rules.Due]:
        return [row.due for row in self.rows if row.response is None]

    @property
    def attended_treatment(self) -> bool:
        return self.attendee.attendance in ATTENDED and self.appointment.app_type in TREATMENT_TYPES


def session_number(attendee: Attendee, appointment: Appointment) -> int | None:
    """This contact's position among the referral's attended treatment contacts."""
    if appointment.app_type not in TREATMENT_TYPES:
        return None
    before = (
        Attendee.objects.filter(
            referral_id=attendee.referral_id,
            attendance__in=ATTENDED,
            appointment__app_type__in=TREATMENT_TYPES,
            starts_at__lt=appointment.starts_at,
        )
        .exclude(pk=attendee.pk)
        .count()
    )
    return before + 1


def contact_measures(
    *, appointment: Appointment, attendee: Attendee, registry: Registry | None = None
) -> ContactMeasures:
    """Everything the measures page of one contact shows for one patient."""
    registry = registry or service_registry()
    day = timezone.localtime(appointment.starts_at).date()
    descriptor = descriptor_on(attendee.referral, day)
    code = descriptor.primary if descriptor else None
    timepoint = TIMEPOINT_FOR_APP_TYPE.get(appointment.app_type, Timepoint.TREATMENT)
    number = session_number(attendee, appointment)
    prefs = outcome_settings(appointment.team.service_id)
    due = due_rules.measures_due(
        descriptor=code,
        timepoint=timepoint,
        session_number=number,
        wsas_points=prefs.wsas_points,
        phobia_points=prefs.phobia_points,
        registry=registry,
    )
    here = list(
        MeasureResponse.objects.filter(appointment=appointment, patient_id=attendee.patient_id)
        .select_related("recorded_by", "error_marked_by")
        .in_order()
    )
    current = {r.measure: r for r in here if r.is_current}
    rows = [DueRow(d, current.get(d.measure.code)) for d in due]
    due_codes = {d.measure.code for d in due}
    others = [r for r in here if not r.is_current or r.measure not in due_codes]
    previous = (
        MeasureResponse.objects.current()
        .filter(referral_id=attendee.referral_id, completed_on__lte=day)
        .exclude(appointment=appointment)
        .order_by("-completed_on", "-recorded_at", "-id")
        .values_list("problem_descriptor", flat=True)
        .first()
    )
    notice = ""
    anxiety = due_rules.anxiety_measure_for(code, registry)
    if previous is not None and (previous or None) != code:
        before = due_rules.anxiety_measure_for(previous or None, registry)
        if before.code != anxiety.code and descriptor is not None:
            notice = (
                f"The problem descriptor changed to {descriptor.get_primary_display()} on "
                f"{descriptor.recorded_on:%-d %B %Y}: {anxiety.code} is due from now on instead of "
                f"{before.code}. The national outcome pairs the first and last scores of the same "
                f"measure, so this contact gives {anxiety.code}'s first score."
            )
    missing: list[str] = []
    if attendee.attendance in ATTENDED and appointment.app_type in TREATMENT_TYPES:
        missing = due_rules.missing_for_pair(recorded=list(current), descriptor=code, registry=registry)
    phq = current.get(due_rules.DEPRESSION)
    return ContactMeasures(
        appointment=appointment,
        attendee=attendee,
        descriptor=descriptor,
        timepoint=timepoint,
        session_number=number,
        rows=rows,
        others=others,
        change_notice=notice,
        missing_for_pair=missing,
        item9_response=phq if phq is not None and (phq.item9 or 0) > 0 else None,
    )


def pair_gaps(appointment: Appointment, attendees: list[Attendee]) -> list[tuple[Attendee, list[str]]]:
    """For the appointment page: each attendee whose attendance at this treatment contact is
    recorded without PHQ-9 and the anxiety measure due, with what is missing (two queries)."""
    attended = [a for a in attendees if a.attendance in ATTENDED]
    if appointment.app_type not in TREATMENT_TYPES or not attended:
        return []
    registry = service_registry()
    day = timezone.localtime(appointment.starts_at).date()
    recorded: dict[int, list[str]] = defaultdict(list)
    for patient_id, measure in (
        MeasureResponse.objects.current().filter(appointment=appointment).values_list("patient_id", "measure")
    ):
        recorded[patient_id].append(measure)
    descriptors: dict[int, str] = {}
    for d in ProblemDescriptorRecord.objects.filter(
        referral_id__in=[a.referral_id for a in attended], recorded_on__lte=day
    ).order_by("referral_id", "recorded_on", "recorded_at", "id"):
        descriptors[d.referral_id] = d.primary
    gaps = []
    for a in attended:
        missing = due_rules.missing_for_pair(
            recorded=recorded[a.patient_id], descriptor=descriptors.get(a.referral_id), registry=registry
        )
        if missing:
            gaps.append((a, missing))
    return gaps


# A course's progress ------------------------------------------------------------------------------


@dataclass
class ContactRow:
    """One row of the table beside the chart: a contact and its scores by measure."""

    completed_on: dt.date
    label: str
    totals: dict[str, MeasureResponse]


@dataclass
class Progress:
    referral: Referral
    descriptor: ProblemDescriptorRecord | None
    responses: list[MeasureResponse]
    measures: list[str]
    rows: list[ContactRow]
    chart: SafeString
    status: due_rules.CourseStatus
    step_changes: list[StepChange] = field(default_factory=list)


def _scores(responses: Iterable[MeasureResponse]) -> list[due_rules.Score]:
    return [due_rules.Score(r.measure, r.total, r.caseness, r.completed_on) for r in responses]


def _label(r: MeasureResponse) -> str:
    if r.timepoint == Timepoint.TREATMENT and r.session_number:
        return f"Session {r.session_number}"
    return Timepoint(r.timepoint).label


def chart_measures(descriptor: str | None, present: Iterable[str], registry: Registry) -> list[str]:
    """PHQ-9, the anxiety measure due for the descriptor, then GAD-7 and any other anxiety
    measure with scores; only measures with scores are drawn."""
    present = set(present)
    wanted = [
        due_rules.DEPRESSION,
        due_rules.anxiety_measure_for(descriptor, registry).code,
        due_rules.BACKUP_ANXIETY,
    ]
    wanted += sorted(c for c in present if registry.get(c).is_adsm)
    seen: list[str] = []
    for code in wanted:
        if code in present and code not in seen:
            seen.append(code)
    return seen


def course_chart(
    *,
    reference: str,
    current: list[MeasureResponse],
    descriptor: str | None,
    steps: list[StepChange],
    registry: Registry,
) -> tuple[list[str], list[ContactRow], SafeString]:
    """The measures drawn, the table rows and the SVG chart of a course's current responses
    (in completed order). Shared by the progress page and the supervision pack."""
    measures = chart_measures(descriptor, (r.measure for r in current), registry)
    keys: list[tuple[dt.date, int]] = []
    rows: dict[tuple[dt.date, int], ContactRow] = {}
    for r in current:
        key = (r.completed_on, r.appointment_id or -r.pk)
        if key not in rows:
            keys.append(key)
            rows[key] = ContactRow(r.completed_on, _label(r), {})
        rows[key].totals.setdefault(r.measure, r)
    position = {k: i for i, k in enumerate(keys)}
    series = [
        Series(
            registry.get(m),
            tuple(Point(position[k], rows[k].totals[m].total) for k in keys if m in rows[k].totals),
        )
        for m in measures
    ]
    dates = [k[0] for k in keys]
    markers = []
    for step in steps:
        before = sum(1 for d in dates if d < step.changed_on)
        if dates and step.from_step:
            markers.append(
                Marker(min(max(before - 0.5, 0), len(dates) - 1), f"Step {step.from_step} to {step.to_step}")
            )
    chart = progress_chart_svg(
        title=f"Scores by contact for referral {reference}",
        series=series,
        contact_dates=dates,
        markers=markers,
    )
    return measures, [rows[k] for k in keys], mark_safe(chart)  # noqa: S308 - numbers and escaped text only


def progress(*, referral: Referral, registry: Registry | None = None) -> Progress:
    """Scores by contact, the SVG chart, the table beside it and the live course status."""
    registry = registry or service_registry()
    responses = list(
        MeasureResponse.objects.filter(referral=referral)
        .select_related("recorded_by", "error_marked_by", "appointment")
        .in_order()
    )
    current = [r for r in responses if r.is_current]
    descriptor = descriptor_on(referral, timezone.localdate())
    code = descriptor.primary if descriptor else None
    steps = list(StepChange.objects.filter(referral=referral).exclude(from_step="").order_by("changed_on"))
    measures, rows, chart = course_chart(
        reference=referral.reference, current=current, descriptor=code, steps=steps, registry=registry
    )
    status = due_rules.course_status(descriptor=code, scores=_scores(current), registry=registry)
    return Progress(
        referral=referral,
        descriptor=descriptor,
        responses=responses,
        measures=measures,
        rows=rows,
        chart=chart,
        status=status,
        step_changes=steps,
    )


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
    """The user's courses finished in the last year: ended with at least two attended treatment
    appointments (the treatment count read by a subquery, so the set can be counted inside
    another query)."""
    treatments = (
        Attendee.objects.filter(
            referral=OuterRef("pk"), attendance__in=ATTENDED, appointment__app_type__in=TREATMENT_TYPES
        )
        .order_by()
        .values("referral")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Referral.objects.filter(
            allocated_to=user,
            status=Referral.Status.ENDED,
            discharge_date__gt=today - dt.timedelta(days=365),
        )
        .annotate(treatments=Coalesce(Subquery(treatments), 0))
        .filter(treatments__gte=2)
    )


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
        finished = _finished_courses(user, finished_by).order_by().values("allocated_to")
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
    for response in MeasureResponse.objects.current().filter(referral_id__in=ids).in_order():
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


# Supervision ------------------------------------------------------------------------------------


PACK_PAGE_SIZE = 25  # courses per page of the supervision pack


@dataclass
class PackItem:
    row: CaseloadRow
    reasons: list[str]
    chart: SafeString


@dataclass
class SupervisionPack:
    supervisee: User
    caseload: Caseload
    items: list[PackItem]
    # A trainee's signed notes and assessments still needing the supervisor's countersignature.
    awaiting_countersignature: list[Any] = field(default_factory=list)
    # How many more wait beyond the list (listed in full, paged, on supervision:awaiting).
    awaiting_more: int = 0


def supervision_pack(
    *,
    supervisee: User,
    page_number: int | str = 1,
    registry: Registry | None = None,
    per_page: int | None = None,
    charts: bool = True,
    trainee: bool | None = None,
) -> SupervisionPack:
    """The supervisee's open caseload (paged), with each course that needs discussing, why,
    and its progress chart: not on track, no reliable improvement after 6 sessions, risk
    concerns or PHQ-9 item 9 above 0, more sessions than planned, missed appointments, gaps.
    `charts=False` leaves the charts out (recording supervision needs only the reasons)."""
    registry = registry or service_registry()
    data = caseload(
        user=supervisee,
        sort="name",
        page_number=page_number,
        registry=registry,
        per_page=per_page or PACK_PAGE_SIZE,
        with_capacity=False,
    )
    ids = [row.referral.pk for row in data.rows]
    steps: dict[int, list[StepChange]] = defaultdict(list)
    for step in StepChange.objects.filter(referral_id__in=ids).exclude(from_step="").order_by("changed_on"):
        steps[step.referral_id].append(step)
    items = []
    for row in data.rows:
        reasons = []
        for measure in row.off_track:
            reasons.append(f"Not on track ({measure} above the expected range)")
        if row.no_reliable_change_after_six:
            reasons.append(f"No reliable improvement after {row.sessions_used} sessions")
        if row.risk_flags:
            reasons.append("Current risk concerns recorded")
        if row.item9_raised:
            reasons.append("PHQ-9 item 9 answered above 0 in this course")
        if row.over_planned_sessions:
            reasons.append(
                f"{row.sessions_used} sessions, more than the {row.planned_sessions} "
                "in the agreed treatment plan"
            )
        if row.over_nice_range and row.nice_range is not None:
            reasons.append(
                f"{row.sessions_used} sessions, more than the NICE range ({row.nice_range.describe()})"
            )
        if row.dnas:
            reasons.append(f"{row.dnas} missed appointment{'s' if row.dnas != 1 else ''}")
        if row.gap_over_28_days:
            reasons.append(f"No contact for {row.days_since_contact} days")
        if not reasons:
            continue
        if not charts:
            items.append(PackItem(row=row, reasons=reasons, chart=mark_safe("")))
            continue
        _measures, _rows, chart = course_chart(
            reference=row.referral.reference,
            current=row.responses,
            descriptor=row.descriptor,
            steps=steps[row.referral.pk],
            registry=registry,
        )
        items.append(PackItem(row=row, reasons=reasons, chart=chart))
    from stepcare.supervision.selectors import (
        PENDING_LIMIT,
        awaiting_countersignature,
        awaiting_countersignature_total,
    )

    waiting = awaiting_countersignature(supervisee, trainee_role=trainee) if charts else []
    # Counted only when the list is full: the pack then says how many more wait.
    full = len(waiting) >= PENDING_LIMIT
    total = sum(awaiting_countersignature_total(supervisee, trainee_role=trainee).values()) if full else 0
    return SupervisionPack(
        supervisee=supervisee,
        caseload=data,
        items=items,
        awaiting_countersignature=waiting,
        awaiting_more=max(0, total - len(waiting)),
    )


def supervisees(user: User) -> QuerySet[User]:
    """Clinicians in the teams where `user` supervises (themselves excluded)."""
    from stepcare.accounts.permissions import Permission, team_ids_with_permission

    teams = team_ids_with_permission(user, Permission.SUPERVISE)
    return (
        User.objects.filter(is_active=True, memberships__team_id__in=teams, memberships__active=True)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("last_name", "first_name")
    )


# Monitoring while waiting ------------------------------------------------------------------------


WAITING_STATUSES = (Referral.Status.WAITING, Referral.Status.ALLOCATED)
WAITING_MEASURES = (due_rules.DEPRESSION, due_rules.BACKUP_ANXIETY)


def waiting_flags(responses: list[MeasureResponse], registry: Registry) -> list[str]:
    """Why someone waiting needs a call back: a rise from their first score of at least the
    measure's reliable-change value (the core's definition), or PHQ-9 item 9 above 0 at the
    latest check. `responses` are current, in completed order."""
    flags = []
    for code in WAITING_MEASURES:
        totals = [r.total for r in responses if r.measure == code]
        measure = registry.get(code)
        if len(totals) >= 2 and measure.reliable_change is not None:
            rise = totals[-1] - totals[0]
            if rise > 0 and measure.reliable_change.is_reliable(rise):
                flags.append(f"{code} rose from {totals[0]:g} to {totals[-1]:g} (reliable change)")
    phq = [r for r in responses if r.measure == due_rules.DEPRESSION]
    if phq and (phq[-1].item9 or 0) > 0:
        flags.append(f"PHQ-9 item 9 answered {phq[-1].item9} on {phq[-1].completed_on:%-d %b %Y}")
    return flags


@dataclass
class WaitingRow:
    referral: Referral
    last_check: dt.date | None
    latest: dict[str, MeasureResponse]
    flags: list[str]


@dataclass
class WaitingMonitor:
    page: Page[Referral]
    rows: list[WaitingRow]


def waiting_monitor(
    *,
    team_ids: Iterable[int],
    flagged_first: bool = True,
    page_number: int | str = 1,
    per_page: int = 25,
    registry: Registry | None = None,
) -> WaitingMonitor:
    """People on the waiting list in these teams, longest since their last check first, paged
    in the database, with their latest PHQ-9 and GAD-7 and any flags."""
    registry = registry or service_registry()
    qs = (
        Referral.objects.filter(
            team_id__in=list(team_ids),
            status__in=WAITING_STATUSES,
            first_treatment_date__isnull=True,
            patient__isnull=False,
        )
        .select_related("patient", "team")
        .annotate(
            last_check=Max(
                "measure_responses__completed_on",
                filter=Q(measure_responses__status=MeasureResponse.Status.CURRENT),
            )
        )
        .order_by(F("last_check").asc(nulls_first=True), "received_on", "pk")
    )
    page = Paginator(qs, per_page).get_page(page_number)
    referrals = list(page.object_list)
    by_referral: dict[int, list[MeasureResponse]] = defaultdict(list)
    for r in (
        MeasureResponse.objects.current()
        .filter(referral_id__in=[x.pk for x in referrals], measure__in=WAITING_MEASURES)
        .in_order()
    ):
        by_referral[r.referral_id].append(r)
    rows = [
        WaitingRow(
            referral=x,
            last_check=x.last_check,
            latest={r.measure: r for r in by_referral[x.pk]},
            flags=waiting_flags(by_referral[x.pk], registry),
        )
        for x in referrals
    ]
    return WaitingMonitor(page=page, rows=rows)
