"""A course's progress: scores by contact, the SVG chart and the table beside it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from stepcare.measures import Registry
from stepcare.outcomes import due as due_rules
from stepcare.outcomes.charts import Marker, Point, Series, progress_chart_svg
from stepcare.outcomes.models import MeasureResponse, Timepoint
from stepcare.outcomes.registry import service_registry
from stepcare.outcomes.selectors.common import _scores, descriptor_on
from stepcare.referrals.models import ProblemDescriptorRecord, Referral, StepChange

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
